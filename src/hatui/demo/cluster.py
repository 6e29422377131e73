"""Provides ``DemoCluster``: an in-process simulated cluster that answers commands like real nodes.

It is shaped like the reference cluster (see ``topology``), changes over time (resyncs progress,
VMs use CPU, Pacemaker's timestamps move) and reacts to actions and injected faults. Its
``generation`` picks the stack it plays: ``seed`` is the reference cluster as built (Pacemaker 1.0.9
over openais, its crm shell, Corosync 1.2.1, DRBD 8.3.7, Xen 3.2 ``xm``), ``modern`` today's
(Pacemaker 2.1.5, Corosync 3, DRBD 9, ``xl``). Both keep one state; only the tools differ.
Time is demo time: it follows the injected clock (``now``, monotonic seconds) and can be pushed
forward with ``advance`` in tests.
"""

from __future__ import annotations

import heapq
import itertools
import math
import random
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

from hatui.demo import bootstrap, drbd_sim, engine, storage_sim
from hatui.demo.commands import Outcome, execute
from hatui.demo.faults import FAULTS, apply_fault
from hatui.demo.lrm import Lrm
from hatui.demo.state import INFINITY, parse_score
from hatui.demo.topology import DiskDef, Topology, reference_topology
from hatui.demo.transport import DemoTransport
from hatui.errors import HatuiError

#: Seconds corosync needs to notice a dead or hung member (token timeout plus consensus).
MEMBERSHIP_TIMEOUT_S = 3.0

#: The stacks the demo can play: the reference cluster as it was built, and today's versions.
GENERATIONS = ("seed", "modern")

__all__ = ["FAULTS", "GENERATIONS", "DemoCluster"]


class DemoCluster:
    """The simulated cluster; ``transport(node)`` gives the Transport of one of its nodes."""

    def __init__(
        self,
        *,
        now: Callable[[], float] = time.monotonic,
        start_wall: datetime | None = None,
        seed: int = 2010,
        topology: Topology | None = None,
        generation: str = "seed",
    ) -> None:
        if generation not in GENERATIONS:
            raise HatuiError(f"demo: no generation {generation}; choose {' or '.join(GENERATIONS)}")
        #: "seed" (Pacemaker 1.0.9, Corosync 1.2.1, DRBD 8.3.7, xm) or "modern" (2.1.5, 3, 9, xl).
        self.generation = generation
        self.topo = topology or reference_topology(generation)
        self._now = now
        self._origin = now()
        self._offset = 0.0
        wall = start_wall or datetime.now(UTC)
        self._wall0 = wall.replace(microsecond=0)
        self.rng = random.Random(seed)
        self.t = 0.0
        self.nodes = bootstrap.initial_nodes(self.topo)
        self.drbd = bootstrap.initial_drbd(self.topo)
        self.cib = bootstrap.initial_cib(self.topo, self.nodes, self.epoch_now(), self.rng)
        if generation == "seed":
            bootstrap.seed_config(self.cib, self.topo)
        self.lrm = Lrm(self.cib, self.rng)
        self.storage = storage_sim.initial_storage(self.topo, generation, self.epoch_now())
        self.jobs: list[engine.Job] = []
        self.monitors: dict[tuple[str, str], float] = {}
        for vm in self.topo.vms:
            self.monitors[(vm.name, vm.preferred)] = 1.0 + (len(self.monitors) * 1.3) % 10
        self.events: list[tuple[float, int, Callable[[], None]]] = []
        self._seq = itertools.count()
        self.messages: list[tuple[datetime, str]] = []
        self._dirty = False

    # -- time ---------------------------------------------------------------------------------

    def advance(self, seconds: float) -> None:
        """Moves demo time forward by ``seconds`` (tests), running everything that falls due."""
        if seconds < 0:
            raise ValueError("demo time only moves forward")
        self._offset += seconds
        self.sync()

    def sync(self) -> None:
        """Catches demo time up with the clock; every command does this first."""
        target = self._now() - self._origin + self._offset
        self._run_until(target)

    def wall(self, t: float | None = None) -> datetime:
        """The wall-clock time (UTC) at demo time ``t`` (default: now)."""
        return self._wall0 + timedelta(seconds=self.t if t is None else t)

    def epoch_now(self) -> int:
        """Seconds since the epoch, now."""
        return int(self.wall().timestamp())

    def after(self, seconds: float, fn: Callable[[], None]) -> None:
        """Runs ``fn`` when ``seconds`` of demo time have passed."""
        heapq.heappush(self.events, (self.t + seconds, next(self._seq), fn))

    def _next_due(self) -> float:
        dues = [self.events[0][0]] if self.events else []
        dues += [j.due for j in self.jobs]
        dues += list(self.monitors.values())
        return min(dues, default=math.inf)

    def _run_until(self, target: float) -> None:
        while True:
            self._fire_due()
            if self.t >= target:
                return
            due = self._next_due()
            # Second by second, except when catching up a long idle stretch (a laptop that slept).
            step = 1.0 if target - self.t < 600 else 10.0
            nxt = min(target, math.floor(self.t) + step, due if due > self.t else math.inf)
            for rt in self.drbd.values():
                if drbd_sim.flow(self, rt, self.t, nxt):
                    self._dirty = True
            self.t = nxt

    def _fire_due(self) -> None:
        for _ in range(10_000):
            fired = False
            while self.events and self.events[0][0] <= self.t:
                _, _, fn = heapq.heappop(self.events)
                fn()
                fired = self._dirty = True
            for job in [j for j in self.jobs if j.due <= self.t]:
                fired = self._dirty = True
                self._step(job)
            if engine.check_monitors(self):
                fired = self._dirty = True
            if self._dirty:
                self._dirty = False
                self.replan()
                fired = True
            if not fired:
                return

    def _step(self, job: engine.Job) -> None:
        step = job.steps.popleft()
        try:
            step.run()
        except engine.StepAbortedError:
            self.log(f"pacemaker: {step.label} aborted, recalculating")
            self.jobs.remove(job)
            return
        self.log(f"pacemaker: {step.label}: ok")
        if job.steps:
            job.due += job.steps[0].seconds
        else:
            self.jobs.remove(job)

    def replan(self) -> None:
        """Reconnects DRBD where it can and starts the jobs the new situation needs."""
        for rt in self.drbd.values():
            drbd_sim.refresh(self, rt)
        jobs = engine.plan(self)
        if jobs:
            self.cib.transition += 1
            self.jobs.extend(jobs)

    def changed(self) -> None:
        """Marks the state as changed: the next processing round replans."""
        self._dirty = True

    # -- what Pacemaker and Corosync see ---------------------------------------------------

    def pcmk_online(self, node: str) -> bool:
        """True when the cluster counts ``node`` as an online member."""
        rt = self.nodes.get(node)
        return rt is not None and rt.member

    def members(self) -> list[str]:
        """The corosync members, in node-id order."""
        return [n.name for n in self.topo.nodes if self.pcmk_online(n.name)]

    def quorate(self) -> bool:
        """True when the members hold a majority of the configured votes."""
        return 2 * len(self.members()) > len(self.topo.nodes)

    def available(self, node: str) -> bool:
        """True when resources may run on ``node`` (online, quorate, not in standby or maintenance)."""
        attrs = self.cib.node_attrs.get(node, {})
        return (
            self.pcmk_online(node)
            and self.quorate()
            and attrs.get("standby", "off") not in ("on", "true")
            and not self.node_in_maintenance(node)
        )

    def node_in_maintenance(self, node: str) -> bool:
        """True when ``node`` has the ``maintenance`` attribute: what runs there is left alone."""
        return self.cib.node_attrs.get(node, {}).get("maintenance", "off") in ("on", "true")

    def maintenance_mode(self) -> bool:
        """True when the cluster-wide maintenance-mode property is set."""
        return self.cib.properties.get("maintenance-mode", "false") in ("true", "on", "yes", "1")

    def stickiness(self) -> int:
        """The default resource-stickiness (rsc_defaults)."""
        return INFINITY

    def location_entries(self, rsc: str) -> list[tuple[str, int]]:
        """Every (node, score) a location constraint of ``rsc`` gives, expired lifetimes left out."""
        entries: list[tuple[str, int]] = []
        now = self.wall()
        for con in self.cib.constraints:
            if con.tag != "rsc_location" or con.attrs.get("rsc") != rsc:
                continue
            node = con.attrs.get("node") or con.rule_node
            score = parse_score(con.attrs.get("score") or con.rule_score or "")
            if node is None or score is None:
                continue
            if con.expires is not None and con.expires <= now:
                continue
            entries.append((node, score))
        return entries

    def dc(self) -> str | None:
        """The Designated Controller, re-elected (lowest node id) when it leaves."""
        members = self.members()
        if not members:
            return None
        if self.cib.dc not in members:
            self.cib.dc = members[0]
        return self.cib.dc

    def disk_def(self, name: str) -> DiskDef:
        """The static definition of the DRBD resource ``name``."""
        disk = self.topo.disk(name)
        if disk is None:
            raise HatuiError(f"demo: no DRBD resource {name}")
        return disk

    def vm_domain_running(self, disk: DiskDef, node: str) -> bool:
        """True when the VM that uses ``disk`` runs (and writes) on ``node``."""
        vm = self.topo.vm_of_disk(disk.name)
        return vm is not None and self.nodes[node].power == "up" and vm.name in self.nodes[node].domains

    def record(self, node: str, rsc: str, task: str, **kw: int | bool) -> None:
        """Records an operation in ``node``'s history, with the node's call counter and now."""
        calls = [self.nodes[node].calls]
        self.lrm.record(node, calls, rsc, task, when=self.epoch_now(), **kw)  # type: ignore[arg-type]
        self.nodes[node].calls = calls[0]
        self.cib.num_updates += 1

    def log(self, message: str) -> None:
        """Keeps a line of what the demo did (for a UI event pane and for debugging tests)."""
        self.messages.append((self.wall(), message))
        del self.messages[:-500]

    # -- faults, commands, transports -----------------------------------------------------------

    def inject(self, fault: str, target: str) -> None:
        """Injects a fault (see ``FAULTS``) into ``target``; raises ``HatuiError`` when it cannot."""
        self.sync()
        apply_fault(self, fault, target)
        self.changed()
        self._fire_due()

    def execute(self, node: str, argv: Sequence[str], stdin: str | None = None) -> Outcome:
        """Runs ``argv`` on ``node`` (which must be up) and returns what it printed."""
        self.sync()
        outcome = execute(self, node, tuple(argv), stdin)
        self._fire_due()
        return outcome

    @property
    def node_names(self) -> tuple[str, ...]:
        """The nodes, in node-id order (``vnode1``, ``vnode2``, ``vnode3``)."""
        return tuple(n.name for n in self.topo.nodes)

    def transport(self, node: str, *, latency_s: float = 0.0) -> DemoTransport:
        """Returns a Transport that runs commands on ``node`` of this cluster."""
        if node not in self.nodes:
            raise HatuiError(f"demo: no node {node}; the demo nodes are {', '.join(self.nodes)}")
        return DemoTransport(self, node, latency_s=latency_s)
