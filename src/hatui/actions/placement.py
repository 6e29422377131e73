"""Provides ``placement``: on which nodes may a resource run, and why not elsewhere. Pure.

The node picker shows the nodes it rules out disabled with the reason, and a move to such a node is
refused, so that hatui never asks Pacemaker for what its own rules forbid. A preference hatui adds
(``cli-prefer``) is itself an allowing constraint: in an asymmetric cluster a move to a node that
no constraint allows succeeds, and moves the resource again as soon as the preference is cleared
(two outages). Such a node is ``pinnable``: reachable only by a move that keeps its preference.

What rules a node out: Pacemaker's node state (offline, standby, maintenance, unclean), a
``-INFINITY`` location constraint (a ban), no location constraint allowing it when
``symmetric-cluster=false``, the same for a resource it is colocated with at INFINITY (its DRBD
clone), and for a VM no UpToDate copy of its DRBD disks. The constraint rules themselves live in
``hatui.model.locations`` (the capacity model reads them too).
"""

from __future__ import annotations

from dataclasses import dataclass

from hatui.actions import safety
from hatui.errors import ActionRefused
from hatui.model.locations import colocated_with, constraints_known, location_reason, resource_ids
from hatui.model.view import ClusterView
from hatui.model.vms import disk_names_for, is_vm_resource


@dataclass(frozen=True, slots=True)
class Place:
    """One node for one resource: ``reason`` is None when the resource may run there."""

    node: str
    reason: str | None = None
    pinnable: bool = False
    """Only the lack of an allowing constraint rules it out: a move that keeps its preference may go."""


def placement(view: ClusterView, resource: str) -> tuple[Place, ...]:
    """Every Pacemaker node, with the reason ``resource`` cannot run there (None when it can)."""
    status = view.pacemaker
    if status is None:
        return ()
    ids = resource_ids(status, resource)
    partners = colocated_with(view, ids)
    known = constraints_known(view)
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
            reason, pinnable = location_reason(view, status, ids, n.name, resource)
        # A preference pins the resource, not its partners nor its disks: those still rule out.
        hard: str | None = None
        if disks:
            try:
                safety.vm_disks_on(view, resource, disks, n.name)
            except ActionRefused as exc:
                hard = exc.message
        for partner in partners if hard is None and known else ():
            why, _ = location_reason(view, status, {partner} | resource_ids(status, partner), n.name, partner)
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
