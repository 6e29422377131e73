"""Provides ``read_json``: the rows of one group (``lv``, ``vg``, ``pv``) of an LVM JSON report.

``--reportformat json`` (LVM 2.02.158+) prints ``{"report": [{"lv": [{...}, ...]}]}``, every value a
string (``""`` for none). ``lvm fullreport`` prints one report object per VG holding ``vg``, ``pv``,
``lv``, ``pvseg`` and ``seg`` groups, where a PV or LV row need not name its VG: the report's own
``vg`` row does. LVM 2.03.26+ adds a ``"log": [...]`` array beside ``report``; it is not read.
``json_std`` (2.03.17+) prints numbers unquoted and ``null``: they are read as the same strings.

LVM writes one row per line. A text cut after its last group closed (the lvmreport(7) example
stops before the final brace) is read line by line; one cut inside a group is a ``ParseError``:
a row list that may be missing rows must not pass for the whole list.
"""

from __future__ import annotations

import json
import re
from typing import Any

from hatui.errors import ParseError

__all__ = ["looks_like_json", "read_json"]

_GROUP_OPEN = re.compile(r'^\s*"(\w+)"\s*:\s*\[\s*$')
_GROUP_CLOSE = re.compile(r"^\s*\]\s*,?\s*$")
_ROW = re.compile(r"^\s*(\{.*\})\s*,?\s*$")


def looks_like_json(text: str) -> bool:
    """True when the output is a JSON report (it starts with a brace), not text columns."""
    return text.lstrip().startswith("{")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ",".join(_text(v) for v in value)
    return str(value)


def read_json(text: str, source: str, group: str) -> list[dict[str, str]]:
    """The rows of ``group`` across every report object, each with ``vg_name`` filled where the
    report's own ``vg`` row tells it.

    Raises:
        ParseError: not JSON, not an LVM report, a report without ``group``, or cut off inside a
            group.
    """
    try:
        data = json.loads(text)
    except ValueError as exc:
        reports = _line_by_line(text, source, exc)
    else:
        if not isinstance(data, dict) or not isinstance(data.get("report"), list):
            raise ParseError(source, None, text.strip()[:80], 'no "report" list: not an LVM JSON report')
        reports = [r for r in data["report"] if isinstance(r, dict)]
    if reports and not any(group in report for report in reports):
        # Another report's JSON (an lvs output where vgs was expected) is not "no VG".
        raise ParseError(source, None, text.strip()[:80], f'no "{group}" rows in this LVM report')
    rows: list[dict[str, str]] = []
    for report in reports:
        vgs = report.get("vg") or []
        own_vg = _text(vgs[0].get("vg_name")) if len(vgs) == 1 and isinstance(vgs[0], dict) else ""
        for item in report.get(group) or []:
            if not isinstance(item, dict):
                raise ParseError(source, None, str(item)[:80], f'a "{group}" row that is not an object')
            row = {str(k): _text(v) for k, v in item.items()}
            if not row.get("vg_name") and own_vg:
                row["vg_name"] = own_vg
            rows.append(row)
    return rows


def _line_by_line(text: str, source: str, error: ValueError) -> list[dict[str, Any]]:
    """Reads LVM's one-row-per-line layout when the whole is not valid JSON."""
    groups: dict[str, list[Any]] = {}
    current: str | None = None
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.rstrip("\r")
        if current is None:
            opened = _GROUP_OPEN.match(line)
            if opened and opened.group(1) != "report":
                current = opened.group(1)
                groups.setdefault(current, [])
            continue
        if _GROUP_CLOSE.match(line):
            current = None
            continue
        row = _ROW.match(line)
        try:
            groups[current].append(json.loads(row.group(1)) if row else None)
        except ValueError:
            groups[current].append(None)
        if groups[current][-1] is None:
            raise ParseError(source, number, line, f"not an LVM JSON row ({error})")
    if current is not None or not groups:
        raise ParseError(source, None, text.strip()[-80:], f"not a whole LVM JSON report ({error})")
    return [groups]
