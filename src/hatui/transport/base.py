"""Provides the Transport protocol every way of reaching a node implements.

A transport runs argv lists on one node. It never lets an exception other than ``TransportError``
escape, so that one node's trouble cannot reach the UI loop or delay another node's poll.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable


@dataclass(frozen=True, slots=True)
class CommandResult:
    """What one command gave: exit status (None when killed by a signal), outputs and duration."""

    argv: tuple[str, ...]
    exit_status: int | None
    stdout: str
    stderr: str
    duration_s: float = 0.0

    @property
    def ok(self) -> bool:
        """True when the command exited 0."""
        return self.exit_status == 0


@runtime_checkable
class Transport(Protocol):
    """Runs commands on one node.

    ``run`` raises ``hatui.errors.TransportError`` when the node cannot be reached or the command
    does not finish within ``timeout``, and its subclass ``OutputTooLargeError`` when the command
    printed more than the transport's output cap; a command that ran and failed is a
    ``CommandResult`` with a non-zero exit status, not an exception.
    """

    node: str

    async def run(self, argv: Sequence[str], *, timeout: float, stdin: str | None = None) -> CommandResult:
        """Runs one command and returns its result."""
        ...

    async def run_batch(
        self, commands: Mapping[str, Sequence[str]], *, timeout: float
    ) -> dict[str, CommandResult]:
        """Runs several named commands in one round trip (one remote command over SSH).

        Returns a result per name. The whole batch shares ``timeout`` and the output cap: past the
        cap, the commands that had finished keep their results and the others get an error
        (``exit_status`` None) that names the limit.
        """
        ...

    async def close(self) -> None:
        """Closes the connection, if any. Safe to call twice."""
        ...
