"""One verdict, every surface: over every corpus sample, every replay and every demo fault, what the
VMs pane, the wall, the ``--once`` text, the JSON and the exit code show derives from the same
problem list (``support.surfaces.check_surfaces``)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from hatui.clock import FrozenClock
from hatui.config import ClusterConfig, NodeConfig
from hatui.demo import DemoCluster
from hatui.demo.faults import FAULTS
from hatui.errors import ParseError
from hatui.model.report import NodeReport, SourceError
from hatui.model.verdict import judge
from hatui.model.view import ClusterView
from hatui.parsers.crm_mon_text import parse_crm_mon_text
from hatui.parsers.crm_mon_xml import parse_crm_mon_xml
from hatui.parsers.domain_list import parse_virsh_list, parse_xen_list
from hatui.parsers.drbd9 import parse_drbdadm_status, parse_drbdsetup_json
from hatui.parsers.proc_drbd import parse_proc_drbd
from hatui.replay import read_replay_dir
from hatui.sources.fanout import collect_once
from hatui.sources.parse import build_report
from support import ROOT, corpus_files, needs_shared
from support.surfaces import check_surfaces, snapshot_of

WHEN = datetime(2026, 11, 25, 17, 46, 3, tzinfo=UTC)


def _pacemaker_view(path: Path) -> ClusterView:
    text = path.read_text(encoding="utf-8", errors="replace")
    try:
        status = parse_crm_mon_xml(text) if path.suffix == ".xml" else parse_crm_mon_text(text)
    except ParseError as exc:
        return _refused(path, exc)  # a sample kept to test the parser's refusal
    names = [n.name for n in status.nodes] or ["node1"]
    reports = tuple(NodeReport(node=n, pacemaker=status) for n in names)
    return ClusterView(path.stem, reports, WHEN, configured_nodes=tuple(names))


def _refused(path: Path, exc: ParseError) -> ClusterView:
    """A node whose only output could not be parsed: the verdict must say so, on every surface."""
    report = NodeReport(node="node1", errors=(SourceError("node1", path.name, str(exc)),))
    return ClusterView(path.stem, (report,), WHEN, configured_nodes=("node1",))


_NODE_PARSERS: dict[str, tuple[str, Callable[[str], object]]] = {
    "proc_drbd": ("drbd", parse_proc_drbd),
    "drbdsetup_status_json": ("drbd", parse_drbdsetup_json),
    "drbdadm_status": ("drbd", parse_drbdadm_status),
    "xen_list": ("domains", parse_xen_list),
    "virsh_list": ("domains", parse_virsh_list),
}


def _node_view(kind: str, path: Path) -> ClusterView:
    field, parse = _NODE_PARSERS[kind]
    try:
        parsed = parse(path.read_text(encoding="utf-8", errors="replace"))
    except ParseError as exc:
        return _refused(path, exc)
    report = NodeReport(node="node1", **{field: parsed})  # type: ignore[arg-type]
    return ClusterView(path.stem, (report,), WHEN, configured_nodes=("node1",))


CORPUS = [("crm_mon_xml", p) for p in corpus_files("crm_mon_xml", "*.xml")]
CORPUS += [("crm_mon_text", p) for p in corpus_files("crm_mon_text", "*.txt")]
CORPUS += [(kind, p) for kind in _NODE_PARSERS for p in corpus_files(kind)]


@needs_shared
@pytest.mark.parametrize(("kind", "path"), CORPUS, ids=[f"{k}/{p.name}" for k, p in CORPUS])
def test_every_corpus_sample_shows_one_verdict(kind: str, path: Path) -> None:
    view = _pacemaker_view(path) if kind.startswith("crm_mon") else _node_view(kind, path)
    health = judge(view)
    if view.errors:
        assert health.status.value != "OK" and health.problems, "an unreadable output is never OK"
    check_surfaces(snapshot_of(view, health))


def test_the_corpus_is_not_empty() -> None:
    if not (ROOT.parent / "shared" / "corpus").is_dir():
        pytest.skip("no shared corpus here")
    assert len(CORPUS) > 50


REPLAYS = sorted(p for p in (ROOT / "tests" / "replays").iterdir() if p.is_dir())


@pytest.mark.parametrize("folder", REPLAYS, ids=[p.name for p in REPLAYS])
def test_every_replay_shows_one_verdict(folder: Path) -> None:
    reports = tuple(build_report(c) for c in read_replay_dir(folder))
    view = ClusterView(folder.name, reports, WHEN, configured_nodes=tuple(r.node for r in reports))
    check_surfaces(snapshot_of(view, judge(view)))


def _targets(c: DemoCluster, fault: str) -> str:
    kind = FAULTS[fault][0]
    if kind == "node":
        return "vnode1"
    if kind == "drbd resource":
        return "sentinel-root"
    if kind.startswith("snapshot"):
        return "sentinel"  # a VM with DRBD disks: the fault takes its snapshot first
    return "elearning"


async def _view(c: DemoCluster, clock: FrozenClock) -> ClusterView:
    # A frozen node answers nothing until the caller's timeout: a short one keeps the test quick.
    nodes = tuple(NodeConfig(n, host=n) for n in c.node_names)
    cfg = ClusterConfig(name="demo", nodes=nodes, command_timeout=0.2)
    captures = await collect_once(cfg, {n: c.transport(n) for n in c.node_names}, clock)
    reports = tuple(build_report(cap) for cap in captures)
    return ClusterView("demo", reports, clock.now(), configured_nodes=tuple(c.node_names))


@pytest.mark.parametrize("fault", [f for f in FAULTS if f != "heal"])
def test_every_demo_fault_shows_one_verdict_at_every_step(fault: str) -> None:
    c = DemoCluster(now=lambda: 0.0, start_wall=WHEN, seed=2010)
    clock = FrozenClock(WHEN)
    c.advance(900)
    clock.advance(900)
    c.inject(fault, _targets(c, fault))
    for step in range(12):
        if step == 8:
            c.inject("heal", _targets(c, fault))
        c.advance(3)
        clock.advance(3)
        view = asyncio.run(_view(c, clock))
        check_surfaces(snapshot_of(view, judge(view)))


def test_a_move_by_ban_is_settling_for_once_never_critical() -> None:
    """The VM is Stopped for a few seconds between its nodes: a fresh CIB change, not a page."""
    c = DemoCluster(now=lambda: 0.0, start_wall=WHEN, seed=2010, generation="modern")
    clock = FrozenClock(WHEN)
    c.advance(900)
    clock.advance(900)
    assert c.execute("vnode3", ("crm_resource", "--ban", "-r", "sentinel", "-N", "vnode1")).status == 0
    severities = []
    for _ in range(12):
        c.advance(0.5)
        clock.advance(0.5)
        view = asyncio.run(_view(c, clock))
        health = judge(view)
        check_surfaces(snapshot_of(view, health))
        assert health.status.value != "CRITICAL", [p.message for p in health.problems]
        severities += [p.severity for p in health.problems if p.code == "resource-stopped"]
    assert severities and set(severities) == {"settling"}  # it did stop on the way, and said so
