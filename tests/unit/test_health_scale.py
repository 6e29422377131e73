"""Fail-counts of every resource from one pass over the history, not one pass per resource.

A 3.3 MB crm_mon text (8,500 resources, 3 nodes of history) once took 15 s in ``view.fail_counts``
alone: the UI and the snapshots ask it for every resource row. These tests count passes over the
history instead of timing anything.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from hatui.model.capture import NodeCapture
from hatui.model.health import evaluate
from hatui.model.pacemaker import ResourceHistory
from hatui.model.report import NodeReport
from hatui.model.view import ClusterView
from hatui.parsers.crm_mon_text import parse_crm_mon_text
from hatui.sources.parse import build_report

NODES = ("node1", "node2", "node3")
WHEN = datetime(2026, 1, 1, tzinfo=UTC)


def big_crm_mon_text(resources: int, fails_every: int = 7, updated: str = "Thu Jan  1 00:00:00 2026") -> str:
    """crm_mon 2.1 text with an ``Operations`` history for every resource on every node."""
    out = [
        "Cluster Summary:",
        "  * Stack: corosync",
        f"  * Current DC: {NODES[0]} (version 2.1.5) - partition with quorum",
        f"  * Last updated: {updated}",
        "  * Last change:  Thu Jan  1 00:00:00 2026",
        f"  * {len(NODES)} nodes configured",
        f"  * {resources} resource instances configured",
        "",
        "Node List:",
        f"  * Online: [ {' '.join(NODES)} ]",
        "",
        "Full List of Resources:",
    ]
    out += [f"  * vm{r:05d}\t(ocf:heartbeat:Xen):\t Started {NODES[r % 3]}" for r in range(resources)]
    out += ["", "Operations:"]
    for n in NODES:
        out.append(f"  * Node: {n}:")
        for r in range(resources):
            fc = " fail-count=2 last-failure='Thu Jan  1 00:00:00 2026'" if r % fails_every == 0 else ""
            out += [
                f"    * vm{r:05d}: migration-threshold=1000000{fc}:",
                "      * (11) start",
                '      * (12) monitor: interval="10000ms"',
            ]
    return "\n".join(out) + "\n"


class CountingHistory(tuple[ResourceHistory, ...]):
    """A history that counts how often it is walked."""

    walks = 0

    def __iter__(self):  # type: ignore[no-untyped-def]
        type(self).walks += 1
        return super().__iter__()


def test_every_resources_fail_counts_cost_one_pass_over_the_history() -> None:
    status = parse_crm_mon_text(big_crm_mon_text(2000), "crm_mon.txt")
    assert len(status.resources) == 2000 and len(status.history) == 6000
    CountingHistory.walks = 0
    counted = replace(status, history=CountingHistory(status.history))
    reports = tuple(NodeReport(node=n, pacemaker=counted) for n in NODES)
    view = ClusterView("big", reports, WHEN, configured_nodes=NODES)

    health = evaluate(view)
    counts = {r.id: view.fail_counts(r.id) for r in counted.resources}

    # One walk for the health checks' fail-count problems, one to build the index; not one per row.
    assert CountingHistory.walks <= 2
    assert view.fail_count_index is view.fail_count_index
    assert counts["vm00000"] == {"node1": 2, "node2": 2, "node3": 2}
    assert counts["vm00001"] == {}
    assert sum(1 for c in counts.values() if c) == len(range(0, 2000, 7))
    assert sum(p.code == "fail-count" for p in health.problems) == 3 * len(range(0, 2000, 7))
    # A caller that changes its copy does not change the view's.
    counts["vm00000"]["node1"] = 99
    assert view.fail_counts("vm00000")["node1"] == 2


def test_the_same_crm_mon_text_on_every_node_is_parsed_once() -> None:
    # Each node prints the cluster's whole status; only "Last updated" differs between them.
    captures = [
        NodeCapture(n, outputs={"crm_mon.txt": big_crm_mon_text(50, updated=f"Thu Jan  1 00:00:0{i} 2026")})
        for i, n in enumerate(NODES)
    ]
    reports = [build_report(c) for c in captures]
    assert reports[0].pacemaker is not None
    assert all(r.pacemaker is reports[0].pacemaker for r in reports)
    changed = NodeCapture("node1", outputs={"crm_mon.txt": big_crm_mon_text(51)})
    assert build_report(changed).pacemaker is not reports[0].pacemaker
