"""Provides RecordingTransport: a demo node's transport that records every single command sent.

Polls go through ``run_batch`` and are not recorded: what is left is what actions ran.
"""

from __future__ import annotations

from hatui.demo.transport import DemoTransport
from hatui.transport.base import CommandResult, Guard


class RecordingTransport:
    """Wraps a transport and records every argv run through it."""

    def __init__(self, inner: DemoTransport) -> None:
        self.inner = inner
        self.node = inner.node
        self.calls: list[tuple[str, ...]] = []

    async def run(self, argv: object, *, timeout: float, stdin: str | None = None) -> CommandResult:
        self.calls.append(tuple(argv))  # type: ignore[call-overload]
        return await self.inner.run(argv, timeout=timeout, stdin=stdin)  # type: ignore[arg-type]

    async def run_batch(
        self, commands: object, *, timeout: float, guard: Guard | None = None
    ) -> dict[str, CommandResult]:
        return await self.inner.run_batch(commands, timeout=timeout, guard=guard)  # type: ignore[arg-type]

    async def close(self) -> None:
        await self.inner.close()
