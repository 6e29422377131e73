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

A journal can hold millions of polls: the timeline loads those within ``SPAN`` of its cursor and
more, a ``SPAN`` at a time, when the cursor goes past them (``extend``). Its indexes are into the
polls loaded so far, so they move when older polls are loaded: callers keep a poll's id
(``position`` finds it again).

Also here: ``moment``, what ``hatui --once --replay JOURNAL --at TIME`` prints. No Textual import.
"""

from __future__ import annotations

import bisect
from collections import deque
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

from hatui.clock import FrozenClock, recorded_time
from hatui.config import ClusterConfig
from hatui.errors import HatuiError
from hatui.journal.store import Journal, JournalEvent, PollRow
from hatui.journal.timeline_find import (
    JudgedSettings,
    ProblemSets,
    chunks_back,
    first_poll,
    last_poll,
    no_poll_error,
)
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
#: How much of the journal is loaded on each side of the cursor, and added when it goes past:
#: 3 nodes polled every 2 s make 16,200 polls in 3 hours (a fraction of a second to read).
SPAN = timedelta(hours=3)
#: Mark kinds ``next_mark`` knows.
MARK_KINDS = ("problem", "action")
#: Parsed reports kept by poll id: stepping back rebuilds a window the cursor mostly saw already.
_REPORT_CACHE = 4096


def _order(p: PollRow) -> tuple[datetime, int]:
    return (p.at, p.id)


class Timeline:
    """The polls of a journal around a moment, and the cluster state at any of them."""

    def __init__(
        self,
        journal: Journal,
        cluster: ClusterConfig,
        ignore: Iterable[str] = (),
        *,
        around: datetime | None = None,
        span: timedelta = SPAN,
    ) -> None:
        """Loads the polls within ``span`` of the last poll at or before ``around`` (None: of the
        last poll; a moment before the journal: its first poll); none when the journal is empty."""
        self.journal = journal
        self.cluster = cluster
        self.ignore = frozenset(ignore)
        self.span = span
        self.polls: list[PollRow] = []
        self._ends = {-1: False, 1: False}
        """Direction -> whether the journal's end that way is loaded."""
        centre = last_poll(journal, around) or (first_poll(journal, around) if around is not None else None)
        if centre is not None:
            self._set(journal.polls(since=centre.at - span, until=centre.at + span))
        self.events: list[JournalEvent] = sorted(journal.events(), key=lambda e: e.at)
        self._logged = [
            LoggedEvent(seq, ev) for seq, ev in enumerate(map(_cluster_event, self.events), 1) if ev
        ]
        self._logged_times = [le.event.at for le in self._logged]
        self._reports: dict[int, NodeReport] = {}
        self._cached: tuple[int, ClusterState] | None = None
        self._before: dict[str, tuple[PollRow | None, PollRow | None]] = {}
        self._problem_sets = ProblemSets(journal)
        self._settings = JudgedSettings(journal, cluster, self.ignore)  # the recorder's, by poll

    def _set(self, polls: list[PollRow]) -> None:
        # In time order (the journal keeps them in the order they were written).
        self.polls = sorted(polls, key=_order)
        self._times = [p.at for p in self.polls]
        self._index_of = {p.id: i for i, p in enumerate(self.polls)}
        self._by_node: dict[str, list[int]] = {}
        self._good_by_node: dict[str, list[int]] = {}
        for i, p in enumerate(self.polls):
            self._by_node.setdefault(p.node, []).append(i)
            self._good_by_node.setdefault(p.node, [])
            if p.reachable:
                self._good_by_node[p.node].append(i)
        self._marks: dict[str, list[int]] = {}

    def __len__(self) -> int:
        return len(self.polls)

    # -- where -------------------------------------------------------------------------------------

    def index_at(self, at: datetime) -> int:
        """The last loaded poll at or before ``at`` (0 when ``at`` is before all of them)."""
        return max(0, bisect.bisect_right(self._times, at) - 1)

    def position(self, poll_id: int) -> int:
        """The index of the poll ``poll_id`` among the loaded polls (they move as more load)."""
        return self._index_of[poll_id]

    def extend(self, direction: int) -> bool:
        """Loads the next ``span`` of polls past the loaded ones (``direction`` < 0: older ones,
        reaching back over a gap in the recording); False when the journal has none that way."""
        way = 1 if direction > 0 else -1
        if self._ends[way] or not self.polls:
            return False

        def new(rows: list[PollRow]) -> list[PollRow]:
            return [p for p in rows if p.id not in self._index_of]

        if way > 0:
            edge = self.polls[-1].at
            more = new(self.journal.polls(since=edge, until=edge + self.span))
            if not more:  # a gap in the recording: on to the next poll after it
                following = first_poll(self.journal, edge + timedelta(microseconds=1))
                if following is not None:
                    more = new(self.journal.polls(since=following.at, until=following.at + self.span))
        else:
            older = last_poll(self.journal, self.polls[0].at - timedelta(microseconds=1))
            more = (
                [] if older is None else new(self.journal.polls(since=older.at - self.span, until=older.at))
            )
        if not more:
            self._ends[way] = True
            return False
        cached = self._cached
        keep = self.polls[cached[0]].id if cached is not None else None
        self._set([*self.polls, *more])
        if cached is not None and keep is not None:
            self._cached = (self._index_of[keep], cached[1])
        return True

    def _first_at_or_after(self, at: datetime) -> int:
        return min(bisect.bisect_left(self._times, at), len(self.polls) - 1)

    def next_mark(self, index: int, direction: int, kind: str) -> int | None:
        """The nearest poll after (``direction`` > 0) or before ``index`` that is a mark of ``kind``;
        loads more of the journal that way until one is found. None when there is none.

        ``problem``: the verdict's status changed there, the recorded problems changed (their
        codes and subjects: a problem settling that appears and goes without changing the status
        is a stop, a resync's percentage is not), or an event stands for a problem (``problem-new``
        /``problem-gone`` and the warning/critical events, like a node going unreachable).
        ``action``: the first poll at or after an action from the audit log (so the action is in
        the event log there).
        """
        if kind not in MARK_KINDS:
            raise ValueError(f"mark kind {kind!r}: one of {', '.join(MARK_KINDS)}")
        poll_id = self.polls[index].id
        while True:
            index = self._index_of[poll_id]
            marks = self._marks.get(kind)
            if marks is None:
                marks = self._marks[kind] = self._find_marks(kind)
            if direction > 0:
                at = bisect.bisect_right(marks, index)
                if at < len(marks):
                    return marks[at]
            else:
                at = bisect.bisect_left(marks, index) - 1
                if at >= 0:
                    return marks[at]
            if not self.extend(direction):
                return None

    def _find_marks(self, kind: str) -> list[int]:
        if not self.polls:
            return []
        found: set[int] = set()
        lo, hi = self.polls[0].at, self.polls[-1].at
        if kind == "problem":
            polls = self.polls
            found |= {i for i in range(1, len(polls)) if polls[i].status != polls[i - 1].status}
            changed = self._problem_sets.changes(min(p.id for p in polls), max(p.id for p in polls))
            found |= {i for poll_id in changed if (i := self._index_of.get(poll_id)) is not None}
        for ev in self.events:
            if not lo <= ev.at <= hi and not (kind == "action" and self._ends[1] and ev.at > hi):
                continue
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
        feeds = sorted(self._catch_up(start), key=_order)
        for poll in feeds[:-1]:
            self._record(state, poll)
        # The recorded verdict at the window's start knows how long each problem had lasted.
        _status, problems = self.journal.verdict_at(first.id)
        for p in problems:
            key = (str(p.get("code")), str(p.get("subject")), p.get("node"))
            since = recorded_time(p.get("since"))
            if since is not None:
                state.memory.first_seen[key] = since
            if p.get("severity") not in (SETTLING, INFO):
                state.memory.confirmed.add(key)
        self._record(state, feeds[-1])
        return state

    def _catch_up(self, start: int) -> set[PollRow]:
        """The polls up to ``start`` that make each node's memory: its last poll, and for a node
        down then, also its last good poll and the first failed one after it (looked up in the
        journal before the loaded polls when they do not reach back that far)."""
        picks = {self.polls[start]}
        for node, polled in self._by_node.items():
            at = bisect.bisect_right(polled, start) - 1
            if at < 0:
                continue  # first polled after the window's start
            picks.add(self.polls[polled[at]])
            if self.polls[polled[at]].reachable:
                continue
            good = self._good_by_node[node]
            g = bisect.bisect_right(good, start) - 1
            if g >= 0:
                picks.add(self.polls[good[g]])
                # The first failure after the last good poll: the node has been down since then.
                picks.add(self.polls[polled[bisect.bisect_right(polled, good[g])]])
                continue
            last_good, first_failed = self._down_before(node)
            picks.add(first_failed or self.polls[polled[0]])
            if last_good is not None:
                picks.add(last_good)
        return picks

    def _down_before(self, node: str) -> tuple[PollRow | None, PollRow | None]:
        """``node``'s last good poll before the loaded ones, and its first failed poll after that
        (None, None: it failed from the loaded polls' start, or from the journal's)."""
        if node not in self._before:
            good, failed = None, None
            for chunk in chunks_back(self.journal, self.polls[0].at, self.span):
                for p in chunk:
                    if p.node != node or p.id in self._index_of:
                        continue
                    if p.reachable:
                        good = p
                        break
                    failed = p
                if good is not None:
                    break
            self._before[node] = (good, failed)
        return self._before[node]

    def _feed(self, state: ClusterState, indices: Iterable[int]) -> None:
        for i in indices:
            self._record(state, self.polls[i])

    def _record(self, state: ClusterState, poll: PollRow) -> None:
        clock = state.clock
        assert isinstance(clock, FrozenClock)
        clock.advance((poll.at - clock.now()).total_seconds())
        state.judge_with(*self._settings.at(poll.id))
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


def moment(
    path: Path, cluster: ClusterConfig, *, at: datetime | None, ignore: Iterable[str] = ()
) -> tuple[ClusterView, Health]:
    """The cluster at ``at`` (None: at the last poll) as ``--once`` prints it, "now" being ``at``.

    Raises:
        HatuiError: not a journal, no poll yet, or ``at`` before its first poll.
    """
    journal = Journal.open(path)
    try:
        timeline = Timeline(journal, cluster, ignore, around=at)
        if not timeline.polls or (at is not None and at < timeline.polls[0].at):
            raise no_poll_error(path, journal, at)
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
