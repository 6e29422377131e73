"""Provides the interactive hand-over: a VM console or a node shell in the admin's own terminal.

Over SSH the session is a new channel with a PTY on the node's EXISTING connection (no second
login, no second host-key check); the local terminal is put in raw mode, bytes are copied both ways
and window size changes follow. The console tools leave on Ctrl-] (``xm``/``xl``/``virsh console``
all use it): the key is passed through, the tool exits, the channel closes and the session ends.
Should a tool not exit, a second Ctrl-] within two seconds closes the channel from this side. The
caller opens the session first (``prepare_session``: the channel, the PTY, the command), and only
once it runs does it suspend the TUI and ``attach`` the terminal: a refusal, an unreachable node or a
command that ends at once (no such VM, no such tool) is reported with the screen untouched.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shlex
import shutil
import signal
import termios
import time
import tty
from collections.abc import Sequence

import asyncssh

from hatui.errors import ActionRefused, TransportError
from hatui.plaintext import clean_block
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


class SessionError(TransportError):
    """The session could not start or ended with an error; the message says which and why."""

    title = "session failed"


#: How long a freshly opened session is watched before the terminal is handed over: a console that
#: cannot attach (no such domain, no such tool) ends within a round trip or two.
CHECK_S = 0.5


class PreparedSession:
    """A session opened and checked, waiting for the terminal (``attach``); ``close`` always.

    ``ended`` holds the exit status when the command already ended well during the check (nothing
    is left to hand over); a command that ended badly raises in ``prepare_session`` instead.
    """

    ended: int | None = None
    finished: bool = False

    async def attach(self, *, stdin_fd: int = 0, stdout_fd: int = 1) -> int | None:
        """Wires the local terminal to the session until it ends; returns its exit status."""
        raise NotImplementedError

    def close(self) -> None:
        """Ends the session if it still runs (idempotent)."""


class _SSHSession(PreparedSession):
    def __init__(self, node: str, process: asyncssh.SSHClientProcess[bytes], early: bytes) -> None:
        self.node = node
        self.process = process
        self.early = early

    async def attach(self, *, stdin_fd: int = 0, stdout_fd: int = 1) -> int | None:
        try:
            return await _pump(self.process, self.early, stdin_fd=stdin_fd, stdout_fd=stdout_fd)
        except (OSError, asyncssh.Error) as exc:
            raise SessionError(f"session on {self.node} ended: {exc}") from None

    def close(self) -> None:
        self.process.close()


class _LocalSession(PreparedSession):
    def __init__(self, args: list[str]) -> None:
        self.args = args

    async def attach(self, *, stdin_fd: int = 0, stdout_fd: int = 1) -> int | None:
        proc = await asyncio.create_subprocess_exec(*self.args, stdin=stdin_fd, stdout=stdout_fd)
        return await proc.wait()


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
    process = await _create(conn, argv, stdout_fd=stdout_fd, term=term)
    try:
        return await _pump(process, b"", stdin_fd=stdin_fd, stdout_fd=stdout_fd)
    finally:
        process.close()


async def _create(
    conn: asyncssh.SSHClientConnection, argv: Sequence[str] | None, *, stdout_fd: int, term: str | None
) -> asyncssh.SSHClientProcess[bytes]:
    command = quote_argv(argv) if argv else None
    cols, rows = _size(stdout_fd)
    return await conn.create_process(
        command, term_type=term or os.environ.get("TERM", "xterm"), term_size=(cols, rows), encoding=None
    )


async def _check(process: asyncssh.SSHClientProcess[bytes], within: float) -> tuple[bytes, bool]:
    """Reads what the session prints for ``within`` seconds: (output, True when it ended meanwhile)."""
    early = b""
    deadline = time.monotonic() + within
    while (left := deadline - time.monotonic()) > 0:
        try:
            chunk = await asyncio.wait_for(process.stdout.read(65536), left)
        except TimeoutError:
            return early, False
        if not chunk:
            return early, True
        early += chunk
    return early, False


async def _pump(
    process: asyncssh.SSHClientProcess[bytes], early: bytes, *, stdin_fd: int, stdout_fd: int
) -> int | None:
    """Copies bytes between the local terminal (raw) and ``process`` until the session ends."""
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
        # The terminal may have changed size since the session was opened.
        on_resize()
        if early:
            os.write(stdout_fd, early)
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
    return await _local(argv).attach()


def _local(argv: Sequence[str] | None) -> _LocalSession:
    args = list(argv) if argv else [os.environ.get("SHELL", "/bin/sh"), "-l"]
    if shutil.which(args[0]) is None:
        raise ActionRefused(f"{args[0]} is not installed on this machine: no session")
    return _LocalSession(args)


async def prepare_session(
    transport: Transport, argv: Sequence[str] | None, *, stdout_fd: int = 1, check_s: float = CHECK_S
) -> PreparedSession:
    """Opens ``argv`` (or a login shell) on the node of ``transport`` and checks that it runs.

    Nothing touches the local terminal: call ``attach`` once the UI has let go of it.

    Raises:
        ActionRefused: the transport cannot carry an interactive session (demo, replay).
        TransportError: the node cannot be reached, or the command ended at once with a failure.
    """
    if isinstance(transport, LocalTransport):
        return _local(argv)
    if not isinstance(transport, SSHTransport):
        raise ActionRefused(
            f"{transport.node} is not reached over SSH: no interactive session ({type(transport).__name__})"
        )
    # The transport's own kept connection: a new channel, no new login or host-key check.
    try:
        conn = await transport.connection()
        process = await _create(conn, argv, stdout_fd=stdout_fd, term=None)
    except (OSError, asyncssh.Error) as exc:
        raise TransportError(f"no session on {transport.node}: {exc}") from None
    try:
        early, ended = await _check(process, check_s)
        if not ended:
            return _SSHSession(transport.node, process, early)
        done = await process.wait(check=False)
    except (OSError, asyncssh.Error) as exc:
        process.close()
        raise SessionError(f"session on {transport.node} ended at once: {exc}") from None
    process.close()
    status = done.exit_status
    if status != 0:
        said = [ln for ln in clean_block(early.decode(errors="replace")).splitlines() if ln.strip()]
        why = f": {said[-1].strip()}" if said else ""
        raise SessionError(f"{describe(argv)} on {transport.node} ended at once (exit status {status}){why}")
    prepared = PreparedSession()
    prepared.ended, prepared.finished = status, True
    return prepared


async def open_session(
    transport: Transport, argv: Sequence[str] | None, *, stdin_fd: int = 0, stdout_fd: int = 1
) -> int | None:
    """Hands the terminal to ``argv`` (or a login shell) on the node of ``transport``.

    Raises:
        ActionRefused: the transport cannot carry an interactive session (demo, replay).
        TransportError: the node cannot be reached.
    """
    prepared = await prepare_session(transport, argv, stdout_fd=stdout_fd)
    try:
        if prepared.finished:
            return prepared.ended
        return await prepared.attach(stdin_fd=stdin_fd, stdout_fd=stdout_fd)
    finally:
        prepared.close()


def describe(argv: Sequence[str] | None) -> str:
    """The command line shown before the hand-over."""
    return shlex.join(argv) if argv else "login shell"
