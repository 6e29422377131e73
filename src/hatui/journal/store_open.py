"""Provides opening a journal file: where it is, making it owner-only, and SQLite's settings.

A journal may come from elsewhere (a colleague's recording), so every way a file can fail to be
one (missing, a directory without a journal, not SQLite, cut short, another program's database, a
newer schema) ends in one ``HatuiError`` line naming the file, never a traceback.
"""

from __future__ import annotations

import errno
import os
import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import quote

from hatui.errors import HatuiError
from hatui.journal.store_schema import create_tables, has_tables, journal_error, read_meta

#: Milliseconds a writer waits for another's transaction (a reader never blocks it in WAL mode).
BUSY_TIMEOUT_MS = 10_000
#: The write-ahead log's size past which it is checkpointed (and cut back to).
WAL_MAX_BYTES = 4 * 1024 * 1024


def looks_like_journal(path: Path, name: str) -> bool:
    """True for a directory holding ``name`` or a file that starts as SQLite files do, and for a
    path this user may not look into: opening it then says so (``journal_file``, ``connect``)
    instead of it being taken for something else."""
    try:
        if path.is_dir():
            return (path / name).is_file()
        with path.open("rb") as f:
            return f.read(16) == b"SQLite format 3\x00"
    except PermissionError:
        return True
    except OSError:
        return False


def _denied(path: Path, exc: OSError, *, create: bool) -> HatuiError:
    """One line for a journal this user may not read (or, a writer, not write)."""
    what = "write" if create else "read"
    return journal_error(path, f"cannot {what} the journal: {exc.strerror or exc} (as {acting_user()})")


def acting_user() -> str:
    """``user NAME`` (or ``uid N``) for an error line: who was refused."""
    import pwd

    uid = os.geteuid()
    try:
        return f"user {pwd.getpwuid(uid).pw_name}"
    except KeyError:
        return f"uid {uid}"


def journal_file(path: Path, name: str, *, create: bool) -> Path:
    """The database file that ``path`` names: ``path/name`` for a directory, else ``path`` itself.

    With ``create``, a missing directory is made owner-only (0700); a path ending in ``.sqlite``
    is taken as the file, anything else as the record directory.

    Raises:
        HatuiError: ``path`` is missing (without ``create``) or is a directory without a journal.
    """
    try:
        if path.is_dir():
            file = path / name
            if not file.exists() and not create:
                raise journal_error(path, f"not a journal: no {name} in this directory")
            return file
        if path.exists():
            return path
    except PermissionError as exc:  # a directory this user may not enter
        raise _denied(path, exc, create=create) from None
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


def _address(file: Path, *, create: bool) -> str:
    """The URI SQLite opens ``file`` by. A reader who may not write the journal's directory (a
    copy on a read-only disk, another user's recording) cannot make the index SQLite keeps beside
    it (``-shm``); with no write-ahead log there, no writer has it open, and the file is read as
    it is (``immutable``). With a log there, SQLite says it cannot read it, and ``connect`` says why.
    """
    uri = f"file:{quote(str(file.absolute()))}"
    writable = os.access(file.parent, os.W_OK | os.X_OK)
    if create or writable or file.with_name(file.name + "-wal").exists():
        return uri
    return f"{uri}?immutable=1"


def _check_access(file: Path, *, create: bool) -> None:
    """Raises PermissionError when this user may not read the journal (a writer: nor write it, nor
    its directory, where SQLite keeps the write-ahead log): SQLite would only say "unable to open
    database file", or fail each write later."""
    if not os.access(file, os.R_OK | (os.W_OK if create else 0)):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))
    if create and not os.access(file.parent, os.W_OK | os.X_OK):
        raise PermissionError(errno.EACCES, f"{os.strerror(errno.EACCES)}: its directory {file.parent}")


def connect(
    file: Path, *, create: bool, new_meta: dict[str, str], bounds: Any
) -> tuple[sqlite3.Connection, dict[str, str]]:
    """Opens ``file`` as a journal (laying one out in an empty or new file when ``create``).

    Returns:
        The connection (autocommit: the caller opens each transaction) and the meta table.

    Raises:
        HatuiError: see the module docstring.
    """
    try:
        if create and not file.exists() and not file.is_symlink():
            _lay_out_whole(file, new_meta)
        if create:
            _make_owner_only(file)
        elif not file.is_file():
            raise journal_error(file, "not a journal: not a regular file")
        _check_access(file, create=create)
    except PermissionError as exc:
        raise _denied(file, exc, create=create) from None
    try:
        db = sqlite3.connect(_address(file, create=create), uri=True, isolation_level=None,
                             check_same_thread=False, timeout=10.0)  # fmt: skip
    except sqlite3.Error as exc:
        raise journal_error(file, f"cannot open: {exc}") from exc
    try:
        meta = _prepare(db, file, create=create, new_meta=new_meta, bounds=bounds)
    except sqlite3.DatabaseError as exc:
        db.close()
        if not create and not os.access(file.parent, os.W_OK | os.X_OK):
            why = f"SQLite needs to write beside it and {acting_user()} may not write {file.parent}"
            raise journal_error(file, f"cannot read the journal: {why} (copy it somewhere writable)") from exc
        raise journal_error(file, f"not a journal, or a damaged one: {exc}") from exc
    except BaseException:
        db.close()
        raise
    return db, meta


def _lay_out_whole(file: Path, new_meta: dict[str, str]) -> None:
    """Makes a new journal beside ``file`` and only then links it into place, so no reader ever
    finds the empty database that SQLite starts from (a console or ``--once`` opening the journal
    of a recorder just started would call that "not a hatui journal"). Closing the only
    connection folds the write-ahead log into the file, so the linked file is whole. When another
    writer got there first, its journal is kept and this one is dropped."""
    spare = file.with_name(f".{file.name}.{os.getpid()}.new")
    _make_owner_only(spare)
    try:
        try:
            db = sqlite3.connect(str(spare), isolation_level=None, timeout=10.0)
        except sqlite3.Error as exc:
            raise journal_error(file, f"cannot create the journal: {exc}") from exc
        try:
            _lay_out(db, new_meta)
        except sqlite3.Error as exc:
            raise journal_error(file, f"cannot create the journal: {exc}") from exc
        finally:
            db.close()
        # A log left beside a deleted journal would be replayed into this one (its frames are
        # only checked against its own header): without its database it holds nothing to keep.
        for stale in (file.with_name(file.name + "-wal"), file.with_name(file.name + "-shm")):
            if not file.exists():
                stale.unlink(missing_ok=True)
        try:
            os.link(spare, file)
        except FileExistsError:
            pass
        except OSError as exc:
            raise journal_error(file, f"cannot create the journal: {exc.strerror or exc}") from exc
    finally:
        for leftover in (spare, spare.with_name(spare.name + "-wal"), spare.with_name(spare.name + "-shm")):
            leftover.unlink(missing_ok=True)


def _lay_out(db: sqlite3.Connection, new_meta: dict[str, str]) -> None:
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


def _prepare(
    db: sqlite3.Connection, file: Path, *, create: bool, new_meta: dict[str, str], bounds: Any
) -> dict[str, str]:
    db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    any_table, is_journal = has_tables(db)
    if not is_journal:
        if any_table or not create:
            raise journal_error(file, "not a hatui journal (an SQLite database without its tables)")
        _lay_out(db, new_meta)  # an empty file made by hand, or by a hatui before the one below
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
