"""The timeline's problem marks stop wherever the recorded problems changed (their codes and
subjects), also where the verdict's status stayed the same: a problem settling that appears and
goes is a stop, a resync's percentage moving on is not. Found from the journal's problems series
alone, also when the timeline loads the journal a little at a time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from hatui.config import ClusterConfig, NodeConfig
from hatui.journal.store import Journal
from hatui.journal.timeline import Timeline
from hatui.model.capture import NodeCapture

START = datetime(2026, 12, 5, 3, 0, tzinfo=UTC)
CLUSTER = ClusterConfig("prod", (NodeConfig("n1", "n1"),), mode="read-only")


def _problem(code: str, subject: str, message: str, severity: str = "warning") -> dict[str, Any]:
    return {"severity": severity, "code": code, "subject": subject, "node": None, "message": message}


SETTLING = _problem("resource-failed", "web", "web failed on n1", "settling")
SYNC_R0 = "drbd-syncing", "r0"
#: The problems after each poll; the status is "OK" throughout, so only the problems make marks.
POLLS: list[list[dict[str, Any]]] = [
    [],
    [SETTLING],  # 1: appears while settling: a stop
    [],  # 2: gone before it counted: a stop
    [],
    [_problem(*SYNC_R0, "SyncTarget 39.7%")],  # 4: a stop
    [_problem(*SYNC_R0, "SyncTarget 40.1%")],  # same problem, another message: not a stop
    [_problem(*SYNC_R0, "SyncTarget 40.5%"), _problem("drbd-syncing", "r1", "SyncTarget 1.0%")],  # 6
    [_problem(*SYNC_R0, "SyncTarget 41.0%"), _problem("drbd-syncing", "r1", "SyncTarget 2.0%")],
    [_problem(*SYNC_R0, "SyncTarget 42.0%"), _problem("drbd-syncing", "r1", "SyncTarget 3.0%")],
]
MARKS = [1, 2, 4, 6]


@pytest.fixture
def journal(tmp_path: Path) -> Journal:
    j = Journal.open(tmp_path / "j", create=True, cluster="prod")
    for i, problems in enumerate(POLLS):
        capture = NodeCapture("n1", outputs={"crm_mon": "same"}, collected_at=START + timedelta(seconds=i))
        j.write_poll(capture, status="OK", problems=problems, events=[])
    return j


def _walk(timeline: Timeline, start: int, direction: int) -> list[int]:
    """The marks met from ``start`` on, as poll numbers of the scene."""
    out: list[int] = []
    at: int | None = start
    while at is not None:
        at = timeline.next_mark(at, direction, "problem")
        if at is not None:
            out.append(POLLS_AT.index(timeline.polls[at].at))
    return out


POLLS_AT = [START + timedelta(seconds=i) for i in range(len(POLLS))]


def test_every_change_of_the_problems_is_a_stop_forwards_and_back(journal: Journal) -> None:
    timeline = Timeline(journal, CLUSTER)
    assert _walk(timeline, 0, 1) == MARKS
    assert _walk(timeline, len(POLLS) - 1, -1) == list(reversed(MARKS))
    journal.close()


def test_the_same_stops_when_the_journal_is_loaded_a_little_at_a_time(journal: Journal) -> None:
    # Two seconds each side of the cursor: every step past them loads more, and the problems
    # series is read only for the polls not read yet.
    span = timedelta(seconds=2)
    late = Timeline(journal, CLUSTER, around=POLLS_AT[-1], span=span)
    assert len(late.polls) < len(POLLS)
    assert _walk(late, len(late.polls) - 1, -1) == list(reversed(MARKS))
    early = Timeline(journal, CLUSTER, around=POLLS_AT[0], span=span)
    assert _walk(early, 0, 1) == MARKS
    journal.close()


def test_the_problems_series_is_read_only_where_it_changed(journal: Journal) -> None:
    rows = journal.problem_changes(journal.polls()[0].id, journal.polls()[-1].id)
    # One row per poll whose problems' text changed (the first, 1, 2, 4 and on): poll 3 repeats
    # poll 2's empty list and has none.
    ids = [p.id for p in journal.polls()]
    assert [ids.index(poll_id) for poll_id, _ in rows] == [0, 1, 2, 4, 5, 6, 7, 8]
    # A span starting inside leads with the value in force before it.
    inside = journal.problem_changes(ids[3], ids[4])
    assert [(ids.index(i), [p["code"] for p in problems]) for i, problems in inside] == [
        (2, []),
        (4, ["drbd-syncing"]),
    ]
    journal.close()
