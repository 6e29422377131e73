"""Provides the location rules: may a resource run on a node, by its constraints alone? Pure.

A ``-INFINITY`` location constraint bans a node; with ``symmetric-cluster=false`` a node no location
constraint allows is ruled out; a resource colocated at INFINITY with another (a VM with its DRBD
clone) may run only where that one may. Constraints with rules (no node) make the answer unknown,
and then nothing is ruled out by them. The action planner (``hatui.actions.placement``) and the
capacity model (``hatui.model.capacity``) both read these, so that the badge and the move agree.
"""

from __future__ import annotations

from hatui.model.pacemaker import ClusterStatus, Constraint
from hatui.model.view import ClusterView


def resource_ids(status: ClusterStatus, resource: str) -> set[str]:
    """The resource and every clone/group that holds it: constraints may name any of them."""
    ids = {resource}
    for r in status.instances(resource):
        ids |= {i for i in (r.parent, r.clone) if i}
    for c in status.collections:
        if c.id in ids and c.parent:
            ids.add(c.parent)
    return ids


def minus_inf(score: str | None) -> bool:
    """True for a ``-INFINITY`` score (a ban)."""
    return (score or "").strip().lower() in ("-infinity", "-inf")


def location_reason(
    view: ClusterView, status: ClusterStatus, ids: set[str], node: str, name: str
) -> tuple[str | None, bool]:
    """(why ``name`` may not run on ``node`` by location constraints, pinnable)."""
    locs = [c for c in view.constraints if c.kind == "location" and c.resource in ids]
    banned = [c for c in locs if c.node == node and minus_inf(c.score)]
    if banned:
        return f"{name} is banned there ({_ban_word(banned[0])})", False
    allowing = [c for c in locs if c.node == node and not minus_inf(c.score)]
    if status.symmetric_cluster is False and not allowing and not any(c.node is None for c in locs):
        return f"no location constraint allows {name} there (symmetric-cluster=false)", True
    return None, False


def _ban_word(c: Constraint) -> str:
    return f"{c.id}, {c.score}"


def colocated_with(view: ClusterView, ids: set[str]) -> list[str]:
    """Resources the resource must run with (colocation at INFINITY, the resource as the dependent)."""
    out = []
    for c in view.constraints:
        hard = (c.score or "").strip().lower() in ("infinity", "+infinity", "inf")
        if c.kind == "colocation" and c.resource in ids and c.with_resource and hard:
            out.append(c.with_resource)
    return out


def constraints_known(view: ClusterView) -> bool:
    """False while no node has given its constraints: the rules are unknown, none applies."""
    return any(r.constraints is not None for r in view.reachable)


def rules_reason(view: ClusterView, status: ClusterStatus, resource: str, node: str) -> str | None:
    """Why the constraints keep ``resource`` (or a resource it must run with) off ``node``; None if
    they allow it. Unlike a move, a failover has no preference of hatui's: a node that no constraint
    allows is ruled out."""
    if not constraints_known(view):
        return None
    ids = resource_ids(status, resource)
    why, _ = location_reason(view, status, ids, node, resource)
    if why is not None:
        return why
    for partner in colocated_with(view, ids):
        why, _ = location_reason(view, status, {partner} | resource_ids(status, partner), node, partner)
        if why is not None:
            return f"{resource} runs with {partner}, and {why}"
    return None
