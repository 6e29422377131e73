"""Provides ``python -m bench.journal_size``: how fast a flight recorder's journal grows.

The demo cluster (the reference cluster: 3 nodes, Pacemaker 1.0.9, DRBD 8.3, Xen 3.2; its
``xm list`` CPU seconds, xentop and /proc/drbd counters change at every poll, as real ones do; and
its modern generation: Pacemaker 2.1, DRBD 9, libvirt) is polled through the real collectors and
parsers, every node every 2 s of simulated time with the
default interval per source family, and every poll is written as the recorder writes it (verdict,
problems, events). Midway a node is killed and comes back, so the run holds a failover too.

Size is the database file plus its write-ahead log after a checkpoint (what ``Bounds.max_bytes``
counts). The growth per day is taken from the second half of the run (past the first writes of
every output) and scaled to 43,200 polls per node.

    python -m bench.journal_size [--minutes 30]   # alone: prints and writes journal-size.md
    python -m bench --only journal                # with the others: journal.json and the summary
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.common import RESULTS, Result, Target

INTERVAL_S = 2.0
DAY_S = 86400.0
GENERATIONS = ("seed", "modern")
FULL = {"minutes": 30.0}
QUICK = {"minutes": 1.0}


async def measure(minutes: float, generation: str = "seed") -> dict[str, Any]:
    """Records ``minutes`` of simulated time of the demo cluster of ``generation`` into a scratch
    journal; returns figures."""
    from hatui.clock import FrozenClock
    from hatui.journal.store import Bounds, Journal
    from hatui.snapshot.data import problem_dicts
    from hatui.sources.collector import NodeCollector
    from hatui.sources.fanout import poll_all
    from hatui.sources.make import demo_cluster, demo_config
    from hatui.sources.parse import build_report
    from hatui.watch.state import ClusterState

    config = demo_config()
    cluster = config.clusters["demo"]
    demo = demo_cluster(generation)
    clock = FrozenClock(datetime(2026, 12, 5, 0, 0, tzinfo=UTC))
    fake = {"t": 1000.0}
    collectors = [
        NodeCollector(n, cluster, demo.transport(n.name), clock=clock, monotonic=lambda: fake["t"])
        for n in cluster.nodes
    ]
    state = ClusterState(
        cluster.name, [n.name for n in cluster.nodes], clock, cluster=cluster, ignore=config.health_ignore
    )
    rounds = int(minutes * 60 / INTERVAL_S)
    half = rounds // 2
    with tempfile.TemporaryDirectory() as tmp:
        journal = Journal.open(Path(tmp) / "rec", create=True, cluster=cluster.name, bounds=Bounds())
        size_half = 0
        write_s = 0.0
        polls = 0
        seq = 0
        victim = cluster.nodes[1].name
        for i in range(rounds):
            if i == rounds // 3:
                demo.inject("kill-node", victim)
            if i == rounds // 3 + 30:
                demo.inject("heal", victim)
            for capture in await poll_all(collectors):
                state.record(build_report(capture))
                health = state.health
                new = [e.event for e in state.events if e.seq > seq]
                seq = state.events[-1].seq if state.events else seq
                t0 = time.perf_counter()
                journal.write_poll(
                    capture,
                    status=health.status.value if health else None,
                    problems=problem_dicts(health) if health else [],
                    events=new,
                )
                write_s += time.perf_counter() - t0
                polls += 1
            if i == half:
                size_half = _settled_size(journal)
            clock.advance(INTERVAL_S)
            fake["t"] += INTERVAL_S
            demo.advance(INTERVAL_S)
        size_end = _settled_size(journal)
        changed = sum(p.changed for p in journal.polls())
        events = len(journal.events())
        journal.close()
    for c in collectors:
        await c.close()
    per_round = (size_end - size_half) / (rounds - 1 - half)
    return {
        "generation": generation,
        "minutes": minutes,
        "nodes": len(cluster.nodes),
        "polls": polls,
        "changed_polls": changed,
        "events": events,
        "size_bytes": size_end,
        "bytes_per_poll": per_round / len(cluster.nodes),
        "mib_per_day": per_round * (DAY_S / INTERVAL_S) / (1024 * 1024),
        "write_ms_per_poll": 1000 * write_s / polls,
    }


def _settled_size(journal: Any) -> int:
    """File + log after a checkpoint: what the journal holds, without the log's slack."""
    journal._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return int(journal.size_bytes())


ROWS = (
    ("polls written (changed a capture)", lambda r: f"{r['polls']} ({r['changed_polls']})"),
    ("events", lambda r: str(r["events"])),
    ("journal at the end (file + WAL)", lambda r: f"{r['size_bytes'] / 1024:.0f} KiB"),
    ("growth per poll of one node (second half)", lambda r: f"{r['bytes_per_poll']:.0f} B"),
    ("growth per day (3 nodes, every 2 s)", lambda r: f"{r['mib_per_day']:.1f} MiB"),
    ("write time per poll (one fsync; a shared machine)", lambda r: f"{r['write_ms_per_poll']:.2f} ms"),
)


def _measure_all(minutes: float) -> list[dict[str, Any]]:
    return [asyncio.run(measure(minutes, g)) for g in GENERATIONS]


def _rows(results: list[dict[str, Any]]) -> list[list[str]]:
    return [[name, *(cell(r) for r in results)] for name, cell in ROWS]


def run(params: dict[str, Any]) -> Result:
    """``python -m bench``'s entry: the figures as a Result."""
    from hatui.journal.store import Bounds

    results = _measure_all(float(params["minutes"]))
    result = Result("journal", "7. Flight recorder journal size (demo cluster)", params)
    result.headers = ["figure", *GENERATIONS]
    result.rows = _rows(results)
    result.summary = {r["generation"]: r for r in results}
    days = {r["generation"]: Bounds().max_bytes / (r["mib_per_day"] * 1024 * 1024) for r in results}
    result.targets = [
        Target(
            "default size bound",
            "two weeks or more of the reference (seed) cluster",
            ", ".join(f"{g}: {d:.0f} days" for g, d in days.items()),
            days["seed"] >= 14,
        )
    ]
    result.notes = [
        f"{params['minutes']:g} simulated minutes, every node every {INTERVAL_S:g} s (default family "
        "intervals); a node killed and healed midway; growth from the second half of the run"
    ]
    return result


def markdown(results: list[dict[str, Any]]) -> str:
    """The figures as the Markdown file in ``bench/results``."""
    r = results[0]
    lines = [
        "# Journal size (python -m bench.journal_size)",
        "",
        f"Demo cluster ({r['nodes']} nodes; seed: Pacemaker 1.0.9, DRBD 8.3, Xen 3.2; modern: Pacemaker "
        f"2.1, DRBD 9, libvirt), every node polled every {INTERVAL_S:g} s for {r['minutes']:g} "
        "simulated minutes with the default interval per source family, a node killed and back midway.",
        "",
        f"| figure | {' | '.join(GENERATIONS)} |",
        "|---|" + "---|" * len(GENERATIONS),
    ]
    return "\n".join([*lines, *(f"| {' | '.join(row)} |" for row in _rows(results)), ""])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.journal_size", description=__doc__.splitlines()[0])
    p.add_argument("--minutes", type=float, default=30.0, help="simulated minutes to record (default 30)")
    p.add_argument("--out", type=Path, default=RESULTS / "journal-size.md")
    args = p.parse_args(argv)
    text = markdown(_measure_all(args.minutes))
    print(text)
    args.out.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
