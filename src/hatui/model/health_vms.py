"""Provides the checks that join the layers of a VM, and the resource states the panes used to judge.

These rules lived in the VMs and Resources panes; they are problems now, so every surface (panes,
badge, wall, ``--once``) shows the same verdict:

- ``vm-no-domain`` CRITICAL: Pacemaker says the VM runs on a node whose domain list (read, from a
  node that answers) does not show it, and it runs nowhere else unexpectedly.
- ``vm-disk-not-primary`` CRITICAL: a disk of a running VM is not Primary on the node running it.
- ``resource-blocked`` CRITICAL: Pacemaker will not act on the resource until someone cleans up.
- ``resource-unmanaged`` WARNING: Pacemaker will not recover it (``info`` under maintenance-mode,
  which already has its own warning).
- ``resource-pending`` settling: an operation is in flight (``pending="Starting"``).
- ``n-plus-one`` WARNING: the loss of a node would leave some of its VMs nowhere to run
  (``hatui.model.capacity``); only on known figures, never on missing ones.

A domain no resource manages is no problem: its row says so (``verdict.fine_because``).
"""

from __future__ import annotations

from hatui.model.capacity import capacity
from hatui.model.health_types import CRITICAL, INFO, SETTLING, WARNING, Problem
from hatui.model.pacemaker import ClusterStatus
from hatui.model.view import ClusterView
from hatui.model.vms import vm_rows
from hatui.model.words import DrbdRole

#: Every code the rules here give (the VM joins, the capacity check and the resource states).
VM_CODES = frozenset(
    {
        "vm-no-domain",
        "vm-disk-not-primary",
        "n-plus-one",
        "resource-blocked",
        "resource-unmanaged",
        "resource-pending",
    }
)


def vm_problems(view: ClusterView) -> list[Problem]:
    """Problems of each VM that only joining Pacemaker, the domain lists and DRBD shows."""
    out: list[Problem] = []
    for row in vm_rows(view):
        active = sorted(set(row.domain_nodes))
        pcmk = sorted(set(row.pcmk_nodes))
        if row.resource is not None and row.managed is not False:
            strays = [n for n in active if n not in pcmk]
            for n in pcmk:
                rep = view.report(n)
                if n in active or strays or rep is None or not rep.reachable or rep.domains is None:
                    continue
                text = f"VM {row.name}: Pacemaker says {n}, no domain there"
                out.append(Problem(CRITICAL, "vm-no-domain", row.name, n, text))
        for d in row.disks:
            if d.node not in (active or pcmk) or d.device.role is DrbdRole.PRIMARY:
                continue
            text = f"VM {row.name}: disk {d.label} is {d.device.role_raw} on {d.node}"
            out.append(Problem(CRITICAL, "vm-disk-not-primary", row.name, d.node, text))
    return out


def capacity_problems(view: ClusterView) -> list[Problem]:
    """One ``n-plus-one`` warning per node whose loss would strand VMs: the cluster's risk, not the node's."""
    return [
        Problem(WARNING, "n-plus-one", s.node, None, s.message, kind="cluster")
        for s in capacity(view).stranded
    ]


def resource_state_problems(s: ClusterStatus) -> list[Problem]:
    """Blocked, unmanaged and pending resources (one problem per resource id)."""
    out: list[Problem] = []
    seen: set[tuple[str, str]] = set()
    for r in s.resources:
        where = ", ".join(r.nodes) or None
        found = []
        if r.failed:
            # A failed stop leaves the resource blocked and unmanaged: resource-failed says it.
            continue
        if r.blocked:
            found.append((CRITICAL, "resource-blocked", f"{r.id} is blocked: Pacemaker will not act on it"))
        if r.managed is False:
            sev = INFO if s.maintenance_mode else WARNING
            found.append((sev, "resource-unmanaged", f"{r.id} is unmanaged: Pacemaker will not recover it"))
        if r.pending:
            found.append((SETTLING, "resource-pending", f"{r.id}: {r.pending} on {where or 'no node'}"))
        for sev, code, text in found:
            if (code, r.id) not in seen:
                seen.add((code, r.id))
                out.append(Problem(sev, code, r.id, where, text))
    return out
