"""Provides ``AlertListener``: a cluster's alert rules hearing every poll (a ``PollListener``).

On each poll it hands the verdict the ClusterState holds now to the engine (``hatui.alerts.engine``)
and the alerts it calls for to the dispatcher (``hatui.alerts.dispatch``), which runs them in the
background: ``polled`` never waits for a command. The same listener runs in ``hatui record`` and in
the console (``hatui.watch.listeners.build_listeners``).

Polls that change nothing come every few seconds per node; the engine is asked again only when the
verdict changed or a debounce or reminder may have come due (``AlertEngine.wake_at``).
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterable
from datetime import datetime

from hatui.alerts.dispatch import Dispatcher
from hatui.alerts.engine import Alert, AlertEngine
from hatui.alerts.rules import AlertRule
from hatui.config import ClusterConfig
from hatui.model.capture import NodeCapture
from hatui.model.health_types import Health
from hatui.model.report import NodeReport
from hatui.plaintext import clean_line
from hatui.watch.state import ClusterState, Recorded

Log = Callable[[str], None]


class AlertListener:
    """The alert rules of one cluster, fed by its polls."""

    def __init__(
        self, cluster: str, rules: Iterable[AlertRule], log: Log, *, host: str | None = None
    ) -> None:
        self.cluster = cluster
        self.log = log
        self.engine = AlertEngine(rules)
        self.dispatcher = Dispatcher(cluster, host or socket.gethostname(), log)
        self._seen: Health | None = None

    @classmethod
    def for_cluster(cls, cluster: ClusterConfig, log: Log) -> AlertListener | None:
        """The listener of ``cluster``'s ``alerts:`` rules; None when it has none."""
        if not cluster.alerts:
            return None
        return cls(cluster.name, cluster.alerts, log)

    def polled(
        self, capture: NodeCapture | None, report: NodeReport, state: ClusterState, recorded: Recorded
    ) -> None:
        """Asks the engine about the state's verdict now and queues what it calls for."""
        health = state.health
        if health is None:
            return
        now = state.clock.now()
        if health is self._seen and not self._due(now):
            return
        self._seen = health
        self.observe(now, health)

    def observe(self, now: datetime, health: Health) -> list[Alert]:
        """Runs the rules over ``health`` at ``now``; queues the alerts due, logs those dropped."""
        alerts = self.engine.observe(now, health.problems, health.status.value)
        for dropped in self.engine.dropped:
            rule = dropped.rule
            self.log(
                clean_line(
                    f"alert {rule.name} ({dropped.state} {dropped.problem.code} {dropped.problem.subject}): "
                    f"dropped, rate limit {rule.rate_limit} reached "
                    f"({self.engine.dropped_count(rule.name)} dropped so far)"
                )
            )
        self.engine.dropped.clear()
        for alert in alerts:
            self.dispatcher.submit(alert)
        return alerts

    def _due(self, now: datetime) -> bool:
        wake = self.engine.wake_at
        return wake is not None and now >= wake

    async def aclose(self) -> None:
        """Lets queued alerts go out within the longest time limit of the rules, then stops."""
        grace = max((r.time_limit_s for r in self.engine.rules), default=0.0) + 1.0
        await self.dispatcher.aclose(grace)
