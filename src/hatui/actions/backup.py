"""Provides the plans of the snapshot and backup actions on a VM's DRBD-backed disks.

A VM's disks are DRBD resources; under each, on every node, an LVM logical volume (the join is
``hatui.model.storage_join``). A snapshot is taken of every backing LV of the VM on ONE node, in one
phase, so that the disks are copies of the same moment:

- where: the node asked for, else ``backup.node``: the DRBD ``secondary`` (default) whose disks are
  all UpToDate, so the Primary's I/O is untouched (a thick snapshot doubles every write of its
  origin while it exists; on the Secondary those are DRBD's replicated writes), or the ``primary``;
- refused where a disk is not UpToDate (a SyncTarget is Inconsistent: a snapshot of it is half old,
  half new data; an Outdated disk is an old copy), where the node's LVM was not read or the LV is
  not there, and where a volume group cannot hold its snapshots (``SnapshotRule.size_bytes`` of
  each origin: ``backup.snapshot_percent`` of it, at least ``backup.snapshot_min_mib``, in whole
  extents);
- a snapshot of a running VM is crash-consistent: what its disks held at that instant, as after a
  power cut (the confirmation says so).

A backup job (``backup_run``) takes the snapshots, runs the site's ``backup.command`` on each
through the wrapper of ``hatui.actions.backup_job`` (time limit, fill level), and removes them
whatever happens: the removals are the plan's ``finally`` commands. ``snapshot_remove`` removes one
snapshot (never an LV that is not a snapshot).
"""

from __future__ import annotations

from dataclasses import dataclass

from hatui.actions import safety
from hatui.actions.backup_job import backup_job
from hatui.actions.commands import Command
from hatui.actions.commands_lvm import is_own_snapshot, lvcreate_snapshot, lvremove_snapshot, snapshot_name
from hatui.actions.plan import Concern, Phase, Plan, Request, Wait
from hatui.actions.plans import ActionContext
from hatui.actions.settle import Check, is_syncing
from hatui.errors import ActionRefused
from hatui.model.storage_join import Backing, fmt_bytes
from hatui.model.view import ClusterView
from hatui.model.vms import vm_rows
from hatui.model.words import DiskState, DrbdRole

#: Seconds to wait for lvs to list a new snapshot (or no longer list a removed one).
LVM_TIMEOUT_S = 60.0

CONSISTENCY = (
    "{vm} is running: its snapshot is crash-consistent, what its disks held at that instant as after "
    "a power cut (writes still in the guest's cache are not in it; its filesystems replay their "
    "journals when restored). Shut it down, or freeze its filesystems, for a clean copy."
)


@dataclass(frozen=True, slots=True)
class Snap:
    """One snapshot a plan makes: of ``vg/origin`` on ``node``, named ``name``."""

    node: str
    vg: str
    origin: str
    name: str
    size_bytes: int

    @property
    def path(self) -> str:
        """``vg/name``."""
        return f"{self.vg}/{self.name}"


def vm_name(view: ClusterView, target: str) -> str:
    """The VM a request names, by VM name or by its Pacemaker resource id.

    Raises:
        ActionRefused: no such VM.
    """
    rows = vm_rows(view)
    row = next((v for v in rows if target in (v.name, v.resource)), None)
    if row is None:
        raise ActionRefused(f"no VM {target!r} in the cluster")
    return row.name


def _backings(view: ClusterView, vm: str) -> dict[str, list[Backing]]:
    """The VM's backing disks per node (nodes in the view's order)."""
    out: dict[str, list[Backing]] = {}
    for b in view.storage.backings:
        if b.vm == vm:
            out.setdefault(b.node, []).append(b)
    if not out:
        raise ActionRefused(
            f"{vm} has no DRBD-backed disk hatui knows of (drbdadm dump names no backing disk of its "
            "DRBD resources): there is no LV to snapshot"
        )
    order = {n: i for i, n in enumerate(view.node_names)}
    return dict(sorted(out.items(), key=lambda kv: order.get(kv[0], len(order))))


def _disk_problem(view: ClusterView, node: str, resources: list[str], role: DrbdRole | None) -> str | None:
    """Why the VM's disks on ``node`` cannot be snapshotted (with ``role``: are not all that role)."""
    for name in resources:
        devices = [d for d in view.drbd if d.node == node and name in (d.resource, d.label)]
        if not devices:
            return f"{node} shows no DRBD device of {name}"
        for d in devices:
            dev = d.device
            if dev.disk is not DiskState.UP_TO_DATE:
                words = (w for p in dev.peers for w in (p.replication_raw, p.connection_raw))
                sync = next((w for w in words if w and is_syncing(w)), None)
                state = dev.disk_raw + (f", {sync}" if sync else "")
                why = (
                    "an old copy"
                    if dev.disk is DiskState.OUTDATED
                    else "half old, half new data while it resyncs"
                    if dev.disk is DiskState.INCONSISTENT
                    else "not a good copy"
                )
                return f"{d.label} is {state} on {node}: a snapshot of it would be {why}"
            if role is not None and dev.role is not role:
                return f"{d.label} is {dev.role_raw} on {node}"
    return None


def choose_node(ctx: ActionContext, vm: str, asked: str | None) -> str:
    """Where the VM's snapshots are taken (module docstring).

    Raises:
        ActionRefused: the asked node cannot, or no node fits ``backup.node``.
    """
    view = ctx.view
    per_node = _backings(view, vm)
    resources = {n: list(dict.fromkeys(b.drbd_resource for b in bs)) for n, bs in per_node.items()}
    if asked is not None:
        if asked not in per_node:
            raise ActionRefused(f"{asked} holds no disk of {vm} (its disks are on {', '.join(per_node)})")
        problem = _disk_problem(view, asked, resources[asked], None)
        if problem:
            raise ActionRefused(problem)
        return asked
    prefer = ctx.cluster.backup.node
    role = DrbdRole.PRIMARY if prefer == "primary" else DrbdRole.SECONDARY
    problems = []
    for node, names in resources.items():
        problem = _disk_problem(view, node, names, role)
        if problem is None:
            return node
        problems.append(problem)
    raise ActionRefused(
        f"no node holds every disk of {vm} as an UpToDate DRBD {role.value} "
        f"(backup.node: {prefer}): {'; '.join(problems)}; name the node to take it elsewhere"
    )


def snapshots_for(ctx: ActionContext, vm: str, node: str) -> list[Snap]:
    """The snapshots of the VM's backing LVs on ``node``, sized by the rule and checked to fit.

    Raises:
        ActionRefused: LVM not read there, an LV missing or of unknown size, a VG too small.
    """
    view = ctx.view
    storage = view.storage
    if node not in storage.read_nodes:
        raise ActionRefused(f"the LVM of {node} was not read (no lvs output): nothing to snapshot there")
    rule = view.snapshot_rule
    when = view.generated_at
    snaps: list[Snap] = []
    need: dict[str, int] = {}
    for b in _backings(view, vm)[node]:
        if b.lv is None or b.lv_path is None:
            what = b.lv_path or b.disk
            raise ActionRefused(f"{b.drbd_resource}'s backing disk {what} is not an LV {node} lists")
        lv = b.lv.lv
        if lv.size_bytes is None:
            raise ActionRefused(f"lvs on {node} gave no size for {lv.path}")
        extent = b.vg.vg.extent_bytes if b.vg is not None else None
        size = rule.size_bytes(lv.size_bytes, extent)
        snaps.append(Snap(node, lv.vg, lv.name, snapshot_name(lv.name, when), size))
        need[lv.vg] = need.get(lv.vg, 0) + size
    for vg, size in need.items():
        nv = storage.vg_of(node, vg)
        free = nv.vg.free_bytes if nv is not None else None
        if free is None or free < size:
            raise ActionRefused(
                f"volume group {vg} on {node} has {fmt_bytes(free)} free; the snapshots of {vm} need "
                f"{fmt_bytes(size)} ({rule.percent:g}% of each origin, at least {rule.min_mib:g} MiB)"
            )
    return snaps


def _listed(node: str, paths: list[str], *, present: bool) -> Check:
    """Every one of ``paths`` listed (``present``) or none of them listed by lvs on ``node``."""

    def check(view: ClusterView) -> str | None:
        rep = view.report(node)
        lvs = rep.logical_volumes if rep is not None else None
        if lvs is None:
            return f"the LVM of {node} was not read"
        have = {lv.path for lv in lvs}
        wrong = [p for p in paths if (p in have) != present]
        if not wrong:
            return None
        return f"{', '.join(wrong)} {'not yet' if present else 'still'} listed by lvs on {node}"

    return check


def _notes(ctx: ActionContext, vm: str, node: str) -> list[str]:
    view = ctx.view
    row = next((v for v in vm_rows(view) if v.name == vm), None)
    running = row is not None and bool(row.domain_nodes or row.pcmk_nodes)
    primary = [d.node for d in view.drbd if row and d in row.disks and d.device.role is DrbdRole.PRIMARY]
    notes = [CONSISTENCY.format(vm=vm)] if running else []
    if primary and node not in primary:
        notes.append(f"Taken on the DRBD Secondary {node}: the I/O of the Primary {primary[0]} is untouched.")
    storage = view.storage
    older = [
        nl.lv.path
        for b in _backings(view, vm)[node]
        if b.lv is not None
        for nl in storage.snapshots_of(node, b.lv.lv.vg, b.lv.lv.name)
    ]
    if older:
        notes.append(
            f"{node} already holds snapshots of {vm}'s disks ({', '.join(older)}): each one doubles its "
            "origin's writes until it is removed."
        )
    return notes


def _snapshot_phase(ctx: ActionContext, vm: str, node: str, snaps: list[Snap]) -> Phase:
    tools = ctx.tools(node)
    creates = tuple(
        lvcreate_snapshot(s.vg, s.origin, s.name, s.size_bytes, node=node, tools=tools) for s in snaps
    )
    wait = Wait(
        f"snapshots of {vm} listed on {node}",
        _listed(node, [s.path for s in snaps], present=True),
        LVM_TIMEOUT_S,
        stable=1,
    )
    return Phase(f"snapshot {vm} on {node}", creates, (wait,))


def plan_snapshot_create(ctx: ActionContext, req: Request) -> Plan:
    """Snapshots of every backing LV of the VM ``req.target`` on one node (``req.node`` or chosen)."""
    ctx.guard_write()
    vm = vm_name(ctx.view, req.name)
    node = choose_node(ctx, vm, req.node)
    snaps = snapshots_for(ctx, vm, node)
    names = ", ".join(s.path for s in snaps)
    return Plan(
        req.action,
        f"Snapshot the disks of {vm} on {node}?",
        vm,
        "vm",
        (_snapshot_phase(ctx, vm, node, snaps),),
        concerns=tuple(safety.freshness(ctx.view, [node])),
        notes=(
            *_notes(ctx, vm, node),
            "Remove the snapshots when done: each one slows its origin's writes and fills up.",
        ),
        pacemaker=False,
        done=f"snapshots of {vm} on {node}: {names}",
        meta={"node": node},
    )


def plan_backup_run(ctx: ActionContext, req: Request) -> Plan:
    """Snapshot the VM's disks, run the site's backup command on each snapshot, remove them."""
    ctx.guard_write()
    backup = ctx.cluster.backup
    if backup.command is None:
        raise ActionRefused("no backup command is configured (backup: command: in the cluster's config)")
    vm = vm_name(ctx.view, req.name)
    node = choose_node(ctx, vm, req.node)
    snaps = snapshots_for(ctx, vm, node)
    tools = ctx.tools(node)
    when = ctx.view.generated_at
    jobs: list[Command] = [
        backup_job(
            s.vg,
            s.name,
            vm=vm,
            node=node,
            when=when,
            command=backup.command,
            limit_s=backup.time_limit_s,
            warn_percent=backup.warn_percent,
            interval_s=backup.check_interval_s,
            tools=tools,
        )
        for s in snaps
    ]
    removes = tuple(lvremove_snapshot(s.vg, s.name, node=node, tools=tools, own=True) for s in snaps)
    notes = [
        *_notes(ctx, vm, node),
        f"The backup command runs on {node} once per disk with HATUI_DEVICE, HATUI_SNAPSHOT, HATUI_LV, "
        f"HATUI_VM, HATUI_NODE and HATUI_STAMP set; it is stopped after {backup.time_limit_s:g}s or "
        f"when a snapshot is {backup.warn_percent:g}% full. The snapshots are removed whatever happens.",
    ]
    return Plan(
        req.action,
        f"Back up {vm} from snapshots on {node}?",
        vm,
        "vm",
        (_snapshot_phase(ctx, vm, node, snaps), Phase(f"back up {vm} on {node}", tuple(jobs))),
        concerns=tuple(safety.freshness(ctx.view, [node])),
        notes=tuple(notes),
        pacemaker=False,
        done=f"backup of {vm} done on {node} ({len(jobs)} disk(s) read), snapshots removed",
        meta={"node": node},
        finally_commands=removes,
    )


def plan_snapshot_remove(ctx: ActionContext, req: Request) -> Plan:
    """Removes the snapshot ``req.target`` (``vg/lv``) on ``req.node``; refused for anything else."""
    ctx.guard_write()
    if req.node is None:
        raise ActionRefused(f"{req.name}: no node")
    node, path = req.node, req.name
    vg, sep, name = path.partition("/")
    if not sep or not vg or not name:
        raise ActionRefused(f"{path!r} is not vg/lv")
    storage = ctx.view.storage
    if node not in storage.read_nodes:
        raise ActionRefused(f"the LVM of {node} was not read: hatui cannot tell what {path} is")
    nl = storage.lv_of(node, vg, name)
    if nl is None:
        raise ActionRefused(f"{node} lists no logical volume {path}")
    if not nl.lv.is_snapshot:
        raise ActionRefused(f"{path} on {node} is not a snapshot: hatui removes only snapshots")
    concerns = list(safety.freshness(ctx.view, [node]))
    if not is_own_snapshot(name):
        concerns.append(
            Concern(
                "not-ours",
                f"{path} was not made by hatui (a DRBD *-before-resync snapshot is the way back from a "
                "resync that fails; the site may use others)",
                path,
            )
        )
    command = lvremove_snapshot(vg, name, node=node, tools=ctx.tools(node))
    wait = Wait(f"{path} gone on {node}", _listed(node, [path], present=False), LVM_TIMEOUT_S, stable=1)
    return Plan(
        req.action,
        f"Remove snapshot {path} on {node}?",
        path,
        "snapshot",
        (Phase(command.summary, (command,), (wait,)),),
        confirm_name=None if is_own_snapshot(name) else name,
        concerns=tuple(concerns),
        notes=(f"Its origin {nl.lv.origin} is untouched.",) if nl.lv.origin else (),
        pacemaker=False,
        done=f"snapshot {path} removed on {node}",
        meta={"node": node},
    )
