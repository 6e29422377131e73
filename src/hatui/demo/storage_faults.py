"""Provides the demo's storage faults: a snapshot filling up, a lost PV, an iSCSI session in
recovery and a backup job failing half-way, and how ``heal`` undoes each.

``demo.faults`` lists them in ``FAULTS`` and dispatches here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hatui.demo import storage_sim as sim
from hatui.errors import HatuiError
from hatui.model.backup_rule import SnapshotRule

if TYPE_CHECKING:
    from hatui.demo.cluster import DemoCluster

#: Where a filling snapshot starts (percent) and how long (demo seconds) it takes from there to full.
FILL_START, FILL_TO_FULL_S = 85.0, 30.0
#: The PV of vg1 that ``missing-pv`` loses (its second disk), and the session ``iscsi-recovery`` hits.
LOST_PV = "/dev/sdb1"


def _snapshots(c: DemoCluster, target: str) -> list[tuple[str, sim.Lv]]:
    """The snapshots ``target`` names: ``vg/lv`` on any node, or every snapshot of a VM's disks."""
    if "/" in target:
        vg, _, name = target.partition("/")
        found = [(n, lv) for n, st in c.storage.items() if (lv := st.lv(vg, name)) is not None]
        if not found or any(lv.snap is None for _, lv in found):
            raise HatuiError(f"demo: {target} is not a snapshot on any node")
        return found
    if c.topo.vm(target) is None:
        raise HatuiError(f"demo: fill-snapshot needs a snapshot (vg/lv) or a VM, not {target!r}")
    return [(f.node, snap) for f in sim.backing_lvs(c, target) for snap in f.snaps]


def fill_snapshot(c: DemoCluster, target: str) -> None:
    """Pushes the snapshot(s) past 80 %; they reach 100 % (invalid) ``FILL_TO_FULL_S`` later.

    A VM without a snapshot gets one first, of its first disk, on the node that does not run it
    (where hatui's backups take them), sized by the default snapshot rule.
    """
    found = _snapshots(c, target)
    if not found:
        found = [_make_snapshot(c, target)]
    for node, lv in found:
        assert lv.snap is not None
        lv.snap.used_bytes = lv.size_bytes * FILL_START / 100.0
        lv.snap.mark_t = c.t
        lv.snap.rate_bytes_s = lv.size_bytes * (100.0 - FILL_START) / 100.0 / FILL_TO_FULL_S
        lv.snap.forced = True
        c.log(f"lvm: {node}: snapshot {lv.vg}/{lv.name} filling ({FILL_START:.0f}%)")


def _make_snapshot(c: DemoCluster, vm: str) -> tuple[str, sim.Lv]:
    vmdef = c.topo.vm(vm)
    if vmdef is None or not vmdef.disks:
        raise HatuiError(f"demo: {vm} has no DRBD disk to snapshot")
    running = {n for n, rt in c.nodes.items() if vm in rt.domains}
    disk = vmdef.disks[0]
    node = next((n for n in c.drbd[disk.name].sides if n not in running), c.topo.drbd_nodes[-1])
    origin = c.storage[node].lv(disk.vg, disk.name)
    if origin is None:
        raise HatuiError(f"demo: {node} has no LV {disk.vg}/{disk.name}")
    stamp = c.wall().strftime("%Y%m%dT%H%M%S")
    size = SnapshotRule().size_bytes(origin.size_bytes, sim.EXTENT)
    return node, sim.create_snapshot(c, node, origin, f"{disk.name}-hatui-{stamp}", size)


def lose_pv(c: DemoCluster, node: str) -> None:
    """A disk of ``vg1`` on ``node`` is gone: pvs shows ``[unknown]``, vg1 is partial."""
    pv = next(pv for pv in c.storage[node].vgs["vg1"].pvs if pv.name == LOST_PV)
    if pv.missing:
        raise HatuiError(f"demo: {LOST_PV} of vg1 on {node} is already missing")
    pv.missing = True
    c.log(f"kernel: {node}: sd 1:0:0:0: [sdb] rejecting I/O to offline device; vg1 is partial")


def iscsi_recovery(c: DemoCluster, node: str) -> None:
    """``node``'s session to vstor1's VM store loses its portal: TRANSPORT WAIT, FAILED, REOPEN."""
    session = c.storage[node].sessions[0]
    session.recovering = True
    c.log(f"iscsid: {node}: connection{session.sid}:0 error (1011) state (3); session in recovery")


def fail_backup(c: DemoCluster, node: str) -> None:
    """The next backup job on ``node`` fails half-way."""
    c.storage[node].fail_next_backup = True


def heal_node(c: DemoCluster, node: str) -> None:
    """The lost PV is back, the sessions log in again, no backup is set to fail."""
    st = c.storage[node]
    for vg in st.vgs.values():
        for pv in vg.pvs:
            pv.missing = False
    for session in st.sessions:
        session.recovering = False
    st.fail_next_backup = False


def heal_snapshots(c: DemoCluster, target: str) -> bool:
    """Removes the filling or invalid snapshot(s) ``target`` names, as an admin would; False if none."""
    try:
        found = _snapshots(c, target)
    except HatuiError:
        return False
    for node, lv in found:
        if lv.snap is not None and (lv.snap.invalid or sim.snap_percent(c, lv) >= FILL_START):
            sim.remove_lv(c, node, lv)
    return bool(found)
