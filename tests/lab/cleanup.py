"""Provides tear-down from a lab's state file alone, and the leftover check tests assert on.

``<state>/lab.json`` records every node's init PID, its cgroup and whether the lab created the
host's ``/etc/libqb``. Tear-down SIGKILLs each node's init (a graceful Pacemaker stop can hang
for minutes during a transition), which kills the whole PID namespace; the mount namespaces go
with their last process, the loop devices under the nodes' volume groups are detached (found by
their backing files: ``storage``), the cgroups are removed once empty, then the state directory.
A PID is only killed if its command line still names this lab's init, so a reused PID is never hit.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import time
from pathlib import Path
from typing import Any

from . import storage
from .cgroups import Freezer

STATE_ROOT = Path("/var/tmp")
STATE_PREFIX = "hatui-lab-"
LIBQB_DIR = Path("/etc/libqb")


def read_runtime(state: Path) -> dict[str, Any]:
    try:
        data: dict[str, Any] = json.loads((state / "lab.json").read_text())
    except (OSError, ValueError):
        return {}
    return data


def write_runtime(state: Path, runtime: dict[str, Any]) -> None:
    tmp = state / ".lab.json.tmp"
    tmp.write_text(json.dumps(runtime, indent=1, sort_keys=True) + "\n")
    os.replace(tmp, state / "lab.json")


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def is_lab_process(pid: int | None, state: Path) -> bool:
    """True if ``pid`` is this lab's node init (or the unshare that forked it)."""
    return bool(pid) and "nodeinit.py" in (line := cmdline(int(pid))) and str(state) in line  # type: ignore[arg-type]


def lab_is_live(state: Path) -> bool:
    nodes = read_runtime(state).get("nodes", {})
    return any(is_lab_process(info.get("init_pid"), state) for info in nodes.values())


def kill_node(state: Path, info: dict[str, Any], timeout: float = 10.0) -> None:
    """SIGKILLs one node's init and waits until every process of its namespace is gone."""
    freezer = Freezer(info["cgroup"], info.get("cgroup_version")) if info.get("cgroup") else None
    if freezer is not None:
        freezer.thaw()  # a task frozen by the v1 freezer does not die until thawed
    init_pid = info.get("init_pid")
    if is_lab_process(init_pid, state):
        with contextlib.suppress(ProcessLookupError):
            os.kill(int(init_pid), signal.SIGKILL)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        alive = is_lab_process(init_pid, state) or (freezer is not None and freezer.pids())
        if not alive:
            break
        time.sleep(0.02)


def other_live_labs(state: Path) -> bool:
    for runtime_file in STATE_ROOT.glob(f"{STATE_PREFIX}*/lab.json"):
        other = runtime_file.parent
        if other != state and lab_is_live(other):
            return True
    return False


def teardown_state(state: Path) -> list[str]:
    """Kills, unmounts (by ending the namespaces), removes cgroups and the state directory.

    Returns what could not be cleaned (empty when all went).
    """
    problems: list[str] = []
    runtime = read_runtime(state)
    nodes: dict[str, dict[str, Any]] = runtime.get("nodes", {})
    for info in nodes.values():
        kill_node(state, info)
    for info in nodes.values():
        unshare_pid = info.get("unshare_pid")
        if is_lab_process(unshare_pid, state):
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(unshare_pid), signal.SIGKILL)
    # The nodes are dead: nothing holds the loop devices any more (one left is in ``leftovers``).
    storage.teardown(state)
    for info in nodes.values():
        if info.get("cgroup"):
            freezer = Freezer(info["cgroup"], info.get("cgroup_version"))
            if not freezer.remove():
                problems.append(f"cgroup {freezer.path} still holds {freezer.pids()}")
    if runtime.get("created_libqb") and not other_live_labs(state):
        # It held only our empty bind-mount point; anything else in it means someone else uses it.
        with contextlib.suppress(OSError):
            LIBQB_DIR.rmdir()
    if state.is_dir() and state.name.startswith(STATE_PREFIX):
        shutil.rmtree(state, ignore_errors=True)
    problems += leftovers(state, [info.get("cgroup") for info in nodes.values()])
    return problems


def leftovers(state: Path, cgroups: list[str | None]) -> list[str]:
    """What a lab left behind: processes, mounts (in any mount namespace), cgroups, files.

    A process still living in a node's mount namespace shows the lab's bind mounts in its
    mountinfo (whose root field names the source directory), so one scan finds both.
    """
    found: list[str] = []
    seen_ns: set[str] = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            info = (entry / "mountinfo").read_text()
            ns = os.readlink(entry / "ns" / "mnt")
        except OSError:
            continue
        if str(state) in info:
            found.append(f"process {entry.name} in a lab mount namespace: {cmdline(int(entry.name))[:100]}")
            if ns not in seen_ns:
                seen_ns.add(ns)
                found += [f"  mount {line}" for line in info.splitlines() if str(state) in line][:3]
    for name in cgroups:
        path = Freezer(name).path if name else None
        if path is not None and path.exists():
            found.append(f"cgroup {path}")
    if state.exists():
        found.append(f"state directory {state}")
    found += [f"loop device {dev} on {image}" for dev, image in storage.lab_loops(state).items()]
    return found


def stale_labs(owner: str | None = None, prefix: str = STATE_PREFIX) -> list[Path]:
    """Labs whose owning process is gone (a test run killed before its tear-down)."""
    out = []
    for runtime_file in STATE_ROOT.glob(f"{prefix}*/lab.json"):
        runtime = read_runtime(runtime_file.parent)
        if owner is not None and runtime.get("owner") != owner:
            continue
        pid = runtime.get("owner_pid")
        if not pid or not Path(f"/proc/{pid}").exists():
            out.append(runtime_file.parent)
    return out
