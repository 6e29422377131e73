"""Provides ``parse_pvs``, ``parse_vgs`` and ``parse_lvs``: LVM's reports, of any version, in the model.

Each parser sniffs the format: a JSON report (``--reportformat json``, or ``lvm fullreport``, read
by ``hatui.parsers.lvm_json``), else text (``--nameprefixes``, ``--separator`` columns with or
without a heading, or the default blank-padded columns: ``hatui.parsers.lvm_columns``). A text
report without a heading line is read in the order hatui asks for its fields (``LV_FIELDS``...), or
in the ``columns`` order given.

Values are read whatever the LVM version or locale printed:

- sizes: plain bytes (``--units b --nosuffix``), ``1073741824B``, or human units, lowercase
  (2.02.54+) or uppercase (before: ``499,99G``), all binary (a ``G`` from an LVM that old is GiB;
  hatui never asks for the SI units ``--units H`` that a modern uppercase letter would mean), with
  a decimal comma from the locale and the ``<`` LVM 2.02.169+ puts before a rounded figure; a human
  figure is exact to its two decimals only;
- percentages: ``12.50``, ``0,00``, empty (inactive LVs and anything that is not a snapshot/pool);
- ``lv_time``: ``2015-09-23 21:42:49 -0500`` or seconds since the epoch (``time_format=%s``).

``Snap%`` (before 2012) and ``Data%`` (after) are the same figure for a thick snapshot: it becomes
the LV's ``snapshot_percent``; on a thin pool or thin volume ``Data%`` stays ``data_percent``.
An LV printed once per segment (segment fields, ``-o +devices``) is one LV. ``pvs -a`` lists block
devices that are no PV at all (empty format): they are left out.

An output of LVM's messages alone (``Volume group xenvg not found``, printed when a VG lost a PV
on LVM 2.02.02) is a ``ParseError`` naming the last message: it says nothing about the LVs there,
and ``()`` would claim the node has none. An empty output (no VG on the node) is ``()``, as is
``No volume groups found``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

from hatui.errors import ParseError
from hatui.model.storage import LogicalVolume, PhysicalVolume, VolumeGroup
from hatui.parsers.lvm_columns import read_columns
from hatui.parsers.lvm_json import looks_like_json, read_json

__all__ = ["LV_FIELDS", "PV_FIELDS", "VG_FIELDS", "parse_lvs", "parse_pvs", "parse_vgs", "size_bytes"]

#: The fields hatui asks ``lvs`` for, in this order (LVM before 2.02.89 has no ``lv_time`` and
#: names the snapshot's fill ``snap_percent`` only: it gets the first six).
LV_FIELDS = ("lv_name", "vg_name", "lv_attr", "lv_size", "origin", "snap_percent", "data_percent", "lv_time")
VG_FIELDS = (
    "vg_name", "vg_size", "vg_free", "pv_count", "lv_count", "snap_count", "vg_attr", "vg_extent_size",
)  # fmt: skip
PV_FIELDS = ("pv_name", "vg_name", "pv_size", "pv_free", "pv_attr")

_SIZE = re.compile(r"^(?P<n>\d+(?:\.\d+)?)(?P<unit>[bBsSkKmMgGtTpPeE]?)$")
_POWERS = {
    "b": 1,
    "s": 512,
    "k": 1 << 10,
    "m": 1 << 20,
    "g": 1 << 30,
    "t": 1 << 40,
    "p": 1 << 50,
    "e": 1 << 60,
}
_EMPTY_ANSWERS = ("No volume groups found",)

T = TypeVar("T")


def _number(cell: str) -> str:
    """``25,00`` -> ``25.00``: LVM before 2.03.33 formats numbers in the locale."""
    return cell.strip().replace(",", ".")


def size_bytes(cell: str | None, source: str, line: int | None, text: str) -> int | None:
    """A size cell in bytes; None when empty."""
    if cell is None or not cell.strip():
        return None
    match = _SIZE.match(_number(cell).lstrip("<>"))
    if match is None:
        raise ParseError(source, line, text, f"{cell.strip()!r} is not a size")
    unit = match["unit"].lower()
    if not unit and "." in match["n"]:
        raise ParseError(source, line, text, f"{cell.strip()!r} is a size without its unit")
    return round(float(match["n"]) * _POWERS[unit or "b"])


@dataclass(frozen=True, slots=True)
class _Row:
    """One report row's cells, and where they came from (for the errors)."""

    cells: Mapping[str, str]
    source: str
    line: int | None
    text: str

    def word(self, key: str) -> str:
        return self.cells.get(key, "").strip()

    def fail(self, reason: str) -> ParseError:
        return ParseError(self.source, self.line, self.text, reason)

    def size(self, key: str) -> int | None:
        return size_bytes(self.cells.get(key), self.source, self.line, self.text)

    def percent(self, key: str) -> float | None:
        value = self.word(key)
        if not value:
            return None
        try:
            return float(_number(value))
        except ValueError:
            raise self.fail(f"{value!r} is not a percentage") from None

    def count(self, key: str) -> int | None:
        value = self.word(key)
        if value and not value.isdigit():
            raise self.fail(f"{value!r} is not a count")
        return int(value) if value else None


def _time(cell: str | None) -> datetime | None:
    """``lv_time`` in either of the formats LVM prints; another ``time_format`` reads as unknown."""
    value = (cell or "").strip()
    if value.isdigit():
        return datetime.fromtimestamp(int(value), tz=UTC)
    try:
        return datetime.strptime(value, "%Y-%m-%d %H:%M:%S %z")
    except ValueError:
        return None


def _rows(text: str, source: str, report: str, columns: Sequence[str]) -> list[_Row]:
    """The report's rows; see the module docstring for an output of messages alone."""
    if looks_like_json(text):
        rows = read_json(text, source, report)
        return [_Row(row, source, None, row.get(f"{report}_name", "")) for row in rows]
    found, messages = read_columns(text, source, report, columns)
    if not found and messages and not any(m.startswith(_EMPTY_ANSWERS) for m in messages):
        raise ParseError(source, None, messages[-1], "LVM printed messages and no report")
    return [_Row(row.cells, source, row.line, row.text) for row in found]


def _unique(items: list[T], key: Callable[[T], object]) -> tuple[T, ...]:
    """The first of each key, in order (an LV printed once per segment is one LV)."""
    seen: dict[object, T] = {}
    for item in items:
        seen.setdefault(key(item), item)
    return tuple(seen.values())


def _bare(name: str) -> tuple[str, bool]:
    """``[lv]`` -> (``lv``, hidden)."""
    if name.startswith("[") and name.endswith("]"):
        return name[1:-1], True
    return name, False


def parse_lvs(
    text: str, source: str = "lvs", columns: Sequence[str] = LV_FIELDS
) -> tuple[LogicalVolume, ...]:
    """Reads ``lvs`` (or ``lvm fullreport``) output; see the module docstring.

    Raises:
        ParseError: a line that is no row, heading or LVM message; a row without LV name or VG; a
            value that is not a size, percentage or attribute; messages and no report.
    """
    found: list[LogicalVolume] = []
    for row in _rows(text, source, "lv", columns):
        name, hidden = _bare(row.word("lv_name"))
        full = row.word("lv_full_name")  # lv_all and fullreport rows: "vg/lv", no vg_name
        vg = row.word("vg_name") or (full.split("/", 1)[0] if "/" in full else "")
        attr = row.word("lv_attr")
        if not name or not vg or not attr:
            raise row.fail("an LV row needs lv_name, vg_name and lv_attr")
        snap, data = row.percent("snap_percent"), row.percent("data_percent")
        thick = attr[0] in "sS"
        found.append(
            LogicalVolume(
                vg=vg,
                name=name,
                size_bytes=row.size("lv_size"),
                attr=attr,
                origin=_bare(row.word("origin"))[0] or None,
                snapshot_percent=(snap if snap is not None else data) if thick else None,
                data_percent=None if thick else data,
                created=_time(row.word("lv_time")),
                hidden=hidden,
            )
        )
    return _unique(found, lambda lv: (lv.vg, lv.name))


def parse_vgs(text: str, source: str = "vgs", columns: Sequence[str] = VG_FIELDS) -> tuple[VolumeGroup, ...]:
    """Reads ``vgs`` (or ``lvm fullreport``) output; see the module docstring.

    Raises:
        ParseError: as ``parse_lvs``, for VG rows.
    """
    found: list[VolumeGroup] = []
    for row in _rows(text, source, "vg", columns):
        if not row.word("vg_name"):
            raise row.fail("a VG row needs vg_name")
        found.append(
            VolumeGroup(
                name=row.word("vg_name"),
                size_bytes=row.size("vg_size"),
                free_bytes=row.size("vg_free"),
                pv_count=row.count("pv_count"),
                lv_count=row.count("lv_count"),
                snapshot_count=row.count("snap_count"),
                attr=row.word("vg_attr"),
                extent_bytes=row.size("vg_extent_size"),
            )
        )
    return _unique(found, lambda vg: vg.name)


def parse_pvs(
    text: str, source: str = "pvs", columns: Sequence[str] = PV_FIELDS
) -> tuple[PhysicalVolume, ...]:
    """Reads ``pvs`` (or ``lvm fullreport``) output; see the module docstring.

    Raises:
        ParseError: as ``parse_lvs``, for PV rows.
    """
    found: list[PhysicalVolume] = []
    for row in _rows(text, source, "pv", columns):
        if not row.word("pv_name"):
            raise row.fail("a PV row needs pv_name")
        if "pv_fmt" in row.cells and not row.word("pv_fmt"):
            continue  # pvs -a: a block device that is no PV
        found.append(
            PhysicalVolume(
                name=row.word("pv_name"),
                vg=row.word("vg_name") or None,
                size_bytes=row.size("pv_size"),
                free_bytes=row.size("pv_free"),
                attr=row.word("pv_attr"),
            )
        )
    # Two PVs of one VG can both be "[unknown]": those are never the same PV.
    return _unique(found, lambda pv: (pv.name, pv.vg) if not pv.missing else id(pv))
