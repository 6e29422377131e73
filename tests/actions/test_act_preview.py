"""The preview asks the REAL Pacemaker scheduler (crm_simulate on CIB_file copies) what a plan would do.

CIBs are read in place from ../shared/lab/samples (a live capture of the lab: vm1 on vnode1 with
vnode2 as spare, a promotable clone under it, resource-stickiness=INFINITY) or from the demo.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

import pytest
from actions_support import bench

from hatui.actions import commands as cmd
from hatui.actions.catalog import plan_action
from hatui.actions.commands import Danger, Tools
from hatui.actions.move import plan_move
from hatui.actions.plans import ActionContext
from hatui.actions.preview import (
    Preview,
    PreviewStage,
    SimAction,
    free_elsewhere,
    memory_lines,
    parse_sim_xml,
    preview_plan,
    simulate_stages,
)
from hatui.config import ClusterConfig, NodeConfig
from hatui.model.capacity import free_mib
from hatui.model.capture import NodeCapture, StackInfo
from hatui.model.view import ClusterView
from hatui.sources.parse import build_report
from hatui.transport.base import CommandResult
from support import LAB_SAMPLES, needs_shared

CIB = LAB_SAMPLES / "live-3node-cib.xml"
RAW = Tools()
needs_pacemaker = pytest.mark.skipif(
    any(shutil.which(t) is None for t in ("crm_simulate", "crm_resource", "crm_attribute", "cibadmin")),
    reason="Pacemaker's CLI tools (pacemaker-cli-utils) are not installed",
)
LAB = ClusterConfig("lab", tuple(NodeConfig(n, n) for n in ("vnode1", "vnode2", "vnode3")))


def edits(*commands: cmd.Command) -> list[tuple[str, ...]]:
    return [e for c in commands for e in c.sim]


def moves(stage: PreviewStage) -> list[str]:
    return [a.describe() for a in stage.actions]


class CibTransport:
    """Answers ``cibadmin -Q`` with a CIB file, as a node would."""

    def __init__(self, node: str, cib: Path) -> None:
        self.node = node
        self.cib = cib
        self.calls: list[tuple[str, ...]] = []

    async def run(self, argv: Sequence[str], *, timeout: float, stdin: str | None = None) -> CommandResult:
        self.calls.append(tuple(argv))
        return CommandResult(tuple(argv), 0, self.cib.read_text(), "")

    async def run_batch(
        self, commands: object, *, timeout: float, guard: object = None
    ) -> dict[str, CommandResult]:
        raise NotImplementedError

    async def close(self) -> None:
        return None


def lab_view() -> ClusterView:
    from datetime import UTC, datetime

    xml = (LAB_SAMPLES / "live-3node-crm_mon.xml").read_text()
    now = datetime.now(UTC)
    stack = StackInfo(crm_mon="output-as-xml", pacemaker_version="2.1.5")
    reports = tuple(
        build_report(NodeCapture(n.name, {"crm_mon.xml": xml}, collected_at=now, stack=stack))
        for n in LAB.nodes
    )
    return ClusterView("lab", reports, now, configured_nodes=tuple(n.name for n in LAB.nodes))


def test_parse_sim_xml_reads_every_action_kind() -> None:
    xml = """<pacemaker-result api-version="2.25"><actions>
      <rsc_action action="move" resource="vm1" source="vnode1" dest="vnode2"/>
      <rsc_action action="promote" resource="s:0" role="Unpromoted" next-role="Promoted" source="vnode2"/>
      <rsc_action action="stop" resource="d1" role="Started" node="vnode1" reason="node availability"/>
    </actions></pacemaker-result>"""
    acts = parse_sim_xml(xml)
    assert [a.describe() for a in acts] == [
        "will move vm1 vnode1 → vnode2",
        "will promote s:0 on vnode2",
        "will stop d1 on vnode1 (due to node availability)",
    ]
    assert acts[1].primitive == "s"
    assert parse_sim_xml("<pacemaker-result/>") == ()


@needs_shared
@needs_pacemaker
async def test_a_prefer_alone_moves_nothing_under_stickiness_infinity_but_prefer_and_ban_do() -> None:
    cib = CIB.read_text()
    [alone] = await simulate_stages(
        cib, [("prefer", edits(cmd.prefer("vm1", "vnode2", run_on="vnode1", tools=RAW)))]
    )
    assert not any(a.resource == "vm1" for a in alone.actions), "cli-prefer ties with stickiness: no move"
    steer = edits(
        cmd.prefer("vm1", "vnode2", run_on="vnode1", tools=RAW),
        cmd.ban("vm1", "vnode1", run_on="vnode1", tools=RAW),
    )
    first, second = await simulate_stages(
        cib, [("steer", steer), ("clear", edits(cmd.clear("vm1", run_on="vnode1", tools=RAW)))]
    )
    assert moves(first) == [
        "will move vm1 vnode1 → vnode2",
        "will promote stateful_vm1:0 on vnode2",
        "will demote stateful_vm1:1 on vnode1",
    ]
    assert second.actions == (), "once moved, clearing the constraints moves nothing back"


@needs_shared
@needs_pacemaker
async def test_every_raw_pacemaker_builder_works_on_a_cib_file(tmp_path: Path) -> None:
    cases = [
        (
            cmd.node_standby("vnode1", True, run_on="x", tools=RAW),
            ["will move dummy1 vnode1 → vnode2", "will move vm1 vnode1 → vnode2"],
        ),
        (cmd.node_maintenance("vnode3", True, run_on="x", tools=RAW), []),
        (cmd.cluster_maintenance(True, run_on="x", tools=RAW), []),
        (
            cmd.target_role("dummy1", False, run_on="x", tools=RAW, danger=Danger.CHANGE),
            ["will stop dummy1 on vnode1 (due to node availability)"],
        ),
        (cmd.ban("dummy3", "vnode3", run_on="x", tools=RAW), ["will move dummy3 vnode3 → vnode1"]),
    ]
    for command, want in cases:
        [stage] = await simulate_stages(CIB.read_text(), [(command.summary, command.sim)])
        got = [m for m in moves(stage) if "stateful" not in m]
        assert got == want, command.line
    standby = cmd.node_standby("vnode1", True, run_on="x", tools=RAW)
    online = cmd.node_standby("vnode1", False, run_on="x", tools=RAW)
    start = cmd.target_role("dummy1", True, run_on="x", tools=RAW, danger=Danger.CHANGE)
    stop = cmd.target_role("dummy1", False, run_on="x", tools=RAW, danger=Danger.CHANGE)
    _, back = await simulate_stages(CIB.read_text(), [("standby", standby.sim), ("online", online.sim)])
    # Stickiness INFINITY: online again, nothing moves back; only the clone gets its instance again.
    assert moves(back) == ["will start stateful_vm1:1 on vnode1"]
    _, started = await simulate_stages(CIB.read_text(), [("stop", stop.sim), ("start", start.sim)])
    assert moves(started) == ["will start dummy1 on vnode1"]


def cleaned_failure(tmp_path: Path) -> str:
    """A CIB with a real failed monitor (crm_simulate -i), then the cleanup preview's edits applied."""
    failed = tmp_path / "failed.xml"
    env = dict(os.environ, TZ="UTC", LC_ALL="C")
    subprocess.run(
        ["crm_simulate", "-x", str(CIB), "-i", "dummy2_monitor_10000@vnode2=7", "-S", "-O", str(failed)],
        check=True,
        capture_output=True,
        env=env,
    )
    assert "fail-count-dummy2#monitor_10000" in failed.read_text()
    cleanup = cmd.cleanup("dummy2", run_on="vnode2", tools=RAW)
    for edit in cleanup.sim:
        subprocess.run(edit, check=True, capture_output=True, env=dict(env, CIB_file=str(failed)))
    return failed.read_text()


@needs_shared
@needs_pacemaker
async def test_cleanup_preview_uses_the_cib_file_workaround(tmp_path: Path) -> None:
    text = cleaned_failure(tmp_path)
    assert "fail-count-dummy2" not in text and "dummy2_last_failure_0" not in text
    [stage] = await simulate_stages(text, [("cleanup", ())])
    assert stage.actions == ()


@needs_shared
@needs_pacemaker
@pytest.mark.skipif(shutil.which("crm") is None, reason="crmsh is not installed")
def test_crmsh_move_and_ban_commands_work_on_a_cib_file(tmp_path: Path) -> None:
    copy = tmp_path / "cib.xml"
    shutil.copyfile(CIB, copy)
    env = dict(os.environ, CIB_file=str(copy), LC_ALL="C")
    crm = Tools(shell="crmsh")
    for c in (
        cmd.prefer("vm1", "vnode2", run_on="x", tools=crm),
        cmd.ban("vm1", "vnode1", run_on="x", tools=crm),
    ):
        res = subprocess.run(c.argv, capture_output=True, text=True, env=env, check=False)
        if res.returncode != 0 and "crmsh" in res.stderr + res.stdout and "log" in res.stderr + res.stdout:
            pytest.skip(f"crmsh cannot run here: {res.stderr.strip()[:120]}")
        assert res.returncode == 0, res.stderr
    text = copy.read_text()
    assert 'id="cli-prefer-vm1"' in text and 'id="cli-ban-vm1-on-vnode1"' in text
    res = subprocess.run(
        cmd.clear("vm1", run_on="x", tools=crm).argv, capture_output=True, text=True, env=env, check=False
    )
    assert res.returncode == 0 and "cli-" not in copy.read_text()


@needs_shared
@needs_pacemaker
async def test_preview_of_the_move_plan_fetches_the_live_cib_and_shows_both_phases() -> None:
    ctx = ActionContext(lab_view(), LAB)
    plan = plan_move(ctx, "vm1", "vnode2")
    transport = CibTransport("vnode1", CIB)
    preview = await preview_plan(plan, transport, tools=RAW)
    assert transport.calls == [("cibadmin", "-Q")]
    assert preview.note is None
    engine, *lines = preview.lines()
    assert engine.startswith("preview: crm_simulate 2.") and engine.endswith(" (this machine)")
    assert lines == [
        "prefer vnode2 and ban vnode1:",
        "  will move vm1 vnode1 → vnode2",
        "  will promote stateful_vm1:0 on vnode2",
        "  will demote stateful_vm1:1 on vnode1",
        "clear the constraints the move made:",
        "  no change",
    ]
    standby = await preview_plan(plan_action(ctx, "standby", "vnode1"), transport, tools=RAW)
    assert "will move vm1 vnode1 → vnode2" in standby.lines()


@needs_pacemaker
async def test_preview_on_the_demo_cluster_shows_the_vm_moving(tmp_path: Path) -> None:
    b = bench(tmp_path, fast=False)
    plan = plan_move(await b.context(), "sentinel", "vnode2")
    preview = await preview_plan(plan, b.transports["vnode1"], tools=RAW)  # type: ignore[arg-type]
    assert preview.stages[0].actions[0].describe() == "will move sentinel vnode1 → vnode2"


async def test_no_local_tools_means_no_preview_and_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    plan = plan_move(ActionContext(lab_view(), LAB), "vm1", "vnode2") if CIB.is_file() else None
    if plan is None:
        pytest.skip("needs ../shared for the view")
    preview = await preview_plan(plan, CibTransport("vnode1", CIB), tools=RAW)
    assert preview.stages == ()
    assert preview.lines() == [
        "no preview: crm_resource, crm_simulate not installed here (apt-get install pacemaker-cli-utils)"
    ]


async def test_n_plus_one_memory_check(tmp_path: Path) -> None:
    b = bench(tmp_path, fast=False)
    view = await b.view()
    stage = PreviewStage(
        "standby",
        (SimAction("move", "sentinel", "vnode1", "vnode2"), SimAction("move", "mail", "vnode1", "vnode2")),
    )
    assert memory_lines(view, "vnode1", {"vnode2": 2500, "vnode3": 100}, [stage]) == (
        "N+1: the VMs of vnode1 use 5632 MiB",
        "  vnode2 takes sentinel, mail (3072 MiB): only 2500 MiB free: NOT ENOUGH",
    )
    assert memory_lines(view, "vnode1", {"vnode2": 6000, "vnode3": None}, []) == (
        "N+1: the VMs of vnode1 use 5632 MiB",
        "  free: vnode2 6000 MiB: ok",
    )
    assert memory_lines(view, "vnode2", {}, []) == ("N+1: no running VM on vnode2",)
    # The figures are the last poll's, the N+1 badge's own (xm info of each node), not a fetch of their own.
    free = free_elsewhere(view, "vnode1")
    assert sorted(free) == ["vnode2", "vnode3"] and free == {n: free_mib(view, n) for n in free}
    assert all(isinstance(f, int) and f > 0 for f in free.values())
    assert Preview(note="x", memory=("m",)).lines() == ["x", "m"]
