"""A journal the user may not write (``hatui record``) or read (``--replay``, ``hatui events``): one
``journal:`` line naming the path and exit 3, never a traceback. Each hatui runs as a real process
as the user ``nobody`` (root here would be let through by its privileges); the journals are root's.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from hatui.journal.store import Journal
from hatui.model.capture import NodeCapture
from hatui.model.events import ClusterEvent, EventKind

SETPRIV = shutil.which("setpriv")
pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or SETPRIV is None, reason="needs root to run hatui as another user (setpriv)"
)
AS_NOBODY = ("--reuid", "nobody", "--regid", "nogroup", "--clear-groups")
AT = datetime(2026, 12, 5, 3, 0, tzinfo=UTC)


@pytest.fixture
def base() -> Iterator[Path]:
    # Not under pytest's tmp_path: that is root's own (0700), and nobody could not reach anything.
    path = Path(tempfile.mkdtemp(prefix="hatui-perm-", dir="/tmp"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path)


def _journal(record_dir: Path) -> Path:
    """A root-owned journal (as ``hatui record`` makes it: directory 0700, file 0600)."""
    with Journal.open(record_dir, create=True, cluster="prod") as journal:
        event = ClusterEvent(AT, EventKind.NODE_UNREACHABLE, "n1", "n1", "connection refused", "critical")
        journal.write_poll(NodeCapture("n1", unreachable="connection refused", collected_at=AT),
                           status="CRITICAL", problems=[], events=[event])  # fmt: skip
    return record_dir


def _as_nobody(base: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert SETPRIV is not None
    env = {**os.environ, "HOME": str(base), "XDG_STATE_HOME": str(base / "state")}
    return subprocess.run(
        [SETPRIV, *AS_NOBODY, sys.executable, "-m", "hatui", *args],
        cwd="/",
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def _one_journal_line(result: subprocess.CompletedProcess[str], *words: str) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("journal: "), lines[0]
    assert "Traceback" not in result.stderr
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


def test_nobody_really_is_nobody(base: Path) -> None:
    # The premise of the other tests: the child runs without root's privileges.
    r = _as_nobody(base, "--version")
    assert r.returncode == 0, r.stderr
    assert pwd.getpwnam("nobody").pw_uid != 0


def test_record_where_the_user_may_not_write_is_one_line_and_exit_3(base: Path) -> None:
    (base / "ro").mkdir(mode=0o755)  # root's, not writable for nobody
    r = _as_nobody(base, "record", "--demo", "--dir", str(base / "ro" / "j"))
    assert r.returncode == 3
    _one_journal_line(r, str(base / "ro" / "j"), "Permission denied", "(as user nobody)")

    _journal(base / "theirs")  # another user's recording (0700)
    r = _as_nobody(base, "record", "--demo", "--dir", str(base / "theirs"))
    assert r.returncode == 3
    _one_journal_line(r, str(base / "theirs"), "Permission denied", "(as user nobody)")


def test_record_into_a_journal_file_the_user_may_not_write_is_refused_at_once(base: Path) -> None:
    # The directory is open to all, the journal in it is root's and read-only for others: without
    # the check at open, every poll's write would fail while the recorder ran on.
    shared = base / "shared"
    _journal(shared)
    shared.chmod(0o777)
    (shared / "journal.sqlite").chmod(0o644)
    r = _as_nobody(base, "record", "--demo", "--dir", str(shared))
    assert r.returncode == 3
    _one_journal_line(r, "cannot write the journal", "Permission denied", "nobody")


@pytest.mark.parametrize(
    "args",
    [
        ("--once", "--replay", "{j}"),
        ("--once", "--replay", "{j}/journal.sqlite"),
        ("events", "--replay", "{j}"),
        ("events", "--replay", "{j}/journal.sqlite", "--format", "json"),
        ("--replay", "{j}"),  # the console: refused before it starts
    ],
)
def test_a_journal_the_user_may_not_read_is_one_line_and_exit_3(base: Path, args: tuple[str, ...]) -> None:
    j = _journal(base / "theirs")
    r = _as_nobody(base, *(a.format(j=j) for a in args))
    assert r.returncode == 3
    assert r.stdout == ""
    _one_journal_line(r, "cannot read the journal", "Permission denied", "nobody")


def test_a_readable_copy_in_a_directory_the_user_may_not_write_is_read(base: Path) -> None:
    # A colleague's journal copied to a read-only place: SQLite cannot make its index beside it,
    # and no writer has it open, so it is read as it is.
    copy = base / "copy"
    _journal(copy)
    copy.chmod(0o755)
    (copy / "journal.sqlite").chmod(0o644)
    r = _as_nobody(base, "events", "--replay", str(copy))
    assert r.returncode == 0, r.stderr
    assert "node-unreachable" in r.stdout and "connection refused" in r.stdout
    # With a write-ahead log beside it (a writer may have it open) it cannot be read that way.
    (copy / "journal.sqlite-wal").touch()
    r = _as_nobody(base, "events", "--replay", str(copy))
    assert r.returncode == 3
    _one_journal_line(r, "cannot read the journal", "copy it somewhere writable")
