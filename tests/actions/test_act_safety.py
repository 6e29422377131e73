"""Preconditions refuse with the reason an admin needs, before anything runs."""

from __future__ import annotations

from pathlib import Path

import pytest
from actions_support import bench, view_of

from hatui.actions.catalog import plan_action
from hatui.actions.move import plan_move
from hatui.actions.plans import ActionContext
from hatui.actions.safety import NeedsOverride
from hatui.actions.splitbrain import plan_recovery
from hatui.config import ClusterConfig, NodeConfig
from hatui.errors import ActionRefused

FIXTURE_CLUSTER = ClusterConfig("fixture", tuple(NodeConfig(n, n) for n in ("vnode1", "vnode2", "vnode3")))


async def test_read_only_and_monitor_refuse_every_change_but_why_reads_in_read_only(tmp_path: Path) -> None:
    b = bench(tmp_path, generation="modern", fast=False)
    ro = await b.context(read_only=True)
    with pytest.raises(ActionRefused, match="configured read-only"):
        plan_action(ro, "standby", "vnode1")
    with pytest.raises(ActionRefused, match="read-only"):
        plan_action(ro, "drbd_disconnect", "dns-root", "vnode2")
    assert plan_action(ro, "why_resource", "sentinel").commands[0].argv == (
        "crm_resource",
        "--why",
        "-r",
        "sentinel",
    )
    mon = await b.context(monitor=True)
    for build in (
        lambda: plan_action(mon, "cleanup_all"),
        lambda: plan_action(mon, "why_resource", "sentinel"),
    ):
        with pytest.raises(ActionRefused, match="monitor mode runs no actions"):
            build()


async def test_no_quorum_refuses_pacemaker_actions(tmp_path: Path) -> None:
    b = bench(tmp_path, fast=False)
    b.demo.inject("kill-node", "vnode2")
    b.demo.inject("kill-node", "vnode3")
    b.demo.advance(10)
    ctx = await b.context()
    assert ctx.view.pacemaker is not None and ctx.view.pacemaker.quorum is False
    with pytest.raises(ActionRefused, match="has no quorum: no Pacemaker action runs"):
        plan_action(ctx, "node_maintenance_on", "vnode1")


async def test_target_must_be_online_and_not_in_standby(tmp_path: Path) -> None:
    b = bench(tmp_path, fast=False, advance=900)
    b.demo.execute("vnode1", ("crm_standby", "-N", "vnode2", "-v", "on"))
    b.demo.advance(20)
    with pytest.raises(ActionRefused, match="vnode2 is in standby: nothing can run there"):
        plan_move(await b.context(), "sentinel", "vnode2")
    b.demo.execute("vnode1", ("crm_standby", "-N", "vnode2", "-v", "off"))
    b.demo.inject("kill-node", "vnode2")
    b.demo.advance(10)
    with pytest.raises(ActionRefused, match="vnode2 is not online in Pacemaker"):
        plan_move(await b.context(), "sentinel", "vnode2")


async def test_vm_without_an_uptodate_copy_on_the_target_is_not_moved(tmp_path: Path) -> None:
    b = bench(tmp_path, fast=False)
    ctx = await b.context()
    # At start mail-root is still resyncing to the spare.
    with pytest.raises(
        ActionRefused, match=r"mail's disk mail-root is Inconsistent on vnode2 \(SyncTarget \d+\.\d%\)"
    ):
        plan_move(ctx, "mail", "vnode2")
    with pytest.raises(ActionRefused, match="vnode3 holds no copy of sentinel's disk sentinel-root"):
        plan_move(ctx, "sentinel", "vnode3")
    with pytest.raises(ActionRefused, match="sentinel already runs on vnode1"):
        plan_move(ctx, "sentinel", "vnode1")
    with pytest.raises(ActionRefused, match="does not allow live migration"):
        plan_move(ctx, "sentinel", "vnode2", live=True, allow_migrate=False)
    assert plan_move(ctx, "sentinel", "vnode2", live=True, allow_migrate=True).action == "migrate_resource"


async def test_leftover_constraints_block_a_move_that_would_clear_them(tmp_path: Path) -> None:
    b = bench(tmp_path, generation="modern", fast=False)
    b.demo.execute("vnode1", ("crm_resource", "--ban", "-r", "sentinel", "-N", "vnode3"))
    with pytest.raises(
        ActionRefused, match="sentinel still has cli-ban-sentinel-on-vnode3 .* clear them first"
    ):
        plan_move(await b.context(), "sentinel", "vnode2")
    clear = plan_action(await b.context(), "clear_resource", "sentinel")
    assert clear.title == "Clear cli-ban-sentinel-on-vnode3?"
    with pytest.raises(ActionRefused, match="dns has no cli-prefer/cli-ban constraint or pin to clear"):
        plan_action(await b.context(), "clear_resource", "dns")


async def test_standby_lists_what_it_would_break_as_concerns(tmp_path: Path) -> None:
    b = bench(tmp_path, fast=False)
    plan = plan_action(await b.context(), "standby", "vnode1")
    assert [c.code for c in plan.concerns] == ["drbd"]
    assert plan.concerns[0].message.startswith(
        "mail would stop: its disk mail-root is Inconsistent on vnode2"
    )
    with pytest.raises(NeedsOverride, match="mail would stop"):
        b.runner.guard(plan)
    b.runner.guard(plan.override())


async def test_stale_and_unreachable_nodes_need_an_override(tmp_path: Path) -> None:
    b = bench(tmp_path, generation="modern", fast=False, advance=900)
    b.demo.inject("kill-node", "vnode3")  # refused at once; Pacemaker notices 3 s later
    plan = plan_action(await b.context(), "node_maintenance_on", "vnode3")
    assert plan.concerns and plan.concerns[0].code == "stale"
    assert (
        "vnode3 is unreachable (vnode3: connect to 131.114.28.13 port 22: connection refused)"
        in plan.concerns[0].message
    )


def test_a_partitioned_cluster_needs_an_override() -> None:
    view = view_of({"vnode1": "healthy", "vnode2": "node-failed", "vnode3": "healthy"})
    plan = plan_action(ActionContext(view, FIXTURE_CLUSTER), "node_maintenance_on", "vnode3")
    assert [c.code for c in plan.concerns] == ["partition"]
    assert "the cluster looks partitioned: nodes disagree on the cluster" in plan.concerns[0].message


def test_no_pacemaker_picture_is_refused() -> None:
    view = view_of({}, unreachable={"vnode1": "connection refused", "vnode2": "timed out"})
    with pytest.raises(ActionRefused, match="no node gave a Pacemaker picture"):
        plan_action(ActionContext(view, FIXTURE_CLUSTER), "cluster_maintenance")


def test_node_actions_refuse_what_is_already_so() -> None:
    ctx = ActionContext(view_of({"vnode1": "standby", "vnode2": "standby"}), FIXTURE_CLUSTER)
    with pytest.raises(ActionRefused, match="vnode1 is already in standby"):
        plan_action(ctx, "standby", "vnode1")
    with pytest.raises(ActionRefused, match="vnode2 is not in standby"):
        plan_action(ctx, "online", "vnode2")
    with pytest.raises(ActionRefused, match="vnode9 is not a node of this cluster"):
        plan_action(ctx, "standby", "vnode9")
    assert plan_action(ctx, "online", "vnode1").commands[0].argv == (
        "crm_attribute",
        "-t",
        "nodes",
        "-N",
        "vnode1",
        "-n",
        "standby",
        "-v",
        "off",
    )


async def test_drbd_refusals_say_what_drbd_would_not(tmp_path: Path) -> None:
    b = bench(tmp_path, fast=False)
    ctx = await b.context()
    with pytest.raises(ActionRefused, match="the peer of sentinel-root is Primary: DRBD allows one Primary"):
        plan_action(ctx, "drbd_primary", "sentinel-root", "vnode2")
    with pytest.raises(ActionRefused, match="VM sentinel runs on vnode1 and holds sentinel-root open"):
        plan_action(ctx, "drbd_secondary", "sentinel-root", "vnode1")
    with pytest.raises(
        ActionRefused,
        match="the peer of mail-root has no UpToDate data: invalidating would leave no good copy",
    ):
        plan_action(ctx, "drbd_invalidate", "mail-root", "vnode1")
    with pytest.raises(ActionRefused, match="sentinel-root is already connected on vnode2"):
        plan_action(ctx, "drbd_connect", "sentinel-root", "vnode2")
    with pytest.raises(ActionRefused, match="no running resync to pause"):
        plan_action(ctx, "drbd_pause_sync", "dns-root", "vnode2")
    with pytest.raises(ActionRefused, match="vnode3 shows no DRBD resource dns-root"):
        plan_action(ctx, "drbd_disconnect", "dns-root", "vnode3")
    inval = plan_action(ctx, "drbd_invalidate", "dns-swap", "vnode2")
    assert (inval.confirm_name, inval.commands[0].argv) == ("dns-swap", ("drbdadm", "invalidate", "dns-swap"))


async def test_hand_made_roles_of_a_pacemaker_drbd_need_an_override(tmp_path: Path) -> None:
    b = bench(tmp_path, fast=False)
    b.demo.execute("vnode2", ("drbdadm", "disconnect", "sentinel-root"))
    plan = plan_action(await b.context(), "drbd_primary", "sentinel-root", "vnode2")
    assert [c.code for c in plan.concerns] == ["managed"]
    assert "managed by Pacemaker (ms_drbd_sentinel-root)" in plan.concerns[0].message


async def test_split_brain_recovery_refusals(tmp_path: Path) -> None:
    b = bench(tmp_path, fast=False)
    with pytest.raises(ActionRefused, match=r"dns-root is not in split-brain \(Connected, Connected\)"):
        plan_recovery(await b.context(), "dns-root", "vnode2")
    b.demo.inject("split-brain", "dns-root")
    with pytest.raises(ActionRefused, match="VM dns runs on vnode1 on this disk: its data is live"):
        plan_recovery(await b.context(), "dns-root", "vnode1")


async def test_missing_drbd_data_from_the_target_is_not_taken_for_no_copy(tmp_path: Path) -> None:
    import dataclasses

    b = bench(tmp_path, fast=False, advance=900)
    view = await b.view()
    reports = tuple(dataclasses.replace(r, drbd=None) if r.node == "vnode2" else r for r in view.reports)
    ctx = ActionContext(dataclasses.replace(view, reports=reports), b.cluster)
    with pytest.raises(
        ActionRefused, match="no DRBD data from vnode2 yet: cannot check that it holds sentinel's disks"
    ):
        plan_move(ctx, "sentinel", "vnode2")


def test_a_vm_whose_disks_hatui_cannot_name_is_a_concern() -> None:
    view = view_of({"vnode1": "healthy", "vnode2": "healthy", "vnode3": "healthy"}, drbd="8")
    plan = plan_move(ActionContext(view, FIXTURE_CLUSTER), "sentinel", "vnode2")
    assert [c.message for c in plan.concerns] == [
        "no DRBD resource is known to hold sentinel's disks: vnode2's copy is unchecked"
    ]
