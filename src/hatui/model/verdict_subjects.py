"""Provides the subjects of the verdict: what each problem is about and which other rows it concerns.

A rule in ``health*.py`` names one subject (a resource, a VM, a DRBD device, a node). The panes show
a problem beside every row it concerns, so ``judge`` tags each problem with its ``kind`` and the keys
it ``affects``: a resource's problem also concerns its VM, a disk's problem the VMs on that disk, an
unreachable node's problem the VMs Pacemaker places there. ``SubjectIndex`` is built once per view,
so tagging thousands of problems does not rescan the VM rows for each.
"""

from __future__ import annotations

from dataclasses import replace

from hatui.model.health_types import Problem
from hatui.model.vms import VmRow

_CLUSTER_CODES = frozenset(
    ["no-quorum", "partition", "maintenance-mode", "stonith-disabled", "no-nodes", "no-dc", "no-node-polled"]
)
#: Node problems that put in doubt the VMs Pacemaker places on that node.
_NODE_DOUBTS = frozenset(
    ["node-unreachable", "host-key-changed", "host-key-unknown", "node-unclean", "node-offline"]
)
_NODE_CODES = _NODE_DOUBTS | frozenset(
    ["node-standby", "node-maintenance", "node-not-member", "pacemaker-unread", "fence-failed"]
)


class SubjectIndex:
    """Which VM a resource, disk or node concerns, built once per view."""

    def __init__(self, rows: tuple[VmRow, ...]) -> None:
        self.vm_of_resource: dict[str, str] = {}
        self.vms_of_disk: dict[str, set[str]] = {}
        self.vms_on_node: dict[str, set[str]] = {}
        self.resource_of_vm: dict[str, str] = {}
        for row in rows:
            if row.resource is not None:
                self.vm_of_resource[row.resource] = row.name
                self.resource_of_vm[row.name] = row.resource
            for disk in row.disk_names:
                self.vms_of_disk.setdefault(disk, set()).add(row.name)
            for d in row.disks:
                self.vms_of_disk.setdefault(d.label, set()).add(row.name)
            for n in row.pcmk_nodes:
                self.vms_on_node.setdefault(n, set()).add(row.name)

    def tag(self, p: Problem) -> Problem:
        """``p`` with its ``kind`` and ``affects`` filled in."""
        kind = p.kind or kind_of(p.code)
        more: set[str] = set(p.affects)
        if kind == "resource":
            vm = self.vm_of_resource.get(p.subject)
            if vm is not None:
                more.add(f"vm:{vm}")
        elif kind == "vm":
            rid = self.resource_of_vm.get(p.subject)
            if rid is not None:
                more.add(f"resource:{rid}")
        elif kind == "drbd":
            # A device's problem names "res/volume"; a VM's disks are known by the resource too.
            base = p.subject.split("/")[0]
            vms = self.vms_of_disk.get(p.subject, set()) | self.vms_of_disk.get(base, set())
            more |= {f"vm:{v}" for v in vms}
        elif kind == "node" and p.code in _NODE_DOUBTS:
            more |= {f"vm:{v}" for v in self.vms_on_node.get(p.subject, ())}
        if p.node and kind != "cluster":
            more |= {f"node:{n.strip()}" for n in p.node.split(",")}
        return replace(p, kind=kind, affects=frozenset(more))

    def resources_of(self, p: Problem) -> list[str]:
        """The Pacemaker resources a problem is about (itself, its VM's, its disks' VMs')."""
        out = [k.split(":", 1)[1] for k in p.keys if k.startswith("resource:")]
        for k in p.keys:
            if k.startswith("vm:") and k[3:] in self.resource_of_vm:
                out.append(self.resource_of_vm[k[3:]])
        return out


def kind_of(code: str) -> str:
    """The kind of subject a problem code is about, for rules that did not say."""
    if code in _CLUSTER_CODES:
        return "cluster"
    if code in _NODE_CODES:
        return "node"
    if code.startswith(("domain-", "vm-")):
        return "vm"
    if code.startswith("drbd-"):
        return "drbd"
    if code == "ring-faulty":
        return "link"
    return "resource"
