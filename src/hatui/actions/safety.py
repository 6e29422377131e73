"""Provides the preconditions checked before any action runs, each refusal naming its reason.

Two kinds of "no". A hard refusal raises ``ActionRefused``: acting would be wrong whatever the admin
knows (no quorum, a target node offline or in standby, a VM whose disks have no UpToDate copy on the
target: Pacemaker would stop it and could not start it there). A ``Concern`` is a refusal the admin
may override explicitly (data that is stale, a cluster that looks partitioned, a DRBD resource that
Pacemaker manages): the confirmation lists it and runs nothing until the override is ticked.
"""

from __future__ import annotations

from collections.abc import Iterable

from hatui.actions.plan import Concern
from hatui.actions.settle import LINKED
from hatui.errors import ActionRefused
from hatui.model.capacity import free_mib, receivers, stranded_if_lost, vm_memory
from hatui.model.health import evaluate
from hatui.model.inflight import inflight_from_constraints, merge
from hatui.model.pacemaker import ClusterStatus, PcmkNode, PcmkResource
from hatui.model.view import ClusterView, NodeDrbd
from hatui.model.vms import vm_rows
from hatui.model.words import DiskState

#: Data older than this (seconds between the node's last answer and the view) is stale.
STALE_AFTER_S = 30.0


class NeedsOverride(ActionRefused):
    """Concerns that stand until the admin overrides them."""

    def __init__(self, concerns: Iterable[Concern]) -> None:
        self.concerns = tuple(concerns)
        super().__init__("; ".join(c.message for c in self.concerns), "needs an explicit override")


def refuse_read_only(*, read_only: bool, monitor: bool) -> None:
    """Monitor mode has no actions; a read-only cluster has no actions that change anything."""
    if monitor:
        raise ActionRefused("monitor mode runs no actions (start hatui without --monitor)", "read-only")
    if read_only:
        raise ActionRefused("this cluster is configured read-only (mode: read-only)", "read-only")


def pacemaker_status(view: ClusterView) -> ClusterStatus:
    """The cluster's Pacemaker picture, refusing when there is none or it has no quorum.

    Without quorum Pacemaker (no-quorum-policy=stop) would act on half a cluster, or not at all.
    """
    status = view.pacemaker
    if status is None:
        raise ActionRefused("no node gave a Pacemaker picture: there is nothing to act on")
    if status.quorum is False:
        where = view.pacemaker_source.node if view.pacemaker_source else "the reachable nodes"
        raise ActionRefused(f"the partition seen from {where} has no quorum: no Pacemaker action runs")
    return status


def freshness(view: ClusterView, nodes: Iterable[str]) -> list[Concern]:
    """A concern per node whose data is stale or unreachable: acting on an old picture misleads."""
    out = []
    for node in dict.fromkeys(nodes):
        rep = view.report(node)
        if rep is None:
            out.append(Concern("stale", f"{node} was never polled: hatui has no data from it"))
        elif not rep.reachable:
            out.append(Concern("stale", f"{node} is unreachable ({rep.unreachable}): its data is old"))
        elif rep.collected_at is not None:
            age = (view.generated_at - rep.collected_at).total_seconds()
            if age > STALE_AFTER_S:
                out.append(Concern("stale", f"{node}'s data is {age:.0f}s old"))
    return out


def partition(view: ClusterView) -> list[Concern]:
    """A concern when nodes disagree on the DC or the members: a split cluster."""
    return [
        Concern("partition", f"the cluster looks partitioned: {p.message}")
        for p in evaluate(view).problems
        if p.code == "partition"
    ]


def cluster_concerns(view: ClusterView, nodes: Iterable[str]) -> list[Concern]:
    """Partition plus freshness of ``nodes`` and of the node whose Pacemaker picture is used."""
    src = view.pacemaker_source
    involved = [*nodes, *([src.node] if src else [])]
    return partition(view) + freshness(view, involved)


def not_in_flight(view: ClusterView, resource_id: str, ended: Iterable[str] = ()) -> None:
    """Refuses to act on a resource that a hatui action (of any process) is moving right now.

    ``ended``: markers of actions this process has ended, still in an older constraints poll.
    """
    for f in merge((), inflight_from_constraints(view.constraints, view.generated_at), ended):
        if resource_id in f.resources:
            raise ActionRefused(
                f"{resource_id} is being moved by hatui ({f.by}, {f.action}, "
                f"{f.age_s(view.generated_at)}s): wait for it to end"
            )


def pcmk_node(status: ClusterStatus, node: str) -> PcmkNode:
    """The Pacemaker node called ``node``, refusing when Pacemaker does not know it."""
    pn = status.node(node)
    if pn is None:
        raise ActionRefused(f"{node} is not a node of this cluster")
    return pn


def target_node(status: ClusterStatus, node: str) -> PcmkNode:
    """A node that can take resources: online, not standby, not in maintenance, not unclean."""
    pn = pcmk_node(status, node)
    if pn.unclean:
        raise ActionRefused(f"{node} is UNCLEAN: it must be fenced before it can run anything")
    if pn.online is not True:
        raise ActionRefused(f"{node} is not online in Pacemaker: nothing can be moved there")
    if pn.standby:
        raise ActionRefused(f"{node} is in standby: nothing can run there")
    if pn.maintenance:
        raise ActionRefused(f"{node} is in maintenance: the cluster does not manage it")
    return pn


def resource(status: ClusterStatus, resource_id: str) -> tuple[PcmkResource, ...]:
    """Every instance of ``resource_id`` (or of the clone/group called so), refusing an unknown id."""
    instances = status.instances(resource_id)
    if not instances:
        instances = tuple(r for r in status.resources if resource_id in (r.clone, r.parent))
    if not instances:
        raise ActionRefused(f"{resource_id} is not a resource of this cluster")
    return instances


def vm_disks_on(view: ClusterView, vm: str, disks: Iterable[str], target: str) -> None:
    """Refuses to move a VM to a node without an UpToDate copy of each of its DRBD disks.

    Pacemaker promotes only UpToDate data: the VM would be stopped and could not start there.
    """
    rep = view.report(target)
    if disks and (rep is None or (rep.drbd is None and rep.stack.drbd != "absent")):
        raise ActionRefused(f"no DRBD data from {target} yet: cannot check that it holds {vm}'s disks")
    for disk in disks:
        here = [d for d in view.drbd if d.resource == disk and d.node == target]
        if not here and any(d.resource is None for d in view.drbd if d.node == target):
            raise ActionRefused(
                f"cannot tell which DRBD device of {target} is {disk} (no names from drbdadm dump there)"
            )
        if not here:
            raise ActionRefused(f"{target} holds no copy of {vm}'s disk {disk}: {vm} cannot run there")
        for d in here:
            if d.device.disk is not DiskState.UP_TO_DATE:
                extra = _sync_note(d)
                raise ActionRefused(
                    f"{vm}'s disk {d.label} is {d.device.disk_raw} on {target}{extra}: "
                    f"wait until it is UpToDate before moving {vm} there"
                )


def _sync_note(d: NodeDrbd) -> str:
    for p in d.device.peers:
        if p.sync_percent is not None:
            return f" ({p.replication_raw or p.connection_raw} {p.sync_percent:.1f}%)"
    return ""


def standby_concerns(
    view: ClusterView, status: ClusterStatus, node: str, vms: dict[str, tuple[str, ...]]
) -> list[Concern]:
    """What a standby of ``node`` would break: VMs without an UpToDate copy elsewhere, the last node.

    ``vms`` maps each VM resource running on ``node`` to its DRBD disks.
    """
    out = []
    others = [
        n.name for n in status.nodes if n.name != node and n.online and not n.standby and not n.maintenance
    ]
    if not others:
        out.append(Concern("last-node", f"{node} is the last node able to run resources: everything stops"))
    for vm, disks in vms.items():
        for disk in disks:
            copies = [d for d in view.drbd if d.resource == disk and d.node != node and d.node in others]
            if copies and not any(d.device.disk is DiskState.UP_TO_DATE for d in copies):
                d = copies[0]
                message = (
                    f"{vm} would stop: its disk {disk} is {d.device.disk_raw} on {d.node}{_sync_note(d)}"
                )
                out.append(Concern("drbd", message, vm))
    return out + memory_concerns(view, status, node)


def memory_concerns(view: ClusterView, status: ClusterStatus, node: str) -> list[Concern]:
    """The VMs of ``node`` that other nodes may take but have no memory for (the N+1 badge's figures).

    Pacemaker does not count memory: it would start them where Xen cannot, and they would fail.
    A VM no node may take at all is the placement's and DRBD's concern, not this one's.
    """
    stranded, _missing = stranded_if_lost(view, node)
    out = []
    for row in vm_rows(view):
        if row.name in stranded and receivers(view, status, row, node):
            mem = vm_memory(view, row, node)
            text = f"{row.name} ({mem} MiB) would have nowhere to run: no node that may take it has room"
            out.append(Concern("memory", text, row.resource or row.name))
    return out


def vm_memory_on(view: ClusterView, vm: str, target: str) -> list[Concern]:
    """A concern when ``target``'s hypervisor has less memory free than ``vm``'s domain uses.

    Unknown figures are no concern here: the preview says what it could not read.
    """
    row = next((r for r in vm_rows(view) if vm in (r.resource, r.name)), None)
    have = free_mib(view, target)
    need = vm_memory(view, row, target) if row is not None else None
    if need is None or have is None or have >= need:
        return []
    return [
        Concern(
            "memory", f"{target} has {have} MiB free and {vm} uses {need} MiB: Xen cannot start it there", vm
        )
    ]


def drbd_device(view: ClusterView, resource_name: str, node: str) -> list[NodeDrbd]:
    """The devices of DRBD ``resource_name`` on ``node``, refusing when the node has none."""
    devices = [d for d in view.drbd if d.node == node and resource_name in (d.resource, d.label)]
    if not devices:
        raise ActionRefused(f"{node} shows no DRBD resource {resource_name}")
    return devices


def linked(d: NodeDrbd) -> bool:
    """True when the device talks to (at least one of) its peers."""
    return any(p.connection in LINKED for p in d.device.peers)


def managed_by(status: ClusterStatus | None, resource_name: str) -> str | None:
    """The Pacemaker DRBD primitive that manages ``resource_name`` (``drbd_vm1`` for ``vm1-root``), if any."""
    if status is None:
        return None
    key = resource_name.lower()
    for r in status.resources:
        # Pacemaker 1.0's crm_mon text names a master/slave set without its agent: its name tells.
        drbd_set = r.agent is None and r.clone is not None and "drbd" in r.clone.lower()
        if not ((r.agent or "").endswith(":drbd") or drbd_set):
            continue
        base = r.id.lower().removeprefix("ms_").removeprefix("drbd_").removeprefix("drbd-")
        if key == base or key.startswith((f"{base}-", f"{base}_")):
            return r.clone or r.id
    return None
