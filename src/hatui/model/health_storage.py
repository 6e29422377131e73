"""Provides the storage health checks: LVM snapshots, volume groups, PVs, iSCSI sessions, filesystems.

The rules (subject in brackets; every problem names its node, and ``affects`` carries the VMs and
DRBD resources the join ties it to, ``hatui.model.storage_join``):

- ``snapshot-invalid`` CRITICAL [``vg/lv``]: a thick snapshot the kernel invalidated (``lv_attr``
  state ``I``, or ``S`` before LVM 2.02.97) or 100 % full. Its copy is lost for good.
- ``snapshot-filling`` WARNING [``vg/lv``]: a thick snapshot at or past the backup rule's warning
  level (``backup: warn_percent``, 80 % unless set). A thin pool's or thin volume's ``Data%`` is
  not a snapshot's fill and never counts: a thin snapshot shares its pool and does not die full.
  DRBD's own ``*-before-resync`` snapshots follow the same rule as hatui's.
- ``pv-missing`` CRITICAL [``vg``]: a partial volume group (``vg_attr`` 4th ``p``) or one of its
  PVs ``[unknown]`` or flagged missing (``pv_attr`` ``m``).
- ``vg-space-low`` WARNING [``vg``]: the volume group's free space cannot hold the snapshot hatui's
  backup would take of the largest LV in it that backs a DRBD resource (``SnapshotRule.size_bytes``:
  20 % of the LV, at least 256 MiB, rounded up to the VG's extent, unless ``backup:`` says otherwise).
- ``iscsi-session-down`` CRITICAL [target IQN]: a session not logged in (iSCSI Session State other
  than ``LOGGED_IN``, or, where the output has no such line, a connection not ``LOGGED IN``).
- ``fs-space-low`` WARNING [mount point]: a filesystem at or past ``FS_FULL_PERCENT`` (90 %) used,
  as df counts it (used / (used + available)). Read-only images (squashfs, ISO 9660) are always
  full and left out.
- ``lv-missing`` CRITICAL [``vg/lv`` as the DRBD configuration names it]: a node whose LVM was read
  lacks the LV that backs a DRBD resource there (or its whole volume group). A node whose LVM was not
  read says nothing.
"""

from __future__ import annotations

import re

from hatui.model.health_types import CRITICAL, WARNING, Problem
from hatui.model.storage_join import NodeLv, StorageView, fmt_bytes, on_disk
from hatui.model.view import ClusterView

#: A filesystem this full (percent used) is a warning.
FS_FULL_PERCENT = 90.0
#: Read-only image filesystems: always 100 % used, by design.
_ALWAYS_FULL = frozenset({"squashfs", "iso9660", "udf", "cramfs", "erofs"})
_DRBD_MINOR = re.compile(r"^/dev/drbd(\d+)$")
_DRBD_BY_RES = re.compile(r"^/dev/drbd/by-res/([^/]+)")
#: Every code the rules here give.
STORAGE_CODES = frozenset(
    {
        "snapshot-invalid",
        "snapshot-filling",
        "pv-missing",
        "vg-space-low",
        "iscsi-session-down",
        "fs-space-low",
        "lv-missing",
    }
)


def storage_problems(view: ClusterView) -> list[Problem]:
    """Every storage problem on every reachable node (module docstring)."""
    sv = view.storage
    return (
        _snapshots(view, sv)
        + _volume_groups(view, sv)
        + _lv_missing(sv)
        + _iscsi(sv)
        + _filesystems(view, sv)
    )


def _keys(node: str, lvs: list[NodeLv] | tuple[NodeLv, ...], sv: StorageView) -> frozenset[str]:
    """``node:``, and the ``vm:``/``drbd:`` keys of ``lvs`` (a snapshot: its origin's resource)."""
    out = {f"node:{node}"}
    for nl in lvs:
        res = nl.drbd_resource
        if res is None and nl.lv.origin is not None:
            res = sv.resource_of(nl.node, nl.lv.vg, nl.lv.origin)
        if res is not None:
            out.add(f"drbd:{res}")
        if nl.domain is not None:
            out.add(f"vm:{nl.domain}")
    return frozenset(out)


def _of(nl: NodeLv) -> str:
    """`` of vg/origin (VM www)``: what a snapshot is a copy of, as far as the join knows."""
    lv = nl.lv
    origin = f" of {lv.vg}/{lv.origin}" if lv.origin else ""
    vm = f" (VM {nl.domain})" if nl.domain else ""
    return origin + vm


def _snapshots(view: ClusterView, sv: StorageView) -> list[Problem]:
    out = []
    rule = view.snapshot_rule
    for nl in sv.logical_volumes:
        lv = nl.lv
        if not lv.is_thick_snapshot:
            continue
        full = "" if lv.snapshot_percent is None else f", {lv.snapshot_percent:.1f}% full"
        if lv.invalid:
            text = (
                f"snapshot {lv.path}{_of(nl)} on {nl.node} is INVALID (attr {lv.attr}{full}): "
                "its copy is lost; remove it with lvremove"
            )
            code, sev = "snapshot-invalid", CRITICAL
        elif rule.filling(lv.snapshot_percent):
            text = (
                f"snapshot {lv.path}{_of(nl)} on {nl.node} is {lv.snapshot_percent:.1f}% full "
                f"(warning level {rule.warn_percent:g}%): at 100% it becomes invalid"
            )
            code, sev = "snapshot-filling", WARNING
        else:
            continue
        keys = _keys(nl.node, [nl], sv)
        out.append(Problem(sev, code, lv.path, nl.node, text, kind="storage", affects=keys))
    return out


def _volume_groups(view: ClusterView, sv: StorageView) -> list[Problem]:
    out = []
    rule = view.snapshot_rule
    missing: dict[tuple[str, str], list[str]] = {}
    for npv in sv.physical_volumes:
        if npv.pv.missing:
            missing.setdefault((npv.node, npv.pv.vg or npv.pv.name), []).append(npv.pv.name)
    seen = set()
    for nv in sv.volume_groups:
        vg, node = nv.vg, nv.node
        seen.add((node, vg.name))
        in_vg = [nl for nl in sv.logical_volumes if nl.node == node and nl.lv.vg == vg.name]
        gone = missing.get((node, vg.name), [])
        if vg.partial or gone:
            which = f" ({', '.join(gone)})" if gone else ""
            text = (
                f"volume group {vg.name} on {node} is missing a physical volume{which}: "
                "LVs on it are partial or unusable"
            )
            keys = _keys(node, in_vg, sv)
            out.append(Problem(CRITICAL, "pv-missing", vg.name, node, text, "storage", keys))
        disks = [nl for nl in in_vg if nl.drbd_resource is not None and nl.lv.size_bytes is not None]
        if vg.free_bytes is None or not disks:
            continue
        largest = max(disks, key=lambda nl: nl.lv.size_bytes or 0)
        need = rule.size_bytes(largest.lv.size_bytes or 0, vg.extent_bytes)
        if vg.free_bytes < need:
            text = (
                f"volume group {vg.name} on {node} has {fmt_bytes(vg.free_bytes)} free: a backup snapshot "
                f"of its largest DRBD disk {largest.lv.path} ({fmt_bytes(largest.lv.size_bytes)}) needs "
                f"{fmt_bytes(need)} ({rule.percent:g}%, at least {rule.min_mib:g} MiB)"
            )
            keys = _keys(node, disks, sv)
            out.append(Problem(WARNING, "vg-space-low", vg.name, node, text, "storage", keys))
    # A missing PV of a volume group vgs did not list (vgs failed, or not read).
    for (node, name), gone in missing.items():
        if (node, name) not in seen:
            text = f"physical volume {', '.join(gone)} of volume group {name} on {node} is missing"
            keys = frozenset({f"node:{node}"})
            out.append(Problem(CRITICAL, "pv-missing", name, node, text, "storage", keys))
    return out


def _lv_missing(sv: StorageView) -> list[Problem]:
    out = []
    read = set(sv.read_nodes)
    for b in sv.backings:
        if b.node not in read or b.lv_path is None or b.lv is not None:
            continue
        vg_name = b.lv_path.split("/")[0]
        why = "it has no such LV" if b.vg is not None else f"it has no volume group {vg_name}"
        text = f"DRBD {b.drbd_resource}'s backing disk {b.disk} is missing on {b.node}: {why}"
        keys = {f"node:{b.node}", f"drbd:{b.drbd_resource}"} | ({f"vm:{b.vm}"} if b.vm else set())
        out.append(Problem(CRITICAL, "lv-missing", b.lv_path, b.node, text, "storage", frozenset(keys)))
    return out


def _iscsi(sv: StorageView) -> list[Problem]:
    out = []
    for ns in sv.iscsi_sessions:
        s = ns.session
        if s.logged_in is not False:
            continue
        states = [
            f"{what} {word}"
            for what, word in (
                ("session", s.session_state),
                ("connection", s.connection_state),
                ("iscsid", s.internal_state),
            )
            if word
        ]
        sid = f" [{s.sid}]" if s.sid is not None else ""
        text = f"iSCSI session{sid} to {s.target} at {s.portal} on {ns.node} is down: {', '.join(states)}"
        keys = {f"node:{ns.node}"} | _keys(ns.node, _lvs_on_devices(sv, ns.node, s.devices), sv)
        out.append(Problem(CRITICAL, "iscsi-session-down", s.target, ns.node, text, "iscsi", frozenset(keys)))
    return out


def _lvs_on_devices(sv: StorageView, node: str, devices: tuple[str, ...]) -> list[NodeLv]:
    """The LVs of the volume groups whose PVs sit on ``devices`` (``sdb`` holds ``/dev/sdb1``)."""
    if not devices:
        return []
    vgs = {npv.pv.vg for npv in sv.physical_volumes if npv.node == node and _on(npv.pv.name, devices)}
    return [nl for nl in sv.logical_volumes if nl.node == node and nl.lv.vg in vgs]


def _on(pv: str, devices: tuple[str, ...]) -> bool:
    """True when ``pv`` (``/dev/sdb1``, ``/dev/sdb``) is one of ``devices`` or a partition of one."""
    return any(on_disk(pv, d) for d in devices)


def _filesystems(view: ClusterView, sv: StorageView) -> list[Problem]:
    out = []
    for nf in sv.filesystems:
        fs = nf.fs
        used = fs.used_percent
        if used is None or used < FS_FULL_PERCENT or fs.fstype in _ALWAYS_FULL:
            continue
        text = (
            f"filesystem {fs.mountpoint} ({fs.device}) on {nf.node} is {used:.0f}% full: "
            f"{fmt_bytes(fs.used_bytes)} used of {fmt_bytes(fs.size_bytes)}"
        )
        keys = {f"node:{nf.node}"} | {f"drbd:{r}" for r in _drbd_of_device(view, nf.node, fs.device)}
        out.append(Problem(WARNING, "fs-space-low", fs.mountpoint, nf.node, text, "fs", frozenset(keys)))
    return out


def _drbd_of_device(view: ClusterView, node: str, device: str) -> set[str]:
    """The DRBD resource a mounted device is (``/dev/drbd1``, ``/dev/drbd/by-res/www``)."""
    if m := _DRBD_BY_RES.match(device):
        return {m.group(1)}
    if m := _DRBD_MINOR.match(device):
        minor = int(m.group(1))
        return {nd.label for nd in view.drbd if nd.node == node and nd.device.minor == minor and nd.resource}
    return set()
