"""Provides the Storage pane's row keys and what is read from them: the request an action key makes
on a row (``storage_request``, for ``hatui.ui.actions_glue``), a row's storage problems, and the one
word the VMs pane shows for a VM's storage (``vm_storage_word``).

Row keys say what a row is: ``vm:<name>`` (a VM's group row; ``vm:`` for DRBD resources of no VM),
``backing:<drbd resource>@<node>``, ``snap:<vg/lv>@<node>``, ``lv:<vg/lv>@<node>``,
``vg:<vg>@<node>``, ``iscsi:<sid or target>@<node>``, ``fs:<mountpoint>@<node>``. LVM names hold
no ``@`` and host names none either, so the last ``@`` splits a key.
"""

from __future__ import annotations

from hatui.actions.commands_lvm import is_own_snapshot
from hatui.actions.plan import Request
from hatui.model.health_storage import STORAGE_CODES
from hatui.model.health_types import Problem
from hatui.model.storage_join import NodeLv, StorageView
from hatui.model.verdict import for_subject
from hatui.ui.cells import severity_mark


def split_key(key: str) -> tuple[str, str, str | None]:
    """``snap:vg0/www-snap@vnode2`` -> ``("snap", "vg0/www-snap", "vnode2")``; ``vm:www`` has no node."""
    kind, _, rest = key.partition(":")
    if kind == "vm":
        return kind, rest, None
    name, at, node = rest.rpartition("@")
    return (kind, name, node) if at else (kind, rest, None)


def storage_request(action: str, kind: str, key: str, storage: StorageView) -> Request | str:
    """The request ``action`` (of catalog kind ``kind``) makes on row ``key``, or why that row cannot
    take it. A VM action on a VM's LV row on a node asks for that node; on the VM's row, for none
    (the action's own default applies)."""
    row, name, node = split_key(key)
    if kind == "snapshot":
        return Request(action, name, node=node) if row == "snap" else "highlight a snapshot row (↳) first"
    if kind != "vm":
        return f"{action} is not a storage action"
    if row == "vm" and name:
        return Request(action, name)
    if row == "backing":
        vm = next((b.vm for b in storage.backings if b.drbd_resource == name and b.node == node), None)
    elif row == "lv":
        vm = next((n.domain for n in storage.logical_volumes if n.lv.path == name and n.node == node), None)
    else:
        vm = None
    return Request(action, vm, node=node) if vm else "highlight a VM or one of its disks first"


def storage_problems_of(problems: tuple[Problem, ...], key: str, node: str | None) -> tuple[Problem, ...]:
    """The verdict's storage problems about ``key`` on ``node`` (any node when None), worst first."""
    return tuple(
        p
        for p in for_subject(problems, key)
        if p.code in STORAGE_CODES and (node is None or p.node in (None, node))
    )


def hatui_snapshots(storage: StorageView, vm: str) -> tuple[NodeLv, ...]:
    """The snapshots hatui's backup made of ``vm``'s LVs, on any node."""
    return tuple(n for n in storage.lvs_of_vm(vm) if n.lv.is_snapshot and is_own_snapshot(n.lv.name))


def vm_storage_word(storage: StorageView, problems: tuple[Problem, ...], vm: str) -> tuple[str, int]:
    """One word for a VM's storage, and its rank (0 worst): the worst storage problem about it
    (``✖ snapshot-invalid``), else ``snap 12%`` while a hatui snapshot of it exists, else ``ok``;
    ``-`` when nothing is known: no node that holds its DRBD disks had its LVM read, or it has none."""
    found = storage_problems_of(problems, f"vm:{vm}", None)
    if found:
        return f"{severity_mark(found[0].severity)} {found[0].code}", found[0].rank
    snaps = hatui_snapshots(storage, vm)
    if snaps:
        fill = max((s.lv.snapshot_percent or 0.0) for s in snaps)
        return f"snap {fill:.0f}%", 3
    nodes = {b.node for b in storage.backings if b.vm == vm}
    return ("ok", 4) if nodes & set(storage.read_nodes) else ("-", 5)
