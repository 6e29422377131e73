"""Provides the demo's LVM reports: the rows of ``pvs``, ``vgs`` and ``lvs`` and how LVM prints them.

Two generations: the seed's LVM 2.02.39 (lenny) knows no ``--reportformat`` (``lv_time`` and
``data_percent`` are not fields yet), prints 6-character LV and 2-character PV attributes and
uppercase human units; the modern LVM 2.03.16 (bookworm) adds the JSON report, 10-character LV
attributes, lowercase units with the ``<`` prefix for a rounded value, and ``Data%`` in place of
``Snap%`` among the default columns. Every data line starts with two blanks, as LVM prints them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from hatui.demo import storage_sim as sim

if TYPE_CHECKING:
    from hatui.demo.cluster import DemoCluster

GENERATIONS = ("seed", "modern")
Row = dict[str, str | int | float | None]
"""A report row: field -> value (int = bytes or a count, float = a percent, None = blank)."""


@dataclass(frozen=True, slots=True)
class Report:
    """One report type: its field headings and its default columns per generation."""

    kind: str
    """``lv``, ``vg`` or ``pv``: the JSON group name and the prefix of unprefixed field names."""
    headings: dict[str, str]
    defaults: dict[str, tuple[str, ...]]


LVS = Report(
    "lv",
    {
        "lv_name": "LV",
        "vg_name": "VG",
        "lv_attr": "Attr",
        "lv_size": "LSize",
        "pool_lv": "Pool",
        "origin": "Origin",
        "snap_percent": "Snap%",
        "data_percent": "Data%",
        "metadata_percent": "Meta%",
        "move_pv": "Move",
        "mirror_log": "Log",
        "copy_percent": "Copy%",
        "convert_lv": "Convert",
        "lv_time": "CTime",
    },
    {
        "seed": ("lv_name", "vg_name", "lv_attr", "lv_size", "origin", "snap_percent", "move_pv",
                 "mirror_log", "copy_percent", "convert_lv"),
        "modern": ("lv_name", "vg_name", "lv_attr", "lv_size", "pool_lv", "origin", "data_percent",
                   "metadata_percent", "move_pv", "mirror_log", "copy_percent", "convert_lv"),
    },
)  # fmt: skip
VGS = Report(
    "vg",
    {
        "vg_name": "VG",
        "pv_count": "#PV",
        "lv_count": "#LV",
        "snap_count": "#SN",
        "vg_attr": "Attr",
        "vg_size": "VSize",
        "vg_free": "VFree",
        "vg_extent_size": "Ext",
    },
    dict.fromkeys(
        GENERATIONS, ("vg_name", "pv_count", "lv_count", "snap_count", "vg_attr", "vg_size", "vg_free")
    ),
)
PVS = Report(
    "pv",
    {
        "pv_name": "PV",
        "vg_name": "VG",
        "pv_fmt": "Fmt",
        "pv_attr": "Attr",
        "pv_size": "PSize",
        "pv_free": "PFree",
    },
    dict.fromkeys(GENERATIONS, ("pv_name", "vg_name", "pv_fmt", "pv_attr", "pv_size", "pv_free")),
)
#: Fields LVM 2.02.39 does not have yet.
SEED_UNKNOWN = frozenset({"lv_time", "data_percent", "metadata_percent"})
SIZE_FIELDS = frozenset({"lv_size", "vg_size", "vg_free", "vg_extent_size", "pv_size", "pv_free"})
PERCENT_FIELDS = frozenset({"snap_percent", "data_percent", "metadata_percent", "copy_percent"})


def field_name(report: Report, name: str, generation: str) -> str | None:
    """The full field name ``name`` means in ``report`` (LVM adds the report's prefix); None if unknown."""
    for full in (name, f"{report.kind}_{name}"):
        if full in report.headings and not (generation == "seed" and full in SEED_UNKNOWN):
            return full
    return None


def lv_attr(c: DemoCluster, node: str, st: sim.NodeStorage, lv: sim.Lv) -> str:
    """``lv_attr``: 10 characters on the modern LVM, 6 on 2.02.39 (invalid snapshot ``Swi-I-`` then)."""
    seed = c.generation == "seed"
    if lv.snap is not None:
        invalid = sim.snap_percent(c, lv) >= 100.0
        if seed:
            return "Swi-I-" if invalid else "swi-a-"
        return "swi-I-s---" if invalid else "swi-a-s---"
    kind = "o" if st.snapshots_of(lv) else "-"
    opened = "o" if sim.lv_open(c, node, lv) else "-"
    partial = any(pv.missing for pv in st.vgs[lv.vg].pvs)
    if seed:
        return f"{kind}wi-a{opened}"
    target = "s" if kind == "o" else "-"
    return f"{kind}wi-a{opened}{target}-{'p' if partial else '-'}-"


def lv_rows(c: DemoCluster, node: str) -> list[Row]:
    """Every LV of ``node``, in VG then name order as lvs sorts them."""
    st = c.storage[node]
    rows: list[Row] = []
    for lv in sorted(st.lvs, key=lambda x: (x.vg, x.name)):
        pct = sim.snap_percent(c, lv) if lv.snap is not None else None
        created = datetime.fromtimestamp(lv.created_epoch, UTC).strftime("%Y-%m-%d %H:%M:%S +0000")
        rows.append(
            {
                "lv_name": lv.name,
                "vg_name": lv.vg,
                "lv_attr": lv_attr(c, node, st, lv),
                "lv_size": lv.size_bytes,
                "pool_lv": None,
                "origin": lv.origin,
                "snap_percent": pct,
                "data_percent": pct,
                "lv_time": created,
            }
        )
    return rows


def vg_rows(c: DemoCluster, node: str) -> list[Row]:
    """Every VG of ``node``; a VG with a missing PV is partial (``wz-pn-``)."""
    st = c.storage[node]
    rows: list[Row] = []
    for vg in sorted(st.vgs.values(), key=lambda v: v.name):
        partial = any(pv.missing for pv in vg.pvs)
        attr = f"wz-{'p' if partial else '-'}n" + ("" if c.generation == "seed" else "-")
        lvs = [lv for lv in st.lvs if lv.vg == vg.name]
        snaps = sum(1 for lv in lvs if lv.snap is not None)
        rows.append(
            {
                "vg_name": vg.name,
                "pv_count": len(vg.pvs),
                "lv_count": len(lvs) - snaps,
                "snap_count": snaps,
                "vg_attr": attr,
                "vg_size": st.vg_size(vg.name),
                "vg_free": st.vg_free(vg.name),
                "vg_extent_size": sim.EXTENT,
            }
        )
    return rows


def pv_rows(c: DemoCluster, node: str) -> list[Row]:
    """Every PV of ``node``; a missing one is ``[unknown]`` (attribute ``a-m`` on the modern LVM)."""
    st = c.storage[node]
    rows: list[Row] = []
    for vg in sorted(st.vgs.values(), key=lambda v: v.name):
        free = st.pv_free(vg.name)
        for pv in vg.pvs:
            attr = "a-" if c.generation == "seed" else ("a-m" if pv.missing else "a--")
            rows.append(
                {
                    "pv_name": "[unknown]" if pv.missing else pv.name,
                    "vg_name": vg.name,
                    "pv_fmt": "lvm2",
                    "pv_attr": attr,
                    "pv_size": pv.size_bytes,
                    "pv_free": free[pv.name],
                }
            )
    return sorted(rows, key=lambda r: str(r["pv_name"]))


@dataclass(frozen=True, slots=True)
class Style:
    """How a report prints: the options that shape it."""

    generation: str
    units: str | None = None
    """``--units`` letter (``b``, ``B``, ``k``, ``m``, ``g``...); None = human (``h``)."""
    nosuffix: bool = False
    headings: bool = True
    separator: str | None = None
    json: bool = False


def _human(value: int, generation: str) -> str:
    units = "kmgtp"
    size, unit = value / 1024, 0
    while size >= 1024 and unit < len(units) - 1:
        size, unit = size / 1024, unit + 1
    text = f"{size:.2f}"
    letter = units[unit]
    if generation == "seed":
        return f"{text}{letter.upper()}" if value else "0 "
    rounded = abs(float(text) - size) > 1e-9
    return ("<" if rounded and float(text) > size else "") + f"{text}{letter}" if value else "0 "


def _size(value: int, style: Style) -> str:
    if style.units is None or style.units in "hH":
        return _human(value, style.generation)
    scale = {"b": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}.get(style.units.lower(), 1)
    text = str(value) if scale == 1 else f"{value / scale:.2f}"
    return text if style.nosuffix else f"{text}{style.units.upper() if scale == 1 else style.units}"


def cell(name: str, value: str | int | float | None, style: Style) -> str:
    """One value as the report prints it."""
    if value is None:
        return ""
    if name in SIZE_FIELDS and isinstance(value, int):
        return _size(value, style)
    if name in PERCENT_FIELDS and isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def render(report: Report, rows: list[Row], fields: list[str], style: Style) -> str:
    """The report as LVM prints it: JSON, separated cells, or blank-padded columns."""
    cells = [[cell(f, row.get(f), style) for f in fields] for row in rows]
    if style.json:
        return _json(report, fields, cells)
    # 2.02.99 renamed the copy percent's heading.
    renamed = {"copy_percent": "Cpy%Sync"} if style.generation == "modern" else {}
    heads = [renamed.get(f, report.headings[f]) for f in fields]
    if style.separator is not None:
        lines = ([heads] if style.headings else []) + cells
        return "".join(f"  {style.separator.join(line)}\n" for line in lines)
    widths = [max(len(line[i]) for line in [heads, *cells]) for i in range(len(fields))]
    # Headings are left-aligned; sizes, counts and percents right-aligned under them.
    numeric = [f in SIZE_FIELDS or f in PERCENT_FIELDS or f.endswith("_count") for f in fields]
    lines = [[h.ljust(w) for h, w in zip(heads, widths, strict=True)]] if style.headings else []
    for line in cells:
        lines.append(
            [v.rjust(w) if num else v.ljust(w) for v, w, num in zip(line, widths, numeric, strict=True)]
        )
    return "".join("  " + " ".join(parts) + "\n" for parts in lines)


def _json(report: Report, fields: list[str], cells: list[list[str]]) -> str:
    pad = " " * 18
    objs = [
        "{" + ", ".join(f"{json.dumps(f)}:{json.dumps(v)}" for f, v in zip(fields, row, strict=True)) + "}"
        for row in cells
    ]
    body = ",\n".join(pad + o for o in objs)
    return (
        "  {\n"
        '      "report": [\n'
        "          {\n"
        f'              "{report.kind}": [\n' + (body + "\n" if body else "") + "              ]\n"
        "          }\n"
        "      ]\n"
        "  }\n"
    )
