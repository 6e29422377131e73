"""Provides the age rule of the verdict: a claim older than the newest evidence against it is not counted.

Each ``NodeReport`` carries ``collected_at``. A rule that compares nodes rests on claims each node
made at its own time: "sentinel runs here" (its domain list), "I am Primary" or "my peer is Primary"
(its DRBD status). A claim is *superseded* when a report collected later says otherwise:

- a node's domain list showing a VM (or not showing it) is superseded by a Pacemaker picture from
  a newer report that places the VM elsewhere (or there): during a failover the old list of the
  node the VM left still shows it;
- a DRBD role is superseded by a newer report about the same node saying Secondary: its own, or
  its peer's (``ro:Primary/Secondary`` seen from the peer).

A cross-node problem that holds only because of superseded claims is not confirmed: ``judge`` shows
it as ``settling``, with the age in its message ("vnode1's list is 4s older than Pacemaker's
picture"). It needs no memory, so ``--once`` applies it as the console does.

Nodes polled in one pass (``--once``, or the console's loops ticking together) finish their batches
up to a second apart; data closer than ``SAME_MOMENT_S`` counts as one moment, so a real VM on two
nodes in one ``--once`` run still pages. A split-brain rests on each end's own role and counters
(a disconnected peer's role is Unknown, never Secondary), so no newer report can supersede it, and
a partition compares whole pictures; neither is softened here (the console's wait for every node's
next poll still applies to them).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from hatui.model.health_types import Problem
from hatui.model.view import ClusterView, NodeDrbd
from hatui.model.vms import VmRow, vm_rows
from hatui.model.words import DrbdRole

#: Seconds within which two reports count as collected at the same moment (see module docstring).
SAME_MOMENT_S = 1.0


def superseded(p: Problem, view: ClusterView) -> str | None:
    """Why ``p`` is not confirmed by the newest data (its age in words), or None when it is."""
    if p.code in ("domain-multi-active", "domain-unmanaged-move", "vm-no-domain"):
        row = next((r for r in vm_rows(view) if r.name == p.subject), None)
        if row is None or row.resource is None:
            return None
        if p.code == "domain-multi-active":
            active = sorted(set(row.domain_nodes))
            stale = {n: why for n in active if (why := _list_older(view, row, n, placed_there=False))}
            return "; ".join(stale.values()) if stale and len(active) - len(stale) < 2 else None
        if p.node is None:
            return None
        return _list_older(view, row, p.node, placed_there=p.code == "vm-no-domain")
    if p.code == "drbd-dual-primary":
        return _roles_older(view, p.subject)
    return None


def _age(newer: datetime | None, older: datetime | None) -> float | None:
    """Seconds ``newer`` is ahead of ``older`` when beyond one moment, else None."""
    if newer is None or older is None:
        return None
    secs = (newer - older).total_seconds()
    return secs if secs > SAME_MOMENT_S else None


def _list_older(view: ClusterView, row: VmRow, node: str, *, placed_there: bool) -> str | None:
    """Why ``node``'s domain list is superseded about ``row``: a newer Pacemaker picture says otherwise.

    ``placed_there`` False: the list shows the VM and the newer picture places it elsewhere;
    True: the list lacks it and the newer picture places it on ``node``.
    """
    rep = view.report(node)
    if rep is None:
        return None
    worst: float | None = None
    for r in view.reachable:
        secs = _age(r.collected_at, rep.collected_at)
        if secs is None or r.pacemaker is None:
            continue
        where = {n for res in r.pacemaker.instances(row.resource or "") for n in res.nodes}
        if (node in where) == placed_there:
            worst = max(worst or 0.0, secs)
    if worst is None:
        return None
    return f"{node}'s list is {int(worst)}s older than Pacemaker's picture"


@dataclass(frozen=True, slots=True)
class _Claim:
    about: str
    role: DrbdRole
    by: str
    at: datetime | None


def _roles_older(view: ClusterView, label: str) -> str | None:
    """Why fewer than two nodes are Primary of ``label`` once superseded role claims are dropped."""
    ends = [nd for nd in view.drbd if nd.label == label]
    claims = [c for nd in ends for c in _claims(view, nd, {e.node for e in ends})]
    primaries, why = set(), []
    for node in sorted({c.about for c in claims}):
        mine = [c for c in claims if c.about == node]
        said = [c for c in mine if c.role is DrbdRole.PRIMARY]
        if not said:
            continue
        newest = max(said, key=lambda c: c.at.timestamp() if c.at else 0.0)
        against = [(s, c) for c in mine if c.role is DrbdRole.SECONDARY if (s := _age(c.at, newest.at))]
        if not against:
            primaries.add(node)
            continue
        secs, c = max(against, key=lambda x: x[0])
        why.append(
            f"{newest.by}'s DRBD data is {int(secs)}s older than {c.by}'s showing {node} {c.role.value}"
        )
    return "; ".join(why) if why and len(primaries) < 2 else None


def _claims(view: ClusterView, nd: NodeDrbd, nodes: set[str]) -> list[_Claim]:
    """What ``nd``'s report says of the roles: its own, and its peers' where the peer node is known."""
    rep = view.report(nd.node)
    at = rep.collected_at if rep else None
    out = [_Claim(nd.node, nd.device.role, nd.node, at)]
    others = sorted(nodes - {nd.node})
    for peer in nd.device.peers:
        # DRBD 9 names its peers; DRBD 8 has one unnamed peer: the only other node with this resource.
        who = peer.name if peer.name in nodes else (others[0] if len(others) == 1 and not peer.name else None)
        if who is not None and who != nd.node:
            out.append(_Claim(who, peer.role, nd.node, at))
    return out
