"""Provides ClusterState: the memory of one cluster between polls (the console and the recorder keep one).

It keeps the last report and the last GOOD report of every node, parsed by ``hatui.sources``:
the state never parses. When a node stops answering, its last good data stays on screen, marked
stale with the reason; the health verdict and the event log still see the node as unreachable.
So two views are built after a poll that changed something:

- ``view``: what is known now. A stale node's report keeps its last good data but is marked
  unreachable, so health says "unreachable" and the cluster picture comes from nodes that answer.
- ``display``: the same, with stale nodes' DRBD and domain data shown as if reachable, so the panes
  can show it dimmed. Their Pacemaker picture is kept only when no fresh node has one.

A poll that says what the node said last time (``NodeReport.same_content``) only refreshes the
node's freshness: no view, verdict or event is rebuilt, and the console redraws no pane
(``Recorded.changed``). While the verdict depends on time passing (a problem settling within its
window, an action in flight) the console has it re-judged once a second (``refresh``). ``view``
is re-dated on demand from the newest reports for the actions, which check how old each node's
data is.

Textual is not imported here: the state is tested without a terminal.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from hatui.clock import Clock
from hatui.config import ClusterConfig
from hatui.model.backup_rule import SnapshotRule
from hatui.model.events import ClusterEvent, diff
from hatui.model.health import INFO, SETTLING, Health, Problem
from hatui.model.inflight import InFlight, inflight_from_constraints, merge
from hatui.model.report import NodeReport
from hatui.model.verdict import VerdictMemory, judge
from hatui.model.view import ClusterView

#: Events kept for the session; older ones drop off the log.
MAX_EVENTS = 5000


@dataclass(frozen=True, slots=True)
class Staleness:
    """A node that did not answer its last poll."""

    node: str
    reason: str
    since: datetime
    """When the first failed poll in this run of failures came in."""
    last_good: datetime | None
    """When its last good capture came in; None when it never answered."""

    def age_s(self, now: datetime) -> int:
        """Seconds since the data shown for it was fresh (or since it failed, when never good)."""
        ref = self.last_good or self.since
        return max(0, int((now - ref).total_seconds()))


@dataclass(frozen=True, slots=True)
class LoggedEvent:
    """An event with its place in the session log (``seq`` grows by one per event)."""

    seq: int
    event: ClusterEvent


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Everything the panes render, taken at one moment."""

    view: ClusterView
    display: ClusterView
    health: Health
    stale: Mapping[str, Staleness]
    last_good: Mapping[str, datetime]
    now: datetime
    read_only: bool = False

    def is_stale(self, node: str | None) -> bool:
        """True when ``node`` is shown from old data."""
        return node is not None and node in self.stale

    def stale_note(self, node: str) -> str:
        """``last seen 42s ago: connection refused`` for a stale node, else an empty string."""
        s = self.stale.get(node)
        if s is None:
            return ""
        if s.last_good is None:
            return f"never seen ({s.age_s(self.now)}s): {s.reason}"
        return f"last seen {s.age_s(self.now)}s ago: {s.reason}"


@dataclass(frozen=True, slots=True)
class Recorded:
    """What one poll changed: its events, and ``down``/``up`` when reachability flipped."""

    events: tuple[ClusterEvent, ...]
    transition: str | None = None
    changed: bool = True
    """False when the poll only confirmed what was shown: nothing to redraw but ages."""


def _logged(health: Health) -> tuple[Problem, ...]:
    """The problems the event log follows: neither settling ones nor what hatui itself is doing."""
    return tuple(p for p in health.problems if p.severity not in (SETTLING, INFO))


class ClusterState:
    """Polls in, views and events out, for one cluster."""

    def __init__(
        self,
        name: str,
        nodes: Iterable[str],
        clock: Clock,
        *,
        cluster: ClusterConfig | None = None,
        ignore: Iterable[str] = (),
    ) -> None:
        self.name = name
        self.cluster = cluster
        self.clock = clock
        self.ignore = frozenset(ignore)
        configured = tuple(n.name for n in cluster.nodes) if cluster else ()
        self.nodes: tuple[str, ...] = tuple(dict.fromkeys((*configured, *nodes)))
        self.last: dict[str, NodeReport] = {}
        self.last_good: dict[str, NodeReport] = {}
        self.good_at: dict[str, datetime] = {}
        self.down_since: dict[str, datetime] = {}
        self.polls: dict[str, int] = {}
        self.events: deque[LoggedEvent] = deque(maxlen=MAX_EVENTS)
        self._seq = 0
        self._reports: dict[str, NodeReport] = {}
        self._good_reports: dict[str, NodeReport] = {}
        self._view: ClusterView | None = None
        self._dated = True
        """False while polls that changed nothing came in since ``_view`` was built (older dates)."""
        self.display: ClusterView | None = None
        self.health: Health | None = None
        self.builds = 0
        """How many times the views and the verdict were rebuilt (unchanged polls do not count)."""
        self._judged_with: tuple[tuple[InFlight, ...], frozenset[str]] = ((), frozenset())
        self.memory = VerdictMemory()
        #: Actions this console runs (set by the action glue); the verdict shows them as moving.
        self.inflight: tuple[InFlight, ...] = ()
        self.ended_markers: frozenset[str] = frozenset()
        """Markers of this console's ended actions (its constraints poll may still show them)."""

    def record(self, polled: NodeReport) -> Recorded:
        """Takes one node's finished report in; rebuilds the views, the verdict and the new events."""
        now = self.clock.now()
        node = polled.node
        if node not in self.nodes:
            self.nodes = (*self.nodes, node)
        was_up = node in self.last and self.last[node].reachable
        first = node not in self.last
        if polled.collected_at is None and polled is self.last.get(node):
            # The verdict's memory counts a report without a collection time as a new poll when it
            # is a new object (``VerdictMemory.observe``); the sources' memo hands an unchanged
            # one back as the same object, so each poll gets its own here.
            polled = replace(polled)
        unchanged = self._unchanged(polled, self.last.get(node))
        self.last[node] = polled
        self.polls[node] = self.polls.get(node, 0) + 1
        report = polled
        if polled.reachable:
            self.last_good[node] = polled
            self.good_at[node] = now
            self.down_since.pop(node, None)
            self._good_reports[node] = polled
        else:
            self.down_since.setdefault(node, now)
            good = self._good_reports.get(node)
            if good is not None:
                report = replace(
                    good, unreachable=polled.unreachable, unreachable_kind=polled.unreachable_kind
                )
        self._reports[node] = report
        if unchanged and self._judged_with == (self.inflight, self.ended_markers):
            self._dated = False
            return Recorded((), None, changed=False)
        events = self._update(now)
        transition = None
        if polled.reachable and not was_up and not first:
            transition = "up"
        elif not polled.reachable and (was_up or first):
            transition = "down"
        return Recorded(events, transition)

    def refresh(self) -> Recorded | None:
        """Re-judges after polls that changed nothing, when the verdict depends on time passing.

        A settling problem's window runs out (at ``VerdictMemory.wake_at``, polled or not); an
        action in flight counts its seconds. The console calls this once a second (not on every
        poll: at 32 nodes that is 16 rebuilds a second); between those moments it costs a compare.
        None when nothing needed doing; ``changed`` False when the verdict came out the same.
        """
        if self.health is None:
            return None
        actions_moved = self._judged_with != (self.inflight, self.ended_markers)
        window_ended = self.memory.wake_at is not None and self.clock.now() >= self.memory.wake_at
        counting = not self._dated and self._acting()
        if not (actions_moved or window_ended or counting):
            return None
        old_health = self.health
        events = self._update(self.clock.now())
        return Recorded(events, changed=bool(events) or self.health != old_health)

    def judge_with(self, ignore: frozenset[str], cluster: ClusterConfig | None) -> None:
        """Judges with other health settings from now on, re-judging at once when they differ (a
        replay reaching the poll where its recorder was started with another config)."""
        if (ignore, cluster) == (self.ignore, self.cluster):
            return
        self.ignore, self.cluster = ignore, cluster
        if self.health is not None:
            self._update(self.clock.now())

    def _update(self, now: datetime) -> tuple[ClusterEvent, ...]:
        """Rebuilds the views and the verdict; logs and returns the events since the last build."""
        old, old_health = self._view, self.health
        self._rebuild(now)
        assert self._view is not None
        assert self.health is not None
        # A settling problem is logged once it outlives its window (then it is new), not before.
        problems = (_logged(old_health), _logged(self.health)) if old_health is not None else None
        events = tuple(diff(old, self._view, self.ignore, problems=problems))
        for ev in events:
            self._seq += 1
            self.events.append(LoggedEvent(self._seq, ev))
        return events

    def log(self, event: ClusterEvent) -> LoggedEvent:
        """Adds an event that no poll produced (an action run from the console) to the log."""
        self._seq += 1
        logged = LoggedEvent(self._seq, event)
        self.events.append(logged)
        return logged

    @property
    def view(self) -> ClusterView | None:
        """What is known now, dated now (the actions check each node's data age against it).

        After polls that changed nothing the verdict's view is only older in its dates: a fresh
        one is made from the newest reports (no verdict) when asked for.
        """
        if not self._dated and self._view is not None:
            reports = [self._reports[n] for n in self.nodes if n in self._reports]
            self._view = self._make_view(reports, self.clock.now())
            self._dated = True
        return self._view

    def _unchanged(self, polled: NodeReport, previous: NodeReport | None) -> bool:
        """True when ``polled`` needs no rebuild: it says what ``previous`` said and, while the
        verdict waits on new polls (a problem held back until every node answers again, or an
        action in flight), it is not a new poll to the verdict's memory either."""
        if previous is None or not polled.same_content(previous):
            return False
        new_data = polled.collected_at is None or polled.collected_at != previous.collected_at
        return not (new_data and (self.memory.waits_for_polls or self._acting()))

    def _acting(self) -> bool:
        """True while an action is in flight: the verdict counts its seconds ("moving (hatui, 12s)").
        A settling window's end is ``VerdictMemory.wake_at``: one moment, not every second."""
        if self.health is None or self.inflight:
            return True
        return any(p.code == "action-in-flight" for p in self.health.problems)

    def _rebuild(self, now: datetime) -> None:
        self.builds += 1
        self._dated = True
        reports = [self._reports[n] for n in self.nodes if n in self._reports]
        view = self._view = self._make_view(reports, now)
        # Its own actions, and those any other hatui announces with its marker in the CIB.
        seen = inflight_from_constraints(view.constraints, now)
        flights = merge(self.inflight, seen, self.ended_markers)
        self._judged_with = (self.inflight, self.ended_markers)
        self.health = judge(view, ignore=self.ignore, inflight=flights, memory=self.memory)
        fresh_pcmk = any(r.reachable and r.pacemaker is not None for r in reports)
        shown = []
        for r in reports:
            if r.reachable or r.node not in self._good_reports:
                shown.append(r)
                continue
            shown.append(
                replace(
                    r,
                    unreachable=None,
                    pacemaker=None if fresh_pcmk else r.pacemaker,
                    constraints=None if fresh_pcmk else r.constraints,
                )
            )
        # With no stale node the display says what the view says: one view, its caches built once.
        same = all(a is b for a, b in zip(shown, reports, strict=True))
        self.display = view if same else self._make_view(shown, now)

    def _make_view(self, reports: list[NodeReport], now: datetime) -> ClusterView:
        return ClusterView(
            name=self.name,
            reports=tuple(reports),
            generated_at=now,
            configured_nodes=self.nodes,
            vm_disks=dict(self.cluster.vm_disks) if self.cluster else {},
            snapshot_rule=self.cluster.backup.rule if self.cluster else SnapshotRule(),
        )

    def stale(self) -> dict[str, Staleness]:
        """Node -> staleness, for every node whose last poll failed."""
        out = {}
        for node, since in self.down_since.items():
            cap = self.last.get(node)
            reason = (cap.unreachable if cap else None) or "unreachable"
            out[node] = Staleness(node, reason, since, self.good_at.get(node))
        return out

    def snapshot(self, read_only: bool = False) -> Snapshot | None:
        """The current picture, or None before the first poll came in."""
        # The verdict's own view: after unchanged polls it says the same, only dated earlier.
        if self._view is None or self.display is None or self.health is None:
            return None
        return Snapshot(
            view=self._view,
            display=self.display,
            health=self.health,
            stale=self.stale(),
            last_good=dict(self.good_at),
            now=self.clock.now(),
            read_only=read_only,
        )

    def history(self, subjects: Iterable[str]) -> list[LoggedEvent]:
        """Logged events about any of ``subjects`` (names, ids, labels), newest first."""
        wanted = set(subjects)
        return [e for e in reversed(self.events) if e.event.subject in wanted or e.event.node in wanted]
