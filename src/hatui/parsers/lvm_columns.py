"""Provides ``read_columns``: the rows of a text report of ``pvs``, ``vgs`` or ``lvs``, as field maps.

LVM prints its text reports in three shapes, and this module reads each into one row per line,
keyed by the field's canonical name (``lv_name``, ``vg_free``...):

- ``--nameprefixes``: ``LVM2_LV_NAME='home'|LVM2_LV_ATTR='-wi-ao----'``: the keys name themselves;
- ``--separator ';'`` (or ``|``), with or without a heading line: cells split at the separator;
- the default blank-padded columns: with a heading line, each cell belongs to the heading it lies
  under (LVM left-aligns text and right-aligns numbers, and the heading with them, so a cell always
  overlaps its own heading's span); without one (``--noheadings``), cells in order.

Without a heading the caller says which fields the columns are (``-o`` order); hatui's own
commands always ask for the same fields, so their order is the default.

Lines LVM writes that are not rows (warnings, ``File descriptor 3 left open``, verbose progress,
``read failed`` after an invalid snapshot) are skipped when they are one of LVM's messages; any other
line that is not a row is a ``ParseError``.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass

from hatui.errors import ParseError

__all__ = ["Row", "canonical", "is_message", "read_columns"]

#: The heading LVM prints over each field, per report (``lv``, ``vg``, ``pv``). A heading not
#: listed is kept under its own text: its cells are read and ignored.
_HEADINGS: dict[str, dict[str, str]] = {
    "lv": {
        "LV": "lv_name", "VG": "vg_name", "Attr": "lv_attr", "LSize": "lv_size", "Pool": "pool_lv",
        "Origin": "origin", "Snap%": "snap_percent", "Data%": "data_percent",
        "Meta%": "metadata_percent", "Move": "move_pv", "Log": "mirror_log", "Copy%": "copy_percent",
        "Cpy%Sync": "sync_percent", "Convert": "convert_lv", "LV Tags": "lv_tags",
        "Devices": "devices", "LV UUID": "lv_uuid", "CTime": "lv_time",
    },
    "vg": {
        "VG": "vg_name", "Attr": "vg_attr", "Ext": "vg_extent_size", "#PV": "pv_count",
        "#LV": "lv_count", "#SN": "snap_count", "VSize": "vg_size", "VFree": "vg_free",
        "VG UUID": "vg_uuid", "VG Tags": "vg_tags",
    },
    "pv": {
        "PV": "pv_name", "VG": "vg_name", "Fmt": "pv_fmt", "Attr": "pv_attr", "PSize": "pv_size",
        "PFree": "pv_free", "DevSize": "dev_size", "PV UUID": "pv_uuid", "PV Tags": "pv_tags",
    },
}  # fmt: skip
#: ``-o`` names LVM accepts without the report's prefix (``lvs -o name,size`` = ``lv_name,lv_size``).
_UNPREFIXED = ("name", "attr", "size", "free", "uuid", "tags", "extent_size", "time", "fmt")
#: Two-word headings (``LV Tags``, ``PV UUID``): joined back before the heading is read.
_SECOND_WORDS = frozenset({"UUID", "Tags"})
_HEADING_WORD = re.compile(r"^(?:#?[A-Z][A-Za-z0-9%]*|#[A-Za-z]+)$")
_PREFIXED = re.compile(r"LVM2_([A-Z0-9_]+)='([^']*)'")
#: What each report's attribute field looks like; a row whose attribute does not is no row.
_ATTR = {
    "lv": re.compile(r"^[-a-zA-Z][-wrR][-a-zA-Z]{4,8}$"),
    "vg": re.compile(r"^[-wr][-z][-x][-p][-a-z][-a-z]?$"),
    "pv": re.compile(r"^[-a-z][-a-z][-a-z]?$"),
}
#: LVM's own messages, which land in a report when stderr was captured with it. Each is matched by
#: its first two words, so that an LV or VG whose name is one of these words is still a row.
_MESSAGE = re.compile(
    r"^\s*(?:(?:WARNING|Warning|ERROR|Error|error|Internal error):|File descriptor \d"
    r"|(?:Couldn't|Can't|Cannot) [a-z]|Fail(?:ed|ure) to |(?:Found|Using) (?:duplicate|volume group)"
    r"|No PV label |No volume groups found|No device found|(?:Volume group|Logical volume|Physical volume|"
    r"Device) \S+ (?:not found|successfully|created|removed)|Configuration setting |Archiving volume "
    r"|Creating volume group backup|Reloading config|Wiping (?:internal|cache)|Scanning all "
    r"|(?:Reading|Finding) (?:all|volume)|Locking (?:disabled|type)|Check that device-mapper "
    r"|Incompatible libdevmapper )"
    r"|read failed after \d|/dev/mapper/control: open failed|lvmetad"
)
_SEPARATORS = (";", "|")


@dataclass(frozen=True, slots=True)
class Row:
    """One report row: its cells by canonical field name, and where it was."""

    cells: dict[str, str]
    line: int
    text: str


def canonical(report: str, name: str) -> str:
    """The field name LVM's JSON uses for a ``-o`` name or a ``--nameprefixes`` key."""
    name = name.strip().lower().removeprefix("lvm2_")
    return f"{report}_{name}" if name in _UNPREFIXED else name


def is_message(line: str) -> bool:
    """True for a line LVM writes as a message (warning, error, progress), never as a row."""
    return _MESSAGE.search(line) is not None


def _heading_spans(line: str) -> list[tuple[int, int, str]] | None:
    """The heading line's words with their spans, two-word headings joined; None if not a heading."""
    words = [(m.start(), m.end(), m.group()) for m in re.finditer(r"\S+", line)]
    if not words or not all(_HEADING_WORD.match(w) for _, _, w in words):
        return None
    joined: list[tuple[int, int, str]] = []
    for start, end, word in words:
        if joined and word in _SECOND_WORDS and start - joined[-1][1] == 1:
            prev = joined.pop()
            joined.append((prev[0], end, f"{prev[2]} {word}"))
        else:
            joined.append((start, end, word))
    return joined


def _is_heading(report: str, line: str) -> list[tuple[int, int, str]] | None:
    """A heading line: heading-shaped words only (no row has no digit, path or attribute in it),
    the report's own name heading (``LV``, ``VG``, ``PV``) among them."""
    spans = _heading_spans(line)
    if spans is None or report.upper() not in {word for _, _, word in spans}:
        return None
    return spans


def _field(report: str, heading: str) -> str:
    return _HEADINGS[report].get(heading, heading)


def read_columns(text: str, source: str, report: str, columns: Sequence[str]) -> tuple[list[Row], list[str]]:
    """Reads a text report of ``report`` (``lv``, ``vg`` or ``pv``) into rows.

    ``columns`` names the fields in order for a report without a heading line. Returns the rows and
    the message lines skipped (the caller decides what an output of messages alone means).

    Raises:
        ParseError: a line that is neither a row, a heading nor one of LVM's messages.
    """
    rows: list[Row] = []
    messages: list[str] = []
    fields = [canonical(report, c) for c in columns]
    spans: list[tuple[int, int, str]] | None = None
    separator: str | None = None
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.rstrip("\r")
        if not line.strip():
            continue
        if is_message(line):
            messages.append(line.strip())
            continue
        if "LVM2_" in line and _PREFIXED.search(line):
            cells = {canonical(report, k): v for k, v in _PREFIXED.findall(line)}
            rows.append(_checked(report, Row(cells, number, line), source))
            continue
        if separator is None:
            separator = next((s for s in _SEPARATORS if s in line), None)
        if separator is not None and separator in line:
            parts = [p.strip() for p in line.split(separator)]
            if rows == [] and spans is None and parts[0] == report.upper() and all(parts):
                fields = [_field(report, p) for p in parts]
                spans = []
                continue
            rows.append(_checked(report, _in_order(fields, parts, number, line, source), source))
            continue
        heading = _is_heading(report, line) if not rows else None
        if heading is not None:
            spans, fields = heading, [_field(report, w) for _, _, w in heading]
            continue
        if spans:
            rows.append(_checked(report, _under_headings(spans, report, number, line, source), source))
        else:
            rows.append(_checked(report, _in_order(fields, line.split(), number, line, source), source))
    return rows, messages


def _in_order(fields: Sequence[str], parts: Sequence[str], number: int, line: str, source: str) -> Row:
    if len(parts) > len(fields):
        raise ParseError(
            source, number, line, f"{len(parts)} cells where {len(fields)} fields were asked for"
        )
    return Row(dict(zip(fields, parts, strict=False)), number, line)


def _under_headings(
    spans: list[tuple[int, int, str]], report: str, number: int, line: str, source: str
) -> Row:
    """Cells by position: LVM pads each heading to its column's width, so a column runs from its
    heading's first character to the next heading's (numbers are right-aligned inside it)."""
    # Every heading's field is present; a blank cell (an inactive LV's Data%) reads as "".
    cells: dict[str, str] = {_field(report, w): "" for _, _, w in spans}
    starts = [start for start, _, _ in spans]
    for m in re.finditer(r"\S+", line):
        column = bisect.bisect_right(starts, m.start()) - 1
        following = starts[column + 1] if column + 1 < len(starts) else None
        if column < 0 or (following is not None and m.end() > following):
            raise ParseError(source, number, line, f"{m.group()!r} lies across the report's columns")
        key = _field(report, spans[column][2])
        if cells[key]:
            raise ParseError(source, number, line, f"two cells under the heading {spans[column][2]!r}")
        cells[key] = m.group()
    return Row(cells, number, line)


def _checked(report: str, row: Row, source: str) -> Row:
    """A row must carry the report's name field, and its attribute must look like one."""
    name, attr = f"{report}_name", f"{report}_attr"
    if not row.cells.get(name):
        raise ParseError(source, row.line, row.text, f"no {name}: not an LVM {report}s row")
    value = row.cells.get(attr)
    if value is not None and value and not _ATTR[report].match(value):
        raise ParseError(source, row.line, row.text, f"{value!r} is not an {attr}")
    return row
