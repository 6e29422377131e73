"""Provides the timeline's look-ups in a journal that never read the whole of it.

A journal at its default bounds holds millions of polls (30 days of 3 nodes every 2 s is about 4
million), and reading them all costs seconds per million. So the moment a replay starts from is
found by asking for widening spans of time (ten minutes, two hours, a day...) back from it or on
from it, and the timeline loads only the polls around its cursor. What lies before those polls but
still matters (a node's last good poll when it has been down for long) is found the same way.

``ProblemSets`` finds where the recorded problems changed (the timeline's problem marks) from the
rows of the polls where they did, not from every poll.

Also here: ``journal_config``, the read-only cluster a journal replays as; ``JudgedSettings``, the
health settings each poll of it is judged with (those the recorder kept in the journal, in force
at that poll); and ``captures_at``, the one-poll replay of a moment (``hatui capture --replay
JOURNAL``).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hatui.config import ClusterConfig, Config, NodeConfig
from hatui.errors import HatuiError
from hatui.journal.health_settings import HealthSettings, SettingsHistory
from hatui.journal.store import Journal, PollRow
from hatui.model.capture import NodeCapture
from hatui.sources.make import DEMO_CLUSTER, demo_config

#: The spans asked for in turn, each from the moment searched from; after the last, the rest.
_WIDENING = (
    timedelta(minutes=10),
    timedelta(hours=2),
    timedelta(days=1),
    timedelta(days=8),
    timedelta(days=64),
)


def newest(polls: list[PollRow]) -> PollRow | None:
    """The latest of ``polls`` in time (the journal's ids follow the order they were written)."""
    return max(polls, key=lambda p: (p.at, p.id), default=None)


def last_poll(journal: Journal, at: datetime | None = None) -> PollRow | None:
    """The last poll at or before ``at`` (None: the last of all); None when there is none."""
    start = at or datetime.now(UTC)
    for span in _WIDENING:
        found = newest(journal.polls(since=start - span, until=at))
        if found is not None:
            return found
    return newest(journal.polls(until=at))


def first_poll(journal: Journal, at: datetime) -> PollRow | None:
    """The first poll at or after ``at``; None when there is none."""
    for span in _WIDENING:
        polls = journal.polls(since=at, until=at + span)
        if polls:
            return min(polls, key=lambda p: (p.at, p.id))
    return min(journal.polls(since=at), key=lambda p: (p.at, p.id), default=None)


def chunks_back(journal: Journal, before: datetime, span: timedelta) -> Iterator[list[PollRow]]:
    """The polls before ``before``, a ``span`` at a time (over any gap in the recording), newest
    chunk first, each newest first; ends with the journal's first poll."""
    until = before - timedelta(microseconds=1)
    while (last := last_poll(journal, until)) is not None:
        since = last.at - span
        yield sorted(journal.polls(since=since, until=last.at), key=lambda p: (p.at, p.id), reverse=True)
        until = since - timedelta(microseconds=1)


class ProblemSets:
    """Where the recorded problems' (code, subject) set changed: the timeline's problem marks.

    Read from the journal's problems series, which has a row only where the problems changed
    (``Journal.problem_changes``), so a long calm costs nothing; during a resync it changes at every
    poll (its percentage), its keys do not. The rows read are kept by poll id, and a wider span
    reads only the ids not read yet, so the rows kept always run on without a gap.
    """

    def __init__(self, journal: Journal) -> None:
        self.journal = journal
        self._keys: dict[int, frozenset[tuple[str, str]]] = {}
        """Poll id -> the set after it, at the polls where the problems changed."""
        self._shared: dict[frozenset[tuple[str, str]], frozenset[tuple[str, str]]] = {}
        """One object per distinct set (thousands of rows of a resync hold the same few)."""
        self._read: tuple[int, int] | None = None
        """The poll ids whose rows ``_keys`` holds."""

    def changes(self, lo: int, hi: int) -> list[int]:
        """The poll ids from ``lo`` to ``hi`` after which the set differs from the one before."""
        spans, read = [(lo, hi)], (lo, hi)
        if self._read is not None:
            done_lo, done_hi = self._read
            spans = [(a, b) for a, b in ((lo, done_lo - 1), (done_hi + 1, hi)) if a <= b]
            read = (min(lo, done_lo), max(hi, done_hi))
        for first, last in spans:
            for poll_id, problems in self.journal.problem_changes(first, last):
                keys = frozenset(
                    (str(p.get("code")), str(p.get("subject"))) for p in problems if isinstance(p, dict)
                )
                self._keys[poll_id] = self._shared.setdefault(keys, keys)
        self._read = read
        found: list[int] = []
        previous: frozenset[tuple[str, str]] | None = None
        for poll_id in sorted(self._keys):
            keys = self._keys[poll_id]
            if previous is not None and keys != previous and lo <= poll_id <= hi:
                found.append(poll_id)
            previous = keys
        return found


def journal_config(journal: Journal, at: datetime | None = None) -> Config:
    """A config for replaying ``journal``: one read-only cluster of the nodes recorded at ``at``
    (None: at the last poll; a moment before the first poll: at the first). It holds none of the
    recorder's health settings: they change from poll to poll (``JudgedSettings``), so its
    ``health_ignore`` is only what the caller adds (``--config``).

    Raises:
        HatuiError: the journal holds no poll.
    """
    poll = last_poll(journal, at) or (first_poll(journal, at) if at is not None else None)
    if poll is None:
        raise HatuiError(f"{journal.file}: the journal holds no poll yet", "journal")
    nodes = sorted({c.node for c in journal.captures_at(poll.id)})
    name = journal.cluster
    cluster = ClusterConfig(name=name, nodes=tuple(NodeConfig(n, n) for n in nodes), mode="read-only")
    return Config(clusters={name: cluster})


def recorded_history(journal: Journal) -> SettingsHistory:
    """The health settings ``journal`` was recorded with, by poll (``hatui.journal.health_settings``).

    An older journal of the demo with none is judged as the demo judges (its own config ignores
    some codes).
    """
    history = SettingsHistory.from_rows(journal.health_settings())
    if not history.starts and journal.cluster == DEMO_CLUSTER:
        return SettingsHistory((0,), (HealthSettings(demo_config().health_ignore),))
    return history


class JudgedSettings:
    """What a replay judges each poll with: the recorder's settings in force at it
    (``recorded_history``), ``ignore`` (``--config``'s codes) added to its ignored codes. A poll
    with none recorded (a journal of an older hatui, damaged settings) is judged with ``cluster``
    and ``ignore`` alone."""

    def __init__(self, journal: Journal, cluster: ClusterConfig, ignore: frozenset[str]) -> None:
        self._history = recorded_history(journal)
        self._plain = (ignore, cluster)
        config = Config(clusters={cluster.name: cluster})
        # One (ignore, cluster) per change, built once: stepping through a journal compares them.
        self._judged = [
            self._plain if s is None else (s.ignore | ignore, s.apply(config, cluster)[1])
            for s in self._history.settings
        ]

    def at(self, poll_id: int) -> tuple[frozenset[str], ClusterConfig]:
        """The ignored codes and the cluster (its ``vm_disks``, snapshot rule) the poll is judged with."""
        index = self._history.index_at(poll_id)
        return self._judged[index] if index >= 0 else self._plain


def open_journal_config(path: Path, at: datetime | None = None) -> Config:
    """``journal_config`` of the journal at ``path``; raises HatuiError (not a journal, empty...)."""
    with Journal.open(path) as journal:
        return journal_config(journal, at)


def captures_at(path: Path, at: datetime | None) -> list[NodeCapture]:
    """Every node's latest capture at ``at`` (None: the last poll) in the journal at ``path``.

    Raises:
        HatuiError: not a journal, no poll yet, or ``at`` before its first poll.
    """
    with Journal.open(path) as journal:
        poll = last_poll(journal, at)
        if poll is None:
            raise no_poll_error(path, journal, at)
        return journal.captures_at(poll.id)


def no_poll_error(path: Path, journal: Journal, at: datetime | None) -> HatuiError:
    """Why there is nothing to show at ``at``: an empty journal, or one that starts later."""
    first = first_poll(journal, at) if at is not None else None
    if first is None:
        return HatuiError(f"{path}: the journal holds no poll yet", "journal")
    assert at is not None
    return HatuiError(
        f"{path}: nothing recorded at {at:%Y-%m-%d %H:%M:%S} UTC: the journal starts at "
        f"{first.at:%Y-%m-%d %H:%M:%S} UTC",
        "journal",
    )
