"""Tests of parse_crm_mon_xml on real crm_mon outputs (corpus, lab, own fixtures) and broken input."""

from __future__ import annotations

import contextlib
import re
import time
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hatui.errors import ParseError
from hatui.model.pacemaker import INFINITY, Ban, ClusterStatus, FailedAction, PcmkNode
from hatui.model.words import ResourceRole
from hatui.parsers.crm_mon_xml import parse_crm_mon_xml
from support import CORPUS, FIXTURES, LAB_SAMPLES, corpus_files, needs_shared

OWN = FIXTURES / "crm_mon"
OWN_ERRORS = ("cib-missing.xml", "not-connected.xml")
CORPUS_XML = corpus_files("crm_mon_xml", "*.xml")
LAB_XML = sorted(LAB_SAMPLES.glob("crm_mon*.xml")) + sorted(LAB_SAMPLES.glob("live-*crm_mon*.xml"))
OWN_XML = sorted(p for p in OWN.glob("*.xml") if p.name not in OWN_ERRORS)
CTS_STDERR = (
    "unpack_rsc_op \terror: Preventing dummy-2 from restarting on cluster02 because of hard failure"
    " (Unimplemented) | dummy-2_last_failure_0"
)


def parse(path: Path) -> ClusterStatus:
    return parse_crm_mon_xml(path.read_bytes(), path.name)


def corpus(name: str) -> ClusterStatus:
    return parse(CORPUS / "crm_mon_xml" / name)


def lab(name: str) -> ClusterStatus:
    return parse(LAB_SAMPLES / name)


def own(name: str) -> ClusterStatus:
    return parse(OWN / name)


def node(status: ClusterStatus, name: str) -> PcmkNode:
    found = status.node(name)
    assert found is not None, f"no node {name}"
    return found


def placed(status: ClusterStatus, rid: str) -> list[tuple[str, tuple[str, ...]]]:
    """Returns (printed role, nodes) of every instance of ``rid``."""
    return [(r.role_raw, r.nodes) for r in status.instances(rid)]


def layout(status: ClusterStatus) -> Counter[tuple[str, str, frozenset[str]]]:
    return Counter((r.id, r.role_raw, frozenset(r.nodes)) for r in status.resources)


# --- every sample parses, and what holds for all of them -------------------------------------------


@needs_shared
@pytest.mark.parametrize("path", CORPUS_XML + LAB_XML, ids=lambda p: p.name)
def test_every_shared_sample_parses_consistently(path: Path) -> None:
    status = parse(path)
    assert status.source_format == ("crm_mon" if "<crm_mon " in path.read_text() else "pacemaker-result")
    names = {n.name for n in status.nodes}
    for resource in status.resources:
        assert resource.role is not ResourceRole.UNKNOWN, resource
        assert resource.agent is None or "::" not in resource.agent
        if names:
            assert set(resource.nodes) <= names, resource
    for collection in status.collections:
        assert collection.members, collection
        assert ":" not in collection.id


@needs_shared
def test_every_corpus_sample_has_its_own_test() -> None:
    tested = {
        n.removeprefix("test_corpus_").replace("_", "-") for n in globals() if n.startswith("test_corpus_")
    }
    names = {re.sub(r"[^a-z0-9]+", "-", p.stem.lower()) for p in CORPUS_XML}
    assert names <= tested, names - tested


# --- corpus ------------------------------------------------------------------------------------------


@needs_shared
def test_corpus_cortx_1_1_20_clones_offline_dc() -> None:
    s = corpus("cortx-1.1.20-clones-offline-dc.xml")
    assert (s.source_format, s.crm_mon_version, s.stack) == ("crm_mon", "1.1.20", "corosync")
    assert (s.dc, s.dc_version, s.quorum) == ("smc8-m11", "1.1.20-5.el7_7.1-3c4c782f70", True)
    assert (s.last_updated, s.last_change) == ("Wed Feb 26 14:07:26 2020", "Tue Feb 25 20:08:36 2020")
    assert (s.nodes_configured, s.resources_configured) == (2, 6)
    assert (s.stonith_enabled, s.symmetric_cluster, s.maintenance_mode) == (False, True, False)
    assert s.no_quorum_policy == "ignore"
    dc = node(s, "smc8-m11")
    assert (dc.online, dc.is_dc, dc.resources_running, dc.id) == (False, True, 3, "2")
    assert placed(s, "lnet") == [("Started", ("smc8-m11",)), ("Started", ("smc7-m11",))]
    lnet = s.instances("lnet")[0]
    assert (lnet.agent, lnet.parent, lnet.clone) == ("systemd:lnet", "lnet-clone", "lnet-clone")
    ip = s.instances("ip-c1")[0]
    assert (ip.agent, ip.parent, ip.clone, ip.nodes) == ("ocf:heartbeat:IPaddr2", "c1", None, ("smc7-m11",))
    assert [(c.id, c.kind, c.members) for c in s.collections] == [
        ("lnet-clone", "clone", ("lnet",)),
        ("c1", "group", ("ip-c1", "lnet-c1")),
        ("c2", "group", ("ip-c2", "lnet-c2")),
    ]
    assert len(s.history) == 6
    assert all(h.migration_threshold == INFINITY for h in s.history)
    assert all(h.fail_count is None for h in s.history)
    assert s.failed_actions == s.fence_events == s.bans == s.warnings == ()


@needs_shared
def test_corpus_hace_1_1_18_saphana_extended() -> None:
    s = corpus("hace-1.1.18-saphana-extended.xml")
    assert (s.crm_mon_version, s.dc, s.dc_version) == (
        "2.0.0",
        "node01",
        "1.1.18+20180430.b12c320f5-3.15.1-b12c320f5",
    )
    assert (s.stonith_enabled, s.no_quorum_policy) == (True, "stop")
    node01 = node(s, "node01")
    assert len(node01.attributes) == 11
    assert node01.attributes[0] == ("hana_prd_clone_state", "PROMOTED")
    assert node01.attributes[-1] == ("master-rsc_SAPHana_PRD_HDB00", "150")
    (stopped,) = s.instances("test-stop")
    assert (stopped.role, stopped.target_role, stopped.active, stopped.nodes) == (
        ResourceRole.STOPPED,
        "Stopped",
        False,
        (),
    )
    promoted, unpromoted = s.instances("rsc_SAPHana_PRD_HDB00")
    assert (promoted.role, promoted.role_raw, promoted.nodes) == (
        ResourceRole.PROMOTED,
        "Master",
        ("node01",),
    )
    assert (unpromoted.role, unpromoted.role_raw, unpromoted.pending) == (
        ResourceRole.UNPROMOTED,
        "Slave",
        "Monitoring",
    )
    assert promoted.agent == "ocf:suse:SAPHana"
    assert promoted.clone == "msl_SAPHana_PRD_HDB00"
    msl = next(c for c in s.collections if c.id == "msl_SAPHana_PRD_HDB00")
    assert msl.promotable
    assert not next(c for c in s.collections if c.id == "c-clusterfs").promotable
    assert [r.role_raw for r in s.instances("clusterfs")] == ["Started", "Started", "Stopped", "Stopped"]
    assert next(c for c in s.collections if c.id == "grp_HA1_ASCS00").members == (
        "rsc_ip_HA1_ASCS00",
        "rsc_fs_HA1_ASCS00",
        "rsc_sap_HA1_ASCS00",
    )
    history = {(h.node, h.resource): h for h in s.history}
    hana1 = history["node01", "rsc_SAPHana_PRD_HDB00"]
    assert (hana1.fail_count, hana1.migration_threshold) == (INFINITY, 5000)
    assert hana1.last_failure == "Wed Oct 23 12:37:22 2019"
    assert (
        history["node02", "rsc_SAPHana_PRD_HDB00"].fail_count,
        history["node01", "rsc_ip_PRD_HDB00"].fail_count,
    ) == (
        300,
        2,
    )
    assert history["node01", "stonith-sbd"].fail_count is None


@needs_shared
def test_corpus_hace_2_0_0_hawk3_legacy() -> None:
    s = corpus("hace-2.0.0-hawk3-legacy.xml")
    assert (s.dc, s.quorum, s.stonith_enabled) == ("Hawk3-1", True, False)
    assert [(r.id, r.nodes) for r in s.resources] == [("d1", ("Hawk3-1",)), ("vip1", ("Hawk3-2",))]
    assert s.failed_actions[0] == FailedAction(
        resource="ddd",
        operation="start",
        node="Hawk3-2",
        exit_code=5,
        exit_status="not installed",
        status="complete",
        call=16,
        interval_ms=0,
        last_rc_change="Tue Jan 15 22:19:59 2019",
        exit_reason="Setup problem: couldn't find command: /usr/bin/safe_mysqld",
        op_key="ddd_start_0",
    )
    assert [f.node for f in s.failed_actions] == ["Hawk3-2", "Hawk3-1"]
    ddd = [(h.node, h.fail_count, h.migration_threshold) for h in s.history if h.resource == "ddd"]
    assert ddd == [("Hawk3-2", INFINITY, 3), ("Hawk3-1", INFINITY, 3)]
    assert s.fence_events == ()


@needs_shared
def test_corpus_pcmk204_basic() -> None:
    s = corpus("pcmk204-basic.xml")
    assert (s.source_format, s.crm_mon_version) == ("pacemaker-result", "2.2")
    # The cts harness scrubbed the DC name, version and times: present but empty means unknown.
    assert (s.dc, s.dc_version, s.quorum, s.last_updated) == (None, None, True, None)
    assert [(n.name, n.type, n.online) for n in s.nodes][2:] == [
        ("httpd-bundle-0", "remote", False),
        ("httpd-bundle-1", "remote", False),
        ("httpd-bundle-2", "remote", False),
    ]
    assert s.instances("ping")[0].agent == "ocf:pacemaker:ping"
    assert s.instances("inactive-dummy")[0].target_role == "stopped"
    assert next(c for c in s.collections if c.id == "inactive-clone-master").promotable
    httpd = s.instances("httpd")
    assert len(httpd) == 3
    assert {(r.role, r.parent, r.clone) for r in httpd} == {(ResourceRole.STOPPED, "httpd-bundle", None)}
    bundle = next(c for c in s.collections if c.kind == "bundle")
    assert bundle.id == "httpd-bundle"
    assert len(bundle.members) == 10
    assert bundle.members[1] == "httpd"
    cluster01 = node(s, "cluster01")
    assert cluster01.attributes == (("location", "office"), ("pingd", "1000"))


@needs_shared
def test_corpus_pcmk204_partially_active() -> None:
    s = corpus("pcmk204-partially-active.xml")
    assert placed(s, "ping") == [("Started", ("cluster01",)), ("Stopped", ())]
    assert placed(s, "httpd") == [("Started", ("httpd-bundle-0",)), ("Stopped", ())]
    guest = node(s, "httpd-bundle-0")
    assert (guest.type, guest.online, guest.resources_running) == ("remote", True, 1)
    assert ("httpd-bundle-0", "httpd") in {(h.node, h.resource) for h in s.history}
    assert s.failed_actions == ()


@needs_shared
def test_corpus_pcmk3_basic_bundle_clone_promotable() -> None:
    s = corpus("pcmk3-basic-bundle-clone-promotable.xml")
    assert (s.crm_mon_version, s.dc, s.stonith_enabled, s.maintenance_mode) == ("X", "cluster02", True, False)
    assert len(s.resources) == s.resources_configured == 32
    proxies = s.instances("mysql-proxy")
    assert [r.nodes for r in proxies] == [("cluster02",), ("cluster01",), (), (), ()]
    assert {(r.parent, r.clone) for r in proxies} == {("mysql-group", "mysql-clone-group")}
    collections = {c.id: c for c in s.collections}
    assert (collections["mysql-group"].kind, collections["mysql-group"].parent) == (
        "group",
        "mysql-clone-group",
    )
    assert collections["mysql-group"].members == ("mysql-proxy",)
    assert collections["mysql-clone-group"].members == ("mysql-group",)
    assert [r.role for r in s.instances("promotable-rsc")] == [
        ResourceRole.PROMOTED,
        ResourceRole.UNPROMOTED,
        ResourceRole.STOPPED,
        ResourceRole.STOPPED,
        ResourceRole.STOPPED,
    ]
    assert collections["promotable-clone"].promotable
    assert not collections["ping-clone"].promotable
    assert collections["inactive-clone"].disabled
    assert collections["inactive-group"].disabled
    assert not collections["exim-group"].disabled
    assert s.bans == (Ban("not-on-cluster1", "dummy", "cluster01", -INFINITY, False),)
    offline_guest = node(s, "httpd-bundle-2")
    assert offline_guest.online is False
    assert all(r.orphaned is False for r in s.resources)


@needs_shared
def test_corpus_pcmk3_filter_no_such_node() -> None:
    s = corpus("pcmk3-filter-no-such-node.xml")
    assert (s.nodes, s.dc, len(s.resources), len(s.bans)) == ((), "cluster02", 4, 1)


@needs_shared
def test_corpus_pcmk3_grouped_by_node() -> None:
    by_node = corpus("pcmk3-grouped-by-node.xml")
    flat = corpus("pcmk3-basic-bundle-clone-promotable.xml")
    # Same cluster as the flat sample: gathering the nodes' resources finds every instance once.
    assert layout(by_node) == layout(flat)
    assert [r.nodes for r in by_node.instances("ping")] == [("cluster01",), ("cluster02",)]
    assert by_node.instances("ping")[0].parent is None  # printed without its clone: not guessed
    assert {(r.parent, r.clone) for r in by_node.instances("promotable-rsc")} == {
        ("promotable-clone", "promotable-clone")
    }
    assert {c.id for c in by_node.collections} == {c.id for c in flat.collections} - {
        "ping-clone",
        "exim-group",
    }


@needs_shared
def test_corpus_pcmk3_maintenance_offline_node() -> None:
    s = corpus("pcmk3-maintenance-offline-node.xml")
    assert s.maintenance_mode is True
    dc = node(s, "cluster02")
    assert (dc.online, dc.is_dc) == (False, True)
    (rsc2,) = s.instances("rsc2")
    assert (rsc2.nodes, rsc2.managed, rsc2.active) == (("cluster02",), False, True)


@needs_shared
def test_corpus_pcmk3_node_maintenance() -> None:
    s = corpus("pcmk3-node-maintenance.xml")
    assert [n.name for n in s.nodes if n.maintenance] == ["cluster02", "httpd-bundle-1"]
    assert [(r.nodes, r.managed) for r in s.instances("ping")] == [
        (("cluster02",), False),
        (("cluster01",), True),
    ]
    assert s.instances("dummy")[0].managed is False


@needs_shared
def test_corpus_pcs_2_x_all_resources_stopped_tickets() -> None:
    s = corpus("pcs-2.x-all-resources-stopped-tickets.xml")
    assert (s.crm_mon_version, s.stack, s.dc, s.quorum, s.nodes) == ("2.30", "unknown", None, None, ())
    assert s.last_change == "Thu Aug 23 16:49:17 2012"
    assert {r.role for r in s.resources} == {ResourceRole.STOPPED}
    collections = {c.id: c for c in s.collections}
    assert (collections["B1"].unique, collections["B1"].managed, len(collections["B1"].members)) == (
        True,
        False,
        8,
    )
    assert collections["G1-clone"].promotable
    assert collections["G1-clone"].members == ("G1",)
    assert (collections["G1"].parent, collections["G1"].members) == ("G1-clone", ("R2", "R3", "R4"))
    assert (s.instances("R2")[0].parent, s.instances("R2")[0].clone) == ("G1", "G1-clone")
    assert s.instances("S1")[0].agent == "stonith:fence_kdump"
    assert s.instances("S1")[0].parent == "G2"
    assert len(s.instances("R6")) == 1


# --- lab captures (Pacemaker 2.1.5) -------------------------------------------------------------------


@needs_shared
def test_lab_live_three_nodes_healthy() -> None:
    s = lab("live-3node-crm_mon.xml")
    assert (s.dc, s.dc_version, s.crm_mon_version) == ("vnode1", "2.1.5-a3f44794f94", "2.25")
    assert (s.stonith_enabled, s.symmetric_cluster) == (False, False)
    assert [(n.name, n.online, n.is_dc) for n in s.nodes] == [
        ("vnode1", True, True),
        ("vnode2", True, False),
        ("vnode3", True, False),
    ]
    assert placed(s, "stateful_vm1") == [("Unpromoted", ("vnode2",)), ("Promoted", ("vnode1",))]
    assert placed(s, "vm1") == [("Started", ("vnode1",))]
    vnode2 = node(s, "vnode2")
    assert vnode2.attributes == (("master-stateful_vm1", "5"),)
    assert s.failed_actions == ()


@needs_shared
def test_lab_live_standby_and_failure() -> None:
    standby = lab("live-3node-crm_mon-standby.xml")
    vnode2 = node(standby, "vnode2")
    assert (vnode2.standby, vnode2.resources_running) == (True, 0)
    assert standby.dc == "vnode3"
    assert placed(standby, "stateful_vm1") == [("Promoted", ("vnode1",)), ("Stopped", ())]
    failure = lab("live-3node-crm_mon-failure.xml")
    (action,) = failure.failed_actions
    assert (action.resource, action.operation, action.node, action.interval_ms) == (
        "dummy2",
        "monitor",
        "vnode2",
        10000,
    )
    assert (action.exit_code, action.exit_status, action.exit_reason, action.call) == (
        7,
        "not running",
        None,
        57,
    )
    assert action.last_rc_change == "2026-11-25 17:47:27Z"
    counts = {(h.node, h.resource): h.fail_count for h in failure.history if h.fail_count}
    assert counts == {("vnode2", "dummy2"): 1}


@needs_shared
def test_lab_single_node_and_offline_simulations() -> None:
    single = lab("live-single-crm_mon.xml")
    assert [n.name for n in single.nodes] == ["vnode1"]
    assert single.instances("d1")[0].target_role == "Started"
    offline = lab("crm_mon-offline.xml")
    assert (offline.stack, offline.dc, offline.dc_version) == ("unknown", "vnode1", None)
    assert [(r.role_raw, r.orphaned) for r in offline.instances("drbd_vm1")] == [
        ("Promoted", False),
        ("Unpromoted", False),
        ("Stopped", True),
    ]
    assert offline.instances("xen_vm1")[0].agent == "ocf:heartbeat:Xen"
    failed = lab("crm_mon-offline-failed.xml")
    assert failed.bans == (Ban("cli-ban-xen_vm2-on-vnode3", "xen_vm2", "vnode3", -INFINITY, False),)
    assert failed.failed_actions[0].exit_reason == "Simulated action result"
    assert placed(failed, "xen_vm2") == [("Started", ("vnode2",))]


# --- own fixtures: real crm_mon 2.1.5 on the reference-shaped CIB (make_crm_mon_fixtures.sh) ----------


def test_own_healthy_reference_cluster() -> None:
    s = own("healthy.xml")
    assert (s.stack, s.dc, s.quorum, s.stonith_enabled, s.symmetric_cluster) == (
        "corosync",
        "vnode1",
        True,
        False,
        False,
    )
    assert s.last_change == "Mon Mar  2 09:10:00 2026"  # double space kept: ctime pads the day
    assert {r.id: r.nodes for r in s.resources if r.agent == "ocf:heartbeat:Xen"} == {
        "sentinel": ("vnode1",),
        "www": ("vnode3",),
        "mail": ("vnode3",),
    }
    promoted = {r.id: r.nodes for r in s.resources if r.role is ResourceRole.PROMOTED}
    assert promoted == {"drbd_sentinel": ("vnode1",), "drbd_www": ("vnode3",)}
    assert [(c.id, c.promotable, c.members) for c in s.collections] == [
        ("ms_drbd_sentinel", True, ("drbd_sentinel",)),
        ("ms_drbd_www", True, ("drbd_www",)),
    ]
    vnode2 = node(s, "vnode2")
    assert vnode2.attributes == (
        ("master-drbd_sentinel", "1000"),
        ("master-drbd_www", "1000"),
    )


def test_own_legacy_and_by_node_views_agree_with_the_flat_one() -> None:
    flat, legacy, by_node = own("healthy.xml"), own("healthy-legacy.xml"), own("healthy-by-node.xml")
    assert (legacy.source_format, legacy.crm_mon_version) == ("crm_mon", "2.1.5")
    assert (legacy.resources, legacy.nodes, legacy.collections) == (
        flat.resources,
        flat.nodes,
        flat.collections,
    )
    assert layout(by_node) == layout(flat)
    assert by_node.instances("sentinel")[0].nodes == ("vnode1",)


def test_own_standby_moves_the_guest_with_its_drbd() -> None:
    s = own("standby.xml")
    vnode1 = node(s, "vnode1")
    assert (vnode1.standby, vnode1.online, vnode1.resources_running) == (True, True, 0)
    assert placed(s, "drbd_sentinel") == [("Promoted", ("vnode2",)), ("Stopped", ())]
    assert placed(s, "sentinel") == [("Started", ("vnode2",))]


def test_own_failed_start_is_only_in_node_history() -> None:
    s = own("failed-start.xml")
    assert s.failed_actions == ()  # Pacemaker 2.1.5 quirk, reported as printed
    (mail,) = [h for h in s.history if h.fail_count]
    assert (mail.node, mail.resource, mail.fail_count) == ("vnode3", "mail", INFINITY)
    assert placed(s, "mail") == [("Started", ("vnode1",))]


def test_own_failed_stop_leaves_the_guest_blocked() -> None:
    s = own("failed-stop.xml")
    (mail,) = s.instances("mail")
    assert (mail.role, mail.nodes, mail.failed, mail.blocked, mail.managed) == (
        ResourceRole.STARTED,
        ("vnode3",),
        True,
        True,
        False,
    )
    (action,) = s.failed_actions
    assert (action.op_key, action.operation, action.interval_ms, action.exit_code) == (
        "mail_stop_0",
        "stop",
        0,
        1,
    )


def test_own_node_failure() -> None:
    s = own("node-failed.xml")
    vnode1 = node(s, "vnode1")
    assert (vnode1.online, vnode1.unclean, vnode1.is_dc) == (False, False, False)
    assert s.dc == "vnode2"
    assert placed(s, "drbd_sentinel") == [("Promoted", ("vnode2",)), ("Stopped", ())]
    assert placed(s, "sentinel") == [("Started", ("vnode2",))]


def test_own_stderr_line_before_the_xml_becomes_a_warning() -> None:
    s = own("stderr-validate-none.xml")
    (warning,) = s.warnings
    assert warning.startswith("Schema validation of configuration is disabled (enabling is encouraged")
    assert layout(s) == layout(own("healthy.xml"))


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("cib-missing.xml", ("line 2", "Could not connect to the CIB")),
        ("not-connected.xml", ("line 2", "102", "Not connected", "Connection refused")),
    ],
)
def test_own_failed_runs_raise_with_crm_mons_message(name: str, words: tuple[str, ...]) -> None:
    with pytest.raises(ParseError) as caught:
        own(name)
    assert all(word in str(caught.value) for word in words), caught.value


def test_own_unique_clone_instances_report_the_configured_id() -> None:
    s = own("unique-clone.xml")
    assert placed(s, "u") == [("Started", ("n1",)), ("Started", ("n2",)), ("Stopped", ())]
    assert s.collections[0].members == ("u",)
    (action,) = s.failed_actions
    assert (action.resource, action.op_key, action.node) == ("u", "u:1_monitor_10000", "n2")
    assert [(h.node, h.resource, h.fail_count) for h in s.history] == [("n1", "u", None), ("n2", "u", 1)]


@pytest.mark.parametrize("path", OWN_XML, ids=lambda p: p.name)
def test_own_fixtures_stay_small_and_text_twins_exist(path: Path) -> None:
    assert path.stat().st_size < 40 * 1024
    assert parse(path).nodes
    twin = path.with_suffix(".txt")
    assert twin.exists() or path.stem in {"healthy-legacy", "stderr-validate-none", "unique-clone"}


# --- shapes built by hand: one quirk per test --------------------------------------------------------


def result(body: str, status: str = '<status code="0" message="OK"/>') -> str:
    return f'<pacemaker-result api-version="2.25" request="crm_mon">\n{body}\n{status}\n</pacemaker-result>\n'


def test_failures_op_keys_fence_events_and_scores() -> None:
    s = parse_crm_mon_xml(
        result(
            """<node_history><node name="n1">
  <resource_history id="r" orphan="false" migration-threshold="INFINITY" fail-count="+INFINITY"/>
  <resource_history id="q" orphan="false" migration-threshold="3" fail-count="99999999"/>
</node></node_history>
<failures>
  <failure op_key="rsc_SAPHana_PRD_HDB00_monitor_60000" node="n1" exitstatus="error" exitcode="1"
           call="9" status="Timed Out"/>
  <failure op_key="vm_migrate_to_0" node="n1" exitstatus="error" rc="1" call="x" status="Done"/>
  <failure id="odd-key" node="n1" exitstatus="error" exitcode="1" call="1" status="Done" interval="5000ms"
           task="start"/>
</failures>
<fence_history>
  <fence_event target="n2" action="reboot" state="success" delegate="n1"
               completed="Thu Mar 26 05:58:43 2020"/>
  <fence_event target="n3" action="off" status="failed" exit-reason="timed out"
               client="pacemaker-controld" origin="n1"/>
</fence_history>
<bans><ban id="b" resource="r" node="n1" weight="-INFINITY" master_only="true"/></bans>"""
        )
    )
    assert [(h.fail_count, h.migration_threshold) for h in s.history] == [(INFINITY, INFINITY), (INFINITY, 3)]
    first, second, third = s.failed_actions
    assert (first.resource, first.operation, first.interval_ms, first.status) == (
        "rsc_SAPHana_PRD_HDB00",
        "monitor",
        60000,
        "Timed Out",
    )
    assert (second.resource, second.operation, second.exit_code, second.call) == ("vm", "migrate_to", 1, None)
    assert (third.resource, third.operation, third.interval_ms, third.op_key) == (
        "odd-key",
        "start",
        5000,
        "odd-key",
    )
    legacy, current = s.fence_events
    assert (legacy.target, legacy.state, legacy.delegate, legacy.completed) == (
        "n2",
        "success",
        "n1",
        "Thu Mar 26 05:58:43 2020",
    )
    assert (current.state, current.exit_reason, current.client, current.completed) == (
        "failed",
        "timed out",
        "pacemaker-controld",
        None,
    )
    assert s.bans == (Ban("b", "r", "n1", -INFINITY, True),)


def test_unknown_words_and_values_are_kept_raw_not_guessed() -> None:
    s = parse_crm_mon_xml(
        result(
            """<nodes><node name="n1" online="maybe" resources_running="many" type="ping"/></nodes>
<resources><clone id="c" promotable="true">
  <resource id="r" resource_agent="ocf::x:y" role="Reloading" active="true"/>
</clone></resources>"""
        )
    )
    (node,) = s.nodes
    assert (node.online, node.resources_running, node.type, node.standby) == (None, None, "ping", None)
    (resource,) = s.resources
    assert (resource.role, resource.role_raw, resource.agent) == (
        ResourceRole.UNKNOWN,
        "Reloading",
        "ocf:x:y",
    )
    assert s.collections[0].promotable is True
    assert (s.dc, s.quorum, s.stack, s.nodes_configured) == (None, None, None, None)


def test_nonzero_status_with_a_summary_is_a_warning() -> None:
    s = parse_crm_mon_xml(
        result(
            '<summary><current_dc present="true" name="n1" with_quorum="false"/></summary>',
            '<status code="1" message="Error occurred"><errors><error>warning: x</error></errors></status>',
        )
    )
    assert (s.dc, s.quorum) == ("n1", False)
    assert s.warnings == ("crm_mon status 1 (Error occurred)", "warning: x")


def test_empty_success_and_disconnected() -> None:
    assert parse_crm_mon_xml(result("")).nodes == ()
    with pytest.raises(ParseError, match="not connected: Pacemaker daemons shutting down"):
        parse_crm_mon_xml(result('<crm-mon-disconnected description="Pacemaker daemons shutting down"/>'))


@needs_shared
def test_noise_before_and_after_the_document_and_line_numbers() -> None:
    text = (CORPUS / "crm_mon_xml" / "pcmk204-basic.xml").read_text()
    noisy = f"{CTS_STDERR}\n{CTS_STDERR}\n{text}crm_mon: trailing complaint\n"
    s = parse_crm_mon_xml(noisy.encode())
    assert s.warnings == (CTS_STDERR, CTS_STDERR, "crm_mon: trailing complaint")
    assert layout(s) == layout(corpus("pcmk204-basic.xml"))
    broken = noisy.replace('<node name="cluster02" id="2"', '<node name="cluster02" id="2"<')
    with pytest.raises(ParseError) as caught:
        parse_crm_mon_xml(broken, "x.xml")
    assert caught.value.line == 15
    assert caught.value.snippet.startswith('<node name="cluster02"')


def test_bytes_text_crlf_and_declared_encoding_agree() -> None:
    text = (OWN / "healthy.xml").read_text()
    reference = parse_crm_mon_xml(text)
    assert parse_crm_mon_xml(text.encode()) == reference
    assert parse_crm_mon_xml(text.replace("\n", "\r\n")) == reference
    assert parse_crm_mon_xml('<?xml version="1.0" encoding="ISO-8859-1"?>\n' + text) == reference


# --- malformed input -------------------------------------------------------------------------------

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol9 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
]>
<crm_mon version="&lol9;"><summary><stack type="&lol9;"/></summary></crm_mon>
"""


@pytest.mark.parametrize(
    ("data", "line", "reason"),
    [
        (b"", None, "empty input"),
        ("  \n\t\n", None, "empty input"),
        ("Connection to cluster failed: Connection refused\n", 1, "no XML document found"),
        ("\x00\xff garbage <<<>>>", 1, "no XML document found"),
        ("<crm_mon version='1.1.20'>\n<summary>\n", 3, "malformed XML"),
        ('<cib epoch="1"><configuration/></cib>', 1, "unexpected root element <cib>"),
        ("<pacemaker-result>\n<nodes><node id='1'/></nodes></pacemaker-result>", 2, "<node> without name"),
        (
            "<crm_mon>\n<resources>\n<clone><resource id='r'/></clone></resources></crm_mon>",
            3,
            "<clone> without id",
        ),
        ("<crm_mon>\n<bans><ban id='b' resource='r'/></bans></crm_mon>", 2, "<ban> without node"),
        ("<crm_mon>&undefined;</crm_mon>", 1, "malformed XML"),
        (BILLION_LAUGHS, 2, "DTD and entity declarations are refused"),
        ('<!DOCTYPE c [<!ENTITY x SYSTEM "file:///etc/passwd">]><crm_mon v="&x;"/>', 1, "DTD"),
    ],
)
def test_malformed_input_raises_parse_error(data: bytes | str, line: int | None, reason: str) -> None:
    started = time.monotonic()
    with pytest.raises(ParseError) as caught:
        parse_crm_mon_xml(data, "probe.xml")
    assert time.monotonic() - started < 1.0
    assert (caught.value.source, caught.value.line) == ("probe.xml", line)
    assert reason in caught.value.reason


@pytest.mark.parametrize("fraction", [0.01, 0.3, 0.5, 0.9, 0.999])
def test_truncated_capture_raises_parse_error(fraction: float) -> None:
    data = (OWN / "failed-stop.xml").read_bytes()
    with pytest.raises(ParseError, match="malformed XML"):
        parse_crm_mon_xml(data[: int(len(data) * fraction)])


# --- property: only ParseError (or a status) ever comes out ----------------------------------------

SAMPLES = [p.read_bytes() for p in (OWN_XML + CORPUS_XML + LAB_XML)]


def outcome(data: bytes | str) -> None:
    with contextlib.suppress(ParseError):
        assert isinstance(parse_crm_mon_xml(data), ClusterStatus)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(), st.binary()))
def test_random_input_gives_parse_error_or_status(data: bytes | str) -> None:
    outcome(data)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(SAMPLES), st.floats(0, 1), st.lists(st.tuples(st.floats(0, 1), st.binary(max_size=3))))
def test_truncated_and_mutated_samples_give_parse_error_or_status(
    sample: bytes, cut: float, edits: list[tuple[float, bytes]]
) -> None:
    data = sample[: max(1, int(len(sample) * cut))] if cut < 0.98 else sample
    for where, new in edits:
        at = int(len(data) * where)
        data = data[:at] + new + data[at + len(new) :]
    outcome(data)


ATTRIBUTE = re.compile(rb'="[^"]*"')
TAGS = [
    b"resource",
    b"clone",
    b"group",
    b"bundle",
    b"replica",
    b"node",
    b"failure",
    b"ban",
    b"summary",
    b"status",
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(SAMPLES),
    st.lists(st.tuples(st.integers(0, 10_000), st.text(alphabet="aZ0:-_ 19INFTYtruefals", max_size=12))),
    st.lists(st.tuples(st.sampled_from(TAGS), st.sampled_from(TAGS))),
)
def test_values_and_tags_swapped_in_samples_give_parse_error_or_status(
    sample: bytes, values: list[tuple[int, str]], swaps: list[tuple[bytes, bytes]]
) -> None:
    spans = [m.span() for m in ATTRIBUTE.finditer(sample)]
    data = bytearray(sample)
    for index, value in sorted(values, reverse=True):
        if spans:
            start, end = spans[index % len(spans)]
            data[start:end] = b'="' + value.encode() + b'"'
            spans = [s for s in spans if s[1] <= start]
    mutated = bytes(data)
    for old, new in swaps:
        mutated = mutated.replace(b"<" + old + b" ", b"<" + new + b" ", 1).replace(
            b"</" + old + b">", b"</" + new + b">", 1
        )
    outcome(mutated)
