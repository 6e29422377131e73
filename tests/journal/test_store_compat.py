"""A journal from a later hatui, and files that are not journals: read what can be read, refuse the
rest with one HatuiError line naming the file, never a traceback."""

from __future__ import annotations

import os
import sqlite3
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from hatui.errors import HatuiError
from hatui.journal.store import JOURNAL_FILE, SCHEMA, Journal
from hatui.model.capture import NodeCapture

T0 = datetime(2026, 12, 5, 3, 0, tzinfo=UTC)


def _poll(node: str, seq: int) -> NodeCapture:
    text = "".join(f"dom{i} {seq * 7919 % 10007 + i}\n" for i in range(200))
    return NodeCapture(
        node,
        outputs={"xentop": text, "xm_list": f"Name ID\nDomain-0 0 {seq}\n"},
        collected_at=T0 + timedelta(seconds=seq),
    )


def _journal(path: Path, polls: int = 3) -> Path:
    with Journal.open(path, create=True, cluster="demo") as j:
        for seq in range(polls):
            j.write_poll(_poll(f"n{seq % 3}", seq), status="OK", problems=[], events=[])
    return path / JOURNAL_FILE


def _sql(file: Path, *statements: str) -> None:
    db = sqlite3.connect(file)
    with db:
        for s in statements:
            db.execute(s)
    db.close()


def _read_everything(path: Path) -> HatuiError | None:
    """Reads every poll, verdict and event; returns the HatuiError that stopped it (any other
    exception fails the test)."""
    try:
        with Journal.open(path) as j:
            for p in j.polls():
                j.capture(p.id)
                j.verdict_at(p.id)
            j.events()
    except HatuiError as exc:
        return exc
    return None


def test_a_later_minor_version_with_more_tables_and_columns_is_read_and_written(tmp_path: Path) -> None:
    file = _journal(tmp_path)
    _sql(
        file,
        "UPDATE meta SET value = 'hatui.journal/1.4' WHERE key = 'schema'",
        "INSERT INTO meta (key, value) VALUES ('compression', 'zlib')",
        "CREATE TABLE annotations (poll_id INTEGER, text TEXT)",
        "ALTER TABLE polls ADD COLUMN duration_ms REAL",
        "ALTER TABLE events ADD COLUMN acknowledged_by TEXT DEFAULT NULL",
        "ALTER TABLE blobs ADD COLUMN codec TEXT NOT NULL DEFAULT 'zlib'",
    )
    with Journal.open(tmp_path, create=True, cluster="demo") as j:
        assert j.schema == "hatui.journal/1.4"
        new = j.write_poll(_poll("n0", 99), status="WARNING", problems=[], events=[])
        assert j.capture(new) == _poll("n0", 99)
        assert [p.status for p in j.polls()] == ["OK", "OK", "OK", "WARNING"]
        assert j.capture(1) == _poll("n0", 0)


def test_a_newer_major_version_is_refused_naming_both(tmp_path: Path) -> None:
    file = _journal(tmp_path)
    _sql(
        file,
        "UPDATE meta SET value = 'hatui.journal/2' WHERE key = 'schema'",
        "UPDATE meta SET value = '3.1.0' WHERE key = 'hatui_version'",
    )
    with pytest.raises(HatuiError) as err:
        Journal.open(tmp_path)
    assert err.value.title == "journal"
    assert str(err.value) == (
        f"{file}: written by hatui 3.1.0 with hatui.journal/2; this hatui reads {SCHEMA}: use a newer hatui"
    )


@pytest.mark.parametrize(
    ("setup", "says"),
    [
        (lambda p: p.mkdir(), "not a journal: no journal.sqlite in this directory"),
        (lambda p: None, "no such journal"),
        (lambda p: p.write_text("node1 Online\n" * 100), "not a journal"),
        (lambda p: p.write_bytes(b"SQLite format 3\x00" + os.urandom(8192)), "not a journal"),
        (lambda p: p.write_bytes(b""), "not a hatui journal"),
        (lambda p: _sql(p, "CREATE TABLE users (name TEXT)"), "not a hatui journal"),
        (
            lambda p: _sql(
                p,
                "CREATE TABLE meta (key TEXT, value TEXT)",
                "INSERT INTO meta VALUES ('schema', 'firefox/3')",
            ),
            "not a hatui journal",
        ),
    ],
    ids=[
        "dir-without-journal",
        "missing",
        "text-file",
        "sqlite-header-then-garbage",
        "empty-file",
        "other-database",
        "other-meta",
    ],
)
def test_what_is_not_a_journal_is_one_line(tmp_path: Path, setup, says: str) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "x"
    setup(target)
    with pytest.raises(HatuiError, match=says) as err:
        Journal.open(target)
    assert str(target) in str(err.value)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("keep", [0.9, 0.5, 0.2, 0.05])
def test_a_cut_short_journal_is_one_line_never_a_traceback(tmp_path: Path, keep: float) -> None:
    """A copy cut short (a full disk, a partial scp): whatever still reads is read, the rest is a
    HatuiError naming the file."""
    file = _journal(tmp_path, polls=300)
    size = file.stat().st_size
    assert not file.with_name(JOURNAL_FILE + "-wal").exists()  # closed: all in the file
    with file.open("r+b") as f:
        f.truncate(int(size * keep))
    err = _read_everything(tmp_path)
    assert err is None or (str(file) in str(err) and "\n" not in str(err))


def test_damaged_pages_are_one_line_never_a_traceback(tmp_path: Path) -> None:
    file = _journal(tmp_path, polls=300)
    data = bytearray(file.read_bytes())
    for offset in range(4096 * 3, len(data), 4096 * 5):  # every fifth page overwritten
        data[offset : offset + 4096] = os.urandom(4096)
    file.write_bytes(bytes(data))
    err = _read_everything(tmp_path)
    assert err is not None
    assert str(file) in str(err)


def test_a_reader_sees_what_a_writer_adds_meanwhile(tmp_path: Path) -> None:
    _journal(tmp_path, polls=1)
    with Journal.open(tmp_path, create=True, cluster="demo") as writer, Journal.open(tmp_path) as reader:
        assert len(reader.polls()) == 1
        writer.write_poll(replace(_poll("n1", 1)), status="CRITICAL", problems=[], events=[])
        assert [p.status for p in reader.polls()] == ["OK", "CRITICAL"]


def test_a_log_left_by_a_deleted_journal_is_not_replayed_into_a_new_one(tmp_path: Path) -> None:
    """An admin deletes journal.sqlite after a crash and records again: the old -wal beside it
    (SQLite ignores a log beside a file that is not yet in WAL mode) must not leak old polls."""
    file = tmp_path / JOURNAL_FILE
    wal = file.with_name(JOURNAL_FILE + "-wal")
    with Journal.open(tmp_path, create=True, cluster="old") as j:
        j.write_poll(_poll("n1", 1), status="OK", problems=[], events=[])
        j._db.execute("PRAGMA wal_checkpoint(PASSIVE)")
        j.write_poll(_poll("n1", 2), status="OK", problems=[], events=[])
        left = wal.read_bytes()  # as a crash leaves it, polls not yet in the file
    assert left
    file.unlink()
    wal.write_bytes(left)
    with Journal.open(tmp_path, create=True, cluster="new") as j:
        assert j.cluster == "new"
        assert j.polls() == []
        j.write_poll(_poll("n1", 3), status="OK", problems=[], events=[])
    with sqlite3.connect(file) as db:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]


def test_a_reader_never_finds_a_journal_half_made(tmp_path: Path) -> None:
    """A console or ``--once`` opening the journal of a recorder that is just starting: the file
    appears only once it is a journal, so the reader never calls it "not a hatui journal"."""
    import threading
    import time

    for n in range(20):
        where = tmp_path / f"r{n}"
        made = threading.Event()

        def write(where: Path = where, made: threading.Event = made) -> None:
            with Journal.open(where, create=True, cluster="demo"):
                made.set()

        writer = threading.Thread(target=write)
        writer.start()
        try:
            while not Journal.is_journal(where):
                if made.is_set() or not writer.is_alive():
                    break
                time.sleep(0)  # lets the writer run
            with Journal.open(where) as reader:  # raises HatuiError on a half-made journal
                assert reader.cluster == "demo"
        finally:
            writer.join()
    assert not [p.name for p in tmp_path.rglob(".*.new*")]  # no spare file left behind
