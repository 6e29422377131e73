"""Provides LVM's report formats for the ``lvs``/``vgs`` stand-in: read the options, print the rows.

The stand-in asks the real tool for its rows as JSON (``--reportformat json`` with the fields asked
for plus the names it needs), changes what device-mapper would have said, and prints the rows the
way the caller asked: LVM's JSON layout (2.03.16: two-space base indent, one object per line,
every value a string), ``--nameprefixes``, ``--separator`` columns, or blank-padded columns, with
or without the heading line. The real tool has formatted every value (units, suffixes, decimals).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

#: The columns LVM 2.03 prints when no ``-o`` is given.
DEFAULT_FIELDS = {
    "lvs": ["lv_name", "vg_name", "lv_attr", "lv_size", "pool_lv", "origin", "data_percent",
            "metadata_percent", "move_pv", "mirror_log", "copy_percent", "convert_lv"],
    "vgs": ["vg_name", "pv_count", "lv_count", "snap_count", "vg_attr", "vg_size", "vg_free"],
}  # fmt: skip
#: LVM's headings for the fields the lab's callers ask for (anything else: the field name).
HEADINGS = {
    "lv_name": "LV", "vg_name": "VG", "lv_attr": "Attr", "lv_size": "LSize", "pool_lv": "Pool",
    "origin": "Origin", "data_percent": "Data%", "snap_percent": "Snap%", "metadata_percent": "Meta%",
    "move_pv": "Move", "mirror_log": "Log", "copy_percent": "Cpy%Sync", "convert_lv": "Convert",
    "lv_time": "CTime", "pv_count": "#PV", "lv_count": "#LV", "snap_count": "#SN", "vg_attr": "Attr",
    "vg_size": "VSize", "vg_free": "VFree", "vg_extent_size": "Ext",
}  # fmt: skip
#: Short names LVM accepts for a report's own object (``-o name,attr`` on lvs).
ALIASES = {
    "lvs": {"name": "lv_name", "attr": "lv_attr", "size": "lv_size", "time": "lv_time"},
    "vgs": {"name": "vg_name", "attr": "vg_attr", "size": "vg_size", "free": "vg_free"},
}
#: Options that only shape the output: the stand-in prints it, the real tool is asked for JSON.
FORMAT_FLAGS = {"--noheadings", "--nameprefixes", "--aligned", "--unquoted", "--rows"}
VALUE_OPTIONS = {"--units", "-O", "--sort", "-S", "--select", "--config", "--configreport", "--binary"}
GROUP = {"lvs": "lv", "vgs": "vg"}


@dataclass
class Request:
    """What a report call asked for."""

    tool: str
    fields: list[str]
    json: bool = False
    headings: bool = True
    separator: str | None = None
    prefixes: bool = False
    passed: list[str] = field(default_factory=list)
    """Every other argument, given to the real tool unchanged (selection, units, names)."""

    def real_argv(self, needed: list[str]) -> list[str]:
        """The real tool's arguments: JSON, the asked fields plus ``needed``."""
        wanted = self.fields + [f for f in needed if f not in self.fields]
        return [self.tool, "--reportformat", "json", "-o", ",".join(wanted), *self.passed]


def parse(tool: str, argv: list[str]) -> Request:
    fields: list[str] | None = None
    req = Request(tool, [])
    it = iter(argv)
    for arg in it:
        name, eq, inline = arg.partition("=") if arg.startswith("--") else (arg, "", "")
        if name in ("-o", "--options") or arg.startswith("-o"):
            value = (inline if eq else next(it, "")) if name in ("-o", "--options") else arg[2:]
            names = [ALIASES[tool].get(f, f) for f in value.lstrip("+").split(",") if f]
            fields = (fields or list(DEFAULT_FIELDS[tool])) + names if value.startswith("+") else names
        elif name == "--reportformat":
            req.json = (inline if eq else next(it, "")).startswith("json")
        elif name == "--separator":
            req.separator = inline if eq else next(it, "")
        elif name in FORMAT_FLAGS:
            req.headings = req.headings and name != "--noheadings"
            req.prefixes = req.prefixes or name == "--nameprefixes"
        elif name in VALUE_OPTIONS and not eq:
            req.passed += [arg, next(it, "")]
        else:
            req.passed.append(arg)
    req.fields = fields if fields is not None else list(DEFAULT_FIELDS[tool])
    return req


def rows_of(tool: str, text: str) -> list[dict[str, str]]:
    """The rows of the real tool's JSON report."""
    rows: list[dict[str, str]] = []
    for group in json.loads(text).get("report", []):
        rows += group.get(GROUP[tool], [])
    return rows


def _numeric(name: str) -> bool:
    return name.endswith(("_size", "_free", "_count", "_percent"))


def render(req: Request, rows: list[dict[str, str]]) -> str:
    cells = [[row.get(f, "") for f in req.fields] for row in rows]
    if req.json:
        pairs = [zip(req.fields, c, strict=True) for c in cells]
        objs = ["{" + ", ".join(f"{json.dumps(f)}:{json.dumps(v)}" for f, v in p) + "}" for p in pairs]
        body = ",\n".join(" " * 18 + o for o in objs)
        return (
            '  {\n      "report": [\n          {\n'
            f'              "{GROUP[req.tool]}": [\n{body}{chr(10) if body else ""}'
            "              ]\n          }\n      ]\n  }\n"
        )
    if req.prefixes:
        sep = req.separator if req.separator is not None else " "
        return "".join(
            "  " + sep.join(f"LVM2_{f.upper()}='{v}'" for f, v in zip(req.fields, c, strict=True)) + "\n"
            for c in cells
        )
    heads = [HEADINGS.get(f, f) for f in req.fields]
    lines = ([heads] if req.headings else []) + cells
    if req.separator is not None:
        return "".join("  " + req.separator.join(line) + "\n" for line in lines)
    widths = [max(len(line[i]) for line in lines) for i in range(len(req.fields))]
    out = []
    for line in lines:
        padded = [
            v.rjust(w) if _numeric(f) and line is not heads else v.ljust(w)
            for f, v, w in zip(req.fields, line, widths, strict=True)
        ]
        out.append("  " + " ".join(padded) + "\n")
    return "".join(out)
