"""Tear-down leaves nothing: no process, mount, cgroup, namespace or state file, frozen nodes included.

These tests bring up their own small labs on other addresses, so they run beside the session's
lab (and do not depend on it).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from . import cleanup
from .cgroups import Freezer
from .conftest import require_lab
from .harness import Lab

pytestmark = pytest.mark.lab
REPO = Path(__file__).resolve().parents[2]


def _namespaces_of(pids: list[int]) -> set[str]:
    return {os.readlink(f"/proc/{pid}/ns/mnt") for pid in pids}


def _anyone_in(namespaces: set[str]) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (
                    os.readlink(entry / "ns" / "mnt") in namespaces
                    or os.readlink(entry / "ns" / "pid") in namespaces
                ):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def test_down_leaves_nothing_behind_even_with_a_frozen_node() -> None:
    require_lab()
    libqb_before = cleanup.LIBQB_DIR.exists()
    lab = Lab(2, address_base="127.0.0.12")
    try:
        lab.up(timeout=40)
        assert lab.wait_vm_on("vm1", "vnode1", timeout=20) == "vnode1"
        inits = [lab.init_pid(n) for n in lab.nodes]
        namespaces = _namespaces_of(inits) | {os.readlink(f"/proc/{p}/ns/pid") for p in inits}
        cgroups = [lab.runtime["nodes"][n]["cgroup"] for n in lab.nodes]
        lab.freeze("vnode2")
        assert Freezer(cgroups[1]).frozen()
    finally:
        problems = lab.down()
    assert problems == []
    assert _anyone_in(namespaces) == [], "a process survived in a node's namespaces"
    assert not any(Path(f"/proc/{pid}").exists() for pid in inits)
    assert str(lab.state_dir) not in Path("/proc/self/mountinfo").read_text()
    assert all(not Freezer(c).path.exists() for c in cgroups if c)  # type: ignore[union-attr]
    assert not lab.state_dir.exists()
    assert cleanup.LIBQB_DIR.exists() == libqb_before
    assert cleanup.leftovers(lab.state_dir, cgroups) == []


def test_cli_up_kill_restart_status_down(tmp_path: Path) -> None:
    require_lab()
    env = {**os.environ, "HATUI_LAB_CURRENT": str(tmp_path / "current")}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "tests.lab.hatui_lab", *args], cwd=REPO, env=env,
                              capture_output=True, text=True, timeout=120)  # fmt: skip

    up = cli("up", "--nodes", "1", "--address-base", "127.0.0.22")
    assert up.returncode == 0, up.stderr
    state = Path(os.readlink(tmp_path / "current"))
    try:
        assert f"config:  {state}/hatui.yaml" in up.stdout
        assert "vnode1:  127.0.0.22" in up.stdout
        assert cli("kill", "vnode1").stdout.strip() == "kill vnode1: done"
        assert "vnode1 (127.0.0.22): dead" in cli("status").stdout
        assert cli("restart", "vnode1").returncode == 0
        status = cli("status").stdout
        assert "vnode1 (127.0.0.22): running, sshd up" in status and "Online: [ vnode1 ]" in status
        assert cli("hang", "vnode1", "on", "xl").returncode == 0
        assert (state / "faults" / "vnode1" / "hang-xl").exists()
        assert cli("hang", "vnode1", "off").returncode == 0
        assert not (state / "faults" / "vnode1" / "hang-xl").exists()
        assert cli("freeze", "nosuchnode").returncode == 1
    finally:
        down = cli("down")
    assert down.returncode == 0 and "down: clean" in down.stdout, down.stdout + down.stderr
    assert not state.exists() and not (tmp_path / "current").exists()
    assert cleanup.leftovers(state, []) == []
