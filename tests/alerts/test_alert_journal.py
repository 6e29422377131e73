"""Alerts beside a journal: the listeners ``build_listeners`` gives a recording hatui (a real
Journal, a real ClusterState fed the reference captures, real alert commands) write every alert
with what came of it, a second run on the same journal takes up what the first sent, and the
journal lists the alerts as events, keeps them in an older journal's file and prunes them with the
polls."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from alert_support import script
from recording_support import Run, cluster, pages
from ui_cluster import capture

from hatui.alerts.history import DELIVERED, FAILED, QUEUED, RATE_LIMITED, AlertRecord
from hatui.alerts.rules import AlertRule, RateLimit
from hatui.clock import FrozenClock
from hatui.config import ClusterConfig
from hatui.journal.store import Bounds, Journal
from hatui.journal.timeline import Timeline
from hatui.model.capture import NodeCapture
from hatui.model.events import EventKind
from hatui.model.health_types import WARNING, Problem

UNREACHABLE = ("node-unreachable",)


@pytest.fixture(autouse=True)
def _own_audit_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


async def vnode3_paged(tmp_path: Path, debounce_s: float) -> tuple[ClusterConfig, Path, FrozenClock, Run]:
    """A first run that paged ``node-unreachable vnode3`` (into ``tmp_path/spool``) and stopped:
    the config, the journal's directory, the clock, and the run."""
    spool = tmp_path / "spool"
    spool.mkdir()
    page = script(tmp_path, "page", f'cat > "{spool}/$(date +%s%N)"\n')
    rule = AlertRule("page", command=(page,), debounce_s=debounce_s, codes=frozenset(UNREACHABLE))
    clock, where = FrozenClock(), tmp_path / "journal"
    first = Run(cluster(rule), where, clock)
    first.round()
    for _ in range(3):
        clock.advance(5)
        first.round("vnode3")
    await first.close()
    assert pages(spool) == [("new", "vnode3")]
    return cluster(rule), where, clock, first


async def test_a_second_run_takes_up_what_the_first_sent_and_owes_its_clearing(tmp_path: Path) -> None:
    config, where, clock, first = await vnode3_paged(tmp_path, debounce_s=10)
    spool = tmp_path / "spool"

    clock.advance(120)  # the recorder was stopped for two minutes; vnode3 is still down
    second = Run(config, where, clock)
    assert second.alerts.restored == 1
    second.poll(capture("vnode1"))  # one node's verdict does not show vnode3: no clearing from it
    for _ in range(5):
        clock.advance(5)
        second.round("vnode3")
    assert pages(spool) == [("new", "vnode3")]  # not sent as new a second time
    clock.advance(5)
    second.round()  # back
    await second.close()
    assert pages(spool) == [("new", "vnode3"), ("cleared", "vnode3")]
    assert first.log == [] and second.log == []

    with Journal.open(where) as journal:
        records = journal.alerts()
        events = [e for e in journal.events() if e.kind == "alert"]
    assert [(r.state, r.problem.code, r.problem.subject, r.delivery, r.outcome) for r in records] == [
        ("new", "node-unreachable", "vnode3", "command", DELIVERED),
        ("cleared", "node-unreachable", "vnode3", "command", DELIVERED),
    ]
    assert records[1].problem.since == records[0].problem.since  # the cleared one says when it began
    assert [e.at for e in events] == [r.at for r in records]
    assert events[0].message.startswith("page new warning node-unreachable vnode3: ")
    assert events[0].message.endswith("(command: delivered)")
    assert (events[0].severity, events[0].subject, events[0].node) == ("info", "vnode3", "vnode3")
    # The timeline's Events pane shows them among the others, up to the poll of the cursor.
    with Journal.open(where) as journal:
        timeline = Timeline(journal, config)
        logged = timeline.state_at(len(timeline) - 1).events
    assert [le.event.message for le in logged if le.event.kind is EventKind.ALERT] == [
        e.message for e in events
    ]


async def test_a_node_never_heard_after_the_restart_holds_the_rules_back_a_minute_at_most(
    tmp_path: Path,
) -> None:
    config, where, clock, _first = await vnode3_paged(tmp_path, debounce_s=0)
    spool = tmp_path / "spool"
    second = Run(config, where, clock)
    for _ in range(12):  # vnode3's poll never ends: only vnode1 and vnode2 are heard, for 55 s
        clock.advance(5)
        second.poll(capture("vnode1"))
        second.poll(capture("vnode2"))
    assert pages(spool) == [("new", "vnode3")]
    clock.advance(5)
    second.poll(capture("vnode1"))  # a minute: the rules judge what they have
    await second.close()
    assert pages(spool) == [("new", "vnode3"), ("cleared", "vnode3")]


async def test_failed_and_rate_limited_alerts_are_written_with_why(tmp_path: Path) -> None:
    fail = script(tmp_path, "fail", "echo 'relay refused' >&2\nexit 3\n")
    rule = AlertRule(
        "page", command=(fail,), debounce_s=0, rate_limit=RateLimit(1, 3600), codes=frozenset(UNREACHABLE)
    )
    clock, where = FrozenClock(), tmp_path / "journal"
    run = Run(cluster(rule), where, clock)
    run.round()
    clock.advance(2)
    run.round("vnode2", "vnode3")
    await run.close()
    with Journal.open(where) as journal:
        records = journal.alerts()
    assert [(r.problem.subject, r.outcome) for r in records] == [("vnode2", FAILED), ("vnode3", RATE_LIMITED)]
    assert records[0].reason is not None and records[0].reason.endswith("exit status 3: relay refused")
    assert records[1].reason == "rate limit 1/h reached"


PROBLEM = Problem(WARNING, "node-standby", "vnode1", "vnode1", "vnode1 is in standby", kind="node")


def test_a_journal_made_before_the_alert_table_reads_without_alerts_and_gets_it_from_its_writer(
    tmp_path: Path,
) -> None:
    Journal.open(tmp_path, create=True, cluster="ref").close()
    with sqlite3.connect(tmp_path / "journal.sqlite") as db:  # as an older hatui laid it out
        db.execute("DROP TABLE alerts")
    with Journal.open(tmp_path) as reader:
        assert reader.alerts() == [] and reader.events() == []
    with Journal.open(tmp_path, create=True, cluster="ref") as writer:
        at = writer.created
        writer.write_alert(AlertRecord(at, "page", "new", PROBLEM, "mail"))
        assert [(r.rule, r.outcome, r.delivery) for r in writer.alerts()] == [("page", QUEUED, "mail")]


def test_alerts_are_pruned_with_the_polls_of_their_time(tmp_path: Path) -> None:
    with Journal.open(tmp_path, create=True, cluster="ref", bounds=Bounds(max_age_s=86400)) as journal:
        now = journal.created
        old, recent = now - timedelta(days=3), now - timedelta(hours=1)
        for at in (old, recent):
            journal.write_poll(
                NodeCapture(node="vnode1", collected_at=at), status="OK", problems=[], events=[]
            )
            alert_id = journal.write_alert(AlertRecord(at, "page", "new", PROBLEM, "command"))
            journal.set_alert_outcome(alert_id, DELIVERED)
        assert journal.prune(now) == 1
        assert [(r.at, r.outcome) for r in journal.alerts()] == [(recent, DELIVERED)]
