"""Injected faults: a killed, frozen or healed node, a DRBD split-brain, a failed VM monitor."""

from __future__ import annotations

import asyncio

import pytest
from demo_support import crm_status, domains, drbd, make_cluster, out, running_on

from hatui.demo import FAULTS
from hatui.errors import HatuiError, TransportError
from hatui.parsers.corosync import parse_quorumtool

HA_VMS = ("sentinel", "mail", "www", "dns", "ldap")


def test_every_fault_is_documented() -> None:
    assert set(FAULTS) == {
        "kill-node",
        "freeze-node",
        "split-brain",
        "split-brain-dual-primary",
        "fail-monitor",
        "fail-ring",
        "fill-snapshot",
        "missing-pv",
        "iscsi-recovery",
        "fail-backup",
        "heal",
    }
    assert all(target and len(what) > 20 for target, what in FAULTS.values())


def test_unknown_faults_and_targets_are_refused() -> None:
    c = make_cluster()
    with pytest.raises(HatuiError, match="unknown fault"):
        c.inject("meteor", "vnode1")
    with pytest.raises(HatuiError, match="needs a node"):
        c.inject("kill-node", "sentinel")
    with pytest.raises(HatuiError, match="needs a DRBD resource"):
        c.inject("split-brain", "vnode1")


async def test_killed_node_refuses_and_its_vms_fail_over_to_the_spare() -> None:
    c = make_cluster(generation="modern")
    c.advance(900)  # the initial resync of mail-root is over: every VM can fail over
    c.inject("kill-node", "vnode1")
    with pytest.raises(TransportError, match="connection refused"):
        await c.transport("vnode1").run(["crm_mon", "--version"], timeout=5)
    c.advance(1)
    # Before corosync's token times out, the others still count vnode1 in.
    node1 = crm_status(c, "vnode2").node("vnode1")
    assert node1 is not None and node1.online
    c.advance(9)
    status = crm_status(c, "vnode2")
    node1 = status.node("vnode1")
    assert node1 is not None and node1.online is False
    assert status.dc == "vnode2" and status.quorum is True
    for vm in HA_VMS:
        assert running_on(status, vm) == {"vnode2"}
        assert vm in domains(c, "vnode2")
    disks = drbd(c, "vnode2")
    assert all(d.role.value == "Primary" for d in disks.values())
    assert {d.peers[0].connection.value for d in disks.values()} == {"Connecting"}
    assert {d.peers[0].role.value for d in disks.values()} == {"Unknown"}
    quorum = parse_quorumtool(out(c, "vnode3", "corosync-quorumtool", "-s"))
    assert (
        quorum.quorate
        and quorum.total_votes == 2
        and [m.name for m in quorum.members] == ["vnode2", "vnode3"]
    )
    assert crm_status(c, "vnode3").nodes == status.nodes, "every member reports the same"


async def test_revived_node_rejoins_resyncs_and_gets_no_fail_back() -> None:
    c = make_cluster(generation="modern")
    c.advance(900)
    c.inject("kill-node", "vnode1")
    c.advance(60)
    c.inject("heal", "vnode1")
    c.advance(2)
    with pytest.raises(TransportError, match="connection refused"):
        await c.transport("vnode1").run(["true"], timeout=5)
    c.advance(3)
    booting = c.execute("vnode1", ("crm_mon", "--output-as=xml"))
    assert booting.status == 102 and 'message="Not connected"' in booting.stdout
    c.advance(3)
    syncing = drbd(c, "vnode1")
    assert {d.peers[0].connection.value for d in syncing.values()} <= {"Connected"}
    assert any(d.peers[0].replication_raw == "SyncTarget" for d in syncing.values())
    c.advance(60)
    status = crm_status(c, "vnode1")
    node1 = status.node("vnode1")
    assert node1 is not None and node1.online
    for vm in HA_VMS:
        assert running_on(status, vm) == {"vnode2"}, "stickiness INFINITY: no fail-back"
    assert all(d.peers[0].connection.value == "Connected" for d in drbd(c, "vnode1").values())
    assert all(d.disk.value == "UpToDate" for d in drbd(c, "vnode1").values())


async def test_frozen_node_hangs_until_the_timeout() -> None:
    c = make_cluster(generation="modern")
    c.inject("freeze-node", "vnode3")
    transport = c.transport("vnode3")
    loop = asyncio.get_running_loop()
    started = loop.time()
    with pytest.raises(TransportError, match="timed out"):
        await transport.run_batch({"xm": ["xm", "list"]}, timeout=0.2)
    assert loop.time() - started >= 0.2
    c.advance(10)
    status = crm_status(c, "vnode1")
    node3 = status.node("vnode3")
    assert node3 is not None and node3.online is False
    # elearning and vconf live on vnode3's local disks: nowhere else may run them.
    assert running_on(status, "elearning") == set() and running_on(status, "vconf") == set()


def test_thawed_node_meets_its_replacement_in_a_split_brain() -> None:
    c = make_cluster()
    c.advance(900)
    c.inject("freeze-node", "vnode1")
    c.advance(15)
    assert running_on(crm_status(c, "vnode2"), "sentinel") == {"vnode2"}
    c.inject("heal", "vnode1")
    c.advance(20)
    for node in ("vnode1", "vnode2"):
        assert {d.peers[0].connection.value for d in drbd(c, node).values()} == {"StandAlone"}
    # Pacemaker found the VMs active on both nodes and stopped the extra copies.
    status = crm_status(c)
    for vm in HA_VMS:
        assert len(running_on(status, vm)) == 1


def test_split_brain_shows_standalone_on_both_sides_and_out_of_sync_grows() -> None:
    c = make_cluster()
    c.inject("split-brain", "sentinel-root")
    first = drbd(c, "vnode1")["sentinel-root"], drbd(c, "vnode2")["sentinel-root"]
    c.advance(30)
    primary, secondary = drbd(c, "vnode1")["sentinel-root"], drbd(c, "vnode2")["sentinel-root"]
    for dev in (primary, secondary):
        assert dev.peers[0].connection.value == "StandAlone"
        assert (dev.peers[0].role.value, dev.peers[0].disk.value) == ("Unknown", "DUnknown")
        assert dev.protocol is None
    assert (primary.role.value, secondary.role.value) == ("Primary", "Secondary")
    assert primary.out_of_sync_kib is not None and first[0].out_of_sync_kib is not None
    assert primary.out_of_sync_kib > first[0].out_of_sync_kib
    assert secondary.out_of_sync_kib == first[1].out_of_sync_kib
    # A plain connect on both sides meets the split-brain again.
    out(c, "vnode1", "drbdadm", "connect", "sentinel-root")
    out(c, "vnode2", "drbdadm", "connect", "sentinel-root")
    assert drbd(c, "vnode2")["sentinel-root"].peers[0].connection.value == "StandAlone"
    # The 8.3 way out: discard the victim's data, connect the survivor.
    out(c, "vnode2", "drbdadm", "--", "--discard-my-data", "connect", "sentinel-root")
    out(c, "vnode1", "drbdadm", "connect", "sentinel-root")
    victim = drbd(c, "vnode2")["sentinel-root"]
    assert victim.peers[0].connection.value == "SyncTarget" and victim.disk.value == "Inconsistent"
    c.advance(10)
    assert drbd(c, "vnode2")["sentinel-root"].peers[0].connection.value == "Connected"


def test_dual_primary_split_brain_and_heal() -> None:
    c = make_cluster()
    c.inject("split-brain-dual-primary", "www-root")
    roles = {n: drbd(c, n)["www-root"].role.value for n in ("vnode1", "vnode2")}
    assert roles == {"vnode1": "Primary", "vnode2": "Primary"}
    c.inject("heal", "www-root")
    c.advance(5)
    for node, role in (("vnode1", "Primary"), ("vnode2", "Secondary")):
        dev = drbd(c, node)["www-root"]
        assert dev.role.value == role and dev.peers[0].connection.value == "Connected"


def test_failed_monitor_shows_a_failed_action_then_the_vm_restarts() -> None:
    c = make_cluster(generation="modern")
    domid = domains(c, "vnode1")["www"].id
    c.inject("fail-monitor", "www")
    assert "www" not in domains(c, "vnode1")
    c.advance(4.5)
    status = crm_status(c)
    [failure] = status.failed_actions
    assert (failure.resource, failure.operation, failure.node) == ("www", "monitor", "vnode1")
    assert (failure.exit_code, failure.exit_status, failure.interval_ms) == (7, "not running", 10000)
    [www] = status.instances("www")
    assert www.failed is True
    c.advance(10)
    status = crm_status(c)
    [www] = status.instances("www")
    assert www.failed is False and www.nodes == ("vnode1",)
    restarted = domains(c, "vnode1")["www"]
    assert restarted.id is not None and domid is not None and restarted.id > domid
    history = next(h for h in status.history if h.resource == "www" and h.node == "vnode1")
    assert history.fail_count == 1
    assert len(status.failed_actions) == 1, "the failure stays listed until a cleanup"
    res = c.execute("vnode2", ("crm_resource", "--cleanup", "-r", "www"))
    assert res.stderr.splitlines() == [
        "Cleaned up www on vnode1",
        "Cleaned up www on vnode2",
        "Cleaned up www on vnode3",
        "Waiting for 1 reply from the controller",
        "... got reply (done)",
    ]
    status = crm_status(c)
    assert status.failed_actions == () and all(h.fail_count in (None, 0) for h in status.history)


def test_losing_two_nodes_loses_quorum_and_stops_everything() -> None:
    c = make_cluster(generation="modern")
    c.inject("kill-node", "vnode1")
    c.inject("kill-node", "vnode2")
    c.advance(15)
    status = crm_status(c, "vnode3")
    assert status.quorum is False
    assert all(not r.active for r in status.resources), "no-quorum-policy=stop"
    assert domains(c, "vnode3") == {}
    res = c.execute("vnode3", ("corosync-quorumtool", "-s"))
    assert res.status == 2 and "Quorum:           2 Activity blocked" in res.stdout
