"""A hatui move on the demo is known to the verdict: in this process, in another, and after a cancel."""

from __future__ import annotations

import asyncio
import os
from datetime import timedelta
from pathlib import Path

import pytest
from actions_support import Bench, bench

from hatui.actions.catalog import plan_action
from hatui.actions.commands import Tools, marker_add
from hatui.actions.move import plan_move
from hatui.actions.runner import ActionResult
from hatui.clock import SystemClock
from hatui.errors import ActionRefused
from hatui.model.health import CRITICAL
from hatui.model.inflight import inflight_from_constraints, marker_id, merge
from hatui.model.verdict import judge
from hatui.model.view import ClusterView
from hatui.watch.state import ClusterState


def markers(view: ClusterView) -> list[str]:
    return [k.id for k in view.constraints if k.leftover_kind == "marker"]


async def start_move(b: Bench) -> tuple[asyncio.Task[ActionResult], asyncio.Event]:
    """The move of sentinel to vnode2 running, and an event set once it waits for the cluster."""
    plan = plan_move(await b.context(), "sentinel", "vnode2")
    waiting = asyncio.Event()

    def say(text: str) -> None:
        if text.startswith("waiting"):
            waiting.set()

    return asyncio.create_task(b.runner.run(plan, say)), waiting


async def test_during_a_move_the_verdict_shows_it_moving_not_failing(tmp_path: Path) -> None:
    b = bench(tmp_path, generation="modern", fast=False)  # demo time moves only when the test advances it
    task, waiting = await start_move(b)
    await asyncio.wait_for(waiting.wait(), 10)
    unknown_leftovers = False
    for _ in range(120):
        view = await b.view()
        # A second hatui process knows only what the CIB says: the marker names the action.
        seen = inflight_from_constraints(view.constraints, view.generated_at)
        if not seen:
            break
        (other,) = seen
        assert (other.action, other.target, other.resources) == ("move_resource", "sentinel", ("sentinel",))
        assert {"cli-prefer-sentinel", "cli-ban-sentinel-on-vnode1"} <= set(other.constraint_ids) or not [
            k for k in view.constraints if k.id.startswith("cli-")
        ]
        # This process knows it from its registry (before any poll shows the marker, too).
        own = b.runner.registry.current()
        assert [f.target for f in own] == ["sentinel"]
        for flights in (seen, merge(own, seen)):
            health = judge(view, inflight=flights)
            assert not [p for p in health.problems if p.severity == CRITICAL], health.problems
            assert not [p for p in health.problems if p.code == "constraint-leftover"], health.problems
            assert any(p.code == "action-in-flight" and p.subject == "sentinel" for p in health.problems)
        # Not knowing the action, the same view shows hatui's own constraints as leftovers.
        blind = [p.subject for p in judge(view).problems if p.code == "constraint-leftover"]
        unknown_leftovers = unknown_leftovers or "sentinel" in blind
        b.demo.advance(1.0)
        await asyncio.sleep(0.05)
    result = await asyncio.wait_for(task, 30)
    assert result.ok, result.outcome
    assert unknown_leftovers, "without the in-flight info its constraints are leftovers"
    final = await b.view()
    assert markers(final) == [] and b.runner.registry.current() == ()
    codes = {p.code for p in judge(final).problems}
    assert not codes & {"constraint-leftover", "action-in-flight"}, codes


async def test_a_cancelled_move_removes_its_marker(tmp_path: Path) -> None:
    b = bench(tmp_path, fast=False)  # frozen demo time: the move never settles
    task, waiting = await start_move(b)
    await asyncio.wait_for(waiting.wait(), 10)
    assert len(markers(await b.view())) == 1
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    view = await b.view()
    assert markers(view) == []
    assert inflight_from_constraints(view.constraints, view.generated_at) == ()
    assert b.runner.registry.current() == ()
    # The cancel undid what the move steered with: nothing is a leftover (tests/actions/test_act_cancel.py).
    assert [p.subject for p in judge(view).problems if p.code == "constraint-leftover"] == []


async def test_a_second_action_on_a_resource_in_flight_is_refused(tmp_path: Path) -> None:
    b = bench(tmp_path, fast=False)
    task, waiting = await start_move(b)
    await asyncio.wait_for(waiting.wait(), 10)
    ctx = await b.context()
    with pytest.raises(ActionRefused, match=r"being moved by hatui \(pid \d+ on .*, move_resource"):
        plan_action(ctx, "ban_resource", "sentinel", "vnode3")
    with pytest.raises(ActionRefused, match="being moved by hatui"):
        plan_action(ctx, "clear_resource", "sentinel")
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_a_stale_marker_is_a_leftover_that_clear_removes(tmp_path: Path) -> None:
    b = bench(tmp_path, fast=False)
    view = await b.view()
    # A console killed two hours into a move that may take 330s: nobody will remove its marker.
    dead = marker_id("move_resource", view.generated_at - timedelta(hours=2), 330, 999, "deadhost")
    add = marker_add(dead, "vconf", run_on="vnode1", tools=Tools())
    assert (await b.transports["vnode1"].run(add.argv, timeout=10)).ok
    view = await b.view()
    assert markers(view) == [dead]
    assert inflight_from_constraints(view.constraints, view.generated_at) == ()
    stale = [p for p in judge(view).problems if p.code == "constraint-leftover" and p.subject == "vconf"]
    assert len(stale) == 1 and "never ended" in stale[0].message
    result = await b.runner.run(plan_action(await b.context(), "clear_resource", "vconf"))
    assert result.ok, result.outcome
    assert [c.argv[:2] for c in result.plan.commands] == [("cibadmin", "-D")]
    assert markers(await b.view()) == []


async def test_a_second_console_sees_the_move_of_the_first_in_flight(tmp_path: Path) -> None:
    b = bench(tmp_path, fast=False)
    second = ClusterState("demo", b.demo.node_names, SystemClock())
    task, waiting = await start_move(b)
    await asyncio.wait_for(waiting.wait(), 10)
    for report in (await b.view()).reports:
        second.record(report)
    assert second.inflight == (), "the second console runs nothing itself"
    health = second.health
    assert health is not None
    moving = [p for p in health.problems if p.code == "action-in-flight"]
    assert [p.subject for p in moving] == ["sentinel"] and f"pid {os.getpid()}" in moving[0].message
    assert not [p for p in health.problems if p.code == "constraint-leftover"], health.problems
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
