"""Provides the Poller protocol: what the console polls, whatever the source (SSH, demo, replay).

The console runs one worker per node; each calls ``poll(node)`` in a loop and sleeps
``interval(node)`` between calls, so one node's poll never overlaps itself or waits for another.
"""

from __future__ import annotations

from typing import Protocol

from hatui.model.capture import NodeCapture


class Poller(Protocol):
    """Produces NodeCaptures for the nodes of one cluster."""

    @property
    def nodes(self) -> tuple[str, ...]:
        """Node names, in display order."""
        ...

    async def poll(self, node: str) -> NodeCapture:
        """Returns the node's next capture; never raises (failures are in the capture)."""
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

    @property
    def nodes(self) -> tuple[str, ...]:
        """Node names in the order given."""
        return tuple(self._captures)

    async def poll(self, node: str) -> NodeCapture:
        """Returns the captured data of ``node``."""
        return self._captures.get(node) or NodeCapture(node=node, unreachable="not in the replay")

    def interval(self, node: str) -> float:
        """The fixed interval."""
        return self._interval

    async def close(self) -> None:
        """Nothing to release."""

    def replace(self, capture: NodeCapture) -> None:
        """Swaps one node's capture (tests use it to make a node fail or change between polls)."""
        self._captures[capture.node] = capture
