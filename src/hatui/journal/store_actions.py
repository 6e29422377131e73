"""Provides how an audit-log record (``hatui.actions.audit``) becomes an ``action`` event of the journal.

The record is kept whole (its JSON, beside the event) so nothing the audit log said is lost; the
event's message is the line ``hatui log`` prints for it, without the time (the event has it).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from hatui.actions.audit import format_record
from hatui.journal.store_types import JournalEvent
from hatui.model.health import INFO, WARNING
from hatui.plaintext import clean_line

ACTION = "action"


def _when(record: Mapping[str, Any]) -> datetime:
    try:
        at = datetime.fromisoformat(str(record.get("when")))
    except ValueError:
        return datetime.now(UTC)
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def action_event(record: Mapping[str, Any]) -> tuple[JournalEvent, str]:
    """The event for ``record`` and the record's JSON (keys sorted: the same record, the same text)."""
    rec = dict(record)
    event = rec.get("event")
    failed = event == "refused" or (event == "end" and not rec.get("ok"))
    nodes = rec.get("nodes") or []
    line = format_record(rec)
    when = clean_line(str(rec.get("when", "?"))) + " "
    return (
        JournalEvent(
            at=_when(rec),
            kind=ACTION,
            subject=clean_line(str(rec.get("target") or rec.get("action") or "?")),
            node=clean_line(str(nodes[0])) if len(nodes) == 1 else None,
            message=line.removeprefix(when),
            severity=WARNING if failed else INFO,
            poll_id=None,
        ),
        json.dumps(rec, sort_keys=True, ensure_ascii=False, default=str),
    )
