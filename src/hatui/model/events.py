"""Provides ``diff``: what changed between two ClusterViews, as events for the console's log.

Only what a person would want to read in a log comes out: a resource that moved, a node that went
offline or stopped answering, a DRBD sync that passed a milestone. Nodes are compared only while they
answered in both views; a node that stopped answering gives one "unreachable" event, not a storm of
"everything on it disappeared". The first view (``old is None``) gives no events: nothing changed yet.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from hatui.model.drbd import DrbdPeer
from hatui.model.health import CRITICAL, WARNING, Problem, evaluate
from hatui.model.pacemaker import ClusterStatus, fail_count_text
from hatui.model.view import ClusterView, NodeDomain, NodeDrbd
from hatui.model.words import DomainState, ReplState

INFO = "info"

#: Sync progress is logged each time it passes one of these steps (percent).
SYNC_STEP = 10

_SYNCING = {
    ReplState.SYNC_SOURCE,
    ReplState.SYNC_TARGET,
    ReplState.PAUSED_SYNC_S,
    ReplState.PAUSED_SYNC_T,
    ReplState.VERIFY_S,
    ReplState.VERIFY_T,
}

# xm/xl flip a busy domain between running and blocked every poll: both mean "up", and logging
# the flip would bury the events that matter.
_UP = {DomainState.RUNNING, DomainState.BLOCKED, DomainState.IDLE}


class EventKind(StrEnum):
    """What kind of change an event records."""

    NODE_UNREACHABLE = "node-unreachable"
    NODE_REACHABLE = "node-reachable"
    NODE_ONLINE = "node-online"
    NODE_OFFLINE = "node-offline"
    NODE_STANDBY = "node-standby"
    NODE_ACTIVE = "node-active"
    NODE_MAINTENANCE = "node-maintenance"
    NODE_UNCLEAN = "node-unclean"
    DC_CHANGED = "dc-changed"
    QUORUM = "quorum"
    RESOURCE_MOVED = "resource-moved"
    RESOURCE_STARTED = "resource-started"
    RESOURCE_STOPPED = "resource-stopped"
    RESOURCE_ROLE = "resource-role"
    RESOURCE_FAILED = "resource-failed"
    RESOURCE_RECOVERED = "resource-recovered"
    FAIL_COUNT = "fail-count"
    DRBD_ROLE = "drbd-role"
    DRBD_DISK = "drbd-disk"
    DRBD_CONNECTION = "drbd-connection"
    DRBD_SYNC = "drbd-sync"
    DOMAIN_APPEARED = "domain-appeared"
    DOMAIN_DISAPPEARED = "domain-disappeared"
    DOMAIN_STATE = "domain-state"
    PROBLEM_NEW = "problem-new"
    PROBLEM_GONE = "problem-gone"
    ACTION = "action"
    """An action an admin ran from hatui (logged by the console, never by ``diff``)."""
    ALERT = "alert"
    """An alert the rules sent (from a journal: ``hatui.journal.store_alerts``; never by ``diff``)."""


@dataclass(frozen=True, slots=True)
class ClusterEvent:
    """One change between two polls."""

    at: datetime
    kind: EventKind
    subject: str
    """The node, resource id, DRBD label or domain name the event is about."""
    node: str | None
    message: str
    severity: str = INFO
    """``info``, ``warning`` or ``critical``."""


# Problems that an event above already tells about: repeating them as "new problem" adds noise.
_COVERED_CODES = frozenset(
    {
        "node-unreachable",
        "node-offline",
        "node-standby",
        "node-maintenance",
        "node-unclean",
        "resource-failed",
        "drbd-syncing",
        "fail-count",
        "no-quorum",
    }
)


def diff(
    old: ClusterView | None,
    new: ClusterView,
    ignore: Iterable[str] = (),
    *,
    problems: tuple[Iterable[Problem], Iterable[Problem]] | None = None,
) -> list[ClusterEvent]:
    """Returns the events that lead from ``old`` to ``new``, in a stable order.

    Args:
        old: The previous view, or None for the first one (which gives no events).
        new: The current view.
        ignore: Health codes to leave out of the new/resolved problem events.
        problems: The health problems of ``old`` and ``new`` when the caller already has them
            (judging a large cluster twice more per poll is what this saves).
    """
    if old is None:
        return []
    at = new.generated_at
    out: list[ClusterEvent] = []
    out += _reachability(old, new, at)
    if old.pacemaker is not None and new.pacemaker is not None:
        out += _pcmk_nodes(old.pacemaker, new.pacemaker, at)
        out += _resources(old.pacemaker, new.pacemaker, at)
    both = {r.node for r in old.reachable} & {r.node for r in new.reachable}
    out += _drbd(old, new, both, at)
    out += _domains(old, new, both, at)
    if problems is None:
        problems = (evaluate(old, ignore).problems, evaluate(new, ignore).problems)
    out += _problems(problems[0], problems[1], new, set(ignore), at)
    return out


def _ev(
    at: datetime, kind: EventKind, subject: str, node: str | None, msg: str, sev: str = INFO
) -> ClusterEvent:
    return ClusterEvent(at, kind, subject, node, msg, sev)


def _reachability(old: ClusterView, new: ClusterView, at: datetime) -> list[ClusterEvent]:
    out = []
    for r in new.reports:
        before = old.report(r.node)
        if before is None or before.reachable == r.reachable:
            continue
        if r.reachable:
            out.append(_ev(at, EventKind.NODE_REACHABLE, r.node, r.node, f"{r.node} reachable again"))
        else:
            msg = f"{r.node} unreachable: {r.unreachable}"
            out.append(_ev(at, EventKind.NODE_UNREACHABLE, r.node, r.node, msg, WARNING))
    return out


def _pcmk_nodes(a: ClusterStatus, b: ClusterStatus, at: datetime) -> list[ClusterEvent]:
    out = []
    if a.dc != b.dc:
        msg = f"DC moved {a.dc or 'none'} -> {b.dc or 'none'}"
        out.append(_ev(at, EventKind.DC_CHANGED, b.dc or "cluster", b.dc, msg, INFO if b.dc else WARNING))
    if a.quorum is not None and b.quorum is not None and a.quorum != b.quorum:
        msg = "cluster has quorum again" if b.quorum else "cluster LOST quorum"
        out.append(_ev(at, EventKind.QUORUM, "cluster", b.dc, msg, INFO if b.quorum else CRITICAL))
    for n in b.nodes:
        p = a.node(n.name)
        if p is None:
            continue
        name = n.name
        if p.online is not None and n.online is not None and p.online != n.online:
            if n.online:
                out.append(_ev(at, EventKind.NODE_ONLINE, name, name, f"{name} online"))
            else:
                out.append(_ev(at, EventKind.NODE_OFFLINE, name, name, f"{name} went OFFLINE", CRITICAL))
        if bool(p.standby) != bool(n.standby) and p.standby is not None and n.standby is not None:
            if n.standby:
                out.append(_ev(at, EventKind.NODE_STANDBY, name, name, f"{name} in standby", WARNING))
            else:
                out.append(_ev(at, EventKind.NODE_ACTIVE, name, name, f"{name} out of standby"))
        if p.maintenance is not None and n.maintenance is not None and p.maintenance != n.maintenance:
            msg = f"{name} in maintenance" if n.maintenance else f"{name} out of maintenance"
            out.append(
                _ev(at, EventKind.NODE_MAINTENANCE, name, name, msg, WARNING if n.maintenance else INFO)
            )
        if n.unclean and not p.unclean:
            out.append(
                _ev(at, EventKind.NODE_UNCLEAN, name, name, f"{name} UNCLEAN (needs fencing)", CRITICAL)
            )
    return out


def _placement(status: ClusterStatus, ids: set[str] | None) -> dict[str, dict[str, str]]:
    """Resource id -> {node: role word} over every instance (of the resources in ``ids``, or all)."""
    out: dict[str, dict[str, str]] = {}
    for r in status.resources:
        if ids is not None and r.id not in ids:
            continue
        where = out.setdefault(r.id, {})
        for n in r.nodes:
            where[n] = r.role_raw
    return out


def _moved_ids(a: ClusterStatus, b: ClusterStatus) -> set[str] | None:
    """The resources with an instance whose nodes or role differ, when both lists hold the same
    instances in the same order (poll after poll of one cluster); None when they do not line up.

    Only those can have placement events: at 1,000 resources, one that failed and recovered is
    not worth a comparison of every resource's placement.
    """
    if a.resources is b.resources:
        return set()
    if len(a.resources) != len(b.resources):
        return None
    out = set()
    for ra, rb in zip(a.resources, b.resources, strict=True):
        if ra is rb:
            continue
        if ra.id != rb.id:
            return None
        if ra.nodes != rb.nodes or ra.role_raw != rb.role_raw:
            out.add(ra.id)
    return out


def _resources(a: ClusterStatus, b: ClusterStatus, at: datetime) -> list[ClusterEvent]:
    out: list[ClusterEvent] = []
    moved = _moved_ids(a, b)
    before, after = _placement(a, moved), _placement(b, moved)
    cloned_ids = {r.id for r in b.resources if r.clone is not None}
    for rid, now in after.items():
        if rid not in before:
            continue
        was = before[rid]
        cloned = rid in cloned_ids
        if not cloned and len(was) == 1 and len(now) == 1 and set(was) != set(now):
            src, dst = next(iter(was)), next(iter(now))
            out.append(_ev(at, EventKind.RESOURCE_MOVED, rid, dst, f"{rid} moved {src} -> {dst}"))
            continue
        for node in now.keys() - was.keys():
            role = "" if now[node] == "Started" else f" ({now[node]})"
            out.append(_ev(at, EventKind.RESOURCE_STARTED, rid, node, f"{rid} started on {node}{role}"))
        for node in sorted(was.keys() - now.keys()):
            sev = WARNING if not now and not cloned else INFO
            out.append(_ev(at, EventKind.RESOURCE_STOPPED, rid, node, f"{rid} stopped on {node}", sev))
        for node in sorted(now.keys() & was.keys()):
            if now[node] != was[node]:
                msg = f"{rid} {was[node]} -> {now[node]} on {node}"
                out.append(_ev(at, EventKind.RESOURCE_ROLE, rid, node, msg))
    out += _failures(a, b, at)
    return out


def _failed_on(status: ClusterStatus) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for r in status.resources:
        if r.failed:
            out.setdefault(r.id, set()).update(r.nodes or ("",))
    return out


def _failures(a: ClusterStatus, b: ClusterStatus, at: datetime) -> list[ClusterEvent]:
    out = []
    was, now = _failed_on(a), _failed_on(b)
    for rid in now.keys() - was.keys():
        where = ", ".join(sorted(n for n in now[rid] if n)) or "no node"
        out.append(_ev(at, EventKind.RESOURCE_FAILED, rid, where, f"{rid} FAILED on {where}", CRITICAL))
    present = {r.id for r in b.resources}
    for rid in sorted(was.keys() - now.keys()):
        if rid in present:
            out.append(_ev(at, EventKind.RESOURCE_RECOVERED, rid, None, f"{rid} no longer failed"))
    counts_a = {(h.resource, h.node): h.fail_count or 0 for h in a.history}
    for h in b.history:
        prev = counts_a.get((h.resource, h.node), 0)
        if (h.fail_count or 0) > prev:
            was_text, now_text = fail_count_text(prev), fail_count_text(h.fail_count or 0)
            msg = f"{h.resource} fail-count on {h.node}: {was_text} -> {now_text}"
            out.append(_ev(at, EventKind.FAIL_COUNT, h.resource, h.node, msg, WARNING))
    return out


def _sync_peer(nd: NodeDrbd) -> DrbdPeer | None:
    return next((p for p in nd.device.peers if p.replication in _SYNCING), None)


def _drbd(old: ClusterView, new: ClusterView, nodes: set[str], at: datetime) -> list[ClusterEvent]:
    out: list[ClusterEvent] = []
    before = {(d.node, d.label): d for d in old.drbd if d.node in nodes}
    for d in new.drbd:
        if d.node not in nodes:
            continue
        p = before.get((d.node, d.label))
        if p is None:
            continue
        label, node = d.label, d.node
        if p.device.role_raw != d.device.role_raw:
            msg = f"{label} on {node}: {p.device.role_raw} -> {d.device.role_raw}"
            out.append(_ev(at, EventKind.DRBD_ROLE, label, node, msg))
        if p.device.disk_raw != d.device.disk_raw:
            msg = f"{label} on {node}: disk {p.device.disk_raw} -> {d.device.disk_raw}"
            out.append(_ev(at, EventKind.DRBD_DISK, label, node, msg, _disk_sev(d.device.disk_raw)))
        old_conn = {q.name: q.connection_raw for q in p.device.peers}
        for q in d.device.peers:
            was = old_conn.get(q.name)
            if was is not None and was != q.connection_raw:
                sev = INFO if q.connection_raw == "Connected" else WARNING
                msg = f"{label} on {node}: {was} -> {q.connection_raw}"
                out.append(_ev(at, EventKind.DRBD_CONNECTION, label, node, msg, sev))
        out += _sync(p, d, at)
    return out


def _disk_sev(disk: str) -> str:
    return INFO if disk == "UpToDate" else WARNING


def _sync(p: NodeDrbd, d: NodeDrbd, at: datetime) -> list[ClusterEvent]:
    was, now = _sync_peer(p), _sync_peer(d)
    label, node = d.label, d.node
    if now is None:
        if was is not None:
            msg = f"{label} {was.replication_raw} finished on {node}"
            return [_ev(at, EventKind.DRBD_SYNC, label, node, msg)]
        return []
    pct = now.sync_percent
    shown = f" {pct:.0f}%" if pct is not None else ""
    if was is None or was.replication_raw != now.replication_raw:
        msg = f"{label} {now.replication_raw} started on {node}{shown}"
        return [_ev(at, EventKind.DRBD_SYNC, label, node, msg, WARNING)]
    if (
        pct is not None
        and was.sync_percent is not None
        and int(pct // SYNC_STEP) > int(was.sync_percent // SYNC_STEP)
    ):
        msg = f"{label} {now.replication_raw}{shown} on {node}"
        return [_ev(at, EventKind.DRBD_SYNC, label, node, msg)]
    return []


def _domain_map(view: ClusterView, nodes: set[str]) -> dict[tuple[str, str], NodeDomain]:
    return {(nd.node, nd.domain.name): nd for nd in view.domains if nd.node in nodes}


def _domains(old: ClusterView, new: ClusterView, nodes: set[str], at: datetime) -> list[ClusterEvent]:
    out = []
    before, after = _domain_map(old, nodes), _domain_map(new, nodes)
    for key, nd in after.items():
        name, node = nd.domain.name, nd.node
        p = before.get(key)
        if p is None:
            msg = f"domain {name} appeared on {node} ({nd.domain.state.value})"
            out.append(_ev(at, EventKind.DOMAIN_APPEARED, name, node, msg))
        elif p.domain.state != nd.domain.state and not {p.domain.state, nd.domain.state} <= _UP:
            sev = CRITICAL if nd.domain.state is DomainState.CRASHED else INFO
            msg = f"domain {name} on {node}: {p.domain.state.value} -> {nd.domain.state.value}"
            out.append(_ev(at, EventKind.DOMAIN_STATE, name, node, msg, sev))
    for key in sorted(before.keys() - after.keys()):
        nd = before[key]
        msg = f"domain {nd.domain.name} gone from {nd.node}"
        out.append(_ev(at, EventKind.DOMAIN_DISAPPEARED, nd.domain.name, nd.node, msg))
    return out


def _problems(
    old: Iterable[Problem], new: Iterable[Problem], view: ClusterView, ignore: set[str], at: datetime
) -> list[ClusterEvent]:
    skip = ignore | _COVERED_CODES
    was = {(p.code, p.subject, p.node): p for p in old if p.code not in skip}
    now = {(p.code, p.subject, p.node): p for p in new if p.code not in skip}
    out = []
    for key, p in now.items():
        if key not in was:
            out.append(_ev(at, EventKind.PROBLEM_NEW, p.subject, p.node, p.message, p.severity))
    # A node that stopped answering takes its problems out of view; they are not solved.
    gone_quiet = {r.node for r in view.reports if not r.reachable}
    for key, p in was.items():
        if key not in now and p.node not in gone_quiet:
            out.append(_ev(at, EventKind.PROBLEM_GONE, p.subject, p.node, f"resolved: {p.message}"))
    return out
