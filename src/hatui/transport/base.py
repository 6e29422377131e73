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


#: The name under which a guarded batch returns the node's fingerprint of its probes' answers.
FINGERPRINT = "#fingerprint"


@dataclass(frozen=True, slots=True)
class Guard:
    """Makes a batch two-phase, so that detection and the first poll share one round trip.

    The ``probes`` run first. The node then takes a fingerprint of the answers (stdout, stderr and
    exit status) of the probes named in ``fingerprinted``, in name order, and runs the batch's
    commands only when it equals ``expect`` (never when ``expect`` is None): a command chosen from
    an earlier detection is never sent to a node whose tools have changed since. The result holds
    every probe's result under its name, the fingerprint under ``FINGERPRINT`` (as the stdout of an
    exit-0 result), and the commands' results only when they ran.

    The fingerprint is the node's own (any text the same answers always give the same way); the
    caller keeps the one it was given and hands it back as ``expect`` next time.
    """

    probes: Mapping[str, Sequence[str]]
    fingerprinted: frozenset[str]
    expect: str | None = None


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
        self, commands: Mapping[str, Sequence[str]], *, timeout: float, guard: Guard | None = None
    ) -> dict[str, CommandResult]:
        """Runs several named commands in one round trip (one remote command over SSH).

        The commands run side by side on the node, their outputs kept apart. With a ``guard``, its
        probes run first and the commands only when the node's fingerprint matches (see ``Guard``).
        Returns a result per name. The whole batch shares ``timeout`` and the output cap: past the
        cap, the commands that had finished keep their results and the others get an error
        (``exit_status`` None) that names the limit.
        """
        ...

    async def close(self) -> None:
        """Closes the connection, if any. Safe to call twice."""
        ...
