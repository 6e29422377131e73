"""Faults on demand against the real cluster: a killed, frozen or sshd-less node, hung commands,
failed monitors, DRBD split brain, and the Xen console and migration paths."""

from __future__ import annotations

import os
import select
import subprocess
import time

import pytest

from .harness import Lab, LabError

pytestmark = pytest.mark.lab


def test_killing_the_node_running_a_vm_fails_it_over_then_the_node_rejoins(healthy_lab: Lab) -> None:
    lab = healthy_lab
    vm = lab.vms["vm2"]
    t0 = time.monotonic()
    lab.kill(vm.home)
    assert not lab.alive(vm.home)
    lab.wait_vm_on(vm.name, vm.spare, timeout=30)
    assert time.monotonic() - t0 < 20
    st = lab.status()
    assert st.online[vm.home] is False and st.dc != vm.home
    assert lab.domains(vm.spare) == [vm.name]
    assert lab.drbd(vm.spare, vm.drbd) == {
        "cs": "WFConnection",
        "ro": "Primary/Unknown",
        "ds": "UpToDate/DUnknown",
    }

    lab.restart(vm.home)
    lab.wait_online(lab.nodes, timeout=20)
    # The rejoining half resyncs what the survivor wrote alone.
    lab.wait_for(lambda: lab.drbd(vm.home, vm.drbd)["cs"] in ("SyncTarget", "Connected"), 20, "reconnect")
    lab.wait_drbd_synced(vm.drbd, timeout=20)
    assert lab.status().where(vm.name) == vm.spare, "stickiness INFINITY: no fail-back"
    assert lab.domains(vm.home) == []


def test_freeze_hangs_a_node_and_thaw_brings_it_back(healthy_lab: Lab) -> None:
    lab = healthy_lab
    node = "vnode2"  # the spare: it runs no VM
    lab.freeze(node)
    try:
        st = lab.wait_offline(node, timeout=15)
        assert st.online_nodes == ["vnode1", "vnode3"]
        with pytest.raises(LabError, match="did not end"):
            lab.ssh(node, "hostname", timeout=3)
        assert {vm: st.where(vm) for vm in lab.vms} == {"vm1": "vnode1", "vm2": "vnode3"}
    finally:
        lab.thaw(node)
    lab.wait_online(lab.nodes, timeout=20)
    assert lab.ssh(node, "hostname", check=True).stdout.strip() == node


def test_kill_sshd_leaves_pacemaker_saying_the_node_is_online(healthy_lab: Lab) -> None:
    lab = healthy_lab
    assert lab.kill_sshd("vnode1") >= 1
    failed = lab.ssh("vnode1", "true", timeout=10)
    assert failed.returncode == 255 and "Connection refused" in failed.stderr
    assert lab.status("vnode2").online["vnode1"] is True
    assert lab.run("vnode1", "crm_mon -1 | grep -c Online", check=True).stdout.strip() == "1"
    lab.start_sshd("vnode1")
    assert lab.ssh("vnode1", "hostname", check=True).stdout.strip() == "vnode1"


def test_hang_blocks_a_command_until_lifted(lab: Lab) -> None:
    lab.hang("vnode2", True, ["xl"])
    try:
        with pytest.raises(LabError, match="did not end"):
            lab.ssh("vnode2", "xl list", timeout=2)
        assert lab.ssh("vnode2", "drbdadm role vm1-root", check=True).stdout.strip().startswith("Secondary/")
    finally:
        lab.hang("vnode2", False)
    assert "Domain-0" in lab.ssh("vnode2", "xl list", check=True, timeout=5).stdout
    with pytest.raises(ValueError, match="cannot hang"):
        lab.hang("vnode2", True, ["rm"])


def test_a_failed_monitor_is_recorded_and_recovered(healthy_lab: Lab) -> None:
    lab = healthy_lab
    lab.fail_monitor("vm1")
    lab.wait_for(lambda: 'failure op_key="vm1_monitor_10000"' in lab.crm_mon_xml(), 20, "vm1 monitor failure")
    assert lab.wait_vm_on("vm1", timeout=20) == "vnode1", "recovered in place (stickiness INFINITY)"
    assert not (lab.state_dir / "faults" / "fail-monitor-vm1").exists(), "a once-fault is consumed"
    lab.crm("crm_resource", "--cleanup", "--resource", "vm1")
    lab.wait_for(lambda: "<failure " not in lab.crm_mon_xml(), 10, "failure cleaned up")


def test_split_brain_shows_standalone_until_resolved_by_hand(healthy_lab: Lab) -> None:
    lab = healthy_lab
    vm = lab.vms["vm1"]
    lab.split_brain(vm.drbd)
    assert lab.drbd(vm.home, vm.drbd) == {
        "cs": "StandAlone",
        "ro": "Primary/Unknown",
        "ds": "UpToDate/DUnknown",
    }
    assert lab.drbd(vm.spare, vm.drbd) == {
        "cs": "StandAlone",
        "ro": "Secondary/Unknown",
        "ds": "UpToDate/DUnknown",
    }
    assert f" {vm.minor}: cs:StandAlone ro:Primary/Unknown ds:UpToDate/DUnknown   r-----" in lab.proc_drbd(
        vm.home
    )
    # A plain reconnect detects the split brain again; Pacemaker does not notice either way.
    lab.run(vm.spare, ["drbdadm", "connect", vm.drbd], check=True)
    lab.run(vm.home, ["drbdadm", "connect", vm.drbd], check=True)
    assert lab.drbd(vm.home, vm.drbd)["cs"] == "StandAlone"
    assert lab.status().where(vm.name) == vm.home
    lab.resolve_split_brain(vm.drbd, victim=vm.spare)
    assert lab.drbd(vm.spare, vm.drbd)["cs"] == "SyncTarget"
    lab.wait_drbd_synced(vm.drbd, timeout=20)


def test_xen_console_is_a_pty_that_echoes_and_detaches_on_ctrl_bracket(healthy_lab: Lab) -> None:
    lab = healthy_lab
    proc = subprocess.Popen([*lab.ssh_argv("vnode1", tty=True), "xl console vm1"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)  # fmt: skip
    assert proc.stdin is not None and proc.stdout is not None
    # Type only once the guest asks: fixed sleeps lost the race on a loaded machine.
    seen = _read_until(proc, b"login: ", timeout=20)
    proc.stdin.write(b"operator\r")
    proc.stdin.flush()
    seen += _read_until(proc, b"Password: ", timeout=20)
    proc.stdin.write(b"\x1d")
    proc.stdin.flush()
    out, _ = proc.communicate(timeout=10)
    text = (seen + out).decode(errors="replace")
    assert "vm1 login: " in text
    assert "operator" in text, "the guest's tty echoes what is typed"
    assert "Password: " in text
    assert proc.returncode == 0


def _read_until(proc: subprocess.Popen[bytes], marker: bytes, timeout: float) -> bytes:
    """What ``proc`` printed up to and including ``marker`` (all it printed, if time ran out first)."""
    assert proc.stdout is not None
    fd = proc.stdout.fileno()
    got = b""
    deadline = time.monotonic() + timeout
    while marker not in got and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            chunk = os.read(fd, 4096)
            if not chunk:
                break
            got += chunk
    return got


def test_xl_migrate_goes_through_the_targets_sshd_and_refuses_without_drbd_primary(healthy_lab: Lab) -> None:
    lab = healthy_lab
    res = lab.run("vnode1", ["xl", "migrate", "vm1", "vnode2"])
    assert res.returncode != 0
    assert "migration target" in res.stderr and "vm1-root is Secondary here" in res.stderr
    assert lab.domains("vnode1") == ["vm1"] and lab.domains("vnode2") == []
