"""Provides the seed demo's CIB: ``cibadmin -Q [-o S]`` as Pacemaker 1.0.9 over openais stores it.

The schema is ``pacemaker-1.0`` (feature set 3.0.1): node ids are the node names (openais), the DRBD
clones are ``<master>`` resources whose anonymous instances are ``drbd_R:0``/``drbd_R:1`` in the
status section, an operation is filed under ``R_task_interval`` (one record per key, no
``last_0``), fail-counts are ``fail-count-R`` and ``last-failure-R`` without an operation suffix,
and orders carry a score. The real 1.0.9 ``crm_mon -x`` run on this CIB prints what the demo's
own crm_mon prints (``tests/demo/test_demo_seed_pacemaker.py`` checks it when the build exists).
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from hatui.demo.cib_sections import crm_config, drbd_primitive, nodes, nvpair_set, rsc_defaults, vm_primitive
from hatui.demo.state import Constraint, Op
from hatui.demo.view import RscDef, clone_instances, element, resources, status_order

if TYPE_CHECKING:
    from hatui.demo.cluster import DemoCluster

FEATURE_SET = "3.0.1"
PCMK_VERSION = "1.0.9"
DC_VERSION = "1.0.9-74392a28b7f31d7ddc86689598bd23114f58978b"
DC_UUID = "2b1e5c1d-3f7a-4a8e-9a43-0c6a7f2d9e10"
SCOPES = ("nodes", "resources", "constraints", "crm_config", "rsc_defaults", "op_defaults", "status")

#: The roles of 1.0 for the demo's role words.
ROLE_10 = {"Promoted": "Master", "Unpromoted": "Slave"}


def seed_properties() -> dict[str, str]:
    """The cluster properties of the reference cluster (its ``crm configure show``)."""
    return {
        "dc-version": DC_VERSION,
        "cluster-infrastructure": "openais",
        "expected-quorum-votes": "3",
        "stonith-enabled": "false",
        "last-lrm-refresh": "1285163787",
        "symmetric-cluster": "false",
    }


def instance_names(c: DemoCluster, r: RscDef) -> dict[str, str]:
    """node -> the clone instance (``drbd_R:N``) its history is filed under.

    Active copies hold their instance numbers; a node whose history only has a probe takes the
    first number no active copy holds (the way 1.0 reuses a free instance for a probe).
    """
    names: dict[str, str] = {}
    instances = clone_instances(c, r)
    for i, inst in enumerate(instances):
        if inst.node is not None:
            names[inst.node] = f"{r.primitive}:{i}"
    free = [i for i, inst in enumerate(instances) if inst.node is None and not inst.orphaned] or [0]
    for node in status_order(c):
        if node not in names and r.primitive in c.cib.lrm.get(node, {}):
            names[node] = f"{r.primitive}:{free[0]}"
    return names


def cib10_xml(c: DemoCluster, scope: str | None = None) -> str:
    """The whole CIB, or the section ``scope`` names."""
    sections = {
        "crm_config": crm_config,
        "nodes": _nodes,
        "resources": _resources,
        "constraints": constraints10,
        "rsc_defaults": _rsc_defaults,
        "op_defaults": _op_defaults,
    }
    if scope in sections:
        return "\n".join(sections[scope](c, 0)) + "\n"
    if scope == "status":
        return "\n".join(_status(c, 0)) + "\n"
    config = [line for name, fn in sections.items() if name != "op_defaults" for line in fn(c, 2)]
    dc = c.dc()
    pairs = [
        ("validate-with", "pacemaker-1.0"),
        ("crm_feature_set", FEATURE_SET),
        ("have-quorum", "1" if c.quorate() else "0"),
        *([("dc-uuid", dc)] if dc else []),
        ("admin_epoch", "0"),
        ("epoch", str(c.cib.epoch)),
        ("num_updates", str(c.cib.num_updates)),
    ]
    children = ["  <configuration>", *config, "  </configuration>", *_status(c, 1)]
    return "\n".join(element(0, "cib", pairs, children)) + "\n"


def _nodes(c: DemoCluster, indent: int) -> list[str]:
    return nodes(c, indent, lambda n: n.name, [("type", "normal")])


def _resources(c: DemoCluster, indent: int) -> list[str]:
    lines: list[str] = []
    for r in resources(c):
        if not r.clone:
            lines += vm_primitive(c, r, indent + 1, id_last=False)
            continue
        ms_meta = [
            ("master-max", "1"),
            ("master-node-max", "1"),
            ("clone-max", "2"),
            ("clone-node-max", "1"),
            ("notify", "true"),
            *c.cib.meta.get(r.id, {}).items(),
        ]
        body = nvpair_set(indent + 2, "meta_attributes", f"{r.id}-meta_attributes", ms_meta)
        body += drbd_primitive(r, indent + 2, (ROLE_10["Promoted"], ROLE_10["Unpromoted"]), id_last=False)
        lines += element(indent + 1, "master", [("id", r.id)], body)
    return element(indent, "resources", [], lines)


def constraints10(c: DemoCluster, indent: int) -> list[str]:
    """The ``<constraints>`` section in the 1.0 schema (roles Master/Slave, orders with a score)."""
    lines = [line for con in c.cib.constraints for line in _constraint(con, indent + 1)]
    return element(indent, "constraints", [], lines)


def _constraint(con: Constraint, indent: int) -> list[str]:
    if con.xml is not None:
        return ["  " * indent + con.xml]
    attrs = [(k, ROLE_10.get(v, v) if k.endswith("role") else v) for k, v in con.attrs.items()]
    if con.tag == "rsc_order":
        attrs = [(k, v) for k, v in attrs if k != "kind"] + [("score", "INFINITY")]
    if con.rule_node is None:
        return element(indent, con.tag, attrs)
    # crm_resource -M's rule form: cli-prefer-R / cli-standby-R (seed-stack-cli.md section 1.1).
    kind = "prefer" if con.id.startswith("cli-prefer-") else "standby"
    rsc = con.attrs.get("rsc", "")
    expr = [
        ("id", f"cli-{kind}-expr-{rsc}"),
        ("attribute", "#uname"),
        ("operation", "eq"),
        ("value", con.rule_node),
        ("type", "string"),
    ]
    rule = element(indent + 2, "expression", expr)
    if con.expires is not None:
        end = f"{con.expires:%Y-%m-%d %H:%M:%SZ}"
        rule += element(
            indent + 2,
            "date_expression",
            [("id", f"cli-{kind}-lifetime-end-{rsc}"), ("operation", "lt"), ("end", end)],
        )
    rule_attrs = [("id", f"cli-{kind}-rule-{rsc}"), ("score", con.rule_score or ""), ("boolean-op", "and")]
    body = element(indent + 1, "rule", rule_attrs, rule)
    return element(indent, con.tag, [("id", con.id), ("rsc", rsc)], body)


def _rsc_defaults(c: DemoCluster, indent: int) -> list[str]:
    return rsc_defaults(indent, id_last=False)


def _op_defaults(c: DemoCluster, indent: int) -> list[str]:
    return element(indent, "op_defaults", [])


def transient10(c: DemoCluster, node: str) -> list[tuple[str, str]]:
    """The node's status attributes as 1.0's attrd keeps them (fail-count-R, master-drbd_R:N)."""
    if not c.pcmk_online(node):
        return []
    attrs = [("probe_complete", "true")]
    for r in resources(c):
        if not r.clone:
            continue
        inst = instance_names(c, r).get(node)
        score = _master_score(c, node, r.primitive)
        if inst is not None and score is not None:
            attrs.append((f"master-{inst}", score))
    counts: dict[str, tuple[int, int]] = {}
    for key, (count, when) in c.cib.fail_counts.get(node, {}).items():
        rsc = key.split("#", 1)[0]
        old = counts.get(rsc, (0, 0))
        counts[rsc] = (old[0] + count, max(old[1], when))
    for rsc, (count, when) in counts.items():
        attrs += [(f"fail-count-{rsc}", str(count)), (f"last-failure-{rsc}", str(when))]
    return attrs


def _master_score(c: DemoCluster, node: str, prim: str) -> str | None:
    from hatui.demo.view import master_scores

    return master_scores(c, node).get(f"master-{prim}")


def _status(c: DemoCluster, indent: int) -> list[str]:
    lines: list[str] = []
    for node in status_order(c):
        online = c.pcmk_online(node)
        pairs = [
            ("id", node),
            ("uname", node),
            ("ha", "active" if online else "dead"),
            ("in_ccm", "true" if online else "false"),
            ("crmd", "online" if online else "offline"),
            ("join", "member" if online else "down"),
            ("expected", "member" if online else "down"),
            ("crm-debug-origin", "do_update_resource" if online else "do_state_transition"),
            ("shutdown", "0"),
        ]
        children = _lrm(c, node, indent + 2)
        attrs = transient10(c, node)
        if attrs:
            inner = nvpair_set(indent + 3, "instance_attributes", f"status-{node}", attrs)
            children += element(indent + 2, "transient_attributes", [("id", node)], inner)
        lines += element(indent + 1, "node_state", pairs, children)
    return element(indent, "status", [], lines)


def _lrm(c: DemoCluster, node: str, indent: int) -> list[str]:
    defs = {r.primitive: r for r in resources(c)}
    names = {r.primitive: instance_names(c, r) for r in resources(c) if r.clone}
    rows: list[str] = []
    for rsc, ops in c.cib.lrm.get(node, {}).items():
        r = defs.get(rsc)
        klass, provider, kind = r.agent if r else ("ocf", "heartbeat", "Xen")
        name = names.get(rsc, {}).get(node, rsc)
        op_rows = [line for op in ops10(ops) for line in _lrm_op(c, node, name, op, indent + 3)]
        rows += element(
            indent + 2,
            "lrm_resource",
            [("id", name), ("type", kind), ("class", klass), ("provider", provider)],
            op_rows,
        )
    body = element(indent + 1, "lrm_resources", [], rows)
    return element(indent, "lrm", [("id", node)], body)


def ops10(ops: dict[str, Op]) -> list[Op]:
    """One record per ``task_interval`` key, as 1.0 files them: the latest call wins."""
    by_key: dict[tuple[str, int], Op] = {}
    for op in sorted(ops.values(), key=lambda o: o.call):
        by_key[(op.task, op.interval_ms)] = op
    return sorted(by_key.values(), key=lambda o: o.call)


def drbd_instance_rsc(name: str) -> str:
    """The primitive of a clone instance id (``drbd_R:1`` -> ``drbd_R``)."""
    return name.split(":", 1)[0]


def op_digest(c: DemoCluster, rsc: str, interval_ms: int) -> str:
    """The ``op-digest`` Pacemaker computes for an operation of ``rsc``.

    The md5 of ``" <parameters a="1" b="2"/>\n"``, the resource's parameters sorted by name, with
    ``CRM_meta_timeout`` (the op's 20 s) for a recurring monitor: what 1.0.9 writes and what 2.1.5's
    ``crm_resource --digests`` computes for this CIB, so neither scheduler sees a changed definition.
    """
    vm = c.topo.vm(rsc)
    params = (
        {"xmfile": vm.xmfile, "shutdown_timeout": "5"} if vm else {"drbd_resource": rsc.removeprefix("drbd_")}
    )
    if interval_ms:
        params["CRM_meta_timeout"] = "20000"
    text = " <parameters" + "".join(f' {k}="{v}"' for k, v in sorted(params.items())) + "/>\n"
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


def _lrm_op(c: DemoCluster, node: str, name: str, op: Op, indent: int) -> list[str]:
    key = f"{op.action}:{op.transition}:{op.target_rc}:{DC_UUID}"
    pairs = [
        ("id", f"{name}_{op.task}_{op.interval_ms}"),
        ("operation", op.task),
        ("crm-debug-origin", "do_update_resource"),
        ("crm_feature_set", FEATURE_SET),
        ("transition-key", key),
        ("transition-magic", f"0:{op.rc};{key}"),
        ("call-id", str(op.call)),
        ("rc-code", str(op.rc)),
        ("op-status", "0"),
        ("interval", str(op.interval_ms)),
        ("last-run", str(op.changed)),
        ("last-rc-change", str(op.changed)),
        ("exec-time", str(op.exec_ms)),
        ("queue-time", str(op.queue_ms)),
        ("op-digest", op_digest(c, drbd_instance_rsc(name), op.interval_ms)),
    ]
    return element(indent, "lrm_rsc_op", pairs)
