"""Provides ``placement``: on which nodes may a resource run, and why not elsewhere. Pure.

The node picker shows the nodes it rules out disabled with the reason, and a move to such a node is
refused, so that hatui never asks Pacemaker for what its own rules forbid. A preference hatui adds
(``cli-prefer``) is itself an allowing constraint: in an asymmetric cluster a move to a node that
no constraint allows succeeds, and moves the resource again as soon as the preference is cleared
(two outages). Such a node is ``pinnable``: reachable only by a move that keeps its preference.

What rules a node out: Pacemaker's node state (offline, standby, maintenance, unclean), a
``-INFINITY`` location constraint (a ban), no location constraint allowing it when
``symmetric-cluster=false``, the same for a resource it is colocated with at INFINITY (its DRBD
clone), and for a VM no UpToDate copy of its DRBD disks. Constraints with rules (no node) make the
answer unknown, and then nothing is ruled out by them.
"""

from __future__ import annotations

from dataclasses import dataclass

from hatui.actions import safety
from hatui.errors import ActionRefused
from hatui.model.pacemaker import ClusterStatus, Constraint
from hatui.model.view import ClusterView
from hatui.model.vms import disk_names_for, is_vm_resource


@dataclass(frozen=True, slots=True)
class Place:
    """One node for one resource: ``reason`` is None when the resource may run there."""

    node: str
    reason: str | None = None
    pinnable: bool = False
    """Only the lack of an allowing constraint rules it out: a move that keeps its preference may go."""


def _ids(status: ClusterStatus, resource: str) -> set[str]:
    """The resource and every clone/group that holds it: constraints may name any of them."""
    ids = {resource}
    for r in status.instances(resource):
        ids |= {i for i in (r.parent, r.clone) if i}
    for c in status.collections:
        if c.id in ids and c.parent:
            ids.add(c.parent)
    return ids


def _minus_inf(score: str | None) -> bool:
    return (score or "").strip().lower() in ("-infinity", "-inf")


def _location_reason(
    view: ClusterView, status: ClusterStatus, ids: set[str], node: str, name: str
) -> tuple[str | None, bool]:
    """(why ``name`` may not run on ``node`` by location constraints, pinnable)."""
    locs = [c for c in view.constraints if c.kind == "location" and c.resource in ids]
    banned = [c for c in locs if c.node == node and _minus_inf(c.score)]
    if banned:
        return f"{name} is banned there ({_ban_word(banned[0])})", False
    allowing = [c for c in locs if c.node == node and not _minus_inf(c.score)]
    if status.symmetric_cluster is False and not allowing and not any(c.node is None for c in locs):
        return f"no location constraint allows {name} there (symmetric-cluster=false)", True
    return None, False


def _ban_word(c: Constraint) -> str:
    return f"{c.id}, {c.score}"


def _colocated_with(view: ClusterView, ids: set[str]) -> list[str]:
    """Resources the resource must run with (colocation at INFINITY, the resource as the dependent)."""
    out = []
    for c in view.constraints:
        hard = (c.score or "").strip().lower() in ("infinity", "+infinity", "inf")
        if c.kind == "colocation" and c.resource in ids and c.with_resource and hard:
            out.append(c.with_resource)
    return out


def placement(view: ClusterView, resource: str) -> tuple[Place, ...]:
    """Every Pacemaker node, with the reason ``resource`` cannot run there (None when it can)."""
    status = view.pacemaker
    if status is None:
        return ()
    ids = _ids(status, resource)
    partners = _colocated_with(view, ids)
    # No constraint list from any node (not collected yet): the rules are unknown, none applies.
    known = any(r.constraints is not None for r in view.reachable)
    instances = status.instances(resource)
    disks = disk_names_for(view, resource) if instances and is_vm_resource(instances[0]) else ()
    out = []
    for n in status.nodes:
        reason: str | None = None
        pinnable = False
        try:
            safety.target_node(status, n.name)
        except ActionRefused as exc:
            reason = exc.message
        if reason is None and known:
            reason, pinnable = _location_reason(view, status, ids, n.name, resource)
        # A preference pins the resource, not its partners nor its disks: those still rule out.
        hard: str | None = None
        if disks:
            try:
                safety.vm_disks_on(view, resource, disks, n.name)
            except ActionRefused as exc:
                hard = exc.message
        for partner in partners if hard is None and known else ():
            why, _ = _location_reason(view, status, {partner} | _ids(status, partner), n.name, partner)
            if why is not None:
                hard = f"{resource} runs with {partner}, and {why}"
                break
        if hard is not None and (reason is None or pinnable):
            reason, pinnable = hard, False
        out.append(Place(n.name, reason, pinnable))
    return tuple(out)


def place(view: ClusterView, resource: str, node: str) -> Place:
    """The placement of ``resource`` on ``node`` (allowed when Pacemaker does not list the node)."""
    return next((p for p in placement(view, resource) if p.node == node), Place(node))
