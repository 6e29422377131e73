"""Tests of parse_crm_mon_text on real crm_mon / pcs status text (corpus, lab, fixtures) and broken input."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hatui.errors import ParseError
from hatui.model.pacemaker import INFINITY, ClusterStatus, PcmkCollection, PcmkNode, PcmkResource
from hatui.model.words import ResourceRole
from hatui.parsers.crm_mon_text import parse_crm_mon_text
from support import CORPUS, FIXTURES, LAB_SAMPLES, corpus_files, needs_shared

OWN = FIXTURES / "crm_mon"
CORPUS_TXT = corpus_files("crm_mon_text", "*.txt")
LAB_TXT = sorted(LAB_SAMPLES.glob("*crm_mon*.txt"))
OWN_TXT = sorted(OWN.glob("*.txt"))
ACTIVE = (ResourceRole.STARTED, ResourceRole.PROMOTED, ResourceRole.UNPROMOTED)

# HAND-WRITTEN, NOT CAPTURED: no Pacemaker 1.0.9 capture exists. This is what `crm_mon -1 -f` of
# Pacemaker 1.0.9 on openais prints for a cluster shaped like the reference one (three dom0s, Xen
# guests as ocf:heartbeat:Xen), following the 1.0 print_status()/native_print() format strings: the
# "============" banner, "N Nodes configured, N expected votes", " name<TAB>(class::provider:type):
# <TAB>State node" lines with a one-space prefix, clone lists without [primitive], stopped anonymous
# instances listed by instance id, "Migration summary:" with " pingd=N" and "Failed actions:" entries.
HAND_WRITTEN_1_0_9 = (
    "\n"
    "\n"
    "============\n"
    "Last updated: Wed Sep 22 15:02:11 2010\n"
    "Stack: openais\n"
    "Current DC: vnode1 - partition with quorum\n"
    "Version: 1.0.9-74392a28b7f31d7ddc86689598bd23114f58978b\n"
    "3 Nodes configured, 3 expected votes\n"
    "5 Resources configured.\n"
    "============\n"
    "\n"
    "Node vnode2: standby\n"
    "Online: [ vnode1 vnode3 ]\n"
    "\n"
    " sentinel\t(ocf::heartbeat:Xen):\tStarted vnode1\n"
    " www\t(ocf::heartbeat:Xen):\tStarted vnode3\n"
    " mail\t(ocf::heartbeat:Xen):\tStopped \n"
    " Resource Group: g_backup\n"
    "     backup_ip\t(ocf::heartbeat:IPaddr2):\tStarted vnode3\n"
    "     backup_vm\t(ocf::heartbeat:Xen):\tStarted vnode3\n"
    " Clone Set: cl_ping\n"
    "     Started: [ vnode1 vnode3 ]\n"
    "     Stopped: [ ping:2 ]\n"
    "\n"
    "Migration summary:\n"
    "* Node vnode1:  pingd=1000\n"
    "* Node vnode2: \n"
    "* Node vnode3:  pingd=1000\n"
    "   mail: migration-threshold=1000000 fail-count=1000000 last-failure='Wed Sep 22 14:58:40 2010'\n"
    "\n"
    "Failed actions:\n"
    "    mail_start_0 (node=vnode3, call=41, rc=1, status=complete): unknown error\n"
)


def parse(path: Path) -> ClusterStatus:
    return parse_crm_mon_text(path.read_text(), path.name)


def corpus(name: str) -> ClusterStatus:
    return parse(CORPUS / "crm_mon_text" / name)


def own(name: str) -> ClusterStatus:
    path = OWN / name
    if not path.exists():
        pytest.skip(f"fixture {name} not generated")
    return parse(path)


def node(status: ClusterStatus, name: str) -> PcmkNode:
    found = status.node(name)
    assert found is not None, f"no node {name}"
    return found


def only(status: ClusterStatus, rid: str) -> PcmkResource:
    found = status.instances(rid)
    assert len(found) == 1, f"{rid}: {found}"
    return found[0]


def placed(status: ClusterStatus, rid: str) -> list[tuple[str, tuple[str, ...]]]:
    """Role word and nodes of every instance of ``rid``, in printed order."""
    return [(r.role.value, r.nodes) for r in status.instances(rid)]


def coll(status: ClusterStatus, cid: str) -> PcmkCollection:
    found = [c for c in status.collections if c.id == cid]
    assert len(found) == 1, f"{cid}: {found}"
    return found[0]


def online(status: ClusterStatus) -> set[str]:
    return {n.name for n in status.nodes if n.online}


# --- Pacemaker 1.0 (doc captures of 1.0.5, and the hand-written 1.0.9 sample) ---


@needs_shared
def test_1_0_5_master_slave_banner_layout() -> None:
    status = corpus("cfs-1.0.5-drbd-master-slave.txt")
    assert status.source_format == "text"
    assert (status.stack, status.dc, status.quorum) == ("openais", "pcmk-1", True)
    assert status.dc_version == "1.0.5-462f1569a43740667daf7b0f6b521742e9eb8fa7"
    assert status.last_updated == "Tue Sep  1 10:08:44 2009"  # the padded day keeps its two spaces
    assert (status.nodes_configured, status.resources_configured) == (2, 4)
    assert online(status) == {"pcmk-1", "pcmk-2"}
    assert node(status, "pcmk-1").is_dc
    assert only(status, "ClusterIP").agent == "ocf:heartbeat:IPaddr"  # TABs flattened by the doc
    assert [(r.id, r.nodes) for r in status.resources if r.clone is None] == [
        ("ClusterIP", ("pcmk-1",)),
        ("WebSite", ("pcmk-1",)),
        ("WebFS", ("pcmk-1",)),
    ]
    # 1.0 prints no [primitive] after the set: the clone id stands in for the instances' id.
    assert placed(status, "WebDataClone") == [("Promoted", ("pcmk-1",)), ("Unpromoted", ("pcmk-2",))]
    assert [r.role_raw for r in status.instances("WebDataClone")] == ["Master", "Slave"]
    assert coll(status, "WebDataClone").promotable


@needs_shared
def test_1_0_5_partition_without_quorum() -> None:
    status = corpus("cfs-1.0.5-no-quorum-offline.txt")
    assert (status.dc, status.quorum, status.resources_configured) == ("pcmk-2", False, 1)
    assert node(status, "pcmk-1").online is False
    assert node(status, "pcmk-2").online is True
    assert status.resources == ()
    assert status.failed_actions == ()


def test_hand_written_1_0_9_on_openais() -> None:
    status = parse_crm_mon_text(HAND_WRITTEN_1_0_9, "crm_mon-1.0.9.txt")
    assert (status.stack, status.dc, status.quorum) == ("openais", "vnode1", True)
    assert status.dc_version == "1.0.9-74392a28b7f31d7ddc86689598bd23114f58978b"
    assert (status.nodes_configured, status.resources_configured) == (3, 5)
    assert status.last_updated == "Wed Sep 22 15:02:11 2010"
    assert status.last_change is None
    assert status.maintenance_mode is None
    standby = node(status, "vnode2")
    assert standby.standby
    assert standby.online
    assert not standby.is_dc
    assert [n.name for n in status.nodes if n.is_dc] == ["vnode1"]
    assert online(status) == {"vnode1", "vnode2", "vnode3"}
    sentinel = only(status, "sentinel")
    assert (sentinel.agent, sentinel.role, sentinel.nodes) == (
        "ocf:heartbeat:Xen",
        ResourceRole.STARTED,
        ("vnode1",),
    )
    mail = only(status, "mail")
    assert (mail.role, mail.nodes, mail.active, mail.failed) == (ResourceRole.STOPPED, (), False, False)
    assert coll(status, "g_backup").members == ("backup_ip", "backup_vm")
    assert only(status, "backup_vm").parent == "g_backup"
    # "Stopped: [ ping:2 ]" names an instance, not a node; it also gives the clone's primitive id.
    assert placed(status, "ping") == [("Started", ("vnode1",)), ("Started", ("vnode3",)), ("Stopped", ())]
    assert coll(status, "cl_ping").members == ("ping",)
    assert [(h.node, h.resource, h.fail_count, h.last_failure) for h in status.history] == [
        ("vnode3", "mail", INFINITY, "Wed Sep 22 14:58:40 2010")
    ]
    (failed,) = status.failed_actions
    assert (failed.resource, failed.operation, failed.node, failed.interval_ms) == (
        "mail",
        "start",
        "vnode3",
        0,
    )
    assert (failed.exit_code, failed.exit_status, failed.status, failed.call) == (
        1,
        "unknown error",
        "complete",
        41,
    )


def test_1_0_9_without_dc_and_with_an_unclean_node() -> None:
    text = HAND_WRITTEN_1_0_9.replace(
        "Current DC: vnode1 - partition with quorum\nVersion: 1.0.9-74392a28b7f31d7ddc86689598bd23114f58978b",
        "Current DC: NONE",
    ).replace("Online: [ vnode1 vnode3 ]", "Node vnode3: UNCLEAN (offline)\nOnline: [ vnode1 ]")
    status = parse_crm_mon_text(text)
    assert (status.dc, status.quorum, status.dc_version) == (None, None, None)
    assert not any(n.is_dc for n in status.nodes)
    unclean = node(status, "vnode3")
    assert (unclean.unclean, unclean.online) == (True, False)


def test_1_0_9_titles_printed_with_nothing_under_them() -> None:
    # 1.0 prints "Full list of resources:" (-r) and "Inactive resources:" (-n -r) even when empty.
    fresh = HAND_WRITTEN_1_0_9.split(" sentinel")[0].replace("5 Resources", "0 Resources")
    status = parse_crm_mon_text(fresh + "Full list of resources:\n\n")
    assert (status.resources_configured, status.resources) == (0, ())
    all_active = HAND_WRITTEN_1_0_9.split("Migration summary:")[0] + "Inactive resources:\n\n"
    assert len(parse_crm_mon_text(all_active).resources) == 8


# --- Pacemaker 1.1 through pcs status (doc and CORTX captures) ---


@needs_shared
def test_1_1_12_pcs_status_healthy() -> None:
    status = corpus("cfs-1.1.12-pcs-status-healthy.txt")
    assert (status.stack, status.dc, status.dc_version) == ("corosync", "pcmk-1", "1.1.12-a14efad")
    assert status.last_change == "Fri Aug 14 09:29:25 2015"
    assert node(status, "pcmk-1").id == "1"  # from "Current DC: pcmk-1 (1)"
    assert [n.name for n in status.nodes] == ["pcmk-1", "pcmk-2"]  # PCSD Status lines are not nodes
    assert only(status, "ClusterIP").agent == "ocf:heartbeat:IPaddr2"
    assert placed(status, "WebData") == [("Promoted", ("pcmk-1",)), ("Unpromoted", ("pcmk-2",))]
    assert coll(status, "WebDataClone") == PcmkCollection(
        "WebDataClone", "clone", promotable=True, members=("WebData",)
    )


@needs_shared
def test_1_1_12_pcs_status_standby() -> None:
    status = corpus("cfs-1.1.12-pcs-status-standby.txt")
    standby = node(status, "pcmk-1")
    assert (standby.standby, standby.online, standby.id) == (True, True, "1")
    assert node(status, "pcmk-2").standby is False
    assert placed(status, "WebData") == [("Promoted", ("pcmk-2",)), ("Stopped", ("pcmk-1",))]
    assert {r.id: r.nodes for r in status.resources if r.clone is None} == {
        "ClusterIP": ("pcmk-2",),
        "WebSite": ("pcmk-2",),
        "WebFS": ("pcmk-2",),
    }


@needs_shared
def test_1_1_20_pcs_single_node_with_warnings() -> None:
    status = corpus("cortx-1.1.20-pcs-status-single-node.txt")
    assert (status.dc, status.dc_version) == ("ssc-vm-0018", "1.1.20-5.el7_7.2-3c4c782f70")
    assert (status.nodes_configured, status.resources_configured, status.resources) == (1, 0, ())
    assert status.last_change == "Fri Feb 28 02:24:06 2020"  # "by hacluster via crmd on ..." dropped
    assert [(n.name, n.online, n.is_dc) for n in status.nodes] == [("ssc-vm-0018", True, True)]
    assert status.warnings == ("No stonith devices and stonith-enabled is not false",)


# --- Pacemaker 2.x bulleted layout through pcs status ---


@needs_shared
def test_2_1_2_pcs_status_healthy() -> None:
    status = corpus("cfs-pcs-status-2.1.2-healthy.txt")
    assert (status.dc, status.dc_version, status.quorum) == ("pcmk-1", "2.1.2-4.el9-ada5c3b36e2", True)
    assert status.last_change == "Wed Jul 27 05:28:47 2022"
    assert (status.nodes_configured, status.resources_configured) == (2, 6)
    assert only(status, "fence_dev").agent == "stonith:some_fence_agent"
    assert placed(status, "WebData") == [("Promoted", ("pcmk-1",)), ("Unpromoted", ("pcmk-2",))]
    assert [r.role_raw for r in status.instances("WebData")] == ["Promoted", "Unpromoted"]
    assert coll(status, "WebData-clone").promotable


@needs_shared
def test_2_1_2_pcs_status_standby_and_no_resources() -> None:
    standby = corpus("cfs-pcs-status-2.1.2-standby.txt")
    assert node(standby, "pcmk-2").standby
    assert node(standby, "pcmk-1").standby is False
    assert placed(standby, "WebData") == [("Promoted", ("pcmk-1",)), ("Stopped", ("pcmk-2",))]
    empty = corpus("cfs-pcs-status-2.1.2-no-resources.txt")
    assert (empty.dc, empty.resources, empty.resources_configured) == ("pcmk-2", (), 0)
    assert online(empty) == {"pcmk-1", "pcmk-2"}
    assert empty.warnings == ("No stonith devices and stonith-enabled is not false",)


# --- Pacemaker 2.0.4 and 3.x (cts regression output of the real crm_mon) ---


@needs_shared
def test_2_0_4_basic_and_complete() -> None:
    basic = corpus("pcmk204-basic.txt")
    assert (basic.dc, basic.dc_version, basic.last_updated) == ("cluster02", None, None)  # scrubbed
    assert (basic.nodes_configured, basic.resources_configured) == (5, 19)
    assert only(basic, "dummy").agent == "ocf:pacemaker:Dummy"  # 2.0 printed ocf::pacemaker:Dummy
    assert placed(basic, "ping") == [("Started", ("cluster01",)), ("Started", ("cluster02",))]
    complete = corpus("pcmk204-complete.txt")
    assert node(complete, "cluster01").attributes == (("location", "office"), ("pingd", "1000"))
    assert node(complete, "cluster02").attributes == (("pingd", "1000"),)
    assert {(h.node, h.resource) for h in complete.history} == {
        ("cluster02", "ping"),
        ("cluster02", "dummy"),
        ("cluster01", "ping"),
        ("cluster01", "Fencing"),
        ("cluster01", "dummy"),
    }
    assert all(h.migration_threshold == INFINITY and h.fail_count is None for h in complete.history)


@needs_shared
def test_2_0_4_partially_active_bundle_and_guests() -> None:
    status = corpus("pcmk204-partially-active.txt")
    guests = [n for n in status.nodes if n.type == "remote"]
    assert [(n.name, n.online) for n in guests] == [("httpd-bundle-0", True), ("httpd-bundle-1", True)]
    assert placed(status, "ping") == [("Started", ("cluster01",))]
    bundle = only(status, "httpd-bundle-1")  # the replica line names the replica, kept as printed
    assert (bundle.role, bundle.nodes, bundle.parent, bundle.clone) == (
        ResourceRole.STOPPED,
        ("cluster01",),
        "httpd-bundle",
        None,
    )
    assert coll(status, "httpd-bundle").members == ("httpd-bundle-0", "httpd-bundle-1")


@needs_shared
def test_3_basic_clone_group_bundle_promotable() -> None:
    status = corpus("pcmk3-basic.txt")
    assert (status.nodes_configured, status.resources_configured) == (5, 32)
    assert len(status.instances("ping")) == 2
    assert placed(status, "promotable-rsc") == [("Promoted", ("cluster02",)), ("Unpromoted", ("cluster01",))]
    assert coll(status, "promotable-clone").promotable
    assert not coll(status, "ping-clone").promotable
    assert coll(status, "exim-group").members == ("Public-IP", "Email")
    assert only(status, "Email").agent == "lsb:exim"
    assert placed(status, "mysql-group") == [("Started", ("cluster01",)), ("Started", ("cluster02",))]
    assert placed(status, "httpd-bundle-2") == [("Stopped", ())]
    assert coll(status, "httpd-bundle").kind == "bundle"


@needs_shared
def test_3_complete_detail_instances_replicas_and_bans() -> None:
    status = corpus("pcmk3-complete-detail.txt")
    assert node(status, "cluster02").id == "2"
    assert node(status, "cluster02").is_dc
    offline_guest = node(status, "httpd-bundle-2")  # "GuestNode httpd-bundle-2@: OFFLINE"
    assert (offline_guest.type, offline_guest.online) == ("remote", False)
    roles = [r.role for r in status.instances("promotable-rsc")]
    assert roles.count(ResourceRole.STOPPED) == 3
    assert roles[:2] == [ResourceRole.PROMOTED, ResourceRole.UNPROMOTED]
    assert placed(status, "httpd") == [
        ("Started", ("httpd-bundle-0",)),
        ("Started", ("httpd-bundle-1",)),
        ("Stopped", ()),
    ]
    assert {r.parent for r in status.instances("httpd")} == {"httpd-bundle"}
    assert [(r.nodes, r.parent, r.clone) for r in status.instances("mysql-proxy")] == [
        (("cluster02",), "mysql-group", "mysql-clone-group"),
        (("cluster01",), "mysql-group", "mysql-clone-group"),
    ]
    assert coll(status, "mysql-group").parent == "mysql-clone-group"  # one collection for g:0 and g:1
    assert [(b.id, b.resource, b.node, b.promoted_only) for b in status.bans] == [
        ("not-on-cluster1", "dummy", "cluster01", False)
    ]


@needs_shared
def test_3_complete_attributes_and_operations() -> None:
    status = corpus("pcmk3-complete.txt")
    assert node(status, "cluster01").attributes == (("location", "office"), ("pingd", "1000"))
    assert ("httpd-bundle-1", "httpd") in {(h.node, h.resource) for h in status.history}
    assert [b.id for b in status.bans] == ["not-on-cluster1"]


@needs_shared
def test_3_grouped_by_node_takes_the_node_from_the_heading() -> None:
    status = corpus("pcmk3-grouped-by-node.txt")
    assert placed(status, "Email") == [("Started", ("cluster02",))]
    assert placed(status, "ping") == [("Started", ("cluster01",)), ("Started", ("cluster02",))]
    assert placed(status, "promotable-rsc") == [("Unpromoted", ("cluster01",)), ("Promoted", ("cluster02",))]
    assert placed(status, "httpd") == [("Started", ("httpd-bundle-0",)), ("Started", ("httpd-bundle-1",))]
    assert only(status, "dummy").reason is None
    assert node(status, "httpd-bundle-2").online is False


@needs_shared
def test_3_brief_by_node_with_inactive_and_failures() -> None:
    status = corpus("pcmk3-brief-by-node-inactive.txt")
    # Brief counts ("1 (ocf:...): Active") name no resource: only the inactive section lists some.
    assert [r.id for r in status.resources] == ["ping", "ping", "smart-mon"]
    stopped = status.instances("ping")[1]
    assert (stopped.role, stopped.reason, stopped.nodes) == (ResourceRole.STOPPED, "Not installed", ())
    assert only(status, "smart-mon").reason == "Not installed"
    (failed,) = status.failed_actions
    assert (failed.resource, failed.operation, failed.interval_ms, failed.node) == (
        "dummy-2",
        "monitor",
        0,
        "cluster02",
    )
    assert (failed.exit_code, failed.exit_status, failed.status, failed.call) == (
        3,
        "Unimplemented",
        "Done",
        2,
    )
    assert len(status.warnings) == 2
    assert all("unpack_rsc_op" in w for w in status.warnings)
    assert {h.node for h in status.history} >= {"httpd-bundle-0", "httpd-bundle-1"}  # "@host" dropped


@needs_shared
def test_3_cluster_maintenance_banner_and_offline_node() -> None:
    status = corpus("pcmk3-maintenance-offline.txt")
    assert status.maintenance_mode is True
    assert (node(status, "cluster01").online, node(status, "cluster02").online) == (True, False)
    rsc2 = only(status, "rsc2")
    assert (rsc2.nodes, rsc2.managed, rsc2.reason) == (("cluster02",), False, "maintenance")


@needs_shared
def test_3_node_maintenance_and_disabled_sets() -> None:
    status = corpus("pcmk3-node-maintenance.txt")
    assert status.maintenance_mode is None
    cluster02 = node(status, "cluster02")
    assert (cluster02.maintenance, cluster02.online, cluster02.is_dc) == (True, True, True)
    guest = node(status, "httpd-bundle-1")
    assert (guest.type, guest.maintenance) == ("remote", True)
    dhcpd = status.instances("inactive-dhcpd")
    assert [(r.nodes, r.target_role, r.reason) for r in dhcpd] == [
        (("cluster01",), "Stopped", "disabled"),
        (("cluster02",), "Stopped", "disabled"),
    ]
    assert coll(status, "inactive-clone").disabled
    assert coll(status, "inactive-group").disabled
    promoted = status.instances("promotable-rsc")[0]
    assert (promoted.role, promoted.nodes, promoted.managed) == (ResourceRole.PROMOTED, ("cluster02",), False)
    assert placed(status, "ping") == [("Started", ("cluster02",)), ("Started", ("cluster01",))]


@needs_shared
def test_3_partially_active_failed() -> None:
    status = corpus("pcmk3-partially-active-failed.txt")
    dummy2 = only(status, "dummy-2")
    # "FAILED cluster02" prints no role word: the role is unknown, the failure is not.
    assert (dummy2.failed, dummy2.role, dummy2.role_raw, dummy2.nodes) == (
        True,
        ResourceRole.UNKNOWN,
        "FAILED",
        ("cluster02",),
    )
    assert coll(status, "partially-active-group").members == ("dummy-1", "dummy-2")
    assert [r.failed for r in status.instances("httpd")] == [False, True]
    assert [f.op_key for f in status.failed_actions] == ["dummy-2_monitor_0"]
    assert [n.name for n in status.nodes if n.is_dc] == ["cluster02"]


@needs_shared
@pytest.mark.parametrize("path", CORPUS_TXT + LAB_TXT, ids=lambda p: p.name)
def test_every_shared_sample_parses_consistently(path: Path) -> None:
    status = parse(path)
    names = {n.name for n in status.nodes}
    assert status.dc is None or status.dc in names
    assert status.nodes_configured is None or status.nodes_configured >= len(
        [n for n in status.nodes if n.type == "member"]
    )
    for rsc in status.resources:
        assert set(rsc.nodes) <= names, rsc
        assert rsc.agent is None or "::" not in rsc.agent
    ids = {c.id for c in status.collections}
    assert all(r.parent in ids for r in status.resources if r.parent is not None)


# --- Pacemaker 2.1.5 (the lab, and the fixtures real crm_mon wrote from CIB files) ---


@needs_shared
def test_lab_offline_and_live_captures() -> None:
    offline = parse(LAB_SAMPLES / "crm_mon-offline.txt")
    assert (offline.stack, offline.dc, offline.dc_version, offline.last_change) == (
        "unknown",
        "vnode1",
        None,
        None,
    )
    assert placed(offline, "drbd_vm1") == [("Promoted", ("vnode1",)), ("Unpromoted", ("vnode2",))]
    assert only(offline, "xen_vm2").nodes == ("vnode3",)
    live = parse(LAB_SAMPLES / "live-3node-crm_mon.txt")  # opens with "Status of pacemakerd: ..."
    assert (live.dc, live.dc_version) == ("vnode1", "2.1.5-a3f44794f94")
    assert live.last_change == "Wed Nov 25 17:45:59 2026"
    assert node(live, "vnode1").attributes == (("master-stateful_vm1", "10"),)
    assert live.history == ()  # an empty "Migration Summary:" ends the output
    edited = parse(LAB_SAMPLES / "offline-crm_mon-edited.txt")
    assert node(edited, "vnode3").standby
    assert online(edited) == {"vnode1", "vnode2", "vnode3"}


def test_fixture_healthy_and_standby() -> None:
    healthy = own("healthy.txt")
    assert only(healthy, "mail").nodes == ("vnode3",)
    assert placed(healthy, "drbd_www") == [("Promoted", ("vnode3",)), ("Unpromoted", ("vnode2",))]
    standby = own("standby.txt")
    assert node(standby, "vnode1").standby
    assert only(standby, "sentinel").nodes == ("vnode2",)


def test_fixture_failed_stop_and_start() -> None:
    stop = own("failed-stop.txt")
    mail = only(stop, "mail")
    assert (mail.failed, mail.blocked, mail.managed, mail.nodes) == (True, True, False, ("vnode3",))
    (failed,) = stop.failed_actions  # 2.1's plain-language form
    assert (failed.resource, failed.operation, failed.node, failed.exit_status) == (
        "mail",
        "stop",
        "vnode3",
        "error",
    )
    assert failed.exit_reason == "Simulated action result"
    assert failed.op_key == "mail_stop_0"
    full = own("failed-start-full.txt")
    assert [(h.node, h.resource, h.fail_count) for h in full.history] == [("vnode3", "mail", INFINITY)]
    assert node(full, "vnode2").attributes == (("master-drbd_sentinel", "1000"), ("master-drbd_www", "1000"))


def test_fixture_by_node_and_node_failed() -> None:
    by_node = own("healthy-by-node.txt")
    # Instances listed under their node and again among inactive resources are counted once.
    assert placed(by_node, "drbd_sentinel") == [("Promoted", ("vnode1",)), ("Unpromoted", ("vnode2",))]
    assert placed(by_node, "drbd_www") == [("Unpromoted", ("vnode2",)), ("Promoted", ("vnode3",))]
    failed = own("node-failed.txt")
    assert (failed.dc, node(failed, "vnode1").online) == ("vnode2", False)


@pytest.mark.parametrize("path", OWN_TXT, ids=lambda p: p.name)
def test_fixture_agrees_with_its_xml_twin(path: Path) -> None:
    from hatui.parsers.crm_mon_xml import parse_crm_mon_xml

    twin = path.with_name(path.stem.removesuffix("-full") + ".xml")
    if not twin.exists():
        pytest.skip("no XML twin")
    text, xml = parse(path), parse_crm_mon_xml(twin.read_bytes(), twin.name)
    assert (text.dc, text.quorum, text.dc_version) == (xml.dc, xml.quorum, xml.dc_version)
    assert {n.name: (n.online, n.standby) for n in text.nodes} == {
        n.name: (n.online, n.standby) for n in xml.nodes
    }

    def placement(status: ClusterStatus) -> list[tuple[str, tuple[str, ...], str | None, str | None]]:
        return sorted(
            (r.id, r.nodes, r.parent, r.clone) for r in status.resources if r.role in ACTIVE or r.failed
        )

    assert placement(text) == placement(xml)
    assert [(f.resource, f.operation, f.node) for f in text.failed_actions] == [
        (f.resource, f.operation, f.node) for f in xml.failed_actions
    ]


# --- Entry forms no capture holds (HAND-WRITTEN after the format strings of Pacemaker's crm_mon) ---


def test_1_1_wrapped_failed_actions_attributes_and_fencing() -> None:
    text = (
        "Current DC: db3 (3) - partition with quorum\n"
        "Online: [ db1 (1) db2 (2) db3 (3) ]\n"
        "\n"
        "Node Attributes:\n"
        "* Node db1:\n"
        "    + master-pgsql                    \t: -INFINITY\n"
        "    + pingd                           \t: 0         \t: Connectivity is lost\n"
        "\n"
        "Failed Actions:\n"
        "* pgsql_monitor_3000 on db1 'unknown error' (1): call=24, status=complete, exitreason='none',\n"
        "    last-rc-change='Wed Aug 29 17:53:33 2018', queued=0ms, exec=252ms\n"
        "\n"
        "Failed Fencing Actions:\n"
        "* reboot of db2 failed: delegate=, client=stonith_admin.40341, origin=db1,\n"
        "    last-failed='Tue Sep  3 14:12:23 2024'\n"
        "\n"
        "Negative Location Constraints:\n"
        " cli-ban-pgsql-on-db2\tprevents pgsql from running as Master on db2\n"
    )
    status = parse_crm_mon_text(text)
    assert [(n.name, n.id) for n in status.nodes] == [("db3", "3"), ("db1", "1"), ("db2", "2")]
    assert node(status, "db1").attributes == (("master-pgsql", "-INFINITY"), ("pingd", "0"))
    (failed,) = status.failed_actions
    assert (failed.resource, failed.operation, failed.interval_ms, failed.exit_reason) == (
        "pgsql",
        "monitor",
        3000,
        None,
    )
    assert failed.last_rc_change == "Wed Aug 29 17:53:33 2018"
    (fence,) = status.fence_events
    assert (fence.action, fence.target, fence.state, fence.delegate) == ("reboot", "db2", "failed", None)
    assert (fence.client, fence.origin, fence.completed) == (
        "stonith_admin.40341",
        "db1",
        "Tue Sep  3 14:12:23 2024",
    )
    assert [(b.resource, b.node, b.promoted_only) for b in status.bans] == [("pgsql", "db2", True)]


def test_2_1_failed_action_that_could_not_run() -> None:
    text = (
        "Node List:\n  * Online: [ n1 ]\n\nFailed Resource Actions:\n"
        "  * vm 1m30s-interval monitor on n1 could not be executed (Timed Out: agent hung)"
        " at Mon Mar  2 09:10:00 2026 after 20s\n"
    )
    (failed,) = parse_crm_mon_text(text).failed_actions
    assert (failed.resource, failed.operation, failed.interval_ms, failed.status) == (
        "vm",
        "monitor",
        90_000,
        "Timed Out",
    )
    assert (failed.exit_reason, failed.last_rc_change, failed.exit_code) == (
        "agent hung",
        "Mon Mar  2 09:10:00 2026",
        None,
    )


@needs_shared
def test_ansi_colours_are_ignored() -> None:
    text = (CORPUS / "crm_mon_text" / "pcmk3-basic.txt").read_text()
    coloured = text.replace("Started", "\x1b[32mStarted\x1b[0m").replace(
        "Online:", "\x1b[1;32mOnline:\x1b[0m"
    )
    assert parse_crm_mon_text(coloured, "crm-status.txt") == parse_crm_mon_text(text, "crm-status.txt")


def test_2_x_fencing_forms() -> None:
    text = (
        "Node List:\n  * Online: [ n1 ]\n\nFailed Fencing Actions:\n"
        "  * reboot of r40 failed: delegate=, client=pacemaker-fenced.160287, origin=r11,"
        " completed='2022-03-06 23:27:35 +08:00'\n"
        "  * reboot of n2 for pacemaker-controld.880745@n1 last failed at 2026-03-25 22:33:59.765237 +03:00\n"
    )
    assert [
        (f.target, f.state, f.client, f.origin, f.completed) for f in parse_crm_mon_text(text).fence_events
    ] == [
        ("r40", "failed", "pacemaker-fenced.160287", "r11", "2022-03-06 23:27:35 +08:00"),
        ("n2", "failed", "pacemaker-controld.880745", "n1", "2026-03-25 22:33:59.765237 +03:00"),
    ]


# --- Not crm_mon output, truncated or damaged output ---


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n\n",
        "hello world\n",
        "Error: cluster is not currently running on this node\n",
        '<?xml version="1.0"?>\n',
    ],
)
def test_text_that_is_not_crm_mon_output(text: str) -> None:
    with pytest.raises(ParseError) as err:
        parse_crm_mon_text(text, "status.txt")
    assert err.value.source == "status.txt"


@needs_shared
def test_other_formats_are_refused() -> None:
    for other in (CORPUS / "proc_drbd").glob("*.txt"):
        if not other.name.endswith(".source.txt"):
            with pytest.raises(ParseError):
                parse(other)


@needs_shared
@pytest.mark.parametrize(
    ("name", "after", "cut"),
    [
        ("pcmk3-basic.txt", "  * Clone Set: ping-clone [ping]:\n", ""),  # set header, no members
        ("pcmk3-basic.txt", "    * Started: [ cluster01", ""),  # open bracket
        ("pcmk3-basic.txt", "  * Current DC: cluster02 (vers", ""),  # cut in the DC line
        ("pcmk3-basic.txt", "  * Fencing\t(stonith:fence_xvm):", ""),  # resource without state
        ("pcmk3-basic.txt", "Node List:\n", ""),  # section header, nothing under it
        ("pcmk3-partially-active-failed.txt", "Failed Resource Actions:\n", ""),
        ("pcmk3-partially-active-failed.txt", "call=2, status='Do", ""),  # open quote
        ("pcmk3-partially-active-failed.txt", "    * ping\t(ocf:pacemaker:ping):\t Stopped (Not inst", ""),
        ("cfs-pcs-status-2.1.2-healthy.txt", "  * Last updated: Wed Jul 27 05:2", ""),  # cut date
        ("cfs-pcs-status-2.1.2-no-resources.txt", "WARNINGS:\n", ""),
    ],
)
def test_truncation_that_shows_raises(name: str, after: str, cut: str) -> None:
    text = (CORPUS / "crm_mon_text" / name).read_text()
    assert after in text
    with pytest.raises(ParseError) as err:
        parse_crm_mon_text(text[: text.index(after) + len(after)] + cut, name)
    assert err.value.line is not None
    assert err.value.source == name


@needs_shared
def test_unknown_line_inside_a_section_names_its_line() -> None:
    lines = (CORPUS / "crm_mon_text" / "pcmk3-basic.txt").read_text().splitlines()
    lines.insert(15, "  * this is not a resource line")
    with pytest.raises(ParseError) as err:
        parse_crm_mon_text("\n".join(lines), "pcmk3-basic.txt")
    assert (err.value.line, err.value.snippet) == (16, "* this is not a resource line")


@needs_shared
@pytest.mark.parametrize("path", CORPUS_TXT + LAB_TXT, ids=lambda p: p.name)
def test_every_line_prefix_is_refused_or_consistent(path: Path) -> None:
    lines = path.read_text().splitlines(keepends=True)
    full = parse(path)
    for end in range(len(lines)):
        part = _outcome("".join(lines[:end]), path.name)
        if isinstance(part, ParseError):
            assert not part.reason.startswith("internal"), part
            continue
        assert {n.name for n in part.nodes} <= {n.name for n in full.nodes}
        assert {r.id for r in part.resources} <= {r.id for r in full.resources}
        assert len(part.failed_actions) <= len(full.failed_actions)


def _outcome(text: str, source: str) -> ClusterStatus | ParseError:
    try:
        return parse_crm_mon_text(text, source)
    except ParseError as exc:
        return exc


def _samples() -> list[str]:
    paths = [*CORPUS_TXT, *LAB_TXT, *OWN_TXT]
    return [HAND_WRITTEN_1_0_9, *(p.read_text() for p in paths)]


SAMPLES = _samples()


@st.composite
def damaged(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(SAMPLES))
    lines = text.splitlines(keepends=True) or [""]
    where = draw(st.integers(0, len(lines) - 1))
    how = draw(st.sampled_from(["cut", "drop", "repeat", "swap", "char", "insert"]))
    if how == "cut":
        return text[: draw(st.integers(0, len(text)))]
    if how == "drop":
        del lines[where]
    elif how == "repeat":
        lines.insert(where, lines[where])
    elif how == "swap":
        other = draw(st.integers(0, len(lines) - 1))
        lines[where], lines[other] = lines[other], lines[where]
    else:
        line = lines[where]
        pos = draw(st.integers(0, len(line)))
        char = draw(st.sampled_from(list("*[]():'\t =-@,\x00\r") + ["é", "Node ", "Clone Set: "]))
        lines[where] = line[:pos] + char + line[pos + (how == "char") :]
    return "".join(lines)


def _parses_or_refuses(text: str) -> None:
    outcome = _outcome(text, "fuzz.txt")
    if isinstance(outcome, ParseError):
        assert not outcome.reason.startswith("internal"), outcome  # a slip caught by the safety net
        assert outcome.source == "fuzz.txt"
    else:
        assert outcome.source_format == "text"


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(damaged())
def test_damaged_samples_give_parse_error_or_status(text: str) -> None:
    _parses_or_refuses(text)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from([*"abcNode*[]():'\t \n=-@,0123:", "Online: [ ", "Clone Set: ", "Node List:\n"])
    ).map("".join)
)
def test_random_text_gives_parse_error_or_status(text: str) -> None:
    _parses_or_refuses(text)
