"""The journal listener and the listener plumbing: every poll in the journal, actions from the audit
log, one writer per journal, and a failing listener that never stops the others."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from hatui.actions.audit import AuditLog
from hatui.alerts.listener import AlertListener
from hatui.clock import FrozenClock
from hatui.config import ClusterConfig, Config, load_config
from hatui.errors import HatuiError
from hatui.journal.listener import JournalListener
from hatui.journal.recorder import Recorder
from hatui.journal.store import Journal
from hatui.model.capture import NodeCapture
from hatui.model.report import NodeReport
from hatui.replay import replay_config
from hatui.sources.poller import ReplayPoller
from hatui.watch.listeners import build_listeners, close_all, notify_all
from hatui.watch.state import ClusterState, Recorded

REPLAYS = Path(__file__).resolve().parents[1] / "replays"
START = datetime(2026, 12, 5, 3, 0, tzinfo=UTC)


def _source(name: str = "healthy") -> tuple[Config, ClusterConfig, ReplayPoller]:
    config = replay_config(REPLAYS / name)
    poller = ReplayPoller.from_dir(REPLAYS / name)
    for capture in poller.captures:  # each poll is dated by the clock, as a live poll is
        poller.replace(replace(capture, collected_at=None))
    return config, config.cluster(), poller


def _recorder(tmp_path: Path, log: list[str]) -> tuple[Recorder, FrozenClock, ReplayPoller, JournalListener]:
    config, cluster, poller = _source()
    clock = FrozenClock(START)
    state = ClusterState(cluster.name, poller.nodes, clock, cluster=cluster, ignore=config.health_ignore)
    listener = JournalListener.open(
        tmp_path / "j", cluster, log=log.append, audit_path=tmp_path / "audit.log"
    )
    return Recorder(cluster, poller, state, [listener], log=log.append), clock, poller, listener


async def _round(recorder: Recorder, clock: FrozenClock) -> None:
    for node in recorder.poller.nodes:
        report = await recorder.poller.poll(node)
        recorder.took(report, recorder.poller.last_capture(node))
        clock.advance(1)


def test_every_poll_its_verdict_and_events_are_written(tmp_path: Path) -> None:
    log: list[str] = []
    recorder, clock, poller, listener = _recorder(tmp_path, log)

    async def scene() -> None:
        await _round(recorder, clock)
        await _round(recorder, clock)  # unchanged polls are written too (as rows)
        poller.replace(NodeCapture(node="vnode2", unreachable="connection refused"))
        await _round(recorder, clock)

    asyncio.run(scene())
    listener.close()
    journal = Journal.open(tmp_path / "j")
    polls = journal.polls()
    assert [p.node for p in polls] == ["vnode1", "vnode2", "vnode3"] * 3
    assert [p.reachable for p in polls[-3:]] == [True, False, True]
    assert polls[0].at == START
    assert polls[3].changed is False
    status, problems = journal.verdict_at(polls[-1].id)
    assert status == "WARNING"  # Pacemaker still says it is online
    assert any(p["code"] == "node-unreachable" and p["node"] == "vnode2" for p in problems)
    kinds = [(e.kind, e.subject) for e in journal.events()]
    assert ("node-unreachable", "vnode2") in kinds
    # The recorder said the change on its log too, one line per event.
    assert any("node-unreachable vnode2" in line for line in log)
    assert journal.capture(polls[-2].id).unreachable == "connection refused"


def test_actions_come_from_the_audit_log_of_this_cluster_since_the_journal_was_made(tmp_path: Path) -> None:
    log: list[str] = []
    audit_path = tmp_path / "audit.log"
    _config, cluster, _poller = _source()
    JournalListener.open(tmp_path / "j", cluster, log=log.append, audit_path=audit_path).close()
    # While no recorder ran: an action on this cluster, and a record from long before the journal.
    AuditLog(audit_path).refused(cluster.name, "move", "vm0", "while the recorder was down")
    ancient = {"when": "2020-01-01T00:00:00+00:00", "event": "refused", "cluster": cluster.name,
               "action": "move", "target": "ancient", "reason": "before the journal"}  # fmt: skip
    with audit_path.open("a") as f:
        f.write(json.dumps(ancient) + "\n")
    recorder, clock, _poller, listener = _recorder(tmp_path, log)
    audit = AuditLog(audit_path)
    audit.refused(cluster.name, "move", "vm1", "vnode3 is in standby")
    audit.refused("another-cluster", "move", "vm9", "not ours")

    async def scene() -> None:
        await _round(recorder, clock)

    asyncio.run(scene())
    # A line still being written (no newline yet) waits for the next look.
    with audit_path.open("a") as f:
        f.write('{"event": "refused", "cluster": "' + cluster.name + '", "action": "standby"')
    assert listener.copy_actions() == 0
    with audit_path.open("a") as f:
        f.write(', "target": "vnode1", "reason": "last node"}\n')
    assert listener.copy_actions() == 1
    listener.close()
    # Started again, the recorder reads the whole log again: nothing is written twice.
    JournalListener.open(tmp_path / "j", cluster, log=log.append, audit_path=audit_path).close()
    actions = [e for e in Journal.open(tmp_path / "j").events() if e.kind == "action"]
    assert sorted(e.subject for e in actions) == ["vm0", "vm1", "vnode1"]
    assert "last node" in " ".join(e.message for e in actions)


def test_one_journal_has_one_writer(tmp_path: Path) -> None:
    _config, cluster, _poller = _source()
    first = JournalListener.open(tmp_path / "j", cluster, log=print)
    with pytest.raises(HatuiError, match="another hatui"):
        JournalListener.open(tmp_path / "j", cluster, log=print)
    first.close()
    first.close()  # twice is fine
    JournalListener.open(tmp_path / "j", cluster, log=print).close()  # the lock went with the writer
    assert (tmp_path / "j").stat().st_mode & 0o777 == 0o700


def test_a_failing_journal_is_said_once_and_polling_goes_on(tmp_path: Path) -> None:
    log: list[str] = []
    recorder, clock, _poller, listener = _recorder(tmp_path, log)
    listener.journal.close()  # every write now fails

    async def scene() -> None:
        await _round(recorder, clock)
        await _round(recorder, clock)

    asyncio.run(scene())
    failures = [line for line in log if line.startswith("journal write failed")]
    assert len(failures) == 1
    assert recorder.polls == 6
    # The journal can be written again (space freed): said once, with what was lost.
    listener.journal = Journal.open(tmp_path / "j")

    async def another() -> None:
        await _round(recorder, clock)
        await _round(recorder, clock)

    asyncio.run(another())
    assert log.count("journal written again (6 polls were not)") == 1
    listener.close()
    assert len(Journal.open(tmp_path / "j").polls()) == 6


class _Broken:
    def polled(self, *args: object) -> None:
        raise RuntimeError("listener bug")

    async def aclose(self) -> None:
        pass


class _Counting:
    def __init__(self) -> None:
        self.seen: list[str] = []

    def polled(
        self, capture: NodeCapture | None, report: NodeReport, state: ClusterState, recorded: Recorded
    ) -> None:
        self.seen.append(report.node)

    async def aclose(self) -> None:
        pass


def test_a_listener_that_raises_is_logged_and_the_others_still_hear() -> None:
    _config, cluster, _poller = _source()
    state = ClusterState(cluster.name, (), FrozenClock(START))
    report = NodeReport(node="vnode1", unreachable="timed out")
    recorded = state.record(report)
    counting = _Counting()
    log: list[str] = []
    notify_all([_Broken(), counting], None, report, state, recorded, log.append)
    assert counting.seen == ["vnode1"]
    assert len(log) == 1 and "_Broken" in log[0] and "listener bug" in log[0]


def test_build_listeners_records_only_when_asked(tmp_path: Path) -> None:
    config, cluster, _poller = _source()
    assert build_listeners(config, cluster, record_dir=None, log=print) == []
    (listener,) = build_listeners(config, cluster, record_dir=tmp_path / "j", log=print)
    assert isinstance(listener, JournalListener)
    asyncio.run(listener.aclose())
    with sqlite3.connect(tmp_path / "j" / "journal.sqlite") as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_build_listeners_adds_the_alert_rules_of_the_cluster(tmp_path: Path) -> None:
    conf = tmp_path / "config.yaml"
    conf.write_text(
        "clusters:\n"
        "  ref:\n"
        "    nodes: [vnode1, vnode2]\n"
        "    alerts:\n"
        "      - name: page\n"
        "        command: [/bin/true]\n"
    )
    config = load_config(conf)
    cluster = config.cluster("ref")
    listeners = build_listeners(config, cluster, record_dir=tmp_path / "j", log=print)
    assert [type(x) for x in listeners] == [JournalListener, AlertListener]

    async def close() -> None:
        await close_all(listeners, print)

    asyncio.run(close())
    JournalListener.open(tmp_path / "j", cluster, log=print).close()  # closed, lock released


class _Flaky(ReplayPoller):
    """A replay whose second poll of vnode2 raises (a poller bug); the third stops the recorder."""

    def __init__(self, base: ReplayPoller) -> None:
        super().__init__(base.captures, interval=0.01)
        self.calls = 0
        self.stop: asyncio.Event | None = None

    async def poll(self, node: str) -> NodeReport:
        if node == "vnode2":
            self.calls += 1
            if self.calls == 2:
                raise RuntimeError("poller bug")
            if self.calls == 3 and self.stop is not None:
                self.stop.set()
        return await super().poll(node)


def test_a_poll_that_raised_is_recorded_as_failed_not_as_the_last_capture(tmp_path: Path) -> None:
    config, cluster, base = _source()
    poller = _Flaky(base)
    state = ClusterState(cluster.name, poller.nodes, FrozenClock(START), cluster=cluster)
    listener = JournalListener.open(tmp_path / "j", cluster, log=print, audit_path=tmp_path / "audit")
    recorder = Recorder(cluster, poller, state, [listener], log=print)
    poller.stop = recorder.stop
    asyncio.run(recorder.run())
    with Journal.open(tmp_path / "j") as journal:
        vnode2 = [p for p in journal.polls() if p.node == "vnode2"]
        assert [p.reachable for p in vnode2[:3]] == [True, False, True]
        assert "poller bug" in (journal.capture(vnode2[1].id).unreachable or "")
