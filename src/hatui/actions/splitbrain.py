"""Provides the guided DRBD split-brain recovery: show both sides, let the admin pick the victim.

``assess`` gathers what the choice rests on: each side's role, disk, connection and out-of-sync
amount, whether the VM of that disk runs there, and (from the session's events) when each side was
last seen becoming Primary. ``plan_recovery`` is DRBD's documented manual recovery: the victim goes
Secondary (if it is not), connects with ``--discard-my-data`` (8.3: ``drbdadm -- --discard-my-data
connect r``), the survivor connects (if it is StandAlone), and the resync that follows is waited for
to its end. The victim's changes since the split are lost: its name must be typed to confirm.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from hatui.actions import safety, settle
from hatui.actions.commands import Command
from hatui.actions.commands_drbd import drbd, drbd_discard_connect
from hatui.actions.plan import Concern, Phase, Plan, Request, Wait
from hatui.actions.plans import ActionContext
from hatui.actions.plans_drbd import vm_using
from hatui.errors import ActionRefused
from hatui.model.events import ClusterEvent, EventKind
from hatui.model.view import ClusterView
from hatui.model.words import ConnState, DrbdRole

#: Resync speed assumed for the timeout of the final wait (KiB/s): slow links must not time out.
ASSUMED_SYNC_KIB_S = 10_000


@dataclass(frozen=True, slots=True)
class Side:
    """One node's half of a DRBD resource."""

    node: str
    role: str
    disk: str
    connection: str
    out_of_sync_kib: int | None
    vm: str | None
    """The VM using this disk that runs on this node (its writes are this side's changes)."""
    last_primary: str | None
    """``17:46:03: dns-root on vnode2: Secondary -> Primary`` from this session's events, if seen."""


@dataclass(frozen=True, slots=True)
class SplitBrain:
    """Both sides of a DRBD resource and whether they look split."""

    resource: str
    sides: tuple[Side, ...]
    split: bool
    """StandAlone on a side while no side is connected: the state DRBD leaves after a split-brain."""
    suggested_victim: str | None
    reason: str

    def side(self, node: str) -> Side | None:
        """The side on ``node``."""
        return next((s for s in self.sides if s.node == node), None)

    def describe(self) -> list[str]:
        """One line per side, for the choice screen."""
        lines = []
        for s in self.sides:
            oos = f", {s.out_of_sync_kib} KiB out of sync" if s.out_of_sync_kib is not None else ""
            vm = f", VM {s.vm} runs here" if s.vm else ""
            seen = f"; last became Primary {s.last_primary}" if s.last_primary else ""
            lines.append(f"{s.node}: {s.role}/{s.disk}, {s.connection}{oos}{vm}{seen}")
        return lines


def assess(view: ClusterView, resource: str, history: Iterable[ClusterEvent] = ()) -> SplitBrain:
    """Reads both sides of ``resource`` from ``view`` (and ``history``, newest first or any order)."""
    became: dict[str, ClusterEvent] = {}
    for ev in history:
        if ev.kind is not EventKind.DRBD_ROLE or not ev.node or ev.subject != resource:
            continue
        if ev.message.endswith("Primary") and (ev.node not in became or ev.at > became[ev.node].at):
            became[ev.node] = ev
    sides = []
    for d in view.drbd:
        if resource not in (d.resource, d.label):
            continue
        peer = d.device.peers[0] if d.device.peers else None
        oos = (
            d.device.out_of_sync_kib
            if d.device.out_of_sync_kib is not None
            else (peer.out_of_sync_kib if peer else None)
        )
        seen = became.get(d.node)
        sides.append(
            Side(
                d.node,
                d.device.role_raw,
                d.device.disk_raw,
                peer.connection_raw if peer else "no peer",
                oos,
                vm_using(view, resource, d.node),
                f"{seen.at:%H:%M:%S}: {seen.message}" if seen else None,
            )
        )
    conns = [s.connection for s in sides]
    split = "StandAlone" in conns and not any(ConnState.from_word(c) in settle.LINKED for c in conns)
    victim, reason = _suggest(sides)
    return SplitBrain(resource, tuple(sides), split, victim, reason)


def _suggest(sides: list[Side]) -> tuple[str | None, str]:
    """The side to discard: not the one a VM runs on, else not the Primary. The admin decides."""
    if len(sides) != 2:
        return None, "not exactly two sides seen"
    a, b = sides
    for keep, lose in ((a, b), (b, a)):
        if keep.vm and not lose.vm:
            return lose.node, f"VM {keep.vm} runs on {keep.node}: its data is the live one"
    for keep, lose in ((a, b), (b, a)):
        if keep.role == "Primary" and lose.role != "Primary":
            return lose.node, f"{keep.node} is Primary"
    return None, "both sides look alike: compare the out-of-sync amounts and what ran where"


def plan_split_brain(ctx: ActionContext, req: Request) -> Plan:
    """The catalog's split-brain recovery: ``req.victim`` loses its changes."""
    if req.victim is None:
        raise ActionRefused(f"{req.name}: no victim chosen")
    return plan_recovery(ctx, req.name, req.victim, ctx.history)


def plan_recovery(
    ctx: ActionContext, resource: str, victim: str, history: Iterable[ClusterEvent] = ()
) -> Plan:
    """The recovery that throws away ``victim``'s changes and resyncs it from the other side."""
    ctx.guard_write()
    sb = assess(ctx.view, resource, history)
    lose = sb.side(victim)
    if lose is None:
        raise ActionRefused(f"{victim} holds no side of {resource}")
    if not sb.split:
        raise ActionRefused(f"{resource} is not in split-brain ({', '.join(s.connection for s in sb.sides)})")
    keeps = [s for s in sb.sides if s.node != victim]
    if len(keeps) != 1:
        raise ActionRefused(f"{resource}: need exactly one survivor, found {len(keeps)}")
    keep = keeps[0]
    if lose.vm:
        raise ActionRefused(
            f"VM {lose.vm} runs on {victim} on this disk: its data is live; stop it or pick {keep.node}"
        )
    concerns: list[Concern] = safety.freshness(ctx.view, [victim, keep.node])
    managed = safety.managed_by(ctx.view.pacemaker, resource)
    if managed and lose.role == "Primary":
        concerns.append(
            Concern("managed", f"Pacemaker manages {resource} ({managed}) and may promote {victim} again")
        )
    vt, kt = ctx.tools(victim), ctx.tools(keep.node)
    phases: list[Phase] = []
    if lose.role == "Primary":
        c = drbd("secondary", resource, node=victim, tools=vt)
        demoted = settle.drbd_state(resource, victim, role=DrbdRole.SECONDARY)
        phases.append(Phase(c.summary, (c,), (Wait(f"{resource} Secondary on {victim}", demoted, 30.0),)))
    connect: list[Command] = []
    if lose.connection != "StandAlone":
        connect.append(drbd("disconnect", resource, node=victim, tools=vt))
    peer_of_victim = keep.node if vt.drbd == "9" else None
    connect.append(drbd_discard_connect(resource, node=victim, tools=vt, peer=peer_of_victim))
    if keep.connection == "StandAlone":
        peer_of_keep = victim if kt.drbd == "9" else None
        connect.append(drbd("connect", resource, node=keep.node, tools=kt, peer=peer_of_keep))
    both = settle.all_of(
        settle.drbd_state(resource, victim, linked=True), settle.drbd_state(resource, keep.node, linked=True)
    )
    reconnect = Wait(f"{resource} connected again", both, 60.0)
    phases.append(Phase("reconnect, discarding the victim's changes", tuple(connect), (reconnect,)))
    oos = max((s.out_of_sync_kib or 0) for s in sb.sides)
    resynced = Wait(
        f"{resource} resynced from {keep.node} to {victim}",
        settle.drbd_state(resource, keep.node, synced=True),
        max(300.0, 2.0 * oos / ASSUMED_SYNC_KIB_S),
    )
    phases.append(Phase("resync to the end", (), (resynced,)))
    return Plan(
        "drbd_split_brain",
        f"Recover the split-brain of {resource}: DISCARD {victim}'s changes and keep {keep.node}'s?",
        resource,
        "drbd",
        tuple(phases),
        confirm_name=resource,
        concerns=tuple(concerns),
        pacemaker=False,
        done=f"{resource} resynced from {keep.node} to {victim}: UpToDate on both",
        notes=tuple(sb.describe()),
        meta={"victim": victim, "survivor": keep.node},
    )
