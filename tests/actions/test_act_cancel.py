"""Cancelling a running action on the demo: a move or ban undoes what it added, and the end is audited.

Also: unrelated actions run side by side, two actions on one target never do, and what quitting
would leave behind is said per action.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from actions_support import Bench, bench

from hatui.actions.audit import read_log
from hatui.actions.catalog import plan_action
from hatui.actions.move import plan_move
from hatui.actions.plan import Plan
from hatui.actions.results import ActionResult
from hatui.actions.running import leaves_behind, related_subjects
from hatui.errors import ActionRefused
from hatui.transport.base import CommandResult
from support.recording import RecordingTransport


def cli_and_markers(b: Bench) -> list[str]:
    return sorted(k.id for k in b.demo.cib.constraints if k.id.startswith(("cli-", "hatui-inflight-")))


async def start(
    b: Bench, plan: Plan, related: frozenset[str] = frozenset()
) -> tuple[asyncio.Task[ActionResult], asyncio.Event]:
    """``plan`` running, and an event set once it waits for the cluster."""
    waiting = asyncio.Event()

    def say(text: str) -> None:
        if text.startswith("waiting"):
            waiting.set()

    task = asyncio.create_task(b.runner.run(plan, say, related=related))
    await asyncio.wait_for(waiting.wait(), 10)
    return task, waiting


def ends(b: Bench) -> list[dict[str, object]]:
    return [r for r in read_log(b.audit_path) if r["event"] == "end"]


async def test_cancelling_a_move_removes_its_constraints_and_marker_and_audits_what_is_left(
    tmp_path: Path,
) -> None:
    # Frozen demo time: the move waits until it is cancelled.
    b = bench(tmp_path, generation="modern", fast=False)
    task, _ = await start(b, plan_move(await b.context(), "sentinel", "vnode2"))
    [running] = b.runner.running()
    assert (running.plan.action, running.plan.target) == ("move_resource", "sentinel")
    assert running.step.startswith("1/2 ") and running.doing.startswith("waiting for sentinel")
    assert running.limit_s > 300
    assert cli_and_markers(b) == sorted(
        ["cli-ban-sentinel-on-vnode1", "cli-prefer-sentinel", running.plan.marker or ""]
    )
    assert b.runner.cancel(running.id)
    result = await asyncio.wait_for(task, 10)  # the run ends with a result, it is not cancelled
    assert not result.ok
    assert result.outcome.startswith("cancelled by the admin at 1/2 "), result.outcome
    assert "; removed cli-prefer-sentinel, cli-ban-sentinel-on-vnode1" in result.outcome
    assert result.outcome.endswith("; nothing of it left in the CIB")
    assert cli_and_markers(b) == []
    assert b.runner.running() == [] and b.runner.registry.current() == ()
    [end] = ends(b)
    assert end["ok"] is False and end["left"] == [] and end["outcome"] == result.outcome


async def test_cancelling_a_ban_removes_its_ban(tmp_path: Path) -> None:
    b = bench(tmp_path, generation="modern", fast=False)
    task, _ = await start(b, plan_action(await b.context(), "ban_resource", "sentinel", "vnode1"))
    assert "cli-ban-sentinel-on-vnode1" in cli_and_markers(b)
    [running] = b.runner.running()
    b.runner.cancel(running.id)
    result = await asyncio.wait_for(task, 10)
    assert "; removed cli-ban-sentinel-on-vnode1" in result.outcome
    assert cli_and_markers(b) == []


class NoDelete(RecordingTransport):
    """vnode1 as if the CIB refused to delete the ban (a real cibadmin, a real error text)."""

    async def run(self, argv: object, *, timeout: float, stdin: str | None = None) -> CommandResult:
        words = tuple(argv)  # type: ignore[call-overload]
        if words[:2] == ("cibadmin", "-D") and "cli-ban-" in " ".join(words):
            self.calls.append(words)
            return CommandResult(words, 13, "", "Call cib_delete failed (-13): Permission denied\n", 0.01)
        return await super().run(argv, timeout=timeout, stdin=stdin)


async def test_a_cancel_that_cannot_undo_says_exactly_which_constraints_remain(tmp_path: Path) -> None:
    b = bench(tmp_path, generation="modern", fast=False)
    b.runner.transports["vnode1"] = NoDelete(b.transports["vnode1"].inner)
    task, _ = await start(b, plan_move(await b.context(), "sentinel", "vnode2"))
    b.runner.cancel(b.runner.running()[0].id)
    result = await asyncio.wait_for(task, 10)
    assert "exited 13: Call cib_delete failed (-13): Permission denied" in result.outcome
    assert result.left == ("cli-ban-sentinel-on-vnode1",)
    assert result.outcome.endswith(
        "; left in the CIB: cli-ban-sentinel-on-vnode1 (clear them: c on sentinel)"
    )
    assert cli_and_markers(b) == ["cli-ban-sentinel-on-vnode1"]
    assert ends(b)[0]["left"] == ["cli-ban-sentinel-on-vnode1"]


async def test_quitting_cancels_undoes_and_audits_the_quit(tmp_path: Path) -> None:
    b = bench(tmp_path, fast=False)
    task, _ = await start(b, plan_move(await b.context(), "sentinel", "vnode2"))
    [running] = b.runner.running()
    said = leaves_behind(running)
    assert said.startswith("move_resource sentinel: its constraints cli-prefer-sentinel, ")
    assert "sentinel stays wherever Pacemaker has put it by then" in said
    assert b.runner.cancel_all("cancelled: the console quit") == [running.id]
    with pytest.raises(asyncio.CancelledError):
        await task  # the console's worker is cancelled: quitting goes on
    assert await b.runner.drain(5)
    assert cli_and_markers(b) == []
    [end] = ends(b)
    assert str(end["outcome"]).startswith("cancelled: the console quit at 1/2 ")


async def test_unrelated_actions_run_side_by_side_and_one_target_takes_one_action(tmp_path: Path) -> None:
    b = bench(tmp_path, fast=False)
    ctx = await b.context()
    move = plan_move(ctx, "sentinel", "vnode2")
    task, _ = await start(b, move)
    # Another resource: it runs while the move waits.
    other, _ = await start(b, plan_action(ctx, "ban_resource", "www", "vnode3"))
    assert sorted(r.plan.target for r in b.runner.running()) == ["sentinel", "www"]
    # The same target: refused with the reason, and the refusal is audited.
    again = plan_action(ctx, "restart_resource", "sentinel")
    with pytest.raises(ActionRefused, match=r"move_resource is already running on sentinel \(1/2 "):
        await b.runner.run(again)
    refused = [r for r in read_log(b.audit_path) if r["event"] == "refused"]
    assert [(r["action"], r["target"]) for r in refused] == [("restart_resource", "sentinel")]
    for r in b.runner.running():
        b.runner.cancel(r.id)
    for t in (task, other):
        assert not (await asyncio.wait_for(t, 10)).ok
    assert cli_and_markers(b) == []


async def test_a_cancelled_standby_is_not_undone_and_says_so(tmp_path: Path) -> None:
    b = bench(tmp_path, fast=False)
    plan = plan_action(await b.context(), "standby", "vnode3")
    task, _ = await start(b, plan.override() if plan.concerns else plan)
    [running] = b.runner.running()
    assert leaves_behind(running).startswith("standby vnode3: not undone (it is at ")
    b.runner.cancel(running.id)
    result = await asyncio.wait_for(task, 10)
    assert result.outcome.startswith("cancelled by the admin at ")
    assert (await b.view()).pacemaker.node("vnode3").standby  # type: ignore[union-attr]


async def test_what_is_tied_to_a_moving_vm_takes_no_other_action_meanwhile(tmp_path: Path) -> None:
    b = bench(tmp_path, fast=False)
    ctx = await b.context()
    move = plan_move(ctx, "sentinel", "vnode2")
    task, _ = await start(b, move, related=related_subjects(move, ctx.view))
    # The VM's own DRBD resource: disconnecting it would take the disk from under the move.
    drbd = plan_action(ctx, "drbd_verify", "sentinel-root", "vnode1", peer="vnode2")
    assert "sentinel" in related_subjects(drbd, ctx.view)
    with pytest.raises(ActionRefused, match="move_resource is already running on sentinel"):
        await b.runner.run(drbd, related=related_subjects(drbd, ctx.view))
    # The node it runs on: a standby would move it too.
    standby = plan_action(ctx, "standby", "vnode1")
    with pytest.raises(ActionRefused, match="move_resource is already running on sentinel"):
        await b.runner.run(standby.override(), related=related_subjects(standby, ctx.view))
    # Another VM's disk is unrelated.
    other = plan_action(ctx, "drbd_verify", "www-root", "vnode1", peer="vnode2")
    assert b.runner.conflict(other, related_subjects(other, ctx.view)) is None
    b.runner.cancel(b.runner.running()[0].id)
    await asyncio.wait_for(task, 10)
