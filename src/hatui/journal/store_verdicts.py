"""Provides the journal's look-ups for replaying a verdict: where the recorded problems changed, and
the meta values a replay judges with (``hatui.journal.health_settings``).

The problems after each poll are a series (``VERDICT_SERIES``) with a row only at the polls where
they changed, so "where did the problems change between these polls" reads those rows alone, not
every poll. Every function runs inside the caller's lock (``Journal._guard``).
"""

from __future__ import annotations

import sqlite3

from hatui.journal.store_schema import VERDICT_SERIES
from hatui.journal.store_series import TextCache, blob_text


def problem_changes(
    db: sqlite3.Connection, first_id: int, last_id: int, cache: TextCache, where: str
) -> list[tuple[int, str]]:
    """(poll id, the problems' JSON after it) at each poll from ``first_id`` to ``last_id`` where
    they changed, led by the value in force before ``first_id`` (at an earlier poll; none when the
    series starts later). The JSON of a poll with no problems is ``[]``."""
    node, source = VERDICT_SERIES
    before = db.execute(
        "SELECT poll_id, blob_id FROM outputs WHERE node = ? AND source = ? AND poll_id < ?"
        " ORDER BY poll_id DESC LIMIT 1",
        (node, source, first_id),
    ).fetchall()
    rows = db.execute(
        "SELECT poll_id, blob_id FROM outputs WHERE node = ? AND source = ? AND poll_id >= ? AND poll_id <= ?"
        " ORDER BY poll_id",
        (node, source, first_id, last_id),
    ).fetchall()
    return [
        (int(poll_id), "[]" if blob_id is None else blob_text(db, int(blob_id), cache, where))
        for poll_id, blob_id in [*before, *rows]
    ]


def meta_value(db: sqlite3.Connection, key: str) -> str | None:
    """The journal's meta value ``key``; None when it has none."""
    row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return None if row is None else str(row[0])


def set_meta_value(db: sqlite3.Connection, key: str, value: str) -> None:
    """Sets the meta value ``key`` (a key an older hatui does not know, it ignores)."""
    db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))
