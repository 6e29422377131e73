"""Provides the move (failover) and live migration of a resource that work under stickiness INFINITY.

``crm_resource --move -N target`` (and ``crm resource move``, ``pcs resource move``) only add a
``cli-prefer`` constraint worth INFINITY on the target; with ``resource-stickiness=INFINITY`` the
current node scores INFINITY too, the tie keeps the resource where it is, and nothing moves
(verified on Pacemaker 2.1.5, offline and live). The move here adds the prefer constraint AND bans
every node the resource runs on, waits until it runs on the target (for a VM: Pacemaker, the domain
list and DRBD Primary all agree), then clears exactly those constraints and checks that it stayed.
A success leaves no ``cli-*`` constraint behind; a failure says what was left. The whole move is
announced in the CIB by hatui's in-flight marker (``hatui.actions.marking``), so that every hatui
shows it as "moving", not as leftovers and failures.

A live migration is the same move on a resource whose ``allow-migrate`` meta attribute is true:
Pacemaker then runs ``migrate_to``/``migrate_from`` instead of stop and start.
"""

from __future__ import annotations

from dataclasses import replace

from lxml import etree

from hatui.actions import commands as cmd
from hatui.actions import safety, settle
from hatui.actions.marking import mark
from hatui.actions.placement import Place, place
from hatui.actions.plan import Concern, Phase, Plan, Request, Wait
from hatui.actions.plans import RESOURCE_TIMEOUT_S, VM_TIMEOUT_S, ActionContext, pacemaker_start
from hatui.errors import ActionRefused
from hatui.model.pacemaker import PIN_PREFIX
from hatui.model.stack import DrbdFlavour
from hatui.model.vms import disk_names_for, is_vm_resource
from hatui.transport.base import Transport

#: How long the resource must stay on the target after the constraints are cleared.
STAY_TIMEOUT_S = 30.0


class PlacementRefused(ActionRefused):
    """The target is ruled out by the cluster's rules; ``place.pinnable``: a pinned move may go."""

    def __init__(self, spot: Place) -> None:
        extra = ": only a pinned move (it keeps its preference) can go there" if spot.pinnable else ""
        super().__init__(f"{spot.node}: {spot.reason}{extra}")
        self.place = spot


# -- the pin a pinned move leaves: raw cibadmin on every shell, as the in-flight marker --------


def pin_id(resource: str, node: str) -> str:
    """The id of the constraint a pinned move leaves: ``hatui-pin-<resource>-on-<node>``."""
    return f"{PIN_PREFIX}{cmd.checked('resource', resource)}-on-{cmd.checked('node', node)}"


def pin_add(resource: str, node: str, *, run_on: str, tools: cmd.Tools) -> cmd.Command:
    """Pins ``resource`` to ``node`` (INFINITY), by an id of hatui's own: shown as a pin, not a leftover."""
    xml = etree.tostring(
        etree.Element("rsc_location", id=pin_id(resource, node), rsc=resource, node=node, score="INFINITY"),
        encoding="unicode",
    )
    argv: cmd.Argv = ("cibadmin", "-C", "-o", "constraints", "-X", xml)
    return cmd.make(argv, run_on, cmd.Danger.CHANGE, f"pin {resource} to {node}", tools, (argv,))


def pin_remove(cid: str, *, run_on: str, tools: cmd.Tools) -> cmd.Command:
    """Removes a pin (``hatui-pin-...``) by id: the cluster's rules place the resource again."""
    if not cid.startswith(PIN_PREFIX):
        raise ActionRefused(f"refusing to remove {cid!r}: not a hatui pin")
    xml = etree.tostring(etree.Element("rsc_location", id=cmd.checked("constraint", cid)), encoding="unicode")
    argv: cmd.Argv = ("cibadmin", "-D", "-o", "constraints", "-X", xml)
    return cmd.make(argv, run_on, cmd.Danger.CHANGE, f"remove the pin {cid}", tools, (argv,))


def plan_move(
    ctx: ActionContext,
    resource: str,
    target: str,
    *,
    live: bool = False,
    allow_migrate: bool | None = None,
    pinned: bool = False,
) -> Plan:
    """The move of ``resource`` to ``target`` (``live``: a live migration; needs ``allow_migrate``).

    ``pinned``: the move's preference stays as a pin of hatui's own (``hatui-pin-R-on-N``), for
    a node that the cluster's rules alone would not keep the resource on; clear (c) removes it.

    Raises:
        ActionRefused: read-only, no quorum, target unfit, resource not running or already there,
            a clone (move its promoted role by banning instead), disks not UpToDate on the target,
            leftover move/ban constraints (they would be cleared with ours), no allow-migrate,
            a target the cluster's rules rule out (``placement``; a pinned move may go where only
            the lack of an allowing constraint does).
    """
    status, run_on, concerns = pacemaker_start(ctx, target)
    instances = safety.resource(status, resource)
    first = instances[0]
    if first.clone is not None or first.id != resource:
        raise ActionRefused(f"{resource} is (in) a clone: ban it from a node instead of moving it")
    safety.target_node(status, target)
    current = settle.active_nodes(status, resource)
    if not current:
        raise ActionRefused(f"{resource} is not running: start it, then move it")
    if current == [target]:
        raise ActionRefused(f"{resource} already runs on {target}")
    spot = place(ctx.view, resource, target)
    if spot.reason is not None and not (pinned and spot.pinnable):
        raise PlacementRefused(spot)
    vm = is_vm_resource(first)
    if vm:
        disks = disk_names_for(ctx.view, resource)
        safety.vm_disks_on(ctx.view, resource, disks, target)
        concerns += safety.vm_memory_on(ctx.view, resource, target)
        if not disks and any(r.stack.drbd not in (None, DrbdFlavour.ABSENT) for r in ctx.view.reachable):
            # Names tie a VM to its DRBD resources (or vm_disks in the config): none matched here.
            concerns.append(
                Concern(
                    "drbd",
                    f"no DRBD resource is known to hold {resource}'s disks: {target}'s copy is unchecked",
                )
            )
    pins = [k.id for k in ctx.view.constraints if k.resource == resource and k.pinned_to]
    if pins:
        raise ActionRefused(f"{resource} is pinned by {', '.join(pins)}: clear it first (c)")
    left = [k.id for k in ctx.view.constraints if k.resource == resource and k.leftover_kind]
    if left:
        raise ActionRefused(
            f"{resource} still has {', '.join(left)} from an earlier move or ban: clear them first (c), "
            "so that the move does not remove constraints it did not make"
        )
    if live and allow_migrate is not True:
        raise ActionRefused(
            f"{resource} does not allow live migration (meta allow-migrate is not true): "
            "use move (m), which stops and starts it"
        )
    tools = ctx.tools(run_on)
    sources = [n for n in current if n != target]
    if tools.moves_by_m:
        # Pacemaker 1.0 (and 1.1 before --ban): -M -N -f writes cli-prefer-R and cli-standby-R
        # (one ban, on one node).
        if len(sources) != 1:
            raise ActionRefused(
                f"{resource} runs on {', '.join(current)}: Pacemaker 1.0 moves it from one node"
            )
        if status.dc is not None and run_on != status.dc:
            # -f adds cib_scope_local: run anywhere but on the DC, the change never reaches the
            # DC's CIB and nothing moves (seen on the real 1.0.9).
            raise ActionRefused(
                f"Pacemaker 1.0's forced move (crm_resource -M -f) only works on the DC, {status.dc}, "
                f"and hatui cannot reach it (it would run on {run_on}, where it changes nothing)"
            )
        steer: tuple[cmd.Command, ...] = (
            cmd.move_forced(resource, target, sources[0], run_on=run_on, tools=tools),
        )
        steers: tuple[str, ...] = (f"cli-prefer-{resource}", f"cli-standby-{resource}")
    else:
        steer = (
            cmd.prefer(resource, target, run_on=run_on, tools=tools),
            *(cmd.ban(resource, n, run_on=run_on, tools=tools) for n in sources),
        )
        steers = (f"cli-prefer-{resource}", *(f"cli-ban-{resource}-on-{n}" for n in sources))
    on_target = settle.resource_on(resource, target)
    timeout = VM_TIMEOUT_S if vm else RESOURCE_TIMEOUT_S
    what = f"{resource} running on {target}" + (" (Pacemaker, domain and DRBD Primary)" if vm else "")
    # On 1.0 the whole move is the raw tool's (-M -f, then -U), as the crm shell's migrate cannot -f.
    clear_tools = replace(tools, shell=cmd.PACEMAKER) if tools.moves_by_m else tools
    unsteer: tuple[cmd.Command, ...] = (cmd.clear(resource, run_on=run_on, tools=clear_tools),)
    stay = f"{resource} still on {target}, no cli- constraint"
    label = "clear the constraints the move made"
    if pinned:
        # The preference becomes a pin of hatui's own id, before cli-prefer goes: shown as a pin
        # (not a leftover) and removed by clear (c).
        unsteer = (pin_add(resource, target, run_on=run_on, tools=tools), *unsteer)
        stay = f"{resource} still on {target}, pinned there, no cli- constraint"
        label = f"pin {resource} to {target}, clear the constraints the move made"
    verb = "Live-migrate" if live else "Move"
    phases = (
        Phase(f"prefer {target} and ban {', '.join(sources)}", steer, (Wait(what, on_target, timeout),)),
        Phase(
            label,
            unsteer,
            (Wait(stay, settle.all_of(on_target, settle.no_leftovers(resource)), STAY_TIMEOUT_S),),
        ),
    )
    note = (
        f"A pinned move: {pin_id(resource, target)} stays, so {resource} stays on {target} although "
        f"{spot.reason or 'the cluster would move it back'}; clear it (c) to let the cluster place it."
        if pinned
        else "A plain move (cli-prefer) does not move anything under resource-stickiness=INFINITY: "
        "this move also bans the current node, then clears both constraints once it has moved."
    )
    plan = Plan(
        "migrate_resource" if live else "move_resource",
        f"{verb} {'VM' if vm else 'resource'} {resource} from {', '.join(sources)} to {target}"
        + (", pinned there?" if pinned else "?"),
        resource,
        "vm" if vm else "resource",
        phases,
        concerns=tuple(concerns),
        leftovers_of=resource,
        done=f"{resource} runs on {target}"
        + (f", pinned there by {pin_id(resource, target)} (clear it with c)" if pinned else ""),
        notes=(note,),
        meta={"from": ",".join(sources), "to": target, **({"pinned": "yes"} if pinned else {})},
        steers=steers,
        moves=(resource,),
    )
    return mark(plan, resource=resource, now=ctx.view.generated_at)


def plan_move_request(ctx: ActionContext, req: Request) -> Plan:
    """The catalog's move: ``req.target`` to ``req.node``."""
    if req.node is None:
        raise ActionRefused("a move needs a target node")
    return plan_move(ctx, req.name, req.node)


def plan_migrate_request(ctx: ActionContext, req: Request) -> Plan:
    """The catalog's live migration (``req.allow_migrate`` read from the CIB beforehand)."""
    if req.node is None:
        raise ActionRefused("a live migration needs a target node")
    return plan_move(ctx, req.name, req.node, live=True, allow_migrate=req.allow_migrate)


async def allow_migrate(
    transport: Transport, resource: str, *, tools: cmd.Tools, timeout: float
) -> bool | None:
    """Reads the resource's ``allow-migrate`` meta attribute from the CIB: True, False or None (unknown).

    Raises:
        TransportError: the node could not be asked.
    """
    c = cmd.get_meta(resource, "allow-migrate", run_on=transport.node, tools=tools)
    result = await transport.run(c.argv, timeout=timeout)
    if result.exit_status == 0 and result.stdout.strip():
        return result.stdout.strip().lower() in ("true", "yes", "on", "1", "y")
    if result.exit_status == 0:
        return False
    err = result.stderr.lower()
    if "attribute" in err and ("not found" in err or "does not exist" in err):
        # Unset means the default, false (Pacemaker 2.1.5 exits 0 then; older versions 105; 1.0.9
        # says "The object/attribute does not exist" and exits 234).
        return False
    return None
