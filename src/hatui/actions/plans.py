"""Provides ``ActionContext``, ``Planner`` and the plans of the node and cluster actions (and why).

Every builder checks the safety preconditions first (hard refusals raise ``ActionRefused``,
overridable ones become the plan's ``concerns``), then picks the node to run on and the commands
for that node's stack, and says what to wait for. Pacemaker commands run on the node whose picture
hatui trusts (the DC when it answers): any member can change the CIB, and that one sees it first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from hatui.actions import commands as cmd
from hatui.actions import safety, settle
from hatui.actions.commands import Tools
from hatui.actions.placement import placement
from hatui.actions.plan import Concern, Phase, Plan, Request, Verdict, Wait
from hatui.actions.why import why_commands
from hatui.config import ClusterConfig
from hatui.errors import ActionRefused
from hatui.model.capture import StackInfo
from hatui.model.events import ClusterEvent
from hatui.model.pacemaker import ClusterStatus
from hatui.model.view import ClusterView
from hatui.model.vms import disk_names_for, is_vm_resource

#: Builds the plan of one catalog action from the last view and the request.
Planner = Callable[["ActionContext", Request], Plan]

#: Seconds to wait for a VM to stop or start (Xen's agent waits shutdown_timeout before destroy).
VM_TIMEOUT_S = 300.0
RESOURCE_TIMEOUT_S = 120.0


@dataclass(frozen=True, slots=True)
class ActionContext:
    """What a plan is built from: the cluster as last seen, its config and the console's mode."""

    view: ClusterView
    cluster: ClusterConfig
    read_only: bool = False
    monitor: bool = False
    history: tuple[ClusterEvent, ...] = ()
    """The session's events, oldest first (a split-brain's story is told by them)."""
    ended_markers: frozenset[str] = frozenset()
    """In-flight markers of actions this process has ended (an older constraints poll still has them)."""

    def tools(self, node: str) -> Tools:
        """The builders' view of what ``node`` runs (from its last detected stack)."""
        rep = self.view.report(node)
        cfg = next((n for n in self.cluster.nodes if n.name == node), None)
        stack = rep.stack if rep is not None else StackInfo()
        return cmd.tools_for(stack, shell=self.cluster.shell, sudo=bool(cfg and cfg.sudo))

    def pcmk_run_node(self) -> str:
        """The node Pacemaker commands run on: the one whose picture is used, if it answers."""
        src = self.view.pacemaker_source
        if src is None:
            raise ActionRefused("no reachable node gave a Pacemaker picture: nowhere to run the command")
        return src.node

    def guard_write(self) -> None:
        """Refuses any change in monitor or read-only mode."""
        safety.refuse_read_only(read_only=self.read_only, monitor=self.monitor)


def pacemaker_start(ctx: ActionContext, *nodes: str) -> tuple[ClusterStatus, str, list[Concern]]:
    """Mode, picture, quorum; then the run node and the concerns about the nodes involved."""
    ctx.guard_write()
    status = safety.pacemaker_status(ctx.view)
    run_on = ctx.pcmk_run_node()
    return status, run_on, safety.cluster_concerns(ctx.view, [run_on, *nodes])


def _vm_disks(view: ClusterView, status: ClusterStatus, node: str) -> dict[str, tuple[str, ...]]:
    out = {}
    for r in status.resources:
        if node in r.nodes and r.active is not False and is_vm_resource(r):
            out[r.id] = disk_names_for(view, r.id)
    return out


def _moved_verdict(node: str, before: list[str], done: str, expected: frozenset[str]) -> Verdict:
    """Where ``before`` went; a stop the plan predicted (``expected``) is the outcome, not a failure."""

    def verdict(view: ClusterView) -> tuple[bool, str]:
        status = view.pacemaker
        if status is None:
            return False, f"{done}, but no Pacemaker picture to confirm where resources went"
        moved: list[str] = []
        predicted: list[str] = []
        stopped: list[str] = []
        for rid in before:
            where = settle.active_nodes(status, rid)
            if where:
                moved.append(f"{rid} → {', '.join(where)}")
            else:
                (predicted if rid in expected else stopped).append(rid)
        text = done + (f"; moved: {', '.join(moved)}" if moved else "")
        text += f"; stopped as predicted: {', '.join(predicted)}" if predicted else ""
        if stopped:
            return False, f"{text}; STOPPED (no node could take them): {', '.join(stopped)}"
        return True, text

    return verdict


def standby_stops(ctx: ActionContext, node: str, before: list[str]) -> dict[str, str]:
    """The resources of ``node`` that no other node may run (placement rules): they will stop."""
    out = {}
    for rid in before:
        others = [p for p in placement(ctx.view, rid) if p.node != node]
        if others and all(p.reason is not None for p in others):
            out[rid] = others[0].reason or ""
    return out


def _node_plan(
    ctx: ActionContext,
    req: Request,
    node: str,
    command: cmd.Command,
    wait: Wait,
    title: str,
    done: str,
    *,
    concerns: list[Concern],
    verdict: Verdict | None = None,
) -> Plan:
    return Plan(
        req.action,
        title,
        node,
        "node",
        (Phase(command.summary, (command,), (wait,)),),
        concerns=tuple(concerns),
        verdict=verdict,
        done=done,
    )


def plan_standby(ctx: ActionContext, req: Request) -> Plan:
    """Standby of a node: waits until its resources run elsewhere, or stop where that is foreseen."""
    return standby_plan(ctx, req)


def standby_plan(ctx: ActionContext, req: Request, also_stops: frozenset[str] = frozenset()) -> Plan:
    """The standby of ``req.name``; ``also_stops``: more resources the preview predicts will stop.

    What is predicted to stop (no UpToDate copy elsewhere, no other node allowed, or the preview
    says so) is waited for as stopped, is a success when it stops, and is a concern to override.
    """
    node = req.name
    status, run_on, concerns = pacemaker_start(ctx, node)
    if safety.pcmk_node(status, node).standby:
        raise ActionRefused(f"{node} is already in standby")
    breaks = safety.standby_concerns(ctx.view, status, node, _vm_disks(ctx.view, status, node))
    concerns += breaks
    before = [r.id for r in status.resources if node in r.nodes and r.clone is None and r.active is not False]
    stops = {c.subject for c in breaks if c.code == "drbd" and c.subject}
    placed = standby_stops(ctx, node, before)
    more = [r for r in before if r not in stops and (r in placed or r in also_stops)]
    if more:
        vms = [r.id for r in status.resources if r.id in more and is_vm_resource(r)]
        what = f"{len(vms)} VM{'s' if len(vms) != 1 else ''}" if len(vms) == len(more) else "resources"
        why = f" ({placed[more[0]]})" if more[0] in placed else " (the preview says so)"
        concerns.append(Concern("stop", f"{what} will STOP: {', '.join(more)}{why}", more[0]))
    expected = frozenset(stops | set(more))
    emptied = settle.all_of(
        settle.node_flag(node, "standby", True),
        *(settle.resource_not_on(rid, node, elsewhere=rid not in expected) for rid in before),
    )
    command = cmd.node_standby(node, True, run_on=run_on, tools=ctx.tools(run_on))
    elsewhere = "its resources running elsewhere" + (
        f" ({', '.join(r for r in before if r in expected)} stopped)" if expected else ""
    )
    wait = Wait(f"{node} in standby, {elsewhere}", emptied, VM_TIMEOUT_S)
    done = f"{node} is in standby"
    verdict = _moved_verdict(node, before, done, expected)
    title = f"Put node {node} in standby?"
    plan = _node_plan(ctx, req, node, command, wait, title, done, concerns=concerns, verdict=verdict)
    return replace(plan, meta={**plan.meta, "stops": ",".join(r for r in before if r in expected)})


def plan_online(ctx: ActionContext, req: Request) -> Plan:
    """Takes a node out of standby."""
    node = req.name
    status, run_on, concerns = pacemaker_start(ctx, node)
    if not safety.pcmk_node(status, node).standby:
        raise ActionRefused(f"{node} is not in standby")
    command = cmd.node_standby(node, False, run_on=run_on, tools=ctx.tools(run_on))
    wait = Wait(f"{node} out of standby", settle.node_flag(node, "standby", False), 60.0)
    title, done = f"Bring node {node} back online (standby off)?", f"{node} is online"
    return _node_plan(ctx, req, node, command, wait, title, done, concerns=concerns)


def node_maintenance(on: bool) -> Planner:
    """The planner of a node's maintenance on (``on``) or off."""

    def planner(ctx: ActionContext, req: Request) -> Plan:
        node = req.name
        status, run_on, concerns = pacemaker_start(ctx, node)
        if bool(safety.pcmk_node(status, node).maintenance) == on:
            raise ActionRefused(f"{node} is {'already' if on else 'not'} in maintenance")
        command = cmd.node_maintenance(node, on, run_on=run_on, tools=ctx.tools(run_on))
        check = settle.node_flag(node, "maintenance", on)
        wait = Wait(f"{node} maintenance {'on' if on else 'off'}", check, 60.0)
        title = f"Put node {node} in maintenance?" if on else f"Take node {node} out of maintenance?"
        done = f"{node} is {'in' if on else 'out of'} maintenance"
        return _node_plan(ctx, req, node, command, wait, title, done, concerns=concerns)

    return planner


def plan_cluster_maintenance(ctx: ActionContext, req: Request) -> Plan:
    """Toggles ``maintenance-mode`` (the title says which way)."""
    status, run_on, concerns = pacemaker_start(ctx)
    on = not status.maintenance_mode
    command = cmd.cluster_maintenance(on, run_on=run_on, tools=ctx.tools(run_on))
    wait = Wait(f"maintenance-mode {'on' if on else 'off'}", settle.cluster_maintenance(on), 60.0)
    title = (
        "Put the WHOLE cluster in maintenance mode?" if on else "Take the cluster out of maintenance mode?"
    )
    notes = ("While it is on, Pacemaker neither starts, stops nor recovers anything.",) if on else ()
    return Plan(
        req.action,
        title,
        "cluster",
        "cluster",
        (Phase(command.summary, (command,), (wait,)),),
        concerns=tuple(concerns),
        done=f"maintenance-mode is {'on: nothing is managed' if on else 'off'}",
        notes=notes,
    )


def failed_resources(status: ClusterStatus) -> list[str]:
    """Every resource with a failed action or a fail-count, in the order crm_mon shows them."""
    out: list[str] = []
    for rid in [f.resource for f in status.failed_actions] + [
        h.resource for h in status.history if h.fail_count
    ]:
        base = rid.split(":", 1)[0]  # a clone instance (drbd_r0:1) is cleaned up by its clone's name
        if base and base not in out:
            out.append(base)
    return out


def plan_cleanup_all(ctx: ActionContext, req: Request) -> Plan:
    """Clears every failure and fail-count in the cluster (Pacemaker 1.0: one cleanup per failed resource)."""
    status, run_on, concerns = pacemaker_start(ctx)
    tools = ctx.tools(run_on)
    if tools.v1_0:
        failed = failed_resources(status)
        if not failed:
            raise ActionRefused("no failure to clean up")
        commands = tuple(cmd.cleanup(rid, run_on=run_on, tools=tools) for rid in failed)
    else:
        commands = (cmd.cleanup(None, run_on=run_on, tools=tools),)
    wait = Wait("no failure left", settle.no_failures(None), 60.0)
    return Plan(
        req.action,
        "Clean up every failure in the cluster?",
        "cluster",
        "cluster",
        (Phase("clean up every failure in the cluster", commands, (wait,)),),
        concerns=tuple(concerns),
        done="every failure cleared",
        notes=("Pacemaker re-probes the cleaned resources and may start or move them.",),
    )


def plan_why(ctx: ActionContext, req: Request) -> Plan:
    """Why a resource runs where it does: read-only, so allowed in read-only operator mode (not in
    monitor mode). ``crm_resource --why`` where it exists, Pacemaker 1.0's scores and constraints
    elsewhere (``hatui.actions.why``)."""
    if ctx.monitor:
        safety.refuse_read_only(read_only=True, monitor=True)
    resource = req.name
    run_on = ctx.pcmk_run_node()
    commands = why_commands(resource, run_on=run_on, tools=ctx.tools(run_on))
    label = commands[0].summary if len(commands) == 1 else f"read the scores and constraints of {resource}"
    return Plan(
        req.action,
        f"Why is {resource} (not) running?",
        resource,
        "resource",
        (Phase(label, commands),),
        pacemaker=False,
        done="answered",
    )
