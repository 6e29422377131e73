"""Timeline: a journal read back poll by poll, as the console had the cluster at each moment.

The journal is the demo's night (``support.timeline_scene``): calm, a node killed, its VMs failing
over, an admin's action; written with the Journal's API from the captures and the verdicts of a
ClusterState, as the recorder writes them.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from hatui.errors import HatuiError
from hatui.journal.store import Journal
from hatui.journal.timeline import Timeline, moment
from hatui.journal.timeline_find import captures_at, journal_config
from hatui.snapshot.data import problem_dicts
from support.timeline_scene import CLUSTER, START, VICTIM, VM, Night, read_night, record_night


@pytest.fixture(scope="module")
def night(tmp_path_factory: pytest.TempPathFactory) -> Night:
    return record_night(tmp_path_factory.mktemp("night") / "journal")


@pytest.fixture
def journal(night: Night) -> Iterator[Journal]:
    yield from read_night(night)


@pytest.fixture
def timeline(journal: Journal) -> Timeline:
    return Timeline(journal, journal_config(journal).cluster())


def test_journal_config_is_a_read_only_cluster_of_the_recorded_nodes(journal: Journal, night: Night) -> None:
    cluster = journal_config(journal).cluster()
    assert cluster.name == CLUSTER
    assert cluster.mode == "read-only"
    assert tuple(n.name for n in cluster.nodes) == tuple(sorted(night.nodes))


def test_index_at_is_the_last_poll_at_or_before(timeline: Timeline, night: Night) -> None:
    assert len(timeline.polls) == night.polls
    times = [p.at for p in timeline.polls]
    assert times == sorted(times)
    assert timeline.index_at(START - timedelta(hours=1)) == 0
    assert timeline.index_at(times[-1] + timedelta(days=1)) == night.polls - 1
    assert timeline.index_at(times[10]) == 10
    assert timeline.index_at(times[10] + timedelta(milliseconds=500)) == 10
    assert timeline.index_at(times[10] - timedelta(milliseconds=500)) == 9


def test_every_moment_is_judged_as_the_console_judged_it_forwards_and_backwards(
    timeline: Timeline, journal: Journal
) -> None:
    # The whole verdict (severities, settling words, since) equals the one recorded at that poll,
    # whether the cursor walks forwards (the state fed on) or backwards (rebuilt from a window).
    order = [*range(len(timeline.polls)), *reversed(range(len(timeline.polls)))]
    settling_seen = False
    for i in order:
        snap = timeline.state_at(i).snapshot()
        assert snap is not None
        status, problems = journal.verdict_at(timeline.polls[i].id)
        assert (i, snap.health.status.value) == (i, status)
        assert problem_dicts(snap.health) == problems, i
        settling_seen = settling_seen or any(p["severity"] == "settling" for p in problems)
    assert settling_seen  # the night has problems held back while they settle


def test_a_jump_far_ahead_rebuilds_from_the_window_with_the_old_since(
    timeline: Timeline, journal: Journal
) -> None:
    # Straight to the last poll: the window there starts long after the fault, yet the problems
    # that have lasted since then keep their first sighting (from the recorded verdict).
    last = len(timeline.polls) - 1
    snap = timeline.state_at(last).snapshot()
    assert snap is not None
    offline = next(p for p in snap.health.problems if p.code == "node-offline")
    assert offline.since is not None
    assert (snap.now - offline.since).total_seconds() > 60
    assert problem_dicts(snap.health) == journal.verdict_at(timeline.polls[last].id)[1]


def test_a_node_down_before_the_window_is_stale_since_its_first_failed_poll(
    timeline: Timeline, night: Night
) -> None:
    snap = timeline.state_at(len(timeline.polls) - 1).snapshot()
    assert snap is not None
    stale = snap.stale[VICTIM]
    first_failure = next(p.at for p in timeline.polls if p.node == VICTIM and not p.reachable)
    last_good = max(p.at for p in timeline.polls if p.node == VICTIM and p.reachable)
    assert stale.since == first_failure
    assert stale.last_good == last_good
    # Its last good data is still shown (dimmed by the panes): the VM it ran before it died.
    assert VM in {d.domain.name for d in snap.display.domains if d.node == VICTIM}


def test_marks_problem_and_action(timeline: Timeline, night: Night) -> None:
    first = timeline.next_mark(0, 1, "problem")
    assert first is not None
    assert timeline.polls[first].at > night.fault_at
    # Each problem mark changes the verdict or carries a problem event; the next is further on.
    second = timeline.next_mark(first, 1, "problem")
    assert second is not None and second > first
    assert timeline.next_mark(second, -1, "problem") == first
    assert timeline.next_mark(first, -1, "problem") is None
    action = timeline.next_mark(0, 1, "action")
    assert action is not None
    assert timeline.polls[action].at >= night.action_at > timeline.polls[action - 1].at
    assert timeline.next_mark(action, 1, "action") is None
    assert timeline.next_mark(len(timeline.polls) - 1, -1, "action") == action
    with pytest.raises(ValueError, match="mark kind"):
        timeline.next_mark(0, 1, "bogus")


def test_events_up_to_the_cursor_keep_their_numbers(timeline: Timeline, night: Night) -> None:
    mid = timeline.index_at(night.fault_at + timedelta(seconds=8))
    early = list(timeline.state_at(mid).events)
    late = list(timeline.state_at(len(timeline.polls) - 1).events)
    assert early and all(le.event.at <= timeline.polls[mid].at for le in early)
    assert late[: len(early)] == early  # the same rows, the same numbers, as the cursor moves on
    assert late[-1].event.kind.value == "action"
    assert [le.seq for le in late] == sorted(le.seq for le in late)


def test_moment_is_the_cluster_at_that_time_with_ages_from_it(night: Night, journal: Journal) -> None:
    cluster = journal_config(journal).cluster()
    at = night.fault_at + timedelta(seconds=40)
    view, health = moment(night.path, cluster, at=at)
    assert view.generated_at == at
    assert health.status.value == "CRITICAL"
    assert {d.node for d in view.domains if d.domain.name == VM} == {"vnode2"}
    before, calm = moment(night.path, cluster, at=night.fault_at - timedelta(seconds=2))
    assert {d.node for d in before.domains if d.domain.name == VM} == {VICTIM}
    assert calm.status.value != "CRITICAL"
    last, _ = moment(night.path, cluster, at=None)
    assert last.generated_at == max(p.at for p in journal.polls())


def test_before_the_first_poll_is_an_error_line(night: Night, journal: Journal) -> None:
    cluster = journal_config(journal).cluster()
    early = datetime(2020, 1, 1, tzinfo=UTC)
    with pytest.raises(HatuiError, match="nothing recorded at 2020-01-01 00:00:00 UTC: the journal starts"):
        moment(night.path, cluster, at=early)
    with pytest.raises(HatuiError, match="nothing recorded"):
        captures_at(night.path, early)


def test_captures_at_gives_every_node_as_of_then(night: Night) -> None:
    caps = captures_at(night.path, night.fault_at + timedelta(seconds=20))
    assert sorted(c.node for c in caps) == sorted(night.nodes)
    assert not next(c for c in caps if c.node == VICTIM).reachable
    caps = captures_at(night.path, night.fault_at - timedelta(seconds=1))
    assert next(c for c in caps if c.node == VICTIM).reachable


def test_an_empty_journal_has_nothing_to_replay(tmp_path: Path) -> None:
    Journal.open(tmp_path / "j", create=True, cluster="x").close()
    with Journal.open(tmp_path / "j") as j, pytest.raises(HatuiError, match="no poll yet"):
        journal_config(j)


def test_a_short_span_loads_more_as_the_cursor_goes_and_judges_the_same(journal: Journal) -> None:
    # 20 s of polls around the cursor: walking the whole night loads it a span at a time, and each
    # moment is judged as the recorded verdict says, the stale node's past found before the span.
    cluster = journal_config(journal).cluster()
    timeline = Timeline(journal, cluster, around=START, span=timedelta(seconds=20))
    loaded = len(timeline.polls)
    assert 0 < loaded < len(journal.polls())
    poll_id = timeline.polls[0].id
    while timeline.extend(-1):
        pass
    index = timeline.position(poll_id)
    seen = 0
    while True:
        poll = timeline.polls[index]
        snap = timeline.state_at(index).snapshot()
        assert snap is not None
        assert problem_dicts(snap.health) == journal.verdict_at(poll.id)[1], poll
        seen += 1
        if index + 1 == len(timeline.polls) and not timeline.extend(1):
            break
        index = timeline.position(poll.id) + 1
    assert seen == len(journal.polls()) == len(timeline.polls)


def test_the_last_poll_alone_finds_the_dead_node_before_its_span(journal: Journal, night: Night) -> None:
    cluster = journal_config(journal).cluster()
    timeline = Timeline(journal, cluster, span=timedelta(seconds=20))
    assert all(p.node != VICTIM or not p.reachable for p in timeline.polls)  # no good poll loaded
    last = len(timeline.polls) - 1
    snap = timeline.state_at(last).snapshot()
    assert snap is not None
    stale = snap.stale[VICTIM]
    polls = journal.polls()
    assert stale.last_good == max(p.at for p in polls if p.node == VICTIM and p.reachable)
    assert stale.since == min(p.at for p in polls if p.node == VICTIM and not p.reachable)
    assert problem_dicts(snap.health) == journal.verdict_at(timeline.polls[last].id)[1]
    # The marks are found across spans too: back to the fault, on to the action.
    first = timeline.next_mark(timeline.position(timeline.polls[last].id), -1, "action")
    assert first is not None and timeline.polls[first].at >= night.action_at
    problem = timeline.next_mark(first, -1, "problem")
    assert problem is not None and timeline.polls[problem].at > night.fault_at


def test_the_demos_journal_is_judged_with_the_demos_health_settings(tmp_path: Path) -> None:
    from hatui.model.capture import NodeCapture
    from hatui.sources.make import DEMO_CLUSTER, demo_config

    at = datetime(2026, 12, 5, 3, 0, tzinfo=UTC)
    for name, ignored in ((DEMO_CLUSTER, demo_config().health_ignore), ("prod", frozenset())):
        with Journal.open(tmp_path / name, create=True, cluster=name) as j:
            j.write_poll(NodeCapture("n1", collected_at=at), status="OK", problems=[], events=[])
            assert Timeline(j, journal_config(j).cluster()).state_at(0).ignore == ignored
    assert "stonith-disabled" in demo_config().health_ignore
