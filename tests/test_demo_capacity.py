"""The N+1 badge on the demo clusters: right when healthy and with one node down (the issue's "done")."""

from __future__ import annotations

import asyncio

from hatui.demo import DemoCluster
from hatui.model.capacity import Capacity, capacity
from hatui.model.view import ClusterView
from hatui.snapshot.run import make_view
from hatui.sources.fanout import collect_once
from hatui.sources.make import DEMO_CLUSTER, demo_config

HA_VMS = ("sentinel", "mail", "www", "dns", "ldap")


def _view(c: DemoCluster) -> ClusterView:
    cluster = demo_config().clusters[DEMO_CLUSTER]
    captures = asyncio.run(
        collect_once(cluster, transports={n.name: c.transport(n.name) for n in cluster.nodes})
    )
    return make_view(cluster.name, captures, cluster=cluster)


def _settled(generation: str) -> DemoCluster:
    c = DemoCluster(generation=generation)
    c.advance(900)  # the initial resyncs are over
    return c


def test_seed_demo_is_n_plus_one_and_every_node_says_its_memory() -> None:
    cap = capacity(_view(_settled("seed")))
    assert (cap.n_plus_one, cap.stranded, cap.badge) == (True, (), "N+1 ok")
    assert set(cap.memory) == {"vnode1", "vnode2", "vnode3"}
    assert all(m.free_mib is not None and m.total_mib is not None for m in cap.memory.values())


def test_seed_demo_with_vnode1_down_cannot_lose_the_spare() -> None:
    c = _settled("seed")
    c.inject("kill-node", "vnode1")
    c.advance(10)
    cap: Capacity = capacity(_view(c))
    # vnode1's VMs now run on the spare; vnode3 holds no copy of their DRBD disks.
    assert cap.n_plus_one is False
    assert [(s.node, set(s.vms)) for s in cap.stranded] == [("vnode2", set(HA_VMS))]
    assert cap.badge.startswith("N+1 LOST: vnode2 (")


def test_modern_demo_keeps_vnode3s_vms_on_vnode3_so_its_loss_strands_them() -> None:
    cap = capacity(_view(_settled("modern")))
    assert cap.n_plus_one is False
    assert [(s.node, s.vms) for s in cap.stranded] == [("vnode3", ("elearning", "vconf"))]
