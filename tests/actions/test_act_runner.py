"""The runner against the demo cluster: actions end in the state they promise, and refusals hold."""

from __future__ import annotations

import dataclasses
import json
import shlex
from pathlib import Path

import pytest
from actions_support import Bench, bench

from hatui.actions.catalog import plan_action
from hatui.actions.commands import Command, Danger, Tools, ban, marker_xml
from hatui.actions.move import plan_move
from hatui.actions.plan import Phase, Plan
from hatui.actions.runner import Runner, is_read_only_argv
from hatui.actions.settle import active_nodes
from hatui.actions.splitbrain import assess, plan_recovery
from hatui.errors import ActionRefused
from hatui.model.view import ClusterView
from hatui.model.words import DiskState, DrbdRole


def layers(view: ClusterView, vm: str) -> tuple[list[str], list[str], dict[str, set[str]]]:
    """(Pacemaker nodes, nodes running the domain, DRBD role per node for the VM's disks)."""
    assert view.pacemaker is not None
    doms = sorted(d.node for d in view.domains if d.domain.name == vm and d.domain.is_active)
    roles: dict[str, set[str]] = {}
    for d in view.drbd:
        if d.resource in (f"{vm}-root", f"{vm}-swap"):
            roles.setdefault(d.node, set()).add(d.device.role_raw)
    return active_nodes(view.pacemaker, vm), doms, roles


def leftovers(view: ClusterView) -> list[str]:
    return [k.id for k in view.constraints if k.leftover_kind]


def audit(b: Bench) -> list[dict[str, object]]:
    return [json.loads(line) for line in b.audit_path.read_text().splitlines()]


async def test_failover_under_stickiness_infinity_ends_on_the_target_with_no_cli_constraint(
    tmp_path: Path,
) -> None:
    b = bench(tmp_path, generation="modern")
    plan = plan_move(await b.context(), "sentinel", "vnode2")
    assert plan.marker is not None
    assert [c.line for c in plan.commands] == [
        "cibadmin -C -o constraints -X " + shlex.quote(marker_xml(plan.marker, "sentinel")),
        "crm_resource --move -r sentinel -N vnode2",
        "crm_resource --ban -r sentinel -N vnode1",
        "crm_resource --clear -r sentinel",
        "cibadmin -D -o constraints -X " + shlex.quote(f'<rsc_location id="{plan.marker}"/>'),
    ]
    progress: list[str] = []
    result = await b.runner.run(plan, progress.append)
    assert result.ok, result.outcome
    assert result.outcome == "sentinel runs on vnode2; no cli- constraint left"
    assert result.left == ()
    view = await b.view()
    assert layers(view, "sentinel") == (
        ["vnode2"],
        ["vnode2"],
        {"vnode1": {"Secondary"}, "vnode2": {"Primary"}},
    )
    assert leftovers(view) == []
    assert any(p.startswith("waiting") and "Pacemaker says" in p for p in progress)
    start, end = audit(b)
    assert (start["event"], start["who"], start["cluster"], start["action"]) == (
        "start",
        "tester",
        "demo",
        "move_resource",
    )
    assert start["commands"][1] == {
        "node": "vnode1",
        "argv": ["crm_resource", "--move", "-r", "sentinel", "-N", "vnode2"],
    }  # type: ignore[index]
    # The marker went in first and came out last (re-stamped when the run started).
    assert start["commands"][0]["argv"][:2] == ["cibadmin", "-C"]  # type: ignore[index]
    assert start["commands"][-1]["argv"][:2] == ["cibadmin", "-D"]  # type: ignore[index]
    assert (end["event"], end["ok"], end["id"]) == ("end", True, start["id"])
    assert [r["exit_status"] for r in end["results"]] == [0, 0, 0, 0, 0]  # type: ignore[union-attr]


async def test_a_failed_move_says_exactly_what_it_left(tmp_path: Path) -> None:
    b = bench(tmp_path, generation="modern", fast=False)  # demo time frozen: nothing will move
    plan = plan_move(await b.context(), "sentinel", "vnode2")
    first = plan.phases[0]
    quick = dataclasses.replace(
        first, waits=tuple(dataclasses.replace(w, timeout_s=0.05) for w in first.waits)
    )
    result = await b.runner.run(dataclasses.replace(plan, phases=(quick, plan.phases[1])))
    assert not result.ok
    assert result.outcome.startswith("timed out after 0.05s waiting for sentinel running on vnode2")
    assert result.left == ("cli-prefer-sentinel", "cli-ban-sentinel-on-vnode1")
    assert result.outcome.endswith("left in the CIB: cli-prefer-sentinel, cli-ban-sentinel-on-vnode1")
    assert audit(b)[-1]["left"] == ["cli-prefer-sentinel", "cli-ban-sentinel-on-vnode1"]


async def test_standby_moves_the_vms_away_and_reports_where(tmp_path: Path) -> None:
    b = bench(tmp_path, advance=900)
    plan = plan_action(await b.context(), "standby", "vnode1")
    assert plan.concerns == ()
    result = await b.runner.run(plan)
    assert result.ok, result.outcome
    assert result.outcome.startswith("vnode1 is in standby; moved: sentinel → vnode2, mail → vnode2")
    view = await b.view()
    for vm in ("sentinel", "mail", "www", "dns", "ldap"):
        assert layers(view, vm)[:2] == (["vnode2"], ["vnode2"])
    assert view.pacemaker is not None and view.pacemaker.node("vnode1").standby  # type: ignore[union-attr]
    online = await b.runner.run(plan_action(await b.context(), "online", "vnode1"))
    assert online.ok and online.outcome == "vnode1 is online"


async def test_standby_outcome_names_the_vm_that_stopped(tmp_path: Path) -> None:
    b = bench(tmp_path)
    plan = plan_action(await b.context(), "standby", "vnode1")
    assert plan.concerns[0].message.startswith("mail would stop")
    result = await b.runner.run(plan.override())
    # The stop was predicted and overridden: it is the outcome, named, not a failure.
    assert result.ok, result.outcome
    assert "stopped as predicted: mail" in result.outcome


async def test_a_read_only_runner_refuses_writes_even_when_the_ui_is_bypassed(tmp_path: Path) -> None:
    b = bench(tmp_path, generation="modern", mode="read-only")
    # A plan built as if the cluster were writable, and a forged one that labels a ban as a read.
    writable = plan_move(await b.context(), "sentinel", "vnode2")
    forged_cmd = dataclasses.replace(
        ban("sentinel", "vnode1", run_on="vnode1", tools=Tools()), danger=Danger.READ
    )
    forged = Plan(
        "why_resource", "why?", "sentinel", "resource", (Phase("read", (forged_cmd,)),), pacemaker=False
    )
    for plan in (writable, forged):
        with pytest.raises(
            ActionRefused, match="cluster demo is read-only: refusing to run (crm_resource|cibadmin -C)"
        ):
            await b.runner.run(plan)
    assert b.writes() == [], "nothing reached a node"
    assert [r["event"] for r in audit(b)] == ["refused", "refused"]
    # Reading stays possible in a read-only cluster.
    why = await b.runner.run(plan_action(await b.context(), "why_resource", "sentinel"))
    assert b.writes() == [("vnode1", ("crm_resource", "--why", "-r", "sentinel"))]
    assert why.plan.action == "why_resource"


async def test_monitor_mode_runs_nothing_at_all(tmp_path: Path) -> None:
    b = bench(tmp_path, monitor=True)
    ctx = await b.context()
    monitor_runner = Runner(b.cluster, b.transports, b.observer, monitor=True, audit=b.runner.audit)  # type: ignore[arg-type]
    with pytest.raises(ActionRefused, match="monitor mode runs no actions"):
        await monitor_runner.run(
            plan_action(dataclasses.replace(ctx, monitor=False), "why_resource", "sentinel")
        )
    assert b.writes() == []


READ_ONLY_ALLOWED = [
    ("crm_resource", "--why", "-r", "x"),
    ("sudo", "-n", "crm_resource", "--why", "-r", "vm#1"),
    ("sudo", "-n", "cibadmin", "-Q", "--scope", "constraints"),
    ("cibadmin", "-Q"),
    ("crm_resource", "-r", "vm1", "--meta", "-g", "allow-migrate"),
    ("xm", "info"),
    ("xl", "info"),
    ("virsh", "nodememstats"),
    ("crm_mon", "-1", "-r", "-f"),
    ("cat", "/proc/drbd"),
]
READ_ONLY_REFUSED = [
    ("crm_resource", "--why", "-r", "R", "--meta", "-p", "target-role", "-v", "Stopped"),
    ("crm_resource", "--why", "-r", "-D"),
    ("crm_resource", "--why", "-r"),
    ("crm_resource", "--why"),
    ("crm_resource", "-r", "vm1", "--meta", "-g", "x", "-p", "y"),
    ("crm_resource", "-r", "vm1", "--meta", "-g", "--delete"),
    ("crm_resource", "--locate", "-r", "vm1", "--cleanup"),
    ("cibadmin", "-Q", "-B"),
    ("cibadmin", "-Q", "-D", "--xpath", "//x"),
    ("cibadmin", "-Q", "--scope", "constraints", "-o", "x"),
    ("cibadmin", "--query", "--replace"),
    ("crm_mon", "--output-to=/etc/passwd"),
    ("crm_mon", "-1", "--output-to", "/etc/passwd"),
    ("crm_mon", "-1", "-r", "-f", "--output-to=/root/.bashrc"),
    ("crm_mon",),
    ("crm_attribute", "-n", "maintenance-mode", "-G"),
    ("drbdadm", "connect", "r0"),
    ("drbdadm", "status", "--", "--discard-my-data", "connect", "r0"),
    ("cat", "/proc/drbd", "/etc/shadow"),
    ("sudo", "crm_resource", "--why", "-r", "x"),
    ("sudo", "-n"),
    (),
]


@pytest.mark.parametrize("argv", READ_ONLY_ALLOWED)
def test_known_read_commands_pass_the_read_only_filter(argv: tuple[str, ...]) -> None:
    assert is_read_only_argv(argv)


@pytest.mark.parametrize("argv", READ_ONLY_REFUSED)
def test_anything_but_a_known_read_command_word_for_word_is_refused(argv: tuple[str, ...]) -> None:
    assert not is_read_only_argv(argv)


def test_every_read_command_hatui_builds_passes_the_filter() -> None:
    from hatui.actions.commands import get_meta, query_cib, query_constraints, why
    from hatui.actions.commands_drbd import vm_free_memory
    from hatui.model.capture import StackInfo
    from hatui.sources.commands import commands_for

    sudo = Tools(sudo=True)
    built = [
        why("vm-web", run_on="n1", tools=sudo).argv,
        get_meta("vm-web", "allow-migrate", run_on="n1", tools=Tools()).argv,
        query_constraints(run_on="n1", tools=sudo).argv,
        query_cib(run_on="n1", tools=Tools()).argv,
        *(vm_free_memory(node="n1", tools=Tools(vm=vm)).argv for vm in ("xm", "xl", "virsh")),
    ]
    storage = frozenset({"iscsiadm", "df"})
    stacks = [
        StackInfo(crm_mon=c, drbd=d, vm_tool=v, corosync_tools=True, lvm=lvm, tools=storage)
        for c, d, v, lvm in [
            ("output-as-xml", "8", "xl", "json"),
            ("as-xml", "9-json", "xm", "columns"),
            ("text", "9-drbdadm", "virsh", "json"),
        ]
    ]
    polls = [argv for stack in stacks for argv in commands_for(stack).values()]
    assert len(polls) == 39, "every source of every stack flavour"
    assert [argv for argv in [*built, *polls] if not is_read_only_argv(argv)] == []


async def test_a_read_only_runner_refuses_a_read_with_one_extra_word(tmp_path: Path) -> None:
    b = bench(tmp_path, mode="read-only")
    sneaky = Command(
        ("crm_resource", "--why", "-r", "sentinel", "--meta", "-p", "target-role", "-v", "Stopped"),
        "vnode1",
        Danger.READ,
        "ask why sentinel runs",
    )
    plan = Plan("why_resource", "why?", "sentinel", "resource", (Phase("read", (sneaky,)),), pacemaker=False)
    with pytest.raises(
        ActionRefused, match="read-only: refusing to run crm_resource --why -r sentinel --meta"
    ):
        await b.runner.run(plan)
    assert b.writes() == []


async def test_a_failing_command_stops_the_plan_and_says_why(tmp_path: Path) -> None:
    b = bench(tmp_path, generation="modern")
    bad = Command(("crm_resource", "--ban", "-r", "nosuch", "-N", "vnode1"), "vnode1", Danger.CHANGE, "ban")
    after = Command(("crm_resource", "--clear", "-r", "sentinel"), "vnode1", Danger.CHANGE, "clear")
    result = await b.runner.run(
        Plan("ban_resource", "x", "nosuch", "resource", (Phase("ban", (bad, after)),))
    )
    assert not result.ok
    assert result.outcome == (
        "`crm_resource --ban -r nosuch -N vnode1` on vnode1 exited 105: "
        "Error performing operation: No such object"
    )
    assert len(result.results) == 1, "the command after the failure did not run"


async def test_restart_and_cleanup(tmp_path: Path) -> None:
    b = bench(tmp_path, generation="modern")
    restart = await b.runner.run(plan_action(await b.context(), "restart_resource", "vconf"))
    assert restart.ok and restart.outcome == "vconf restarted"
    assert [c[1][-1] for c in b.writes()] == ["Stopped", "Started"]
    b.demo.inject("fail-monitor", "www")
    b.demo.advance(15)
    view = await b.view()
    assert view.fail_counts("www")
    clean = await b.runner.run(plan_action(await b.context(), "cleanup_resource", "www"))
    assert clean.ok, clean.outcome
    assert (await b.view()).fail_counts("www") == {}


async def test_stop_of_a_vm_needs_its_name_typed_and_ends_stopped(tmp_path: Path) -> None:
    b = bench(tmp_path)
    plan = plan_action(await b.context(), "stop_resource", "vconf")
    assert (plan.confirm_name, plan.danger) == ("vconf", Danger.DESTRUCTIVE)
    result = await b.runner.run(plan)
    assert result.ok and layers(await b.view(), "vconf")[:2] == ([], [])


async def test_drbd_disconnect_then_connect(tmp_path: Path) -> None:
    b = bench(tmp_path)
    off = await b.runner.run(plan_action(await b.context(), "drbd_disconnect", "ldap-swap", "vnode2"))
    assert off.ok, off.outcome
    assert b.writes()[-1] == ("vnode2", ("drbdadm", "disconnect", "ldap-swap"))
    on = await b.runner.run(plan_action(await b.context(), "drbd_connect", "ldap-swap", "vnode2"))
    assert on.ok, on.outcome


async def test_split_brain_recovery_end_to_end(tmp_path: Path) -> None:
    b = bench(tmp_path)
    b.demo.inject("split-brain", "dns-root")
    view = await b.view()
    sb = assess(view, "dns-root")
    assert sb.split and sb.suggested_victim == "vnode2"
    assert sb.reason == "VM dns runs on vnode1: its data is the live one"
    assert [s.connection for s in sb.sides] == ["StandAlone", "StandAlone"]
    plan = plan_recovery(await b.context(), "dns-root", "vnode2")
    assert plan.confirm_name == "dns-root"
    assert [(c.node, c.line) for c in plan.commands] == [
        ("vnode2", "drbdadm -- --discard-my-data connect dns-root"),
        ("vnode1", "drbdadm connect dns-root"),
    ]
    result = await b.runner.run(plan)
    assert result.ok, result.outcome
    assert result.outcome == "dns-root resynced from vnode1 to vnode2: UpToDate on both"
    for node, role in (("vnode1", DrbdRole.PRIMARY), ("vnode2", DrbdRole.SECONDARY)):
        [dev] = [d.device for d in (await b.view()).drbd if d.resource == "dns-root" and d.node == node]
        assert (dev.role, dev.disk, dev.peers[0].connection_raw) == (role, DiskState.UP_TO_DATE, "Connected")
