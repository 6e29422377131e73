"""Provides the ``Observer``: how the runner gets a fresh picture of the whole cluster while it waits.

``CollectorObserver`` forces a poll of every node through the console's own collectors (or the ones
``hatui do`` opened) and builds the view the waits and verdicts are checked against.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from hatui.clock import Clock, SystemClock
from hatui.config import ClusterConfig
from hatui.model.view import ClusterView
from hatui.sources.collector import NodeCollector
from hatui.sources.fanout import poll_all
from hatui.sources.parse import build_report


class Observer(Protocol):
    """Gives a fresh picture of the whole cluster."""

    async def observe(self) -> ClusterView:
        """Polls every node now and returns the view."""
        ...


class CollectorObserver:
    """Forces a poll of every node through their collectors and builds the view from it."""

    def __init__(
        self, collectors: Sequence[NodeCollector], cluster: ClusterConfig, clock: Clock | None = None
    ) -> None:
        self.collectors = list(collectors)
        self.cluster = cluster
        self.clock: Clock = clock or SystemClock()

    async def observe(self) -> ClusterView:
        captures = await poll_all(self.collectors, force=True)
        return ClusterView(
            name=self.cluster.display_name or self.cluster.name,
            reports=tuple(build_report(c) for c in captures),
            generated_at=self.clock.now(),
            configured_nodes=tuple(n.name for n in self.cluster.nodes),
            vm_disks=dict(self.cluster.vm_disks),
            snapshot_rule=self.cluster.backup.rule,
        )
