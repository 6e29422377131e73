"""Provides the seed demo's ``crm_mon``: Pacemaker 1.0.9's text screen (it has no XML output).

The layout is ``print_status`` of 1.0.9's tools/crm_mon.c with ``native_print``/``clone_print`` of
lib/pengine: the ``============`` banner, ``Stack: openais``, a DC line without an id (openais node
ids are the names), ``Node X: standby`` lines, ``Online: [ ... ]``, resources as
``" id\\t(class::provider:type):\\tRole node"``, ``Master/Slave Set:`` with ``Masters:``/``Slaves:``
lists, ``Migration summary:`` under ``-f`` and ``Failed actions:``. Its options are those of the
1.0.9 binary (``--help`` is its own output, captured); ``-h`` is HTML output, not help.
"""

from __future__ import annotations

from importlib import resources as pkg_resources
from typing import TYPE_CHECKING

from hatui.demo.commands import Outcome
from hatui.demo.lrm import RscState
from hatui.demo.seed_cib import DC_VERSION, ROLE_10, instance_names, ops10, transient10
from hatui.demo.seed_opts import parse10
from hatui.demo.view import RscDef, clone_instances, ctime, managed, resources, state_on, status_order

if TYPE_CHECKING:
    from hatui.demo.cluster import DemoCluster

VERSION_TEXT = (
    "crm_mon 1.0.9 for OpenAIS and Heartbeat (Build: 74392a28b7f31d7ddc86689598bd23114f58978b)\n"
    "\nWritten by Andrew Beekhof\n"
)
#: execra_code2string() of 1.0.9 (lib/common/utils.c) for the codes the demo records.
RA_TEXT = {0: "ok", 1: "unknown error", 7: "not running", 8: "master"}


def help_text(tool: str) -> str:
    """The ``--help`` output of the real 1.0.9 ``tool`` (captured from the seed-lab build)."""
    return pkg_resources.files("hatui.demo").joinpath(f"data/{tool}-1.0.9-help.txt").read_text()


def crm_mon10(c: DemoCluster, node: str, args: tuple[str, ...], stdin: str | None) -> Outcome:
    """``crm_mon`` 1.0.9: ``-1`` with ``-r``, ``-f``, ``-n``, ``-o``; ``--version``, ``--help``."""
    opts, error = parse10("crm_mon", args)
    if error is not None:
        return error
    if "version" in opts:
        return Outcome(0, VERSION_TEXT)
    if "help" in opts:
        return Outcome(0, help_text("crm_mon"))
    if "one-shot" not in opts and "simple-status" not in opts:
        # Without -1 it draws the ncurses screen until killed: nothing a batch command can read.
        return Outcome(1, "", "crm_mon: the demo cluster prints the one-shot screen only (-1)\n")
    if not c.pcmk_online(node):
        return Outcome(
            1, "", "Connection to cluster failed: connection failed\n" if "simple-status" not in opts else ""
        )
    if "simple-status" in opts:
        return _simple(c)
    return Outcome(0, screen(c, inactive="inactive" in opts, failcounts="failcounts" in opts))


def _simple(c: DemoCluster) -> Outcome:
    offline = [n.name for n in c.topo.nodes if not c.pcmk_online(n.name)]
    if offline:
        return Outcome(2, f"Warning:offline node: {offline[0]}\n")
    standby = sum(1 for n in c.topo.nodes if _standby(c, n.name))
    online = len(c.topo.nodes) - standby
    count = len(resources(c))
    return Outcome(0, f"Ok: {online} nodes online, {standby} standby nodes, {count} resources configured\n")


def _standby(c: DemoCluster, node: str) -> bool:
    return c.cib.node_attrs.get(node, {}).get("standby", "off") in ("on", "true")


def screen(c: DemoCluster, *, inactive: bool, failcounts: bool) -> str:
    """The one-shot screen (``crm_mon -1 [-r] [-f]``)."""
    dc = c.dc()
    lines = ["============", f"Last updated: {ctime(c.wall())}", "Stack: openais"]
    if dc is None:
        lines.append("Current DC: NONE")
    else:
        lines.append(f"Current DC: {dc} - partition {'with' if c.quorate() else 'WITHOUT'} quorum")
        lines.append(f"Version: {DC_VERSION}")
    votes = c.cib.properties.get("expected-quorum-votes", "unknown")
    lines += [
        f"{len(c.topo.nodes)} Nodes configured, {votes} expected votes",
        f"{len(resources(c))} Resources configured.",
        "============",
        "",
    ]
    online, offline = [], []
    for n in c.topo.nodes:
        up = c.pcmk_online(n.name)
        if _standby(c, n.name):
            lines.append(f"Node {n.name}: {'standby' if up else 'OFFLINE (standby)'}")
        elif up:
            online.append(n.name)
        else:
            offline.append(n.name)
    if online:
        lines.append(f"Online: [ {' '.join(online)} ]")
    if offline:
        lines.append(f"OFFLINE: [ {' '.join(offline)} ]")
    if inactive:
        lines += ["", "Full list of resources:"]
    lines.append("")
    for r in resources(c):
        lines += _resource(c, r, inactive)
    if failcounts:
        lines += _migration_summary(c)
    lines += _failed_actions(c)
    return "\n".join(lines) + "\n"


def _native(c: DemoCluster, rid: str, r: RscDef, node: str | None, st: RscState, pre: str) -> str:
    klass, provider, kind = r.agent
    role = ROLE_10.get(st.role, st.role)
    unmanaged = "" if managed(c, node) else " (unmanaged)"
    failed = " FAILED" if st.failed else ""
    return f"{pre}{rid}\t({klass}::{provider}:{kind}):\t{role} {node or ''}{unmanaged}{failed}"


def _resource(c: DemoCluster, r: RscDef, inactive: bool) -> list[str]:
    if not r.clone:
        where = [n for n in status_order(c) if state_on(c, n, r.primitive).active]
        if not where:
            return [_native(c, r.id, r, None, RscState("Stopped"), " ")] if inactive else []
        return [_native(c, r.id, r, n, state_on(c, n, r.primitive), " ") for n in where[:1]]
    instances = clone_instances(c, r)
    if not inactive and not any(i.node for i in instances):
        return []
    unmanaged = "" if managed(c, None) else " (unmanaged)"
    lines = [f" Master/Slave Set: {r.id}{unmanaged}"]
    masters, slaves, stopped = [], [], []
    for i, inst in enumerate(instances):
        if inst.orphaned:
            continue
        name = f"{r.primitive}:{i}"
        if inst.node is None:
            stopped.append(name)
        elif inst.state.failed or not managed(c, inst.node):
            lines.append(_native(c, name, r, inst.node, inst.state, "     "))
        elif inst.state.role == "Promoted":
            masters.append(inst.node)
        else:
            slaves.append(inst.node)
    for title, items in (("Masters", masters), ("Slaves", slaves), ("Stopped", stopped)):
        if items:
            lines.append(f"     {title}: [ {' '.join(items)} ]")
    return lines


def _migration_summary(c: DemoCluster) -> list[str]:
    lines = ["", "Migration summary:"]
    clone_names = {r.primitive: instance_names(c, r) for r in resources(c) if r.clone}
    for node in status_order(c):
        if not c.pcmk_online(node):
            continue
        lines.append(f"* Node {node}: ")
        attrs = dict(transient10(c, node))
        for rsc in c.cib.lrm.get(node, {}):
            name = clone_names.get(rsc, {}).get(node, rsc)
            count = int(attrs.get(f"fail-count-{rsc}", "0"))
            if count:
                # 1.0.9 finds last-failure only through failure-timeout, which the cluster leaves unset.
                lines.append(f"   {name}: migration-threshold=1000000 fail-count={count}")
    return lines


def _failed_actions(c: DemoCluster) -> list[str]:
    rows: list[str] = []
    clone_names = {r.primitive: instance_names(c, r) for r in resources(c) if r.clone}
    for node in status_order(c):
        if not c.pcmk_online(node):
            continue
        for rsc, ops in c.cib.lrm.get(node, {}).items():
            name = clone_names.get(rsc, {}).get(node, rsc)
            for op in ops10(ops):
                if op.rc == op.target_rc:
                    continue
                rows.append(
                    f"    {name}_{op.task}_{op.interval_ms} (node={node}, call={op.call}, rc={op.rc}, "
                    f"status=complete): {RA_TEXT.get(op.rc, 'unknown error')}"
                )
    return ["", "Failed actions:", *rows] if rows else []
