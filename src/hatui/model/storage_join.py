"""Provides ``storage_view``: the storage layer joined to the DRBD resources and VMs above it.

Each node's LVM, iSCSI and filesystem rows are kept as that node reported them; the join adds what
they are for. A DRBD resource's backing disk on a node is the ``disk`` of its ``on HOST`` section in
``drbdadm dump all`` (8.3, 8.4 and 9 alike), and the path names the LV:

- ``/dev/VG/LV``: the udev link (symlinks are not followed: the path is taken as written);
- ``/dev/mapper/VG-LV``: device-mapper's name, in which LVM doubles every dash of a VG or LV name
  (``/dev/mapper/vg--data-www--root`` is ``vg-data/www-root``).

``/dev/X/Y`` is an LV only where ``X`` is a volume group that node reported, or a directory no
kernel driver or udev rule makes (``/dev/md/0``, ``/dev/cciss/c0d0p1``, ``/dev/disk/by-id/...`` are
not LVs); any other path (``/dev/sdb1``) is not an LV, and nothing is said about it.

The VM of a DRBD resource is the console's own rule (``hatui.model.vms``: the config's ``vm_disks``,
else the resources named after the VM); a snapshot belongs to the VM of the LV it is a snapshot of.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from hatui.model.storage import Filesystem, IscsiSession, LogicalVolume, PhysicalVolume, VolumeGroup

if TYPE_CHECKING:
    from hatui.model.view import ClusterView

#: Filesystems that hold no data on a disk: left out of the view (df lists them by the dozen).
PSEUDO_FSTYPES = frozenset(
    {
        "autofs", "binfmt_misc", "bpf", "cgroup", "cgroup2", "configfs", "debugfs", "devpts", "devtmpfs",
        "efivarfs", "fusectl", "hugetlbfs", "mqueue", "nsfs", "proc", "pstore", "ramfs", "rootfs",
        "rpc_pipefs", "securityfs", "selinuxfs", "sysfs", "tmpfs", "tracefs", "usbfs", "xenfs",
    }
)  # fmt: skip
#: ``df -h`` prints no type: these device words are what pseudo filesystems are mounted from.
_PSEUDO_DEVICES = frozenset({"tmpfs", "devtmpfs", "udev", "none", "proc", "sysfs", "shm", "devpts", "cgroup"})
#: ``/dev`` directories that kernel drivers or udev make: ``/dev/md/0`` is a RAID, not an LV.
_NOT_VG_DIRS = frozenset(
    {
        "block", "bus", "char", "cciss", "disk", "dri", "drbd", "etherd", "fd", "ida", "input", "loop",
        "mapper", "md", "mqueue", "net", "pts", "rbd", "rd", "shm", "snd", "usb", "vfio", "xen", "zvol",
    }
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class NodeVg:
    """A volume group on one node."""

    node: str
    vg: VolumeGroup


@dataclass(frozen=True, slots=True)
class NodePv:
    """A physical volume on one node."""

    node: str
    pv: PhysicalVolume


@dataclass(frozen=True, slots=True)
class NodeLv:
    """A logical volume on one node, with what it is for."""

    node: str
    lv: LogicalVolume
    drbd_resource: str | None
    """The DRBD resource whose backing disk on this node is this LV (None for a snapshot)."""
    domain: str | None
    """The VM whose disks use that resource; for a snapshot, the VM of its origin."""


@dataclass(frozen=True, slots=True)
class NodeIscsi:
    """An iSCSI session of one node."""

    node: str
    session: IscsiSession


@dataclass(frozen=True, slots=True)
class NodeFs:
    """A mounted filesystem of one node."""

    node: str
    fs: Filesystem


@dataclass(frozen=True, slots=True)
class Backing:
    """One backing disk of a DRBD resource on one node, and what lies under it."""

    drbd_resource: str
    node: str
    vm: str | None
    disk: str
    """The backing disk's path as the DRBD configuration writes it."""
    lv: NodeLv | None
    """The LV the path names, when the node reported it."""
    vg: NodeVg | None
    lv_path: str | None = None
    """``vg/lv`` the path names (reported or not); None when the path is not an LV's."""


@dataclass(frozen=True)
class StorageView:
    """Every node's storage rows and the join to DRBD and the VMs (see the module docstring).

    (No ``slots``: the lookups' indexes are ``cached_property``.)
    """

    volume_groups: tuple[NodeVg, ...]
    physical_volumes: tuple[NodePv, ...]
    logical_volumes: tuple[NodeLv, ...]
    iscsi_sessions: tuple[NodeIscsi, ...]
    filesystems: tuple[NodeFs, ...]
    """Pseudo filesystems (tmpfs, proc, sysfs, devtmpfs...) left out."""
    backings: tuple[Backing, ...]
    read_nodes: tuple[str, ...]
    """Nodes whose LVM was read (their ``lvs`` parsed, even when it listed nothing)."""

    @property
    def empty(self) -> bool:
        """True when no node reported any storage row."""
        return not (
            self.volume_groups
            or self.physical_volumes
            or self.logical_volumes
            or self.iscsi_sessions
            or self.filesystems
        )

    def lvs_of_vm(self, vm: str) -> tuple[NodeLv, ...]:
        """The LVs that back ``vm``'s DRBD resources, and their snapshots, on every node (not a local
        LV merely named after it: snapshots and backups are of DRBD-backed disks)."""
        return tuple(nl for nl in self.logical_volumes if nl.domain == vm and self._on_drbd(nl))

    def _on_drbd(self, nl: NodeLv) -> bool:
        """``nl`` backs a DRBD resource, or is a snapshot of an LV that does."""
        origin = nl.lv.origin
        return nl.drbd_resource is not None or (
            origin is not None and self.resource_of(nl.node, nl.lv.vg, origin) is not None
        )

    def snapshots(self) -> tuple[NodeLv, ...]:
        """Every snapshot (thick and thin) on every node."""
        return tuple(nl for nl in self.logical_volumes if nl.lv.is_snapshot)

    def snapshots_of(self, node: str, vg: str, lv: str) -> tuple[NodeLv, ...]:
        """The snapshots of ``vg/lv`` on ``node``."""
        return self._snapshots_by_origin.get((node, vg, lv), ())

    def lv_of(self, node: str, vg: str, lv: str) -> NodeLv | None:
        """The LV ``vg/lv`` on ``node``, or None when that node did not report it."""
        return self._lvs.get((node, vg, lv))

    def resource_of(self, node: str, vg: str, lv: str) -> str | None:
        """The DRBD resource whose backing disk on ``node`` is ``vg/lv``, whether or not LVM listed it."""
        return self._resources.get((node, f"{vg}/{lv}"))

    def vg_of(self, node: str, vg: str) -> NodeVg | None:
        """The volume group ``vg`` on ``node``, or None when that node did not report it."""
        return self._vgs.get((node, vg))

    def provided_by(self, ns: NodeIscsi) -> tuple[str, ...]:
        """What sits on the disks an iSCSI session provides (``iscsiadm -P 3``'s ``Attached scsi
        disk``), on its node: ``sde: /srv/backup``, ``sdf: PV of vg3``, or the bare disk."""
        out = []
        for disk in ns.session.devices:
            uses = [
                f"PV of {npv.pv.vg}" if npv.pv.vg else f"PV {npv.pv.name}"
                for npv in self.physical_volumes
                if npv.node == ns.node and on_disk(npv.pv.name, disk)
            ]
            uses += [
                nf.fs.mountpoint
                for nf in self.filesystems
                if nf.node == ns.node and on_disk(nf.fs.device, disk)
            ]
            out.append(f"{disk}: {', '.join(uses)}" if uses else disk)
        return tuple(out)

    # Indexes built on first use: a pane asks once per row, and a scan per row is quadratic.
    @cached_property
    def _lvs(self) -> dict[tuple[str, str, str], NodeLv]:
        return {(nl.node, nl.lv.vg, nl.lv.name): nl for nl in self.logical_volumes}

    @cached_property
    def _vgs(self) -> dict[tuple[str, str], NodeVg]:
        return {(nv.node, nv.vg.name): nv for nv in self.volume_groups}

    @cached_property
    def _resources(self) -> dict[tuple[str, str], str]:
        out: dict[tuple[str, str], str] = {}
        for b in self.backings:
            if b.lv_path is not None:
                out.setdefault((b.node, b.lv_path), b.drbd_resource)
        return out

    @cached_property
    def _snapshots_by_origin(self) -> dict[tuple[str, str, str], tuple[NodeLv, ...]]:
        out: dict[tuple[str, str, str], tuple[NodeLv, ...]] = {}
        for nl in self.snapshots():
            if nl.lv.origin is not None:
                key = (nl.node, nl.lv.vg, nl.lv.origin)
                out[key] = (*out.get(key, ()), nl)
        return out


def storage_view(view: ClusterView) -> StorageView:
    """Joins every reachable node's storage rows to the DRBD configuration and the VMs."""
    reports = view.reachable
    vgs = tuple(NodeVg(r.node, vg) for r in reports for vg in r.volume_groups or ())
    vg_names: dict[str, set[str]] = {}
    for nv in vgs:
        vg_names.setdefault(nv.node, set()).add(nv.vg.name)
    vm_of = _vm_of_resource(view)
    disks = _backing_disks(view)
    # (node, vg, lv) -> the DRBD resource that LV backs there.
    backed: dict[tuple[str, str, str], str] = {}
    for (name, node), paths in disks.items():
        for path in paths:
            where = lv_of_path(path, vg_names.get(node, set()))
            if where is not None:
                backed.setdefault((node, *where), name)
    local = _local_vms(view)
    lvs: list[NodeLv] = []
    for r in reports:
        for lv in r.logical_volumes or ():
            # A snapshot backs nothing; it belongs to the VM its origin belongs to.
            own = None if lv.is_snapshot else backed.get((r.node, lv.vg, lv.name))
            of = backed.get((r.node, lv.vg, lv.origin)) if lv.is_snapshot and lv.origin else own
            vm = vm_of.get(of) if of else None
            if vm is None and of is None:
                vm = _named_after(
                    lv.origin if lv.is_snapshot and lv.origin else lv.name, local.get(r.node, ())
                )
            lvs.append(NodeLv(r.node, lv, own, vm))
    by_key = {(nl.node, nl.lv.vg, nl.lv.name): nl for nl in lvs}
    by_vg = {(nv.node, nv.vg.name): nv for nv in vgs}
    backings = []
    for (name, node), paths in disks.items():
        for path in paths:
            where = lv_of_path(path, vg_names.get(node, set()))
            backings.append(
                Backing(
                    drbd_resource=name,
                    node=node,
                    vm=vm_of.get(name),
                    disk=path,
                    lv=by_key.get((node, *where)) if where else None,
                    vg=by_vg.get((node, where[0])) if where else None,
                    lv_path="/".join(where) if where else None,
                )
            )
    return StorageView(
        volume_groups=vgs,
        physical_volumes=tuple(NodePv(r.node, pv) for r in reports for pv in r.physical_volumes or ()),
        logical_volumes=tuple(lvs),
        iscsi_sessions=tuple(NodeIscsi(r.node, s) for r in reports for s in r.iscsi_sessions or ()),
        filesystems=tuple(
            NodeFs(r.node, fs) for r in reports for fs in r.filesystems or () if not is_pseudo(fs)
        ),
        backings=tuple(backings),
        read_nodes=tuple(r.node for r in reports if r.logical_volumes is not None),
    )


def is_pseudo(fs: Filesystem) -> bool:
    """True for a filesystem that holds no disk data (tmpfs, proc...), by type or, untyped, by device."""
    if fs.fstype is not None:
        return fs.fstype in PSEUDO_FSTYPES
    return fs.device in _PSEUDO_DEVICES


_PARTITION = re.compile(r"^(p?\d+)?$")


def on_disk(path: str, disk: str) -> bool:
    """True when device ``path`` (``/dev/sdb1``, ``/dev/sdb``) is the disk ``disk`` (``sdb``) or a
    partition of it."""
    prefix = f"/dev/{disk}"
    return path.startswith(prefix) and _PARTITION.match(path[len(prefix) :]) is not None


def lv_of_path(path: str, vgs: Iterable[str] = ()) -> tuple[str, str] | None:
    """``(vg, lv)`` that a device path names, or None when it is not an LV's (module docstring)."""
    parts = path.split("/")
    if len(parts) != 4 or parts[:2] != ["", "dev"] or not parts[2] or not parts[3]:
        return None
    folder, name = parts[2], parts[3]
    if folder == "mapper":
        return _split_dm_name(name)
    if folder in set(vgs) or folder not in _NOT_VG_DIRS:
        return folder, name
    return None


def _split_dm_name(name: str) -> tuple[str, str] | None:
    """``vg--data-www--root`` -> ``("vg-data", "www-root")``: the one single dash divides them."""
    marked = name.replace("--", "\0")
    if marked.count("-") != 1:
        return None
    vg, lv = marked.split("-")
    if not vg or not lv:
        return None
    return vg.replace("\0", "-"), lv.replace("\0", "-")


def _local_vms(view: ClusterView) -> dict[str, tuple[str, ...]]:
    """Node -> the guest domains it lists: the VMs an LV on it may be named after (a VM without DRBD
    keeps its disks on a local or iSCSI LV of the node that runs it)."""
    out: dict[str, list[str]] = {}
    for nd in view.domains:
        out.setdefault(nd.node, []).append(nd.domain.name)
    return {node: tuple(sorted(names, key=len, reverse=True)) for node, names in out.items()}


def _named_after(lv: str, vms: tuple[str, ...]) -> str | None:
    """The VM ``lv`` is named after (``elearning-disk`` -> ``elearning``: the name, or the name and a
    separator), the same rule that finds a VM's DRBD resources; longest name first."""
    low = lv.lower()
    for vm in vms:
        name = vm.lower()
        if low == name or (low.startswith(name) and low[len(name)] in "-_."):
            return vm
    return None


def _vm_of_resource(view: ClusterView) -> dict[str, str]:
    """DRBD resource name -> the VM whose disks use it (the first VM row that names it)."""
    # Imported here: hatui.model.vms builds on the view module, which builds this one lazily.
    from hatui.model.vms import vm_rows

    out: dict[str, str] = {}
    for row in vm_rows(view):
        for name in row.disk_names:
            out.setdefault(name, row.name)
    return out


def _backing_disks(view: ClusterView) -> dict[tuple[str, str], tuple[str, ...]]:
    """(DRBD resource, node) -> its backing disk paths there (one per volume), from the dumps read.

    Every node's dump lists every host; a node's own dump is trusted first for its own disks (the
    files may differ while an admin edits them), then any other node's. A host name is matched to a
    node by name, else by short name (``vnode1.example.com`` is ``vnode1``); ``none`` (a diskless
    DRBD 9 node) is no disk.
    """
    nodes = tuple(dict.fromkeys([*view.node_names, *(r.node for r in view.reports)]))
    found: dict[tuple[str, str], tuple[str, ...]] = {}
    for own_first in (True, False):
        for r in view.reachable:
            for conf in r.drbd_conf:
                per_node: dict[str, list[str]] = {}
                for host, disk in conf.disks:
                    node = _node_of_host(host, nodes)
                    if (node == r.node) == own_first and disk != "none":
                        per_node.setdefault(node, []).append(disk)
                for node, paths in per_node.items():
                    found.setdefault((conf.name, node), tuple(dict.fromkeys(paths)))
    return found


def _node_of_host(host: str, nodes: tuple[str, ...]) -> str:
    if host in nodes:
        return host
    short = host.split(".")[0]
    matches = [n for n in nodes if n.split(".")[0] == short]
    return matches[0] if len(matches) == 1 else host


def fmt_bytes(n: int | None) -> str:
    """``512B``, ``4.0M``, ``25.0G``, ``1.8T`` (binary units, as LVM prints them) or ``-``."""
    if n is None:
        return "-"
    if abs(n) < 1024:
        return f"{n}B"
    value = n / 1024
    for unit in ("K", "M", "G"):
        if abs(value) < 1024:
            return f"{value:.1f}{unit}"
        value /= 1024
    return f"{value:.1f}T"
