"""Provides ``crm_mon --output-as=xml`` of Pacemaker 2.1.5 (XML API 2.25) for the demo cluster.

The layout copies what the real 2.1.5 prints (captured from a live three-node lab): element and
attribute order, ctime stamps in history, ISO stamps in failures, instance order in clones. XML
output always holds every section, whatever ``--include``/``--inactive`` say, as in 2.1.5.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from hatui.demo.lrm import RC_TEXT, RscState
from hatui.demo.state import Op, parse_score
from hatui.demo.view import (
    API_VERSION,
    DC_VERSION,
    PCMK_VERSION,
    RscDef,
    attrs,
    clone_instances,
    ctime,
    element,
    iso,
    managed,
    master_scores,
    resources,
    resources_running,
    state_on,
    status_order,
)

if TYPE_CHECKING:
    from hatui.demo.cluster import DemoCluster


def crm_mon_xml(c: DemoCluster, node: str, request: str, *, legacy: bool = False) -> str:
    """Returns crm_mon's XML as seen from ``node``; ``legacy`` gives the ``--as-xml`` root."""
    now = c.wall()
    body: list[str] = []
    if not legacy:
        stamp = iso(now - timedelta(seconds=1))
        body += element(
            1, "pacemakerd", [("sys_from", "pacemakerd"), ("state", "running"), ("last_updated", stamp)]
        )
    body += _summary(c, now)
    body += _nodes(c)
    body += ["  <resources>"] + [line for r in resources(c) for line in _resource(c, r)] + ["  </resources>"]
    body += _node_attributes(c)
    body += _node_history(c)
    body += _failures(c)
    body += _bans(c)
    if legacy:
        return "\n".join([f'<crm_mon version="{PCMK_VERSION}">', *body, "</crm_mon>"]) + "\n"
    head = f'<pacemaker-result api-version="{API_VERSION}"{attrs([("request", request)])}>'
    return "\n".join([head, *body, '  <status code="0" message="OK"/>', "</pacemaker-result>"]) + "\n"


def not_connected(request: str) -> str:
    """What crm_mon prints on a node whose cluster stack is not running (exit status 102)."""
    return (
        f'<pacemaker-result api-version="{API_VERSION}"{attrs([("request", request)])}>\n'
        '  <status code="102" message="Not connected">\n'
        "    <errors>\n"
        "      <error>crm_mon: Error: cluster is not available on this node</error>\n"
        "    </errors>\n"
        "  </status>\n"
        "</pacemaker-result>\n"
    )


def _summary(c: DemoCluster, now: object) -> list[str]:
    dc = c.dc()
    dc_id = str(c.nodes[dc].node_id) if dc else ""
    disabled = sum(1 for m in c.cib.meta.values() if m.get("target-role") == "Stopped")
    configured = sum(2 if r.clone else 1 for r in resources(c))
    p = c.cib.properties
    lines = ["  <summary>", '    <stack type="corosync"/>']
    lines += element(
        2,
        "current_dc",
        [
            ("present", "true" if dc else "false"),
            ("version", DC_VERSION if dc else ""),
            ("name", dc or ""),
            ("id", dc_id),
            ("with_quorum", "true" if c.quorate() else "false"),
            ("mixed_version", "false"),
        ],
    )
    lines += element(2, "last_update", [("time", ctime(c.wall()))])
    lines += element(
        2,
        "last_change",
        [
            ("time", ctime(c.cib.last_written)),
            ("user", c.cib.last_user),
            ("client", c.cib.last_client),
            ("origin", c.cib.last_origin),
        ],
    )
    lines += element(2, "nodes_configured", [("number", str(len(c.topo.nodes)))])
    lines += element(
        2,
        "resources_configured",
        [("number", str(configured)), ("disabled", str(disabled)), ("blocked", "0")],
    )
    lines += element(
        2,
        "cluster_options",
        [
            ("stonith-enabled", p.get("stonith-enabled", "true")),
            ("symmetric-cluster", p.get("symmetric-cluster", "true")),
            ("no-quorum-policy", p.get("no-quorum-policy", "stop")),
            ("maintenance-mode", "true" if c.maintenance_mode() else "false"),
            ("stop-all-resources", "false"),
            ("stonith-timeout-ms", "60000"),
            ("priority-fencing-delay-ms", "0"),
        ],
    )
    return [*lines, "  </summary>"]


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _nodes(c: DemoCluster) -> list[str]:
    lines = ["  <nodes>"]
    dc = c.dc()
    for n in c.topo.nodes:
        online = c.pcmk_online(n.name)
        node_attrs = c.cib.node_attrs.get(n.name, {})
        pairs = [
            ("name", n.name),
            ("id", str(n.node_id)),
            ("online", _flag(online)),
            ("standby", _flag(node_attrs.get("standby", "off") in ("on", "true"))),
            ("standby_onfail", "false"),
            ("maintenance", _flag(node_attrs.get("maintenance", "off") in ("on", "true"))),
            ("pending", "false"),
            ("unclean", "false"),
            ("health", "green"),
            *([("feature_set", "3.16.1")] if online else []),
            ("shutdown", "false"),
            ("expected_up", "true"),
            ("is_dc", _flag(n.name == dc)),
            ("resources_running", str(resources_running(c, n.name))),
            ("type", "member"),
        ]
        lines += element(2, "node", pairs)
    return [*lines, "  </nodes>"]


def _rsc_element(
    c: DemoCluster, r: RscDef, node: str | None, st: RscState, indent: int, orphaned: bool = False
) -> list[str]:
    target = c.cib.meta.get(r.primitive, {}).get("target-role")
    pairs = [("id", r.primitive), ("resource_agent", ":".join(r.agent)), ("role", st.role)]
    if target is not None:
        pairs.append(("target_role", target))
    pairs += [
        ("active", _flag(st.active)),
        ("orphaned", _flag(orphaned)),
        ("blocked", "false"),
        ("managed", _flag(managed(c, node))),
        ("failed", _flag(st.failed)),
        ("failure_ignored", "false"),
        ("nodes_running_on", "1" if node else "0"),
    ]
    children = None
    if node is not None:
        children = element(
            indent + 1, "node", [("name", node), ("id", str(c.nodes[node].node_id)), ("cached", "true")]
        )
    return element(indent, "resource", pairs, children)


def _resource(c: DemoCluster, r: RscDef) -> list[str]:
    if not r.clone:
        where = [n for n in status_order(c) if state_on(c, n, r.primitive).active]
        if not where:
            return _rsc_element(c, r, None, RscState("Stopped"), 2)
        return [line for n in where for line in _rsc_element(c, r, n, state_on(c, n, r.primitive), 2)]
    instances = clone_instances(c, r)
    pairs = [
        ("id", r.id),
        ("multi_state", "true"),
        ("unique", "false"),
        ("managed", _flag(managed(c, None))),
        ("disabled", "false"),
        ("failed", _flag(any(i.state.failed for i in instances))),
        ("failure_ignored", "false"),
    ]
    children = [line for i in instances for line in _rsc_element(c, r, i.node, i.state, 3, i.orphaned)]
    return element(2, "clone", pairs, children)


#: Attributes crm_mon leaves out of its node attribute list (it shows standby elsewhere).
_HIDDEN_ATTRS = ("standby", "shutdown", "terminate", "probe_complete")


def _node_attributes(c: DemoCluster) -> list[str]:
    lines: list[str] = []
    for node in [n.name for n in c.topo.nodes]:
        if not c.pcmk_online(node):
            continue
        shown = {k: v for k, v in c.cib.node_attrs.get(node, {}).items() if k not in _HIDDEN_ATTRS}
        shown.update(master_scores(c, node))
        if shown:
            rows = [
                line
                for k, v in sorted(shown.items())
                for line in element(3, "attribute", [("name", k), ("value", v)])
            ]
            lines += element(2, "node", [("name", node)], rows)
    return ["  <node_attributes>", *lines, "  </node_attributes>"] if lines else []


def shown_ops(ops: dict[str, Op]) -> list[Op]:
    """The operations crm_mon lists in node history: no probes that found nothing, by call id.

    A failed recurring monitor is recorded twice (its own entry and ``last_failure``) and crm_mon
    lists both.
    """
    shown = [op for op in ops.values() if not (op.task == "monitor" and op.interval_ms == 0 and op.rc == 7)]
    return sorted(shown, key=lambda op: op.call)


def _node_history(c: DemoCluster) -> list[str]:
    lines: list[str] = []
    for node in status_order(c):
        if not c.pcmk_online(node):
            continue
        rows: list[str] = []
        for rsc, ops in c.cib.lrm.get(node, {}).items():
            shown = shown_ops(ops)
            if not shown:
                continue
            pairs = [("id", rsc), ("orphan", "false"), ("migration-threshold", "1000000")]
            count, when = c.lrm.fail_count(node, rsc)
            if count:
                pairs += [("fail-count", str(count)), ("last-failure", ctime(when))]
            rows += element(3, "resource_history", pairs, [line for op in shown for line in _op(op)])
        if rows:
            lines += element(2, "node", [("name", node)], rows)
    return ["  <node_history>", *lines, "  </node_history>"] if lines else []


def _op(op: Op) -> list[str]:
    pairs = [
        ("call", str(op.call)),
        ("task", op.task),
        ("rc", str(op.rc)),
        ("rc_text", RC_TEXT.get(op.rc, "error")),
    ]
    if op.interval_ms:
        pairs.append(("interval", f"{op.interval_ms}ms"))
    pairs += [
        ("last-rc-change", ctime(op.changed)),
        ("exec-time", f"{op.exec_ms}ms"),
        ("queue-time", f"{op.queue_ms}ms"),
    ]
    return element(4, "operation_history", pairs)


def _failures(c: DemoCluster) -> list[str]:
    lines: list[str] = []
    for node in status_order(c):
        if not c.pcmk_online(node):
            continue
        for rsc, ops in c.cib.lrm.get(node, {}).items():
            op = ops.get(f"{rsc}_last_failure_0")
            if op is None:
                continue
            pairs = [
                ("op_key", f"{rsc}_{op.task}_{op.interval_ms}"),
                ("node", node),
                ("exitstatus", RC_TEXT.get(op.rc, "error")),
                ("exitreason", ""),
                ("exitcode", str(op.rc)),
                ("call", str(op.call)),
                ("status", "complete"),
                ("last-rc-change", iso(op.changed)),
                ("queued", str(op.queue_ms)),
                ("exec", str(op.exec_ms)),
                ("interval", str(op.interval_ms)),
                ("task", op.task),
            ]
            lines += element(2, "failure", pairs)
    return ["  <failures>", *lines, "  </failures>"] if lines else []


def _bans(c: DemoCluster) -> list[str]:
    lines: list[str] = []
    now = c.wall()
    for con in c.cib.constraints:
        if con.tag != "rsc_location" or (con.expires is not None and con.expires <= now):
            continue
        score = parse_score(con.attrs.get("score") or con.rule_score or "")
        node = con.attrs.get("node") or con.rule_node
        if score is None or score >= 0 or node not in c.node_names:
            # crm_mon lists a ban per node it applies to: a rule for no known node lists none.
            continue
        promoted = con.attrs.get("role") == "Promoted"
        pairs = [
            ("id", con.id),
            ("resource", con.attrs.get("rsc", "")),
            ("node", node),
            ("weight", str(score)),
            ("promoted-only", _flag(promoted)),
            ("master_only", _flag(promoted)),
        ]
        lines += element(2, "ban", pairs)
    return ["  <bans>", *lines, "  </bans>"] if lines else []
