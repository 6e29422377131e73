"""A replay judges with the health settings the recorder had: the recorder keeps them in the journal
(ignored codes, ``vm_disks``, the snapshot threshold), ``journal_config`` gives them back, and
``hatui --once --replay JOURNAL`` without ``--config`` shows the recorder's verdict."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from hatui.clock import FrozenClock
from hatui.config import ClusterConfig, NodeConfig
from hatui.config_backup import BackupConfig
from hatui.journal.health_settings import HEALTH_KEY, HealthSettings
from hatui.journal.listener import JournalListener
from hatui.journal.store import Journal
from hatui.journal.timeline_find import journal_config
from hatui.model.backup_rule import SnapshotRule
from hatui.model.capture import NodeCapture
from hatui.model.report import NodeReport
from hatui.watch.state import ClusterState

START = datetime(2026, 12, 5, 3, 0, tzinfo=UTC)


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


def test_the_recorder_keeps_its_settings_and_the_replay_config_judges_with_them(tmp_path: Path) -> None:
    record_dir = tmp_path / "j"
    _poll_once(record_dir, _cluster(60.0, {"web": ("r0",)}), frozenset({"n-plus-one"}), START)
    with Journal.open(record_dir) as journal:
        config = journal_config(journal)
    cluster = config.cluster()
    assert config.health_ignore == {"n-plus-one"}
    assert dict(cluster.vm_disks) == {"web": ("r0",)}
    assert cluster.backup.rule == SnapshotRule(20.0, 256.0, 60.0)
    assert cluster.mode == "read-only"

    # Started again with other settings: the journal holds the new ones (the replay judges with them).
    _poll_once(record_dir, _cluster(80.0, {}), frozenset({"stonith-disabled"}), START.replace(minute=5))
    with Journal.open(record_dir) as journal:
        config = journal_config(journal)
        stored = json.loads(journal.meta_value(HEALTH_KEY) or "{}")
    assert config.health_ignore == {"stonith-disabled"}
    assert dict(config.cluster().vm_disks) == {}
    assert stored["snapshot"]["warn_percent"] == 80.0


def test_a_journal_without_settings_is_judged_without_them(tmp_path: Path) -> None:
    # A journal of an older hatui (or settings damaged by hand): no codes ignored, default rules.
    with Journal.open(tmp_path / "old", create=True, cluster="prod") as journal:
        journal.write_poll(NodeCapture("n1", collected_at=START), status="OK", problems=[], events=[])
        journal.set_meta_value(HEALTH_KEY, "{damaged")
        config = journal_config(journal)
    assert config.health_ignore == frozenset()
    assert config.cluster() == replace(config.cluster(), vm_disks={}, backup=BackupConfig())


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
