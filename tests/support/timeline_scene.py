"""A journal of a bad night for the timeline tests: the demo cluster polled node by node into a
ClusterState (as the console and the recorder do), every poll written with the Journal's API.

The night: calm polls, then ``kill-node`` on the node running sentinel (its VMs fail over to the
spare), an admin's action, more polls. Times are exact (a FrozenClock and the demo's own clock move
together), so the tests can name moments.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hatui.clock import FrozenClock
from hatui.config import ClusterConfig, NodeConfig
from hatui.demo import DemoCluster
from hatui.journal.store import Journal
from hatui.snapshot.data import problem_dicts
from hatui.sources.fanout import collect_once
from hatui.sources.parse import build_report
from hatui.watch.state import ClusterState

START = datetime(2026, 12, 5, 3, 0, 0, tzinfo=UTC)
CLUSTER = "night"
VICTIM = "vnode1"
VM = "sentinel"


@dataclass
class Night:
    """What the scene did, and when."""

    path: Path
    nodes: tuple[str, ...]
    fault_at: datetime = START
    action_at: datetime = START
    polls: int = 0
    statuses: list[tuple[datetime, str]] = field(default_factory=list)
    """(poll time, verdict after it), for every poll."""
    vm_node: list[tuple[datetime, tuple[str, ...]]] = field(default_factory=list)
    """(poll time, the nodes VM's domain runs on), for every poll."""


def record_night(path: Path, *, calm: int = 8, after: int = 30) -> Night:
    """Writes the night into a new journal at ``path`` (a record directory); returns what happened."""
    demo = DemoCluster(now=lambda: 0.0, start_wall=START - timedelta(seconds=900), seed=2010)
    demo.advance(900)  # the demo's cluster settles (VMs started) before the recording begins
    clock = FrozenClock(START)
    state = ClusterState(CLUSTER, demo.node_names, clock)
    night = Night(path, tuple(demo.node_names))
    journal = Journal.open(path, create=True, cluster=CLUSTER)
    try:
        for r in range(calm + after):
            if r == calm:
                night.fault_at = clock.now()
                demo.inject("kill-node", VICTIM)
            if r == calm + 6:
                night.action_at = clock.now()
                journal.write_action(_action_record(clock.now()))
            for node in demo.node_names:
                demo.advance(1)
                clock.advance(1)
                _poll(demo, state, journal, node, clock, night)
    finally:
        journal.close()
    return night


def _poll(
    demo: DemoCluster, state: ClusterState, journal: Journal, node: str, clock: FrozenClock, night: Night
) -> None:
    # A dead node refuses at once; a short timeout keeps any slow answer from stalling the test.
    cfg = ClusterConfig(name=CLUSTER, nodes=(NodeConfig(node, host=node),), command_timeout=0.2)
    (cap,) = asyncio.run(collect_once(cfg, {node: demo.transport(node)}, clock))
    recorded = state.record(build_report(cap))
    snap = state.snapshot()
    assert snap is not None
    status = snap.health.status.value
    journal.write_poll(cap, status=status, problems=problem_dicts(snap.health), events=recorded.events)
    night.polls += 1
    night.statuses.append((clock.now(), status))
    where = tuple(sorted(d.node for d in snap.view.domains if d.domain.name == VM))
    night.vm_node.append((clock.now(), where))


def _action_record(at: datetime) -> dict[str, object]:
    """An audit-log ``end`` record, as ``hatui.actions.audit`` writes one."""
    return {
        "when": at.isoformat(timespec="seconds"),
        "who": "ops",
        "pid": 4242,
        "host": "console",
        "event": "end",
        "id": "cleanup",
        "cluster": CLUSTER,
        "action": "cleanup",
        "target": VM,
        "ok": True,
        "outcome": "cleaned up",
        "results": [],
        "left": [],
    }


def read_night(night: Night) -> Iterator[Journal]:
    """The night's journal, open for reading while the fixture that yields from this lasts."""
    j = Journal.open(night.path)
    yield j
    j.close()
