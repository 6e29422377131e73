"""The whole pipeline (collectors, parsers, model) runs unchanged on the demo's transports."""

from __future__ import annotations

from demo_support import START, make_cluster

from hatui.clock import FrozenClock
from hatui.config import ClusterConfig, NodeConfig
from hatui.demo import DemoCluster
from hatui.model.view import ClusterView
from hatui.model.vms import vm_rows
from hatui.snapshot.run import make_view
from hatui.sources.fanout import collect_once


async def _view(c: DemoCluster) -> ClusterView:
    cfg = ClusterConfig(name="demo", nodes=tuple(NodeConfig(n, host=n) for n in c.node_names))
    transports = {n: c.transport(n) for n in c.node_names}
    captures = await collect_once(cfg, transports, FrozenClock(START))
    return make_view("demo", captures, FrozenClock(START), cfg)


async def test_collected_view_joins_vms_disks_and_resources() -> None:
    c = make_cluster()
    view = await _view(c)
    assert [r.node for r in view.reachable] == ["vnode1", "vnode2", "vnode3"]
    assert view.errors == ()
    rows = {row.name: row for row in vm_rows(view)}
    assert set(rows) == {"sentinel", "mail", "www", "dns", "ldap", "elearning", "vconf"}
    sentinel = rows["sentinel"]
    assert sentinel.pcmk_nodes == ("vnode1",) and sentinel.domain_nodes == ("vnode1",)
    assert sentinel.disk_names == ("sentinel-root", "sentinel-swap")
    primaries = {(d.node, d.resource) for d in sentinel.disks if d.device.role.value == "Primary"}
    assert primaries == {("vnode1", "sentinel-root"), ("vnode1", "sentinel-swap")}
    assert rows["elearning"].disk_names == () and rows["elearning"].domain_nodes == ("vnode3",)


async def test_collected_view_after_a_node_is_killed() -> None:
    c = make_cluster()
    c.advance(900)
    c.inject("kill-node", "vnode1")
    c.advance(15)
    view = await _view(c)
    report = view.report("vnode1")
    assert report is not None and not report.reachable
    assert report.unreachable is not None and "connection refused" in report.unreachable
    rows = {row.name: row for row in vm_rows(view)}
    for vm in ("sentinel", "mail", "www", "dns", "ldap"):
        assert rows[vm].pcmk_nodes == ("vnode2",) and rows[vm].domain_nodes == ("vnode2",)
