"""A replay judges each poll with the health settings the recorder had then: the recorder keeps them
in the journal (ignored codes, ``vm_disks``, the snapshot threshold) with the first poll judged
with them, the timeline judges every poll with those in force at it (``JudgedSettings``), and
``hatui --once --replay JOURNAL`` without ``--config`` shows the recorder's verdict of that moment."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hatui.clock import FrozenClock
from hatui.config import ClusterConfig, NodeConfig
from hatui.config_backup import BackupConfig
from hatui.journal.health_settings import HealthSettings, SettingsHistory
from hatui.journal.listener import JournalListener
from hatui.journal.store import Journal
from hatui.journal.store_schema import HEALTH_KEY
from hatui.journal.timeline import Timeline
from hatui.journal.timeline_find import JudgedSettings, journal_config, recorded_history
from hatui.model.backup_rule import SnapshotRule
from hatui.model.capture import NodeCapture
from hatui.model.report import NodeReport
from hatui.replay import replay_config
from hatui.sources.parse import build_report
from hatui.sources.poller import ReplayPoller
from hatui.watch.state import ClusterState

START = datetime(2026, 12, 5, 3, 0, tzinfo=UTC)
#: A cluster that is n+1 short (and has STONITH off): the problem the second recorder ignores.
CAPACITY = Path(__file__).resolve().parents[1] / "replays" / "capacity"
#: When the second recorder starts: within the replay's window of the first one's last polls, so
#: the timeline steps on with the state it has (a long gap would have it start afresh).
RESTART = START + timedelta(minutes=3, seconds=2)


def test_settings_survive_json_and_damaged_ones_are_none() -> None:
    settings = HealthSettings(
        frozenset({"n-plus-one", "stonith-disabled"}),
        (("web", ("r0", "r1")),),
        SnapshotRule(10.0, 128.0, 60.0),
    )
    assert HealthSettings.from_json(settings.to_json()) == settings
    for damaged in (None, "", "{", "[]", '{"ignore": "x"}', '{"vm_disks": {"a": [1]}}',
                    '{"snapshot": {"percent": "ten"}}', '{"snapshot": {"percent": NaN}}'):  # fmt: skip
        assert HealthSettings.from_json(damaged) is None, damaged
    # A key a newer hatui adds is ignored; one left out is the default.
    assert HealthSettings.from_json('{"ignore": ["a"], "later": 1}') == HealthSettings(frozenset({"a"}))


def _cluster(warn: float, disks: dict[str, tuple[str, ...]]) -> ClusterConfig:
    return ClusterConfig(
        name="prod",
        nodes=(NodeConfig("n1", "n1"),),
        vm_disks=disks,
        backup=BackupConfig(warn_percent=warn),
    )


def _poll_once(record_dir: Path, cluster: ClusterConfig, ignore: frozenset[str], at: datetime) -> None:
    state = ClusterState(cluster.name, ("n1",), FrozenClock(at), cluster=cluster, ignore=ignore)
    listener = JournalListener.open(record_dir, cluster, log=print, audit_path=record_dir / "no-audit.log")
    try:
        report = NodeReport(node="n1", unreachable="connection refused")
        recorded = state.record(report)
        listener.polled(NodeCapture("n1", unreachable="connection refused", collected_at=at), report, state,
                        recorded)  # fmt: skip
    finally:
        listener.close()


def test_the_recorder_keeps_each_change_of_its_settings_from_the_next_poll_on(tmp_path: Path) -> None:
    record_dir = tmp_path / "j"
    first = HealthSettings(frozenset({"n-plus-one"}), (("web", ("r0",)),), SnapshotRule(20.0, 256.0, 60.0))
    second = HealthSettings(frozenset({"stonith-disabled"}), (), SnapshotRule(20.0, 256.0, 80.0))
    for minute in (0, 1):
        _poll_once(
            record_dir,
            _cluster(60.0, {"web": ("r0",)}),
            frozenset({"n-plus-one"}),
            START.replace(minute=minute),
        )
    # Started again with other settings: kept from its first poll on, the earlier ones kept too.
    _poll_once(record_dir, _cluster(80.0, {}), frozenset({"stonith-disabled"}), START.replace(minute=5))
    with Journal.open(record_dir) as journal:
        polls = [p.id for p in journal.polls()]
        history = recorded_history(journal)
        stored = json.loads(_meta(record_dir / "journal.sqlite") or "{}")
        config = journal_config(journal)
    assert len(polls) == 3
    assert history.starts == (polls[0], polls[2])  # the same settings again are no change
    assert [history.at(p) for p in polls] == [first, first, second]
    # The meta key holds the latest, for an older hatui reading this journal.
    assert stored["ignore"] == ["stonith-disabled"] and stored["snapshot"]["warn_percent"] == 80.0
    # The replay's config holds none of them: they are the timeline's, poll by poll.
    cluster = config.cluster()
    assert config.health_ignore == frozenset()
    assert cluster.mode == "read-only" and dict(cluster.vm_disks) == {}
    with Journal.open(record_dir) as journal:
        judged = JudgedSettings(journal, cluster, frozenset({"drbd-syncing"}))
    ignore, at_first = judged.at(polls[0])
    assert ignore == {"n-plus-one", "drbd-syncing"}
    assert dict(at_first.vm_disks) == {"web": ("r0",)} and at_first.backup.rule == first.snapshot
    ignore, at_last = judged.at(polls[2])
    assert ignore == {"stonith-disabled", "drbd-syncing"}
    assert dict(at_last.vm_disks) == {} and at_last.backup.rule.warn_percent == 80.0


def _meta(file: Path) -> str | None:
    with sqlite3.connect(file) as db:
        row = db.execute("SELECT value FROM meta WHERE key = ?", (HEALTH_KEY,)).fetchone()
    return None if row is None else str(row[0])


def _set_meta(file: Path, value: str) -> None:
    """What an older hatui wrote: the settings in the meta key only."""
    db = sqlite3.connect(file)
    with db:
        db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (HEALTH_KEY, value))
    db.close()


def test_a_journal_without_settings_is_judged_without_them(tmp_path: Path) -> None:
    # A journal of an older hatui (or settings damaged by hand): no codes ignored, default rules.
    with Journal.open(tmp_path / "old", create=True, cluster="prod") as journal:
        poll = journal.write_poll(NodeCapture("n1", collected_at=START), status="OK", problems=[], events=[])
    _set_meta(tmp_path / "old" / "journal.sqlite", "{damaged")
    with Journal.open(tmp_path / "old") as journal:
        cluster = journal_config(journal).cluster()
        ignore, judged = JudgedSettings(journal, cluster, frozenset()).at(poll)
    assert ignore == frozenset()
    assert judged == replace(cluster, vm_disks={}, backup=BackupConfig())


# -- a replay across a change of settings ------------------------------------------------------------


def _record(record_dir: Path, ignore: frozenset[str], start: datetime, minutes: int) -> None:
    """Runs a recorder of the capacity cluster from ``start``, a round of polls every 10 s."""
    config = replay_config(CAPACITY)
    cluster = config.cluster()
    captures = ReplayPoller.from_dir(CAPACITY).captures
    clock = FrozenClock(start)
    state = ClusterState(cluster.name, [c.node for c in captures], clock, cluster=cluster,
                         ignore=config.health_ignore | ignore)  # fmt: skip
    listener = JournalListener.open(record_dir, cluster, log=print, audit_path=record_dir / "no-audit.log")
    try:
        for _round in range(minutes * 6):
            for capture in captures:
                polled = replace(capture, collected_at=clock.now())
                report = build_report(polled)
                listener.polled(polled, report, state, state.record(report))
                clock.advance(1)
            clock.advance(7)
    finally:
        listener.close()


def _two_nights(tmp_path: Path) -> Path:
    """A journal recorded for 3 minutes without, then (restarted at once) with ignore: [n-plus-one]."""
    record_dir = tmp_path / "j"
    _record(record_dir, frozenset(), START, 3)
    _record(record_dir, frozenset({"n-plus-one"}), RESTART, 3)
    return record_dir


def test_a_replay_judges_each_poll_with_the_settings_of_its_recorder(tmp_path: Path) -> None:
    record_dir = _two_nights(tmp_path)
    before, after = "2026-12-05T03:02:30Z", "2026-12-05T03:05:30Z"
    assert "n-plus-one" in _codes(_hatui("--once", "--replay", "j", "--at", before, "--format", "json",
                                         cwd=tmp_path))  # fmt: skip
    assert "n-plus-one" not in _codes(_hatui("--once", "--replay", "j", "--at", after, "--format", "json",
                                             cwd=tmp_path))  # fmt: skip
    # The whole timeline, stepped through, says at every poll what its recorder said.
    with Journal.open(record_dir) as journal:
        timeline = Timeline(journal, journal_config(journal).cluster())
        for index, poll in enumerate(timeline.polls):
            health = timeline.state_at(index).health
            assert health is not None
            recorded = {p["code"] for p in journal.verdict_at(poll.id)[1]}
            assert {p.code for p in health.problems} == recorded, poll.at
        # The problem jump stops where the recorded problems changed: at the restart's first poll.
        restart = timeline.index_at(RESTART)
        assert timeline.next_mark(restart - 1, 1, "problem") == restart
    # hatui events lists what the recorders logged: n-plus-one appeared in the first night ("cannot
    # lose vnode3"); the second recorder ignores it from its start and it never cleared, so no
    # clearing is logged (the problem jump above is where the replay shows the change).
    events = json.loads(_hatui("events", "--replay", "j", "--format", "json", cwd=tmp_path).stdout)["events"]
    problems = [
        (e["kind"], e["subject"], e["at"] < RESTART.isoformat()) for e in events if "problem" in e["kind"]
    ]
    assert problems == [("problem-new", "vnode3", True)]


def test_an_older_journal_with_the_meta_key_only_replays_with_it(tmp_path: Path) -> None:
    record_dir = _two_nights(tmp_path)
    file = record_dir / "journal.sqlite"
    # As an older hatui left it: no table of changes, the latest settings in the meta key.
    db = sqlite3.connect(file)
    with db:
        db.execute("DROP TABLE health_settings")
    db.close()
    assert json.loads(_meta(file) or "{}")["ignore"] == ["n-plus-one"]
    for at in ("2026-12-05T03:02:30Z", "2026-12-05T03:05:30Z"):
        codes = _codes(_hatui("--once", "--replay", "j", "--at", at, "--format", "json", cwd=tmp_path))
        assert "n-plus-one" not in codes and "stonith-disabled" in codes, at
    # A newer recorder writing on keeps the older settings for the polls they judged.
    _record(record_dir, frozenset(), RESTART + timedelta(minutes=5), 1)
    with Journal.open(record_dir) as journal:
        history = recorded_history(journal)
        polls = journal.polls()
    assert history.starts[0] == 0 and history.at(polls[0].id) == HealthSettings(frozenset({"n-plus-one"}))
    assert history.at(polls[-1].id) == HealthSettings()


def test_settings_history_is_in_force_from_its_first_poll() -> None:
    a, b = HealthSettings(frozenset({"a"})), HealthSettings(frozenset({"b"}))
    history = SettingsHistory.from_rows([(5, b.to_json()), (1, a.to_json()), (9, "{damaged")])
    assert [history.at(p) for p in (0, 1, 4, 5, 8, 9, 100)] == [None, a, a, b, b, None, None]


def _hatui(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hatui", *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )


def _codes(result: subprocess.CompletedProcess[str]) -> set[str]:
    assert result.stdout, result.stderr
    return {p["code"] for p in json.loads(result.stdout)["health"]["problems"]}


def test_once_replay_of_a_journal_shows_the_recorders_verdict_without_its_config(tmp_path: Path) -> None:
    assert _hatui("capture", "--demo", "cap", cwd=tmp_path).returncode == 0
    live = _codes(_hatui("--once", "--replay", "cap", "--format", "json", cwd=tmp_path))
    assert {"n-plus-one", "drbd-syncing", "stonith-disabled"} <= live
    config = tmp_path / "site.yaml"
    config.write_text("clusters:\n  x:\n    nodes: [a]\nhealth:\n  ignore: [n-plus-one]\n")
    recorder = subprocess.Popen(
        [sys.executable, "-m", "hatui", "record", "--replay", "cap", "--config", str(config), "--dir", "j"],
        cwd=tmp_path,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # until it has written a poll of every node
            if Journal.is_journal(tmp_path / "j"):
                with Journal.open(tmp_path / "j") as journal:
                    if len({p.node for p in journal.polls()}) == 3:
                        break
            time.sleep(0.2)
        recorder.send_signal(signal.SIGTERM)
        assert recorder.wait(timeout=30) == 0
    finally:
        if recorder.poll() is None:
            recorder.kill()
            recorder.wait()
    replayed = _codes(_hatui("--once", "--replay", "j", "--format", "json", cwd=tmp_path))
    assert replayed == live - {"n-plus-one"}
    # --config adds its own ignored codes to the recorder's.
    more = tmp_path / "more.yaml"
    more.write_text("clusters:\n  x:\n    nodes: [a]\nhealth:\n  ignore: [drbd-syncing]\n")
    both = _hatui("--once", "--replay", "j", "--config", str(more), "--format", "json", cwd=tmp_path)
    assert _codes(both) == live - {"n-plus-one", "drbd-syncing"}
