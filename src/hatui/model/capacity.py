"""Provides ``capacity``: can the cluster lose any one node and still run every VM (N+1)? Pure.

The rule, for each online node X (the loss considered):

1. X's VMs are the Pacemaker-managed VMs running on X (by Pacemaker or by X's domain list). A
   domain no resource manages is not restarted elsewhere, so it does not count. A VM needs the
   memory its domain has now (``xm list``/``xl list``/``xentop``).
2. The nodes that may take them: every other node Pacemaker has online and not in standby,
   maintenance or UNCLEAN, where the constraints allow the VM (``hatui.model.locations``: bans,
   ``symmetric-cluster=false``, the DRBD clone it runs with) and, where the DRBD state is known, that
   holds an UpToDate copy of each of its disks. Their room is what the hypervisor has free
   (``free_memory`` of ``xm info``/``xl info``, ``virsh freecell``).
3. X's VMs are placed first-fit in decreasing size, each on the first node (in node order) that
   may take it and still has room; the room shrinks as VMs land. The VMs that fit nowhere are
   *stranded*: X's loss would leave them nowhere to run.

``n_plus_one`` is False when some loss strands a VM, True when no loss does, and None when a figure
it needs is missing (a VM's memory, a receiving node's free memory, the Pacemaker picture):
``reason`` then says which. A VM that no node may take at all is stranded whatever the figures.
The standby and move checks (``hatui.actions.safety``) and the preview read the same figures.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from hatui.model.host import HostMemory
from hatui.model.locations import rules_allow
from hatui.model.pacemaker import ClusterStatus
from hatui.model.stack import DrbdFlavour
from hatui.model.view import ClusterView
from hatui.model.vms import VmRow, vm_rows
from hatui.model.words import DiskState

__all__ = [
    "Capacity",
    "HostMemory",
    "Stranded",
    "capacity",
    "free_mib",
    "receivers",
    "stranded_if_lost",
    "vm_memory",
]


@dataclass(frozen=True, slots=True)
class Stranded:
    """The VMs that the loss of ``node`` would leave nowhere to run."""

    node: str
    vms: tuple[str, ...]

    @property
    def message(self) -> str:
        """``cannot lose vnode1: vm1, vm2 would have nowhere to run``."""
        return f"cannot lose {self.node}: {', '.join(self.vms)} would have nowhere to run"


@dataclass(frozen=True, slots=True)
class Capacity:
    """The N+1 verdict; see the module docstring."""

    n_plus_one: bool | None
    stranded: tuple[Stranded, ...]
    memory: Mapping[str, HostMemory]
    """Node -> its memory, for the nodes that said."""
    reason: str | None
    """What is missing when ``n_plus_one`` is None."""

    @property
    def badge(self) -> str:
        """In words, for every surface: ``N+1 ok``, ``N+1 LOST: vnode1 (vm1, vm2)``, ``N+1 ?``."""
        if self.n_plus_one is None:
            return "N+1 ?"
        if self.n_plus_one:
            return "N+1 ok"
        return "N+1 LOST: " + "; ".join(f"{s.node} ({', '.join(s.vms)})" for s in self.stranded)

    @property
    def words(self) -> str:
        """The badge as every surface shows it (header, wall, fleet): ``badge``, and for an unknown
        verdict what is missing: ``N+1 ? (no Pacemaker picture: ...)``."""
        if self.n_plus_one is None:
            return f"{self.badge} ({self.reason or 'figures missing'})"
        return self.badge

    @property
    def why(self) -> str:
        """The badge's explanation: what is missing, what would be stranded, or why it holds."""
        if self.n_plus_one is None:
            return self.reason or "figures missing"
        if self.n_plus_one:
            return "any one node can be lost: its VMs fit on the others"
        return "; ".join(s.message for s in self.stranded)


def free_mib(view: ClusterView, node: str) -> int | None:
    """What ``node``'s hypervisor has free, in MiB; None when it did not say (or did not answer)."""
    rep = view.report(node)
    if rep is None or not rep.reachable or rep.memory is None:
        return None
    return rep.memory.free_mib


def vm_memory(view: ClusterView, row: VmRow, node: str) -> int | None:
    """The memory ``row``'s domain uses on ``node`` (else anywhere it is seen), MiB; None if unknown."""
    mems = [d.domain.memory_mib for d in row.domains if d.node == node and d.domain.memory_mib]
    mems += [d.domain.memory_mib for d in row.domains if d.domain.memory_mib]
    return mems[0] if mems else None


def _vms_on(view: ClusterView, node: str) -> list[VmRow]:
    # Indexed once per view (kept in its instance dict, as ``capacity``): asked for every node.
    by_node: dict[str, list[VmRow]] | None = view.__dict__.get("_vms_by_node")
    if by_node is None:
        by_node = view.__dict__["_vms_by_node"] = {}
        for r in vm_rows(view):
            if r.resource is not None:
                for n in dict.fromkeys((*r.pcmk_nodes, *r.domain_nodes)):
                    by_node.setdefault(n, []).append(r)
    return by_node.get(node, [])


def _able(view: ClusterView, status: ClusterStatus) -> list[str]:
    """The nodes that can take resources: online, not standby, maintenance or UNCLEAN."""
    # Asked for every VM of every node: listed once per view and status.
    key = f"_able_{id(status)}"
    able: list[str] | None = view.__dict__.get(key)
    if able is None:
        able = view.__dict__[key] = [
            n.name for n in status.nodes if n.online is True and not (n.standby or n.maintenance or n.unclean)
        ]
    return able


def _disks_allow(view: ClusterView, row: VmRow, nodes: list[str]) -> list[str]:
    """The nodes of ``nodes`` not ruled out by their DRBD state: a node whose DRBD state is known
    and lacks an UpToDate copy of one of the VM's disks is.

    A node detected without DRBD at all holds no copy; one whose DRBD was not read is not ruled out.
    """
    if not row.disk_names:
        return nodes
    up_to_date, read, without = _drbd_copies(view)
    # Every disk's UpToDate copy on the node: the nodes holding all of them.
    holding = frozenset.intersection(*(up_to_date.get(disk, frozenset()) for disk in row.disk_names))
    return [n for n in nodes if (n in holding if n in read else n not in without)]


def _drbd_copies(
    view: ClusterView,
) -> tuple[dict[str | None, frozenset[str]], frozenset[str], frozenset[str]]:
    """(DRBD resource name -> the nodes holding an UpToDate copy, the nodes whose DRBD state was
    read, the nodes detected without DRBD), indexed once per view."""
    index: tuple[dict[str | None, frozenset[str]], frozenset[str], frozenset[str]] | None
    index = view.__dict__.get("_drbd_copies")
    if index is None:
        nodes: dict[str | None, set[str]] = {}
        for (node, disk), devices in view.drbd_index.items():
            if any(d.device.disk is DiskState.UP_TO_DATE for d in devices):
                nodes.setdefault(disk, set()).add(node)
        # Each node as ``view.report`` answers for it (its first report).
        reps = [rep for n in dict.fromkeys(r.node for r in view.reports) if (rep := view.report(n))]
        read = frozenset(r.node for r in reps if r.drbd is not None)
        without = frozenset(r.node for r in reps if r.drbd is None and r.stack.drbd is DrbdFlavour.ABSENT)
        index = view.__dict__["_drbd_copies"] = ({k: frozenset(v) for k, v in nodes.items()}, read, without)
    return index


def receivers(view: ClusterView, status: ClusterStatus, row: VmRow, lost: str) -> list[str]:
    """The nodes that may take ``row`` if ``lost`` goes (rule 2 of the module docstring)."""
    others = [n for n in _able(view, status) if n != lost]
    return _disks_allow(view, row, rules_allow(view, status, row.resource or row.name, others))


def stranded_if_lost(view: ClusterView, node: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(the VMs the loss of ``node`` strands, the figures missing to tell); see the module docstring.

    Both empty: every VM of ``node`` fits elsewhere. Missing figures leave the answer open for the
    VMs they concern, while a VM no node may take is stranded whatever they are.
    """
    status = view.pacemaker
    if status is None:
        return (), ("the Pacemaker picture",)
    stranded: list[str] = []
    missing: list[str] = []
    wants: list[tuple[int, VmRow, list[str]]] = []
    for row in _vms_on(view, node):
        takers = receivers(view, status, row, node)
        if not takers:
            stranded.append(row.name)
            continue
        mem = vm_memory(view, row, node)
        if mem is None:
            missing.append(f"the memory of {row.name}")
        wants.append((mem or 0, row, takers))
    room = {n: free_mib(view, n) for _, _, takers in wants for n in takers}
    missing += [f"the free memory of {n}" for n, f in room.items() if f is None]
    if missing:
        return tuple(stranded), tuple(dict.fromkeys(missing))
    left = {n: f for n, f in room.items() if f is not None}
    for mem, row, takers in sorted(wants, key=lambda w: (-w[0], w[1].name)):
        spot = next((n for n in takers if left[n] >= mem), None)
        if spot is None:
            stranded.append(row.name)
        else:
            left[spot] -= mem
    return tuple(stranded), ()


def capacity(view: ClusterView) -> Capacity:
    """The N+1 verdict of ``view``; see the module docstring.

    Computed once per view (kept in its instance dict, as ``vm_rows``): the verdict, the header
    and the snapshots all ask for it.
    """
    cached: Capacity | None = view.__dict__.get("_capacity")
    if cached is None:
        cached = view.__dict__["_capacity"] = _capacity(view)
    return cached


def _capacity(view: ClusterView) -> Capacity:
    memory = {r.node: r.memory for r in view.reachable if r.memory is not None}
    status = view.pacemaker
    if status is None:
        return Capacity(None, (), memory, "no Pacemaker picture: which VMs run where is unknown")
    stranded: list[Stranded] = []
    missing: list[str] = []
    for node in [n.name for n in status.nodes if n.online is True]:
        vms, unknown = stranded_if_lost(view, node)
        if vms:
            stranded.append(Stranded(node, vms))
        missing += unknown
    if stranded:
        return Capacity(False, tuple(stranded), memory, None)
    if missing:
        return Capacity(None, (), memory, "unknown: " + ", ".join(dict.fromkeys(missing)))
    return Capacity(True, (), memory, None)
