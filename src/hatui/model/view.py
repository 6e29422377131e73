"""Provides ClusterView: the whole cluster as seen from every node at one moment.

Pacemaker's picture is taken from the DC's own report when the DC answered (it is the node that
decides), else from the reachable node whose report names a DC, else from any reachable node. Every
node's own picture is kept too, because comparing them is how a partition is detected.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property

from hatui.model.backup_rule import SnapshotRule
from hatui.model.domains import Domain
from hatui.model.drbd import DrbdDevice
from hatui.model.pacemaker import ClusterStatus, Constraint
from hatui.model.report import NodeReport, SourceError
from hatui.model.storage_join import StorageView, storage_view


@dataclass(frozen=True, slots=True)
class NodeDrbd:
    """A DRBD device on a node, with its resource name resolved where the node's config tells it."""

    node: str
    device: DrbdDevice
    resource: str | None

    @property
    def label(self) -> str:
        """Resource name (``/volume`` when not 0) or ``minor N``."""
        if self.resource is None:
            return self.device.label
        vol = self.device.volume
        return self.resource if vol in (None, 0) else f"{self.resource}/{vol}"


@dataclass(frozen=True, slots=True)
class NodeDomain:
    """A guest domain seen on a node."""

    node: str
    domain: Domain


@dataclass(frozen=True)
class ClusterView:
    """Every node's report plus the cluster-wide picture derived from them.

    The view is immutable, so each derived collection is computed on first use and kept: the
    console and the health checks read them thousands of times per poll on a large cluster.
    (No ``slots``: ``cached_property`` needs the instance dict.)
    """

    name: str
    reports: tuple[NodeReport, ...]
    generated_at: datetime
    configured_nodes: tuple[str, ...] = ()
    vm_disks: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    snapshot_rule: SnapshotRule = field(default_factory=SnapshotRule)
    """The cluster's backup snapshot rule (``backup:`` in the config): sizes and the filling level."""

    def report(self, node: str) -> NodeReport | None:
        """Returns the report of ``node``, or None when it was not polled."""
        return self._by_node.get(node)

    @cached_property
    def _by_node(self) -> Mapping[str, NodeReport]:
        # The first report of a node wins, as a scan would find it.
        by_node: dict[str, NodeReport] = {}
        for r in self.reports:
            by_node.setdefault(r.node, r)
        return by_node

    @cached_property
    def reachable(self) -> tuple[NodeReport, ...]:
        """Reports of the nodes that answered."""
        return tuple(r for r in self.reports if r.reachable)

    @cached_property
    def pacemaker_source(self) -> NodeReport | None:
        """The report whose Pacemaker picture is used cluster-wide (see module docstring)."""
        with_pcmk = [r for r in self.reachable if r.pacemaker is not None]
        for r in with_pcmk:
            assert r.pacemaker is not None
            if r.pacemaker.dc == r.node:
                return r
        for r in with_pcmk:
            assert r.pacemaker is not None
            if r.pacemaker.dc is not None and r.pacemaker.quorum is not False:
                return r
        return with_pcmk[0] if with_pcmk else None

    @cached_property
    def pacemaker(self) -> ClusterStatus | None:
        """The cluster-wide Pacemaker picture, or None when no node gave one."""
        src = self.pacemaker_source
        return src.pacemaker if src else None

    @cached_property
    def node_names(self) -> tuple[str, ...]:
        """Configured nodes first, then any other node Pacemaker knows, in first-seen order."""
        names = list(self.configured_nodes) or [r.node for r in self.reports]
        status = self.pacemaker
        if status is not None:
            names += [n.name for n in status.nodes if n.name not in names]
        return tuple(dict.fromkeys(names))

    @cached_property
    def constraints(self) -> tuple[Constraint, ...]:
        """Constraints from the first node that gave them (the CIB is the same on every node)."""
        src = self.pacemaker_source
        ordered = ([src] if src else []) + list(self.reachable)
        for r in ordered:
            if r.constraints is not None:
                return r.constraints
        return ()

    @cached_property
    def drbd(self) -> tuple[NodeDrbd, ...]:
        """Every DRBD device on every reachable node, names resolved from ``drbdadm dump``."""
        out: list[NodeDrbd] = []
        for r in self.reachable:
            if r.drbd is None:
                continue
            by_minor = {}
            for conf in r.drbd_conf:
                minor = conf.minor_on(r.node)
                if minor is not None:
                    by_minor[minor] = conf.name
            for dev in r.drbd.devices:
                name = dev.resource or (by_minor.get(dev.minor) if dev.minor is not None else None)
                out.append(NodeDrbd(r.node, dev, name))
        return tuple(out)

    @cached_property
    def drbd_index(self) -> Mapping[tuple[str, str | None], tuple[NodeDrbd, ...]]:
        """(node, DRBD resource name) -> its devices there: the capacity model asks per VM per node."""
        index: dict[tuple[str, str | None], list[NodeDrbd]] = {}
        for d in self.drbd:
            index.setdefault((d.node, d.resource), []).append(d)
        return {k: tuple(v) for k, v in index.items()}

    @cached_property
    def domains(self) -> tuple[NodeDomain, ...]:
        """Every guest domain (no Domain-0) on every reachable node."""
        return tuple(
            NodeDomain(r.node, d) for r in self.reachable for d in (r.domains or ()) if not d.is_host
        )

    @cached_property
    def storage(self) -> StorageView:
        """Every node's LVM, iSCSI and filesystem rows joined to the DRBD resources and VMs."""
        return storage_view(self)

    @cached_property
    def errors(self) -> tuple[SourceError, ...]:
        """Sources that could not be read or parsed, over all nodes."""
        return tuple(e for r in self.reports for e in r.errors)

    @cached_property
    def fail_count_index(self) -> Mapping[str, Mapping[str, int]]:
        """Resource -> node -> fail-count above zero, from one pass over the history.

        The UI and the snapshots ask for every resource's counts: scanning the whole history per
        resource made a 3 MB crm_mon (8,500 resources, 25,500 history rows) take 15 s.
        """
        index: dict[str, dict[str, int]] = {}
        status = self.pacemaker
        for h in status.history if status else ():
            if h.fail_count:
                index.setdefault(h.resource, {})[h.node] = h.fail_count
        return index

    def fail_counts(self, resource_id: str) -> dict[str, int]:
        """Node -> fail-count of ``resource_id`` (only nodes with a count above zero)."""
        return dict(self.fail_count_index.get(resource_id, {}))


def pacemaker_views(reports: Iterable[NodeReport]) -> dict[str, ClusterStatus]:
    """Node -> its own Pacemaker picture, for every reachable node that gave one."""
    return {r.node: r.pacemaker for r in reports if r.reachable and r.pacemaker is not None}
