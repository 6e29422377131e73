"""Pacemaker 1.0.9 (the reference cluster): every builder and plan speaks its tools' words only.

The argv forms are the 1.0.9 column of seed-stack-cli.md (§1.1, §1.6, §2); each was run against
the real 1.0.9 crm_resource/cibadmin/crm_attribute/crm_standby/crm_failcount on a CIB file.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from actions_support import bench
from test_act_capabilities import SEED
from test_act_commands import MAINTENANCE_MODE_ON

from hatui.actions import commands as cmd
from hatui.actions.catalog import plan_action
from hatui.actions.commands import CRMSH, PACEMAKER, Tools, tools_for
from hatui.actions.commands_drbd import drbd_force_primary
from hatui.actions.plan import Plan
from hatui.actions.plans import ActionContext
from hatui.errors import ActionRefused
from hatui.model.capabilities import capabilities
from hatui.model.stack import StackInfo
from hatui.model.view import ClusterView

SEED_STACK = SEED
CAPS = capabilities(SEED_STACK)
RAW10 = Tools(shell=PACEMAKER, drbd="8.3", vm="xm", caps=CAPS)
CRM10 = Tools(shell=CRMSH, drbd="8.3", vm="xm", caps=CAPS)

#: Words no command for a 1.0 node may hold: the options 1.0.9 answers with "unrecognized option",
#: and the long spellings of today's move/cleanup (1.0 is sent -M and -C, as its help shows).
FORBIDDEN = ("--ban", "--clear", "--restart", "--why", "--wait", "--output-as", "--move", "--cleanup")
FORBIDDEN_CRM = (("node", "maintenance"), ("node", "ready"), ("resource", "ban"), ("resource", "clear"))


def speaks_1_0(argv: tuple[str, ...]) -> bool:
    if any(w in FORBIDDEN or w.startswith("--output-as") for w in argv):
        return False
    if argv[:1] == ("crm",):
        return tuple(argv[1:3]) not in FORBIDDEN_CRM
    return True


def all_argv(plan: Plan) -> list[tuple[str, ...]]:
    return [c.argv for phase in plan.phases for c in phase.commands]


@pytest.mark.parametrize(
    ("tools", "on", "argv", "sim"),
    [
        (RAW10, True, ("crm_attribute", "-t", "nodes", "-N", "vnode2", "-n", "standby", "-v", "on"), "-v"),
        (RAW10, False, ("crm_standby", "-N", "vnode2", "-D"), "-D"),
        (CRM10, True, ("crm", "node", "standby", "vnode2"), "-v"),
        (CRM10, False, ("crm", "node", "online", "vnode2"), "-v"),
    ],
)
def test_standby_and_online_on_1_0(tools: Tools, on: bool, argv: tuple[str, ...], sim: str) -> None:
    c = cmd.node_standby("vnode2", on, run_on="vnode1", tools=tools)
    assert c.argv == argv
    (edit,) = c.sim
    assert edit[:7] == ("crm_attribute", "-t", "nodes", "-N", "vnode2", "-n", "standby")
    assert edit[7] == sim


def test_move_is_m_n_f_writing_the_rule_forms() -> None:
    c = cmd.move_forced("vm1", "vnode2", "vnode1", run_on="vnode1", tools=CRM10)
    # Raw even with the crm shell: its migrate cannot pass -f.
    assert c.argv == ("crm_resource", "-M", "-r", "vm1", "-N", "vnode2", "-f")
    prefer, standby = c.sim
    assert prefer[:5] == ("cibadmin", "-C", "-o", "constraints", "-X")
    assert 'id="cli-prefer-vm1"' in prefer[5] and 'id="cli-prefer-rule-vm1"' in prefer[5]
    assert 'id="cli-prefer-expr-vm1"' in prefer[5] and 'score="INFINITY"' in prefer[5]
    assert 'value="vnode2"' in prefer[5]
    assert 'id="cli-standby-vm1"' in standby[5] and 'score="-INFINITY"' in standby[5]
    assert 'id="cli-standby-rule-vm1"' in standby[5] and 'value="vnode1"' in standby[5]


@pytest.mark.parametrize(
    ("tools", "runs_on", "argv", "cid"),
    [
        (RAW10, ("vnode1",), ("crm_resource", "-M", "-r", "vm1"), "cli-standby-vm1"),
        (CRM10, ("vnode1",), ("crm", "resource", "migrate", "vm1"), "cli-standby-vm1"),
        (
            RAW10,
            ("vnode3",),
            (
                "cibadmin",
                "-C",
                "-o",
                "constraints",
                "-X",
                '<rsc_location id="cli-ban-vm1-on-vnode1" rsc="vm1" node="vnode1" score="-INFINITY"/>',
            ),
            "cli-ban-vm1-on-vnode1",
        ),
        (
            CRM10,
            (),
            ("crm", "configure", "location", "cli-ban-vm1-on-vnode1", "vm1", "-inf:", "vnode1"),
            "cli-ban-vm1-on-vnode1",
        ),
    ],
)
def test_ban_on_1_0(tools: Tools, runs_on: tuple[str, ...], argv: tuple[str, ...], cid: str) -> None:
    c = cmd.ban("vm1", "vnode1", run_on="vnode2", tools=tools, runs_on=runs_on)
    assert c.argv == argv
    assert cmd.ban_id("vm1", "vnode1", tools=tools, runs_on=runs_on) == cid
    assert any(cid in " ".join(edit) for edit in c.sim)


def test_clear_cleanup_failcount_on_1_0() -> None:
    assert cmd.clear("vm1", run_on="n", tools=RAW10).argv == ("crm_resource", "-U", "-r", "vm1")
    assert cmd.clear("vm1", run_on="n", tools=CRM10).argv == ("crm", "resource", "unmigrate", "vm1")
    removed = [edit[5] for edit in cmd.clear("vm1", run_on="n", tools=RAW10).sim]
    assert removed == ['<rsc_location id="cli-prefer-vm1"/>', '<rsc_location id="cli-standby-vm1"/>']
    assert cmd.cleanup("vm1", run_on="n", tools=RAW10).argv == ("crm_resource", "-C", "-r", "vm1")
    assert cmd.cleanup("vm1", run_on="n", tools=RAW10, node="vnode2").argv == (
        "crm_resource",
        "-C",
        "-r",
        "vm1",
        "-N",
        "vnode2",
    )
    assert cmd.cleanup("vm1", run_on="n", tools=CRM10).argv == ("crm", "resource", "cleanup", "vm1")
    with pytest.raises(ActionRefused, match="one resource at a time"):
        cmd.cleanup(None, run_on="n", tools=RAW10)
    assert cmd.failcount_delete("vm1", "vnode2", run_on="n", tools=RAW10).argv == (
        "crm_failcount",
        "-D",
        "-r",
        "vm1",
        "-N",
        "vnode2",
    )
    assert cmd.failcount_delete("vm1", "vnode2", run_on="n", tools=CRM10).argv == (
        "crm",
        "resource",
        "failcount",
        "vm1",
        "delete",
        "vnode2",
    )
    steer = cmd.steer_remove("cli-standby-vm1", run_on="n", tools=RAW10)
    assert steer.argv == ("cibadmin", "-D", "-o", "constraints", "-X", '<rsc_location id="cli-standby-vm1"/>')


def test_start_stop_and_cluster_maintenance_on_1_0() -> None:
    assert cmd.target_role("vm1", True, run_on="n", tools=RAW10, danger=cmd.Danger.CHANGE).argv == (
        "crm_resource",
        "-r",
        "vm1",
        "--meta",
        "-p",
        "target-role",
        "-v",
        "Started",
    )
    assert cmd.target_role("vm1", False, run_on="n", tools=CRM10, danger=cmd.Danger.CHANGE).argv == (
        "crm",
        "resource",
        "stop",
        "vm1",
    )
    assert cmd.cluster_maintenance(True, run_on="n", tools=RAW10).argv == MAINTENANCE_MODE_ON
    assert cmd.cluster_maintenance(True, run_on="n", tools=CRM10).argv == (
        "crm",
        "configure",
        "property",
        "maintenance-mode=true",
    )


def test_node_maintenance_and_why_are_refused_with_the_reason() -> None:
    for tools in (RAW10, CRM10):
        with pytest.raises(ActionRefused, match="Pacemaker 1.0.9 has no per-node maintenance"):
            cmd.node_maintenance("vnode2", True, run_on="vnode1", tools=tools)
        with pytest.raises(ActionRefused, match=r"Pacemaker 1.0.9 has no crm_resource --why"):
            cmd.why("vm1", run_on="vnode1", tools=tools)


def test_drbd_8_3_7_force_primary_uses_overwrite_data_of_peer() -> None:
    seed = tools_for(SEED_STACK)
    assert drbd_force_primary("r0", node="vnode1", tools=seed).argv == (
        "drbdadm",
        "--",
        "--overwrite-data-of-peer",
        "primary",
        "r0",
    )
    later = tools_for(replace(SEED_STACK, drbd_version="8.3.11"))
    assert drbd_force_primary("r0", node="vnode1", tools=later).argv == (
        "drbdadm",
        "--",
        "--force",
        "primary",
        "r0",
    )
    assert (
        drbd_force_primary("r0", node="vnode1", tools=Tools(drbd="8.3")).argv[2] == "--overwrite-data-of-peer"
    )


def test_ring_reenable_is_corosync_cfgtool_r() -> None:
    assert cmd.ring_reenable(run_on="vnode1", tools=RAW10).argv == ("corosync-cfgtool", "-r")


# -- plans on the seed demo, its stack forced to 1.0.9 (shell auto = its crm shell) ----------------


def seeded(view: ClusterView, stack: StackInfo = SEED_STACK) -> ClusterView:
    return replace(view, reports=tuple(replace(r, stack=stack) for r in view.reports))


async def seed_context(tmp_path: Path, shell: str = "auto") -> ActionContext:
    b = bench(tmp_path, fast=False)
    ctx = await b.context()
    return ActionContext(seeded(ctx.view), replace(ctx.cluster, shell=shell))


@pytest.mark.parametrize("shell", ["auto", "pacemaker"])
async def test_every_plan_on_1_0_speaks_1_0(tmp_path: Path, shell: str) -> None:
    ctx = await seed_context(tmp_path, shell)
    plans = [
        plan_action(ctx, "standby", "vnode2"),
        plan_action(ctx, "move_resource", "sentinel", "vnode2"),
        plan_action(ctx, "ban_resource", "sentinel", "vnode1"),
        plan_action(ctx, "ban_resource", "sentinel", "vnode3"),
        plan_action(ctx, "restart_resource", "sentinel"),
        plan_action(ctx, "stop_resource", "sentinel"),
        plan_action(ctx, "cleanup_resource", "sentinel"),
        plan_action(ctx, "cluster_maintenance"),
    ]
    for plan in plans:
        bad = [a for a in all_argv(plan) if not speaks_1_0(a)]
        assert bad == [], plan.action
    with pytest.raises(ActionRefused, match="Pacemaker 1.0.9 has no per-node maintenance"):
        plan_action(ctx, "node_maintenance_on", "vnode2")


async def test_the_1_0_move_plan(tmp_path: Path) -> None:
    ctx = await seed_context(tmp_path)
    plan = plan_action(ctx, "move_resource", "sentinel", "vnode2")
    argv = [a for a in all_argv(plan) if "hatui-inflight-" not in " ".join(a)]
    assert argv == [
        ("crm_resource", "-M", "-r", "sentinel", "-N", "vnode2", "-f"),
        ("crm_resource", "-U", "-r", "sentinel"),
    ]
    assert set(plan.steers) == {"cli-prefer-sentinel", "cli-standby-sentinel"}


async def test_the_1_0_ban_plans_name_what_they_write(tmp_path: Path) -> None:
    ctx = await seed_context(tmp_path, "pacemaker")
    here = plan_action(ctx, "ban_resource", "sentinel", "vnode1")
    assert here.steers == ("cli-standby-sentinel",)
    assert ("crm_resource", "-M", "-r", "sentinel") in all_argv(here)
    there = plan_action(ctx, "ban_resource", "sentinel", "vnode3")
    assert there.steers == ("cli-ban-sentinel-on-vnode3",)
    assert any(a[:2] == ("cibadmin", "-C") and "cli-ban-sentinel-on-vnode3" in a[-1] for a in all_argv(there))


def test_the_1_0_reads_are_read_only_and_nothing_more() -> None:
    from hatui.actions.readonly import is_read_only_argv

    for argv in (
        ("ptest", "-L", "-s"),
        ("ptest", "-X", "-s", "-VVV"),
        ("crm_resource", "-r", "vm1", "-a"),
        ("cibadmin", "-Q", "-o", "constraints"),
        ("sudo", "-n", "ptest", "-L", "-s"),
    ):
        assert is_read_only_argv(argv), argv
    for argv in (
        ("ptest", "-L", "-s", "-G", "/tmp/x"),
        ("crm_resource", "-r", "vm1", "-a", "-M"),
        ("crm_resource", "-r", "-M", "-a"),
        ("cibadmin", "-Q", "-o", "constraints", "-X", "x"),
        ("corosync-cfgtool", "-r"),
    ):
        assert not is_read_only_argv(argv), argv


async def test_an_unset_allow_migrate_on_1_0_9_reads_as_false(tmp_path: Path) -> None:
    from hatui.actions.move import allow_migrate

    b = bench(tmp_path, fast=False)
    # 1.0.9 answers "The object/attribute does not exist" with exit 234 for an unset meta attribute.
    assert await allow_migrate(b.transports["vnode1"], "sentinel", tools=RAW10, timeout=5) is False


def test_a_1_1_without_ban_moves_with_m_too() -> None:
    old11 = tools_for(StackInfo(pacemaker_version="1.1.7", crm_mon="as-xml"))
    assert old11.moves_by_m and not old11.v1_0
    assert cmd.ban("vm1", "n1", run_on="n1", tools=old11, runs_on=("n1",)).argv == (
        "crm_resource",
        "-M",
        "-r",
        "vm1",
    )
    assert cmd.clear("vm1", run_on="n1", tools=old11).argv == ("crm_resource", "-U", "-r", "vm1")
    assert not tools_for(StackInfo(pacemaker_version="1.1.20", crm_mon="as-xml")).moves_by_m


async def test_clear_on_1_0_unmigrates_and_removes_cli_ban_by_id(tmp_path: Path) -> None:
    from hatui.actions.commands_seed import ban_xml, standby_xml
    from hatui.parsers.constraints import parse_constraints

    ctx = await seed_context(tmp_path)
    left = parse_constraints(
        f"<constraints>{standby_xml('sentinel', 'vnode1')}{ban_xml('sentinel', 'vnode3')}</constraints>"
    )
    reports = tuple(replace(r, constraints=(*(r.constraints or ()), *left)) for r in ctx.view.reports)
    ctx = ActionContext(replace(ctx.view, reports=reports), ctx.cluster)
    plan = plan_action(ctx, "clear_resource", "sentinel")
    assert all_argv(plan) == [
        ("crm", "resource", "unmigrate", "sentinel"),
        ("cibadmin", "-D", "-o", "constraints", "-X", '<rsc_location id="cli-ban-sentinel-on-vnode3"/>'),
    ]


async def test_a_1_0_move_is_refused_when_the_dc_does_not_answer(tmp_path: Path) -> None:
    """-M -f is cib_scope_local: run on a node that is not the DC, it changes nothing anywhere."""
    ctx = await seed_context(tmp_path)
    assert ctx.view.pacemaker is not None
    dc = ctx.view.pacemaker.dc
    assert dc is not None
    down = "connection refused"
    reports = tuple(r if r.node != dc else replace(r, unreachable=down) for r in ctx.view.reports)
    view = replace(ctx.view, reports=reports)
    assert view.pacemaker_source is not None and view.pacemaker_source.node != dc
    target = next(n for n in ("vnode2", "vnode3") if n != dc)
    with pytest.raises(ActionRefused, match=f"only works on the DC, {dc}"):
        plan_action(ActionContext(view, ctx.cluster), "move_resource", "sentinel", target)
