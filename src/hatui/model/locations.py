"""Provides the location rules: may a resource run on a node, by its constraints alone? Pure.

A ``-INFINITY`` location constraint bans a node; with ``symmetric-cluster=false`` a node no location
constraint allows is ruled out; a resource colocated at INFINITY with another (a VM with its DRBD
clone) may run only where that one may. Constraints with rules (no node) make the answer unknown,
and then nothing is ruled out by them. The action planner (``hatui.actions.placement``) and the
capacity model (``hatui.model.capacity``) both read these, so that the badge and the move agree.
"""

from __future__ import annotations

from typing import Any

from hatui.model.pacemaker import ClusterStatus, Constraint
from hatui.model.view import ClusterView


def _cached(view: ClusterView, key: str, build: Any) -> Any:
    """A per-view index, built on first use and kept in the frozen view's instance dict (as
    ``vm_rows``): the capacity model asks for every VM on every node, and scanning every
    constraint each time cost seconds on a cluster of thousands of resources."""
    found = view.__dict__.get(key)
    if found is None:
        found = view.__dict__[key] = build()
    return found


def _naming(view: ClusterView, kind: str, ids: set[str]) -> list[Constraint]:
    """The constraints of one ``kind`` that name any of ``ids``, in the CIB's order."""

    def build() -> dict[str, list[tuple[int, Constraint]]]:
        index: dict[str, list[tuple[int, Constraint]]] = {}
        for pos, c in enumerate(view.constraints):
            if c.kind == kind and c.resource:
                index.setdefault(c.resource, []).append((pos, c))
        return index

    index: dict[str, list[tuple[int, Constraint]]] = _cached(view, f"_constraints_{kind}", build)
    return [c for _, c in sorted(pc for rid in ids for pc in index.get(rid, ()))]


def resource_ids(status: ClusterStatus, resource: str) -> set[str]:
    """The resource and every clone/group that holds it: constraints may name any of them."""
    return _ids(resource, *_holders(status))


def _holders(status: ClusterStatus) -> tuple[dict[str, set[str]], dict[str, str]]:
    """(primitive id -> the clone/group ids its instances sit in, collection id -> its parent)."""
    holders: dict[str, set[str]] = {}
    for r in status.resources:
        holders.setdefault(r.id, set()).update(i for i in (r.parent, r.clone) if i)
    return holders, {c.id: c.parent for c in status.collections if c.parent}


def _ids(resource: str, holders: dict[str, set[str]], parent_of: dict[str, str]) -> set[str]:
    ids = {resource} | holders.get(resource, set())
    todo = list(ids)
    while todo:
        parent = parent_of.get(todo.pop())
        if parent is not None and parent not in ids:
            ids.add(parent)
            todo.append(parent)
    return ids


def minus_inf(score: str | None) -> bool:
    """True for a ``-INFINITY`` score (a ban)."""
    return (score or "").strip().lower() in ("-infinity", "-inf")


def location_reason(
    view: ClusterView, status: ClusterStatus, ids: set[str], node: str, name: str
) -> tuple[str | None, bool]:
    """(why ``name`` may not run on ``node`` by location constraints, pinnable)."""
    locs = _naming(view, "location", ids)
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
    for c in _naming(view, "colocation", ids):
        hard = (c.score or "").strip().lower() in ("infinity", "+infinity", "inf")
        if c.with_resource and hard:
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
    memo: dict[tuple[str, str], str | None] = _cached(view, "_rules_reason", dict)
    if (resource, node) not in memo:
        memo[resource, node] = _rules_reason(view, status, resource, node)
    return memo[resource, node]


def _rules_reason(view: ClusterView, status: ClusterStatus, resource: str, node: str) -> str | None:
    # Indexed once per view: resource_ids scans every resource, for every VM on every node.
    holders, parent_of = _cached(view, f"_holders_{id(status)}", lambda: _holders(status))

    def ids_of(rid: str) -> set[str]:
        return _ids(rid, holders, parent_of)

    ids = ids_of(resource)
    why, _ = location_reason(view, status, ids, node, resource)
    if why is not None:
        return why
    for partner in colocated_with(view, ids):
        why, _ = location_reason(view, status, {partner} | ids_of(partner), node, partner)
        if why is not None:
            return f"{resource} runs with {partner}, and {why}"
    return None
