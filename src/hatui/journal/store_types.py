"""Provides the journal's plain types: its bounds, a poll row, an event, and the time helpers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

JOURNAL_FILE = "journal.sqlite"
MIB = 1024 * 1024
DAY_S = 86400.0


@dataclass(frozen=True)
class Bounds:
    """How much a journal keeps: the oldest polls beyond either bound are dropped first.

    The defaults come from ``python -m bench.journal_size``: the reference cluster (3 nodes, Xen
    counters and /proc/drbd changing at every poll) polled every 2 s grows its journal by about
    48 MiB a day, so 1 GiB holds about three weeks of it; the modern demo (DRBD 9's JSON counters)
    84 MiB, about twelve days; a quieter cluster reaches the month. Like journald's cap, a size
    that fits beside other clusters' journals on an admin host; ``--max-size`` raises it.
    """

    max_bytes: int = 1024 * MIB
    """The database file plus its write-ahead log, in bytes (as on disk)."""
    max_age_s: float = 30 * DAY_S


@dataclass(frozen=True, slots=True)
class PollRow:
    """One poll of one node."""

    id: int
    at: datetime
    node: str
    reachable: bool
    status: str | None
    """The cluster verdict (OK/WARNING/CRITICAL/UNKNOWN) after this poll."""
    changed: bool
    """Whether this poll changed the capture of its node (a new when-stamp alone is no change)."""


@dataclass(frozen=True, slots=True)
class JournalEvent:
    """One event of the journal: a change ``hatui.model.events.diff`` saw, or an action."""

    at: datetime
    kind: str
    """An ``EventKind`` value, or ``action`` for a record of the audit log."""
    subject: str
    node: str | None
    message: str
    severity: str
    poll_id: int | None

    def to_dict(self) -> dict[str, Any]:
        """Plain data (times as ISO 8601 UTC)."""
        return {
            "at": self.at.isoformat(),
            "kind": self.kind,
            "subject": self.subject,
            "node": self.node,
            "message": self.message,
            "severity": self.severity,
            "poll_id": self.poll_id,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> JournalEvent:
        """``to_dict`` undone."""
        at = datetime.fromisoformat(str(d["at"]))
        return cls(
            at=at if at.tzinfo else at.replace(tzinfo=UTC),
            kind=str(d["kind"]),
            subject=str(d["subject"]),
            node=None if d.get("node") is None else str(d["node"]),
            message=str(d["message"]),
            severity=str(d["severity"]),
            poll_id=None if d.get("poll_id") is None else int(d["poll_id"]),
        )


def epoch(at: datetime) -> float:
    if at.tzinfo is None:
        raise ValueError("journal times are timezone-aware")
    return at.timestamp()


def from_epoch(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)
