"""Provides pruning: the oldest polls go first, until the journal is within its age and size bounds.

Size is what the disk holds: the database file plus its write-ahead log. Pruning aims the
database at three quarters of ``max_bytes``; the log is kept under a sixteenth (checkpoints,
``hatui.journal.store_open``), and the rest is room for the polls written until the next prune.
Outputs, captures and verdicts that no remaining poll points at are dropped with their last poll,
and the freed pages are given back to the file system (incremental vacuum), then the log is
checkpointed and truncated.
"""

from __future__ import annotations

import sqlite3
from typing import Any

#: The share of ``max_bytes`` the database is pruned down to.
TARGET_SHARE = 0.75
#: The share of the polls dropped per round while over the size bound.
ROUND_SHARE = 0.05


def prune_journal(db: sqlite3.Connection, bounds: Any, now: float) -> int:
    """Prunes ``db`` (see the module docstring); returns how many polls were dropped."""
    oldest = now - float(bounds.max_age_s)
    last = db.execute("SELECT MAX(id) FROM polls WHERE at < ?", (oldest,)).fetchone()[0]
    dropped = _in_tx(db, lambda: _drop_through(db, last or 0, oldest))
    target = int(bounds.max_bytes * TARGET_SHARE)
    while _db_bytes(db) > target:
        count = int(db.execute("SELECT COUNT(*) FROM polls").fetchone()[0])
        if count <= 1:
            break
        step = max(1, int(count * ROUND_SHARE))
        last = db.execute("SELECT id FROM polls ORDER BY id LIMIT 1 OFFSET ?", (step - 1,)).fetchone()
        dropped += _in_tx(db, lambda last_id=int(last[0]): _drop_through(db, last_id))
    if dropped:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return dropped


def _in_tx(db: sqlite3.Connection, work: Any) -> int:
    db.execute("BEGIN IMMEDIATE")
    try:
        n = int(work())
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    if n:
        db.execute("PRAGMA incremental_vacuum")
    return n


def _drop_through(db: sqlite3.Connection, last_id: int, event_cut: float | None = None) -> int:
    """Drops the polls up to ``last_id`` with their events, the events (actions included) older
    than ``event_cut`` (default: the first poll kept), and what only they used."""
    n = db.execute("DELETE FROM polls WHERE id <= ?", (last_id,)).rowcount
    db.execute("DELETE FROM events WHERE poll_id <= ?", (last_id,))
    if event_cut is None:
        event_cut = db.execute("SELECT MIN(at) FROM polls").fetchone()[0]
    if event_cut is not None:
        db.execute("DELETE FROM events WHERE at < ?", (event_cut,))
    if n:
        db.execute("DELETE FROM verdicts WHERE id NOT IN (SELECT verdict_id FROM polls)")
        db.execute("DELETE FROM captures WHERE id NOT IN (SELECT capture_id FROM polls)")
        db.execute("DELETE FROM capture_outputs WHERE capture_id NOT IN (SELECT id FROM captures)")
        db.execute("DELETE FROM blobs WHERE id NOT IN (SELECT blob_id FROM capture_outputs)")
    return int(n)


def _db_bytes(db: sqlite3.Connection) -> int:
    """The database's size in pages in use (what the file shrinks to at the next checkpoint)."""
    page = int(db.execute("PRAGMA page_size").fetchone()[0])
    pages = int(db.execute("PRAGMA page_count").fetchone()[0])
    free = int(db.execute("PRAGMA freelist_count").fetchone()[0])
    return (pages - free) * page
