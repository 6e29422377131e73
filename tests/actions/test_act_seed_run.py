"""Actions run end to end on the seed demo (Pacemaker 1.0.9, its crm shell, Corosync 1.2.1)."""

from __future__ import annotations

from pathlib import Path

from actions_support import bench

from hatui.actions.catalog import plan_action


async def test_ring_reenable_after_a_faulty_ring(tmp_path: Path) -> None:
    b = bench(tmp_path)
    b.demo.inject("fail-ring", "vnode2")
    ctx = await b.context()
    plan = plan_action(ctx, "ring_reenable", "vnode2")
    result = await b.runner.run(plan)
    assert result.ok, result.outcome
    assert ("vnode2", ("corosync-cfgtool", "-r")) in b.writes()
    assert result.outcome == "no FAULTY ring on vnode2"


async def test_move_on_1_0(tmp_path: Path) -> None:
    b = bench(tmp_path)
    plan = plan_action(await b.context(), "move_resource", "sentinel", "vnode2")
    result = await b.runner.run(plan)
    assert result.ok, result.outcome
    sent = [argv for _node, argv in b.writes()]
    assert ("crm_resource", "-M", "-r", "sentinel", "-N", "vnode2", "-f") in sent
    assert ("crm_resource", "-U", "-r", "sentinel") in sent


async def test_ban_and_clear_on_1_0(tmp_path: Path) -> None:
    b = bench(tmp_path)
    plan = plan_action(await b.context(), "ban_resource", "sentinel", "vnode1")
    result = await b.runner.run(plan)
    assert result.ok, result.outcome
    assert ("crm", "resource", "migrate", "sentinel") in [argv for _n, argv in b.writes()]
    clear = plan_action(await b.context(), "clear_resource", "sentinel")
    result = await b.runner.run(clear)
    assert result.ok, result.outcome
    assert ("crm", "resource", "unmigrate", "sentinel") in [argv for _n, argv in b.writes()]


async def test_cleanup_all_on_1_0_is_one_cleanup_per_failed_resource(tmp_path: Path) -> None:
    b = bench(tmp_path)
    b.demo.inject("fail-monitor", "sentinel")
    b.demo.advance(60)
    plan = plan_action(await b.context(), "cleanup_all")
    assert [c.argv for c in plan.phases[0].commands] == [("crm", "resource", "cleanup", "sentinel")]
    result = await b.runner.run(plan)
    assert result.ok, result.outcome
