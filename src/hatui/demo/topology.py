"""Provides the static shape of the demo cluster: nodes, VMs, their DRBD disks and addresses.

The shape follows the reference cluster (an N+1 Xen farm on Pacemaker, Corosync and DRBD 8.3):
``vnode1`` runs the highly available VMs, ``vnode2`` is the spare that holds the second DRBD copy
of every HA disk, and ``vnode3`` runs VMs on local LVM that have no replica at all.
"""

from __future__ import annotations

from dataclasses import dataclass

#: DRBD's syncer unit: /proc/drbd counts out-of-sync data in 4 KiB bitmap bits.
BIT_KIB = 4
GIB_KIB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class NodeDef:
    """One physical node (a Xen dom0)."""

    name: str
    node_id: int
    ring0: str
    """Address on the DRBD/cluster VLAN (corosync ring 0, DRBD replication)."""
    ring1: str
    """Address on the server VLAN (corosync ring 1)."""
    cpus: int
    dom0_mem_mib: int
    drbd: bool
    """True when the node has the DRBD module loaded (vnode1 and vnode2)."""


@dataclass(frozen=True, slots=True)
class DiskDef:
    """One DRBD resource backing one VM disk."""

    name: str
    minor: int
    size_kib: int
    vg: str
    write_kib_s: float
    """How fast the VM dirties blocks on it: the out-of-sync growth while the peer is away."""

    @property
    def port(self) -> int:
        """The replication TCP port (one per resource, counted from the reference's 7789)."""
        return 7788 + self.minor


@dataclass(frozen=True, slots=True)
class VmDef:
    """One Xen guest, managed by Pacemaker as an ``ocf:heartbeat:Xen`` primitive of the same id."""

    name: str
    mem_mib: int
    vcpus: int
    load: float
    """Average busy CPUs: how fast its ``Time(s)`` grows."""
    preferred: str
    """The node with the higher location score."""
    fallback: str | None
    """The N+1 spare allowed by a lower location score; None for a VM on local storage."""
    disks: tuple[DiskDef, ...] = ()

    @property
    def xmfile(self) -> str:
        """The Xen config file Pacemaker's agent starts the VM from."""
        return f"/etc/xen/ha/{self.name}.cfg" if self.disks else f"/etc/xen/{self.name}.cfg"


@dataclass(frozen=True, slots=True)
class Topology:
    """The whole static cluster shape."""

    cluster_name: str
    nodes: tuple[NodeDef, ...]
    vms: tuple[VmDef, ...]

    def node(self, name: str) -> NodeDef | None:
        """Returns the node called ``name``, or None."""
        return next((n for n in self.nodes if n.name == name), None)

    def vm(self, name: str) -> VmDef | None:
        """Returns the VM called ``name``, or None."""
        return next((v for v in self.vms if v.name == name), None)

    @property
    def disks(self) -> tuple[DiskDef, ...]:
        """Every DRBD resource, in minor order."""
        return tuple(sorted((d for v in self.vms for d in v.disks), key=lambda d: d.minor))

    def disk(self, name: str) -> DiskDef | None:
        """Returns the DRBD resource called ``name``, or None."""
        return next((d for d in self.disks if d.name == name), None)

    def vm_of_disk(self, name: str) -> VmDef | None:
        """Returns the VM whose disk is the DRBD resource ``name``."""
        return next((v for v in self.vms if any(d.name == name for d in v.disks)), None)

    @property
    def drbd_nodes(self) -> tuple[str, ...]:
        """The two nodes every DRBD resource is replicated between."""
        return tuple(n.name for n in self.nodes if n.drbd)


def _ha_vm(name: str, minor: int, mem: int, vcpus: int, load: float, root_gib: int, write: float) -> VmDef:
    disks = (
        DiskDef(f"{name}-root", minor, root_gib * GIB_KIB, "vg2", write),
        DiskDef(f"{name}-swap", minor + 1, 2 * GIB_KIB, "vg1", write / 8),
    )
    return VmDef(name, mem, vcpus, load, "vnode1", "vnode2", disks)


def reference_topology(generation: str = "seed") -> Topology:
    """Returns the demo cluster: three nodes, five HA VMs on DRBD and two more VMs on vnode3.

    On the seed (the reference cluster as built) vnode3's VMs live on iSCSI volumes of the storage
    node, so the spare vnode2 may start them too and holds every node's VMs (N+1). The modern
    demo keeps them on vnode3's local LVM: they may run there only (the asymmetric-cluster scenes).
    """
    local_fallback = "vnode2" if generation == "seed" else None
    nodes = (
        NodeDef("vnode1", 1, "192.168.0.1", "131.114.28.11", 8, 1024, drbd=True),
        NodeDef("vnode2", 2, "192.168.0.2", "131.114.28.12", 8, 1024, drbd=True),
        NodeDef("vnode3", 3, "192.168.0.3", "131.114.28.13", 4, 768, drbd=False),
    )
    vms = (
        _ha_vm("sentinel", 1, 1024, 1, 0.04, 8, 96.0),
        _ha_vm("mail", 3, 2048, 2, 0.35, 40, 900.0),
        _ha_vm("www", 5, 1024, 2, 0.22, 12, 300.0),
        _ha_vm("dns", 7, 512, 1, 0.03, 4, 24.0),
        _ha_vm("ldap", 9, 1024, 1, 0.08, 6, 64.0),
        VmDef("elearning", 2048, 2, 0.41, "vnode3", local_fallback),
        VmDef("vconf", 1024, 2, 0.12, "vnode3", local_fallback),
    )
    return Topology("csifi", nodes, vms)
