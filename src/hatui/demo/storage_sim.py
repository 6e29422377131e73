"""Provides the demo's storage layer: per node its LVM (PVs, VGs, LVs and snapshots), its iSCSI
sessions to the storage node vstor1 and its mounted filesystems.

The shape follows the reference cluster: each node has two volume groups; on the DRBD nodes every
DRBD resource's backing disk is the LV ``drbdadm dump all`` names (``/dev/<vg>/<resource>``, see
``render_drbd``), ``vg1`` holding the swap disks and ``vg2`` the root disks, each VG on two disks.
Every node logs in to vstor1's two targets: the VM store (its LUN is ``sdf`` on each node) and the
backup store (``sde``), mounted on ``/srv/backup`` (where the demo's backup command writes). vnode3,
which runs the VMs Pacemaker does not fail over, keeps their disks on the VM store, as the reference
cluster does: its ``vg3`` is the LUN ``/dev/sdf1``, so a session to vstor1 in recovery reaches them.

A snapshot fills as the VM writes to its origin (DRBD replicates the writes, so the Secondary's
copy fills like the Primary's): the copy-on-write space used grows at a quarter of the disk's write
rate (many writes land on chunks already copied), and a full snapshot turns invalid for good, as
the kernel marks it. The faults (``demo.faults``) push a snapshot's fill, lose a PV, put a session
into recovery or fail the next backup job.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from hatui.demo.topology import Topology

if TYPE_CHECKING:
    from hatui.demo.cluster import DemoCluster

MIB = 1024 * 1024
GIB = 1024 * MIB
#: LVM's default physical extent size.
EXTENT = 4 * MIB
#: How much of a VM's write rate lands on chunks not yet copied to its snapshot.
COW_SHARE = 0.25
#: vstor1's iSCSI portal on the iSCSI VLAN, and its targets (the VM store, the backup store).
PORTAL = "10.0.0.100:3260,1"
TARGETS = ("iqn.2010-03.it.unipi.cs:vstor1.vmstore", "iqn.2010-03.it.unipi.cs:vstor1.backup")
#: The site command the demo's ``backup:`` section configures (the demo emulates what it does).
BACKUP_COMMAND = 'dd if="$HATUI_DEVICE" bs=4M | gzip > /srv/backup/"$HATUI_LV-$HATUI_STAMP".img.gz'
#: The demo reads a snapshot at this rate (bytes of demo time per second): a 40 GiB disk in 40 s.
BACKUP_READ_BYTES_S = GIB
#: How much the demo's gzip keeps of what dd reads.
GZIP_RATIO = 0.35


@dataclass(slots=True)
class Pv:
    """One physical volume: a disk partition (or an iSCSI disk) given to a VG."""

    name: str
    size_bytes: int
    missing: bool = False


@dataclass(slots=True)
class Snap:
    """A thick snapshot's copy-on-write space: its fill follows the origin's writes."""

    used_bytes: float
    mark_t: float
    """Demo time ``used_bytes`` was measured at."""
    rate_bytes_s: float
    invalid: bool = False
    forced: bool = False
    """The rate was set by a fault (``fill-snapshot``), not by the VM's writes: it is kept."""


@dataclass(slots=True)
class Lv:
    """One logical volume (a snapshot when ``snap`` is set; ``origin`` names its origin LV)."""

    vg: str
    name: str
    size_bytes: int
    created_epoch: int
    origin: str | None = None
    snap: Snap | None = None
    drbd: str | None = None
    """The DRBD resource this LV is the backing disk of (it is open while DRBD is attached)."""


@dataclass(slots=True)
class Vg:
    """One volume group."""

    name: str
    pvs: list[Pv]


@dataclass(slots=True)
class Session:
    """One iSCSI session to vstor1."""

    target: str
    sid: int
    recovering: bool = False


@dataclass(slots=True)
class Mount:
    """One mounted filesystem, as ``df`` lists it."""

    device: str
    fstype: str
    size_bytes: int
    used_bytes: int
    mountpoint: str


@dataclass(slots=True)
class NodeStorage:
    """What one node has."""

    vgs: dict[str, Vg]
    lvs: list[Lv]
    sessions: list[Session]
    mounts: list[Mount]
    fail_next_backup: bool = False

    def lv(self, vg: str, name: str) -> Lv | None:
        """The LV ``vg/name``, or None."""
        return next((lv for lv in self.lvs if lv.vg == vg and lv.name == name), None)

    def snapshots_of(self, origin: Lv) -> list[Lv]:
        """The snapshots whose origin is ``origin``."""
        return [lv for lv in self.lvs if lv.vg == origin.vg and lv.origin == origin.name]

    def vg_size(self, vg: str) -> int:
        """A VG's size: its PVs' (a missing PV still counts, as LVM counts it)."""
        return sum(pv.size_bytes for pv in self.vgs[vg].pvs)

    def vg_used(self, vg: str) -> int:
        """Bytes allocated to LVs in ``vg``."""
        return sum(lv.size_bytes for lv in self.lvs if lv.vg == vg)

    def vg_free(self, vg: str) -> int:
        """Bytes a new LV could still take in ``vg``."""
        return self.vg_size(vg) - self.vg_used(vg)

    def pv_free(self, vg: str) -> dict[str, int]:
        """Each PV's free bytes: LVs are allocated PV after PV, in creation order."""
        free = {pv.name: pv.size_bytes for pv in self.vgs[vg].pvs}
        for lv in (lv for lv in self.lvs if lv.vg == vg):
            need = lv.size_bytes
            for name in free:
                take = min(need, free[name])
                free[name] -= take
                need -= take
        return free


def _extents(size: int) -> int:
    return -(-size // EXTENT) * EXTENT


def initial_storage(topo: Topology, generation: str, epoch: int) -> dict[str, NodeStorage]:
    """Every node's storage at the start: the DRBD backing LVs, local LVs, sessions and mounts."""
    created = epoch - 400 * 86400  # the disks were made when the cluster was built
    out: dict[str, NodeStorage] = {}
    for ndef in topo.nodes:
        if ndef.drbd:
            # 4 x 146 GB SAS: the system on sda, the rest of sda and sdb for vg1, sdc and sdd for vg2.
            vgs = {
                "vg1": Vg("vg1", [Pv("/dev/sda3", 100 * GIB), Pv("/dev/sdb1", 136 * GIB)]),
                "vg2": Vg("vg2", [Pv("/dev/sdc1", 136 * GIB), Pv("/dev/sdd1", 136 * GIB)]),
            }
            lvs = [
                Lv(d.vg, d.name, _extents(d.size_kib * 1024), created, drbd=d.name)
                for d in sorted(topo.disks, key=lambda d: d.minor)
            ]
            lvs.append(Lv("vg1", "scratch", 20 * GIB, created))
        else:
            # 2 x 320 GB SATA for the system and an archive,
            # and vstor1's VM store LUN (sdf) for the VMs it runs.
            vgs = {
                "vg1": Vg("vg1", [Pv("/dev/sda3", 280 * GIB)]),
                "vg2": Vg("vg2", [Pv("/dev/sdb1", 298 * GIB)]),
                "vg3": Vg("vg3", [Pv("/dev/sdf1", 500 * GIB)]),
            }
            local = [vm for vm in topo.vms if not vm.disks and vm.preferred == ndef.name]
            lvs = [Lv("vg3", f"{vm.name}-disk", 30 * GIB, created) for vm in local]
            lvs.append(Lv("vg2", "archive", 120 * GIB, created))
        fs = "ext3" if generation == "seed" else "ext4"
        mounts = [
            Mount("/dev/sda2", fs, 20 * GIB, 6 * GIB + ndef.node_id * 311 * MIB, "/"),
            Mount("/dev/sda1", fs, 243 * MIB, 41 * MIB, "/boot"),
            Mount("/dev/sde1", fs, 1800 * GIB, 610 * GIB + ndef.node_id * 37 * GIB, "/srv/backup"),
        ]
        sessions = [Session(target, sid) for sid, target in enumerate(TARGETS, start=1)]
        out[ndef.name] = NodeStorage(vgs, lvs, sessions, mounts)
    return out


def snap_used(c: DemoCluster, lv: Lv) -> float:
    """A snapshot's used copy-on-write bytes now; marks it invalid (for good) once full."""
    snap = lv.snap
    if snap is None:
        return 0.0
    if snap.invalid:
        return float(lv.size_bytes)
    used = snap.used_bytes + snap.rate_bytes_s * max(0.0, c.t - snap.mark_t)
    if used >= lv.size_bytes:
        snap.invalid = True
        c.log(f"kernel: device-mapper: snapshots: Snapshot {lv.vg}/{lv.name} is marked invalid.")
        return float(lv.size_bytes)
    return used


def snap_percent(c: DemoCluster, lv: Lv) -> float:
    """A snapshot's fill in percent (100 when invalid)."""
    return 100.0 * snap_used(c, lv) / lv.size_bytes if lv.size_bytes else 100.0


def lv_open(c: DemoCluster, node: str, lv: Lv) -> bool:
    """True when something holds the LV open: DRBD attached to it, or a local VM running on it."""
    if lv.drbd is not None:
        rt = c.drbd.get(lv.drbd)
        side = rt.sides.get(node) if rt is not None else None
        return side is not None and side.up and side.disk != "Diskless"
    if lv.name.endswith("-disk"):
        return lv.name.removesuffix("-disk") in c.nodes[node].domains
    return False


def write_rate(c: DemoCluster, node: str, lv: Lv) -> float:
    """Bytes per second the VM of ``lv``'s DRBD resource writes to it on ``node`` (0 when idle)."""
    if lv.drbd is None:
        return 0.0
    disk = c.topo.disk(lv.drbd)
    rt = c.drbd.get(lv.drbd)
    if disk is None or rt is None or not any(c.vm_domain_running(disk, n) for n in rt.sides):
        return 0.0
    side = rt.sides.get(node)
    writing = side is not None and side.up and (side.role == "Primary" or rt.connected)
    return disk.write_kib_s * 1024 * COW_SHARE if writing else 0.0


def create_snapshot(c: DemoCluster, node: str, origin: Lv, name: str, size_bytes: int) -> Lv:
    """Makes a snapshot of ``origin`` on ``node`` (the caller checked the name and the space)."""
    size = _extents(size_bytes)
    snap = Snap(0.0, c.t, write_rate(c, node, origin))
    lv = Lv(origin.vg, name, size, c.epoch_now(), origin=origin.name, snap=snap)
    c.storage[node].lvs.append(lv)
    c.log(f"lvm: {node}: snapshot {origin.vg}/{name} of {origin.name} created ({size // MIB} MiB)")
    return lv


def remove_lv(c: DemoCluster, node: str, lv: Lv) -> None:
    """Removes ``lv`` from ``node``'s LVM."""
    c.storage[node].lvs.remove(lv)
    c.log(f"lvm: {node}: {lv.vg}/{lv.name} removed")


def refresh_rates(c: DemoCluster) -> None:
    """Re-reads every snapshot's fill rate (a VM that moved or stopped changes what it writes)."""
    for node, st in c.storage.items():
        for lv in st.lvs:
            if lv.snap is None or lv.snap.invalid:
                continue
            origin = st.lv(lv.vg, lv.origin or "")
            lv.snap.used_bytes = snap_used(c, lv)
            lv.snap.mark_t = c.t
            if not lv.snap.invalid and not lv.snap.forced:
                lv.snap.rate_bytes_s = write_rate(c, node, origin) if origin is not None else 0.0


@dataclass(slots=True)
class _Found:
    node: str
    lv: Lv
    snaps: list[Lv] = field(default_factory=list)


def backing_lvs(c: DemoCluster, vm: str) -> list[_Found]:
    """The LVs (per node) that hold ``vm``'s disks, with their snapshots."""
    found: list[_Found] = []
    for node, st in c.storage.items():
        for lv in st.lvs:
            disk = c.topo.disk(lv.drbd) if lv.drbd else None
            owner = c.topo.vm_of_disk(disk.name) if disk else None
            local = lv.name == f"{vm}-disk"
            if (owner is not None and owner.name == vm) or local:
                found.append(_Found(node, lv, st.snapshots_of(lv)))
    return found
