"""Deleting one node's fail-count of a resource, on both demo generations and with the real tools.

The seed demo speaks Pacemaker 1.0.9 and its crm shell (``shell: auto`` is the shell there), the
modern one 2.1.5 with the raw tools. The failure is a real one: the demo's ``fail-monitor`` fault
fails sentinel's monitor on vnode1 and Pacemaker counts it there.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from actions_support import Bench, bench

from hatui.actions import commands as cmd
from hatui.actions.catalog import CATALOG, WRITES, Ask, plan_action
from hatui.actions.commands import CRMSH, PACEMAKER, PCS
from hatui.actions.preview import preview_plan
from hatui.do.args import listing
from hatui.errors import ActionRefused
from support.seed import seed_path, seed_prefix

ARGV = {
    "seed": ("crm", "resource", "failcount", "sentinel", "delete", "vnode1"),
    "modern": ("crm_failcount", "-D", "-r", "sentinel", "-N", "vnode1"),
}
#: What Pacemaker 2.x's tools and crm shells have that 1.0.9's lack.
NOT_ON_1_0 = ("--ban", "--clear", "--restart", "--why", "--wait", "--output-as", "--cleanup")


def failed_bench(tmp_path: Path, generation: str) -> Bench:
    """A demo whose sentinel failed its monitor on vnode1 (fail-count 1 there)."""
    b = bench(tmp_path, generation=generation)
    b.demo.inject("fail-monitor", "sentinel")
    b.demo.advance(60)
    return b


@pytest.mark.parametrize("generation", ["seed", "modern"])
async def test_the_plan_sends_what_the_generation_accepts(tmp_path: Path, generation: str) -> None:
    ctx = await failed_bench(tmp_path, generation).context()
    assert ctx.view.fail_counts("sentinel") == {"vnode1": 1}
    plan = plan_action(ctx, "failcount_delete", "sentinel", "vnode1")
    assert plan.title == "Reset the fail-count of sentinel on vnode1 (1)?"
    [phase] = plan.phases
    assert [c.argv for c in phase.commands] == [ARGV[generation]]
    [wait] = phase.waits
    assert wait.what == "no fail-count of sentinel on vnode1"
    assert wait.check(ctx.view) == "fail-count of sentinel on vnode1 still 1"
    if generation == "seed":
        assert not any(opt in phase.commands[0].argv for opt in NOT_ON_1_0)


@pytest.mark.parametrize("generation", ["seed", "modern"])
async def test_run_end_to_end_the_count_is_gone(tmp_path: Path, generation: str) -> None:
    b = failed_bench(tmp_path, generation)
    ctx = await b.context()
    plan = plan_action(ctx, "failcount_delete", "sentinel", "vnode1")
    run_on = plan.phases[0].commands[0].node
    preview = await preview_plan(plan, b.transports[run_on], tools=ctx.tools(run_on))  # type: ignore[arg-type]
    assert preview.note is None and "the scheduler would do nothing" in preview.lines()
    result = await b.runner.run(plan)
    assert result.ok, result.outcome
    assert result.outcome == "fail-count of sentinel on vnode1 deleted"
    assert (run_on, ARGV[generation]) in b.writes()
    after = await b.view()
    assert after.fail_counts("sentinel") == {}
    assert after.pacemaker is not None
    assert not [h for h in after.pacemaker.history if h.resource == "sentinel" and h.fail_count]


@pytest.mark.parametrize("generation", ["seed", "modern"])
async def test_refused_where_there_is_no_fail_count(tmp_path: Path, generation: str) -> None:
    clean = await bench(tmp_path, fast=False, generation=generation).context()
    with pytest.raises(ActionRefused, match=r"^sentinel has no fail-count on vnode1$"):
        plan_action(clean, "failcount_delete", "sentinel", "vnode1")
    failed = await failed_bench(tmp_path, generation).context()
    with pytest.raises(ActionRefused, match=r"no fail-count on vnode2 \(it has on vnode1: 1\)"):
        plan_action(failed, "failcount_delete", "sentinel", "vnode2")
    with pytest.raises(ActionRefused, match="needs a node"):
        plan_action(failed, "failcount_delete", "sentinel")


async def test_refused_in_read_only_mode(tmp_path: Path) -> None:
    spec = CATALOG["failcount_delete"]
    assert "failcount_delete" in WRITES
    assert (spec.key, spec.kind, spec.ask, spec.to_node) == ("f", "resource", Ask.NODE, False)
    b = failed_bench(tmp_path, "seed")
    for read_only, monitor in ((True, False), (False, True)):
        ctx = await b.context(read_only=read_only, monitor=monitor)
        with pytest.raises(ActionRefused, match="read-only|monitor"):
            plan_action(ctx, "failcount_delete", "sentinel", "vnode1")
    assert b.writes() == []


def test_hatui_do_names_it_with_the_node_it_needs() -> None:
    [line] = [line for line in listing().splitlines() if line.startswith("failcount-delete ")]
    assert line.split()[1:5] == ["RESOURCE", "or", "VM", "--node"]
    ban = next(line for line in listing().splitlines() if line.startswith("ban "))
    assert "--node NODE" in ban


def test_the_2_x_shells_and_their_cib_edits() -> None:
    tools = cmd.Tools()
    raw = cmd.failcount_delete("vm1", "vnode2", run_on="n", tools=replace(tools, shell=PACEMAKER))
    assert raw.argv == ("crm_failcount", "-D", "-r", "vm1", "-N", "vnode2")
    crmsh = cmd.failcount_delete("vm1", "vnode2", run_on="n", tools=replace(tools, shell=CRMSH))
    assert crmsh.argv == ("crm", "resource", "failcount", "vm1", "delete", "vnode2")
    # pcs 0.10 removed "failcount reset": cleanup "is doing exactly the same job" (pcs changelog).
    pcs = cmd.failcount_delete("vm1", "vnode2", run_on="n", tools=replace(tools, shell=PCS))
    assert pcs.argv == ("pcs", "resource", "cleanup", "vm1", "node=vnode2")
    # 2.1.5's crm_failcount -D is crm_resource --cleanup, which segfaults on a CIB file.
    assert raw.sim == crmsh.sim == pcs.sim
    assert all(argv[:3] == ("cibadmin", "-D", "--xpath") for argv in raw.sim)


async def _cib_of(b: Bench) -> str:
    result = await b.transports["vnode1"].run(("cibadmin", "-Q"), timeout=10.0)
    assert result.exit_status == 0, result.stderr
    return result.stdout


def _run(argv: tuple[str, ...], cib: Path, path: str | None = None) -> str:
    env = dict(os.environ, CIB_file=str(cib), **({"PATH": path} if path else {}))
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=30, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.skipif(shutil.which("cibadmin") is None, reason="Pacemaker's cibadmin is not installed")
async def test_the_2_x_cib_edits_clear_the_count_as_the_real_crm_failcount_reads_it(tmp_path: Path) -> None:
    b = failed_bench(tmp_path, "modern")
    copy = tmp_path / "cib.xml"
    copy.write_text(await _cib_of(b))
    query = ("crm_failcount", "-G", "-r", "sentinel", "-N", "vnode1")
    assert _run(query, copy).strip() == "scope=status  name=fail-count-sentinel value=1"
    plan = plan_action(await b.context(), "failcount_delete", "sentinel", "vnode1")
    for argv in plan.phases[0].commands[0].sim:
        _run(argv, copy)
    assert _run(query, copy).strip() == "scope=status  name=fail-count-sentinel value=0"


async def test_the_1_0_raw_form_is_what_the_real_1_0_9_crm_failcount_takes(tmp_path: Path) -> None:
    path = seed_path(seed_prefix())
    b = failed_bench(tmp_path, "seed")
    copy = tmp_path / "cib.xml"
    copy.write_text(await _cib_of(b))
    ctx = await b.context()
    raw_ctx = replace(ctx, cluster=replace(ctx.cluster, shell="pacemaker"))
    [command] = plan_action(raw_ctx, "failcount_delete", "sentinel", "vnode1").phases[0].commands
    assert command.argv == ("crm_failcount", "-D", "-r", "sentinel", "-N", "vnode1")
    said = _run(command.argv, copy, path)
    assert said.startswith("Deleted status attribute: id=status-vnode1-fail-count-sentinel ")
    assert "fail-count-sentinel" not in copy.read_text()
