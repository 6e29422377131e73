"""Provides the ``storage`` object of the ``hatui.snapshot/1`` JSON and the text's Storage section rows.

Both read the model's join (``ClusterView.storage``): each row as its node reported it, LVs with the
DRBD resource they back and its VM. The JSON keys are the contract the README documents; sizes are
bytes, unknown values ``null``. The object is always present: a cluster where no node reported
storage has empty lists.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hatui.model.storage_join import NodeLv, fmt_bytes
from hatui.model.view import ClusterView


def storage_dict(view: ClusterView) -> dict[str, Any]:
    """The ``storage`` object: volume groups, logical and physical volumes, iSCSI sessions, filesystems."""
    sv = view.storage
    return {
        "volume_groups": [
            {
                "node": nv.node,
                "name": nv.vg.name,
                "size_bytes": nv.vg.size_bytes,
                "free_bytes": nv.vg.free_bytes,
                "pv_count": nv.vg.pv_count,
                "lv_count": nv.vg.lv_count,
                "snapshot_count": nv.vg.snapshot_count,
                # An output without vg_attr says nothing of the flags: null, not "not partial".
                "attr": nv.vg.attr or None,
                "partial": nv.vg.partial if nv.vg.attr else None,
            }
            for nv in sv.volume_groups
        ],
        "logical_volumes": [
            {
                "node": nl.node,
                "vg": nl.lv.vg,
                "name": nl.lv.name,
                "size_bytes": nl.lv.size_bytes,
                "attr": nl.lv.attr,
                "active": nl.lv.active,
                "origin": nl.lv.origin,
                "snapshot_percent": nl.lv.snapshot_percent,
                "drbd_resource": nl.drbd_resource,
                "domain": nl.domain,
            }
            for nl in sv.logical_volumes
        ],
        "physical_volumes": [
            {
                "node": npv.node,
                "name": npv.pv.name,
                "vg": npv.pv.vg,
                "size_bytes": npv.pv.size_bytes,
                "free_bytes": npv.pv.free_bytes,
                "missing": npv.pv.missing,
            }
            for npv in sv.physical_volumes
        ],
        "iscsi_sessions": [
            {
                "node": ns.node,
                "target": ns.session.target,
                "portal": ns.session.portal,
                "sid": ns.session.sid,
                "connection_state": ns.session.connection_state,
                "session_state": ns.session.session_state,
            }
            for ns in sv.iscsi_sessions
        ],
        "filesystems": [
            {
                "node": nf.node,
                "device": nf.fs.device,
                "mountpoint": nf.fs.mountpoint,
                "fstype": nf.fs.fstype,
                "size_bytes": nf.fs.size_bytes,
                "used_bytes": nf.fs.used_bytes,
            }
            for nf in sv.filesystems
        ],
    }


@dataclass(frozen=True, slots=True)
class Section:
    """One table of the text's Storage section: its title, headings and rows of plain strings."""

    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


def storage_sections(view: ClusterView) -> list[Section]:
    """The Storage section's tables, those with rows only; none when no node reported storage."""
    sv = view.storage
    if sv.empty:
        return []
    sections = [
        Section(
            "Storage: volume groups",
            ("node", "vg", "size", "free", "pvs", "lvs", "snaps", "attr"),
            tuple(
                (
                    nv.node,
                    nv.vg.name,
                    fmt_bytes(nv.vg.size_bytes),
                    fmt_bytes(nv.vg.free_bytes),
                    _count(nv.vg.pv_count),
                    _count(nv.vg.lv_count),
                    _count(nv.vg.snapshot_count),
                    nv.vg.attr + (" PARTIAL" if nv.vg.partial else ""),
                )
                for nv in sv.volume_groups
            ),
        ),
        Section(
            "Storage: logical volumes",
            ("node", "lv", "size", "attr", "origin", "fill", "drbd", "vm"),
            # Hidden LVs (pool data, mirror images) are LVM's inner parts; 2005's LVM hid snapshots too.
            tuple(_lv_row(nl) for nl in sv.logical_volumes if not nl.lv.hidden or nl.lv.is_snapshot),
        ),
        Section(
            "Storage: physical volumes",
            ("node", "pv", "vg", "size", "free", "state"),
            tuple(
                (
                    npv.node,
                    npv.pv.name,
                    npv.pv.vg or "-",
                    fmt_bytes(npv.pv.size_bytes),
                    fmt_bytes(npv.pv.free_bytes),
                    "MISSING" if npv.pv.missing else "ok",
                )
                for npv in sv.physical_volumes
            ),
        ),
        Section(
            "Storage: iSCSI sessions",
            ("node", "target", "portal", "sid", "connection", "session"),
            tuple(
                (
                    ns.node,
                    ns.session.target,
                    ns.session.portal,
                    _count(ns.session.sid),
                    ns.session.connection_state or "-",
                    ns.session.session_state or "-",
                )
                for ns in sv.iscsi_sessions
            ),
        ),
        Section(
            "Storage: filesystems",
            ("node", "mounted on", "device", "type", "size", "used"),
            tuple(
                (
                    nf.node,
                    nf.fs.mountpoint,
                    nf.fs.device,
                    nf.fs.fstype or "-",
                    fmt_bytes(nf.fs.size_bytes),
                    _percent(nf.fs.used_percent),
                )
                for nf in sv.filesystems
            ),
        ),
    ]
    return [s for s in sections if s.rows]


def _lv_row(nl: NodeLv) -> tuple[str, ...]:
    lv = nl.lv
    fill = lv.snapshot_percent if lv.is_thick_snapshot else lv.data_percent
    attr = lv.attr + (" INVALID" if lv.invalid else "")
    return (
        nl.node,
        lv.path,
        fmt_bytes(lv.size_bytes),
        attr,
        lv.origin or "-",
        _percent(fill),
        nl.drbd_resource or "-",
        nl.domain or "-",
    )


def _count(n: int | None) -> str:
    return "-" if n is None else str(n)


def _percent(p: float | None) -> str:
    return "-" if p is None else f"{p:.1f}%"
