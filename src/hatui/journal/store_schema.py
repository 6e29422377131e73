"""Provides the journal's SQLite layout, and opening a file as a journal (or refusing it with one line).

The layout is ``hatui.journal/1``. A later hatui may add tables, columns (nullable or with a
default) and meta keys within major 1: this code names every column it reads or writes, so it
ignores what it does not know. A change an older reader could misread bumps the major, and an
older hatui refuses such a journal with a line naming both versions rather than misreading it.
"""

from __future__ import annotations

import re
import sqlite3
from datetime import datetime
from pathlib import Path

from hatui.errors import HatuiError

SCHEMA = "hatui.journal/1"
SCHEMA_MAJOR = 1
_SCHEMA_RE = re.compile(r"^hatui\.journal/(\d+)(?:\.\d+)?$")

# Times are epoch seconds (REAL, UTC): compared and indexed as numbers.
# Poll ids use AUTOINCREMENT: pruning the oldest polls never lets a new poll reuse an old id.
# A node's capture is a set of series, one per source (plus META_SOURCE: errors, unreachable,
# stack): ``outputs`` has a row only at the polls where a series changed (blob NULL: the source
# gave nothing), so a poll's capture is, for each series, its latest row at or before the poll.
# ``series`` lists the (node, source) pairs, so reading and pruning go by the primary key.
# The cluster verdict's problems are one more series (VERDICT_SERIES): during a DRBD resync they
# change at every poll ("SyncTarget 39.7%"), and as deltas they cost a few bytes.
# A blob with a ``base`` is a zlib delta against that blob's text (``hatui.journal.blobs``).
_TABLES = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE blobs (id INTEGER PRIMARY KEY, hash BLOB NOT NULL UNIQUE, base INTEGER, data BLOB NOT NULL);
CREATE INDEX blobs_base ON blobs (base) WHERE base IS NOT NULL;
CREATE TABLE series (node TEXT NOT NULL, source TEXT NOT NULL, PRIMARY KEY (node, source)) WITHOUT ROWID;
CREATE TABLE outputs (node TEXT NOT NULL, source TEXT NOT NULL, poll_id INTEGER NOT NULL, blob_id INTEGER,
    PRIMARY KEY (node, source, poll_id)) WITHOUT ROWID;
CREATE INDEX outputs_blob ON outputs (blob_id);
CREATE TABLE polls (id INTEGER PRIMARY KEY AUTOINCREMENT, at REAL NOT NULL, node TEXT NOT NULL,
    reachable INTEGER NOT NULL, changed INTEGER NOT NULL, status TEXT, stamps TEXT);
CREATE INDEX polls_at ON polls (at);
CREATE INDEX polls_node ON polls (node, id);
CREATE TABLE events (id INTEGER PRIMARY KEY, at REAL NOT NULL, poll_id INTEGER, kind TEXT NOT NULL,
    subject TEXT NOT NULL, node TEXT, message TEXT NOT NULL, severity TEXT NOT NULL, record TEXT,
    record_hash BLOB UNIQUE);
CREATE INDEX events_at ON events (at);
CREATE INDEX events_poll ON events (poll_id);
"""
# Every alert the rules decided (``hatui.journal.store_alerts``), with what came of its delivery:
# a recorder started again restores its alert engine from it. Added within hatui.journal/1: an
# older hatui ignores the table; a writer opening a journal made before it adds it (IF NOT EXISTS).
ALERT_TABLES = """
CREATE TABLE IF NOT EXISTS alerts (id INTEGER PRIMARY KEY, at REAL NOT NULL, rule TEXT NOT NULL,
    state TEXT NOT NULL, severity TEXT NOT NULL, code TEXT NOT NULL, subject TEXT NOT NULL, node TEXT,
    kind TEXT NOT NULL DEFAULT '', message TEXT NOT NULL, since REAL, delivery TEXT NOT NULL,
    outcome TEXT NOT NULL, reason TEXT);
CREATE INDEX IF NOT EXISTS alerts_at ON alerts (at);
"""
# Every change of the health settings the recorder judged with (``hatui.journal.health_settings``),
# from the first poll judged with them on, so a replay judges each poll as it was judged then.
# ``at`` is when they were written (NULL: taken over from the meta key HEALTH_KEY of a journal
# written before this table, in force from its start). Added within hatui.journal/1 as the alert
# table was. A row comes only with a change of config (a recorder started again with another), so
# the table is not pruned: the row in force at the oldest poll kept may be older than that poll.
SETTINGS_TABLES = """
CREATE TABLE IF NOT EXISTS health_settings (from_poll INTEGER PRIMARY KEY, at REAL, settings TEXT NOT NULL);
"""
#: The meta key of the latest health settings (JSON): all a journal of an older hatui has of them,
#: and what an older hatui reads of a newer one's.
HEALTH_KEY = "health"
#: The series of a capture's own fields (errors, unreachable, its kind, stack) as JSON.
META_SOURCE = ""
#: The (node, source) of the series of the cluster's problems after each poll (a JSON list).
VERDICT_SERIES = ("", "problems")


def journal_error(file: Path, what: str) -> HatuiError:
    """One line about a file that cannot be used as a journal."""
    return HatuiError(f"{file}: {what}", "journal")


def create_tables(db: sqlite3.Connection, meta: dict[str, str]) -> None:
    """Lays out an empty database as a journal (inside the caller's transaction)."""
    _run(db, _TABLES)
    create_added_tables(db)
    db.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", sorted(meta.items()))


def create_added_tables(db: sqlite3.Connection) -> None:
    """Adds the tables added within hatui.journal/1 (alerts, health settings) to a journal that has
    none yet (a no-op for those it has)."""
    _run(db, ALERT_TABLES)
    _run(db, SETTINGS_TABLES)


def _run(db: sqlite3.Connection, script: str) -> None:
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)


def has_tables(db: sqlite3.Connection) -> tuple[bool, bool]:
    """(whether the database holds any table, whether it holds the journal's ``meta`` table)."""
    names = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    return bool(names), "meta" in names


def read_meta(db: sqlite3.Connection, file: Path) -> dict[str, str]:
    """The meta table, checked: a schema this hatui reads, a cluster name and a creation time.

    Raises:
        HatuiError: a newer major schema (naming the hatui that wrote it), or missing keys.
    """
    meta = {str(k): str(v) for k, v in db.execute("SELECT key, value FROM meta")}
    schema = meta.get("schema", "")
    match = _SCHEMA_RE.match(schema)
    if match is None:
        raise journal_error(file, f"not a hatui journal (schema {schema!r})")
    if int(match.group(1)) > SCHEMA_MAJOR:
        writer = meta.get("hatui_version", "?")
        raise journal_error(
            file, f"written by hatui {writer} with {schema}; this hatui reads {SCHEMA}: use a newer hatui"
        )
    for key in ("cluster", "created", "hatui_version"):
        if key not in meta:
            raise journal_error(file, f"damaged journal: no {key!r} in its meta table")
    try:
        created = datetime.fromisoformat(meta["created"])
    except ValueError:
        raise journal_error(file, f"damaged journal: created {meta['created']!r} is no time") from None
    if created.tzinfo is None:
        raise journal_error(file, f"damaged journal: created {meta['created']!r} has no time zone")
    return meta
