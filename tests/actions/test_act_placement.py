"""Waits expect the preview and placement respects the cluster's rules, on the modern demo cluster.

The modern demo is asymmetric (``symmetric-cluster=false``): elearning and vconf are allowed on vnode3
only, sentinel on vnode1 and vnode2 (with its DRBD clone). The scenes of issue 12: a standby of
vnode3 stops elearning and vconf (predicted, so a success, not a 300 s wait then FAILED), a move to
a node no constraint allows is refused with the pinned move as the alternative.
"""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest
from actions_support import bench

from hatui.actions.catalog import plan_action
from hatui.actions.commands import Tools
from hatui.actions.expect import MovesAgain, expect, stopped_by, surprises
from hatui.actions.move import PlacementRefused, pin_remove, plan_move
from hatui.actions.placement import placement
from hatui.actions.plan import Plan
from hatui.actions.preview import Preview, PreviewStage, SimAction, preview_plan
from hatui.actions.settle import active_nodes
from hatui.errors import ActionRefused
from hatui.model.verdict import judge

needs_pacemaker = pytest.mark.skipif(shutil.which("crm_simulate") is None, reason="no crm_simulate")


def quick(plan: Plan, timeout: float) -> Plan:
    """``plan`` with every wait cut to ``timeout`` wall seconds (the demo runs 40x faster)."""
    phases = tuple(
        dataclasses.replace(p, waits=tuple(dataclasses.replace(w, timeout_s=timeout) for w in p.waits))
        for p in plan.phases
    )
    return dataclasses.replace(plan, phases=phases)


async def test_standby_of_vnode3_expects_elearning_and_vconf_to_stop_and_succeeds(tmp_path: Path) -> None:
    b = bench(tmp_path, advance=900, generation="modern")
    plan = plan_action(await b.context(), "standby", "vnode3")
    [stop] = plan.concerns
    assert stop.code == "stop"
    assert stop.message.startswith("2 VMs will STOP: elearning, vconf (no location constraint allows")
    assert "(elearning, vconf stopped)" in plan.phases[0].waits[0].what
    result = await b.runner.run(quick(plan, 10.0).override())
    assert result.ok, result.outcome
    assert result.outcome == "vnode3 is in standby; stopped as predicted: elearning, vconf"
    status = (await b.view()).pacemaker
    assert status is not None and status.node("vnode3").standby  # type: ignore[union-attr]


async def test_an_unpredicted_stop_is_still_a_failure(tmp_path: Path) -> None:
    b = bench(tmp_path, fast=False, advance=900, generation="modern")
    plan = plan_action(await b.context(), "standby", "vnode1")
    assert plan.verdict is not None and plan.meta["stops"] == ""
    b.demo.execute("vnode1", ("crm_resource", "-r", "www", "--meta", "-p", "target-role", "-v", "Stopped"))
    b.demo.advance(120)
    ok, outcome = plan.verdict(await b.view())
    assert not ok
    assert outcome.endswith("STOPPED (no node could take them): www")


async def test_placement_rules_out_nodes_with_the_reason(tmp_path: Path) -> None:
    b = bench(tmp_path, fast=False, advance=900, generation="modern")
    view = await b.view()
    places = {p.node: p for p in placement(view, "elearning")}
    assert places["vnode3"].reason is None
    assert (
        places["vnode1"].reason == "no location constraint allows elearning there (symmetric-cluster=false)"
    )
    assert places["vnode1"].pinnable
    sentinel = {p.node: p for p in placement(view, "sentinel")}
    assert sentinel["vnode2"].reason is None
    # No copy of its disk there: a preference cannot pin a VM without its disk.
    assert (
        sentinel["vnode3"].reason
        == "vnode3 holds no copy of sentinel's disk sentinel-root: sentinel cannot run there"
    )
    assert not sentinel["vnode3"].pinnable
    b.demo.execute("vnode1", ("crm_standby", "-N", "vnode2", "-v", "on"))
    b.demo.execute("vnode1", ("crm_resource", "--ban", "-r", "mail", "-N", "vnode2"))
    view = await b.view()
    assert {p.node: p.reason for p in placement(view, "sentinel")}["vnode2"] == (
        "vnode2 is in standby: nothing can run there"
    )
    b.demo.execute("vnode1", ("crm_standby", "-N", "vnode2", "-D"))
    view = await b.view()
    mail = {p.node: p.reason for p in placement(view, "mail")}
    assert mail["vnode2"] == "mail is banned there (cli-ban-mail-on-vnode2, -INFINITY)"


async def test_a_move_where_no_constraint_allows_is_refused_and_a_pinned_move_stays(tmp_path: Path) -> None:
    b = bench(tmp_path, advance=900, generation="modern")
    ctx = await b.context()
    with pytest.raises(PlacementRefused, match="only a pinned move") as refused:
        plan_move(ctx, "elearning", "vnode1")
    assert refused.value.place.pinnable
    with pytest.raises(PlacementRefused, match="holds no copy of sentinel's disk"):
        plan_move(ctx, "sentinel", "vnode3", pinned=True)
    pinned = plan_move(ctx, "elearning", "vnode1", pinned=True).override()
    assert [c.line.split(" -X ")[0] for c in pinned.phases[1].commands] == [
        "cibadmin -C -o constraints",
        "crm_resource --clear -r elearning",
    ]
    result = await b.runner.run(quick(pinned, 15.0))
    assert result.ok, result.outcome
    assert result.outcome == (
        "elearning runs on vnode1, pinned there by hatui-pin-elearning-on-vnode1 (clear it with c); "
        "no cli- constraint left"
    )
    view = await b.view()
    assert view.pacemaker is not None and active_nodes(view.pacemaker, "elearning") == ["vnode1"]
    assert [
        k.id for k in view.constraints if k.resource == "elearning" and k.id.startswith(("cli-", "hatui-"))
    ] == ["hatui-pin-elearning-on-vnode1"]
    # Pinned, not a leftover: the verdict says so, a new move is refused, clear (c) removes the pin.
    [pin] = [p for p in judge(view).problems if p.subject == "elearning"]
    assert (pin.code, pin.node) == ("pinned", "vnode1")
    assert (
        pin.message
        == "elearning pinned to vnode1 by a pinned move (hatui-pin-elearning-on-vnode1); clear it with c"
    )
    with pytest.raises(
        ActionRefused, match="elearning is pinned by hatui-pin-elearning-on-vnode1: clear it first"
    ):
        plan_move(await b.context(), "elearning", "vnode3")
    clear = plan_action(await b.context(), "clear_resource", "elearning")
    assert clear.title == "Clear hatui-pin-elearning-on-vnode1?"
    cleared = await b.runner.run(quick(clear, 15.0))
    assert cleared.ok, cleared.outcome
    assert not [k for k in (await b.view()).constraints if k.pinned_to]
    with pytest.raises(ActionRefused, match="not a hatui pin"):
        pin_remove("loc-elearning-vnode3", run_on="vnode1", tools=Tools())


def _preview(*stages: tuple[SimAction, ...]) -> Preview:
    return Preview(stages=tuple(PreviewStage(f"phase {i}", s) for i, s in enumerate(stages)))


async def test_a_move_the_preview_says_would_move_again_is_refused_with_the_pinned_alternative(
    tmp_path: Path,
) -> None:
    b = bench(tmp_path, fast=False, advance=900, generation="modern")
    ctx = await b.context()
    plan = plan_move(ctx, "sentinel", "vnode2")
    back = SimAction("move", "sentinel", "vnode2", "vnode1")
    preview = _preview((SimAction("move", "sentinel", "vnode1", "vnode2"),), (back,))
    with pytest.raises(MovesAgain, match="will move sentinel vnode2 → vnode1: sentinel would move twice"):
        expect(ctx, plan, preview)
    assert expect(ctx, plan, _preview((back,), ())) is plan


async def test_a_later_phase_that_only_starts_the_vm_is_inconclusive_not_a_second_move(
    tmp_path: Path,
) -> None:
    """The lab's DRBD-backed VM: the scheduler's copy cannot promote DRBD on the target (the agent's
    promotion scores do not change there), so it ends phase 1 with the VM stopped and phase 2 starts
    it at home. That is not the cluster moving it back: the real move was refused as "twice"."""
    b = bench(tmp_path, fast=False, advance=900, generation="modern")
    ctx = await b.context()
    plan = plan_move(ctx, "sentinel", "vnode2")
    first = (SimAction("stop", "sentinel", node="vnode1"),)
    assert expect(ctx, plan, _preview(first, (SimAction("start", "sentinel", node="vnode1"),))) is plan
    with pytest.raises(MovesAgain, match="will stop sentinel on vnode2"):
        expect(ctx, plan, _preview(first, (SimAction("stop", "sentinel", node="vnode2"),)))


async def test_a_standby_expects_what_the_preview_stops(tmp_path: Path) -> None:
    b = bench(tmp_path, fast=False, advance=900, generation="modern")
    ctx = await b.context()
    plan = plan_action(ctx, "standby", "vnode1")
    assert plan.concerns == () and plan.meta["stops"] == ""
    stops = (SimAction("stop", "www", node="vnode1"), SimAction("move", "dns", "vnode1", "vnode2"))
    assert stopped_by(PreviewStage("s", stops)) == ["www"]
    assert surprises(plan, _preview(stops)) == ["will STOP: www"]
    expecting = expect(ctx, plan, _preview(stops))
    assert expecting.meta["stops"] == "www"
    assert [c.message for c in expecting.concerns] == ["1 VM will STOP: www (the preview says so)"]
    assert "(www stopped)" in expecting.phases[0].waits[0].what


@needs_pacemaker
async def test_the_demo_preview_of_the_vnode3_standby_is_what_the_plan_expects(tmp_path: Path) -> None:
    b = bench(tmp_path, fast=False, advance=900, generation="modern")
    ctx = await b.context()
    plan = plan_action(ctx, "standby", "vnode3")
    preview = await preview_plan(plan, b.transports["vnode1"], tools=ctx.tools("vnode1"))  # type: ignore[arg-type]
    assert surprises(plan, preview) == ["will STOP: elearning, vconf"]
    assert expect(ctx, plan, preview) is plan
