"""Provides ClusterCommands: the command palette's actions on the cluster's current nodes and resources.

"Standby vnode2", "Move sentinel to vnode2", "Connect dns-root on vnode2": one entry per action and
target of the last poll, in catalog wording. The palette does not consult ``check_action``, so this
provider filters by mode itself: nothing in monitor mode, only reading actions in a read-only cluster.
The entries go through the same controller flow as the keys (safety, confirmation, runner).
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import Any

from textual.command import DiscoveryHit, Hit, Hits, Matcher, Provider
from textual.content import Content

from hatui.actions.catalog import CATALOG, for_kind
from hatui.actions.plan import Request
from hatui.actions.settle import active_nodes
from hatui.model.vms import vm_rows
from hatui.plaintext import clean_line
from hatui.ui.actions_glue import ActionController
from hatui.ui.modes import action_allowed


def entries(app: Any) -> Iterator[tuple[str, str, Request]]:
    """``(title, help, request)`` for every action and target the mode allows."""
    controller = getattr(app, "actions", None)
    view = app.state.view if hasattr(app, "state") else None
    if not isinstance(controller, ActionController) or view is None or app.monitor:
        return
    if getattr(app, "on_fleet", False):
        return  # the fleet screen shows no cluster to act on
    status = view.pacemaker
    nodes = [n.name for n in status.nodes] if status else list(view.node_names)
    for spec in for_kind("cluster", "node", "resource", "vm", "drbd", "snapshot"):
        if not action_allowed(app.read_only, spec.name):
            continue
        if spec.kind == "cluster":
            yield spec.label, spec.description, Request(spec.name)
        elif spec.kind == "node":
            for n in nodes:
                yield spec.label.format(n), spec.description, Request(spec.name, n)
        elif spec.kind == "resource" and status is not None:
            for rid in dict.fromkeys(r.id for r in status.resources if spec.clones or r.clone is None):
                if not spec.needs_node:
                    yield spec.label.format(rid), spec.description, Request(spec.name, rid)
                    continue
                here = active_nodes(status, rid)
                for n in nodes:
                    if spec.to_node and n in here:
                        continue
                    yield spec.label.format(rid, n), spec.description, Request(spec.name, rid, node=n)
        elif spec.kind == "vm" and spec.node_optional:
            # The VMs with an LV under their disks; where is the action's to choose (not where it runs).
            for vm in vm_rows(view):
                if view.storage.lvs_of_vm(vm.name):
                    yield spec.label.format(vm.name), spec.description, Request(spec.name, vm.name)
        elif spec.kind == "vm":
            for vm in vm_rows(view):
                for n in vm.domain_nodes[:1]:
                    yield spec.label.format(vm.name), spec.description, Request(spec.name, vm.name, node=n)
        elif spec.kind == "snapshot":
            for snap in view.storage.snapshots():
                title = f"{spec.label.format(snap.lv.path)} on {snap.node}"
                yield title, spec.description, Request(spec.name, snap.lv.path, node=snap.node)
        elif spec.kind == "drbd":
            for d in view.drbd:
                name = d.resource or d.label
                title = f"{spec.label.format(name)} on {d.node}"
                yield title, spec.description, Request(spec.name, name, node=d.node, volume=d.device.volume)


def highlight(matcher: Matcher, title: str) -> Content:
    """``title`` with the matched letters marked, as plain text.

    ``Matcher.highlight`` reads its candidate as markup, and resource names are remote text.
    """
    title = clean_line(title)
    content = Content(title)
    _score, offsets = matcher.fuzzy_search.match(matcher.query, title)
    for offset in offsets:
        if not title[offset].isspace():
            content = content.stylize(matcher.match_style, offset, offset + 1)
    return content


class ClusterCommands(Provider):
    """The hatui actions in the command palette."""

    def _run(self, req: Request) -> None:
        controller = getattr(self.app, "actions", None)
        if isinstance(controller, ActionController):
            controller.request(req)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, req in entries(self.app):
            score = matcher.match(title)
            if score > 0:
                yield Hit(
                    score, highlight(matcher, title), partial(self._run, req), text=title, help=help_text
                )

    async def discover(self) -> Hits:
        for title, help_text, req in entries(self.app):
            if CATALOG[req.action].discover:
                yield DiscoveryHit(
                    Content(clean_line(title)), partial(self._run, req), text=title, help=help_text
                )
