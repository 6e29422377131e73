"""Provides Timeline: a recorded journal read back as the console had it, poll by poll.

The journal keeps every poll's raw capture (``hatui.journal.store``). A moment is rebuilt by
feeding the polls of a window before it into a fresh ClusterState, each at its own time on a
FrozenClock, so that what depends on the past comes out as the console showed it then: a problem
still settling, a node stale since its first failed poll, a problem's ``since``.

The window is short (``WINDOW_S``, enough for the verdict's settling rule); what it cannot see is
taken from the journal directly: each node's last good capture and first failed poll (a node down
for an hour is shown stale with its old data, as the console showed it) and the recorded verdict's
``since`` and confirmed problems at the window's start. The event log is the journal's own events
up to the moment, numbered in journal order, so a row keeps its number as the cursor moves.

Also here: ``journal_config`` (the read-only cluster a journal replays as) and ``moment`` (what
``hatui --once --replay JOURNAL --at TIME`` prints). No Textual import: ``--once`` uses this.
"""

from __future__ import annotations

import bisect
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hatui.clock import FrozenClock
from hatui.config import ClusterConfig, Config, NodeConfig
from hatui.errors import HatuiError
from hatui.journal.store import Journal, JournalEvent, PollRow
from hatui.model.capture import NodeCapture
from hatui.model.events import ClusterEvent, EventKind
from hatui.model.health import INFO, SETTLING, Health
from hatui.model.report import NodeReport
from hatui.model.verdict import SETTLE_S
from hatui.model.view import ClusterView
from hatui.sources.parse import build_report
from hatui.watch.state import MAX_EVENTS, ClusterState, LoggedEvent

#: How much of the past is fed into the state before a moment: the settling rule looks back
#: ``SETTLE_S``; a margin of half a minute covers the slowest poll interval hatui ships.
WINDOW_S = SETTLE_S + 30.0
#: Mark kinds ``next_mark`` knows.
MARK_KINDS = ("problem", "action")
#: Parsed reports kept by poll id: stepping back rebuilds a window the cursor mostly saw already.
_REPORT_CACHE = 4096


def journal_config(journal: Journal) -> Config:
    """A config for replaying ``journal``: one read-only cluster of the nodes it recorded."""
    polls = journal.polls()
    nodes = sorted({p.node for p in polls})
    if not nodes:
        raise HatuiError("the journal holds no poll yet", "journal")
    name = journal.cluster
    cluster = ClusterConfig(name=name, nodes=tuple(NodeConfig(n, n) for n in nodes), mode="read-only")
    return Config(clusters={name: cluster})


def open_journal_config(path: Path) -> Config:
    """``journal_config`` of the journal at ``path``; raises HatuiError (not a journal, empty...)."""
    journal = Journal.open(path)
    try:
        return journal_config(journal)
    finally:
        journal.close()


class Timeline:
    """Every poll of a journal, and the cluster state at any of them."""

    def __init__(self, journal: Journal, cluster: ClusterConfig, ignore: Iterable[str] = ()) -> None:
        self.journal = journal
        self.cluster = cluster
        self.ignore = frozenset(ignore)
        # In time order (the journal keeps them in the order they were written).
        self.polls: list[PollRow] = sorted(journal.polls(), key=lambda p: (p.at, p.id))
        self._times = [p.at for p in self.polls]
        self._index_of = {p.id: i for i, p in enumerate(self.polls)}
        self._by_node: dict[str, list[int]] = {}
        self._good_by_node: dict[str, list[int]] = {}
        for i, p in enumerate(self.polls):
            self._by_node.setdefault(p.node, []).append(i)
            self._good_by_node.setdefault(p.node, [])
            if p.reachable:
                self._good_by_node[p.node].append(i)
        self.events: list[JournalEvent] = sorted(journal.events(), key=lambda e: e.at)
        self._event_times = [e.at for e in self.events]
        self._logged = [
            LoggedEvent(seq, ev) for seq, ev in enumerate(map(_cluster_event, self.events), 1) if ev
        ]
        self._logged_times = [le.event.at for le in self._logged]
        self._reports: dict[int, NodeReport] = {}
        self._cached: tuple[int, ClusterState] | None = None
        self._marks: dict[str, list[int]] = {}

    def __len__(self) -> int:
        return len(self.polls)

    # -- where -------------------------------------------------------------------------------------

    def index_at(self, at: datetime) -> int:
        """The last poll at or before ``at`` (0 when ``at`` is before all of them)."""
        return max(0, bisect.bisect_right(self._times, at) - 1)

    def _first_at_or_after(self, at: datetime) -> int:
        return min(bisect.bisect_left(self._times, at), len(self.polls) - 1)

    def next_mark(self, index: int, direction: int, kind: str) -> int | None:
        """The nearest poll after (``direction`` > 0) or before ``index`` that is a mark of ``kind``.

        ``problem``: the verdict's status changed there, or a problem appeared or cleared (its
        events: ``problem-new``/``problem-gone`` and the warning/critical events that stand for
        one, like a node going unreachable). ``action``: the first poll at or after an action
        from the audit log (so the action is in the event log there). None when there is none.
        """
        if kind not in MARK_KINDS:
            raise ValueError(f"mark kind {kind!r}: one of {', '.join(MARK_KINDS)}")
        marks = self._marks.get(kind)
        if marks is None:
            marks = self._marks[kind] = self._find_marks(kind)
        if direction > 0:
            at = bisect.bisect_right(marks, index)
            return marks[at] if at < len(marks) else None
        at = bisect.bisect_left(marks, index) - 1
        return marks[at] if at >= 0 else None

    def _find_marks(self, kind: str) -> list[int]:
        if not self.polls:
            return []
        found: set[int] = set()
        if kind == "problem":
            polls = self.polls
            found |= {i for i in range(1, len(polls)) if polls[i].status != polls[i - 1].status}
        for ev in self.events:
            if kind == "action" and ev.kind == EventKind.ACTION.value:
                found.add(self._first_at_or_after(ev.at))
            elif kind == "problem" and _is_problem_event(ev):
                where = self._index_of.get(ev.poll_id) if ev.poll_id is not None else None
                found.add(where if where is not None else self._first_at_or_after(ev.at))
        return sorted(found)

    # -- what --------------------------------------------------------------------------------------

    def state_at(self, index: int) -> ClusterState:
        """The cluster state right after poll ``index``, as the console had it then.

        Stepping forward feeds the new polls into the state given last (which is then changed);
        anything else builds a fresh one from the window before ``index``.

        Raises:
            IndexError: ``index`` is not a poll of the journal.
        """
        if not 0 <= index < len(self.polls):
            raise IndexError(f"poll index {index} out of 0..{len(self.polls) - 1}")
        target = self.polls[index]
        if self._cached is not None:
            done, state = self._cached
            if done <= index and self.polls[done].at >= target.at - timedelta(seconds=WINDOW_S):
                self._feed(state, range(done + 1, index + 1))
                return self._finish(index, state)
        start = bisect.bisect_left(self._times, target.at - timedelta(seconds=WINDOW_S), hi=index)
        state = self._fresh(start)
        self._feed(state, range(start + 1, index + 1))
        return self._finish(index, state)

    def _finish(self, index: int, state: ClusterState) -> ClusterState:
        self._cached = (index, state)
        at = self.polls[index].at
        upto = self._logged[: bisect.bisect_right(self._logged_times, at)]
        state.events = deque(upto[-MAX_EVENTS:], maxlen=MAX_EVENTS)
        return state

    def _fresh(self, start: int) -> ClusterState:
        """A state fed with what the console knew at poll ``start`` (see the module docstring)."""
        first = self.polls[start]
        clock = FrozenClock(first.at)
        state = ClusterState(
            self.cluster.display_name or self.cluster.name,
            (n.name for n in self.cluster.nodes),
            clock,
            cluster=self.cluster,
            ignore=self.ignore,
        )
        feeds = sorted(self._catch_up(start))
        for i in feeds[:-1]:
            self._record(state, i)
        # The recorded verdict at the window's start knows how long each problem had lasted.
        _status, problems = self.journal.verdict_at(first.id)
        for p in problems:
            key = (str(p.get("code")), str(p.get("subject")), p.get("node"))
            since = _as_time(p.get("since"))
            if since is not None:
                state.memory.first_seen[key] = since
            if p.get("severity") not in (SETTLING, INFO):
                state.memory.confirmed.add(key)
        self._record(state, feeds[-1])
        return state

    def _catch_up(self, start: int) -> set[int]:
        """The polls up to ``start`` that make each node's memory: its last poll, and for a node
        down then, also its last good poll and the first failed one after it."""
        picks = {start}
        for node, polled in self._by_node.items():
            at = bisect.bisect_right(polled, start) - 1
            if at < 0:
                continue  # first polled after the window's start
            picks.add(polled[at])
            if self.polls[polled[at]].reachable:
                continue
            good = self._good_by_node[node]
            g = bisect.bisect_right(good, start) - 1
            if g >= 0:
                picks.add(good[g])
            # The first failure after the last good poll: the node has been down since then.
            picks.add(polled[bisect.bisect_right(polled, good[g] if g >= 0 else -1)])
        return picks

    def _feed(self, state: ClusterState, indices: Iterable[int]) -> None:
        for i in indices:
            self._record(state, i)

    def _record(self, state: ClusterState, index: int) -> None:
        poll = self.polls[index]
        clock = state.clock
        assert isinstance(clock, FrozenClock)
        clock.advance((poll.at - clock.now()).total_seconds())
        state.record(self._report(poll))

    def _report(self, poll: PollRow) -> NodeReport:
        report = self._reports.get(poll.id)
        if report is None:
            if len(self._reports) >= _REPORT_CACHE:
                self._reports.pop(next(iter(self._reports)))
            report = self._reports[poll.id] = build_report(self._capture(poll))
        return report

    def _capture(self, poll: PollRow) -> NodeCapture:
        capture = self.journal.capture(poll.id)
        return capture if capture.collected_at is not None else replace(capture, collected_at=poll.at)

    def events_between(self, since: datetime | None, until: datetime | None) -> Sequence[JournalEvent]:
        """The journal's events from ``since`` to ``until`` (both included; None: open)."""
        lo = 0 if since is None else bisect.bisect_left(self._event_times, since)
        hi = len(self.events) if until is None else bisect.bisect_right(self._event_times, until)
        return self.events[lo:hi]


def captures_at(path: Path, at: datetime | None) -> list[NodeCapture]:
    """Every node's latest capture at ``at`` (None: the last poll) in the journal at ``path``: the
    one-poll replay of a moment (``capture``, ``do --dry-run`` and the like read it).

    Raises:
        HatuiError: not a journal, no poll yet, or ``at`` before its first poll.
    """
    with Journal.open(path) as journal:
        polls = journal.polls(until=at)
        if not polls:
            raise _no_poll(path, journal, at)
        return journal.captures_at(polls[-1].id)


def _no_poll(path: Path, journal: Journal, at: datetime | None) -> HatuiError:
    first = journal.polls()[:1]
    if at is None or not first:
        return HatuiError(f"{path}: the journal holds no poll yet", "journal")
    return HatuiError(
        f"{path}: nothing recorded at {at:%Y-%m-%d %H:%M:%S} UTC: the journal starts at "
        f"{first[0].at:%Y-%m-%d %H:%M:%S} UTC",
        "journal",
    )


def moment(
    path: Path, cluster: ClusterConfig, *, at: datetime | None, ignore: Iterable[str] = ()
) -> tuple[ClusterView, Health]:
    """The cluster at ``at`` (None: at the last poll) as ``--once`` prints it, "now" being ``at``.

    Raises:
        HatuiError: not a journal, no poll yet, or ``at`` before its first poll.
    """
    journal = Journal.open(path)
    try:
        timeline = Timeline(journal, cluster, ignore)
        if not timeline.polls or (at is not None and at < timeline.polls[0].at):
            raise _no_poll(path, journal, at)
        index = timeline.index_at(at) if at is not None else len(timeline.polls) - 1
        state = timeline.state_at(index)
        if at is not None and at > state.clock.now():
            # Time went on after the poll: settling windows may have ended, data got older.
            assert isinstance(state.clock, FrozenClock)
            state.clock.advance((at - state.clock.now()).total_seconds())
            state.refresh()
        snap = state.snapshot()
        if snap is None:  # pragma: no cover - a state fed at least one poll has a snapshot
            raise HatuiError(f"{path}: nothing to show", "journal")
        return replace(snap.view, generated_at=state.clock.now()), snap.health
    finally:
        journal.close()


def _is_problem_event(ev: JournalEvent) -> bool:
    if ev.kind in (EventKind.PROBLEM_NEW.value, EventKind.PROBLEM_GONE.value):
        return True
    return ev.kind != EventKind.ACTION.value and ev.severity in ("warning", "critical")


def _cluster_event(ev: JournalEvent) -> ClusterEvent | None:
    """The journal event as the event log shows it; None for a kind this hatui does not know."""
    try:
        kind = EventKind(ev.kind)
    except ValueError:
        return None
    return ClusterEvent(ev.at, kind, ev.subject, ev.node, ev.message, ev.severity)


def _as_time(value: object) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str):
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)
