"""Provides the plans of the resource actions: start, stop, restart, ban, clear, cleanup and the
deletion of one node's fail-count.

Each planner checks its own preconditions (the catalog runs the shared ones first: read-only mode,
a quorate Pacemaker picture, no hatui action in flight on the resource), runs Pacemaker commands
on the node whose picture hatui trusts, and says what to wait for. A ban announces itself in the
CIB with the in-flight marker while it settles (``hatui.actions.marking``); the move and live
migration are in ``hatui.actions.move``.
"""

from __future__ import annotations

from dataclasses import dataclass

from hatui.actions import commands as cmd
from hatui.actions import safety, settle
from hatui.actions.commands import Danger, Tools
from hatui.actions.marking import mark
from hatui.actions.move import pin_remove
from hatui.actions.plan import Concern, Phase, Plan, Request, Wait
from hatui.actions.plans import RESOURCE_TIMEOUT_S, VM_TIMEOUT_S, ActionContext, pacemaker_start
from hatui.errors import ActionRefused
from hatui.model.pacemaker import ClusterStatus, PcmkResource, fail_count_text
from hatui.model.vms import is_vm_resource


@dataclass(frozen=True, slots=True)
class _Rsc:
    """What every resource planner starts from."""

    name: str
    status: ClusterStatus
    run_on: str
    concerns: list[Concern]
    first: PcmkResource
    tools: Tools
    where: list[str]

    @property
    def vm(self) -> bool:
        return is_vm_resource(self.first)

    @property
    def kind(self) -> str:
        return "vm" if self.vm else "resource"

    @property
    def timeout(self) -> float:
        return VM_TIMEOUT_S if self.vm else RESOURCE_TIMEOUT_S


def _start(ctx: ActionContext, req: Request) -> _Rsc:
    status, run_on, concerns = pacemaker_start(ctx, *([req.node] if req.node else []))
    instances = safety.resource(status, req.name)
    where = settle.active_nodes(status, req.name)
    return _Rsc(req.name, status, run_on, concerns, instances[0], ctx.tools(run_on), where)


def _plan(
    req: Request,
    r: _Rsc,
    phases: tuple[Phase, ...],
    title: str,
    done: str,
    *,
    confirm_name: str | None = None,
    leftovers_of: str | None = None,
    steers: tuple[str, ...] = (),
    moves: tuple[str, ...] = (),
) -> Plan:
    return Plan(
        req.action,
        title,
        r.name,
        r.kind,
        phases,
        confirm_name=confirm_name,
        concerns=tuple(r.concerns),
        leftovers_of=leftovers_of,
        done=done,
        steers=steers,
        moves=moves,
    )


def plan_start(ctx: ActionContext, req: Request) -> Plan:
    """``target-role=Started``; refused when it already runs (and is not meant to stop)."""
    r = _start(ctx, req)
    if r.where and (r.first.target_role or "Started").lower() not in ("stopped", "disabled"):
        raise ActionRefused(f"{r.name} already runs on {', '.join(r.where)}")
    c = cmd.target_role(r.name, True, run_on=r.run_on, tools=r.tools, danger=Danger.CHANGE)
    wait = Wait(f"{r.name} running", settle.resource_started(r.name), r.timeout)
    return _plan(req, r, (Phase(c.summary, (c,), (wait,)),), f"Start {r.kind} {r.name}?", f"{r.name} runs")


def plan_stop(ctx: ActionContext, req: Request) -> Plan:
    """``target-role=Stopped``: a VM's stop destroys its service, so its name must be typed."""
    r = _start(ctx, req)
    c = cmd.target_role(
        r.name, False, run_on=r.run_on, tools=r.tools, danger=Danger.DESTRUCTIVE if r.vm else Danger.CHANGE
    )
    wait = Wait(f"{r.name} stopped", settle.resource_stopped(r.name), r.timeout)
    on = f" (on {', '.join(r.where)})" if r.where else ""
    return _plan(
        req,
        r,
        (Phase(c.summary, (c,), (wait,)),),
        f"STOP {r.kind} {r.name}{on}?",
        f"{r.name} is stopped",
        confirm_name=r.name if r.vm else None,
    )


def plan_restart(ctx: ActionContext, req: Request) -> Plan:
    """Stop, wait until stopped, start, wait until running."""
    r = _start(ctx, req)
    if not r.where:
        raise ActionRefused(f"{r.name} is not running: start it instead")
    stop = cmd.target_role(r.name, False, run_on=r.run_on, tools=r.tools, danger=Danger.CHANGE)
    start = cmd.target_role(r.name, True, run_on=r.run_on, tools=r.tools, danger=Danger.CHANGE)
    phases = (
        Phase(
            stop.summary, (stop,), (Wait(f"{r.name} stopped", settle.resource_stopped(r.name), r.timeout),)
        ),
        Phase(
            start.summary, (start,), (Wait(f"{r.name} running", settle.resource_started(r.name), r.timeout),)
        ),
    )
    return _plan(req, r, phases, f"Restart {r.kind} {r.name} (stop, then start)?", f"{r.name} restarted")


def plan_ban(ctx: ActionContext, req: Request) -> Plan:
    """``cli-ban`` of the resource on ``req.node``; marked in flight until it has left the node."""
    if req.node is None:
        raise ActionRefused("ban needs a node")
    r = _start(ctx, req)
    node = req.node
    safety.pcmk_node(r.status, node)
    c = cmd.ban(r.name, node, run_on=r.run_on, tools=r.tools, runs_on=tuple(r.where))
    check = settle.resource_not_on(r.name, node, elsewhere=node in r.where and len(r.where) == 1)
    plan = _plan(
        req,
        r,
        (Phase(c.summary, (c,), (Wait(f"{r.name} off {node}", check, r.timeout),)),),
        f"Ban {r.kind} {r.name} from {node}?",
        f"{r.name} is banned from {node}",
        steers=(cmd.ban_id(r.name, node, tools=r.tools, runs_on=tuple(r.where)),),
        moves=(r.name,),
    )
    return mark(plan, resource=r.name, now=ctx.view.generated_at)


def plan_clear(ctx: ActionContext, req: Request) -> Plan:
    """Removes the ``cli-*`` constraints of the resource, a pinned move's pin, a marker a dead hatui left."""
    r = _start(ctx, req)
    mine = [k for k in ctx.view.constraints if k.resource == r.name and (k.leftover_kind or k.pinned_to)]
    if not mine:
        raise ActionRefused(f"{r.name} has no cli-prefer/cli-ban constraint or pin to clear")
    # crm_resource --clear knows neither hatui's marker nor its pins: they are removed by id. On
    # Pacemaker 1.0, -U removes cli-prefer-R and cli-standby-R only: a cli-ban-R-on-N goes by id too.
    steering = [k.id for k in mine if k.leftover_kind in settle.STEERING]
    by_id = [cid for cid in steering if r.tools.moves_by_m and cid.startswith("cli-ban-")]
    unmove = [cid for cid in steering if cid not in by_id]
    clears = (
        *((cmd.clear(r.name, run_on=r.run_on, tools=r.tools),) if unmove else ()),
        *(cmd.steer_remove(cid, run_on=r.run_on, tools=r.tools) for cid in by_id),
        *(
            cmd.marker_remove(k.id, run_on=r.run_on, tools=r.tools)
            for k in mine
            if k.leftover_kind == "marker"
        ),
        *(pin_remove(k.id, run_on=r.run_on, tools=r.tools) for k in mine if k.pinned_to),
    )
    gone = settle.all_of(settle.no_leftovers(r.name), settle.no_markers(r.name), settle.no_pins(r.name))
    return _plan(
        req,
        r,
        (Phase(clears[0].summary, clears, (Wait("constraints gone", gone, 60.0),)),),
        f"Clear {', '.join(k.id for k in mine)}?",
        f"constraints of {r.name} cleared",
        leftovers_of=r.name,
    )


def plan_cleanup(ctx: ActionContext, req: Request) -> Plan:
    """Clears the resource's failures and fail-counts."""
    r = _start(ctx, req)
    c = cmd.cleanup(r.name, run_on=r.run_on, tools=r.tools)
    wait = Wait(f"no failure of {r.name}", settle.no_failures(r.name), 60.0)
    return _plan(
        req,
        r,
        (Phase(c.summary, (c,), (wait,)),),
        f"Clean up the failures of {r.name}?",
        f"failures of {r.name} cleared",
    )


def plan_failcount_delete(ctx: ActionContext, req: Request) -> Plan:
    """Deletes the fail-count of the resource on ``req.node``: it may run there again.

    Raises:
        ActionRefused: no node, a node Pacemaker does not know, no fail-count of it on that node.
    """
    if req.node is None:
        raise ActionRefused("deleting a fail-count needs a node")
    r = _start(ctx, req)
    node = req.node
    safety.pcmk_node(r.status, node)
    counts = ctx.view.fail_counts(r.name)
    if node not in counts:
        elsewhere = ", ".join(f"{n}: {fail_count_text(c)}" for n, c in sorted(counts.items()))
        raise ActionRefused(
            f"{r.name} has no fail-count on {node}" + (f" (it has on {elsewhere})" if elsewhere else "")
        )
    c = cmd.failcount_delete(r.name, node, run_on=r.run_on, tools=r.tools)
    wait = Wait(f"no fail-count of {r.name} on {node}", settle.no_fail_count(r.name, node), 60.0)
    return _plan(
        req,
        r,
        (Phase(c.summary, (c,), (wait,)),),
        f"Reset the fail-count of {r.name} on {node} ({fail_count_text(counts[node])})?",
        f"fail-count of {r.name} on {node} deleted",
    )
