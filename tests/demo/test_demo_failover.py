"""Scripted failovers in the demo end with the VM, its DRBD resources and its resource on the target.

Everything is read back the way the console reads a real cluster: crm_mon XML, /proc/drbd (mapped
to resource names with ``drbdadm dump all``) and ``xm list``, each through the project's parsers.
"""

from __future__ import annotations

from demo_support import constraints, crm_status, domains, drbd, make_cluster, out, running_on

from hatui.demo import DemoCluster

HA_VMS = ("sentinel", "mail", "www", "dns", "ldap")


def assert_runs_on(c: DemoCluster, vm: str, node: str, other: str) -> None:
    """The VM, its Pacemaker resource and its DRBD disks (Primary) are all on ``node``."""
    status = crm_status(c)
    assert running_on(status, vm) == {node}
    assert vm in domains(c, node) and vm not in domains(c, other)
    here, there = drbd(c, node), drbd(c, other)
    for disk in (f"{vm}-root", f"{vm}-swap"):
        assert here[disk].role.value == "Primary", disk
        assert running_on(status, f"drbd_{disk}", "Promoted") == {node}
        if disk in there:
            assert there[disk].role.value == "Secondary", disk


def test_start_state_is_the_reference_n_plus_one_layout() -> None:
    c = make_cluster(generation="modern")
    for vm in HA_VMS:
        assert_runs_on(c, vm, "vnode1", "vnode2")
    assert set(domains(c, "vnode3")) == {"elearning", "vconf"}
    status = crm_status(c)
    assert status.stonith_enabled is False and status.symmetric_cluster is False
    assert {r.agent for r in status.resources} == {"ocf:heartbeat:Xen", "ocf:linbit:drbd"}
    assert len([r for r in status.collections if r.promotable]) == 10


def test_ban_moves_the_vm_step_by_step_and_leaves_a_cli_ban() -> None:
    c = make_cluster(generation="modern")
    res = c.execute("vnode3", ("crm_resource", "--ban", "-r", "sentinel", "-N", "vnode1"))
    assert res.status == 0 and "cli-ban-sentinel-on-vnode1" in res.stdout
    c.advance(1.0)
    assert "sentinel" in domains(c, "vnode1"), "stopping a VM takes a moment"
    c.advance(1.5)
    # Stopped: gone from xm list everywhere, DRBD still Primary on the old node.
    assert "sentinel" not in domains(c, "vnode1") and "sentinel" not in domains(c, "vnode2")
    assert drbd(c, "vnode1")["sentinel-root"].role.value == "Primary"
    c.advance(1.0)
    # Demoted on the old node: both sides Secondary for a moment.
    assert drbd(c, "vnode1")["sentinel-root"].role.value == "Secondary"
    assert drbd(c, "vnode2")["sentinel-root"].role.value == "Secondary"
    c.advance(1.0)
    assert drbd(c, "vnode2")["sentinel-root"].role.value == "Primary"
    assert "sentinel" not in domains(c, "vnode2"), "the VM starts after its disks are promoted"
    c.advance(2.0)
    assert_runs_on(c, "sentinel", "vnode2", "vnode1")
    bans = [k for k in constraints(c) if k.leftover_kind == "ban"]
    assert [(k.id, k.resource, k.node) for k in bans] == [
        ("cli-ban-sentinel-on-vnode1", "sentinel", "vnode1")
    ]
    assert [(b.resource, b.node) for b in crm_status(c).bans] == [("sentinel", "vnode1")]
    # The other VMs did not move.
    for vm in ("mail", "www", "dns", "ldap"):
        assert_runs_on(c, vm, "vnode1", "vnode2")


def test_clearing_the_ban_does_not_fail_back() -> None:
    c = make_cluster(generation="modern")
    out(c, "vnode3", "crm_resource", "--ban", "-r", "dns", "-N", "vnode1")
    c.advance(10)
    assert_runs_on(c, "dns", "vnode2", "vnode1")
    assert (
        out(c, "vnode3", "crm_resource", "--clear", "-r", "dns")
        == "Removing constraint: cli-ban-dns-on-vnode1\n"
    )
    c.advance(30)
    # Stickiness INFINITY: no automatic fail-back once the ban is gone.
    assert_runs_on(c, "dns", "vnode2", "vnode1")
    assert not [k for k in constraints(c) if k.leftover_kind]


def test_standby_moves_every_vm_away_and_stops_its_drbd() -> None:
    c = make_cluster(generation="modern")
    c.advance(900)  # mail-root's resync to vnode2 has finished: every disk can be promoted there
    assert drbd(c, "vnode2")["mail-root"].disk.value == "UpToDate"
    assert (
        out(c, "vnode2", "crm", "node", "standby", "vnode1") == "\x1b[32mINFO\x1b[0m: standby node vnode1\n"
    )
    c.advance(12)
    for vm in HA_VMS:
        assert_runs_on(c, vm, "vnode2", "vnode1")
    status = crm_status(c)
    node1 = status.node("vnode1")
    assert node1 is not None and node1.standby and node1.online and node1.resources_running == 0
    assert domains(c, "vnode1") == {}
    # The clone instances on the standby node are stopped: DRBD is down there, waiting here.
    assert drbd(c, "vnode1") == {}
    assert all(d.peers[0].connection.value == "Connecting" for d in drbd(c, "vnode2").values())


def test_standby_during_a_resync_leaves_the_vm_without_a_promotable_copy() -> None:
    c = make_cluster()
    out(c, "vnode2", "crm_standby", "-N", "vnode1", "-v", "on")
    c.advance(15)
    # mail-root on vnode2 is Inconsistent (SyncTarget): the agent gives no master score there.
    status = crm_status(c)
    assert running_on(status, "mail") == set()
    assert running_on(status, "sentinel") == {"vnode2"}
    assert drbd(c, "vnode2")["mail-root"].disk.value == "Inconsistent"
    out(c, "vnode2", "crm_standby", "-N", "vnode1", "-v", "off")
    c.advance(15)
    assert running_on(crm_status(c), "mail") == {"vnode1"}


def test_move_without_a_node_bans_the_current_one() -> None:
    c = make_cluster(generation="modern")
    res = c.execute("vnode1", ("crm_resource", "--move", "-r", "ldap"))
    assert res.status == 0 and "cli-ban-ldap-on-vnode1" in res.stdout
    c.advance(8)
    assert_runs_on(c, "ldap", "vnode2", "vnode1")
