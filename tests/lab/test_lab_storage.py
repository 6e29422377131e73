"""The lab's storage on its own (root, loop devices, no cluster): one node's real volume group, the
LVM and iSCSI stand-ins over it, and a tear-down that leaves no loop device, also after a crash.
Then on the running lab: ``hatui --once`` reads every node's storage and joins each DRBD resource
to its real LV and VG, and the stand-ins' faults reach hatui's health.

The node here is ``vnode2`` of a lab layout (it holds both DRBD backing LVs), made by the lab's own
``storage.create_node``; the stand-ins run on the host with that node's ``lvm.conf``
(``LVM_SYSTEM_DIR``) and node file, as they run inside a node. Their outputs are read back with
hatui's parsers and with the commands hatui's sources send (``hatui.sources.table``); what LVM
really holds is read with the real ``lvm`` (``storage.lvm``).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from hatui.model.stack import LvmFlavour
from hatui.parsers.iscsiadm import parse_iscsiadm_session
from hatui.parsers.lvm import parse_lvs, parse_vgs
from hatui.sources.table import SOURCES

from . import cleanup, storage
from .conftest import require_lab
from .harness import Lab, missing_prerequisites
from .layout import Layout
from .watching import IGNORED, once

pytestmark = pytest.mark.lab

EMULATORS = Path(__file__).resolve().parent / "emulators"
MIB = 1024 * 1024
NODE = "vnode2"


@dataclass
class OneNode:
    """One node's storage and stand-ins, outside any namespace."""

    layout: Layout
    env: dict[str, str]

    @property
    def state(self) -> Path:
        return self.layout.state

    @property
    def conf_dir(self) -> Path:
        return self.layout.node_dir(NODE) / storage.CONF_DIR

    def run(self, *argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(argv, capture_output=True, text=True, env=self.env, timeout=60, check=False)

    def ok(self, *argv: str) -> str:
        proc = self.run(*argv)
        assert proc.returncode == 0, (argv, proc.stderr)
        return proc.stdout

    def real(self, tool: str, *fields: str) -> list[dict[str, str]]:
        out = storage.lvm(self.conf_dir, tool, "--reportformat", "json", "--units", "b", "--nosuffix",
                          "-o", ",".join(fields)).stdout  # fmt: skip
        return [row for group in json.loads(out)["report"] for row in next(iter(group.values()))]

    def fill(self, rate: float, since: float) -> None:
        flag = self.state / "faults" / NODE / "snapshot-fill"
        flag.parent.mkdir(parents=True, exist_ok=True)
        flag.write_text(json.dumps({"rate": rate, "since": since}))


def sent(name: str, flavour: LvmFlavour) -> list[str]:
    """The argv hatui's source ``name`` sends to a node whose LVM is ``flavour``, without ``env X=Y``."""
    argv = next(s for s in SOURCES if s.name == name).commands[flavour]
    return [a for a in argv if a != "env" and "=" not in a]


def _storage_missing() -> str | None:
    return missing_prerequisites() or storage.available()


def make_state(owner_pid: int | None = None) -> Layout:
    """A lab state directory the lab's sweep and ``down --all`` recognise (``lab.json``, no nodes)."""
    state = Path(tempfile.mkdtemp(prefix=cleanup.STATE_PREFIX, dir=cleanup.STATE_ROOT))
    cleanup.write_runtime(state, {"owner": "pytest", "owner_pid": owner_pid or os.getpid(), "nodes": {}})
    layout = Layout.build(state, 3, "127.0.0.2")
    (state / "layout.json").write_text(json.dumps(layout.emulator_layout()))
    return layout


@pytest.fixture
def one_node() -> Iterator[OneNode]:
    require_lab(_storage_missing)
    layout = make_state()
    try:
        storage.create_node(layout, NODE, {})
        node_file = layout.state / "node.json"
        node_file.write_text(json.dumps({"node": NODE, "state": str(layout.state), "boot": "test"}))
        bin_dir = layout.state / "bin"
        bin_dir.mkdir()
        for tool in ("lvs", "vgs", "lvcreate", "lvremove", "iscsiadm"):
            (bin_dir / tool).symlink_to(EMULATORS / "labemu.py")
        env = {"PATH": f"{bin_dir}:/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL": "C", "HATUI_LAB_NODE_FILE":
               str(node_file), "LVM_SYSTEM_DIR": str(layout.node_dir(NODE) / storage.CONF_DIR),
               "LVM_SUPPRESS_FD_WARNINGS": "1"}  # fmt: skip
        yield OneNode(layout, env)
    finally:
        problems = cleanup.teardown_state(layout.state)
    assert problems == []


def test_the_node_has_a_real_volume_group_with_one_lv_per_drbd_backing_disk(one_node: OneNode) -> None:
    layout = one_node.layout
    (pv,) = one_node.real("pvs", "pv_name", "vg_name", "pv_size")
    (device,) = storage.lab_loops(layout.state)
    assert (pv["pv_name"], pv["vg_name"]) == (device, "vg0")
    (vg,) = one_node.real("vgs", "vg_name", "vg_size", "vg_free", "lv_count", "snap_count")
    lv_bytes = layout.lv_mib * MIB
    assert (vg["lv_count"], vg["snap_count"]) == ("2", "0")
    assert int(vg["vg_free"]) == int(vg["vg_size"]) - 2 * lv_bytes
    lvs = {r["lv_name"]: int(r["lv_size"]) for r in one_node.real("lvs", "lv_name", "lv_size")}
    assert lvs == {"vm1-root": lv_bytes, "vm2-root": lv_bytes} and layout.node_lvs(NODE) == tuple(lvs)
    assert layout.backing_disk(layout.vms[0]) == "/dev/vg0/vm1-root"
    # Without a snapshot the stand-in is the real lvs, and hatui reads it: no device-mapper, so
    # LVM cannot tell whether an LV is active.
    parsed = {lv.name: lv for lv in parse_lvs(one_node.ok(*sent("lvs", LvmFlavour.JSON)))}
    assert {n: (lv.size_bytes, lv.active, lv.origin) for n, lv in parsed.items()} == {
        "vm1-root": (lv_bytes, None, None), "vm2-root": (lv_bytes, None, None),
    }  # fmt: skip


def test_a_snapshot_is_a_real_lv_shown_as_lvm_shows_a_thick_snapshot(one_node: OneNode) -> None:
    name = "vm1-root-hatui-20261205T183000"
    out = one_node.ok("lvcreate", "-s", "-L", "256M", "-n", name, "vg0/vm1-root")
    assert out == f'  Logical volume "{name}" created.\n'
    before = time.time()
    one_node.fill(rate=0.0, since=before)
    real = {r["lv_name"]: r for r in one_node.real("lvs", "lv_name", "lv_attr", "lv_size", "origin")}
    assert real[name]["lv_size"] == str(256 * MIB) and real[name]["origin"] == ""  # a plain LV to LVM
    for flavour in (LvmFlavour.JSON, LvmFlavour.COLUMNS):
        lvs = {lv.name: lv for lv in parse_lvs(one_node.ok(*sent("lvs", flavour)))}
        snap, origin = lvs[name], lvs["vm1-root"]
        assert (snap.is_thick_snapshot, snap.invalid, snap.origin) == (True, False, "vm1-root")
        assert snap.size_bytes == 256 * MIB
        assert (snap.attr, snap.snapshot_percent, snap.active) == ("swi-a-s---", 0.0, True)
        assert origin.attr[0] == "o" and lvs["vm2-root"].attr[0] == "-"
    (vg,) = parse_vgs(one_node.ok(*sent("vgs", LvmFlavour.JSON)))
    assert (vg.lv_count, vg.snapshot_count) == (3, 1)
    assert vg.free_bytes == int(one_node.real("vgs", "vg_free")[0]["vg_free"])
    heading = one_node.ok("lvs").splitlines()[0].split()
    assert heading[:6] == ["LV", "VG", "Attr", "LSize", "Pool", "Origin"]


def test_a_snapshot_fills_at_the_set_rate_and_is_invalid_when_full(one_node: OneNode) -> None:
    name = "vm2-root-hatui-20261205T190000"
    one_node.ok("lvcreate", "-s", "-L", "256M", "-n", name, "vg0/vm2-root")
    one_node.fill(rate=10.0, since=0.0)  # counted from the snapshot's creation
    time.sleep(0.2)
    probe = ("lvs", "--noheadings", "--units", "b", "--nosuffix", "-o", "snap_percent", f"vg0/{name}")
    first = float(one_node.ok(*probe))  # what a backup job's watch reads (actions.backup_job)
    assert 0.0 < first < 100.0
    time.sleep(0.3)
    assert float(one_node.ok(*probe)) > first
    one_node.fill(rate=1000.0, since=0.0)
    (snap,) = [lv for lv in parse_lvs(one_node.ok(*sent("lvs", LvmFlavour.JSON))) if lv.name == name]
    assert (snap.attr, snap.snapshot_percent, snap.invalid) == ("swi-I-s---", 100.0, True)


def test_lvremove_forgets_a_snapshot_and_an_origin_takes_its_snapshots(one_node: OneNode) -> None:
    for lv, snap in (("vm1-root", "s1"), ("vm2-root", "s2")):
        one_node.ok("lvcreate", "-s", "-L", "64M", "-n", snap, f"vg0/{lv}")
    snaps = one_node.state / "lvm" / f"{NODE}.json"
    assert set(json.loads(snaps.read_text())["snapshots"]) == {"vg0/s1", "vg0/s2"}
    assert "successfully removed" in one_node.ok("lvremove", "-f", "vg0/s1")
    assert set(json.loads(snaps.read_text())["snapshots"]) == {"vg0/s2"}
    one_node.ok("lvremove", "-f", "vg0/vm2-root")
    assert json.loads(snaps.read_text())["snapshots"] == {}
    assert [r["lv_name"] for r in one_node.real("lvs", "lv_name")] == ["vm1-root"]
    # With no snapshot left, lvs is the real tool again: no origin mark.
    assert one_node.ok("lvs", "--noheadings", "-o", "lv_attr", "vg0/vm1-root").strip().startswith("-wi")


def test_lvcreate_refuses_what_lvm_refuses_and_records_nothing(one_node: OneNode) -> None:
    missing = one_node.run("lvcreate", "-s", "-L", "64M", "-n", "s", "vg0/nope")
    assert (missing.returncode, missing.stderr.strip()) == (5, 'Failed to find logical volume "vg0/nope"')
    too_big = one_node.run("lvcreate", "-s", "-L", "4G", "-n", "s", "vg0/vm1-root")
    assert too_big.returncode == 5 and "insufficient free space" in too_big.stderr, too_big.stderr
    assert "device-mapper" not in too_big.stderr  # the no-device-mapper noise is not a snapshot's
    one_node.ok("lvcreate", "-s", "-L", "64M", "-n", "s", "vg0/vm1-root")
    again = one_node.run("lvcreate", "-s", "-L", "64M", "-n", "s2", "vg0/s")
    assert (again.returncode, again.stderr.strip()) == (5, "Snapshots of snapshots are not supported.")
    assert set(json.loads((one_node.state / "lvm" / f"{NODE}.json").read_text())["snapshots"]) == {"vg0/s"}


def test_iscsiadm_stand_in_prints_open_iscsi_formats_and_its_faults(one_node: OneNode) -> None:
    layout = one_node.layout
    command = next(s for s in SOURCES if s.name == "iscsiadm_session").commands[True]
    (up,) = parse_iscsiadm_session(one_node.ok(*command))
    assert (up.target, up.portal, up.sid) == (layout.iscsi_target, layout.iscsi_portal, 2)
    assert (up.connection_state, up.session_state, up.internal_state, up.logged_in) == (
        "LOGGED IN", "LOGGED_IN", "NO CHANGE", True)  # fmt: skip
    plain = one_node.ok("iscsiadm", "-m", "session")
    assert plain == f"tcp: [2] {layout.iscsi_portal} {layout.iscsi_target} (non-flash)\n"
    assert "\tAttached scsi disk sdb\t\tState: running" in one_node.ok("iscsiadm", "-m", "session", "-P", "3")
    faults = one_node.state / "faults" / NODE
    faults.mkdir(parents=True, exist_ok=True)
    (faults / "iscsi-recovery").write_text("")
    (down,) = parse_iscsiadm_session(one_node.ok(*command))
    assert (down.connection_state, down.session_state, down.internal_state, down.logged_in) == (
        "TRANSPORT WAIT", "FAILED", "REOPEN", False)  # fmt: skip
    (faults / "iscsi-logout").write_text("")
    none = one_node.run(*command)
    assert (none.returncode, none.stdout, none.stderr) == (21, "", "iscsiadm: No active sessions.\n")
    # The seed lab's open-iscsi 2.0.870 (lenny): no "(non-flash)", "(null)" where 2.1.8 says "default".
    (faults / "iscsi-logout").unlink()
    emulated = json.loads((one_node.state / "layout.json").read_text())
    (one_node.state / "layout.json").write_text(json.dumps({**emulated, "iscsi_version": "2.0.870"}))
    line = one_node.ok("iscsiadm", "-m", "session")
    assert line == f"tcp: [2] {layout.iscsi_portal} {layout.iscsi_target}\n"
    lenny = one_node.ok(*command)
    # -P 3 (hatui's poll) starts with the transport class and version lines, then the tree.
    assert lenny.startswith("iSCSI Transport Class version 2.0-870\n")
    assert f"\nTarget: {layout.iscsi_target}\n" in lenny and "\t\tIface HWaddress: (null)\n" in lenny
    (old,) = parse_iscsiadm_session(lenny)
    assert (old.target, old.session_state, old.devices) == (layout.iscsi_target, "FAILED", ("sdb",))


def test_tear_down_after_a_crash_leaves_no_loop_device() -> None:
    require_lab(_storage_missing)
    # A run killed after its loop device was made and before any node started: the next run's
    # sweep (stale_labs: its owner is gone) tears it down from the state directory alone.
    layout = make_state(owner_pid=2**22 + 1)  # above pid_max's default: no such process
    storage.create_node(layout, NODE, {})
    assert len(storage.lab_loops(layout.state)) == 1
    assert layout.state in cleanup.stale_labs(owner="pytest")
    assert cleanup.teardown_state(layout.state) == []
    assert storage.lab_loops(layout.state) == {} and not layout.state.exists()
    # A state directory removed under its loop device (a tear-down killed half-way): down --all's
    # sweep finds the device by its deleted backing file.
    layout = make_state()
    storage.create_node(layout, NODE, {})
    shutil.rmtree(layout.state)
    stray = storage.stray_loops(cleanup.STATE_ROOT, cleanup.STATE_PREFIX)
    mine = {dev: image for dev, image in stray.items() if image.is_relative_to(layout.state)}
    assert set(mine) == set(storage.lab_loops(layout.state)) and len(mine) == 1
    storage.detach(mine)
    deadline = time.monotonic() + 10
    while storage.lab_loops(layout.state) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert storage.lab_loops(layout.state) == {}


# -- on the running lab ------------------------------------------------------------------------------


def storage_of(lab: Lab, *extra: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """``hatui --once --format json`` on the lab: its ``storage`` object and its ``health``."""
    assert lab.storage_unavailable is None, lab.storage_unavailable
    out = once(lab, *extra)
    assert out.stdout, out.stderr
    data = json.loads(out.stdout)
    assert data["errors"] == [], data["errors"]
    return data["storage"], data["health"]


def test_once_joins_each_drbd_resource_to_its_real_lv_and_vg(any_lab: Lab) -> None:
    # On both labs: the seed lab's nodes (Pacemaker 1.0.9) hold the same volume groups.
    lab = any_lab
    st, health = storage_of(lab, "--ignore", IGNORED)
    assert health == {"status": "OK", "problems": []}
    lv_bytes = lab.layout.lv_mib * MIB
    for node in lab.nodes:
        # What LVM itself holds on the node (the real lvm, not the stand-ins).
        (real,) = lab.lvm_rows(node, "vgs", "vg_size", "vg_free", "vg_attr")
        count = len(lab.layout.node_lvs(node))
        (vg,) = [v for v in st["volume_groups"] if v["node"] == node]
        assert vg == {"node": node, "name": "vg0", "size_bytes": int(real["vg_size"]),
                      "free_bytes": int(real["vg_free"]), "pv_count": 1, "lv_count": count,
                      "snapshot_count": 0, "attr": real["vg_attr"], "partial": False}  # fmt: skip
        assert int(real["vg_free"]) == int(real["vg_size"]) - count * lv_bytes
        (pv,) = [p for p in st["physical_volumes"] if p["node"] == node]
        assert (pv["name"], pv["vg"], pv["missing"]) == (lab.runtime["storage"][node], "vg0", False)
        (session,) = [s for s in st["iscsi_sessions"] if s["node"] == node]
        assert (session["target"], session["session_state"]) == (lab.layout.iscsi_target, "LOGGED_IN")
        assert any(fs["mountpoint"] == "/" for fs in st["filesystems"] if fs["node"] == node)
    lvs = {(lv["node"], lv["name"]): lv for lv in st["logical_volumes"]}
    assert set(lvs) == {(n, vm.drbd) for vm in lab.vms.values() for n in (vm.home, vm.spare)}
    for (node, name), lv in lvs.items():
        vm = lab.vm_of_drbd(name)
        dump = lab.run(node, "drbdadm dump all", check=True).stdout
        assert dump.count(f"disk             /dev/vg0/{name};") == 2  # the configured backing disk
        assert lv == {"node": node, "vg": "vg0", "name": name, "size_bytes": lv_bytes, "attr": "-wi-XX----",
                      "active": None, "origin": None, "snapshot_percent": None, "drbd_resource": vm.drbd,
                      "domain": vm.name}  # fmt: skip


def test_a_filling_snapshot_and_an_iscsi_session_in_recovery_reach_the_health(healthy_lab: Lab) -> None:
    lab = healthy_lab
    vm = lab.vms["vm1"]
    snap = "vm1-root-hatui-20261205T200000"
    lab.run(vm.spare, ["lvcreate", "-s", "-L", "256M", "-n", snap, f"vg0/{vm.drbd}"], check=True)
    lab.set_snapshot_fill(vm.spare, 1000.0)  # full at once: invalid
    lab.iscsi_fault(vm.home, "recovery")
    st, health = storage_of(lab, "--ignore", IGNORED)
    (lv,) = [lv for lv in st["logical_volumes"] if lv["name"] == snap]
    assert (lv["node"], lv["origin"], lv["attr"]) == (vm.spare, vm.drbd, "swi-I-s---")
    assert lv["snapshot_percent"] == 100.0
    assert (lv["drbd_resource"], lv["domain"]) == (None, vm.name)  # a snapshot backs nothing; its origin's VM
    found = {(p["code"], p["subject"], p["node"]) for p in health["problems"]}
    # The spare's 1 GiB VG held 2 x 260 MiB; with the 256 MiB snapshot it has 244 MiB left, less
    # than the next backup's snapshot (SnapshotRule: 256 MiB at least): vg-space-low, from real LVM.
    (real,) = lab.lvm_rows(vm.spare, "vgs", "vg_free")
    assert int(real["vg_free"]) == lab.layout.pv_mib * MIB - 4 * MIB - 2 * lab.layout.lv_mib * MIB - 256 * MIB
    assert found == {("snapshot-invalid", f"vg0/{snap}", vm.spare), ("vg-space-low", "vg0", vm.spare),
                     ("iscsi-session-down", lab.layout.iscsi_target, vm.home)}, health  # fmt: skip
    lab.ensure_healthy()
    assert lab.snapshots(vm.spare) == {}
    assert storage_of(lab, "--ignore", IGNORED)[1] == {"status": "OK", "problems": []}
