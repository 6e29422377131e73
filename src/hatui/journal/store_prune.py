"""Provides pruning: the oldest polls go first, until the journal is within its age and size bounds.

Size is what the disk holds: the database file plus its write-ahead log. Pruning aims the
database at three quarters of ``max_bytes``; the log is kept under a sixteenth (checkpoints,
``hatui.journal.store_open``), and the rest is room for the polls written until the next prune.
A write that finds the journal past ``WRITE_PRUNE_SHARE`` of the bound prunes by size at once.
Age pruning, once due, drops a little more than it must (``AGE_SLACK``), so a recorder that
prunes every minute does real work a few times a day rather than a sliver every minute.

Dropping polls must not change what the polls kept read back: a series' value as of the first
poll kept is carried forward onto that poll before the older rows go. Outputs that no row and no
delta needs any more are dropped, and the freed pages are given back to the file system
(incremental vacuum); the log is then checkpointed and truncated.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from hatui.journal.store_alerts import prune_alerts
from hatui.journal.store_schema import VERDICT_SERIES

#: The share of ``max_bytes`` the database is pruned down to.
TARGET_SHARE = 0.75
#: The share of ``max_bytes`` (file + log on disk) past which a write prunes by size at once,
#: whatever the writer's pruning schedule: the bound holds even when a minute's polls are a large
#: share of it.
WRITE_PRUNE_SHARE = 0.875
#: The share of the polls dropped per round beyond the share the database is over its target.
ROUND_SHARE = 0.01
#: The share of ``max_age_s`` dropped beyond the age bound once it is due.
AGE_SLACK = 1 / 64


def prune_journal(db: sqlite3.Connection, bounds: Any, now: float | None) -> int:
    """Prunes ``db`` (see the module docstring; ``now`` None: by size only); returns how many polls
    were dropped."""
    max_age = float(bounds.max_age_s)
    dropped = 0
    oldest = db.execute("SELECT MIN(at) FROM polls").fetchone()[0]
    if now is not None and oldest is not None and oldest < now - max_age:
        cut = now - max_age * (1 - AGE_SLACK)
        last = db.execute("SELECT id FROM polls WHERE at < ? ORDER BY at DESC LIMIT 1", (cut,)).fetchone()
        dropped += _in_tx(db, lambda: _drop_through(db, int(last[0]) if last else 0, cut))
    target = int(bounds.max_bytes * TARGET_SHARE)
    while (used := _db_bytes(db)) > target:
        count = int(db.execute("SELECT COUNT(*) FROM polls").fetchone()[0])
        if count <= 1:
            break
        # About the share that is over, and a little more: a large journal just past its target
        # rewrites only the pages it must (each round's deletions pass through the log).
        step = max(1, int(count * ((used - target) / used + ROUND_SHARE)))
        (last_id,) = db.execute("SELECT id FROM polls ORDER BY id LIMIT 1 OFFSET ?", (step - 1,)).fetchone()
        dropped += _in_tx(db, lambda last_id=int(last_id): _drop_through(db, last_id))
    if int(db.execute("PRAGMA freelist_count").fetchone()[0]):
        # Pages freed by anything else (events dropped alone, a write that failed half-way) go
        # back to the file system too.
        db.execute("PRAGMA incremental_vacuum")
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
    """Drops the polls up to ``last_id`` with their events, the events (actions included) and
    alerts older than ``event_cut`` (default: the first poll kept), and what only they used."""
    db.execute("CREATE TEMP TABLE IF NOT EXISTS dropped_blobs (id INTEGER PRIMARY KEY)")
    db.execute("DELETE FROM dropped_blobs")
    for node, source in db.execute("SELECT node, source FROM series").fetchall():
        _drop_series(db, node, source, last_id)
    n = db.execute("DELETE FROM polls WHERE id <= ?", (last_id,)).rowcount
    db.execute("DELETE FROM events WHERE poll_id <= ?", (last_id,))
    if event_cut is None:
        event_cut = db.execute("SELECT MIN(at) FROM polls").fetchone()[0]
    if event_cut is not None:
        db.execute("DELETE FROM events WHERE at < ?", (event_cut,))
        prune_alerts(db, event_cut)
    _drop_blobs(db)
    return int(n)


def _drop_series(db: sqlite3.Connection, node: str, source: str, last_id: int) -> None:
    """Drops the rows of one series up to ``last_id``, after carrying its value then onto the
    node's first poll kept (when that poll has no row of its own)."""
    key = (node, source)
    if key == VERDICT_SERIES:  # the cluster's: every poll has a verdict
        first = db.execute("SELECT MIN(id) FROM polls WHERE id > ?", (last_id,)).fetchone()[0]
    else:
        first = db.execute("SELECT MIN(id) FROM polls WHERE node = ? AND id > ?", (node, last_id)).fetchone()[
            0
        ]
    if first is None:
        value = None
    else:
        value = db.execute(
            "SELECT blob_id FROM outputs WHERE node = ? AND source = ? AND poll_id <= ?"
            " ORDER BY poll_id DESC LIMIT 1",
            (*key, last_id),
        ).fetchone()
    if value is not None and value[0] is not None:
        db.execute(
            "INSERT OR IGNORE INTO outputs (node, source, poll_id, blob_id) VALUES (?, ?, ?, ?)",
            (*key, first, value[0]),
        )
    db.execute(
        "INSERT OR IGNORE INTO dropped_blobs SELECT blob_id FROM outputs"
        " WHERE node = ? AND source = ? AND poll_id <= ? AND blob_id IS NOT NULL",
        (*key, last_id),
    )
    db.execute("DELETE FROM outputs WHERE node = ? AND source = ? AND poll_id <= ?", (*key, last_id))
    if (
        first is None
        and db.execute("SELECT 1 FROM outputs WHERE node = ? AND source = ?", key).fetchone() is None
    ):
        db.execute("DELETE FROM series WHERE node = ? AND source = ?", key)


def _drop_blobs(db: sqlite3.Connection) -> None:
    """Drops the blobs of ``dropped_blobs`` that no row and no delta needs any more (deltas first,
    so that a base they were the last users of goes too)."""
    unused = (
        "id IN (SELECT id FROM dropped_blobs)"
        " AND NOT EXISTS (SELECT 1 FROM outputs o WHERE o.blob_id = blobs.id)"
        " AND NOT EXISTS (SELECT 1 FROM blobs d WHERE d.base = blobs.id)"
    )
    db.execute(
        f"INSERT OR IGNORE INTO dropped_blobs SELECT base FROM blobs WHERE base IS NOT NULL AND {unused}"
    )
    db.execute(f"DELETE FROM blobs WHERE base IS NOT NULL AND {unused}")
    db.execute(f"DELETE FROM blobs WHERE base IS NULL AND {unused}")
    db.execute("DELETE FROM dropped_blobs")


def _db_bytes(db: sqlite3.Connection) -> int:
    """The database's size in pages in use (what the file shrinks to at the next checkpoint)."""
    page = int(db.execute("PRAGMA page_size").fetchone()[0])
    pages = int(db.execute("PRAGMA page_count").fetchone()[0])
    free = int(db.execute("PRAGMA freelist_count").fetchone()[0])
    return (pages - free) * page
