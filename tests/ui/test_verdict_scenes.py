"""The four scenes of issue "One truth", replayed on the demo as the console sees them: each node
polled on its own, one after the other, into a ClusterState (the console's memory)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from ui_cluster import NODES, capture
from ui_harness import SIZE, ConsoleFactory

from hatui.clock import FrozenClock
from hatui.config import ClusterConfig, NodeConfig
from hatui.demo import DemoCluster
from hatui.model.health_types import CRITICAL
from hatui.model.verdict import vm_state
from hatui.model.vms import vm_rows
from hatui.sources.fanout import collect_once
from hatui.sources.parse import build_report
from hatui.ui.screens.main import MainScreen
from hatui.ui.widgets.vms import STATE_WORDS, vm_row_problems
from hatui.watch.state import ClusterState, Snapshot
from support.surfaces import check_surfaces

START = datetime(2026, 11, 25, 17, 46, 3, tzinfo=UTC)


class Console:
    """A demo cluster and the console's state, polled node by node a second apart."""

    def __init__(self) -> None:
        self.demo = DemoCluster(now=lambda: 0.0, start_wall=START, seed=2010)
        self.clock = FrozenClock(START)
        self.state = ClusterState("demo", self.demo.node_names, self.clock)
        self.wait(900)
        self.round()

    def wait(self, seconds: float) -> None:
        self.demo.advance(seconds)
        self.clock.advance(seconds)

    def poll(self, node: str) -> None:
        # A frozen node answers nothing until the caller's timeout: a short one keeps the test quick.
        cfg = ClusterConfig(name="demo", nodes=(NodeConfig(node, host=node),), command_timeout=0.2)
        (cap,) = asyncio.run(collect_once(cfg, {node: self.demo.transport(node)}, self.clock))
        self.state.record(build_report(cap))

    def round(self) -> Snapshot:
        """One poll of every node, a second apart; returns the snapshot after it."""
        for n in self.demo.node_names:
            self.wait(1)
            self.poll(n)
        snap = self.state.snapshot()
        assert snap is not None
        check_surfaces(snap)
        return snap


def row_word(snap: Snapshot, vm: str) -> str:
    """The VMs pane's State word for ``vm``."""
    row = next(r for r in vm_rows(snap.display) if r.name == vm)
    found = vm_row_problems(row, snap)
    return STATE_WORDS[found[0].severity] if found else "✔ ok"


def test_failed_monitor_the_vm_row_is_not_ok_while_the_header_is_critical() -> None:
    console = Console()
    console.demo.inject("fail-monitor", "elearning")
    seen_critical = False
    for _ in range(15):
        snap = console.round()
        if snap.health.status.value == "CRITICAL":
            seen_critical = True
            # The page is about elearning: its row says so, and the wall does not count it ok.
            assert row_word(snap, "elearning") == "✖ CRITICAL"
            assert any("vm:elearning" in p.keys and p.severity == CRITICAL for p in snap.health.problems)
    assert seen_critical


def test_killed_node_stale_domain_list_makes_no_vm_run_on_two_nodes() -> None:
    console = Console()
    console.demo.inject("kill-node", "vnode1")
    stopped_seen = False
    for _ in range(10):
        snap = console.round()
        assert not [p for p in snap.health.problems if p.code == "domain-multi-active"]
        for row in vm_rows(snap.display):
            found = vm_state(snap.health.problems, row.name)
            assert all("RUNNING ON" not in p.message.upper() for p in found)
            if any(p.code == "resource-stopped" for p in found):
                # A VM really down while it fails over is shown as such, not as a warning.
                stopped_seen = True
                assert row_word(snap, row.name) == "✖ CRITICAL"
    # The dead node's last domain list is still on screen (stale), with sentinel in it...
    assert "sentinel" in {d.domain.name for d in snap.display.domains if d.node == "vnode1"}
    assert snap.stale_note("vnode1").startswith("last seen ")
    # ...while sentinel runs on the spare, and its row is not CRITICAL for it.
    assert next(r for r in vm_rows(snap.view) if r.name == "sentinel").domain_nodes == ("vnode2",)
    assert row_word(snap, "sentinel") != "✖ CRITICAL"
    assert stopped_seen


def test_one_vm_on_two_nodes_verdict_and_vm_row_agree() -> None:
    state = ClusterState("ref", NODES, FrozenClock(START))
    both = {"vnode1": (("sentinel", 3, 1024),), "vnode2": (("sentinel", 9, 1024),), "vnode3": ()}
    words = []
    for _ in range(2):  # a cross-node problem counts once every node answered again
        for n in NODES:
            state.record(build_report(capture(n, guests=both[n])))
            snap = state.snapshot()
            assert snap is not None
            check_surfaces(snap)
            word = row_word(snap, "sentinel")
            # The row is CRITICAL exactly when the verdict is (no CRITICAL row under a WARNING badge).
            assert (word == "✖ CRITICAL") == (snap.health.status.value == "CRITICAL"), word
            words.append(word)
    assert words[-1] == "✖ CRITICAL"
    assert "↻ settling" in words  # held back while the nodes' data may be a poll apart
    assert {p.code for p in vm_state(snap.health.problems, "sentinel")} >= {"domain-multi-active"}


def test_healing_a_frozen_node_does_not_flap_the_badge() -> None:
    console = Console()
    console.demo.inject("freeze-node", "vnode1")
    for _ in range(10):
        console.round()
    assert console.state.health is not None and console.state.health.status.value == "CRITICAL"
    console.demo.inject("heal", "vnode1")
    statuses = [console.round().health.status.value for _ in range(8)]
    assert statuses == ["CRITICAL"] * 8, statuses


async def test_the_console_shows_the_same_severity_in_vms_and_problems_with_since(
    console: ConsoleFactory,
) -> None:
    both = {"vnode1": (("sentinel", 3, 1024),), "vnode2": (("sentinel", 9, 1024),), "vnode3": ()}
    c = console([capture(n, guests=both[n]) for n in NODES])
    async with c.app.run_test(size=SIZE) as pilot:
        await c.next_polls(pilot)
        c.clock.advance(30)
        await c.next_polls(pilot)
        m = main(c.app)
        vms, problems = m.pane("vms"), m.pane("problems")
        key = "domain-multi-active|sentinel|vnode1, vnode2"
        assert vms.cell_text("sentinel", "state") == "✖ CRITICAL"
        assert problems.cell_text(key, "severity") == "✖ CRIT"
        assert problems.cell_text(key, "since") == "30s ago"
        badge = str(m.query_one("#health-badge").render())  # type: ignore[attr-defined]
        assert badge == "✖ CRITICAL"


def main(app: object) -> MainScreen:
    screen = app.screen  # type: ignore[attr-defined]
    assert isinstance(screen, MainScreen)
    return screen


def test_a_problem_detail_lists_its_subjects_and_since_readably() -> None:
    from hatui.ui.widgets.problems import ProblemsPane

    state = ClusterState("ref", NODES, FrozenClock(START))
    both = {"vnode1": (("sentinel", 3, 1024),), "vnode2": (("sentinel", 9, 1024),), "vnode3": ()}
    for n in NODES:
        state.record(build_report(capture(n, guests=both[n])))
    snap = state.snapshot()
    assert snap is not None
    info = ProblemsPane().detail("domain-multi-active|sentinel|vnode1, vnode2", snap)
    assert info is not None
    fields = dict(info.fields)
    assert fields["affects"] == "node:vnode1, node:vnode2, resource:sentinel"
    assert fields["kind"] == "vm" and fields["since"].startswith("2026-11-25")
