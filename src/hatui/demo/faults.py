"""Provides the faults the demo can inject, so that a newcomer sees what a bad night looks like.

``FAULTS`` names each fault and says what it does (a UI can list it behind a demo key);
``apply_fault`` applies one. ``heal`` undoes what can be undone: it revives a killed node, thaws a
frozen one (which then meets its replacement: a split-brain), resolves a split-brain the way an
admin would, or cleans up a VM's failures; the storage faults (``storage_faults``) are undone with
the node (PV back, sessions logged in) or the VM/snapshot (the filled snapshot removed).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hatui.demo import drbd_sim, storage_faults
from hatui.demo.lrm import RC_TEXT
from hatui.errors import HatuiError

if TYPE_CHECKING:
    from hatui.demo.cluster import DemoCluster

#: Fault name -> (what the target is, what happens).
FAULTS: dict[str, tuple[str, str]] = {
    "kill-node": (
        "node",
        "Power the node off: its transport refuses connections, the others see it OFFLINE after a "
        "few seconds and its VMs fail over to the spare (vnode2).",
    ),
    "freeze-node": (
        "node",
        "Hang the node: every command on it blocks until its timeout; the others see it OFFLINE and "
        "fail its VMs over. Healing it later ends in a DRBD split-brain.",
    ),
    "split-brain": (
        "drbd resource",
        "Split-brain a DRBD resource: both sides StandAlone, one Primary and one Secondary, the "
        "Primary's out-of-sync counter growing. Heal discards the spare's changes.",
    ),
    "split-brain-dual-primary": (
        "drbd resource",
        "Split-brain with both sides Primary (someone promoted the spare by hand).",
    ),
    "fail-monitor": (
        "vm",
        "Crash a VM: its next monitor fails, crm_mon shows the failed action and fail-count, and "
        "Pacemaker restarts it.",
    ),
    "fail-ring": (
        "node",
        "Mark corosync ring 1 FAULTY on the node (the other ring keeps the cluster). Corosync 1.2.1 "
        "(seed) keeps the mark until corosync-cfgtool -r re-enables the rings.",
    ),
    "fill-snapshot": (
        "snapshot (vg/lv) or vm",
        "A snapshot fills past 80 %, then to 100 % (invalid) 30 s later; a VM without one gets a "
        "snapshot of its first disk on its Secondary first. Heal removes it.",
    ),
    "missing-pv": ("node", "A disk of vg1 fails: pvs shows [unknown], vg1 is partial."),
    "iscsi-recovery": (
        "node",
        "The node's session to vstor1's VM store goes into recovery (TRANSPORT WAIT, FAILED, REOPEN).",
    ),
    "fail-backup": ("node", "The next backup job on the node fails half-way (gzip cannot write)."),
    "heal": ("node, drbd resource, vm or snapshot", "Undo the fault on the target."),
}

#: The storage faults (``storage_faults``), by name.
STORAGE_FAULTS = {
    "fill-snapshot": storage_faults.fill_snapshot,
    "missing-pv": storage_faults.lose_pv,
    "iscsi-recovery": storage_faults.iscsi_recovery,
    "fail-backup": storage_faults.fail_backup,
}

BOOT_S = 4.0
JOIN_S = 2.0


def apply_fault(c: DemoCluster, fault: str, target: str) -> None:
    """Applies ``fault`` to ``target``; raises ``HatuiError`` naming what is wrong."""
    if fault not in FAULTS:
        raise HatuiError(f"demo: unknown fault {fault!r}; known: {', '.join(FAULTS)}")
    kind = FAULTS[fault][0]
    if kind == "node" and target not in c.nodes:
        raise HatuiError(f"demo: {fault} needs a node ({', '.join(c.nodes)}), not {target!r}")
    if kind == "drbd resource" and target not in c.drbd:
        raise HatuiError(f"demo: {fault} needs a DRBD resource ({', '.join(c.drbd)}), not {target!r}")
    if kind == "vm" and c.topo.vm(target) is None:
        raise HatuiError(
            f"demo: {fault} needs a VM ({', '.join(v.name for v in c.topo.vms)}), not {target!r}"
        )
    c.log(f"demo: fault {fault} on {target}")
    if fault == "kill-node":
        _kill(c, target)
    elif fault == "freeze-node":
        _freeze(c, target)
    elif fault.startswith("split-brain"):
        _split_brain(c, target, dual=fault.endswith("dual-primary"))
    elif fault == "fail-monitor":
        _crash_vm(c, target)
    elif fault == "fail-ring":
        c.nodes[target].ring_faulty.add(1)
    elif fault in STORAGE_FAULTS:
        STORAGE_FAULTS[fault](c, target)
    else:
        _heal(c, target)


def _lose_member(c: DemoCluster, node: str) -> None:
    rt = c.nodes[node]
    if rt.power == "up" or not rt.member:
        return
    rt.member = False
    c.cib.ring_seq += 4
    c.log(f"corosync: {node} left the membership")
    c.changed()


def _kill(c: DemoCluster, node: str) -> None:
    rt = c.nodes[node]
    if rt.power == "down":
        raise HatuiError(f"demo: {node} is already down")
    rt.power = "down"
    rt.domains.clear()
    rt.ring_faulty.clear()
    for drbd in c.drbd.values():
        side = drbd.sides.get(node)
        if side is not None:
            # What a reboot leaves: nothing configured until the cluster starts the resource again.
            side.up, side.role, side.user_paused, side.want_connect = False, "Secondary", False, True
            side.allocated = False
        drbd_sim.refresh(c, drbd)
    c.after(3.0, lambda: _lose_member(c, node))


def _freeze(c: DemoCluster, node: str) -> None:
    rt = c.nodes[node]
    if rt.power != "up":
        raise HatuiError(f"demo: {node} is {rt.power}, it cannot freeze")
    rt.power = "frozen"
    for drbd in c.drbd.values():
        drbd_sim.refresh(c, drbd)
    c.after(3.0, lambda: _lose_member(c, node))


def _split_brain(c: DemoCluster, disk: str, *, dual: bool) -> None:
    rt = c.drbd[disk]
    sides = list(rt.sides.values())
    if not all(s.up for s in sides):
        raise HatuiError(f"demo: {disk} is not up on both nodes, it cannot split-brain")
    drbd_sim.refresh(c, rt)
    rt.connected, rt.sync, rt.split_brain = False, None, True
    for side in sides:
        side.want_connect = False
        side.wrote_alone = True
        side.oos_kib = max(side.oos_kib, 3072.0)
    if dual:
        for side in sides:
            side.role = "Primary"


def _crash_vm(c: DemoCluster, vm: str) -> None:
    for rt in c.nodes.values():
        if rt.domains.pop(vm, None) is not None:
            c.log(f"xen: domain {vm} crashed on {rt.name} (on_crash=destroy)")
            return
    raise HatuiError(f"demo: {vm} is not running anywhere")


def _heal(c: DemoCluster, target: str) -> None:
    if target in c.nodes:
        _heal_node(c, target)
        storage_faults.heal_node(c, target)
    elif target in c.drbd:
        _heal_split_brain(c, target)
    elif "/" in target:
        if not storage_faults.heal_snapshots(c, target):
            raise HatuiError(f"demo: {target} is not a snapshot on any node")
    else:
        storage_faults.heal_snapshots(c, target)
        for node in c.nodes:
            c.lrm.clear_failures(node, target)


def _heal_node(c: DemoCluster, node: str) -> None:
    rt = c.nodes[node]
    rt.ring_faulty.clear()
    if rt.power == "frozen":
        rt.power = "up"
        c.after(JOIN_S, lambda: _join(c, node, rebooted=False))
    elif rt.power == "down":
        c.after(BOOT_S, lambda: _boot(c, node))


def _boot(c: DemoCluster, node: str) -> None:
    rt = c.nodes[node]
    rt.power, rt.booted_at = "up", c.t
    c.log(f"demo: {node} booted")
    c.after(JOIN_S, lambda: _join(c, node, rebooted=True))


def _join(c: DemoCluster, node: str, *, rebooted: bool) -> None:
    rt = c.nodes[node]
    if rt.power != "up" or rt.member:
        return
    rt.member = True
    c.cib.ring_seq += 4
    if rebooted:
        # The DC wipes a rejoining node's history and probes it: nothing runs after a reboot.
        rt.calls = 2
        c.cib.lrm[node] = {}
        c.cib.fail_counts.pop(node, None)
        for rsc in [vm.name for vm in c.topo.vms] + [f"drbd_{d.name}" for d in c.topo.disks]:
            c.record(node, rsc, "monitor", rc=7, target_rc=7)
    c.log(f"corosync: {node} joined the membership ({RC_TEXT[0]})")
    c.changed()


def _heal_split_brain(c: DemoCluster, disk: str) -> None:
    rt = c.drbd[disk]
    vm = c.topo.vm_of_disk(disk)
    keep = next((n for n in rt.sides if vm is not None and vm.name in c.nodes[n].domains), None)
    keep = keep or next((n for n, s in rt.sides.items() if s.role == "Primary"), next(iter(rt.sides)))
    victim = drbd_sim.peer_of(c, keep)
    if rt.sides[victim].role == "Primary" and c.lrm.state(victim, f"drbd_{disk}").role != "Promoted":
        rt.sides[victim].role = "Secondary"
    rt.sides[victim].discard = True
    for side in rt.sides.values():
        side.want_connect = True
    drbd_sim.refresh(c, rt)
