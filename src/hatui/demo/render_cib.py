"""Provides ``cibadmin -Q [--scope S]`` for the demo cluster: its CIB as Pacemaker 2.1.5 stores it.

The status section holds the operation history the demo keeps, so that the real ``crm_mon`` run on
this CIB (``CIB_file=``) reports what the demo's own crm_mon output reports.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from hatui.demo.cib_sections import crm_config, drbd_primitive, nodes, nvpair_set, rsc_defaults, vm_primitive
from hatui.demo.state import Constraint, Op
from hatui.demo.view import (
    DC_UUID,
    FEATURE_SET,
    ctime,
    element,
    iso,
    resources,
    status_order,
    transient_attributes,
)

if TYPE_CHECKING:
    from hatui.demo.cluster import DemoCluster

SCOPES = ("configuration", "crm_config", "nodes", "resources", "constraints", "rsc_defaults", "status")


def cib_xml(c: DemoCluster, scope: str | None = None) -> str:
    """Returns the whole CIB, or one section of it when ``scope`` names one."""
    sections = {
        "crm_config": crm_config,
        "nodes": _nodes,
        "resources": _resources,
        "constraints": constraints,
        "rsc_defaults": _rsc_defaults,
    }
    if scope in sections:
        return "\n".join(sections[scope](c, 0)) + "\n"
    config = [line for fn in sections.values() for line in fn(c, 2)]
    if scope == "configuration":
        return "\n".join(element(0, "configuration", [], [line[4:] for line in config])) + "\n"
    if scope == "status":
        return "\n".join(_status(c, 0)) + "\n"
    quorum = "1" if c.quorate() else "0"
    dc = c.dc()
    pairs = [
        ("crm_feature_set", FEATURE_SET),
        ("validate-with", "pacemaker-3.9"),
        ("epoch", str(c.cib.epoch)),
        ("num_updates", str(c.cib.num_updates)),
        ("admin_epoch", "0"),
        ("cib-last-written", ctime(c.cib.last_written)),
        ("update-origin", c.cib.last_origin),
        ("update-client", c.cib.last_client),
        ("update-user", c.cib.last_user),
        ("have-quorum", quorum),
    ]
    if dc is not None:
        pairs.append(("dc-uuid", str(c.nodes[dc].node_id)))
    children = ["  <configuration>", *config, "  </configuration>", *_status(c, 1)]
    return "\n".join(element(0, "cib", pairs, children)) + "\n"


def _nodes(c: DemoCluster, indent: int) -> list[str]:
    return nodes(c, indent, lambda n: str(n.node_id), [])


def _resources(c: DemoCluster, indent: int) -> list[str]:
    lines: list[str] = []
    for r in resources(c):
        if not r.clone:
            lines += vm_primitive(c, r, indent + 1, id_last=True)
            continue
        meta = [
            ("promotable", "true"),
            ("promoted-max", "1"),
            ("promoted-node-max", "1"),
            ("clone-max", "2"),
            ("clone-node-max", "1"),
            ("notify", "true"),
        ]
        body = nvpair_set(indent + 2, "meta_attributes", f"{r.id}-meta_attributes", meta, id_last=True)
        body += drbd_primitive(r, indent + 2, ("Promoted", "Unpromoted"), id_last=True)
        lines += element(indent + 1, "clone", [("id", r.id)], body)
    return element(indent, "resources", [], lines)


def constraints(c: DemoCluster, indent: int) -> list[str]:
    """The ``<constraints>`` section (crm_resource's lifetime rules included)."""
    lines = [line for con in c.cib.constraints for line in _constraint(con, indent + 1)]
    return element(indent, "constraints", [], lines)


def _constraint(con: Constraint, indent: int) -> list[str]:
    if con.xml is not None:
        return ["  " * indent + con.xml]
    if con.expires is None:
        return element(indent, con.tag, list(con.attrs.items()))
    cid = con.id
    if cid.startswith("cli-prefer-"):
        rsc = cid.removeprefix("cli-prefer-")
        rule_id, expr_id, date_id = (
            f"cli-prefer-rule-{rsc}",
            f"cli-prefer-expr-{rsc}",
            f"cli-prefer-lifetime-end-{rsc}",
        )
    else:
        rule_id, expr_id, date_id = f"{cid}-rule", f"{cid}-expr", f"{cid}-lifetime"
    expr = [
        ("id", expr_id),
        ("attribute", "#uname"),
        ("operation", "eq"),
        ("value", con.rule_node or ""),
        ("type", "string"),
    ]
    rule = element(indent + 2, "expression", expr)
    rule += element(
        indent + 2, "date_expression", [("id", date_id), ("operation", "lt"), ("end", iso(con.expires))]
    )
    body = element(
        indent + 1, "rule", [("id", rule_id), ("score", con.rule_score or ""), ("boolean-op", "and")], rule
    )
    return element(indent, con.tag, list(con.attrs.items()), body)


def _rsc_defaults(c: DemoCluster, indent: int) -> list[str]:
    return rsc_defaults(indent, id_last=True)


def _status(c: DemoCluster, indent: int) -> list[str]:
    lines: list[str] = []
    for node in status_order(c):
        rt = c.nodes[node]
        online = c.pcmk_online(node)
        pairs = [
            ("id", str(rt.node_id)),
            ("uname", node),
            ("in_ccm", "true" if online else "false"),
            ("crmd", "online" if online else "offline"),
            ("crm-debug-origin", "do_update_resource" if online else "post_cache_update"),
            ("join", "member" if online else "down"),
            ("expected", "member"),
        ]
        children: list[str] = []
        attrs = transient_attributes(c, node)
        if attrs:
            sid = f"status-{rt.node_id}"
            rows = [
                line
                for k, v in attrs
                for line in element(
                    indent + 4, "nvpair", [("id", f"{sid}-{k.replace('#', '.')}"), ("name", k), ("value", v)]
                )
            ]
            inner = element(indent + 3, "instance_attributes", [("id", sid)], rows)
            children += element(indent + 2, "transient_attributes", [("id", str(rt.node_id))], inner)
        children += _lrm(c, node, indent + 2)
        lines += element(indent + 1, "node_state", pairs, children)
    return element(indent, "status", [], lines)


def _lrm(c: DemoCluster, node: str, indent: int) -> list[str]:
    defs = {r.primitive: r.agent for r in resources(c)}
    rows: list[str] = []
    for rsc, ops in c.cib.lrm.get(node, {}).items():
        klass, provider, kind = defs.get(rsc, ("ocf", "heartbeat", "Xen"))
        op_rows = [line for op in ops.values() for line in _lrm_op(c, node, rsc, op, indent + 3)]
        rows += element(
            indent + 2,
            "lrm_resource",
            [("id", rsc), ("type", kind), ("class", klass), ("provider", provider)],
            op_rows,
        )
    body = element(indent + 1, "lrm_resources", [], rows)
    return element(indent, "lrm", [("id", str(c.nodes[node].node_id))], body)


def _lrm_op(c: DemoCluster, node: str, rsc: str, op: Op, indent: int) -> list[str]:
    key = f"{op.action}:{op.transition}:{op.target_rc}:{DC_UUID}"
    digest = hashlib.md5(f"{rsc}:{op.interval_ms}".encode(), usedforsecurity=False).hexdigest()
    pairs = [
        ("id", op.op_id),
        ("operation_key", f"{rsc}_{op.task}_{op.interval_ms}"),
        ("operation", op.task),
        ("crm-debug-origin", "do_update_resource"),
        ("crm_feature_set", FEATURE_SET),
        ("transition-key", key),
        ("transition-magic", f"0:{op.rc};{key}"),
        ("exit-reason", ""),
        ("on_node", node),
        ("call-id", str(op.call)),
        ("rc-code", str(op.rc)),
        ("op-status", "0"),
        ("interval", str(op.interval_ms)),
        ("last-rc-change", str(op.changed)),
        ("exec-time", str(op.exec_ms)),
        ("queue-time", str(op.queue_ms)),
        ("op-digest", digest),
    ]
    return element(indent, "lrm_rsc_op", pairs)
