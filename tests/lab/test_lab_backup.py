"""``hatui do backup``, ``snapshot``, ``snapshots`` and ``snapshot-remove`` end to end on the lab
(Pacemaker 2.1.5; the plain backup job on the seed lab's 1.0.9 too), as a runbook runs them.

The snapshot is taken on the DRBD Secondary (vnode2 for vm1) by the LVM stand-in over the node's
real volume group; the job is hatui's own wrapper (``actions.backup_job``) running the site command
of the lab's ``backup:`` section in the node's shell over sshd; the snapshot is removed whatever
happens. What happened is read from the lab itself: the file the command wrote in the node's
``/srv/backup`` (it lists the snapshot as the node's ``lvs`` showed it while the job ran), the
snapshots the stand-in keeps, the real LVs, and hatui's audit log.
"""

from __future__ import annotations

import json
import re
import shutil
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from .harness import Lab
from .layout import BACKUP_DIR
from .test_lab_do import do

pytestmark = pytest.mark.lab

SNAPSHOT = re.compile(r"^vm1-root-hatui-(\d{8}T\d{6})$")


def written(lab: Lab, node: str) -> dict[str, str]:
    """The files in ``node``'s backup directory (``/srv`` is the node's own ``<node>/srv``)."""
    root = lab.layout.node_dir(node) / "srv" / BACKUP_DIR.removeprefix("/srv/")
    return {p.name: p.read_text() for p in sorted(root.iterdir())} if root.is_dir() else {}


def audit(tmp_path: Path) -> list[dict[str, Any]]:
    path = tmp_path / "hatui" / "audit.log"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def results(tmp_path: Path) -> list[tuple[str, str, int]]:
    """``(node, program, exit status)`` of every command the audit log's end records hold, in order."""
    out = []
    for rec in audit(tmp_path):
        for r in rec.get("results", []) if rec["event"] == "end" else []:
            words = [w for w in r["argv"] if w not in ("sudo", "-n", "env") and "=" not in w]
            out.append((r["node"], words[0], r["exit_status"]))
    return out


def config_with(lab: Lab, tmp_path: Path, **backup: Any) -> Path:
    """The lab's hatui config with ``backup:`` keys replaced."""
    doc = yaml.safe_load(lab.config_path.read_text())
    doc["clusters"]["lab"]["backup"].update(backup)
    path = tmp_path / "hatui.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def snapshot_of(doc: dict[str, Any]) -> str:
    """The snapshot's LV name from the plan's lvcreate step."""
    (create,) = [s["argv"] for s in doc["steps"] if "lvcreate" in s["argv"]]
    return str(create[create.index("-n") + 1])


def emptied(lab: Lab) -> Lab:
    """``lab`` (healed) with empty backup directories."""
    for node in lab.nodes:
        shutil.rmtree(lab.layout.node_dir(node) / "srv" / "backup", ignore_errors=True)
    assert lab.storage_unavailable is None, lab.storage_unavailable
    return lab


@pytest.fixture
def backup_lab(healthy_lab: Lab) -> Lab:
    """The healed modern lab with empty backup directories and no snapshot fill rate."""
    return emptied(healthy_lab)


@pytest.fixture
def any_backup_lab(any_lab: Lab) -> Lab:
    """The same on the modern or the seed lab (Pacemaker 1.0.9, heartbeat)."""
    return emptied(any_lab)


def no_snapshot_left(lab: Lab, node: str) -> None:
    assert lab.snapshots(node) == {}
    real = [r["lv_name"] for r in lab.lvm_rows(node, "lvs", "lv_name")]
    assert real == list(lab.layout.node_lvs(node))


def test_a_backup_job_runs_end_to_end(any_backup_lab: Lab, tmp_path: Path) -> None:
    lab = any_backup_lab
    vm = lab.vms["vm1"]
    p = do(lab, tmp_path, "backup", vm.name, "--yes", "--format", "json")
    assert p.returncode == 0, p.stdout + p.stderr
    doc = json.loads(p.stdout)
    assert doc["refused"] is None and doc["outcome"]["ok"] is True, doc
    snap = snapshot_of(doc)
    stamp = SNAPSHOT.match(snap)
    assert stamp is not None, snap
    steps = [(s["node"], s["argv"]) for s in doc["steps"]]
    assert {node for node, _ in steps} == {vm.spare}  # the DRBD Secondary: the Primary's I/O is untouched
    create, job, remove = (
        next(a for _, a in steps if word in a) for word in ("lvcreate", "hatui-backup", "lvremove")
    )
    assert create[create.index("lvcreate") :] == [
        "lvcreate",
        "-s",
        "-L",
        "256M",
        "-n",
        snap,
        f"vg0/{vm.drbd}",
    ]
    assert job[job.index("hatui-backup") + 1 : job.index("hatui-backup") + 3] == [
        f"vg0/{snap}",
        f"/dev/vg0/{snap}",
    ]
    assert remove[remove.index("lvremove") :] == ["lvremove", "-f", f"vg0/{snap}"]
    # The command ran while the snapshot existed: it wrote what the node's lvs showed then.
    files = written(lab, vm.spare)
    assert list(files) == [f"{vm.name}-{stamp[1]}.txt"], files
    lv_line, device_line = files[f"{vm.name}-{stamp[1]}.txt"].splitlines()
    assert lv_line.split() == [snap, vm.drbd, "swi-a-s---"]
    assert device_line == f"device /dev/vg0/{snap} node {vm.spare}"
    no_snapshot_left(lab, vm.spare)
    ran = results(tmp_path)
    assert [(n, prog) for n, prog, _ in ran] == [
        (vm.spare, "lvcreate"),
        (vm.spare, "sh"),
        (vm.spare, "lvremove"),
    ]
    assert [status for *_, status in ran] == [0, 0, 0]


def test_a_command_failing_half_way_still_removes_the_snapshot(backup_lab: Lab, tmp_path: Path) -> None:
    lab = backup_lab
    vm = lab.vms["vm1"]
    half = (f'mkdir -p {BACKUP_DIR} && echo partial > {BACKUP_DIR}/"$HATUI_VM".part'
            ' && echo "disk read error half-way" >&2 && exit 1')  # fmt: skip
    p = do(
        lab,
        tmp_path,
        "backup",
        vm.name,
        "--yes",
        "--format",
        "json",
        config=config_with(lab, tmp_path, command=half),
    )
    assert p.returncode != 0, p.stdout
    doc = json.loads(p.stdout)
    assert doc["outcome"]["ok"] is False, doc
    assert written(lab, vm.spare) == {f"{vm.name}.part": "partial\n"}
    no_snapshot_left(lab, vm.spare)
    assert [(prog, status) for _, prog, status in results(tmp_path)] == [
        ("lvcreate", 0),
        ("sh", 1),
        ("lvremove", 0),
    ]
    (job,) = [
        r for rec in audit(tmp_path) if rec["event"] == "end" for r in rec["results"] if r["argv"][0] == "sh"
    ]
    assert "disk read error half-way" in job["stderr"]


def test_a_snapshot_filling_past_the_stop_level_stops_the_job(backup_lab: Lab, tmp_path: Path) -> None:
    lab = backup_lab
    vm = lab.vms["vm1"]
    lab.set_snapshot_fill(vm.spare, 10.0)  # 80 % eight seconds after the snapshot is made
    config = config_with(lab, tmp_path, command="sleep 60", check_interval=1)
    t0 = time.monotonic()
    p = do(lab, tmp_path, "backup", vm.name, "--yes", "--format", "json", config=config)
    took = time.monotonic() - t0
    assert p.returncode != 0 and took < 40, (took, p.stdout)
    doc = json.loads(p.stdout)
    snap = snapshot_of(doc)
    (job,) = [
        r for rec in audit(tmp_path) if rec["event"] == "end" for r in rec["results"] if r["argv"][0] == "sh"
    ]
    assert job["exit_status"] == 75, job
    stop = re.search(
        rf"hatui-backup: snapshot vg0/{snap} is (\d+)\.\d+% full \(stop level 80%\): job stopped",
        job["stderr"],
    )
    # The wrapper looks every second; a loaded machine may look late, when the snapshot is already full.
    assert stop is not None and 80 <= int(stop[1]) <= 100, job["stderr"]
    no_snapshot_left(lab, vm.spare)
    assert [prog for _, prog, _ in results(tmp_path)][-1] == "lvremove"


def test_a_job_past_its_time_limit_is_stopped(backup_lab: Lab, tmp_path: Path) -> None:
    lab = backup_lab
    vm = lab.vms["vm1"]
    config = config_with(lab, tmp_path, command="sleep 60", time_limit=3, check_interval=1)
    p = do(lab, tmp_path, "backup", vm.name, "--yes", "--format", "json", config=config)
    assert p.returncode != 0, p.stdout
    (job,) = [
        r for rec in audit(tmp_path) if rec["event"] == "end" for r in rec["results"] if r["argv"][0] == "sh"
    ]
    assert (
        job["exit_status"] == 124 and "hatui-backup: time limit of 3s reached: job stopped" in job["stderr"]
    )
    assert job["duration_s"] < 30
    no_snapshot_left(lab, vm.spare)


def test_snapshot_list_and_remove_on_real_lvm(backup_lab: Lab, tmp_path: Path) -> None:
    lab = backup_lab
    vm = lab.vms["vm2"]
    made = do(lab, tmp_path, "snapshot", vm.name, "--yes", "--format", "json")
    assert made.returncode == 0, made.stdout + made.stderr
    snap = snapshot_of(json.loads(made.stdout))
    assert set(lab.snapshots(vm.spare)) == {f"vg0/{snap}"}
    lab.set_snapshot_fill(vm.spare, 1.0)
    time.sleep(1.5)
    listed = do(lab, tmp_path, "snapshots", "--format", "json")
    doc = json.loads(listed.stdout)
    # A node whose LVM was not read is named (and the exit is 2), not listed as holding nothing.
    assert (listed.returncode, doc["unread"]) == (0, []), listed.stderr
    (row,) = doc["snapshots"]
    assert (row["node"], row["path"], row["origin"], row["vm"]) == (vm.spare, f"vg0/{snap}", vm.drbd, vm.name)
    assert (row["size_bytes"], row["invalid"], row["hatui"]) == (256 * 1024 * 1024, False, True)
    assert 1.0 <= row["fill_percent"] < 50.0 and 0 <= row["age_s"] < 120, row
    # Only a snapshot is ever removed: the origin is refused, and nothing changes.
    refused = do(
        lab, tmp_path, "snapshot-remove", f"vg0/{vm.drbd}", "--node", vm.spare, "--yes", "--format", "json"
    )
    assert refused.returncode == 3, refused.stdout + refused.stderr  # could not plan: no such snapshot
    assert f"{vm.spare} lists no snapshot 'vg0/{vm.drbd}' (its snapshots: vg0/{snap})" in refused.stderr
    assert set(lab.snapshots(vm.spare)) == {f"vg0/{snap}"}
    removed = do(
        lab, tmp_path, "snapshot-remove", f"vg0/{snap}", "--node", vm.spare, "--yes", "--format", "json"
    )
    assert removed.returncode == 0, removed.stdout + removed.stderr
    no_snapshot_left(lab, vm.spare)
