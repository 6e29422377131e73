"""Provides ``read_capped``: reads a command's stdout and stderr, but never more than a limit.

A node that prints without end (a looping tool, ``crm_mon`` over a huge CIB, a corrupted
``/proc`` file) must cost hatui a bounded amount of memory, not the 1.6 GB it once took: the
transports read the command's output in chunks of ``CHUNK`` bytes and stop as soon as stdout and
stderr together pass the limit, keeping at most ``limit + CHUNK`` bytes. The caller then ends the
command (closes the SSH channel, kills the local process group) and gets ``OutputTooLargeError``.

Works on anything with ``async read(n) -> bytes`` that returns ``b""`` at end of file: asyncssh's
``SSHReader`` (opened without an encoding) and asyncio's ``StreamReader``. Both buffer only a
bounded amount themselves while nobody reads (the SSH receive window, the pipe's high-water mark).
"""

from __future__ import annotations

import asyncio
from typing import Protocol

from hatui.config import DEFAULT_MAX_OUTPUT_MIB
from hatui.errors import TransportError

MIB = 1024 * 1024
#: What one read may return; the most that is kept beyond the limit.
CHUNK = 64 * 1024
#: The default limit, per command or batch, in bytes (the config's ``max_output_mib``).
DEFAULT_MAX_OUTPUT = round(DEFAULT_MAX_OUTPUT_MIB * MIB)


class _Reader(Protocol):
    async def read(self, n: int = -1, /) -> bytes: ...


class OutputTooLargeError(TransportError):
    """A command printed more than the limit; ``stdout``/``stderr`` hold what was kept of it."""

    title = "output too large"

    def __init__(self, limit: int, stdout: bytes, stderr: bytes) -> None:
        super().__init__(
            f"output passed the limit of {describe_limit(limit)} and was cut off there; if this "
            "node really prints that much, raise max_output_mib in the cluster's section of the config"
        )
        self.limit = limit
        self.stdout = stdout
        self.stderr = stderr

    @property
    def kept_bytes(self) -> int:
        """How many bytes were read and kept before reading stopped."""
        return len(self.stdout) + len(self.stderr)


def describe_limit(limit: int) -> str:
    """Returns ``limit`` as people write it: ``32 MiB``, ``0.5 MiB``, ``1000 bytes``."""
    if limit >= MIB // 16:
        return f"{limit / MIB:g} MiB"
    return f"{limit} bytes"


class _OverLimitError(Exception):
    """Internal: the limit was passed (raised inside a drain, turned into OutputTooLargeError)."""


async def read_capped(stdout: _Reader, stderr: _Reader, limit: int) -> tuple[bytes, bytes]:
    """Reads both streams to their end, concurrently (so neither can block the command).

    Returns:
        Everything the command wrote on stdout and on stderr.

    Raises:
        OutputTooLargeError: together they passed ``limit``; it holds what was read until then. The
            caller must end the command: nothing reads its pipes any more.
    """
    bufs = (bytearray(), bytearray())

    async def drain(stream: _Reader, buf: bytearray) -> None:
        while chunk := await stream.read(CHUNK):
            buf += chunk
            # Checked after every chunk, in the same step as the append: the other drain cannot
            # add to the total in between, so at most one CHUNK is ever kept beyond the limit.
            if len(bufs[0]) + len(bufs[1]) > limit:
                raise _OverLimitError

    tasks = [asyncio.ensure_future(drain(s, b)) for s, b in ((stdout, bufs[0]), (stderr, bufs[1]))]
    try:
        await asyncio.gather(*tasks)
    except _OverLimitError:
        raise OutputTooLargeError(limit, bytes(bufs[0]), bytes(bufs[1])) from None
    finally:
        for task in tasks:
            task.cancel()
        # Let the cancelled drain finish, so that no task outlives this call.
        await asyncio.gather(*tasks, return_exceptions=True)
    return bytes(bufs[0]), bytes(bufs[1])
