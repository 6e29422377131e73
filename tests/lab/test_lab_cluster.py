"""The lab cluster itself: it forms, answers over every sshd, and places and moves VMs as configured."""

from __future__ import annotations

import os
import re
import time

import pytest

from hatui.config import load_config

from .harness import Lab
from .status import parse_crm_mon

pytestmark = pytest.mark.lab


def test_cluster_forms_with_three_nodes_and_a_dc(lab: Lab) -> None:
    st = lab.status()
    assert st.online == {"vnode1": True, "vnode2": True, "vnode3": True}
    assert st.dc in lab.nodes
    assert st.quorum
    assert lab.formed_after is not None and lab.formed_after < 20


def test_crm_mon_xml_answers_over_each_nodes_sshd(lab: Lab) -> None:
    for node in lab.nodes:
        who = lab.ssh(node, "hostname; command -v xl xm drbdadm cat", check=True).stdout.split()
        assert who == [node, "/usr/local/sbin/xl", "/usr/local/sbin/xm", "/usr/local/sbin/drbdadm",
                       "/usr/local/sbin/cat"]  # fmt: skip
        out = lab.ssh(node, "crm_mon --output-as=xml --one-shot --inactive", check=True).stdout
        st = parse_crm_mon(out)
        assert st.online_nodes == ["vnode1", "vnode2", "vnode3"]
        assert st.dc in lab.nodes


def test_a_nodes_ssh_session_runs_none_of_the_hosts_dotfiles(lab: Lab) -> None:
    """Each node has its own /root: bash run by sshd reads ~/.bashrc, and the host's (pyenv's init
    on the CI image) made every node's sessions queue on one lock file under the host's /root."""
    host = os.stat("/root")
    for node in lab.nodes:
        out = lab.ssh(node, "stat -c %d:%i ~; echo $PATH; ls -A ~ | grep -c '^.bashrc$'", check=False)
        home, path, bashrc = out.stdout.split()
        assert home != f"{host.st_dev}:{host.st_ino}", f"{node} shares the host's /root"
        # sshd's own PATH: no start-up file of the host added to it.
        assert (path, bashrc) == ("/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "0"), node


def test_hatui_config_names_the_nodes_keys_and_known_hosts(lab: Lab) -> None:
    cluster = load_config(lab.config_path).cluster("lab")
    assert [(n.name, n.host, n.port, n.user) for n in cluster.nodes] == [
        (n, lab.addresses[n], lab.ssh_ports[n], "root") for n in lab.nodes
    ]
    assert lab.addresses == {"vnode1": "127.0.0.2", "vnode2": "127.0.0.3", "vnode3": "127.0.0.4"}
    assert all(n.identity_file == str(lab.identity_file) for n in cluster.nodes)
    assert lab.identity_file.is_file() and cluster.known_hosts == str(lab.known_hosts)
    assert len(lab.known_hosts.read_text().splitlines()) == 3
    assert (cluster.connect_timeout, cluster.command_timeout, cluster.keepalive_interval) == (3, 5, 1)


def _minor_line(proc_drbd: str, minor: int) -> str:
    return next(line for line in proc_drbd.splitlines() if line.startswith(f"{minor:2d}: "))


def _counters(proc_drbd: str, minor: int) -> dict[str, int]:
    lines = proc_drbd.splitlines()
    i = lines.index(_minor_line(proc_drbd, minor))
    return {k: int(v) for k, v in re.findall(r"(\w+):(\d+)", lines[i + 1])}


def test_vms_run_where_the_location_preferences_say(healthy_lab: Lab) -> None:
    lab = healthy_lab
    st = lab.status()
    assert {vm: st.where(vm) for vm in lab.vms} == {"vm1": "vnode1", "vm2": "vnode3"}
    for vm in lab.vms.values():
        assert st.promoted(vm.drbd_primitive) == vm.home
        assert st.nodes_of(vm.drbd_primitive, "Unpromoted") == [vm.spare]
        assert vm.name in lab.domains(vm.home, "xl") and vm.name in lab.domains(vm.home, "xm")
        assert vm.name not in lab.domains(vm.spare)
        home_line = _minor_line(lab.proc_drbd(vm.home), vm.minor)
        spare_line = _minor_line(lab.proc_drbd(vm.spare), vm.minor)
        assert "cs:Connected ro:Primary/Secondary ds:UpToDate/UpToDate C r-----" in home_line
        assert "cs:Connected ro:Secondary/Primary ds:UpToDate/UpToDate C r-----" in spare_line
    # The spare holds both minors; vnode3 only minor 2, after a blank line for the hole at 0-1.
    assert lab.proc_drbd("vnode3").splitlines()[2:4] == ["", _minor_line(lab.proc_drbd("vnode3"), 2)]


def test_ban_moves_the_vm_flips_drbd_and_resyncs_then_clear_keeps_it(healthy_lab: Lab) -> None:
    lab = healthy_lab
    vm = lab.vms["vm1"]
    lab.ban(vm.name, vm.home)
    saw_sync = False
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        text = lab.proc_drbd(vm.spare)
        saw_sync |= bool(
            re.search(rf"{vm.minor}: cs:SyncSource ro:Primary/Secondary ds:UpToDate/Inconsistent", text)
        )
        saw_sync |= "sync'ed:" in text
        if lab.status().where(vm.name) == vm.spare and saw_sync:
            break
        time.sleep(0.2)
    lab.wait_vm_on(vm.name, vm.spare, timeout=10)
    assert lab.domains(vm.spare) == [vm.name] and lab.domains(vm.home) == []
    assert saw_sync, "no resync seen on the new Primary"
    assert lab.drbd(vm.spare, vm.drbd)["ro"] == "Primary/Secondary"
    assert lab.drbd(vm.home, vm.drbd)["ro"] == "Secondary/Primary"
    lab.wait_drbd_synced(vm.drbd, timeout=20)
    assert _counters(lab.proc_drbd(vm.spare), vm.minor)["ns"] >= lab.layout.switchover_resync_kb
    lab.clear(vm.name)
    assert "cli-ban" not in lab.crm("cibadmin", "-Q", "--scope", "constraints")
    time.sleep(2)
    assert lab.status().where(vm.name) == vm.spare, "stickiness INFINITY keeps the VM after --clear"
