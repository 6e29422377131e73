"""Provides the CIB configuration pieces the demo writes alike in the 1.0 and the 2.x schema.

The seed (Pacemaker 1.0.9) and modern (2.1.5) renderers differ in node ids, clone tags, role names
and where an element's ``id`` stands; what they share (the properties, the node attributes, a VM's
primitive, a DRBD primitive) is written here once, so the two CIBs cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from hatui.demo.view import RscDef, element

if TYPE_CHECKING:
    from hatui.demo.cluster import DemoCluster
    from hatui.demo.topology import NodeDef

Pairs = list[tuple[str, str]]


def _with_id(ident: str, pairs: Pairs, *, id_last: bool) -> Pairs:
    # What pcs creates carries its id last (the modern lab's live CIB shows it); what Pacemaker
    # itself and the 1.0 crm shell write carries it first.
    return [*pairs, ("id", ident)] if id_last else [("id", ident), *pairs]


def nvpair_set(indent: int, set_tag: str, set_id: str, pairs: Pairs, *, id_last: bool = False) -> list[str]:
    """An attribute set ``set_tag`` holding one ``nvpair`` (id ``{set_id}-{name}``) a pair."""
    rows = [
        line
        for k, v in pairs
        for line in element(
            indent + 1, "nvpair", _with_id(f"{set_id}-{k}", [("name", k), ("value", v)], id_last=id_last)
        )
    ]
    return element(indent, set_tag, [("id", set_id)], rows)


def crm_config(c: DemoCluster, indent: int) -> list[str]:
    """The ``<crm_config>`` section: the cluster properties in ``cib-bootstrap-options``."""
    props = nvpair_set(
        indent + 1, "cluster_property_set", "cib-bootstrap-options", list(c.cib.properties.items())
    )
    return element(indent, "crm_config", [], props)


def nodes(c: DemoCluster, indent: int, node_id: Callable[[NodeDef], str], extra: Pairs) -> list[str]:
    """The ``<nodes>`` section: each node (``node_id`` names it, ``extra`` follows its uname) with its
    attributes, an empty set kept where the attributes were all deleted."""
    lines: list[str] = []
    for n in c.topo.nodes:
        nid = node_id(n)
        children: list[str] = []
        attrs = c.cib.node_attrs.get(n.name, {})
        if attrs or n.name in c.cib.node_attr_sets:
            children = nvpair_set(indent + 2, "instance_attributes", f"nodes-{nid}", list(attrs.items()))
        lines += element(indent + 1, "node", [("id", nid), ("uname", n.name), *extra], children)
    return element(indent, "nodes", [], lines)


def _op_def(indent: int, rsc: str, name: str, interval: str, extra: Pairs, *, id_last: bool) -> list[str]:
    pairs = [("name", name), ("interval", interval), *extra]
    return element(indent, "op", _with_id(f"{rsc}-{name}-{interval}", pairs, id_last=id_last))


def _head(r: RscDef) -> Pairs:
    klass, provider, kind = r.agent
    return [("id", r.primitive), ("class", klass), ("provider", provider), ("type", kind)]


def vm_primitive(c: DemoCluster, r: RscDef, indent: int, *, id_last: bool) -> list[str]:
    """A VM's Xen primitive: its xmfile, its three operations, and its meta attributes if any."""
    vm = c.topo.vm(r.primitive)
    params = [("xmfile", vm.xmfile if vm else ""), ("shutdown_timeout", "5")]
    body = nvpair_set(
        indent + 1, "instance_attributes", f"{r.id}-instance_attributes", params, id_last=id_last
    )
    ops = _op_def(indent + 2, r.id, "monitor", "10s", [], id_last=id_last)
    ops += _op_def(indent + 2, r.id, "start", "0s", [("timeout", "60")], id_last=id_last)
    ops += _op_def(indent + 2, r.id, "stop", "0s", [("timeout", "40s")], id_last=id_last)
    body += element(indent + 1, "operations", [], ops)
    meta = list(c.cib.meta.get(r.id, {}).items())
    if meta:
        body += nvpair_set(indent + 1, "meta_attributes", f"{r.id}-meta_attributes", meta, id_last=id_last)
    return element(indent, "primitive", _head(r), body)


def drbd_primitive(r: RscDef, indent: int, roles: tuple[str, str], *, id_last: bool) -> list[str]:
    """The DRBD primitive inside a promotable clone: its resource and a monitor per role.

    ``roles`` names the promoted and the unpromoted role as the schema spells them.
    """
    disk = r.primitive.removeprefix("drbd_")
    params = [("drbd_resource", disk)]
    body = nvpair_set(
        indent + 1, "instance_attributes", f"{r.primitive}-instance_attributes", params, id_last=id_last
    )
    promoted, unpromoted = roles
    ops = _op_def(
        indent + 2, r.primitive, "monitor", "29s", [("role", promoted), ("timeout", "20s")], id_last=id_last
    )
    ops += _op_def(
        indent + 2, r.primitive, "monitor", "31s", [("role", unpromoted), ("timeout", "20s")], id_last=id_last
    )
    body += element(indent + 1, "operations", [], ops)
    return element(indent, "primitive", _head(r), body)


def rsc_defaults(indent: int, *, id_last: bool) -> list[str]:
    """The ``<rsc_defaults>`` section: infinite stickiness, as the reference cluster sets it."""
    meta = nvpair_set(
        indent + 1, "meta_attributes", "rsc-options", [("resource-stickiness", "INFINITY")], id_last=id_last
    )
    return element(indent, "rsc_defaults", [], meta)
