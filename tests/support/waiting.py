"""Provides ``wait_until``: a bounded wait on a condition, for tests that drive child processes."""

from __future__ import annotations

import time
from collections.abc import Callable


def wait_until(predicate: Callable[[], bool], what: str, within: float = 60.0) -> None:
    """Polls ``predicate`` every 0.1 s until it holds; fails naming ``what`` after ``within`` s."""
    deadline = time.monotonic() + within
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"not reached in {within:.0f}s: {what}")
        time.sleep(0.1)
