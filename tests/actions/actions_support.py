"""Helpers for the action tests: a demo cluster whose time runs fast, its runner, and views of it.

The demo answers the real commands (crm_resource, crm_attribute, drbdadm 8.3, xm) with realistic
timings in demo seconds; ``FastDemo`` runs demo time ``SPEED`` times faster than the wall clock, so
the runner's real polling loop sees a failover of several demo seconds end within a fraction of a
second. Views are built from the demo's outputs by the project's own collectors and parsers.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from hatui.actions.audit import AuditLog
from hatui.actions.plans import ActionContext
from hatui.actions.runner import CollectorObserver, Runner
from hatui.config import ClusterConfig
from hatui.demo import DemoCluster
from hatui.model.view import ClusterView
from hatui.sources.fanout import make_collectors
from hatui.sources.make import demo_config
from support.recording import RecordingTransport

SPEED = 40.0


@dataclass
class Bench:
    """A demo cluster with collectors, an observer and a runner on it."""

    demo: DemoCluster
    cluster: ClusterConfig
    transports: dict[str, RecordingTransport]
    observer: CollectorObserver
    runner: Runner
    audit_path: Path
    extra: dict[str, object] = field(default_factory=dict)

    async def view(self) -> ClusterView:
        """A fresh view of the whole demo cluster."""
        return await self.observer.observe()

    async def context(self, *, read_only: bool = False, monitor: bool = False) -> ActionContext:
        """An ActionContext on a fresh view."""
        return ActionContext(await self.view(), self.cluster, read_only=read_only, monitor=monitor)

    def writes(self) -> list[tuple[str, tuple[str, ...]]]:
        """Every command the runner sent, per node (polls go through run_batch and are not listed)."""
        return [(n, argv) for n, t in self.transports.items() for argv in t.calls]


def bench(
    tmp_path: Path,
    *,
    fast: bool = True,
    mode: str = "operator",
    monitor: bool = False,
    advance: float = 0.0,
    generation: str = "seed",
) -> Bench:
    """A demo bench; ``fast=False`` freezes demo time (it moves only with ``demo.advance``)."""
    t0 = time.monotonic()
    clock = (lambda: (time.monotonic() - t0) * SPEED) if fast else (lambda: 0.0)
    demo = DemoCluster(now=clock, seed=2010, generation=generation)
    if advance:
        demo.advance(advance)
    config = demo_config()
    base = config.cluster()
    cluster = ClusterConfig(name=base.name, nodes=base.nodes, display_name=base.display_name, mode=mode)
    transports = {n.name: RecordingTransport(demo.transport(n.name)) for n in cluster.nodes}
    collectors = make_collectors(cluster, transports)  # type: ignore[arg-type]
    observer = CollectorObserver(collectors, cluster)
    audit_path = tmp_path / "audit.log"
    runner = Runner(
        cluster,
        transports,
        observer,
        monitor=monitor,
        audit=AuditLog(audit_path, user="tester"),  # type: ignore[arg-type]
        poll_interval=0.02,
    )
    return Bench(demo, cluster, transports, observer, runner, audit_path)


FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def view_of(
    crm_mon: dict[str, str], *, unreachable: dict[str, str] | None = None, drbd: str | None = None
) -> ClusterView:
    """A view from ``tests/fixtures/crm_mon/<name>.xml`` per node (and nodes that did not answer)."""
    from datetime import UTC, datetime

    from hatui.model.capture import NodeCapture, StackInfo
    from hatui.sources.parse import build_report

    now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    stack = StackInfo(crm_mon="output-as-xml", pacemaker_version="2.1.5", crm_shell="crmsh", drbd=drbd)
    caps = [
        NodeCapture(
            node,
            {"crm_mon.xml": (FIXTURES / "crm_mon" / f"{name}.xml").read_text()},
            collected_at=now,
            stack=stack,
        )
        for node, name in crm_mon.items()
    ] + [NodeCapture(node, unreachable=why, collected_at=now) for node, why in (unreachable or {}).items()]
    return ClusterView(
        "fixture",
        tuple(build_report(c) for c in caps),
        now,
        configured_nodes=(*crm_mon, *(unreachable or {})),
    )
