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
