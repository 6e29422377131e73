"""Provides the demo fleet (``hatui --demo --all``): three simulated clusters to watch side by side.

The seed generation, the modern one, and a third cluster with a DRBD split-brain injected from
its start, so the fleet always shows a cluster in trouble beside healthy ones. The modern cluster
is ``read-only``: a fleet mixes modes, and its console must say which one it is in words. Each
cluster is a fresh ``DemoCluster`` of its own (the same three node names in each: separate
clusters may well name their nodes alike), reached through demo transports like ``--demo``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from hatui.config import ClusterConfig, Config, NodeConfig

if TYPE_CHECKING:
    from hatui.demo import DemoCluster


@dataclass(frozen=True, slots=True)
class FleetMember:
    """One demo cluster of the fleet: its generation, mode, accent and the fault it starts with."""

    name: str
    generation: str
    mode: str
    accent: str
    fault: tuple[str, str] | None = None
    """(fault, target) injected when the cluster is made (``hatui.demo.FAULTS``)."""


#: The demo fleet, in the order it is shown; the names are the config's cluster names.
DEMO_FLEET = (
    FleetMember("demo-seed", "seed", "operator", "#3366cc"),
    FleetMember("demo-modern", "modern", "read-only", "#2e8b57"),
    FleetMember("demo-faulted", "seed", "operator", "#b8860b", fault=("split-brain", "www-root")),
)


def demo_fleet_config() -> Config:
    """A config holding the demo fleet's clusters (their nodes reached through demo transports)."""
    from hatui.config_backup import BackupConfig
    from hatui.demo.storage_sim import BACKUP_COMMAND
    from hatui.demo.topology import reference_topology

    clusters = {}
    for m in DEMO_FLEET:
        topo = reference_topology(m.generation)
        nodes = tuple(NodeConfig(name=n.name, host=n.name, transport="demo") for n in topo.nodes)
        clusters[m.name] = ClusterConfig(
            name=m.name,
            nodes=nodes,
            display_name=f"{m.name}: {topo.cluster_name}",
            accent=m.accent,
            mode=m.mode,
            backup=BackupConfig(command=BACKUP_COMMAND),
        )
    # The reference cluster runs without STONITH by design, as the single demo says.
    return Config(clusters=clusters, health_ignore=frozenset({"stonith-disabled"}))


def fleet_member(name: str) -> FleetMember | None:
    """The demo fleet's cluster called ``name``, or None (``--demo`` without ``--all``)."""
    return next((m for m in DEMO_FLEET if m.name == name), None)


def member_cluster(member: FleetMember) -> DemoCluster:
    """A fresh simulated cluster for ``member``, its fault already injected."""
    from hatui.demo import DemoCluster

    sim = DemoCluster(generation=member.generation)
    if member.fault is not None:
        sim.inject(*member.fault)
    return sim
