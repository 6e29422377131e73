"""Provides ``xm console``/``xl console``: a guest login prompt on a real pseudo-terminal.

The guest side runs on the slave end of a fresh PTY in canonical mode, so the kernel's line
discipline does the echoing, as a real guest's getty does. The caller's terminal (when it is one)
is put in raw mode and bytes are relayed both ways; Ctrl-] (0x1d) detaches, as in Xen. The
console also ends when the domain goes away.
"""

from __future__ import annotations

import contextlib
import os
import pty
import select
import signal
import sys
import termios
import tty
from collections.abc import Callable

ESCAPE = b"\x1d"


def _guest(name: str) -> None:
    """The guest's getty: a banner, then a login prompt that never lets anyone in."""
    out = sys.stdout
    out.write(f"\nDebian GNU/Linux 6.0 {name} hvc0\n\n")
    while True:
        out.write(f"{name} login: ")
        out.flush()
        line = sys.stdin.readline()
        if not line:
            os._exit(0)
        if line.strip():
            out.write("Password: ")
            out.flush()
            attrs = termios.tcgetattr(0)
            quiet = attrs[:]
            quiet[3] &= ~termios.ECHO
            termios.tcsetattr(0, termios.TCSANOW, quiet)
            sys.stdin.readline()
            termios.tcsetattr(0, termios.TCSANOW, attrs)
            out.write("\nLogin incorrect\n")
        out.write("\n")


def attach(name: str, alive: Callable[[], bool]) -> int:
    pid, master = pty.fork()
    if pid == 0:
        try:
            _guest(name)
        finally:
            os._exit(0)
    stdin = sys.stdin.fileno()
    saved = None
    if os.isatty(stdin):
        saved = termios.tcgetattr(stdin)
        tty.setraw(stdin)
    try:
        _relay(master, stdin, alive)
    finally:
        if saved is not None:
            termios.tcsetattr(stdin, termios.TCSADRAIN, saved)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(master)
    return 0


def _relay(master: int, stdin: int, alive: Callable[[], bool]) -> None:
    stdout = sys.stdout.fileno()
    stdin_open = True
    while True:
        fds = [master, stdin] if stdin_open else [master]
        ready, _, _ = select.select(fds, [], [], 0.5)
        if not ready and not alive():
            return
        if master in ready:
            try:
                data = os.read(master, 4096)
            except OSError:
                return
            if not data:
                return
            os.write(stdout, data)
        if stdin in ready:
            data = os.read(stdin, 1024)
            if not data:
                stdin_open = False
                continue
            if ESCAPE in data:
                os.write(master, data[: data.index(ESCAPE)])
                return
            os.write(master, data)
