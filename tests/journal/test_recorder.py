"""``hatui record`` as a real process: it records the demo, stops cleanly on SIGTERM, survives
``kill -9`` with a readable journal, and refuses a second recorder on the same journal."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from hatui.journal.recorder import default_dir, parse_size
from hatui.journal.store import Journal
from support.waiting import wait_until

DEMO_NODES = {"vnode1", "vnode2", "vnode3"}


class Running:
    """A ``hatui`` process with its stderr in a file."""

    def __init__(self, tmp_path: Path, *args: str) -> None:
        self.err_path = tmp_path / f"stderr-{time.monotonic_ns()}.txt"
        self.env = {**os.environ, "XDG_STATE_HOME": str(tmp_path / "state")}
        with self.err_path.open("w") as err:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "hatui", *args],
                stdout=subprocess.DEVNULL,
                stderr=err,
                env=self.env,
            )

    @property
    def stderr(self) -> str:
        return self.err_path.read_text()

    def stop(self, sig: int = signal.SIGTERM) -> int:
        self.proc.send_signal(sig)
        return self.proc.wait(timeout=30)

    def end(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=30)


@pytest.fixture
def start(tmp_path: Path) -> Iterator[Callable[..., Running]]:
    running: list[Running] = []

    def run(*args: str) -> Running:
        r = Running(tmp_path, *args)
        running.append(r)
        return r

    yield run
    for r in running:
        r.end()


def wait_started(rec: Running) -> None:
    """Until the recorder says it records: from then on SIGTERM is its clean stop."""
    wait_until(lambda: "recording demo" in rec.stderr, "the recorder started")


def polled_nodes(journal_dir: Path) -> set[str]:
    """The nodes with a poll in the journal (read beside the writer, as a timeline would)."""
    if not Journal.is_journal(journal_dir):
        return set()
    journal = Journal.open(journal_dir)
    try:
        return {p.node for p in journal.polls()}
    finally:
        journal.close()


def integrity(journal_dir: Path) -> str:
    with sqlite3.connect(journal_dir / "journal.sqlite") as db:
        return str(db.execute("PRAGMA integrity_check").fetchone()[0])


def test_record_demo_until_sigterm_then_exit_0(tmp_path: Path, start: Callable[..., Running]) -> None:
    rec = start("record", "--demo", "--max-size", "64M", "--max-age", "2d")
    journal_dir = tmp_path / "state" / "hatui" / "journal" / "demo"  # the default: $XDG_STATE_HOME/...
    wait_started(rec)
    wait_until(lambda: polled_nodes(journal_dir) == DEMO_NODES, "a poll of every demo node")
    assert rec.stop() == 0, rec.stderr
    assert "stopped:" in rec.stderr
    assert "Traceback" not in rec.stderr
    assert integrity(journal_dir) == "ok"
    journal = Journal.open(journal_dir)
    assert journal.cluster == "demo"
    polls = journal.polls()
    assert {p.node for p in polls} == DEMO_NODES
    assert all(journal.capture(p.id).node == p.node for p in polls)
    assert polls[-1].status in ("OK", "WARNING")
    journal.close()
    assert oct(journal_dir.stat().st_mode & 0o777) == oct(0o700)


def test_kill_9_leaves_a_readable_journal_and_a_free_lock(
    tmp_path: Path, start: Callable[..., Running]
) -> None:
    journal_dir = tmp_path / "j"
    for round_ in range(3):
        rec = start("record", "--demo", "--dir", str(journal_dir))
        wait_started(rec)
        before = len(Journal.open(journal_dir).polls()) if round_ else 0
        wait_until(lambda b=before: len(Journal.open(journal_dir).polls()) >= b + 4, "four more polls")
        assert rec.stop(signal.SIGKILL) == -signal.SIGKILL
        assert integrity(journal_dir) == "ok"
        journal = Journal.open(journal_dir)
        polls = journal.polls()
        assert len(polls) >= before + 4
        assert {c.node for c in journal.captures_at(polls[-1].id)} <= DEMO_NODES
        journal.close()
    # The lock died with the killed process: a recorder starts and stops cleanly on the journal.
    rec = start("record", "--demo", "--dir", str(journal_dir))
    wait_started(rec)
    assert rec.stop() == 0, rec.stderr


def test_a_second_recorder_on_one_journal_is_refused(tmp_path: Path, start: Callable[..., Running]) -> None:
    journal_dir = tmp_path / "j"
    first = start("record", "--demo", "--dir", str(journal_dir))
    wait_started(first)
    second = subprocess.run(
        [sys.executable, "-m", "hatui", "record", "--demo", "--dir", str(journal_dir)],
        capture_output=True,
        text=True,
        timeout=60,
        env=first.env,
        check=False,
    )
    assert second.returncode == 3
    assert "being recorded by another hatui" in second.stderr
    assert f"pid {first.proc.pid}" in second.stderr
    assert "Traceback" not in second.stderr
    # Nor does a console record into it: refused before the screen opens.
    console = subprocess.run(
        [sys.executable, "-m", "hatui", "--demo", "--record", str(journal_dir)],
        capture_output=True,
        text=True,
        timeout=60,
        env=first.env,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    assert console.returncode == 3
    assert "being recorded by another hatui" in console.stderr
    assert first.proc.poll() is None
    assert first.stop() == 0


@pytest.mark.parametrize(
    "args",
    [
        ("record", "--demo", "--max-size", "lots"),
        ("record", "--demo", "--max-age", "0"),
        ("--record", "/tmp/x", "record", "--demo"),
    ],
)
def test_bad_record_options_are_usage_errors(args: tuple[str, ...]) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "hatui", *args], capture_output=True, text=True, timeout=60, check=False
    )
    assert out.returncode == 2
    assert "usage:" in out.stderr


def test_default_dir_follows_xdg_state_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    assert default_dir("ref") == tmp_path / "hatui" / "journal" / "ref"
    monkeypatch.delenv("XDG_STATE_HOME")
    assert default_dir("ref") == Path.home() / ".local" / "state" / "hatui" / "journal" / "ref"


def test_sizes() -> None:
    assert parse_size("500M") == 500 * 1024**2
    assert parse_size("2GiB") == 2 * 1024**3
    assert parse_size("1.5g") == int(1.5 * 1024**3)
    assert parse_size("4096") == 4096
    for bad in ("", "-1M", "0", "12 parsecs", "1e9"):
        with pytest.raises(ValueError, match="expected a size"):
            parse_size(bad)


def test_the_recorder_never_imports_textual() -> None:
    code = (
        "import sys, hatui.cli, hatui.journal.recorder, hatui.journal.listener, hatui.watch.listeners\n"
        "from hatui.cli import build_parser\n"
        "build_parser().parse_args(['record', '--demo'])\n"
        "assert not [m for m in sys.modules if m == 'textual' or m.startswith('textual.')], 'textual'\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert out.returncode == 0, out.stderr
