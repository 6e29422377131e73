"""Provides the wiring from a chosen source (config, ``--demo``, ``--replay``) to pollers and captures.

``make_poller`` gives the console its source, ``collect`` the one-shot captures of ``--once`` and
``capture``; a replay directory is one more source in both, beside the nodes and the demo.

The demo cluster is polled through the same NodeCollector, detection and parsers as real nodes:
only its transports differ.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from hatui.config import ClusterConfig, Config, NodeConfig
from hatui.model.capture import NodeCapture

# The transports (asyncssh among them) and the collectors are imported by the functions that need
# them: ``hatui --once --replay`` reads files and must not pay for an SSH stack it never uses.
if TYPE_CHECKING:
    from hatui.demo import DemoCluster
    from hatui.sources.poller import Poller

DEMO_CLUSTER = "demo"


def demo_config() -> Config:
    """A config for the built-in demo cluster (its nodes are reached through demo transports)."""
    from hatui.config_backup import BackupConfig
    from hatui.demo.storage_sim import BACKUP_COMMAND
    from hatui.demo.topology import reference_topology

    topo = reference_topology()
    nodes = tuple(NodeConfig(name=n.name, host=n.name, transport="demo") for n in topo.nodes)
    cluster = ClusterConfig(
        name=DEMO_CLUSTER,
        nodes=nodes,
        display_name=f"demo: {topo.cluster_name}",
        # The reference cluster runs without STONITH by design; the demo says so once, in its config.
        backup=BackupConfig(command=BACKUP_COMMAND),
    )
    return Config(clusters={DEMO_CLUSTER: cluster}, health_ignore=frozenset({"stonith-disabled"}))


def demo_cluster(demo: bool | str, name: str | None = None) -> DemoCluster:
    """A fresh demo cluster of the generation ``demo`` names (True: the default one, seed); for a
    cluster of the demo fleet (``--demo --all``, named ``name``), that member's own generation and fault."""
    from hatui.demo import DemoCluster
    from hatui.sources.demo_fleet import fleet_member, member_cluster

    member = fleet_member(name) if name is not None else None
    if member is not None:
        return member_cluster(member)
    return DemoCluster(generation=demo) if isinstance(demo, str) else DemoCluster()


async def collect_demo_once(cluster: ClusterConfig, generation: bool | str = True) -> list[NodeCapture]:
    """One snapshot of a fresh demo cluster."""
    from hatui.sources.fanout import collect_once

    demo = demo_cluster(generation, cluster.name)
    return await collect_once(cluster, transports={n.name: demo.transport(n.name) for n in cluster.nodes})


async def collect(
    cluster: ClusterConfig, *, demo: bool | str | None = None, replay: Path | None = None
) -> list[NodeCapture]:
    """Every node's raw capture, once, from the chosen source (``--once``, ``capture``).

    The replay is read through the same ``ReplayPoller`` the console polls, so both see one data.

    Raises:
        HatuiError: an unreadable replay directory.
    """
    if replay is not None:
        return read_replay(replay)
    if demo:
        return await collect_demo_once(cluster, demo)
    from hatui.sources.fanout import collect_once

    return await collect_once(cluster)


def read_replay(replay: Path, at: datetime | None = None) -> list[NodeCapture]:
    """Every node's capture in the replay directory ``replay`` (no event loop needed); for a
    journal, every node's latest capture at ``at`` (None: at its last poll).

    Raises:
        HatuiError: an unreadable replay directory or journal; ``at`` without a journal.
    """
    from hatui.journal.store import Journal
    from hatui.sources.poller import ReplayPoller

    if Journal.is_journal(replay):
        from hatui.journal.timeline_find import captures_at

        return captures_at(replay, at)
    if at is not None:
        from hatui.errors import HatuiError

        raise HatuiError(f"{replay}: a capture directory holds one moment; --at needs a journal", "replay")
    return ReplayPoller.from_dir(replay).captures


def make_poller(
    config: Config, cluster: ClusterConfig, *, demo: bool | str | None = None, replay: Path | None = None
) -> Poller:
    """Returns the poller for the chosen source."""
    from hatui.sources.fanout import make_collectors
    from hatui.sources.live import CollectorPoller
    from hatui.sources.poller import ReplayPoller

    if replay is not None:
        # A journal polls as its last moment (the console's time cursor is hatui.ui.timeline).
        return ReplayPoller(read_replay(replay))
    if demo:
        sim = demo_cluster(demo, cluster.name)
        transports = {n.name: sim.transport(n.name) for n in cluster.nodes}
        poller = CollectorPoller(make_collectors(cluster, transports))
        poller.demo = sim  # type: ignore[attr-defined]
        return poller
    return CollectorPoller(make_collectors(cluster))
