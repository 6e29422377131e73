"""Provides the seed demo's ``ptest`` (Pacemaker 1.0.9's scheduler front end), on the demo's own engine.

``ptest -L -s`` prints the allocation scores of the live CIB; ``ptest -X -s -VVV`` reads a CIB on
stdin (the preview edits a copy of ``cibadmin -Q``), plans what the demo's engine would do with that
configuration and logs it the way 1.0.9's ``LogActions`` does, on stderr at ``-VVV``:
``ptest[PID]: DATE notice: LogActions: Move resource R\\t(Started X -> Y)``, ``Leave resource``,
``Start``, ``Stop``, ``Recover``, ``Promote``/``Demote R:N\\t(Slave -> Master X)``. Only the
configuration is read from the given CIB (constraints, node attributes, properties, meta
attributes); the status is the demo's. ``-X`` takes no value when given short, as in ptest.c.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING

from lxml import etree

from hatui.demo.commands import Outcome
from hatui.demo.engine import drbd_rsc, location_scores, plan
from hatui.demo.seed_cib import instance_names
from hatui.demo.seed_opts import help_or_version, parse10
from hatui.demo.seed_resource import scores10
from hatui.demo.state import INFINITY, Constraint
from hatui.demo.view import RscDef, managed, resources, state_on, status_order

if TYPE_CHECKING:
    from hatui.demo.cluster import DemoCluster

PID = 4242


def ptest10(c: DemoCluster, node: str, args: tuple[str, ...], stdin: str | None) -> Outcome:
    """``ptest -L|-X [-s] [-V...]``."""
    opts, error = parse10("ptest", args)
    if error is not None:
        return error
    answer = help_or_version("ptest", opts)
    if answer is not None:
        return answer
    sim = c
    if "live-check" in opts:
        if not c.pcmk_online(node):
            return Outcome(1, "", "Live CIB query failed: connection failed\n")
    elif "xml-text" in opts:
        parsed = _with_config(c, stdin or "")
        if parsed is None:
            return Outcome(4, "", f"ptest[{PID}]: {_stamp(c)} ERROR: main: Could not parse the input\n")
        sim = parsed
    else:
        return Outcome(1, "", f"ptest[{PID}]: {_stamp(c)} ERROR: main: No input specified\n")
    out = "\n".join(scores10(sim)) + "\n" if "show-scores" in opts else ""
    err = "".join(f"ptest[{PID}]: {_stamp(c)} notice: {line}\n" for line in log_actions(sim))
    return Outcome(0, out, err if int(opts.get("verbose", "0")) >= 2 else "")


def _stamp(c: DemoCluster) -> str:
    return f"{c.wall():%Y/%m/%d_%H:%M:%S}"


def _with_config(c: DemoCluster, text: str) -> DemoCluster | None:
    """A copy of the cluster whose configuration is the one in the CIB ``text``."""
    try:
        cib = etree.fromstring(text.encode(), etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError:
        return None
    if cib.tag != "cib":
        return None
    sim = copy.copy(c)
    sim.cib = copy.deepcopy(c.cib)
    sim.lrm = copy.copy(c.lrm)
    sim.lrm.cib = sim.cib
    sim.nodes = copy.deepcopy(c.nodes)
    sim.drbd = copy.deepcopy(c.drbd)
    sim.jobs = []
    sim.cib.properties = {
        str(nv.get("name")): str(nv.get("value")) for nv in cib.iterfind("configuration/crm_config//nvpair")
    }
    for n in cib.iterfind("configuration/nodes/node"):
        uname = str(n.get("uname"))
        if uname in sim.nodes:
            sim.cib.node_attrs[uname] = {
                str(nv.get("name")): str(nv.get("value")) for nv in n.iterfind("instance_attributes/nvpair")
            }
    for meta in cib.iterfind("configuration/resources//meta_attributes"):
        owner = meta.getparent()
        if owner is not None and owner.get("id"):
            pairs = {str(nv.get("name")): str(nv.get("value")) for nv in meta.iterfind("nvpair")}
            sim.cib.meta[str(owner.get("id"))] = pairs
    sim.cib.constraints = [
        k for k in (_constraint(e) for e in cib.iterfind("configuration/constraints/*")) if k
    ]
    return sim


def _constraint(e: etree._Element) -> Constraint | None:
    attrs = {str(k): str(v) for k, v in e.attrib.items()}
    if "id" not in attrs:
        return None
    if e.tag == "rsc_location" and "node" not in attrs:
        expr = e.find("rule/expression[@attribute='#uname']")
        rule = e.find("rule")
        if expr is None or rule is None:
            return None
        return Constraint(str(e.tag), attrs, str(expr.get("value")), str(rule.get("score")))
    roles = {"Master": "Promoted", "Slave": "Unpromoted"}
    return Constraint(str(e.tag), {k: roles.get(v, v) if k.endswith("role") else v for k, v in attrs.items()})


def log_actions(c: DemoCluster) -> list[str]:
    """What 1.0.9's LogActions says about every resource for the next transition of ``c``."""
    jobs = plan(c)
    labels = [label for job in jobs for label in job.labels]
    lines = []
    for vm in c.topo.vms:
        where = [n for n in status_order(c) if state_on(c, n, vm.name).active]
        here = where[0] if where else None
        if not managed(c, here):
            lines.append(
                f"LogActions: Leave resource {vm.name}\t({'Started' if here else 'Stopped'} unmanaged)"
            )
            continue
        stops = [w.rsplit(" on ", 1)[1] for w in labels if w.startswith(f"stop {vm.name} on ")]
        starts = [w.rsplit(" on ", 1)[1] for w in labels if w.startswith(f"start {vm.name} on ")]
        if stops and starts and stops[0] != starts[0]:
            lines.append(f"LogActions: Move resource {vm.name}\t(Started {stops[0]} -> {starts[0]})")
        elif stops and starts:
            lines.append(f"LogActions: Recover resource {vm.name}\t(Started {starts[0]})")
        elif stops:
            lines.append(f"LogActions: Stop resource {vm.name}\t({stops[0]})")
        elif starts:
            lines.append(f"LogActions: Start {vm.name}\t({starts[0]})")
        else:
            lines.append(
                f"LogActions: Leave resource {vm.name}\t({'Started ' + here if here else 'Stopped'})"
            )
    for r in resources(c):
        if r.clone:
            lines += _instances(c, r, labels)
    return lines


def _instances(c: DemoCluster, r: RscDef, labels: list[str]) -> list[str]:
    """One line per DRBD clone instance: it stays, is demoted or promoted, or stops with its node."""
    disk = r.primitive.removeprefix("drbd_")
    lines = []
    for node, inst in instance_names(c, r).items():
        if node not in c.topo.drbd_nodes:
            continue
        role = state_on(c, node, drbd_rsc(disk)).role
        word = {"Promoted": "Master", "Stopped": "Stopped"}.get(role, "Slave")
        wanted = c.available(node) and location_scores(c, r.id).get(node, -INFINITY) > -INFINITY

        def planned(verb: str, node: str = node) -> bool:
            return any(
                w.startswith(f"{verb} ")
                and disk in w.rsplit(" on ", 1)[0].removeprefix(f"{verb} ").split(", ")
                and w.endswith(f" on {node}")
                for w in labels
            )

        if not managed(c, node):
            lines.append(f"LogActions: Leave resource {inst}\t({word} unmanaged)")
        elif role != "Stopped" and not wanted:
            if word == "Master":
                lines.append(f"LogActions: Demote {inst}\t(Master -> Stopped {node})")
            lines.append(f"LogActions: Stop resource {inst}\t({node})")
        elif planned("demote"):
            lines.append(f"LogActions: Demote {inst}\t(Master -> Slave {node})")
        elif planned("promote"):
            lines.append(f"LogActions: Promote {inst}\t(Slave -> Master {node})")
        elif role == "Stopped" and wanted:
            lines.append(f"LogActions: Start {inst}\t({node})")
        elif role != "Stopped":
            lines.append(f"LogActions: Leave resource {inst}\t({word} {node})")
    return lines
