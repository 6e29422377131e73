"""Provides the fan-out: a transport per node, and every node polled at once.

Nodes are polled concurrently (``asyncio.gather``), so a node that hangs costs only its own
timeouts and never delays another node's capture.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence

from hatui.clock import Clock, SystemClock
from hatui.config import ClusterConfig, NodeConfig
from hatui.errors import ConfigError
from hatui.model.capture import NodeCapture
from hatui.sources.collector import NodeCollector
from hatui.transport.base import Transport


def make_transport(node_cfg: NodeConfig, cluster_cfg: ClusterConfig) -> Transport:
    """Returns the transport the config asks for: SSH (the default) or local.

    Raises:
        ConfigError: the node names a transport hatui does not know.
    """
    # Imported here: a cluster of local nodes never needs asyncssh (and the reverse).
    if node_cfg.transport == "local":
        from hatui.transport.local import LocalTransport

        return LocalTransport(node_cfg.name, max_output=cluster_cfg.max_output_bytes)
    if node_cfg.transport == "ssh":
        from hatui.transport.ssh import SSHTransport

        return SSHTransport.from_config(node_cfg, cluster_cfg)
    raise ConfigError(f"node {node_cfg.name}: unknown transport {node_cfg.transport!r} (ssh or local)")


def make_collectors(
    cluster_cfg: ClusterConfig,
    transports: Mapping[str, Transport] | None = None,
    clock: Clock | None = None,
) -> list[NodeCollector]:
    """Returns one collector per node, in config order, using ``transports`` where given."""
    given = transports or {}
    return [
        NodeCollector(
            node, cluster_cfg, given.get(node.name) or make_transport(node, cluster_cfg), clock=clock
        )
        for node in cluster_cfg.nodes
    ]


async def poll_all(collectors: Sequence[NodeCollector], *, force: bool = False) -> list[NodeCapture]:
    """Polls every collector at once; returns their captures in the same order."""
    results = await asyncio.gather(*(c.poll(force=force) for c in collectors), return_exceptions=True)
    captures: list[NodeCapture] = []
    for collector, result in zip(collectors, results, strict=True):
        if isinstance(result, NodeCapture):
            captures.append(result)
        elif isinstance(result, asyncio.CancelledError):
            raise result
        else:
            # poll() never raises; this is the last line of defence if it ever does.
            captures.append(NodeCapture(node=collector.node.name, unreachable=f"internal error: {result!r}"))
    return captures


async def collect_once(
    cluster_cfg: ClusterConfig,
    transports: Mapping[str, Transport] | None = None,
    clock: Clock | None = None,
) -> list[NodeCapture]:
    """Detects and polls every node once (all sources), then closes the transports it opened.

    ``transports`` maps node names to transports to use instead of building them from the config
    (the demo cluster, tests); those stay open, they belong to the caller.
    """
    given = transports or {}
    clock = clock or SystemClock()
    collectors = make_collectors(cluster_cfg, given, clock)
    try:
        return await poll_all(collectors, force=True)
    finally:
        opened = [c.close() for c in collectors if c.node.name not in given]
        # Concurrently: a hung node's close must not hold up the others'.
        await asyncio.gather(*opened, return_exceptions=True)
