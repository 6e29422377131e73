"""Provides ``hatui do snapshots``: every LVM snapshot of the cluster, read in one poll of every node.

One row per snapshot: node, ``vg/lv``, origin, age (from ``lv_time``; ``?`` where the node's LVM is
older than 2.02.89 and does not say), size, fill (``INVALID`` for a snapshot the kernel dropped),
and the VM its origin backs. As text a table, or with ``--format json`` a ``hatui.snapshots/1``
document: ``{"schema", "cluster", "snapshots": [{"node", "path", "origin", "vm", "created",
"age_s", "size_bytes", "fill_percent", "invalid", "hatui"}], "unread": [{"node", "why"}]}``.
Read only: nothing runs but the poll, so it works on a read-only cluster too. Names come from the
nodes: the text passes through ``clean_line``, the JSON is ASCII.

``unread`` names the nodes whose snapshots are unknown (unreachable, ``lvs`` failed, LVM not
detected): an empty list then does not mean "no snapshots", and ``hatui do`` exits 2 instead of 0.
A node that answered that it has no LVM holds no snapshot: it is not unread.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from hatui.durations import fmt_age
from hatui.model.stack import LvmFlavour
from hatui.model.storage import is_own_snapshot
from hatui.model.storage_join import NodeLv, fmt_bytes
from hatui.model.view import ClusterView
from hatui.plaintext import clean_line

SCHEMA = "hatui.snapshots/1"
#: The word ``hatui do`` takes for the listing (it is not an action: nothing is planned or run).
LIST_ID = "snapshots"
HEADINGS = ("NODE", "SNAPSHOT", "ORIGIN", "AGE", "SIZE", "FILL", "VM")


def age_text(seconds: float | None) -> str:
    """The console's age (``5m03s``); ``?`` when unknown."""
    return "?" if seconds is None else fmt_age(seconds)


def _age_s(nl: NodeLv, now: datetime) -> float | None:
    created = nl.lv.made_at
    if created is None:
        return None
    if created.tzinfo is None or now.tzinfo is None:
        created, now = created.replace(tzinfo=None), now.replace(tzinfo=None)
    return (now - created).total_seconds()


def _fill(nl: NodeLv) -> float | None:
    lv = nl.lv
    return lv.snapshot_percent if lv.is_thick_snapshot else lv.data_percent


def snapshot_records(view: ClusterView) -> list[dict[str, Any]]:
    """The ``snapshots`` list of the JSON document, node order then name."""
    now = view.generated_at
    out = []
    for nl in sorted(view.storage.snapshots(), key=lambda n: (n.node, n.lv.path)):
        lv = nl.lv
        out.append(
            {
                "node": nl.node,
                "path": lv.path,
                "origin": lv.origin,
                "vm": nl.domain,
                "created": lv.made_at.isoformat() if lv.made_at else None,
                "age_s": _age_s(nl, now),
                "size_bytes": lv.size_bytes,
                "fill_percent": _fill(nl),
                "invalid": lv.invalid,
                "hatui": is_own_snapshot(lv.name),
            }
        )
    return out


def unread_nodes(view: ClusterView) -> list[dict[str, str]]:
    """The nodes whose snapshots are unknown, in node order, each with why (one clean line)."""
    read = set(view.storage.read_nodes)
    out = []
    for r in sorted(view.reports, key=lambda r: r.node):
        if r.node in read:
            continue
        failed = next((e.message for e in r.errors if e.source == "lvs"), None)
        if r.unreachable is not None:
            why = f"unreachable: {r.unreachable}"
        elif failed is not None:
            why = f"lvs failed: {failed}"
        elif r.stack.lvm is LvmFlavour.ABSENT:
            continue  # it said it has no LVM: no snapshot there to miss
        else:
            why = "LVM not detected (its probe did not answer)"
        out.append({"node": r.node, "why": clean_line(why)})
    return out


def snapshot_lines(view: ClusterView) -> list[str]:
    """The table for people (a line saying so when there is none), then one line per node whose
    snapshots are unknown."""
    unread = [clean_line(f"LVM not read on {u['node']}: {u['why']}") for u in unread_nodes(view)]
    records = snapshot_records(view)
    if not records:
        return ["no snapshots", *unread]
    rows = [HEADINGS]
    for r in records:
        fill = (
            "INVALID" if r["invalid"] else ("-" if r["fill_percent"] is None else f"{r['fill_percent']:.1f}%")
        )
        rows.append(
            (
                r["node"],
                r["path"],
                r["origin"] or "-",
                age_text(r["age_s"]),
                fmt_bytes(r["size_bytes"]),
                fill,
                r["vm"] or "-",
            )
        )
    cells = [[clean_line(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(HEADINGS))]
    table = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells]
    return [*table, *unread]


def snapshot_json(view: ClusterView) -> str:
    """The ``hatui.snapshots/1`` document, ASCII only."""
    doc = {
        "schema": SCHEMA,
        "cluster": view.name,
        "snapshots": snapshot_records(view),
        "unread": unread_nodes(view),
    }
    return json.dumps(doc, indent=2, ensure_ascii=True)
