"""Benchmark 9: the console recording its journal (``--record DIR``), beside the same console without.

The console writes each poll of every node into the journal in its own event loop: one SQLite
transaction, committed with an fsync (``synchronous=FULL``, so a power cut loses at most the poll
being written). At 32 nodes polled every 2 s that is 16 commits a second, each holding the loop
while it lasts. This benchmark measures the console's targets (idle CPU, a key, a pane switch,
applying one change) on the same replay twice in one run, without and with ``--record``, so the
cost of recording is the difference between two rows measured side by side. Nothing changes
between polls in the idle window, as in benchmark 6: an unchanged output is stored once, so each
poll still writes its row, its verdict and one fsync.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from bench import console
from bench.common import Result
from bench.console import apply_changes, idle_and_keys, make_replays, row_for, targets_for

#: Benchmark 6's settings, at the size its targets are judged at.
FULL: dict[str, Any] = {**console.FULL, "sizes": [[32, 1000]], "plain": True}
#: The smoke run: benchmark 6's tiny size, the recording console only.
QUICK: dict[str, Any] = {**console.QUICK, "plain": False}


def measure(nodes: int, resources: int, params: dict[str, Any], *, record: bool) -> dict[str, Any]:
    """Every console figure at one size, recording into a fresh journal or not."""
    tmp = Path(tempfile.mkdtemp(prefix="hatui-bench-record-"))
    try:
        healthy, changed = make_replays(nodes, resources, tmp)
        out: dict[str, Any] = {"nodes": nodes, "resources": resources, "record": record}
        extra = ("--record", str(tmp / "journal-idle")) if record else ()
        out.update(idle_and_keys(healthy, nodes, params, None, extra))
        extra = ("--record", str(tmp / "journal-apply")) if record else ()
        out.update(apply_changes(healthy, changed, nodes, params, None, extra))
        if record:
            out["journal_bytes"] = sum(f.stat().st_size for f in tmp.glob("journal-*/*") if f.is_file())
        return out
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run(params: dict[str, Any]) -> Result:
    result = Result(
        "console_record", "9. The console recording its journal (--record), beside it without", params
    )
    result.headers = [
        "console",
        "nodes x resources",
        "idle CPU",
        "key (console; median/max)",
        "pane switch (median / worst pane)",
        "apply one change (median/max)",
        "RSS",
    ]
    raw: dict[str, Any] = {"sizes": []}
    for nodes, resources in params["sizes"]:
        for record in (False, True) if params["plain"] else (True,):
            m = measure(nodes, resources, params, record=record)
            raw["sizes"].append(m)
            row, figures = row_for(m)
            # row_for's columns: size, start-up, idle, key (pty), key, pane, pane (pty), apply, RSS.
            result.rows.append(
                ["--record" if record else "plain", row[0], row[2], row[4], row[5], row[7], row[8]]
            )
            if record:
                result.targets += targets_for(f"{nodes}x{resources}-recording", *figures)
    result.raw = raw
    result.notes += [
        "The same benchmark as 6 (replays on a 160x50 pty, every node polled every 2 s, the console "
        "timing its own keys and applies), run once plainly and once with --record into a fresh "
        "journal, one after the other in one run; the targets are benchmark 6's, judged on the "
        "recording console.",
        "Journal writes happen in the console's event loop, one transaction and one fsync per node "
        "poll; the idle CPU includes them.",
    ]
    return result
