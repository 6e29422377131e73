"""Provides the Storage pane's row keys and what is read from them: the request an action key makes
on a row (``storage_request``, for ``hatui.ui.actions_glue``), a row's storage problems, and the one
word the VMs pane shows for a VM's storage (``vm_storage_word``).

Row keys say what a row is: ``vm:<name>`` (a VM's group row; ``vm:`` for DRBD resources of no VM),
``backing:<drbd resource>@<node>``, ``snap:<vg/lv>@<node>``, ``lv:<vg/lv>@<node>``,
``vg:<vg>@<node>``, ``iscsi:<sid or target>@<node>``, ``fs:<mountpoint>@<node>``. LVM names hold
no ``@`` and host names none either, so the last ``@`` splits a key.
"""

from __future__ import annotations

from hatui.actions.plan import Request
from hatui.model.health_storage import STORAGE_CODES
from hatui.model.health_types import Problem
from hatui.model.storage import is_own_snapshot
from hatui.model.storage_join import StorageView
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


#: The word of a VM whose storage is unknown (``vm_storage_words`` leaves a VM without DRBD disks out).
UNKNOWN_WORD = ("-", 5)


def vm_storage_words(storage: StorageView, problems: tuple[Problem, ...]) -> dict[str, tuple[str, int]]:
    """VM -> one word for its storage and that word's rank (0 worst), for every VM with a DRBD disk:
    the worst storage problem about it (``✖ snapshot-invalid``), else ``snap 12%`` (the fullest)
    while a snapshot hatui's backup made of its disks exists, else ``ok``; ``-`` when no node
    that holds its disks had its LVM read. A VM missing from the map has no DRBD disk: nothing is
    known of its storage (``-``).

    One pass over the LVs and disks per poll: the VMs pane asks for every VM.
    """
    fill: dict[str, float] = {}
    for n in storage.logical_volumes:
        if n.domain is not None and n.lv.is_snapshot and is_own_snapshot(n.lv.name):
            fill[n.domain] = max(fill.get(n.domain, 0.0), n.lv.snapshot_percent or 0.0)
    read = set(storage.read_nodes)
    known: dict[str, bool] = {}
    for b in storage.backings:
        if b.vm is not None:
            known[b.vm] = known.get(b.vm, False) or b.node in read
    words: dict[str, tuple[str, int]] = {}
    for vm, was_read in known.items():
        found = storage_problems_of(problems, f"vm:{vm}", None)
        if found:
            words[vm] = f"{severity_mark(found[0].severity)} {found[0].code}", found[0].rank
        elif vm in fill:
            words[vm] = f"snap {fill[vm]:.0f}%", 3
        else:
            words[vm] = ("ok", 4) if was_read else UNKNOWN_WORD
    return words
