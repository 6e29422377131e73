"""Provides the settle checks: has the cluster reached the state an action asked for?

Each builder returns a ``Check``: a pure function of a fresh ``ClusterView`` that gives None once
the state is reached, else a short text saying what is still missing ("sentinel: Pacemaker says
vnode1"). The runner polls until a check holds on consecutive polls or its timeout ends, so an
action is judged by what the cluster then shows, not by the exit code of the command that asked.
A VM counts as moved only when all three layers agree: Pacemaker, the domain list and DRBD Primary.
"""

from __future__ import annotations

from collections.abc import Callable

from hatui.model.drbd import DrbdPeer
from hatui.model.pacemaker import ClusterStatus, PcmkResource, fail_count_text
from hatui.model.view import ClusterView, NodeDrbd
from hatui.model.vms import disk_names_for, is_vm_resource, vm_key
from hatui.model.words import ConnState, DiskState, DrbdRole, ReplState, ResourceRole

Check = Callable[[ClusterView], str | None]

_ACTIVE_ROLES = frozenset({ResourceRole.STARTED, ResourceRole.PROMOTED, ResourceRole.UNPROMOTED})
#: Connection words that mean "the two sides talk" (DRBD 8 prints the sync state as the connection).
LINKED = frozenset(
    {
        ConnState.CONNECTED,
        ConnState.SYNC_SOURCE,
        ConnState.SYNC_TARGET,
        ConnState.PAUSED_SYNC_S,
        ConnState.PAUSED_SYNC_T,
        ConnState.VERIFY_S,
        ConnState.VERIFY_T,
        ConnState.STARTING_SYNC_S,
        ConnState.STARTING_SYNC_T,
        ConnState.WF_BITMAP_S,
        ConnState.WF_BITMAP_T,
        ConnState.WF_SYNC_UUID,
        ConnState.AHEAD,
        ConnState.BEHIND,
    }
)
_SYNC_WORDS = {"SyncSource", "SyncTarget", "PausedSyncS", "PausedSyncT", "VerifyS", "VerifyT"}


def active_nodes(status: ClusterStatus, resource: str) -> list[str]:
    """Nodes where any instance of ``resource`` is active, in instance order."""
    nodes: list[str] = []
    for r in status.instances(resource):
        if r.role in _ACTIVE_ROLES and r.active is not False:
            nodes += [n for n in r.nodes if n not in nodes]
    return nodes


def _pending(instances: tuple[PcmkResource, ...]) -> str | None:
    busy = [r for r in instances if r.pending]
    return f"{busy[0].id}: {busy[0].pending} in progress" if busy else None


def resource_on(resource: str, node: str) -> Check:
    """``resource`` active on ``node`` only; for a VM also its domain and its disks Primary there."""

    def check(view: ClusterView) -> str | None:
        status = view.pacemaker
        if status is None:
            return "no Pacemaker picture"
        instances = status.instances(resource)
        if not instances:
            return f"{resource} not in crm_mon's list"
        if any(r.failed for r in instances):
            return f"{resource} FAILED"
        where = active_nodes(status, resource)
        if where != [node]:
            return f"{resource}: Pacemaker says {', '.join(where) or 'stopped'}"
        pending = _pending(instances)
        if pending:
            return pending
        if is_vm_resource(instances[0]):
            return _vm_layers(view, resource, node)
        return None

    return check


def _vm_layers(view: ClusterView, resource: str, node: str) -> str | None:
    doms = [d for d in view.domains if vm_key(d.domain.name) == vm_key(resource) and d.domain.is_active]
    if view.domains or any(r.domains is not None for r in view.reachable):
        where = sorted({d.node for d in doms})
        if where != [node]:
            return f"domain {resource}: running on {', '.join(where) or 'no node'}"
    name = doms[0].domain.name if doms else resource
    for disk in disk_names_for(view, name):
        here = [d for d in view.drbd if d.resource == disk and d.node == node]
        if here and here[0].device.role is not DrbdRole.PRIMARY:
            return f"disk {disk} {here[0].device.role_raw} on {node}"
    return None


def resource_stopped(resource: str) -> Check:
    """No instance of ``resource`` active anywhere (and no operation in flight)."""

    def check(view: ClusterView) -> str | None:
        status = view.pacemaker
        if status is None:
            return "no Pacemaker picture"
        where = active_nodes(status, resource)
        if where:
            return f"{resource} still active on {', '.join(where)}"
        return _pending(status.instances(resource))

    return check


def resource_started(resource: str) -> Check:
    """``resource`` active somewhere, not failed, nothing in flight."""

    def check(view: ClusterView) -> str | None:
        status = view.pacemaker
        if status is None:
            return "no Pacemaker picture"
        instances = status.instances(resource)
        if any(r.failed for r in instances):
            return f"{resource} FAILED"
        if not active_nodes(status, resource):
            return f"{resource} not running"
        return _pending(instances)

    return check


def resource_not_on(resource: str, node: str, *, elsewhere: bool) -> Check:
    """``resource`` gone from ``node`` (and, with ``elsewhere``, running on another node)."""

    def check(view: ClusterView) -> str | None:
        status = view.pacemaker
        if status is None:
            return "no Pacemaker picture"
        where = active_nodes(status, resource)
        if node in where:
            return f"{resource} still on {node}"
        if elsewhere and not where:
            return f"{resource} not running anywhere yet"
        return _pending(status.instances(resource))

    return check


def node_flag(node: str, flag: str, on: bool) -> Check:
    """Pacemaker shows ``node`` with ``standby``/``maintenance`` set (or cleared); standby also empty."""

    def check(view: ClusterView) -> str | None:
        status = view.pacemaker
        pn = status.node(node) if status else None
        if status is None or pn is None:
            return f"{node} not in Pacemaker's list"
        if bool(getattr(pn, flag)) != on:
            return f"{node} {flag} {'not yet' if on else 'still'} set"
        if flag == "standby" and on:
            left = [
                r.id
                for r in status.resources
                if node in r.nodes and r.clone is None and r.active is not False
            ]
            if left:
                return f"still on {node}: {', '.join(left)}"
        return None

    return check


def cluster_maintenance(on: bool) -> Check:
    """The cluster reports ``maintenance-mode`` as asked."""

    def check(view: ClusterView) -> str | None:
        status = view.pacemaker
        if status is None:
            return "no Pacemaker picture"
        return None if bool(status.maintenance_mode) == on else "maintenance-mode not yet changed"

    return check


def no_failures(resource: str | None) -> Check:
    """No failed action and no fail-count left for ``resource`` (any resource when None)."""

    def check(view: ClusterView) -> str | None:
        status = view.pacemaker
        if status is None:
            return "no Pacemaker picture"
        failed = [f"{f.resource}@{f.node}" for f in status.failed_actions if resource in (None, f.resource)]
        counts = [
            f"{h.resource}@{h.node}={h.fail_count}"
            for h in status.history
            if h.fail_count and resource in (None, h.resource)
        ]
        if failed or counts:
            return "still failed: " + ", ".join(failed + counts)
        return None

    return check


def no_fail_count(resource: str, node: str) -> Check:
    """No fail-count of ``resource`` left on ``node`` (other nodes' counts and failed actions may stay)."""

    def check(view: ClusterView) -> str | None:
        if view.pacemaker is None:
            return "no Pacemaker picture"
        count = view.fail_counts(resource).get(node)
        return f"fail-count of {resource} on {node} still {fail_count_text(count)}" if count else None

    return check


#: The leftover kinds a move or ban makes (``crm_resource --clear`` removes them).
STEERING = frozenset({"prefer", "ban"})


def no_leftovers(resource: str) -> Check:
    """No ``cli-prefer``/``cli-ban`` constraint of ``resource`` left in the CIB."""

    def check(view: ClusterView) -> str | None:
        # The action's own in-flight marker stays until its very end (the runner removes it).
        left = [c.id for c in view.constraints if c.resource == resource and c.leftover_kind in STEERING]
        return f"constraints left: {', '.join(left)}" if left else None

    return check


def no_pins(resource: str) -> Check:
    """No pin (``hatui-pin-...``, a pinned move's) of ``resource`` left in the CIB."""

    def check(view: ClusterView) -> str | None:
        left = [c.id for c in view.constraints if c.resource == resource and c.pinned_to]
        return f"pins left: {', '.join(left)}" if left else None

    return check


def no_markers(resource: str) -> Check:
    """No hatui in-flight marker of ``resource`` left in the CIB."""

    def check(view: ClusterView) -> str | None:
        left = [c.id for c in view.constraints if c.resource == resource and c.leftover_kind == "marker"]
        return f"markers left: {', '.join(left)}" if left else None

    return check


def drbd_devices(view: ClusterView, resource: str, node: str) -> list[NodeDrbd]:
    """The devices (volumes) of DRBD ``resource`` on ``node``."""
    return [d for d in view.drbd if d.node == node and resource in (d.resource, d.label)]


def is_syncing(word: str | None) -> bool:
    """True for a resync or verify word (``SyncTarget``, ``PausedSyncS``, ``VerifyT``...)."""
    return word in _SYNC_WORDS


def peer_word(p: DrbdPeer | None) -> str:
    """The word that says what a peer connection does: ``SyncTarget``, ``Connected``, ``StandAlone``..."""
    if p is None:
        return "no peer"
    if p.replication not in (None, ReplState.ESTABLISHED) and p.replication_raw:
        return p.replication_raw
    return p.connection_raw


def drbd_state(
    resource: str,
    node: str,
    *,
    role: DrbdRole | None = None,
    linked: bool | None = None,
    standalone: bool = False,
    syncing: bool | None = None,
    paused: bool | None = None,
    synced: bool = False,
    peer: str | None = None,
) -> Check:
    """The DRBD ``resource`` on ``node`` in the asked role / connection / sync state (every volume)."""

    def peer_problem(d: NodeDrbd, p: DrbdPeer | None) -> str | None:
        conn = p.connection if p else ConnState.UNKNOWN
        word = peer_word(p)
        bad = f"{d.label} {word} on {node}"
        if standalone and conn is not ConnState.STANDALONE:
            return bad
        if linked is not None and (conn in LINKED) != linked:
            return bad
        if syncing is not None and is_syncing(word) != syncing:
            return bad
        if paused is not None and word.startswith("Paused") != paused:
            return bad
        if synced:
            if p is None or conn not in LINKED or is_syncing(word):
                pct = f" {p.sync_percent:.1f}%" if p and p.sync_percent is not None else ""
                return f"{d.label} {word}{pct} on {node}"
            if d.device.disk is not DiskState.UP_TO_DATE or p.disk is not DiskState.UP_TO_DATE:
                return f"{d.label} {d.device.disk_raw}/{p.disk_raw} on {node}"
        return None

    def check(view: ClusterView) -> str | None:
        devices = drbd_devices(view, resource, node)
        if not devices:
            return f"{resource} not seen on {node}"
        for d in devices:
            if role is not None and d.device.role is not role:
                return f"{d.label} {d.device.role_raw} on {node}"
            peers: list[DrbdPeer | None] = [p for p in d.device.peers if peer is None or p.name == peer]
            for p in peers or [None]:
                problem = peer_problem(d, p)
                if problem is not None:
                    return problem
        return None

    return check


def all_of(*checks: Check) -> Check:
    """Every check holds; the first one that does not says why."""

    def check(view: ClusterView) -> str | None:
        for c in checks:
            missing = c(view)
            if missing is not None:
                return missing
        return None

    return check
