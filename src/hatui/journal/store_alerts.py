"""Provides the journal's alert table: writing what the rules decided, reading it back (``alerts``).

A row per alert (``hatui.alerts.history.AlertRecord``), written when the rules decide it and
updated once its delivery is known. The rows are read twice: by a recorder started again, which
restores its alert engine from them (``hatui.alerts.listener``), and as ``alert`` events beside the
journal's others (``hatui events``, the timeline's Events pane). A journal written before this
table existed has none: reading it gives no alerts; its next writer adds the table.

The problem's words (subject, message) are the cluster's text, kept as they were; whoever prints
them cleans them, as for every other event.
"""

from __future__ import annotations

import sqlite3

from hatui.alerts.history import AlertRecord
from hatui.journal.store_types import JournalEvent
from hatui.journal.store_types import epoch as _epoch
from hatui.journal.store_types import from_epoch as _time
from hatui.model.health_types import INFO, Problem

#: The kind of an alert in the journal's event list (``hatui events``, ``hatui.events/1``).
ALERT = "alert"

_COLUMNS = (
    "id, at, rule, state, severity, code, subject, node, kind, message, since, delivery, outcome, reason"
)


def has_alert_table(db: sqlite3.Connection) -> bool:
    """True when the journal has the alert table (a journal of an older hatui may not)."""
    row = db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alerts'").fetchone()
    return row is not None


def write_alert(db: sqlite3.Connection, record: AlertRecord) -> int:
    """Writes ``record`` (inside the caller's transaction); returns its row id."""
    p = record.problem
    cur = db.execute(
        f"INSERT INTO alerts ({_COLUMNS}) VALUES (NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            _epoch(record.at),
            record.rule,
            record.state,
            p.severity,
            p.code,
            p.subject,
            p.node,
            p.kind,
            p.message,
            _epoch(p.since) if p.since is not None else None,
            record.delivery,
            record.outcome,
            record.reason,
        ),
    )
    return int(cur.lastrowid or 0)


def set_outcome(db: sqlite3.Connection, alert_id: int, outcome: str, reason: str | None) -> None:
    """Notes what came of the delivery of the alert ``alert_id`` (gone already when pruned: a no-op)."""
    db.execute("UPDATE alerts SET outcome = ?, reason = ? WHERE id = ?", (outcome, reason, alert_id))


def read_alerts(db: sqlite3.Connection, lo: float, hi: float) -> list[AlertRecord]:
    """The alerts decided between epoch seconds ``lo`` and ``hi`` (both included), oldest first."""
    if not has_alert_table(db):
        return []
    rows = db.execute(f"SELECT {_COLUMNS} FROM alerts WHERE at >= ? AND at <= ? ORDER BY id", (lo, hi))
    return [_record(*row) for row in rows]


def _record(
    row_id: int,
    at: float,
    rule: str,
    state: str,
    severity: str,
    code: str,
    subject: str,
    node: str | None,
    kind: str | None,
    message: str,
    since: float | None,
    delivery: str,
    outcome: str,
    reason: str | None,
) -> AlertRecord:
    """One row as a record (every text as str: a damaged row reads, it does not crash)."""
    problem = Problem(
        str(severity),
        str(code),
        str(subject),
        None if node is None else str(node),
        str(message),
        str(kind or ""),
        since=None if since is None else _time(since),
    )
    return AlertRecord(
        at=_time(at),
        rule=str(rule),
        state=str(state),
        problem=problem,
        delivery=str(delivery),
        outcome=str(outcome),
        reason=None if reason is None else str(reason),
        id=int(row_id),
    )


def alert_event(record: AlertRecord) -> JournalEvent:
    """The alert as an event of the journal's list. Its severity is ``info``: the alert tells of a
    problem, whose own events carry its severity (and mark it in the timeline)."""
    return JournalEvent(
        at=record.at,
        kind=ALERT,
        subject=record.problem.subject,
        node=record.problem.node,
        message=record.describe(),
        severity=INFO,
        poll_id=None,
    )


def prune_alerts(db: sqlite3.Connection, cut: float) -> None:
    """Drops the alerts decided before epoch seconds ``cut`` (pruned with the polls of then)."""
    if has_alert_table(db):
        db.execute("DELETE FROM alerts WHERE at < ?", (cut,))
