"""Provides ``LocalTransport``: runs commands on this machine, for hatui running on a cluster node.

Every command runs in a new session (its own process group), so that a timeout kills the command
and everything it started, not only the shell at its top. Output is read in chunks up to
``max_output`` bytes (``hatui.transport.capped``); past it the process group is killed too.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from collections.abc import Mapping, Sequence

from hatui.errors import TransportError
from hatui.transport.base import CommandResult, Guard
from hatui.transport.batch import build_batch, split_batch, validate_argv
from hatui.transport.capped import CHUNK, DEFAULT_MAX_OUTPUT, OutputTooLargeError, read_capped

#: How long to wait for pipes to drain after the process group was killed.
_REAP_S = 2.0
#: How long a TERMed command may take to clean up before it is killed.
_TERM_GRACE_S = 0.5


class LocalTransport:
    """Runs commands as local subprocesses; the ``Transport`` of a node that is this machine."""

    def __init__(self, node: str, *, shell: str = "/bin/sh", max_output: int = DEFAULT_MAX_OUTPUT) -> None:
        self.node = node
        self.max_output = max_output
        self._shell = shell
        self._closed = False

    async def run(
        self,
        argv: Sequence[str],
        *,
        timeout: float,  # the Transport protocol's name; the caller owns the limit
        stdin: str | None = None,
    ) -> CommandResult:
        """Runs ``argv`` (no shell involved); a missing program gives exit status 127.

        Raises:
            TransportError: the command timed out.
            OutputTooLargeError: it printed more than ``max_output`` bytes (it was killed).
        """
        items = validate_argv(argv)
        try:
            status, out, err, took = await self._exec(items, limit_s=timeout, stdin=stdin)
        except FileNotFoundError:
            return CommandResult(items, 127, "", f"{items[0]}: command not found")
        except PermissionError:
            return CommandResult(items, 126, "", f"{items[0]}: permission denied")
        return CommandResult(items, status, out, err, took)

    async def run_batch(
        self,
        commands: Mapping[str, Sequence[str]],
        *,
        timeout: float,  # as in run()
        guard: Guard | None = None,
    ) -> dict[str, CommandResult]:
        """Runs ``commands`` in one ``sh`` process (the same script the SSH transport sends).

        Output past ``max_output`` ends the batch as over SSH: finished commands keep their results.
        """
        # No node-side ``timeout`` wrapper: it would move commands into process groups of their
        # own, out of reach of the group kill below.
        batch = build_batch(commands, timeout=None, guard=guard, max_output=self.max_output)
        started = time.monotonic()
        try:
            _, out, err, took = await self._exec(
                (self._shell, "-c", batch.script), limit_s=timeout, stdin=None
            )
        except OSError as exc:
            raise TransportError(f"cannot start {self._shell}: {exc.strerror or exc}") from exc
        except OutputTooLargeError as exc:
            out, err, took = _decode(exc.stdout), exc.message, time.monotonic() - started
        return split_batch(batch, out, stderr=err, duration_s=took)

    async def close(self) -> None:
        """Nothing to close; kept for the ``Transport`` protocol."""
        self._closed = True

    async def _exec(
        self, argv: tuple[str, ...], *, limit_s: float, stdin: str | None
    ) -> tuple[int | None, str, str, float]:
        started = time.monotonic()
        env = dict(os.environ, LC_ALL="C")
        proc = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            start_new_session=True,
            env=env,
        )
        # Both are pipes (asked for above); this only tells the type checker.
        assert proc.stdout is not None and proc.stderr is not None
        try:
            # Not communicate(): it buffers everything the command prints, without limit.
            async with asyncio.timeout(limit_s):
                feeding = asyncio.ensure_future(_feed(proc, stdin))
                try:
                    out, err = await read_capped(proc.stdout, proc.stderr, self.max_output)
                finally:
                    feeding.cancel()
                await proc.wait()
        except TimeoutError:
            await _kill_group(proc)
            raise TransportError(f"timed out after {limit_s:g}s") from None
        except BaseException:
            # Too much output, or cancelled by the caller: do not leave the command running.
            await _kill_group(proc)
            raise
        status = proc.returncode
        # A negative return code means "killed by that signal"; the protocol says None then.
        exit_status = status if status is not None and status >= 0 else None
        took = time.monotonic() - started
        return exit_status, _decode(out), _decode(err), took


async def _feed(proc: asyncio.subprocess.Process, stdin: str | None) -> None:
    """Writes ``stdin`` to the command and closes it; a command that exits unread is not an error."""
    if proc.stdin is None:
        return
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        if stdin is not None:
            proc.stdin.write(stdin.encode())
            await proc.stdin.drain()
        proc.stdin.close()


async def _kill_group(proc: asyncio.subprocess.Process) -> None:
    # TERM first: a batch's shell traps it and removes its private directory (its outputs). What
    # is still there a moment later is killed outright.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGTERM)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(proc.wait(), _TERM_GRACE_S)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    # What the dead command left in its pipes is read and thrown away: a pipe that still holds
    # data never reports its end, and asyncio would keep the subprocess transport open.
    pipes = [_discard(p) for p in (proc.stdout, proc.stderr) if p is not None]
    with contextlib.suppress(TimeoutError, OSError):
        await asyncio.wait_for(asyncio.gather(proc.wait(), *pipes), _REAP_S)


async def _discard(stream: asyncio.StreamReader) -> None:
    while await stream.read(CHUNK):
        pass


def _decode(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")
