"""The flight recorder on the lab: ``hatui record`` over SSH while the node running a VM is killed
and booted again; the journal reads back the night in the order it happened."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from hatui.journal.store import Journal, JournalEvent

from .harness import Lab
from .watching import report

pytestmark = pytest.mark.lab


def _until(what: str, predicate: Callable[[], bool], within: float) -> float:
    """Waits until ``predicate`` holds; returns when (monotonic). Fails the test after ``within`` s."""
    deadline = time.monotonic() + within
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"not recorded within {within:g}s: {what}")
        time.sleep(0.2)
    return time.monotonic()


def _events(journal_dir: Path, since: datetime) -> list[JournalEvent]:
    if not Journal.is_journal(journal_dir):
        return []
    journal = Journal.open(journal_dir)
    try:
        return journal.events(since=since)
    finally:
        journal.close()


def _first(events: list[JournalEvent], kinds: set[str], subject: str, node: str | None = None) -> int | None:
    """The index of the first event of one of ``kinds`` about ``subject`` (on ``node``), or None."""
    return next(
        (
            i
            for i, e in enumerate(events)
            if e.kind in kinds and e.subject == subject and (node is None or e.node == node)
        ),
        None,
    )


def test_record_the_kill_node_drill(healthy_lab: Lab, tmp_path: Path) -> None:
    lab = healthy_lab
    vm = lab.vms["vm1"]
    victim, survivor = vm.home, vm.spare
    journal_dir = tmp_path / "journal"
    err_path = tmp_path / "recorder.stderr"
    env = {**os.environ, "XDG_STATE_HOME": str(tmp_path / "state")}
    argv = [
        sys.executable,
        "-m",
        "hatui",
        "record",
        "--config",
        str(lab.config_path),
        "--dir",
        str(journal_dir),
    ]
    with err_path.open("w") as err:
        rec = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=err, env=env)
    down = {"node-unreachable", "node-offline"}
    moved = {"resource-moved", "resource-started"}
    back = {"node-reachable", "node-online"}
    try:
        _until("the recorder started", lambda: "recording lab" in err_path.read_text(), 30)

        def every_node_polled() -> bool:
            if not Journal.is_journal(journal_dir):
                return False
            with Journal.open(journal_dir) as journal:
                return {p.node for p in journal.polls() if p.reachable} == set(lab.nodes)

        _until("a poll of every node", every_node_polled, 30)
        t0 = datetime.now(UTC)
        m0 = time.monotonic()
        lab.kill(victim)
        seen = _until(
            f"{vm.name} on {survivor}",
            lambda: _first(_events(journal_dir, t0), moved, vm.name, survivor) is not None,
            60,
        )
        report(f"kill {victim}: {vm.name} on {survivor} in the journal", seen - m0)
        lab.restart(victim)
        seen = _until(
            f"{victim} back",
            lambda: _first(_events(journal_dir, t0), back, victim) is not None,
            60,
        )
        report(f"restart {victim}: back in the journal", seen - m0)

        def victim_answers() -> bool:
            # "back" may be the survivors' Pacemaker seeing it online before its own sshd is up.
            with Journal.open(journal_dir) as journal:
                mine = [p for p in journal.polls(since=t0) if p.node == victim]
            return bool(mine) and mine[-1].reachable

        _until(f"{victim} answering its polls again", victim_answers, 60)
        rec.send_signal(signal.SIGTERM)
        assert rec.wait(timeout=30) == 0, err_path.read_text()
    finally:
        if rec.poll() is None:
            rec.kill()
            rec.wait(timeout=30)
        if not lab.alive(victim):
            lab.restart(victim)

    stderr = err_path.read_text()
    assert "Traceback" not in stderr
    assert f"node-unreachable {victim}" in stderr  # the recorder's own log line for the change
    events = _events(journal_dir, t0)
    lost = _first(events, down, victim)
    took_over = _first(events, moved, vm.name, survivor)
    returned = _first(events, back, victim)
    order = [(e.kind, e.subject, e.node) for e in events]
    assert lost is not None and took_over is not None and returned is not None, order
    assert lost < took_over < returned, order
    with Journal.open(journal_dir) as journal:
        polls = journal.polls(since=t0)
        assert any(p.node == victim and not p.reachable for p in polls)
        assert "CRITICAL" in {p.status for p in polls}, [(p.node, p.reachable, p.status) for p in polls]
        last = {p.node: p for p in polls}
        assert last[victim].reachable  # the last poll of the victim: booted again
        counts = {node: sum(p.node == node for p in polls) for node in lab.nodes}
        print(f"\n[lab record] polls per node from the kill to the end: {counts}")
