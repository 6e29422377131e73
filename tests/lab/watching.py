"""Provides what the end-to-end lab tests share: hatui run as a command, and ``Watch``, hatui's own
poller reading every node over SSH about once a second, keeping each snapshot's view and events.

Also the checks they make on a view: whether all three layers of a VM agree on a node
(``runs_on``), whether a node's capture contradicts itself (``self_consistent``).
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from hatui.config import ClusterConfig, load_config
from hatui.model.capture import NodeCapture
from hatui.model.events import ClusterEvent, diff
from hatui.model.health import Health, evaluate
from hatui.model.view import ClusterView
from hatui.model.vms import VmRow, vm_rows
from hatui.model.words import DrbdRole
from hatui.snapshot.run import make_view
from hatui.sources.fanout import make_collectors, poll_all
from hatui.sources.live import CollectorPoller

from .harness import Lab
from .layout import VmSpec

#: The lab runs without fencing on purpose; everything else must be clean.
IGNORED = "stonith-disabled"
IGNORE = frozenset({IGNORED})
#: How often each node is polled (the console's workers sleep ``CollectorPoller.interval``).
PERIOD = 1.0


def hatui(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "hatui", *args], capture_output=True, text=True,
                          timeout=60, check=False)  # fmt: skip


def once(lab: Lab, *extra: str) -> subprocess.CompletedProcess[str]:
    """``hatui --once --format json`` on the lab's config (JSON on stdout, exit code by health)."""
    return hatui("--once", "--format", "json", "--config", str(lab.config_path), *extra)


def report(what: str, seconds: float) -> None:
    print(f"\n[lab timing] {what}: {seconds:.2f}s")


@dataclass
class Seen:
    """The cluster as hatui saw it at ``at``: every node's latest capture, the view built from them,
    its health and the events since the previous snapshot."""

    at: float
    captures: list[NodeCapture]
    done: dict[str, float]
    """Node -> when its capture came in (monotonic seconds)."""
    view: ClusterView
    health: Health
    events: list[ClusterEvent]

    def capture(self, node: str) -> NodeCapture:
        return next(c for c in self.captures if c.node == node)


@dataclass
class Watch:
    """hatui's CollectorPoller over SSH, polled as the console polls: one loop per node, each polling
    its node every ``PERIOD`` whatever the others do. A snapshot is built whenever a capture came in.
    """

    cluster: ClusterConfig
    poller: CollectorPoller
    rounds: list[Seen] = field(default_factory=list)
    log: list[tuple[str, float, float, NodeCapture]] = field(default_factory=list)
    """Every poll: (node, started, ended, capture)."""
    _latest: dict[str, tuple[NodeCapture, float]] = field(default_factory=dict)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    @classmethod
    def of(cls, lab: Lab, *, together: bool = False) -> Watch:
        """A watch on the lab, polling already (call it inside the test's event loop).

        ``together`` polls every node at once with ``poll_all`` instead, as ``--once`` does: the
        captures of a round are taken at the same moment, so nodes can be compared.
        """
        cluster = load_config(lab.config_path).cluster("lab")
        return cls(cluster, CollectorPoller(make_collectors(cluster))).start(together)

    @property
    def poll_interval(self) -> float:
        """The console's interval between two polls of a node (``CollectorPoller.interval``)."""
        return self.poller.interval(self.cluster.nodes[0].name)

    def start(self, together: bool = False) -> Watch:
        if together:
            self._tasks = [asyncio.create_task(self._rounds())]
        else:
            self._tasks = [asyncio.create_task(self._loop(n)) for n in self.poller.nodes]
        return self

    def _record(self, cap: NodeCapture, started: float, ended: float) -> None:
        self._latest[cap.node] = (cap, ended)
        self.log.append((cap.node, started, ended, cap))

    async def _loop(self, node: str) -> None:
        while True:
            started = time.monotonic()
            cap = await self.poller.collector(node).poll()  # the raw capture, as the poller takes it
            self._record(cap, started, time.monotonic())
            await asyncio.sleep(max(0.0, PERIOD - (time.monotonic() - started)))

    async def _rounds(self) -> None:
        collectors = [self.poller.collector(n) for n in self.poller.nodes]
        while True:
            started = time.monotonic()
            captures = await poll_all(collectors)
            ended = time.monotonic()
            for cap in captures:
                self._record(cap, started, ended)
            await asyncio.sleep(max(0.0, PERIOD - (ended - started)))

    def snapshot(self) -> Seen:
        nodes = self.poller.nodes
        captures = [self._latest[n][0] for n in nodes]
        view = make_view(self.cluster.name, captures, cluster=self.cluster)
        prev = self.rounds[-1].view if self.rounds else None
        done = {n: self._latest[n][1] for n in nodes}
        seen = Seen(time.monotonic(), captures, done, view, evaluate(view, IGNORE), diff(prev, view, IGNORE))
        self.rounds.append(seen)
        return seen

    async def until(self, what: str, ok: Callable[[Seen], bool], timeout: float) -> Seen:
        """Snapshots after every new capture until ``ok`` holds for one."""
        deadline = time.monotonic() + timeout
        shown = None
        while True:
            current = tuple(self._latest.get(n, (None, 0.0))[1] for n in self.poller.nodes)
            if current != shown and len(self._latest) == len(self.poller.nodes):
                shown = current
                seen = self.snapshot()
                if ok(seen):
                    return seen
            if time.monotonic() > deadline:
                problems = [p.message for p in self.rounds[-1].health.problems] if self.rounds else "none yet"
                raise AssertionError(f"hatui never saw {what} in {timeout:.0f}s; problems: {problems}")
            await asyncio.sleep(0.05)

    def events(self, since: float = 0.0) -> list[ClusterEvent]:
        return [e for s in self.rounds if s.at >= since for e in s.events]

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.poller.close()


def everyone(seen: Seen) -> bool:
    """Every node answered in this round."""
    return all(c.reachable for c in seen.captures)


def vm_row(view: ClusterView, vm: str) -> VmRow | None:
    return next((r for r in vm_rows(view) if r.name == vm), None)


def runs_on(view: ClusterView, vm: VmSpec, node: str) -> bool:
    """All three layers agree in ``view``: Pacemaker, the domain list and the DRBD Primary."""
    row = vm_row(view, vm.name)
    if row is None:
        return False
    primaries = sorted(d.node for d in row.disks if d.device.role is DrbdRole.PRIMARY)
    return (row.pcmk_nodes, row.role, row.domain_nodes, primaries) == ((node,), "Started", (node,), [node])


def self_consistent(seen: Seen, vm: VmSpec) -> list[str]:
    """Where a node's own capture contradicts itself: its crm_mon says ``vm`` Started there but its
    own domain list or /proc/drbd (read in the same poll or later) does not show it running/Primary."""
    out = []
    for r in seen.view.reachable:
        mine = [x for x in (r.pacemaker.instances(vm.name) if r.pacemaker else ()) if r.node in x.nodes]
        if not mine or mine[0].role_raw != "Started":
            continue
        if vm.name not in [d.name for d in r.domains or () if d.is_active]:
            out.append(f"{r.node}: crm_mon says {vm.name} Started here, its domain list does not show it")
        if not any(d.resource == vm.drbd and d.device.role is DrbdRole.PRIMARY for d in seen.view.drbd
                   if d.node == r.node):  # fmt: skip
            out.append(f"{r.node}: crm_mon says {vm.name} Started here, {vm.drbd} is not Primary here")
    return out


def kinds(events: list[ClusterEvent], subject: str) -> list[tuple[str, str | None]]:
    return [(e.kind.value, e.node) for e in events if e.subject == subject]


def peer_link(seen: Seen, node: str, peer_id: int) -> str | None:
    """How ``node``'s corosync link 0 sees node id ``peer_id`` (``connected``, ``disconnected``)."""
    rep = seen.view.report(node)
    links = rep.rings.links if rep is not None and rep.rings is not None else ()
    return next((p.status for p in links[0].peers if p.node_id == peer_id), None) if links else None
