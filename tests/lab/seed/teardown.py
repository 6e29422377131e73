"""Provides the seed lab's tear-down from its state file alone, and the stale-lab sweep.

``<state>/lab.json`` records the network-namespace holder and every node's init and unshare PIDs.
A PID is killed only while its command line still names this lab's state directory (or, for the
holder's ``sleep``, while its parent is the recorded holder), so a reused PID is never hit.
SIGKILL of a node's init ends its whole PID namespace (heartbeat and Pacemaker's daemons with
it); the mount namespaces go with their last process; the holder's end frees the network one.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import time
from pathlib import Path
from typing import Any

from .. import cleanup, storage
from ..cleanup import cmdline, leftovers, read_runtime

STATE_ROOT = Path("/var/tmp")
STATE_PREFIX = "hatui-seedlab-"


def is_seed_process(pid: int | None, state: Path) -> bool:
    return bool(pid) and str(state) in cmdline(int(pid or 0))


def _gone(pid: int, state: Path, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not is_seed_process(pid, state):
            return True
        time.sleep(0.02)
    return False


def kill_pid(pid: int | None, state: Path, timeout: float = 10.0) -> None:
    if is_seed_process(pid, state):
        with contextlib.suppress(ProcessLookupError):
            os.kill(int(pid or 0), signal.SIGKILL)
        _gone(int(pid or 0), state, timeout)


def holder_child(holder: int | None) -> int | None:
    """The ``sleep`` that keeps the lab's network namespace (the holder unshare's only child)."""
    try:
        kids = Path(f"/proc/{holder}/task/{holder}/children").read_text().split()
    except OSError:
        return None
    return int(kids[0]) if kids else None


def teardown_state(state: Path) -> list[str]:
    """Kills every node and the namespace holder, removes the state directory; returns leftovers."""
    runtime = read_runtime(state)
    nodes: dict[str, dict[str, Any]] = runtime.get("nodes", {})
    for info in nodes.values():
        kill_pid(info.get("init_pid"), state)
    for info in nodes.values():
        kill_pid(info.get("unshare_pid"), state)
    holder = runtime.get("netns_pid")
    if is_seed_process(holder, state):
        child = holder_child(holder)
        if child is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(child, signal.SIGKILL)
        kill_pid(holder, state)
    storage.teardown(state)
    if state.is_dir() and state.name.startswith(STATE_PREFIX):
        shutil.rmtree(state, ignore_errors=True)
    problems = leftovers(state, [])
    for pid in [holder, *(i.get(k) for i in nodes.values() for k in ("init_pid", "unshare_pid"))]:
        if pid and Path(f"/proc/{pid}").exists() and str(state) in cmdline(int(pid)):
            problems.append(f"process {pid} still runs: {cmdline(int(pid))[:100]}")
    return problems


def stale_labs(owner: str | None = None) -> list[Path]:
    """Seed labs whose owning process is gone (a test run killed before its tear-down)."""
    return cleanup.stale_labs(owner, prefix=STATE_PREFIX)
