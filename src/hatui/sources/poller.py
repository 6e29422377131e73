"""Provides the Poller protocol: what the console polls, whatever the source (SSH, demo, replay).

A poll runs the whole flow inside ``hatui.sources``: transport (or replay files) -> raw capture ->
parsers -> a finished ``NodeReport``. The console only records reports; it never parses.

The console runs one worker per node; each calls ``poll(node)`` in a loop and sleeps
``interval(node)`` between calls, so one node's poll never overlaps itself or waits for another.

``ReplayPoller`` is the replay source: it answers every poll from captured outputs (a replay
directory for ``--replay DIR``, or captures a test hands it), exactly where a live source would
answer from its nodes. ``--once`` and ``capture`` read the same source through ``captures``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from hatui.model.capture import NodeCapture
from hatui.model.report import NodeReport
from hatui.sources.parse import ReportMemo


class Poller(Protocol):
    """Produces NodeReports for the nodes of one cluster."""

    @property
    def nodes(self) -> tuple[str, ...]:
        """Node names, in display order."""
        ...

    async def poll(self, node: str) -> NodeReport:
        """Returns the node's next report; never raises (failures are in the report)."""
        ...

    def last_capture(self, node: str) -> NodeCapture | None:
        """The raw capture the last ``poll(node)`` parsed (what the flight recorder stores)."""
        ...

    def interval(self, node: str) -> float:
        """Seconds to wait after a poll of ``node`` before the next one."""
        ...

    async def close(self) -> None:
        """Releases connections. Safe to call twice."""
        ...


class ReplayPoller:
    """Serves fixed captures (``--replay DIR`` and tests): every poll returns the same data."""

    def __init__(self, captures: list[NodeCapture], interval: float = 2.0) -> None:
        self._captures = {c.node: c for c in captures}
        self._interval = interval
        self._memo = ReportMemo()

    @classmethod
    def from_dir(cls, path: Path, interval: float = 2.0) -> ReplayPoller:
        """The replay source of a replay directory, read (and checked) whole now.

        Raises:
            HatuiError: the directory cannot be read (see ``hatui.replay.read_replay_dir``).
        """
        from hatui.replay import read_replay_dir

        return cls(read_replay_dir(path), interval)

    @property
    def nodes(self) -> tuple[str, ...]:
        """Node names in the order given."""
        return tuple(self._captures)

    @property
    def captures(self) -> list[NodeCapture]:
        """Every node's raw capture, in order (what ``--once`` and ``capture`` take)."""
        return list(self._captures.values())

    async def poll(self, node: str) -> NodeReport:
        """The report parsed from the captured data of ``node`` (the same report while it is unchanged)."""
        capture = self._captures.get(node) or NodeCapture(node=node, unreachable="not in the replay")
        return self._memo.report(capture)

    def last_capture(self, node: str) -> NodeCapture | None:
        """The capture every poll of ``node`` answers with (None for a node not in the replay)."""
        return self._captures.get(node)

    def interval(self, node: str) -> float:
        """The fixed interval."""
        return self._interval

    async def close(self) -> None:
        """Nothing to release."""

    def replace(self, capture: NodeCapture) -> None:
        """Swaps one node's capture (tests use it to make a node fail or change between polls)."""
        self._captures[capture.node] = capture
