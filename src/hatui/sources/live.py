"""Provides CollectorPoller: the Poller the console uses for live nodes (SSH, local or demo).

Each node keeps its own NodeCollector, so the console's one-worker-per-node loop polls nodes
independently; the collector itself decides which sources are due on each call.
"""

from __future__ import annotations

from collections.abc import Sequence

from hatui.model.capture import NodeCapture
from hatui.model.report import NodeReport
from hatui.sources.collector import NodeCollector
from hatui.sources.parse import ReportMemo


class CollectorPoller:
    """Polls nodes through their collectors."""

    def __init__(self, collectors: Sequence[NodeCollector]) -> None:
        self._collectors = {c.node.name: c for c in collectors}
        self._memo = ReportMemo()
        self._last: dict[str, NodeCapture] = {}

    @property
    def nodes(self) -> tuple[str, ...]:
        """Node names in config order."""
        return tuple(self._collectors)

    def collector(self, node: str) -> NodeCollector:
        """The collector of ``node`` (actions run over its transport)."""
        return self._collectors[node]

    async def poll(self, node: str, *, force: bool = False) -> NodeReport:
        """Polls ``node`` and parses what it said; never raises. ``force``: every source, due or not."""
        collector = self._collectors.get(node)
        if collector is None:
            return NodeReport(node=node, unreachable="not configured")
        capture = self._last[node] = await collector.poll(force=force)
        return self._memo.report(capture)

    def last_capture(self, node: str) -> NodeCapture | None:
        """The raw capture the last report of ``node`` was parsed from (None before its first poll)."""
        return self._last.get(node)

    def interval(self, node: str) -> float:
        """The shortest source interval: each poll then runs only what is due."""
        collector = self._collectors.get(node)
        intervals = collector.cluster.intervals.values() if collector else ()
        return min(intervals, default=2.0)

    async def close(self) -> None:
        """Closes every connection."""
        for c in self._collectors.values():
            await c.close()
