"""Provides ``DemoTransport``: the Transport of one demo node, answering from the simulated cluster.

It behaves like the SSH transport does against a real node: a killed (or still booting) node
refuses at once, a frozen node never answers and the command runs into its timeout, and a
running node answers every command in the batch.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from hatui.demo import backup_emu
from hatui.errors import TransportError
from hatui.transport.base import CommandResult, Guard
from hatui.transport.batch import validate_argv
from hatui.transport.guarded import answer_batch

if TYPE_CHECKING:
    from hatui.demo.cluster import DemoCluster


class DemoTransport:
    """Runs commands on a demo node."""

    def __init__(self, cluster: DemoCluster, node: str, *, latency_s: float = 0.0) -> None:
        self.node = node
        self._cluster = cluster
        self._latency_s = latency_s
        self._closed = False
        self._generation = 1
        self._broken = False

    @property
    def connection_generation(self) -> int:
        """Counts connections, as the SSH transport does: it grows when a lost node is reached again."""
        return self._generation

    async def _reach(self, limit_s: float) -> None:
        if self._closed:
            raise TransportError(f"{self.node}: connection closed")
        self._cluster.sync()
        power = self._cluster.nodes[self.node].power
        if power == "up" and self._broken:
            self._broken, self._generation = False, self._generation + 1
        self._broken = self._broken or power != "up"
        if power == "down":
            addr = self._cluster.topo.node(self.node)
            ip = addr.ring1 if addr else self.node
            raise TransportError(f"{self.node}: connect to {ip} port 22: connection refused")
        if power == "frozen":
            # A hung host keeps the TCP session open: only the caller's timeout ends the wait.
            await asyncio.sleep(limit_s)
            raise TransportError(f"{self.node}: timed out after {limit_s:g}s")
        if self._latency_s:
            await asyncio.sleep(min(self._latency_s, limit_s))

    async def run(
        self,
        argv: Sequence[str],
        *,
        timeout: float,  # the Transport protocol's name; the caller owns the limit
        stdin: str | None = None,
    ) -> CommandResult:
        """Runs one command on the node."""
        items = validate_argv(argv)
        started = time.monotonic()
        await self._reach(timeout)
        if backup_emu.is_job(items):  # a backup job takes its time: polls run beside it
            outcome = await backup_emu.run_async(self._cluster, self.node, items, timeout)
        else:
            outcome = self._cluster.execute(self.node, items, stdin)
        return CommandResult(
            items, outcome.status, outcome.stdout, outcome.stderr, time.monotonic() - started
        )

    async def run_batch(
        self,
        commands: Mapping[str, Sequence[str]],
        *,
        timeout: float,  # as in run()
        guard: Guard | None = None,
    ) -> dict[str, CommandResult]:
        """Runs several commands in one round trip; with a ``guard``, as ``Guard`` says."""
        started = time.monotonic()
        await self._reach(timeout)
        results = answer_batch(lambda _name, items: self._execute(items), commands, guard)
        took = time.monotonic() - started
        return {
            name: CommandResult(r.argv, r.exit_status, r.stdout, r.stderr, took)
            for name, r in results.items()
        }

    def _execute(self, items: tuple[str, ...]) -> CommandResult:
        outcome = self._cluster.execute(self.node, items, None)
        return CommandResult(items, outcome.status, outcome.stdout, outcome.stderr)

    async def close(self) -> None:
        """Forgets the node; later commands fail as on a closed connection. Safe to call twice."""
        self._closed = True
