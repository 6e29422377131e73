"""``hatui do`` on the real lab clusters (Pacemaker 2.1.5 and 1.0.9: ``any_lab``) over each node's
sshd, as a runbook runs it (a subprocess).

A dry run changes nothing; a real move with ``--yes`` fails the VM over to the spare and leaves no
``cli-*`` constraint and no in-flight marker; a move to a node no location constraint allows
(asymmetric cluster) is refused before anything runs; a read-only config refuses all but a dry run.
What happened is read from the lab itself (``lab.status()``, the CIB), never from hatui's parsers.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from .harness import Lab
from .test_lab_placement import dummy3  # noqa: F401  (the fixture: dummy3 on vnode3, removed after)

pytestmark = pytest.mark.lab


def do(lab: Lab, tmp_path: Path, *args: str, config: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, XDG_STATE_HOME=str(tmp_path))
    return subprocess.run(
        [sys.executable, "-m", "hatui", "do", *args, "--config", str(config or lab.config_path)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
        check=False,
    )


def constraints(lab: Lab) -> list[str]:
    """Ids of hatui's constraints (``cli-*`` and in-flight markers) in the live CIB."""
    text = lab.crm("cibadmin", "-Q", "-o", "constraints")
    ids = [w.split('"')[1] for w in text.split() if w.startswith('id="')]
    return [i for i in ids if i.startswith(("cli-", "hatui-inflight"))]


def events(tmp_path: Path) -> list[str]:
    path = tmp_path / "hatui" / "audit.log"
    return [json.loads(x)["event"] for x in path.read_text().splitlines()] if path.exists() else []


def test_a_dry_run_plans_a_move_and_changes_nothing(any_lab: Lab, tmp_path: Path) -> None:
    lab = any_lab
    vm = lab.vms["vm1"]
    p = do(lab, tmp_path, "move", vm.name, "--to", vm.spare, "--dry-run", "--format", "json")
    assert p.returncode == 0, p.stderr
    doc = json.loads(p.stdout)
    assert doc["refused"] is None and doc["outcome"] is None
    argvs = [s["argv"] for s in doc["steps"]]
    if lab.profile == "seed":
        # Pacemaker 1.0.9 moves under stickiness INFINITY with the raw -M -f (the crm shell's
        # migrate cannot force) and knows none of 2.x's options.
        assert any(a[:2] == ["crm_resource", "-M"] and "-f" in a and vm.spare in a for a in argvs), argvs
        assert not {w for a in argvs for w in a} & {"--move", "--ban", "--clear", "--output-as", "--wait"}
    else:
        assert any(a[:2] == ["crm_resource", "--move"] and vm.spare in a for a in argvs), argvs
    # Pacemaker's own scheduler ran on a copy of the live CIB. Whether its copy moves the VM in one
    # transition or stops it first depends on the DRBD promotion scores the agent has set at that
    # moment (the copy cannot change them): either way the preview speaks of this VM.
    assert any(vm.name in line and "will " in line for line in doc["preview"]), doc["preview"]
    assert lab.status().where(vm.name) == vm.home
    assert constraints(lab) == [] and events(tmp_path) == []


def test_a_move_with_yes_fails_over_and_leaves_nothing(healthy_lab: Lab, tmp_path: Path) -> None:
    # The modern lab only: the seed lab's move runs through the same runner in test_lab_actions'
    # failover (the seed lab's time is counted); its dry run here checks the 1.0 argv.
    lab = healthy_lab
    vm = lab.vms["vm1"]
    p = do(lab, tmp_path, "move", vm.name, "--to", vm.spare, "--yes", "--format", "json")
    assert p.returncode == 0, p.stdout + p.stderr
    doc = json.loads(p.stdout)
    assert doc["outcome"] == {
        "ok": True,
        "message": f"{vm.name} runs on {vm.spare}; no cli- constraint left",
        "left_behind": [],
    }
    st = lab.status()
    assert st.where(vm.name) == vm.spare and st.promoted(vm.drbd_primitive) == vm.spare
    assert constraints(lab) == []
    assert events(tmp_path) == ["start", "end"]


def test_a_move_to_a_node_no_constraint_allows_is_refused(any_lab: Lab, tmp_path: Path) -> None:
    lab = any_lab
    vm = lab.vms["vm1"]
    elsewhere = next(n for n in lab.nodes if n not in (vm.home, vm.spare))
    p = do(lab, tmp_path, "move", vm.name, "--to", elsewhere, "--yes")
    assert p.returncode == 1, p.stdout + p.stderr
    assert "refused:" in p.stdout and elsewhere in p.stdout
    assert lab.status().where(vm.name) == vm.home and constraints(lab) == []
    assert events(tmp_path) == ["refused"]


def test_a_read_only_cluster_refuses_all_but_a_dry_run(any_lab: Lab, tmp_path: Path) -> None:
    lab = any_lab
    data = yaml.safe_load(lab.config_path.read_text())
    data["clusters"]["lab"]["mode"] = "read-only"
    ro = tmp_path / "ro.yaml"
    ro.write_text(yaml.safe_dump(data))
    ro.chmod(0o600)
    vm = lab.vms["vm1"]
    p = do(lab, tmp_path, "standby", vm.spare, "--yes", config=ro)
    assert p.returncode == 1 and "read-only" in p.stdout, p.stdout + p.stderr
    p = do(lab, tmp_path, "standby", vm.spare, "--dry-run", config=ro)
    assert p.returncode == 0, p.stdout + p.stderr
    # On 1.0.9 with the crm shell found, hatui speaks its grammar.
    standby = "crm node standby" if lab.profile == "seed" else "crm_attribute"
    assert standby in p.stdout and "read-only" in p.stdout
    assert "value=off" in lab.crm("crm_standby", "-N", vm.spare, "-G"), "not in standby"
    assert events(tmp_path) == ["refused"]


def test_the_dummy3_scene_moves_nothing_twice(dummy3: Lab, tmp_path: Path) -> None:  # noqa: F811
    """Asymmetric cluster: vnode2 is not allowed, and a move to vnode1 would be undone (stickiness 0)."""
    lab = dummy3
    p = do(lab, tmp_path, "move", "dummy3", "--to", "vnode2", "--yes")
    assert p.returncode == 1, p.stdout + p.stderr
    assert "refused: vnode2: no location constraint allows dummy3 there" in p.stdout
    p = do(lab, tmp_path, "move", "dummy3", "--to", "vnode1", "--yes", "--format", "json")
    assert p.returncode == 1, p.stdout + p.stderr
    doc = json.loads(p.stdout)
    assert "will move dummy3 vnode1 → vnode3" in doc["refused"] and "would move twice" in doc["refused"]
    assert "a pinned move to vnode1" in doc["refused"]
    assert doc["outcome"] is None
    assert lab.status().where("dummy3") == "vnode3" and constraints(lab) == []
    assert events(tmp_path) == ["refused", "refused"]
