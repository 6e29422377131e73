"""Provides ``inside(path)``: the calling thread enters a network namespace for a while, then returns.

Python 3.11 has no ``os.setns``; ``setns(2)`` through ctypes moves only the calling thread, so a
test's event loop (same thread) opens its SSH connections in the seed lab's namespace, and the
subprocesses it starts are born there too. The thread's own namespace is restored on exit.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
from collections.abc import Iterator

CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)


def _setns(fd: int) -> None:
    if _libc.setns(fd, CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"setns(CLONE_NEWNET): {os.strerror(err)}")


@contextlib.contextmanager
def inside(netns_path: str) -> Iterator[None]:
    home = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
    try:
        target = os.open(netns_path, os.O_RDONLY)
        try:
            _setns(target)
        finally:
            os.close(target)
        try:
            yield
        finally:
            _setns(home)
    finally:
        os.close(home)
