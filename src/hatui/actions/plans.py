"""Provides ``ActionContext`` and the plans of the node, cluster and resource actions.

Every builder checks the safety preconditions first (hard refusals raise ``ActionRefused``,
overridable ones become the plan's ``concerns``), then picks the node to run on and the commands
for that node's stack, and says what to wait for. Pacemaker commands run on the node whose picture
hatui trusts (the DC when it answers): any member can change the CIB, and that one sees it first.
"""

from __future__ import annotations

from dataclasses import dataclass

from hatui.actions import commands as cmd
from hatui.actions import safety, settle
from hatui.actions.commands import Danger, Tools
from hatui.actions.marking import mark
from hatui.actions.plan import Concern, Phase, Plan, Verdict, Wait
from hatui.config import ClusterConfig
from hatui.errors import ActionRefused
from hatui.model.capture import StackInfo
from hatui.model.pacemaker import ClusterStatus
from hatui.model.view import ClusterView
from hatui.model.vms import disk_names_for, is_vm_resource

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


def _moved_verdict(node: str, before: list[str], done: str) -> Verdict:
    def verdict(view: ClusterView) -> tuple[bool, str]:
        status = view.pacemaker
        if status is None:
            return False, f"{done}, but no Pacemaker picture to confirm where resources went"
        moved: list[str] = []
        stopped: list[str] = []
        for rid in before:
            where = settle.active_nodes(status, rid)
            (moved if where else stopped).append(f"{rid} → {', '.join(where)}" if where else rid)
        text = done + (f"; moved: {', '.join(moved)}" if moved else "")
        if stopped:
            return False, f"{text}; STOPPED (no node could take them): {', '.join(stopped)}"
        return True, text

    return verdict


def plan_node(ctx: ActionContext, action: str, node: str) -> Plan:
    """``standby``, ``online``, ``node_maintenance_on`` or ``node_maintenance_off`` of ``node``."""
    status, run_on, concerns = pacemaker_start(ctx, node)
    pn = safety.pcmk_node(status, node)
    tools = ctx.tools(run_on)
    verdict: Verdict | None = None
    if action == "standby":
        if pn.standby:
            raise ActionRefused(f"{node} is already in standby")
        breaks = safety.standby_concerns(ctx.view, status, node, _vm_disks(ctx.view, status, node))
        concerns += breaks
        before = [
            r.id for r in status.resources if node in r.nodes and r.clone is None and r.active is not False
        ]
        # What has no good copy elsewhere will stop, not move: do not wait for it to run elsewhere.
        stops = {c.subject for c in breaks if c.code == "drbd"}
        emptied = settle.all_of(
            settle.node_flag(node, "standby", True),
            *(settle.resource_not_on(rid, node, elsewhere=True) for rid in before if rid not in stops),
        )
        command = cmd.node_standby(node, True, run_on=run_on, tools=tools)
        wait = Wait(f"{node} in standby, its resources running elsewhere", emptied, VM_TIMEOUT_S)
        title, done = f"Put node {node} in standby?", f"{node} is in standby"
        verdict = _moved_verdict(node, before, done)
    elif action == "online":
        if not pn.standby:
            raise ActionRefused(f"{node} is not in standby")
        command = cmd.node_standby(node, False, run_on=run_on, tools=tools)
        wait = Wait(f"{node} out of standby", settle.node_flag(node, "standby", False), 60.0)
        title, done = f"Bring node {node} back online (standby off)?", f"{node} is online"
    elif action in ("node_maintenance_on", "node_maintenance_off"):
        on = action.endswith("_on")
        if bool(pn.maintenance) == on:
            raise ActionRefused(f"{node} is {'already' if on else 'not'} in maintenance")
        command = cmd.node_maintenance(node, on, run_on=run_on, tools=tools)
        wait = Wait(
            f"{node} maintenance {'on' if on else 'off'}", settle.node_flag(node, "maintenance", on), 60.0
        )
        title = f"Put node {node} in maintenance?" if on else f"Take node {node} out of maintenance?"
        done = f"{node} is {'in' if on else 'out of'} maintenance"
    else:
        raise ValueError(f"not a node action: {action}")
    return Plan(
        action,
        title,
        node,
        "node",
        (Phase(command.summary, (command,), (wait,)),),
        concerns=tuple(concerns),
        verdict=verdict,
        done=done,
    )


def plan_cluster(ctx: ActionContext, action: str) -> Plan:
    """``cluster_maintenance`` (toggles, the title says which way) or ``cleanup_all``."""
    status, run_on, concerns = pacemaker_start(ctx)
    tools = ctx.tools(run_on)
    if action == "cluster_maintenance":
        on = not status.maintenance_mode
        command = cmd.cluster_maintenance(on, run_on=run_on, tools=tools)
        wait = Wait(f"maintenance-mode {'on' if on else 'off'}", settle.cluster_maintenance(on), 60.0)
        title = (
            "Put the WHOLE cluster in maintenance mode?"
            if on
            else "Take the cluster out of maintenance mode?"
        )
        done = f"maintenance-mode is {'on: nothing is managed' if on else 'off'}"
        notes: tuple[str, ...] = (
            ("While it is on, Pacemaker neither starts, stops nor recovers anything.",) if on else ()
        )
        return Plan(
            action,
            title,
            "cluster",
            "cluster",
            (Phase(command.summary, (command,), (wait,)),),
            concerns=tuple(concerns),
            done=done,
            notes=notes,
        )
    if action == "cleanup_all":
        command = cmd.cleanup(None, run_on=run_on, tools=tools)
        wait = Wait("no failure left", settle.no_failures(None), 60.0)
        return Plan(
            action,
            "Clean up every failure in the cluster?",
            "cluster",
            "cluster",
            (Phase(command.summary, (command,), (wait,)),),
            concerns=tuple(concerns),
            done="every failure cleared",
            notes=("Pacemaker re-probes the cleaned resources and may start or move them.",),
        )
    raise ValueError(f"not a cluster action: {action}")


def plan_resource(ctx: ActionContext, action: str, resource: str, node: str | None = None) -> Plan:
    """Start, stop, restart, ban (from ``node``), clear, cleanup or why of ``resource``."""
    if action == "why_resource":
        return plan_why(ctx, resource)
    status, run_on, concerns = pacemaker_start(ctx, *([node] if node else []))
    instances = safety.resource(status, resource)
    tools = ctx.tools(run_on)
    vm = is_vm_resource(instances[0])
    timeout = VM_TIMEOUT_S if vm else RESOURCE_TIMEOUT_S
    where = settle.active_nodes(status, resource)
    kind = "vm" if vm else "resource"
    phases: tuple[Phase, ...]
    confirm: str | None = None
    leftovers: str | None = None
    steers: tuple[str, ...] = ()
    marked = False
    if action == "start_resource":
        if where and (instances[0].target_role or "Started").lower() not in ("stopped", "disabled"):
            raise ActionRefused(f"{resource} already runs on {', '.join(where)}")
        c = cmd.target_role(resource, True, run_on=run_on, tools=tools, danger=Danger.CHANGE)
        phases = (
            Phase(
                c.summary, (c,), (Wait(f"{resource} running", settle.resource_started(resource), timeout),)
            ),
        )
        title, done = f"Start {kind} {resource}?", f"{resource} runs"
    elif action == "stop_resource":
        danger = Danger.DESTRUCTIVE if vm else Danger.CHANGE
        c = cmd.target_role(resource, False, run_on=run_on, tools=tools, danger=danger)
        phases = (
            Phase(
                c.summary, (c,), (Wait(f"{resource} stopped", settle.resource_stopped(resource), timeout),)
            ),
        )
        title, done = (
            f"STOP {kind} {resource}{' (on ' + ', '.join(where) + ')' if where else ''}?",
            f"{resource} is stopped",
        )
        confirm = resource if vm else None
    elif action == "restart_resource":
        if not where:
            raise ActionRefused(f"{resource} is not running: start it instead")
        stop = cmd.target_role(resource, False, run_on=run_on, tools=tools, danger=Danger.CHANGE)
        start = cmd.target_role(resource, True, run_on=run_on, tools=tools, danger=Danger.CHANGE)
        phases = (
            Phase(
                stop.summary,
                (stop,),
                (Wait(f"{resource} stopped", settle.resource_stopped(resource), timeout),),
            ),
            Phase(
                start.summary,
                (start,),
                (Wait(f"{resource} running", settle.resource_started(resource), timeout),),
            ),
        )
        title, done = f"Restart {kind} {resource} (stop, then start)?", f"{resource} restarted"
    elif action == "ban_resource":
        if node is None:
            raise ActionRefused("ban needs a node")
        safety.pcmk_node(status, node)
        safety.not_in_flight(ctx.view, resource)
        c = cmd.ban(resource, node, run_on=run_on, tools=tools)
        check = settle.resource_not_on(resource, node, elsewhere=node in where and len(where) == 1)
        phases = (Phase(c.summary, (c,), (Wait(f"{resource} off {node}", check, timeout),)),)
        title, done = f"Ban {kind} {resource} from {node}?", f"{resource} is banned from {node}"
        steers, marked = (f"cli-ban-{resource}-on-{node}",), True
    elif action == "clear_resource":
        safety.not_in_flight(ctx.view, resource)
        mine = [k for k in ctx.view.constraints if k.resource == resource and k.leftover_kind]
        left = [k.id for k in mine]
        if not left:
            raise ActionRefused(f"{resource} has no cli-prefer/cli-ban constraint to clear")
        # A marker left by a hatui that died mid-action: crm_resource --clear does not know it.
        clears = (
            *(
                (cmd.clear(resource, run_on=run_on, tools=tools),)
                if any(k.leftover_kind in settle.STEERING for k in mine)
                else ()
            ),
            *(
                cmd.marker_remove(k.id, run_on=run_on, tools=tools)
                for k in mine
                if k.leftover_kind == "marker"
            ),
        )
        gone = settle.all_of(settle.no_leftovers(resource), settle.no_markers(resource))
        phases = (Phase(clears[0].summary, clears, (Wait("constraints gone", gone, 60.0),)),)
        title, done = f"Clear {', '.join(left)}?", f"constraints of {resource} cleared"
        leftovers = resource
    elif action == "cleanup_resource":
        c = cmd.cleanup(resource, run_on=run_on, tools=tools)
        phases = (
            Phase(c.summary, (c,), (Wait(f"no failure of {resource}", settle.no_failures(resource), 60.0),)),
        )
        title, done = f"Clean up the failures of {resource}?", f"failures of {resource} cleared"
    else:
        raise ValueError(f"not a resource action: {action}")
    plan = Plan(
        action,
        title,
        resource,
        kind,
        phases,
        confirm_name=confirm,
        concerns=tuple(concerns),
        leftovers_of=leftovers,
        done=done,
        steers=steers,
        moves=(resource,) if marked else (),
    )
    return mark(plan, resource=resource, now=ctx.view.generated_at) if marked else plan


def plan_why(ctx: ActionContext, resource: str) -> Plan:
    """``crm_resource --why``: read-only, so allowed in read-only operator mode (not in monitor mode)."""
    if ctx.monitor:
        safety.refuse_read_only(read_only=True, monitor=True)
    run_on = ctx.pcmk_run_node()
    c = cmd.why(resource, run_on=run_on, tools=ctx.tools(run_on))
    return Plan(
        "why_resource",
        f"Why is {resource} (not) running?",
        resource,
        "resource",
        (Phase(c.summary, (c,)),),
        pacemaker=False,
        done="answered",
    )
