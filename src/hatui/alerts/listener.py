"""Provides ``AlertListener``: a cluster's alert rules hearing every poll (a ``PollListener``).

On each poll it hands the verdict the ClusterState holds now to the engine (``hatui.alerts.engine``)
and the alerts it calls for to the dispatcher (``hatui.alerts.dispatch``), which runs them in the
background: ``polled`` never waits for a command. The same listener runs in ``hatui record`` and in
the console (``hatui.watch.listeners.build_listeners``).

Polls that change nothing come every few seconds per node; the engine is asked again only when the
verdict changed or a debounce or reminder may have come due (``AlertEngine.wake_at``).

Beside a journal (``hatui record``, ``--record``) every alert decided is written into it with what
came of its delivery (``hatui.journal.store_alerts``), and a listener opened on a journal restores
its engine from the alerts written there before, and from the problems open at the journal's last
poll (``hatui.alerts.open_problems``: a clearing owed by a rule not told ``new``, a debounce under
way). It then judges first the verdict that heard every node: one node's first poll alone does not
show the problems seen on the others, and a problem the last run followed must not look cleared for
that (after ``FIRST_VERDICT_WAIT_S`` it judges anyway: a node whose poll never ends must not keep
the rules silent).
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from hatui.alerts.dispatch import Dispatcher, Done
from hatui.alerts.engine import Alert, AlertEngine
from hatui.alerts.history import QUEUED, RATE_LIMITED, AlertRecord
from hatui.alerts.open_problems import OpenProblem, open_problems
from hatui.alerts.rules import AlertRule
from hatui.config import ClusterConfig
from hatui.model.capture import NodeCapture
from hatui.model.health_types import Health
from hatui.model.report import NodeReport
from hatui.plaintext import clean_line
from hatui.watch.state import ClusterState, Recorded

if TYPE_CHECKING:
    from hatui.journal.store import Journal

Log = Callable[[str], None]

#: How long a listener that restored alerts waits for every node's first poll before it judges.
FIRST_VERDICT_WAIT_S = 60.0
#: How far back from the journal's last poll a restart reads the problems' run: the longest debounce
#: of the rules, but at most a day (a problem open all the day read counts from its start: a rule
#: with a longer debounce sends it later than one run would have, never sooner).
MAX_LOOKBACK_S = 86400.0


class AlertListener:
    """The alert rules of one cluster, fed by its polls."""

    def __init__(
        self,
        cluster: str,
        rules: Iterable[AlertRule],
        log: Log,
        *,
        host: str | None = None,
        journal: Journal | None = None,
    ) -> None:
        self.cluster = cluster
        self.log = log
        self.engine = AlertEngine(rules)
        self.dispatcher = Dispatcher(cluster, host or socket.gethostname(), log)
        self.journal = journal
        self._seen: Health | None = None
        self.restored = self._restore() if journal is not None else 0
        """How many problems the journal left followed: told about, or open at its last poll."""
        self._heard_all = not self.restored
        self._waiting_since: datetime | None = None

    @classmethod
    def for_cluster(
        cls, cluster: ClusterConfig, log: Log, *, journal: Journal | None = None
    ) -> AlertListener | None:
        """The listener of ``cluster``'s ``alerts:`` rules (written into ``journal`` when given, and
        restored from it); None when it has none."""
        if not cluster.alerts:
            return None
        return cls(cluster.name, cluster.alerts, log, journal=journal)

    def _restore(self) -> int:
        assert self.journal is not None
        following = 0
        # The rules still run when either read fails; only what they knew before is lost.
        try:
            following = self.engine.restore(self.journal.alerts())
        except Exception as exc:
            self.log(clean_line(f"alerts sent before this start not read from the journal: {exc}"))
        lookback = min(max((r.debounce_s for r in self.engine.rules), default=0.0), MAX_LOOKBACK_S)
        try:
            last = open_at_last_poll(self.journal, timedelta(seconds=lookback))
        except Exception as exc:
            self.log(clean_line(f"problems open at the journal's last poll not read: {exc}"))
            return following
        return following if last is None else self.engine.resume(*last)

    def polled(
        self, capture: NodeCapture | None, report: NodeReport, state: ClusterState, recorded: Recorded
    ) -> None:
        """Asks the engine about the state's verdict now and queues what it calls for."""
        health = state.health
        if health is None:
            return
        now = state.clock.now()
        if not self._heard_all and not self._every_node_heard(state, now):
            return  # a verdict that has not heard every node yet (module docstring)
        if health is self._seen and not self._due(now):
            return
        self._seen = health
        self.observe(now, health)

    def observe(self, now: datetime, health: Health) -> list[Alert]:
        """Runs the rules over ``health`` at ``now``; queues the alerts due, logs those dropped."""
        alerts = self.engine.observe(now, health.problems, health.status.value)
        for dropped in self.engine.dropped:
            rule = dropped.rule
            why = f"rate limit {rule.rate_limit} reached"
            self.log(
                clean_line(
                    f"alert {rule.name} ({dropped.state} {dropped.problem.code} {dropped.problem.subject}): "
                    f"dropped, {why} ({self.engine.dropped_count(rule.name)} dropped so far)"
                )
            )
            self._write(dropped, RATE_LIMITED, why)
        self.engine.dropped.clear()
        for alert in alerts:
            self.dispatcher.submit(alert, self._noter(self._write(alert, QUEUED, None)))
        return alerts

    def _write(self, alert: Alert, outcome: str, reason: str | None) -> int | None:
        """Writes ``alert`` into the journal (when there is one); its row id, None when not written."""
        if self.journal is None:
            return None
        record = AlertRecord(
            at=alert.at,
            rule=alert.rule.name,
            state=alert.state,
            problem=replace(alert.problem, since=alert.since),
            delivery="mail" if alert.rule.mail is not None else "command",
            outcome=outcome,
            reason=reason,
        )
        try:
            return self.journal.write_alert(record)
        except Exception as exc:  # the alert still goes out; a restart may send it again
            self.log(clean_line(f"alert {alert.rule.name} not written into the journal: {exc}"))
            return None

    def _noter(self, alert_id: int | None) -> Done | None:
        """What notes the delivery's outcome beside the alert ``alert_id`` in the journal."""
        journal = self.journal
        if journal is None or alert_id is None:
            return None

        def done(outcome: str, reason: str | None) -> None:
            journal.set_alert_outcome(alert_id, outcome, reason)

        return done

    def _every_node_heard(self, state: ClusterState, now: datetime) -> bool:
        """True once every node of ``state`` was polled (or ``FIRST_VERDICT_WAIT_S`` went by)."""
        if self._waiting_since is None:
            self._waiting_since = now
        waited = now - self._waiting_since >= timedelta(seconds=FIRST_VERDICT_WAIT_S)
        self._heard_all = waited or all(n in state.polls for n in state.nodes)
        return self._heard_all

    def _due(self, now: datetime) -> bool:
        wake = self.engine.wake_at
        return wake is not None and now >= wake

    async def aclose(self) -> None:
        """Lets queued alerts go out within the longest time limit of the rules, then stops."""
        grace = max((r.time_limit_s for r in self.engine.rules), default=0.0) + 1.0
        await self.dispatcher.aclose(grace)


def open_at_last_poll(journal: Journal, lookback: timedelta) -> tuple[datetime, list[OpenProblem]] | None:
    """The time of ``journal``'s last poll and the problems open then, each with its readings over
    ``lookback`` before it at most; None when the journal holds no poll."""
    from hatui.journal.timeline_find import last_poll

    last = last_poll(journal)
    if last is None:
        return None
    start = last.at - lookback
    at = {p.id: p.at for p in journal.polls(since=start, until=last.at)}
    at[last.id] = last.at
    # The rows where the problems changed; the first holds what was in force at ``start``.
    changes = [(at.get(i, start), problems) for i, problems in journal.problem_changes(min(at), last.id)]
    return last.at, open_problems(changes)
