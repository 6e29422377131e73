"""Provides the seed demo's ``crm_mon``: Pacemaker 1.0.9's text screen (it has no XML output).

The layout is ``print_status`` of 1.0.9's tools/crm_mon.c with ``native_print``/``clone_print`` of
lib/pengine: the ``============`` banner, ``Stack: openais``, a DC line without an id (openais node
ids are the names), ``Node X: standby`` lines, ``Online: [ ... ]``, resources as
``" id\\t(class::provider:type):\\tRole node"``, ``Master/Slave Set:`` with ``Masters:``/``Slaves:``
lists, ``Migration summary:`` under ``-f`` and ``Failed actions:``. Its options are those of the
1.0.9 binary (``--help`` is its own output, captured); ``-h`` is HTML output, not help.
"""

from __future__ import annotations

from collections.abc import Iterator
from importlib import resources as pkg_resources
from typing import TYPE_CHECKING

from hatui.demo.commands import Outcome
from hatui.demo.lrm import RscState
from hatui.demo.seed_cib import DC_VERSION, ROLE_10, instance_names, ops10, transient10
from hatui.demo.seed_opts import help_or_version, parse10
from hatui.demo.view import RscDef, clone_instances, ctime, managed, resources, state_on, status_order

if TYPE_CHECKING:
    from hatui.demo.cluster import DemoCluster
    from hatui.demo.state import Op

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
    answer = help_or_version("crm_mon", opts)
    if answer is not None:
        return answer
    if "one-shot" not in opts and "simple-status" not in opts:
        # Without -1 it draws the ncurses screen until killed: nothing a batch command can read.
        return Outcome(1, "", "crm_mon: the demo cluster prints the one-shot screen only (-1)\n")
    if not c.pcmk_online(node):
        return Outcome(
            1, "", "Connection to cluster failed: connection failed\n" if "simple-status" not in opts else ""
        )
    if "simple-status" in opts:
        return _simple(c)
    timing = "timing-details" in opts
    return Outcome(
        0,
        screen(
            c,
            inactive="inactive" in opts,
            failcounts="failcounts" in opts,
            by_node="group-by-node" in opts,
            operations="operations" in opts or timing,
            timing=timing,
        ),
    )


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


def screen(
    c: DemoCluster,
    *,
    inactive: bool,
    failcounts: bool,
    by_node: bool = False,
    operations: bool = False,
    timing: bool = False,
) -> str:
    """The one-shot screen (``crm_mon -1 [-r] [-f] [-n] [-o] [-t]``)."""
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
    online: list[str] = []
    offline: list[str] = []
    for n in c.topo.nodes:
        up = c.pcmk_online(n.name)
        if _standby(c, n.name):
            mode = "standby" if up else "OFFLINE (standby)"
        elif not by_node:
            (online if up else offline).append(n.name)
            continue
        else:
            mode = "online" if up else "OFFLINE"
        lines.append(f"Node {n.name}: {mode}")
        if by_node:
            lines += _running_on(c, n.name)
    if online:
        lines.append(f"Online: [ {' '.join(online)} ]")
    if offline:
        lines.append(f"OFFLINE: [ {' '.join(offline)} ]")
    if inactive:
        lines += ["", "Inactive resources:" if by_node else "Full list of resources:"]
    if not by_node or inactive:
        lines.append("")
        for r in resources(c):
            if not by_node or not _active_anywhere(c, r):
                lines += _resource(c, r, inactive)
    if operations:
        lines += _operations(c, timing)
    elif failcounts:
        lines += _migration_summary(c)
    lines += _failed_actions(c)
    return "\n".join(lines) + "\n"


def _active_anywhere(c: DemoCluster, r: RscDef) -> bool:
    """Whether ``-n`` leaves ``r`` out of its inactive list (``rsc->fns->active(rsc, TRUE)``).

    A clone is active only when every instance is, orphans included: a probe on vnode3 makes one.
    """
    if r.clone:
        return all(i.node is not None for i in clone_instances(c, r))
    return any(state_on(c, n, r.primitive).active for n in status_order(c))


def _running_on(c: DemoCluster, node: str) -> list[str]:
    """``-n``: what runs on ``node``, one ``\\tid\\t(agent) Role `` line each (native_print rsconly)."""
    lines = []
    for r in resources(c):
        st = state_on(c, node, r.primitive)
        if not st.active:
            continue
        klass, provider, kind = r.agent
        rid = instance_names(c, r).get(node, r.id) if r.clone else r.id
        role = "Slave" if r.clone and st.role == "Started" else ROLE_10.get(st.role, st.role)
        lines.append(f"\t{rid}\t({klass}::{provider}:{kind}) {role} ")
    return lines


def _histories(c: DemoCluster) -> Iterator[tuple[str, list[tuple[str, list[Op], int]]]]:
    """Each online node with its resources' histories: (name, records, fail-count) each.

    The name is the clone instance's (``drbd_R:N``) where the history is a clone's, the records are
    one a ``task_interval`` as 1.0 files them, and the fail-count is attrd's ``fail-count-R``.
    """
    clone_names = {r.primitive: instance_names(c, r) for r in resources(c) if r.clone}
    for node in status_order(c):
        if not c.pcmk_online(node):
            continue
        attrs = dict(transient10(c, node))
        yield (
            node,
            [
                (
                    clone_names.get(rsc, {}).get(node, rsc),
                    ops10(ops),
                    int(attrs.get(f"fail-count-{rsc}", "0")),
                )
                for rsc, ops in c.cib.lrm.get(node, {}).items()
            ],
        )


def _operations(c: DemoCluster, timing: bool) -> list[str]:
    """``-o``: each online node's operation history (print_rsc_history), empty probes left out."""
    lines = ["", "Operations:"]
    for node, histories in _histories(c):
        lines.append(f"* Node {node}: ")
        for name, ops, count in histories:
            shown = [op for op in ops if not (op.task == "monitor" and op.interval_ms == 0 and op.rc == 7)]
            if not shown:
                continue
            lines.append(
                f"   {name}: migration-threshold=1000000" + (f" fail-count={count}" if count else "")
            )
            for op in shown:
                task = "probe" if op.task == "monitor" and not op.interval_ms else op.task
                line = f"    + ({op.call}) {task}:" + (
                    f" interval={op.interval_ms}ms" if op.interval_ms else ""
                )
                if timing:
                    stamp = f"'{ctime(op.changed)}'"
                    line += f" last-rc-change={stamp} last-run={stamp}"
                    line += f" exec-time={op.exec_ms}ms queue-time={op.queue_ms}ms"
                lines.append(f"{line} rc={op.rc} ({RA_TEXT.get(op.rc, 'unknown error')})")
    return lines


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
    for node, histories in _histories(c):
        lines.append(f"* Node {node}: ")
        for name, _ops, count in histories:
            if count:
                # 1.0.9 finds last-failure only through failure-timeout, which the cluster leaves unset.
                lines.append(f"   {name}: migration-threshold=1000000 fail-count={count}")
    return lines


def _failed_actions(c: DemoCluster) -> list[str]:
    rows = [
        f"    {name}_{op.task}_{op.interval_ms} (node={node}, call={op.call}, rc={op.rc}, "
        f"status=complete): {RA_TEXT.get(op.rc, 'unknown error')}"
        for node, histories in _histories(c)
        for name, ops, _count in histories
        for op in ops
        if op.rc != op.target_rc
    ]
    return ["", "Failed actions:", *rows] if rows else []
