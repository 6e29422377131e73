"""Provides ``AlertEngine``: which alerts a cluster's verdict calls for, poll after poll (pure).

The engine is told the verdict's problems and the time; it answers with the alerts to send. It runs
nothing and reads no clock, so every rule below is tested with a FrozenClock:

- A problem is the same one from poll to poll by ``(code, subject, node)`` (``verdict.ident``).
- Debounce: a problem is sent (``new``) once it has matched the rule for ``debounce`` seconds,
  counted from the first poll it matched in; one that clears before that is never sent. A settling
  problem does not match (its severity is ``settling``) until the verdict calls it real.
- Reminder: while a sent problem stays, it is sent again every ``reminder`` seconds.
- Cleared: when a problem that was told about (its ``new`` or a reminder went out; for a rule that
  is not told ``new``, once it outlived the debounce) is gone from the verdict, or no longer matches.
- Rate limit: at most N alerts of one rule in any period; the others are dropped, counted and kept
  in ``dropped`` for the caller to log (the engine itself writes nowhere).
- Settling: a problem the engine follows that reads ``settling`` again is held as it was (neither
  matched nor cleared). A running verdict never softens a problem it showed at full severity, but a
  verdict started afresh (a restarted recorder) counts settle windows from its own first sighting.
- Restore: ``restore`` takes the alerts a previous run sent (``AlertRecord``, from the journal), so a
  problem already told about is not sent as new again, its reminder comes due from the last time it
  went out, its clearing is still owed, and the rate limit counts what was sent before.
- Resume: ``resume`` takes the problems open at the journal's last poll (``OpenProblem``), so a
  restart neither forgets a clearing owed by a rule not told ``new`` (it sent nothing to restore)
  nor starts a debounce again: each counts from its first sighting before the restart.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from hatui.alerts.history import AlertRecord
from hatui.alerts.open_problems import OpenProblem
from hatui.alerts.rules import AlertRule
from hatui.model.health_types import SETTLING, Problem
from hatui.model.verdict import Ident, ident

#: The longest time between a journal's last poll and the first verdict after a restart over which
#: a problem still inside its debounce keeps counting from its first sighting. A restart (an
#: upgrade, a new config) takes seconds to a minute; a longer gap is a recorder that was down, and
#: nothing says the problem lasted through it (it may have cleared and come back), so its debounce
#: starts afresh. A problem that had outlived its debounce keeps its owed clearing over any gap,
#: as a restored told one does: it was real, and the first verdict that lacks it says it is gone.
RESUME_GAP_S = 600.0


@dataclass(frozen=True, slots=True)
class Alert:
    """One message to send: a rule, a problem, and whether it is new, a reminder or cleared."""

    rule: AlertRule
    state: str
    """``new``, ``reminder`` or ``cleared``."""
    problem: Problem
    since: datetime
    """When the problem was first seen (the verdict's memory, else when the rule first matched it)."""
    at: datetime
    verdict: str | None
    """The cluster verdict (OK/WARNING/CRITICAL/UNKNOWN) at the moment it was decided."""


@dataclass(slots=True)
class _Track:
    """One problem a rule follows."""

    first: datetime
    problem: Problem
    live: bool = False
    """It outlived the debounce."""
    told: bool = False
    """Its clearing is owed: a new or reminder went out (or the rule is not told of new ones)."""
    last_sent: datetime | None = None
    since: datetime | None = None
    """When a previous run first saw it (restored): the alerts' ``since`` stays the first sighting."""


@dataclass(slots=True)
class _RuleState:
    tracks: dict[Ident, _Track] = field(default_factory=dict)
    sent: deque[datetime] = field(default_factory=deque)
    dropped: int = 0


class AlertEngine:
    """The alert rules of one cluster and what each one follows."""

    def __init__(self, rules: Iterable[AlertRule]) -> None:
        self.rules = tuple(rules)
        self._rules = {rule.name: rule for rule in self.rules}
        self._state = {rule.name: _RuleState() for rule in self.rules}
        self.dropped: list[Alert] = []
        """Alerts the rate limit held back since the caller last emptied this list."""
        self.wake_at: datetime | None = None
        """The earliest moment an alert may be due with the same problems (a debounce ends, a
        reminder is due); None when nothing waits. Lets a caller skip unchanged polls before it."""
        self._resumed_at: datetime | None = None
        """The journal's last poll, from ``resume`` until the first verdict after it."""

    def dropped_count(self, rule: str) -> int:
        """How many alerts of ``rule`` the rate limit dropped so far."""
        return self._state[rule].dropped

    def restore(self, records: Iterable[AlertRecord]) -> int:
        """Takes up what the alerts ``records`` (oldest first) say was sent by a previous run of
        these rules: each problem whose last alert was ``new`` or ``reminder`` is followed again as
        told (its reminder due from then); one whose last alert was ``cleared`` is not. Records of
        rules this engine does not have are skipped. Returns how many problems it follows now."""
        for record in records:
            st, rule = self._state.get(record.rule), self._rules.get(record.rule)
            if st is None or rule is None:
                continue
            key = ident(record.problem)
            if record.state == "cleared":
                st.tracks.pop(key, None)
            else:
                track = st.tracks.get(key)
                since = record.problem.since or record.at
                if track is None:
                    track = st.tracks[key] = _Track(first=since, problem=record.problem, since=since)
                track.problem, track.live, track.last_sent = record.problem, True, record.at
                track.told = track.told or record.told
            if record.told:
                st.sent.append(record.at)
                while len(st.sent) > rule.rate_limit.count:  # the limit looks at the last N only
                    st.sent.popleft()
        return sum(len(st.tracks) for st in self._state.values())

    def resume(self, last_poll: datetime, problems: Iterable[OpenProblem]) -> int:
        """Takes up the ``problems`` open at a journal's last poll (at ``last_poll``), after
        ``restore``: a problem a rule follows from the alerts sent stays as they say. Each rule
        counts a problem from the first reading of its run that it matches (a ``settling`` one
        between is held, as within a run): past the debounce at ``last_poll``, a rule not told
        ``new`` owes its clearing; a rule told ``new`` that has no record of sending it sends it
        at the first verdict; inside the debounce, it goes on from then (``RESUME_GAP_S``). A
        problem sent before but gone at ``last_poll`` cleared then, unsaid for a rule not told
        ``cleared``: that rule follows it no more (back after the restart, it is new again).
        Returns how many problems it follows now."""
        problems = tuple(problems)
        still_open = {ident(p.problem) for p in problems}
        for rule in self.rules:
            st = self._state[rule.name]
            if "cleared" not in rule.on:
                for key, track in list(st.tracks.items()):
                    if key not in still_open and track.last_sent is not None and track.last_sent <= last_poll:
                        del st.tracks[key]
            debounce = timedelta(seconds=rule.debounce_s)
            for open_problem in problems:
                key, first = ident(open_problem.problem), _first_match(rule, open_problem)
                if key in st.tracks or first is None:
                    continue
                owed = "new" not in rule.on and last_poll - first >= debounce
                began, problem = open_problem.readings[0][0], open_problem.problem
                since = min(began, problem.since or began)  # the alerts' since: the first sighting
                st.tracks[key] = _Track(first, problem, live=owed, told=owed, since=since)
        self._resumed_at = last_poll
        return sum(len(st.tracks) for st in self._state.values())

    def observe(self, now: datetime, problems: Sequence[Problem], status: str | None) -> list[Alert]:
        """The alerts due at ``now`` for the verdict ``status`` with ``problems``."""
        if self._resumed_at is not None:
            self._after_gap(now - self._resumed_at)
        out: list[Alert] = []
        wake: list[datetime] = []
        for rule in self.rules:
            out.extend(self._observe_rule(rule, self._state[rule.name], now, problems, status, wake))
        self.wake_at = min(wake, default=None)
        return out

    def _observe_rule(
        self,
        rule: AlertRule,
        st: _RuleState,
        now: datetime,
        problems: Sequence[Problem],
        status: str | None,
        wake: list[datetime],
    ) -> list[Alert]:
        out: list[Alert] = []
        current = {ident(p): p for p in problems if rule.matches(p)}
        held = {ident(p) for p in problems if p.severity == SETTLING} & st.tracks.keys()
        debounce = timedelta(seconds=rule.debounce_s)
        reminder = timedelta(seconds=rule.reminder_s) if rule.reminder_s is not None else None
        for key, problem in current.items():
            track = st.tracks.get(key)
            if track is None:
                track = st.tracks[key] = _Track(first=now, problem=problem)
            track.problem = problem
            state = None
            if not track.live and now - track.first >= debounce:
                track.live = True
                if "new" in rule.on:
                    state = "new"
                else:
                    track.told = True  # nothing is sent now, but its clearing will be
            elif track.live and reminder is not None and track.last_sent is not None:
                state = "reminder" if now - track.last_sent >= reminder else None
            if state is not None:
                # A dropped one counts as sent for the reminder's clock: one drop per interval.
                track.last_sent = now
                alert = self._alert(rule, state, track, now, status)
                if self._admit(rule, st, now, alert):
                    track.told = True
                    out.append(alert)
            if not track.live:
                wake.append(track.first + debounce)
            elif reminder is not None and track.last_sent is not None:
                wake.append(track.last_sent + reminder)
        for key in [k for k in st.tracks if k not in current and k not in held]:
            track = st.tracks.pop(key)
            if track.told and "cleared" in rule.on:
                alert = self._alert(rule, "cleared", track, now, status)
                if self._admit(rule, st, now, alert):
                    out.append(alert)
        return out

    def _after_gap(self, gap: timedelta) -> None:
        """At the first verdict after ``resume``: a problem resumed inside its debounce is followed
        afresh when the recorder was down longer than ``RESUME_GAP_S`` (only resumed ones are not
        live yet: ``restore`` follows problems that were sent)."""
        self._resumed_at = None
        if gap <= timedelta(seconds=RESUME_GAP_S):
            return
        for st in self._state.values():
            for key, track in list(st.tracks.items()):
                if not track.live:
                    del st.tracks[key]

    @staticmethod
    def _alert(rule: AlertRule, state: str, track: _Track, now: datetime, status: str | None) -> Alert:
        seen = [t for t in (track.since, track.problem.since) if t is not None]
        return Alert(rule, state, track.problem, min(seen, default=track.first), now, status)

    def _admit(self, rule: AlertRule, st: _RuleState, now: datetime, alert: Alert) -> bool:
        """True when ``rule`` may send one more alert at ``now``; else it is counted as dropped."""
        window = timedelta(seconds=rule.rate_limit.period_s)
        while st.sent and now - st.sent[0] >= window:
            st.sent.popleft()
        if len(st.sent) >= rule.rate_limit.count:
            st.dropped += 1
            self.dropped.append(alert)
            return False
        st.sent.append(now)
        return True


def _first_match(rule: AlertRule, open_problem: OpenProblem) -> datetime | None:
    """When ``rule`` began to follow ``open_problem`` without a break up to the last poll: going
    back, each reading it matches moves the start back, a ``settling`` one is passed over (held,
    as within a run), any other ends the run. None when it matches no reading."""
    first = None
    for at, severity in reversed(open_problem.readings):
        if rule.matches(replace(open_problem.problem, severity=severity)):
            first = at
        elif severity != SETTLING:
            break
    return first
