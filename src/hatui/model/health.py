"""Provides the health verdict: OK, WARNING, CRITICAL or UNKNOWN, with the list of problems.

Severity follows what an on-call admin would be paged for. CRITICAL: lost quorum, partitions,
failed/unclean/offline nodes, no cluster members, a node cut off from the cluster it reports, failed
or stopped resources, split-brain DRBD, a VM on two nodes, a crashed VM, a changed host key.
WARNING: planned states (standby, maintenance), syncing, disconnected or StandAlone peers, faulty
rings, leftover constraints, stonith disabled, no DC (an election), unreachable nodes, an unknown
host key, a node whose loss would strand VMs (N+1 lost). The storage layer's rules (invalid or
filling snapshots, missing PVs and LVs, iSCSI sessions down, full filesystems and volume groups) are
``hatui.model.health_storage``. A source a node simply does not have (no DRBD on it) is not a
problem. These are the rules; ``hatui.model.verdict.judge`` applies them and
adds subjects, ages, settling and the actions in flight: it is the verdict every surface shows.

UNKNOWN (nothing answered, or no node gave a Pacemaker picture) always comes with the problems that
say what could not be read and from where; a CRITICAL problem found anyway still wins over it.
"""

from __future__ import annotations

from collections.abc import Iterable

from hatui.model.corosync import CorosyncLink, QuorumStatus, RingStatus
from hatui.model.health_drbd import drbd_problems
from hatui.model.health_pacemaker import membership_problems
from hatui.model.health_storage import storage_problems
from hatui.model.health_types import CRITICAL, INFO, SETTLING, WARNING, Health, HealthStatus, Problem, verdict
from hatui.model.health_vms import capacity_problems, resource_state_problems, vm_problems
from hatui.model.pacemaker import INFINITY, ClusterStatus, fail_count_text
from hatui.model.view import ClusterView, pacemaker_views
from hatui.model.vms import vm_rows
from hatui.model.words import DomainState, LinkStatus, ResourceRole

__all__ = [
    "CROSS_NODE_CODES",
    "CRITICAL",
    "HEALTH_CODES",
    "INFO",
    "SETTLING",
    "WARNING",
    "Health",
    "HealthStatus",
    "Problem",
    "evaluate",
    "find_problems",
    "verdict",
]


def evaluate(view: ClusterView, ignore: Iterable[str] = ()) -> Health:
    """Judges ``view`` as ``--once`` does; kept for callers that predate ``hatui.model.verdict.judge``."""
    # Imported here: the verdict module builds on this one's rules.
    from hatui.model.verdict import judge

    return judge(view, ignore=ignore)


#: Codes that compare what different nodes said. In the console each node is polled on its own
#: loop, so during a failover two nodes' data can be a poll apart and disagree for a moment
#: (``hatui.model.verdict`` holds them as settling until every node answered again).
CROSS_NODE_CODES = frozenset(
    {
        "partition",
        "domain-multi-active",
        "domain-unmanaged-move",
        "drbd-split-brain",
        "drbd-dual-primary",
        "vm-no-domain",
        "vm-disk-not-primary",
        "n-plus-one",
    }
)

#: Every code the rules here give (each ``health_*.py`` declares its own; ``problem_codes`` joins them).
HEALTH_CODES = frozenset(
    {
        "no-node-polled",
        "node-unreachable",
        "host-key-changed",
        "host-key-unknown",
        "partition",
        "no-quorum",
        "maintenance-mode",
        "stonith-disabled",
        "fence-failed",
        "node-unclean",
        "node-offline",
        "node-standby",
        "node-maintenance",
        "resource-failed",
        "resource-multi-active",
        "resource-stopped",
        "failed-action",
        "fail-count",
        "pinned",
        "constraint-leftover",
        "domain-multi-active",
        "domain-crashed",
        "domain-unmanaged-move",
        "ring-faulty",
    }
)


def find_problems(view: ClusterView) -> list[Problem]:
    """Every problem the rules find in ``view``, before ages, settling and actions are applied."""
    out: list[Problem] = []
    out += _reachability(view)
    out += _partition(view)
    out += membership_problems(view)
    status = view.pacemaker
    if status is not None:
        out += _cluster(status)
        out += _nodes(status)
        out += _resources(view, status)
        out += resource_state_problems(status)
    out += _constraints(view)
    out += drbd_problems(view)
    out += _domains(view)
    out += vm_problems(view)
    out += capacity_problems(view)
    out += _corosync(view)
    out += storage_problems(view)
    return out


#: Why a node could not be reached (``NodeReport.unreachable_kind``) -> (severity, problem code).
#: A key that changed may be a man-in-the-middle, not a reboot: it gets its own code and pages.
#: An unknown key is a new or reinstalled node waiting for an admin to check and accept its key:
#: nothing will be read from it until then, but nothing is under attack either.
_KINDS = {
    "host-key-changed": (CRITICAL, "host-key-changed"),
    "host-key-revoked": (CRITICAL, "host-key-changed"),
    "host-key-unknown": (WARNING, "host-key-unknown"),
}


def _reachability(view: ClusterView) -> list[Problem]:
    if not view.reports:
        return [Problem(WARNING, "no-node-polled", "cluster", None, "no node was polled")]
    out = []
    status = view.pacemaker
    for r in view.reports:
        if r.reachable:
            continue
        sev, code = _KINDS.get(r.unreachable_kind or "", (WARNING, "node-unreachable"))
        pn = status.node(r.node) if status else None
        also = " (Pacemaker still says it is online)" if pn is not None and pn.online else ""
        out.append(Problem(sev, code, r.node, r.node, f"{r.node} unreachable: {r.unreachable}{also}"))
    return out


def _partition(view: ClusterView) -> list[Problem]:
    """Nodes that disagree on the DC or on who is online are in different partitions."""
    views = pacemaker_views(view.reports)
    if len(views) < 2:
        return []
    dcs = {node: s.dc for node, s in views.items()}
    members = {node: frozenset(n.name for n in s.nodes if n.online) for node, s in views.items()}
    if len(set(dcs.values())) <= 1 and len(set(members.values())) <= 1:
        return []
    said = "; ".join(
        f"{node} sees DC {dc or 'none'}, online {sorted(members[node])}" for node, dc in dcs.items()
    )
    return [Problem(CRITICAL, "partition", "cluster", None, f"nodes disagree on the cluster: {said}")]


def _cluster(s: ClusterStatus) -> list[Problem]:
    out = []
    if s.quorum is False:
        out.append(Problem(CRITICAL, "no-quorum", "cluster", s.dc, "partition without quorum"))
    if s.maintenance_mode:
        out.append(
            Problem(
                WARNING,
                "maintenance-mode",
                "cluster",
                None,
                "cluster in maintenance mode: nothing is managed",
            )
        )
    if s.stonith_enabled is False:
        out.append(Problem(WARNING, "stonith-disabled", "cluster", None, "STONITH is disabled"))
    for ev in s.fence_events:
        if ev.state == "failed":
            out.append(
                Problem(
                    CRITICAL,
                    "fence-failed",
                    ev.target,
                    ev.delegate,
                    f"fencing ({ev.action}) of {ev.target} failed",
                )
            )
    return out


def _nodes(s: ClusterStatus) -> list[Problem]:
    out = []
    for n in s.nodes:
        if n.unclean:
            out.append(
                Problem(CRITICAL, "node-unclean", n.name, n.name, f"{n.name} is UNCLEAN (needs fencing)")
            )
        elif n.online is False:
            out.append(Problem(CRITICAL, "node-offline", n.name, n.name, f"{n.name} is OFFLINE"))
        if n.standby:
            out.append(Problem(WARNING, "node-standby", n.name, n.name, f"{n.name} is in standby"))
        if n.maintenance:
            out.append(Problem(WARNING, "node-maintenance", n.name, n.name, f"{n.name} is in maintenance"))
    return out


def _resources(view: ClusterView, s: ClusterStatus) -> list[Problem]:
    out = []
    cloned = {c.id for c in s.collections if c.kind in ("clone", "bundle")}
    # One pass: asking ``s.instances`` per stopped row would rescan every resource each time.
    running = {r.id for r in s.resources if r.role is not ResourceRole.STOPPED}
    seen_stopped: set[str] = set()
    for r in s.resources:
        where = ", ".join(r.nodes) or None
        if r.failed:
            out.append(
                Problem(CRITICAL, "resource-failed", r.id, where, f"{r.id} FAILED on {where or 'no node'}")
            )
        in_clone = r.clone is not None or r.parent in cloned
        if len(r.nodes) > 1 and not in_clone:
            out.append(
                Problem(
                    CRITICAL,
                    "resource-multi-active",
                    r.id,
                    where,
                    f"{r.id} active on {len(r.nodes)} nodes: {where}",
                )
            )
        wanted = (r.target_role or "Started").lower() not in ("stopped", "disabled")
        if r.role is ResourceRole.STOPPED and wanted and not r.failed and r.id not in seen_stopped:
            # A stopped clone instance is normal on an asymmetric cluster (more instances than
            # allowed nodes); only a clone with no running instance at all counts.
            if in_clone and r.id in running:
                continue
            seen_stopped.add(r.id)
            why = f" ({r.reason})" if r.reason else ""
            out.append(
                Problem(
                    CRITICAL,
                    "resource-stopped",
                    r.id,
                    None,
                    f"{r.id} is stopped{why} while its target role is Started",
                )
            )
    for fa in s.failed_actions:
        code = f" rc={fa.exit_code}" if fa.exit_code is not None else ""
        text = f"{fa.resource} {fa.operation} failed on {fa.node}: {fa.exit_status or 'error'}{code}"
        out.append(Problem(WARNING, "failed-action", fa.resource, fa.node, text))
    for h in s.history:
        if not h.fail_count:
            continue
        count = fail_count_text(h.fail_count)
        banned = h.migration_threshold is not None and h.fail_count >= h.migration_threshold
        sev = CRITICAL if h.fail_count >= INFINITY or banned else WARNING
        extra = f" (migration-threshold {h.migration_threshold}: it cannot run there)" if banned else ""
        out.append(
            Problem(
                sev, "fail-count", h.resource, h.node, f"{h.resource} fail-count {count} on {h.node}{extra}"
            )
        )
    return out


def _constraints(view: ClusterView) -> list[Problem]:
    out = []
    ids: set[str] = set()
    for c in view.constraints:
        if c.pinned_to is not None:
            # Meant to stay, yet the cluster's rules alone would place the resource elsewhere.
            text = f"{c.resource} pinned to {c.node} by a pinned move ({c.id}); clear it with c"
            affects = frozenset({f"constraint:{c.id}"})
            out.append(Problem(WARNING, "pinned", c.resource or c.id, c.node, text, affects=affects))
            continue
        if c.leftover_kind is None:
            continue
        ids.add(c.id)
        verb = "prefers" if c.leftover_kind == "prefer" else "is banned from"
        text = f"leftover {c.id}: {c.resource} {verb} {c.node} (run a clear when the move is done)"
        if c.leftover_kind == "marker":
            text = f"leftover {c.id}: a hatui action on {c.resource} never ended (clear it with c)"
        out.append(
            Problem(
                WARNING,
                "constraint-leftover",
                c.resource or c.id,
                c.node,
                text,
                affects=frozenset({f"constraint:{c.id}"}),
            )
        )
    status = view.pacemaker
    for b in status.bans if status else ():
        if b.id.startswith("cli-") and b.id not in ids:
            text = f"leftover {b.id}: {b.resource} is banned from {b.node}"
            out.append(
                Problem(
                    WARNING,
                    "constraint-leftover",
                    b.resource,
                    b.node,
                    text,
                    affects=frozenset({f"constraint:{b.id}"}),
                )
            )
    return out


def _domains(view: ClusterView) -> list[Problem]:
    out = []
    for row in vm_rows(view):
        active = row.domain_nodes
        if len(set(active)) > 1:
            out.append(
                Problem(
                    CRITICAL,
                    "domain-multi-active",
                    row.name,
                    ", ".join(active),
                    f"VM {row.name} is running on {len(set(active))} nodes: {', '.join(active)}",
                )
            )
        for nd in row.domains:
            if nd.domain.state is DomainState.CRASHED:
                out.append(
                    Problem(
                        CRITICAL, "domain-crashed", row.name, nd.node, f"VM {row.name} crashed on {nd.node}"
                    )
                )
        if row.resource is None or row.managed is False:
            continue
        for node in active:
            if node in row.pcmk_nodes:
                continue
            elsewhere = f"on {', '.join(row.pcmk_nodes)}" if row.pcmk_nodes else "stopped"
            sev = CRITICAL if row.pcmk_nodes else WARNING
            out.append(
                Problem(
                    sev,
                    "domain-unmanaged-move",
                    row.name,
                    node,
                    f"VM {row.name} runs on {node} but Pacemaker says it is {elsewhere}",
                )
            )
    return out


def _corosync(view: ClusterView) -> list[Problem]:
    out = []
    for r in view.reachable:
        if r.rings is not None:
            for link in r.rings.links:
                if link.status is LinkStatus.FAULTY and not _only_dead_peers(link, r.rings, r.quorum):
                    out.append(
                        Problem(
                            WARNING,
                            "ring-faulty",
                            f"link {link.id}",
                            r.node,
                            f"corosync link {link.id} faulty on {r.node}: {link.status_raw}",
                        )
                    )
        if r.quorum is not None and r.quorum.quorate is False:
            out.append(
                Problem(
                    CRITICAL, "no-quorum", "cluster", r.node, f"{r.node}: corosync partition is not quorate"
                )
            )
    return out


def _only_dead_peers(link: CorosyncLink, rings: RingStatus, quorum: QuorumStatus | None) -> bool:
    """True when every peer knet shows disconnected on ``link`` is a node that is gone altogether.

    knet prints a dead node as ``disconnected`` on every link: that is the node being down (which
    node-offline reports), not a fault of this link. A link is faulty when a peer it cannot reach is
    still a member, or still connected over another link.
    """
    if not link.peers:
        return False
    members = {m.node_id for m in quorum.members} if quorum is not None else set()
    elsewhere = {
        p.node_id
        for other in rings.links
        if other is not link
        for p in other.peers
        if p.status.lower() in ("connected", "localhost")
    }
    cut = [p.node_id for p in link.peers if p.status.lower() == "disconnected"]
    return bool(cut) and not any(n in members or n in elsewhere for n in cut)
