"""Verdicts that say why: no cluster, no DC, a node outside its own cluster, Pacemaker unread.

The invariant checked last: an UNKNOWN verdict always lists at least one problem that says what
could not be read and where, over every replay, every demo fault and views with sources missing.
"""

from __future__ import annotations

import asyncio
import itertools
import sys
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from test_health import NODES, codes, node, status, view

from hatui.model.capture import NodeCapture, StackInfo
from hatui.model.health import CRITICAL, WARNING, HealthStatus, evaluate
from hatui.model.report import NodeReport, SourceError
from hatui.model.view import ClusterView
from hatui.parsers.crm_mon_xml import parse_crm_mon_xml
from hatui.replay import read_replay_dir
from hatui.sources.parse import build_report

REPLAYS = Path(__file__).resolve().parents[1] / "replays"
REPLAY_DIRS = sorted(p for p in REPLAYS.iterdir() if p.is_dir())
DEMO_TESTS = Path(__file__).resolve().parents[1] / "demo"
WHEN = datetime(2026, 1, 1, tzinfo=UTC)

#: The shape of ``pcs-2.x-all-resources-stopped-tickets.xml`` in the corpus, cut to the summary.
NO_NODES_XML = """<pacemaker-result api-version="2.30" request="crm_mon --output-as=xml">
  <summary>
    <stack type="corosync"/>
    <current_dc present="false"/>
    <last_update time="Thu Jan  1 00:00:00 2026"/>
    <last_change time="Thu Jan  1 00:00:00 2026"/>
    <nodes_configured number="0"/>
    <resources_configured number="0" disabled="0" blocked="0"/>
    <cluster_options stonith-enabled="true" symmetric-cluster="true" no-quorum-policy="stop"
      maintenance-mode="false"/>
  </summary>
  <nodes/>
  <status code="0" message="OK"/>
</pacemaker-result>
"""


def test_crm_mon_with_no_dc_and_no_nodes_is_critical_not_ok() -> None:
    pcmk = parse_crm_mon_xml(NO_NODES_XML, "crm_mon.xml")
    h = evaluate(view(pcmk))
    assert h.status is HealthStatus.CRITICAL and h.status.exit_code == 2
    assert {(p.code, p.severity) for p in h.problems} == {("no-nodes", CRITICAL)}
    assert "no configured nodes" in h.problems[0].message


def test_no_dc_while_nodes_are_online_is_a_warning_naming_them() -> None:
    nodes = tuple(replace(node(n), is_dc=False) for n in NODES)
    h = evaluate(view(status(dc=None, nodes=nodes, stack="corosync")))
    assert h.status is HealthStatus.WARNING
    (p,) = h.problems
    assert (p.code, p.severity) == ("no-dc", WARNING)
    assert "vnode1, vnode2, vnode3" in p.message


def test_dc_known_only_from_the_node_list_is_not_no_dc() -> None:
    # Pacemaker 2.0.4's scrubbed XML prints <current_dc present="true"> without a name.
    assert codes(view(status(dc=None, stack="corosync"))) == {}


def test_output_without_a_summary_says_nothing_about_the_dc() -> None:
    nodes = tuple(replace(node(n), is_dc=False) for n in NODES)
    pcmk = status(dc=None, nodes=nodes, source_format="text", stack=None, nodes_configured=None)
    assert "no-dc" not in codes(view(pcmk))


def test_answering_node_outside_the_cluster_it_reports_is_critical() -> None:
    own = status(nodes=(node("vnode1"), node("vnode2"), node("vnode3", online=False, pending=True)))
    h = evaluate(view(per_node={"vnode3": own}))
    found = [(p.code, p.severity, p.subject) for p in h.problems]
    assert ("node-not-member", CRITICAL, "vnode3") in found
    msg = next(p.message for p in h.problems if p.code == "node-not-member")
    assert msg == "vnode3 answers but is not a member of the cluster it reports (pending there)"


def test_answering_node_missing_from_the_list_it_prints_is_not_a_member() -> None:
    own = status(nodes=(node("vnode1"), node("vnode2")))
    assert codes(view(per_node={"vnode3": own}))["node-not-member"] == CRITICAL


def test_node_names_pacemaker_does_not_use_are_not_judged() -> None:
    # hatui's config may name nodes by alias or address: no name matching means no comparison.
    other = status(dc="n1.example.org", nodes=tuple(node(f"n{i}.example.org") for i in (1, 2, 3)))
    assert "node-not-member" not in codes(view(other))


def _report(name: str, **kw: object) -> NodeReport:
    return NodeReport(node=name, **kw)  # type: ignore[arg-type]


def test_no_pacemaker_anywhere_is_unknown_with_each_nodes_reason() -> None:
    reports = (
        _report(
            "vnode1", errors=(SourceError("vnode1", "crm_mon.xml", "`crm_mon` exited 102: not connected"),)
        ),
        _report("vnode2", stack=StackInfo(crm_mon="absent"), raw={"proc_drbd": "x"}),
        _report("vnode3", raw={"xm_list": "x"}, stack=StackInfo(crm_mon="output-as-xml")),
    )
    h = evaluate(ClusterView("c", reports, WHEN))
    assert h.status is HealthStatus.UNKNOWN and h.status.exit_code == 3
    said = {p.subject: p.message for p in h.problems if p.code == "pacemaker-unread"}
    assert said == {
        "vnode1": "vnode1: Pacemaker status not read: crm_mon.xml: `crm_mon` exited 102: not connected",
        "vnode2": "vnode2: Pacemaker status not read: crm_mon is not installed on the node",
        "vnode3": "vnode3: Pacemaker status not read: the node gave no crm_mon output",
    }


def test_a_parse_error_on_one_online_node_is_reported_when_others_read_fine() -> None:
    v = view()
    bad = _report("vnode2", errors=(SourceError("vnode2", "crm_mon.xml", "crm_mon.xml line 3: bad"),))
    v = ClusterView("t", (v.reports[0], bad, v.reports[2]), WHEN, configured_nodes=NODES)
    h = evaluate(v)
    assert h.status is HealthStatus.WARNING
    (p,) = h.problems
    assert (p.code, p.subject) == ("pacemaker-unread", "vnode2") and "line 3: bad" in p.message


def test_warnings_without_pacemaker_do_not_pass_for_a_verdict() -> None:
    # DRBD alone says something, but nobody vouched for the cluster: UNKNOWN, not WARNING.
    v = ClusterView("c", (_report("vnode1", raw={"proc_drbd": "x"}),), WHEN)
    assert evaluate(v).status is HealthStatus.UNKNOWN


# -- the invariant: UNKNOWN implies at least one problem ---------------------------------------


def _check(v: ClusterView, where: str) -> None:
    h = evaluate(v)
    if h.status is HealthStatus.UNKNOWN:
        assert h.problems, f"{where}: UNKNOWN with no problem"


@pytest.mark.parametrize("replay", REPLAY_DIRS, ids=lambda p: p.name)
def test_unknown_always_says_why_over_replay_source_subsets(replay: Path) -> None:
    captures = read_replay_dir(replay)
    sources = sorted({s for c in captures for s in c.outputs})
    assert sources, replay
    checked = 0
    # Every subset of sources kept (all nodes alike), plus every node made unreachable in turn.
    for k in range(len(sources) + 1):
        for keep in itertools.combinations(sources, k):
            caps = [replace(c, outputs={s: t for s, t in c.outputs.items() if s in keep}) for c in captures]
            _check(ClusterView(replay.name, tuple(build_report(c) for c in caps), WHEN), f"{replay} {keep}")
            checked += 1
    for down in range(len(captures) + 1):
        caps = [
            NodeCapture(c.node, unreachable="connection refused") if i < down else c
            for i, c in enumerate(captures)
        ]
        _check(ClusterView(replay.name, tuple(build_report(c) for c in caps), WHEN), f"{replay} down={down}")
        checked += 1
    assert checked == 2 ** len(sources) + len(captures) + 1


def test_unknown_always_says_why_with_nothing_polled() -> None:
    h = evaluate(ClusterView("c", (), WHEN))
    assert h.status is HealthStatus.UNKNOWN and [p.code for p in h.problems] == ["no-node-polled"]


@pytest.mark.slow
def test_unknown_always_says_why_over_the_demo_faults() -> None:
    sys.path.insert(0, str(DEMO_TESTS))
    try:
        from demo_support import START, make_cluster
    finally:
        sys.path.remove(str(DEMO_TESTS))
    from hatui.clock import FrozenClock
    from hatui.config import ClusterConfig, NodeConfig
    from hatui.demo.faults import FAULTS
    from hatui.snapshot.run import make_view
    from hatui.sources.fanout import collect_once

    targets = {"node": "vnode1", "drbd resource": "dns-root", "vm": "www", "snapshot (vg/lv) or vm": "www"}
    for fault, (kind, _) in FAULTS.items():
        c = make_cluster()
        c.advance(900)
        c.inject(fault, targets.get(kind, "vnode1"))
        c.advance(15)
        cfg = ClusterConfig(name="demo", nodes=tuple(NodeConfig(n, host=n) for n in c.node_names))
        transports = {n: c.transport(n) for n in c.node_names}
        caps = asyncio.run(collect_once(cfg, transports, FrozenClock(START)))
        v = make_view("demo", caps, FrozenClock(START), cfg)
        _check(v, fault)
        # The same moment with crm_mon unread everywhere must still say why.
        bare = [
            replace(cap, outputs={s: t for s, t in cap.outputs.items() if "crm_mon" not in s}) for cap in caps
        ]
        v = make_view("demo", bare, FrozenClock(START), cfg)
        assert evaluate(v).status in (HealthStatus.UNKNOWN, HealthStatus.CRITICAL), fault
        _check(v, f"{fault} without crm_mon")
