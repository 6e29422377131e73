"""The seed lab's stand-ins answer as the reference cluster's tools did (seed-stack-cli.md): the crm
shell 1.0.9 over the real 1.0.9 tools, Corosync 1.2.1's two rings, Xen 3.2's xm and xentop, DRBD 8.3.7.

Effects are read back with the real 1.0.9 tools (crm_standby -G, cibadmin -Q), never through the
stand-in under test.
"""

from __future__ import annotations

import re

import pytest

from .harness import SeedLab

pytestmark = pytest.mark.lab


def test_corosync_1_2_1_two_rings_a_fault_and_its_reset(healthy_seed_lab: SeedLab) -> None:
    lab = healthy_seed_lab
    ok = lab.run("vnode2", "corosync-cfgtool -s", check=True).stdout
    assert ok.splitlines()[0] == "Printing ring status."
    assert "\tid\t= 127.0.2.2\n\tstatus\t= ring 0 active with no faults" in ok
    assert "\tid\t= 127.0.3.2\n\tstatus\t= ring 1 active with no faults" in ok
    lab.fault_ring(1)
    for node in lab.nodes:
        faulty = lab.run(node, "corosync-cfgtool -s", check=True).stdout
        assert re.search(r"status\t= Marking seqid \d+ ringid 1 interface 127\.0\.3\.\d FAULTY - "
                         r"adminisrtative intervention required\.", faulty), faulty  # fmt: skip
        assert "ring 0 active with no faults" in faulty
    reset = lab.run("vnode3", "corosync-cfgtool -r", check=True)
    assert reset.stdout == "Re-enabling all failed rings.\n"
    assert "FAULTY" not in lab.run("vnode1", "corosync-cfgtool -s", check=True).stdout
    assert not lab.ring_faulty(1)
    assert lab.run("vnode1", "corosync-cfgtool -x").returncode == 1
    version = lab.run("vnode1", "corosync -v", check=True).stdout
    assert version.splitlines()[0] == "Corosync Cluster Engine, version '1.2.1' SVN revision '2723'"


def test_xen_3_2_xm_info_and_xentop_batch(healthy_seed_lab: SeedLab) -> None:
    lab = healthy_seed_lab
    lines = lab.run("vnode1", "xm info", check=True).stdout.splitlines()
    info = {k.strip(): v.strip() for k, _, v in (line.partition(":") for line in lines)}
    assert (info["xen_major"], info["xen_minor"], info["xen_extra"]) == ("3", "2", ".1")
    assert int(info["total_memory"]) - int(info["free_memory"]) == 1023 + 512  # Domain-0 and vm1
    out = lab.run("vnode1", "xentop -b -i 2 -d 0.2", check=True).stdout
    blocks = out.split("      NAME  STATE")
    assert len(blocks) == 3 and blocks[0] == ""
    first, second = ({ln.split()[0]: ln.split() for ln in b.splitlines()[1:]} for b in blocks[1:])
    assert set(first) == set(second) == {"Domain-0", "vm1"}
    assert first["vm1"][3] == "0.0" and float(second["vm1"][3]) > 0
    assert second["vm1"][4] == str(512 * 1024)
    assert lab.run("vnode1", "xl list").returncode == 127, "no xl on a Xen 3.2 node"


def test_drbd_8_3_7_proc_and_the_force_primary_it_lacks(healthy_seed_lab: SeedLab) -> None:
    lab = healthy_seed_lab
    head = lab.run("vnode2", "head -n 2 /proc/drbd", check=True).stdout.splitlines()
    assert head[0] == "version: 8.3.7 (api:88/proto:86-91)"
    assert head[1].startswith("GIT-hash: ea9e28dbff98e331a62bcbcc63a6135808fe2917")
    refused = lab.run("vnode2", "drbdadm primary --force vm1-root")
    assert refused.returncode == 20 and "unrecognized option '--force'" in refused.stderr
    assert lab.drbd("vnode2", "vm1-root")["ro"] == "Secondary/Primary"


def test_crm_shell_1_0_9_grammar_over_the_real_tools(healthy_seed_lab: SeedLab) -> None:
    lab = healthy_seed_lab
    for words in ("resource ban vm1 vnode2", "resource clear vm1", "node maintenance vnode2"):
        bad = lab.run("vnode1", f"crm {words}")
        assert bad.returncode == 1 and bad.stderr == f"ERROR: syntax: {words.split(' ', 1)[1]}\n", bad.stderr
    usage = lab.run("vnode1", "crm resource migrate")
    assert usage.returncode == 1 and usage.stderr == "usage: migrate <rsc> [<node>] [<lifetime>]\n"

    lab.run("vnode1", "crm node standby vnode2", check=True)
    assert "value=on" in lab.run("vnode1", "crm_standby -N vnode2 -G", check=True).stdout
    lab.run("vnode1", "crm node online vnode2", check=True)
    assert "value=off" in lab.run("vnode1", "crm_standby -N vnode2 -G", check=True).stdout

    ban = "crm configure location cli-ban-vm1-on-vnode2 vm1 -inf: vnode2"
    lab.run("vnode1", ban, check=True)
    constraints = lab.crm("cibadmin", "-Q", "-o", "constraints")
    assert re.search(r'<rsc_location id="cli-ban-vm1-on-vnode2" rsc="vm1" score="-INFINITY" node="vnode2"/>',
                     constraints), constraints  # fmt: skip
    again = lab.run("vnode1", ban)
    assert again.returncode == 1 and again.stderr == "ERROR: cli-ban-vm1-on-vnode2: id is already in use\n"
    lab.run("vnode1", "crm configure delete cli-ban-vm1-on-vnode2", check=True)
    assert "cli-ban-vm1-on-vnode2" not in lab.crm("cibadmin", "-Q", "-o", "constraints")

    lab.run("vnode1", "crm resource migrate vm1", check=True)  # bans the current node: cli-standby-vm1
    assert "cli-standby-vm1" in lab.crm("cibadmin", "-Q", "-o", "constraints")
    lab.run("vnode1", "crm resource unmigrate vm1", check=True)
    assert "cli-standby-vm1" not in lab.crm("cibadmin", "-Q", "-o", "constraints")
