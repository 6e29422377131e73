"""Provides the journal's look-ups for replaying a verdict: where the recorded problems changed, and
the health settings a replay judges each poll with (``hatui.journal.health_settings``).

The problems after each poll are a series (``VERDICT_SERIES``) with a row only at the polls where
they changed, so "where did the problems change between these polls" reads those rows alone, not
every poll. Every function runs inside the caller's lock (``Journal._guard``).
"""

from __future__ import annotations

import sqlite3

from hatui.journal.store_schema import HEALTH_KEY, VERDICT_SERIES
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


def settings_changes(db: sqlite3.Connection) -> list[tuple[int, str]]:
    """(the first poll id judged with them, their JSON) for each change of the recorder's health
    settings, oldest first. A journal of an older hatui has only the latest, in the meta key: they
    are read as in force from its start (poll 0), as that hatui replayed them."""
    rows: list[tuple[int, str]] = []
    if _has_settings_table(db):
        rows = [
            (int(p), str(t))
            for p, t in db.execute("SELECT from_poll, settings FROM health_settings ORDER BY from_poll")
        ]
    if not rows:
        meta = db.execute("SELECT value FROM meta WHERE key = ?", (HEALTH_KEY,)).fetchone()
        rows = [] if meta is None else [(0, str(meta[0]))]
    return rows


def keep_settings(db: sqlite3.Connection, text: str, at: float) -> None:
    """Keeps ``text`` as the health settings from the next poll written on, and as the meta key's
    latest (for an older hatui). A journal that had only the meta key keeps that first, from poll 0."""
    if not db.execute("SELECT 1 FROM health_settings LIMIT 1").fetchone():
        meta = db.execute("SELECT value FROM meta WHERE key = ?", (HEALTH_KEY,)).fetchone()
        if meta is not None:
            db.execute("INSERT INTO health_settings (from_poll, at, settings) VALUES (0, NULL, ?)", meta)
    # The id the next poll gets: AUTOINCREMENT never reuses one, even after the last polls were pruned.
    issued = db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'polls'").fetchone()
    next_poll = (int(issued[0]) if issued else 0) + 1
    db.execute(
        "INSERT OR REPLACE INTO health_settings (from_poll, at, settings) VALUES (?, ?, ?)",
        (next_poll, at, text),
    )
    db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (HEALTH_KEY, text))


def _has_settings_table(db: sqlite3.Connection) -> bool:
    """False for a journal an older hatui wrote and no newer one has written on since."""
    found = db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'health_settings'")
    return found.fetchone() is not None
