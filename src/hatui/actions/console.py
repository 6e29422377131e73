"""Provides the interactive hand-over: a VM console or a node shell in the admin's own terminal.

Over SSH the session is a new channel with a PTY on the node's EXISTING connection (no second
login, no second host-key check); the local terminal is put in raw mode, bytes are copied both ways
and window size changes follow. The console tools leave on Ctrl-] (``xm``/``xl``/``virsh console``
all use it): the key is passed through, the tool exits, the channel closes and the session ends.
Should a tool not exit, a second Ctrl-] within two seconds closes the channel from this side. The
caller suspends the TUI around ``open_session`` (``App.suspend``) and gets its screen back intact.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shlex
import signal
import termios
import time
import tty
from collections.abc import Sequence

import asyncssh

from hatui.errors import ActionRefused, TransportError
from hatui.transport.base import Transport
from hatui.transport.batch import quote_argv
from hatui.transport.local import LocalTransport
from hatui.transport.ssh import SSHTransport

ESCAPE = b"\x1d"
#: A second Ctrl-] within this many seconds closes the channel even if the tool ignored the first.
ESCAPE_REPEAT_S = 2.0


def _size(fd: int) -> tuple[int, int]:
    try:
        size = os.get_terminal_size(fd)
        return size.columns, size.lines
    except OSError:
        return 80, 24


async def ssh_session(
    conn: asyncssh.SSHClientConnection,
    argv: Sequence[str] | None,
    *,
    stdin_fd: int = 0,
    stdout_fd: int = 1,
    term: str | None = None,
) -> int | None:
    """Runs ``argv`` (None: the login shell) in a PTY on ``conn`` wired to the local terminal.

    Returns the remote exit status (None when it ended without one).
    """
    command = quote_argv(argv) if argv else None
    cols, rows = _size(stdout_fd)
    process = await conn.create_process(
        command, term_type=term or os.environ.get("TERM", "xterm"), term_size=(cols, rows), encoding=None
    )
    loop = asyncio.get_running_loop()
    saved = termios.tcgetattr(stdin_fd) if os.isatty(stdin_fd) else None
    last_escape = [0.0]

    def on_input() -> None:
        try:
            data = os.read(stdin_fd, 4096)
        except OSError:
            data = b""
        if not data:
            process.stdin.write_eof()
            loop.remove_reader(stdin_fd)
            return
        if ESCAPE in data:
            now = time.monotonic()
            if now - last_escape[0] < ESCAPE_REPEAT_S:
                process.close()
                return
            last_escape[0] = now
        process.stdin.write(data)

    def on_resize() -> None:
        with contextlib.suppress(OSError, asyncssh.Error):
            process.change_terminal_size(*_size(stdout_fd))

    try:
        if saved is not None:
            tty.setraw(stdin_fd)
        loop.add_reader(stdin_fd, on_input)
        # Window resizes are a nicety: loops without signal support (or off the main thread) refuse.
        with contextlib.suppress(ValueError, RuntimeError, NotImplementedError):
            loop.add_signal_handler(signal.SIGWINCH, on_resize)
        while True:
            chunk = await process.stdout.read(65536)
            if not chunk:
                break
            os.write(stdout_fd, chunk if isinstance(chunk, bytes) else chunk.encode())
        done = await process.wait(check=False)
        status = done.exit_status
        return status if status is not None and status >= 0 else None
    finally:
        loop.remove_reader(stdin_fd)
        with contextlib.suppress(ValueError, RuntimeError, NotImplementedError):
            loop.remove_signal_handler(signal.SIGWINCH)
        if saved is not None:
            termios.tcsetattr(stdin_fd, termios.TCSADRAIN, saved)
        process.close()


async def local_session(argv: Sequence[str] | None) -> int | None:
    """Runs ``argv`` (None: ``$SHELL``) on this machine in the current terminal."""
    args = list(argv) if argv else [os.environ.get("SHELL", "/bin/sh"), "-l"]
    proc = await asyncio.create_subprocess_exec(*args)
    return await proc.wait()


async def open_session(
    transport: Transport, argv: Sequence[str] | None, *, stdin_fd: int = 0, stdout_fd: int = 1
) -> int | None:
    """Hands the terminal to ``argv`` (or a login shell) on the node of ``transport``.

    Raises:
        ActionRefused: the transport cannot carry an interactive session (demo, replay).
        TransportError: the node cannot be reached.
    """
    if isinstance(transport, LocalTransport):
        return await local_session(argv)
    if not isinstance(transport, SSHTransport):
        raise ActionRefused(
            f"{transport.node} is not reached over SSH: no interactive session ({type(transport).__name__})"
        )
    # The transport's own kept connection: a new channel, no new login or host-key check.
    conn = await transport.connection()
    try:
        return await ssh_session(conn, argv, stdin_fd=stdin_fd, stdout_fd=stdout_fd)
    except (OSError, asyncssh.Error) as exc:
        raise TransportError(f"session on {transport.node} ended: {exc}") from None


def describe(argv: Sequence[str] | None) -> str:
    """The command line shown before the hand-over."""
    return shlex.join(argv) if argv else "login shell"
