"""Cluster views with storage, built from model objects: two nodes, two VMs on DRBD on LVM.

``sentinel`` runs on vnode1 with disks ``sentinel-root`` (minor 1) and ``sentinel-swap`` (minor 2),
``www`` on vnode2 with ``www-root`` (minor 3); each is backed by ``/dev/vg0/<resource>`` on both
nodes (``vg0`` is 100 GiB with 60 GiB free). Every DRBD pair is Connected and UpToDate, so a healthy
view judges OK and a storage fault is the only problem.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hatui.model.backup_rule import SnapshotRule
from hatui.model.drbd import DrbdDevice, DrbdPeer, DrbdResourceConf, DrbdStatus
from hatui.model.pacemaker import ClusterStatus, PcmkNode, PcmkResource
from hatui.model.report import NodeReport
from hatui.model.storage import Filesystem, IscsiSession, LogicalVolume, PhysicalVolume, VolumeGroup
from hatui.model.view import ClusterView
from hatui.model.words import ConnState, DiskState, DrbdRole, ResourceRole

GIB = 1024**3
NODES = ("vnode1", "vnode2")
#: DRBD resource -> (minor, VM, where the VM runs, size in GiB of its backing LV).
DISKS = {
    "sentinel-root": (1, "sentinel", "vnode1", 20),
    "sentinel-swap": (2, "sentinel", "vnode1", 2),
    "www-root": (3, "www", "vnode2", 10),
}


def lv(vg: str, name: str, gib: float, attr: str = "-wi-ao----", **kw: object) -> LogicalVolume:
    return LogicalVolume(vg=vg, name=name, size_bytes=int(gib * GIB), attr=attr, **kw)  # type: ignore[arg-type]


def snap(vg: str, name: str, origin: str, percent: float | None, attr: str = "swi-a-s---") -> LogicalVolume:
    return lv(vg, name, 4, attr, origin=origin, snapshot_percent=percent)


def backing_lvs() -> tuple[LogicalVolume, ...]:
    """One LV per DRBD resource in vg0, named after it."""
    return tuple(lv("vg0", res, gib) for res, (_, _, _, gib) in DISKS.items())


def vg(name: str = "vg0", size_gib: float = 100, free_gib: float = 60, attr: str = "wz--n-") -> VolumeGroup:
    return VolumeGroup(
        name=name,
        size_bytes=int(size_gib * GIB),
        free_bytes=int(free_gib * GIB),
        pv_count=1,
        lv_count=3,
        snapshot_count=0,
        attr=attr,
        extent_bytes=4 * 1024 * 1024,
    )


def pv(name: str = "/dev/sda3", vg_name: str | None = "vg0", attr: str = "a--") -> PhysicalVolume:
    return PhysicalVolume(name=name, vg=vg_name, size_bytes=100 * GIB, free_bytes=60 * GIB, attr=attr)


def session(state: str = "LOGGED_IN", conn: str = "LOGGED IN", internal: str = "NO CHANGE") -> IscsiSession:
    return IscsiSession(
        target="iqn.2009-01.lan.vstor1:vmstore",
        portal="192.168.0.20:3260,1",
        sid=1,
        connection_state=conn,
        session_state=state,
        internal_state=internal,
    )


def fs(
    mount: str, used_gib: float, size_gib: float = 100, device: str = "/dev/sda1", fstype: str = "ext3"
) -> Filesystem:
    return Filesystem(
        device=device,
        mountpoint=mount,
        fstype=fstype,
        size_bytes=int(size_gib * GIB),
        used_bytes=int(used_gib * GIB),
        available_bytes=int((size_gib - used_gib) * GIB),
    )


def confs(path: str = "/dev/vg0/{res}") -> tuple[DrbdResourceConf, ...]:
    """``drbdadm dump all``: every resource on both nodes, its backing disk ``path`` (``{res}`` filled)."""
    return tuple(
        DrbdResourceConf(
            name=res,
            minors=tuple((n, minor) for n in NODES),
            disks=tuple((n, path.format(res=res)) for n in NODES),
        )
        for res, (minor, _, _, _) in DISKS.items()
    )


def _drbd(node: str) -> DrbdStatus:
    devices = []
    for res, (minor, _, runs_on, _) in DISKS.items():
        mine, other = ("Primary", "Secondary") if node == runs_on else ("Secondary", "Primary")
        peer = DrbdPeer(
            name=None,
            connection=ConnState.CONNECTED,
            connection_raw="Connected",
            role=DrbdRole.from_word(other),
            role_raw=other,
            disk=DiskState.UP_TO_DATE,
            disk_raw="UpToDate",
        )
        devices.append(
            DrbdDevice(
                resource=res,
                minor=minor,
                volume=None,
                role=DrbdRole.from_word(mine),
                role_raw=mine,
                disk=DiskState.UP_TO_DATE,
                disk_raw="UpToDate",
                peers=(peer,),
            )
        )
    return DrbdStatus("drbdadm-status", devices=tuple(devices))


def _pacemaker() -> ClusterStatus:
    vms = {vm: runs_on for (_, vm, runs_on, _) in DISKS.values()}
    return ClusterStatus(
        source_format="pacemaker-result",
        dc="vnode1",
        quorum=True,
        stonith_enabled=True,
        maintenance_mode=False,
        nodes=tuple(
            PcmkNode(
                name=n, is_dc=n == "vnode1", online=True, standby=False, maintenance=False, unclean=False
            )
            for n in NODES
        ),
        resources=tuple(
            PcmkResource(
                id=vm,
                agent="ocf:heartbeat:Xen",
                role=ResourceRole.STARTED,
                role_raw="Started",
                nodes=(runs_on,),
                managed=True,
                failed=False,
            )
            for vm, runs_on in vms.items()
        ),
    )


def storage_cluster(
    *,
    lvs: dict[str, tuple[LogicalVolume, ...] | None] | None = None,
    vgs: dict[str, tuple[VolumeGroup, ...] | None] | None = None,
    pvs: dict[str, tuple[PhysicalVolume, ...] | None] | None = None,
    sessions: dict[str, tuple[IscsiSession, ...] | None] | None = None,
    filesystems: dict[str, tuple[Filesystem, ...] | None] | None = None,
    drbd_conf: tuple[DrbdResourceConf, ...] | None = None,
    rule: SnapshotRule | None = None,
) -> ClusterView:
    """The two-node cluster; each storage field per node, defaulting to the healthy layout."""

    def pick(given: dict[str, Any] | None, node: str, default: tuple[Any, ...]) -> Any:
        return given[node] if given is not None and node in given else default

    reports = tuple(
        NodeReport(
            node=n,
            pacemaker=_pacemaker(),
            drbd=_drbd(n),
            drbd_conf=confs() if drbd_conf is None else drbd_conf,
            logical_volumes=pick(lvs, n, backing_lvs()),
            volume_groups=pick(vgs, n, (vg(),)),
            physical_volumes=pick(pvs, n, (pv(),)),
            iscsi_sessions=pick(sessions, n, (session(),)),
            filesystems=pick(filesystems, n, (fs("/", 10),)),
        )
        for n in NODES
    )
    return ClusterView(
        "storage",
        reports,
        datetime(2026, 1, 1, tzinfo=UTC),
        configured_nodes=NODES,
        snapshot_rule=rule or SnapshotRule(),
    )
