"""The fleet row (``hatui.model.fleet``): one cluster at a glance, from the verdict and the N+1 words."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from hatui.config import ClusterConfig, Config
from hatui.model.capacity import capacity
from hatui.model.fleet import fleet_row, worst_code
from hatui.model.health_types import CRITICAL, INFO, SETTLING, WARNING, Health, HealthStatus, Problem
from hatui.model.verdict import judge
from hatui.model.view import ClusterView
from hatui.snapshot.run import make_view
from hatui.sources.demo_fleet import DEMO_FLEET, demo_fleet_config
from hatui.sources.make import collect

NOW = datetime(2026, 12, 6, 2, 0, tzinfo=UTC)


def _look(config: Config, cluster: ClusterConfig, *, down: str | None = None) -> tuple[ClusterView, Health]:
    captures = asyncio.run(collect(cluster, demo=True))
    if down is not None:
        captures = [replace(c, unreachable="connection refused") if c.node == down else c for c in captures]
    view = make_view(cluster.name, captures, cluster=cluster)
    return view, judge(view, ignore=config.health_ignore)


def test_demo_fleet_names_are_distinct_and_in_order() -> None:
    config = demo_fleet_config()
    assert list(config.clusters) == [m.name for m in DEMO_FLEET]
    titles = [c.display_name for c in config.clusters.values()]
    assert len(set(titles)) == len(titles)
    assert {c.mode for c in config.clusters.values()} == {"operator", "read-only"}


def test_faulted_demo_cluster_row_is_critical_with_its_split_brain_first() -> None:
    config = demo_fleet_config()
    cluster = config.clusters["demo-faulted"]
    view, health = _look(config, cluster)
    row = fleet_row(cluster, view, health, now=NOW, last_good={})
    assert row.status is HealthStatus.CRITICAL
    assert row.worst is not None
    assert (row.worst.severity, row.worst.code, row.worst.subject) == (
        CRITICAL,
        "drbd-split-brain",
        "www-root",
    )
    assert row.worst_age_s is None  # one look has no past
    assert row.problem_words.startswith("critical: ")
    assert (row.cluster, row.title, row.mode, row.accent) == (
        "demo-faulted", cluster.display_name, "operator", cluster.accent
    )  # fmt: skip


def test_row_counts_nodes_vms_and_says_the_headers_n_plus_one_words() -> None:
    config = demo_fleet_config()
    cluster = config.clusters["demo-seed"]
    view, health = _look(config, cluster, down="vnode3")
    good = {
        "vnode1": NOW - timedelta(seconds=4),
        "vnode2": NOW - timedelta(seconds=9),
        "other": NOW - timedelta(1),
    }
    row = fleet_row(cluster, view, health, now=NOW, last_good=good)
    assert (row.nodes_up, row.nodes_total, row.unreachable) == (2, 3, ("vnode3",))
    assert row.nodes_words == "nodes 2/3 up (vnode3 unreachable)"
    # vnode3's domains were not read: its VMs are not seen running.
    full_view, _ = _look(config, cluster)
    full = fleet_row(cluster, full_view, None, now=NOW, last_good={})
    assert full.vms_total == row.vms_total > 0
    assert full.vms_running == full.vms_total
    assert row.vms_running < full.vms_running
    assert row.capacity == capacity(view).words
    assert row.capacity_ok is capacity(view).n_plus_one
    # The oldest data of this cluster's nodes; a node of another cluster does not count.
    assert row.oldest_data_s == 9.0
    assert row.freshness_words == "data 9s old"


def test_row_before_the_first_poll_waits_and_knows_nothing() -> None:
    cluster = demo_fleet_config().clusters["demo-modern"]
    row = fleet_row(cluster, None, None, now=NOW, last_good={})
    assert (row.status, row.worst, row.status_word, row.mode) == (None, None, "waiting", "read-only")
    assert (row.nodes_up, row.nodes_total, row.vms_running, row.vms_total) == (0, 3, 0, 0)
    assert (row.capacity_ok, row.oldest_data_s, row.unreachable) == (None, None, ())
    assert row.capacity.startswith("N+1 ?")
    assert row.freshness_words == "no data yet"


def _problem(severity: str, code: str, since: datetime | None) -> Problem:
    return Problem(severity, code, code, None, f"{code} happened", since=since)


def test_worst_is_by_severity_then_the_oldest_and_never_info() -> None:
    cluster = demo_fleet_config().clusters["demo-seed"]
    old, new = NOW - timedelta(minutes=5, seconds=3), NOW - timedelta(seconds=10)
    problems = (
        _problem(INFO, "action-in-flight", NOW - timedelta(hours=1)),
        _problem(WARNING, "w-new", new),
        _problem(CRITICAL, "c-new", new),
        _problem(CRITICAL, "c-old", old),
        _problem(SETTLING, "s", old),
    )
    row = fleet_row(cluster, None, Health(HealthStatus.CRITICAL, problems), now=NOW, last_good={})
    assert row.worst is not None and row.worst.code == "c-old"
    assert row.worst_age_s == 303.0
    assert row.problem_words == "critical: c-old happened (5m03s)"
    only_info = Health(HealthStatus.OK, (problems[0],))
    assert fleet_row(cluster, None, only_info, now=NOW, last_good={}).worst is None
    # Every counted problem, worst first; the lines name the first ``limit`` and count the rest.
    assert [p.code for p in row.problems] == ["c-old", "c-new", "w-new", "s"]
    assert row.problem_lines(limit=2) == [
        (CRITICAL, "critical: c-old happened (5m03s)"),
        (CRITICAL, "critical: c-new happened"),
        (INFO, "… and 2 more"),
    ]
    assert fleet_row(cluster, None, only_info, now=NOW, last_good={}).problem_lines() == []


@pytest.mark.parametrize(
    ("codes", "worst"),
    [
        ([0, 1, 3, 2], 2),  # a known critical cluster comes first
        ([0, 1, 3], 3),  # a cluster nobody could read may be down: worse than a warning
        ([1, 0, 0], 1),
        ([0, 0], 0),
        ([0, 7], 3),  # an unexpected code is not a verdict
        ([], 3),  # nothing checked
    ],
)
def test_worst_code_ranks_critical_unknown_warning_ok(codes: list[int], worst: int) -> None:
    assert worst_code(codes) == worst
