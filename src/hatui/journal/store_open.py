"""Provides opening a journal file: where it is, making it owner-only, and SQLite's settings.

A journal may come from elsewhere (a colleague's recording), so every way a file can fail to be
one (missing, a directory without a journal, not SQLite, cut short, another program's database, a
newer schema) ends in one ``HatuiError`` line naming the file, never a traceback.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any

from hatui.journal.store_schema import create_tables, has_tables, journal_error, read_meta

#: Milliseconds a writer waits for another's transaction (a reader never blocks it in WAL mode).
BUSY_TIMEOUT_MS = 10_000
#: The write-ahead log's size past which it is checkpointed (and cut back to).
WAL_MAX_BYTES = 4 * 1024 * 1024


def journal_file(path: Path, name: str, *, create: bool) -> Path:
    """The database file that ``path`` names: ``path/name`` for a directory, else ``path`` itself.

    With ``create``, a missing directory is made owner-only (0700); a path ending in ``.sqlite``
    is taken as the file, anything else as the record directory.

    Raises:
        HatuiError: ``path`` is missing (without ``create``) or is a directory without a journal.
    """
    if path.is_dir():
        file = path / name
        if not file.exists() and not create:
            raise journal_error(path, f"not a journal: no {name} in this directory")
        return file
    if path.exists():
        return path
    if not create:
        raise journal_error(path, "no such journal")
    directory, file = (path.parent, path) if path.suffix == ".sqlite" else (path, path / name)
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise journal_error(directory, f"cannot make the journal directory: {exc.strerror or exc}") from exc
    return file


def _make_owner_only(file: Path) -> None:
    """Creates the empty database file 0600 before SQLite opens it: SQLite then gives its -wal and
    -shm files the same mode. Never follows a symlink planted where the file should be."""
    try:
        fd = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    except FileExistsError:
        if file.is_symlink():
            raise journal_error(file, "is a symbolic link: a journal is never written through one") from None
        return
    except OSError as exc:
        raise journal_error(file, f"cannot create the journal: {exc.strerror or exc}") from exc
    os.close(fd)


def connect(
    file: Path, *, create: bool, new_meta: dict[str, str], bounds: Any
) -> tuple[sqlite3.Connection, dict[str, str]]:
    """Opens ``file`` as a journal (laying one out in an empty or new file when ``create``).

    Returns:
        The connection (autocommit: the caller opens each transaction) and the meta table.

    Raises:
        HatuiError: see the module docstring.
    """
    if create:
        _make_owner_only(file)
    elif not file.is_file():
        raise journal_error(file, "not a journal: not a regular file")
    try:
        db = sqlite3.connect(str(file), isolation_level=None, check_same_thread=False, timeout=10.0)
    except sqlite3.Error as exc:
        raise journal_error(file, f"cannot open: {exc}") from exc
    try:
        meta = _prepare(db, file, create=create, new_meta=new_meta, bounds=bounds)
    except sqlite3.DatabaseError as exc:
        db.close()
        raise journal_error(file, f"not a journal, or a damaged one: {exc}") from exc
    except BaseException:
        db.close()
        raise
    return db, meta


def _prepare(
    db: sqlite3.Connection, file: Path, *, create: bool, new_meta: dict[str, str], bounds: Any
) -> dict[str, str]:
    db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    any_table, is_journal = has_tables(db)
    if not is_journal:
        if any_table or not create:
            raise journal_error(file, "not a hatui journal (an SQLite database without its tables)")
        # Incremental vacuum must be chosen before the first table: it lets pruning give pages
        # back to the file system, so the bound holds on disk and not only inside the file.
        db.execute("PRAGMA auto_vacuum = INCREMENTAL")
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("BEGIN IMMEDIATE")
        try:
            if not has_tables(db)[1]:  # another process may have laid it out meanwhile
                create_tables(db, new_meta)
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
    meta = read_meta(db, file)
    if create or os.access(file, os.W_OK):
        _writer_settings(db, bounds)
    return meta


def _writer_settings(db: sqlite3.Connection, bounds: Any) -> None:
    # FULL: each poll's commit is on disk (the log is fsynced) before write_poll returns, so a
    # power cut, not only a killed process, loses at most the poll being written; the night the
    # site lost power is the one the journal is read for. One fsync per poll of a node (a few a
    # second at most) is cheap; NORMAL would only sync at checkpoints.
    db.execute("PRAGMA synchronous = FULL")
    # Keep the log small: SQLite's usual 4 MiB (1,000 pages), less for a small bound (a sixteenth
    # of it); checkpoint after that many pages, and cut the file back to that size after each.
    page = int(db.execute("PRAGMA page_size").fetchone()[0])
    wal_bytes = max(64 * 1024, min(WAL_MAX_BYTES, int(bounds.max_bytes) // 16))
    db.execute(f"PRAGMA wal_autocheckpoint = {max(16, wal_bytes // page)}")
    db.execute(f"PRAGMA journal_size_limit = {wal_bytes}")
