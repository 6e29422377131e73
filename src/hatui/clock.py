"""Provides the Clock protocol, so that staleness ("stale 42s") is deterministic in tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Tells the current time, timezone-aware UTC."""

    def now(self) -> datetime:
        """Returns the current UTC time."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        """Returns the current UTC time."""
        return datetime.now(UTC)


class FrozenClock:
    """A clock that moves only when told to."""

    def __init__(self, at: datetime | None = None) -> None:
        self._at = at or datetime(2026, 1, 1, tzinfo=UTC)

    def now(self) -> datetime:
        """Returns the frozen time."""
        return self._at

    def advance(self, seconds: float) -> None:
        """Moves the clock forward."""
        self._at += timedelta(seconds=seconds)


def recorded_time(value: object) -> datetime | None:
    """A time as a capture or a journal recorded it (ISO-8601; one without a zone is UTC, as
    hatui writes them); None for anything else, a file from elsewhere being data, not trusted."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if not isinstance(value, str):
        return None
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        return None
    return at if at.tzinfo else at.replace(tzinfo=UTC)
