"""Provides the location rules: may a resource run on a node, by its constraints alone? Pure.

A ``-INFINITY`` location constraint bans a node; with ``symmetric-cluster=false`` a node no location
constraint allows is ruled out; a resource colocated at INFINITY with another (a VM with its DRBD
clone) may run only where that one may. Constraints with rules (no node) make the answer unknown,
and then nothing is ruled out by them. The action planner (``hatui.actions.placement``) and the
capacity model (``hatui.model.capacity``) both read these, so that the badge and the move agree.
"""

from __future__ import annotations

from dataclasses import dataclass
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
    placement = _Placement.of(name, _naming(view, "location", ids))
    why = placement.reason(status, node)
    # A ban is the admin's; a node merely not allowed (symmetric-cluster=false) can be pinned.
    return why, why is not None and node not in placement.bans


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
    known: bool = _cached(
        view, "_constraints_known", lambda: any(r.constraints is not None for r in view.reachable)
    )
    return known


def rules_reason(view: ClusterView, status: ClusterStatus, resource: str, node: str) -> str | None:
    """Why the constraints keep ``resource`` (or a resource it must run with) off ``node``; None if
    they allow it. Unlike a move, a failover has no preference of hatui's: a node that no constraint
    allows is ruled out."""
    memo: dict[tuple[str, str], str | None] = _cached(view, "_rules_reason", dict)
    if (resource, node) in memo:
        return memo[resource, node]
    if not constraints_known(view):
        return None
    memo[resource, node] = why = _rules_reason(view, status, resource, node)
    return why


@dataclass(frozen=True, slots=True)
class _Placement:
    """One resource's location constraints, indexed by node (what ``location_reason`` reads)."""

    name: str
    bans: dict[str, Constraint]
    """Node -> the first ``-INFINITY`` constraint that bans the resource there."""
    allowed: frozenset[str]
    """Nodes a constraint with another score names."""
    ruled: bool
    """A constraint with rules (no node) names the resource."""

    @classmethod
    def of(cls, name: str, locs: list[Constraint]) -> _Placement:
        bans: dict[str, Constraint] = {}
        for c in locs:
            if c.node is not None and minus_inf(c.score):
                bans.setdefault(c.node, c)
        allowed = frozenset(c.node for c in locs if c.node is not None and not minus_inf(c.score))
        return cls(name, bans, allowed, any(c.node is None for c in locs))

    def reason(self, status: ClusterStatus, node: str) -> str | None:
        """Why the resource may not run on ``node`` by these constraints; None when it may."""
        ban = self.bans.get(node)
        if ban is not None:
            return f"{self.name} is banned there ({_ban_word(ban)})"
        if self.needs_allowing(status) and node not in self.allowed:
            return f"no location constraint allows {self.name} there (symmetric-cluster=false)"
        return None

    def needs_allowing(self, status: ClusterStatus) -> bool:
        """With ``symmetric-cluster=false`` only a node a constraint names may take the resource
        (unless a constraint with rules names it: then nothing is ruled out by that)."""
        return status.symmetric_cluster is False and not self.ruled


def _placements(view: ClusterView, status: ClusterStatus, resource: str) -> list[_Placement]:
    """The resource's placement, then that of each resource it must run with."""
    # Indexed once per view: resource_ids scans every resource, for every VM on every node.
    holders, parent_of = _cached(view, f"_holders_{id(status)}", lambda: _holders(status))

    def ids_of(rid: str) -> set[str]:
        return _ids(rid, holders, parent_of)

    ids = ids_of(resource)
    out = [_Placement.of(resource, _naming(view, "location", ids))]
    out += [_Placement.of(p, _naming(view, "location", {p} | ids_of(p))) for p in colocated_with(view, ids)]
    return out


def _placements_of(view: ClusterView, status: ClusterStatus, resource: str) -> list[_Placement]:
    # A resource's constraints are looked up and indexed once, not once per node: the capacity
    # model asks for every VM on every node (3,200 questions on a 32-node cluster of 100 VMs).
    table = _cached(view, f"_placements_{id(status)}", lambda: _placement_table(view, status))
    found: list[_Placement] | None = table.get(resource)
    if found is None:
        found = table[resource] = _placements(view, status, resource)
    return found


#: The placements last worked out, with all they depend on: the constraints and which clone or
#: group holds each resource. A poll that changed neither (a resource failed and recovered, a
#: domain's CPU time moved) reuses them: the capacity model asks for every VM on every poll.
_last_table: list[tuple[tuple[Constraint, ...], object, dict[str, list[_Placement]]]] = []


def _placement_table(view: ClusterView, status: ClusterStatus) -> dict[str, list[_Placement]]:
    holders = _cached(view, f"_holders_{id(status)}", lambda: _holders(status))
    constraints = view.constraints
    for known, held, table in _last_table:
        if (known is constraints or known == constraints) and held == holders:
            return table
    table = {}
    _last_table[:] = [(constraints, holders, table)]
    return table


def rules_allow(view: ClusterView, status: ClusterStatus, resource: str, nodes: list[str]) -> list[str]:
    """The nodes of ``nodes`` (in order) where ``rules_reason`` is None, asked in one go."""
    if not constraints_known(view):
        return list(nodes)
    placements = _placements_of(view, status, resource)
    # ``_Placement.reason`` in sets: the capacity model asks this for every VM of every node.
    banned = {n for p in placements for n in p.bans}
    only = [p.allowed for p in placements if p.needs_allowing(status)]
    return [n for n in nodes if n not in banned and all(n in a for a in only)]


def _rules_reason(view: ClusterView, status: ClusterStatus, resource: str, node: str) -> str | None:
    own, *partners = _placements_of(view, status, resource)
    why = own.reason(status, node)
    if why is not None:
        return why
    for partner in partners:
        why = partner.reason(status, node)
        if why is not None:
            return f"{resource} runs with {partner.name}, and {why}"
    return None
