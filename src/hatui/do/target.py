"""Provides ``build_request``: the command line's TARGET, --to and --node checked against the cluster.

Pure. The console builds a request from the row the admin highlighted, so it cannot name a node
that does not exist; a command line can. Every mistake of that kind is a ``CannotPlanError`` (exit 3)
that names what exists, before any planner or safety check runs. A VM name stands for its
Pacemaker resource, as on the console's VMs pane.
"""

from __future__ import annotations

from hatui.actions.catalog import ActionSpec, Ask, action_id
from hatui.actions.plan import Request
from hatui.errors import HatuiError
from hatui.model.view import ClusterView
from hatui.model.vms import vm_rows


class CannotPlanError(HatuiError):
    """The command line does not describe an action hatui can plan (exit 3)."""

    title = "hatui do"


def _known(names: list[str] | tuple[str, ...]) -> str:
    shown = ", ".join(names[:12]) + (", …" if len(names) > 12 else "")
    return shown or "none"


def resource_ids(view: ClusterView) -> list[str]:
    """Every primitive, group and clone id Pacemaker reports."""
    status = view.pacemaker
    if status is None:
        return []
    ids = [r.id for r in status.resources] + [c.id for c in status.collections]
    return list(dict.fromkeys(ids))


def _node(view: ClusterView, name: str, what: str) -> str:
    nodes = view.node_names
    if name not in nodes:
        raise CannotPlanError(f"{what}: no node {name!r} in the cluster (nodes: {_known(nodes)})")
    return name


def _resource(view: ClusterView, name: str) -> str:
    ids = resource_ids(view)
    if name in ids:
        return name
    vm = next((v for v in vm_rows(view) if v.name == name), None)
    if vm is not None:
        if vm.resource is None:
            raise CannotPlanError(f"VM {name} is not managed by Pacemaker")
        return vm.resource
    if view.pacemaker is None:
        raise CannotPlanError("no node gave a Pacemaker picture: no resource can be named")
    raise CannotPlanError(f"no resource or VM {name!r} (resources: {_known(ids)})")


def build_request(
    spec: ActionSpec,
    view: ClusterView,
    target: str | None,
    *,
    to: str | None = None,
    node: str | None = None,
    cluster: str = "",
) -> Request:
    """The request the command line describes.

    Raises:
        CannotPlanError: a missing, unknown or superfluous TARGET, --to or --node.
    """
    ident = action_id(spec)
    wants_to = spec.ask is Ask.NODE and spec.to_node
    wants_node = (
        spec.kind in ("drbd", "snapshot") or spec.node_optional or (spec.ask is Ask.NODE and not spec.to_node)
    )
    if to is not None and not wants_to:
        hint = f" ({spec.label.format(target or 'TARGET', 'NODE')}: NODE is --node)" if wants_node else ""
        raise CannotPlanError(f"{ident} takes no --to{hint}")
    if node is not None and not wants_node:
        hint = " (where it goes is --to)" if wants_to else ""
        raise CannotPlanError(f"{ident} takes no --node{hint}")
    if spec.kind == "cluster":
        if target not in (None, cluster):
            raise CannotPlanError(f"{ident} acts on the whole cluster: no TARGET (or the cluster's name)")
        return Request(spec.name)
    if not target:
        raise CannotPlanError(f"{ident} needs a TARGET ({spec.kind})")
    if spec.kind == "node":
        return Request(spec.name, _node(view, target, ident))
    if spec.kind == "drbd":
        return _drbd_request(spec, view, target, node)
    if spec.kind == "snapshot":
        return _snapshot_request(spec, view, target, node)
    if spec.node_optional:  # a VM's disks, on the node named or the one the planner chooses
        if not any(target in (v.name, v.resource) for v in vm_rows(view)):
            names = [v.name for v in vm_rows(view)]
            raise CannotPlanError(f"no VM {target!r} (VMs: {_known(names)})")
        return Request(spec.name, target, _node(view, node, ident) if node is not None else None)
    rsc = _resource(view, target)
    if wants_to:
        if to is None:
            raise CannotPlanError(f"{ident} needs --to NODE (where {target} goes)")
        return Request(spec.name, rsc, _node(view, to, ident))
    if wants_node:
        if node is None:
            raise CannotPlanError(f"{ident} needs --node NODE ({spec.label.format(target, 'NODE')})")
        return Request(spec.name, rsc, _node(view, node, ident))
    return Request(spec.name, rsc)


def _drbd_request(spec: ActionSpec, view: ClusterView, target: str, node: str | None) -> Request:
    ident = action_id(spec)
    names = list(dict.fromkeys(d.resource or d.label for d in view.drbd))
    if target not in names:
        raise CannotPlanError(f"no DRBD resource {target!r} (DRBD resources: {_known(names)})")
    if node is None:
        what = "the victim whose changes are discarded" if spec.ask is Ask.VICTIM else "the device's node"
        raise CannotPlanError(f"{ident} needs --node NODE ({what})")
    _node(view, node, ident)
    if spec.ask is Ask.VICTIM:
        return Request(spec.name, target, victim=node)
    return Request(spec.name, target, node)


def _snapshot_request(spec: ActionSpec, view: ClusterView, target: str, node: str | None) -> Request:
    ident = action_id(spec)
    if node is None:
        raise CannotPlanError(f"{ident} needs --node NODE (the node whose LVM holds {target})")
    _node(view, node, ident)
    snaps = [nl.lv.path for nl in view.storage.snapshots() if nl.node == node]
    if target not in snaps:
        raise CannotPlanError(f"{node} lists no snapshot {target!r} (its snapshots: {_known(snaps)})")
    return Request(spec.name, target, node)
