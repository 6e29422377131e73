"""Provides ``hatui do snapshots``: every LVM snapshot of the cluster, read in one poll of every node.

One row per snapshot: node, ``vg/lv``, origin, age (from ``lv_time``; ``?`` where the node's LVM is
older than 2.02.89 and does not say), size, fill (``INVALID`` for a snapshot the kernel dropped),
and the VM its origin backs. As text a table, or with ``--format json`` a ``hatui.snapshots/1``
document: ``{"schema", "cluster", "snapshots": [{"node", "path", "origin", "vm", "created",
"age_s", "size_bytes", "fill_percent", "invalid", "hatui"}]}``. Read only: nothing runs but the
poll, so it works on a read-only cluster too. Names come from the nodes: the text passes through
``clean_line``, the JSON is ASCII.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from hatui.durations import fmt_age
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


def snapshot_lines(view: ClusterView) -> list[str]:
    """The table for people (a line saying so when there is none)."""
    records = snapshot_records(view)
    if not records:
        unread = [r.node for r in view.reachable if r.node not in view.storage.read_nodes]
        why = f" (LVM not read on {', '.join(unread)})" if unread else ""
        return [clean_line(f"no snapshots{why}")]
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
    return ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells]


def snapshot_json(view: ClusterView) -> str:
    """The ``hatui.snapshots/1`` document, ASCII only."""
    doc = {"schema": SCHEMA, "cluster": view.name, "snapshots": snapshot_records(view)}
    return json.dumps(doc, indent=2, ensure_ascii=True)
