"""Provides the plans of the DRBD actions on one resource on one node.

The refusals here are the ones DRBD itself would answer with a cryptic ``State change failed``
(two Primaries, no UpToDate data, no connection to resync over), said beforehand in words, plus
the ones DRBD would NOT refuse although they hurt: invalidating the only good copy, demoting a
device a running VM holds open, or changing by hand a role that Pacemaker manages (it would fight
back at its next monitor; that one is a concern the admin may override).
"""

from __future__ import annotations

from hatui.actions import safety, settle
from hatui.actions.commands import Command
from hatui.actions.commands_drbd import drbd, drbd_force_primary
from hatui.actions.plan import Concern, Phase, Plan, Request, Wait
from hatui.actions.plans import ActionContext, Planner
from hatui.errors import ActionRefused
from hatui.model.view import ClusterView, NodeDrbd
from hatui.model.vms import vm_rows
from hatui.model.words import DiskState, DrbdRole

DRBD_TIMEOUT_S = 30.0


def vm_using(view: ClusterView, resource: str, node: str) -> str | None:
    """The VM whose disk ``resource`` is and which runs on ``node``, if any."""
    for row in vm_rows(view):
        if resource in row.disk_names and node in row.domain_nodes:
            return row.name
    return None


def _word(d: NodeDrbd) -> str | None:
    for p in d.device.peers:
        if p.replication_raw and settle.is_syncing(p.replication_raw):
            return p.replication_raw
        if settle.is_syncing(p.connection_raw):
            return p.connection_raw
    return None


def drbd_planner(verb: str) -> Planner:
    """The planner of ``drbdadm <verb>`` (``connect``, ``pause-sync``...) on the request's node."""

    def planner(ctx: ActionContext, req: Request) -> Plan:
        return _plan_drbd(ctx, req, verb)

    return planner


def plan_drbd_force_primary(ctx: ActionContext, req: Request) -> Plan:
    """Primary with ``--force``: overwrites the peer's data at the next resync."""
    return _plan_drbd(ctx, req, None)


def _plan_drbd(ctx: ActionContext, req: Request, verb: str | None) -> Plan:
    """A DRBD action on ``req.node``; ``verb`` None is the forced primary."""
    if req.node is None:
        raise ActionRefused(f"{req.name}: no node")
    resource, node, peer, volume = req.name, req.node, req.peer, req.volume
    ctx.guard_write()
    view = ctx.view
    devices = safety.drbd_device(view, resource, node)
    tools = ctx.tools(node)
    concerns: list[Concern] = safety.freshness(view, [node])
    managed = safety.managed_by(view.pacemaker, resource)
    linked = any(safety.linked(d) for d in devices)
    syncing = [w for w in (_word(d) for d in devices) if w]
    peers = [p for d in devices for p in d.device.peers if peer is None or p.name == peer]
    vm = vm_using(view, resource, node)
    confirm: str | None = None
    pacemaker_note = (
        f"{resource} is managed by Pacemaker ({managed}): it will put the role back at its next "
        "monitor; change it through Pacemaker (move, ban, standby) instead"
    )
    command: Command
    if verb is None:
        if linked and any(p.role is DrbdRole.PRIMARY for p in peers):
            raise ActionRefused(f"the peer of {resource} is Primary: DRBD allows one Primary")
        command = drbd_force_primary(resource, node=node, tools=tools)
        wait = Wait(f"{resource} Primary on {node}", settle.drbd_state(resource, node, role=DrbdRole.PRIMARY))
        confirm = resource
        if managed:
            concerns.append(Concern("managed", pacemaker_note))
    else:
        check: settle.Check
        if verb == "connect":
            if linked:
                raise ActionRefused(f"{resource} is already connected on {node}")
            check = settle.drbd_state(resource, node, linked=True, peer=peer)
        elif verb == "disconnect":
            if all(p.connection_raw == "StandAlone" for p in peers):
                raise ActionRefused(f"{resource} is already StandAlone on {node}")
            check = settle.drbd_state(resource, node, standalone=True, peer=peer)
        elif verb == "primary":
            if any(d.device.role is DrbdRole.PRIMARY for d in devices):
                raise ActionRefused(f"{resource} is already Primary on {node}")
            if linked and any(p.role is DrbdRole.PRIMARY for p in peers):
                raise ActionRefused(f"the peer of {resource} is Primary: DRBD allows one Primary")
            good = all(d.device.disk is DiskState.UP_TO_DATE for d in devices) or (
                linked and all(p.disk is DiskState.UP_TO_DATE for p in peers)
            )
            if not good:
                raise ActionRefused(
                    f"{resource} has no UpToDate data on {node} or its peer (force primary overrides)"
                )
            if managed:
                concerns.append(Concern("managed", pacemaker_note))
            check = settle.drbd_state(resource, node, role=DrbdRole.PRIMARY)
        elif verb == "secondary":
            if all(d.device.role is DrbdRole.SECONDARY for d in devices):
                raise ActionRefused(f"{resource} is already Secondary on {node}")
            if vm:
                raise ActionRefused(
                    f"VM {vm} runs on {node} and holds {resource} open: stop or move {vm} first"
                )
            if managed:
                concerns.append(Concern("managed", pacemaker_note))
            check = settle.drbd_state(resource, node, role=DrbdRole.SECONDARY)
        elif verb == "invalidate":
            if not linked:
                raise ActionRefused(f"{resource} is not connected on {node}: there is no peer to resync from")
            if not peers or any(p.disk is not DiskState.UP_TO_DATE for p in peers):
                raise ActionRefused(
                    f"the peer of {resource} has no UpToDate data: invalidating would leave no good copy"
                )
            if syncing:
                raise ActionRefused(f"{resource} is already {syncing[0]}")
            confirm = resource
            check = _started_or_done(resource, node, peer)
        elif verb == "verify":
            if not linked or syncing:
                state = syncing[0] if syncing else "not connected"
                raise ActionRefused(f"{resource} must be Connected and idle to verify (it is {state})")
            check = _started_or_done(resource, node, peer)
        elif verb == "pause-sync":
            if not syncing or syncing[0].startswith("Paused"):
                raise ActionRefused(f"{resource} has no running resync to pause on {node}")
            check = settle.drbd_state(resource, node, paused=True, peer=peer)
        else:
            if not syncing or not syncing[0].startswith("Paused"):
                raise ActionRefused(f"{resource} has no paused resync on {node}")
            check = settle.drbd_state(resource, node, paused=False, peer=peer)
        command = drbd(verb, resource, node=node, tools=tools, peer=peer, volume=volume)
        wait = Wait(command.summary, check, DRBD_TIMEOUT_S)
    notes = (f"VM {vm} runs on {node} with this disk.",) if vm else ()
    title = command.summary[0].upper() + command.summary[1:] + "?"
    return Plan(
        req.action,
        title,
        resource,
        "drbd",
        (Phase(command.summary, (command,), (wait,)),),
        confirm_name=confirm,
        concerns=tuple(concerns),
        pacemaker=False,
        notes=notes,
        done=command.summary.split(" (")[0] + ": done",
        meta={"node": node},
    )


def _started_or_done(resource: str, node: str, peer: str | None) -> settle.Check:
    """A resync/verify started, or already finished (a small device can finish between two polls)."""
    running = settle.drbd_state(resource, node, syncing=True, peer=peer)
    done = settle.drbd_state(resource, node, synced=True, peer=peer)

    def check(view: ClusterView) -> str | None:
        first = running(view)
        return None if first is None or done(view) is None else first

    return check
