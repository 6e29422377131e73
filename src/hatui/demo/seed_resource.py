"""Provides the seed demo's ``crm_resource``: Pacemaker 1.0.9's, as tools/crm_resource.c behaves.

Checked against the real 1.0.9 binary on a CIB file (``CIB_file=... crm_resource ...``):

- ``-M -r R`` bans R from where it runs: ``cli-standby-R`` (-INFINITY, rule form) and the
  WARNING on stderr (``-Q`` silences it); cli-prefer-R goes.
- ``-M -r R -N N`` writes ``cli-prefer-R`` (+INFINITY on N) and drops cli-standby-R; with the
  stickiness INFINITY of the reference cluster that moves nothing. ``-f`` writes both.
- ``-M -N`` to where R already runs prints ``Error performing operation: R is already active on
  N`` and exits 0; ``-U`` removes both ids and prints nothing.
- ``--meta -p/-g/-d``, ``-W``, ``-a``, ``-C`` (one ``Cleaning up`` line per node and clone
  instance), ``-F``; an unknown resource is exit status 234, a node without its CIB 246.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hatui.demo.cmd_pacemaker import parse_lifetime, put_constraint, resource_ids
from hatui.demo.commands import Outcome
from hatui.demo.engine import location_scores
from hatui.demo.seed_cib import ROLE_10, instance_names
from hatui.demo.seed_opts import help_or_version, parse10
from hatui.demo.state import Constraint, score_text
from hatui.demo.view import RscDef, clone_instances, resources, state_on, status_order

if TYPE_CHECKING:
    from hatui.demo.cluster import DemoCluster

NOT_EXIST = "The object/attribute does not exist"
NO_CIB = Outcome(246, "", "Error signing on to the CIB service: connection failed\n")


def not_found(rsc: str | None) -> Outcome:
    """1.0.9's answer for a resource it does not know (``<null>`` when -r was not given)."""
    return Outcome(
        234,
        "",
        f"Resource {rsc or '<null>'} not found: {NOT_EXIST}\nError performing operation: {NOT_EXIST}\n",
    )


def crm_resource10(c: DemoCluster, node: str, args: tuple[str, ...], stdin: str | None) -> Outcome:
    """``crm_resource`` 1.0.9."""
    opts, error = parse10("crm_resource", args)
    if error is not None:
        return error
    answer = help_or_version("crm_resource", opts)
    if answer is not None:
        return answer
    if not c.pcmk_online(node):
        return NO_CIB
    rsc = opts.get("resource")
    if "list" in opts:
        return _list(c)
    ids = resource_ids(c)
    if rsc is not None:
        rsc = rsc.split(":", 1)[0] if rsc.split(":", 1)[0] in ids else rsc
    if "cleanup" in opts or "fail" in opts:
        if "cleanup" in opts and rsc is None:
            return Outcome(234, "", "Must supply a resource id with -r\n")
        if rsc not in ids:
            return not_found(rsc)
        return _cleanup(c, rsc, opts.get("node")) if "cleanup" in opts else _fail(c, rsc, opts.get("node"))
    if "move" in opts or "un-move" in opts:
        if rsc is None:
            return Outcome(234, "", "Must supply a resource id with -r\n")
        if rsc not in ids:
            return Outcome(0, "", f"Resource {rsc} not moved: not found\n")
        if "un-move" in opts:
            return _unmove(c, node, rsc)
        return _move(c, node, rsc, ids[rsc], opts)
    if rsc is None or rsc not in ids:
        return _list(c) if rsc is None else not_found(rsc)
    if "locate" in opts:
        return _locate(c, rsc, ids[rsc], quiet="quiet" in opts)
    if "constraints" in opts:
        return _constraints(c, rsc)
    if {"set-parameter", "get-parameter", "delete-parameter"} & opts.keys():
        return _meta(c, node, rsc, opts)
    return _list(c)


def _list(c: DemoCluster) -> Outcome:
    lines = []
    for r in resources(c):
        klass, provider, kind = r.agent
        if r.clone:
            lines.append(f" Master/Slave Set: {r.id}")
            for i in range(2):
                lines.append(f"     {r.primitive}:{i}\t({klass}::{provider}:{kind}) Started ")
        else:
            lines.append(f" {r.id}\t({klass}::{provider}:{kind}) Started ")
    return Outcome(0, "\n".join(lines) + "\n")


def _where(c: DemoCluster, prim: str) -> list[str]:
    return [n for n in status_order(c) if state_on(c, n, prim).active]


def _locate(c: DemoCluster, rsc: str, prim: str, *, quiet: bool) -> Outcome:
    where = _where(c, prim)
    if not where:
        return Outcome(0, "", f"resource {rsc} is NOT running\n")
    if quiet:
        return Outcome(0, "".join(f"{n}\n" for n in where))
    return Outcome(0, "".join(f"resource {rsc} is running on: {n}\n" for n in where))


def _constraints(c: DemoCluster, rsc: str) -> Outcome:
    """``-a``: the colocations with R, ``* R``, R's own colocations, then ``+ 'id': node = score``
    per location entry (a rule shows its rule id), as show_colocation/show_location print them."""
    cols = [k for k in c.cib.constraints if k.tag == "rsc_colocation"]
    lines = [
        f"    '{k.id}': {k.attrs['rsc']} = {k.attrs['score']}" for k in cols if k.attrs.get("with-rsc") == rsc
    ]
    lines.append(f"* {rsc}")
    lines += [
        f"     '{k.id}': {k.attrs['with-rsc']} = {k.attrs['score']}"
        for k in cols
        if k.attrs.get("rsc") == rsc
    ]
    for con in c.cib.constraints:
        if con.tag != "rsc_location" or con.attrs.get("rsc") != rsc:
            continue
        node = con.attrs.get("node") or con.rule_node
        score = con.attrs.get("score") or con.rule_score or ""
        cid = con.id
        if con.rule_node is not None and cid.startswith("cli-"):
            kind = "prefer" if cid.startswith("cli-prefer-") else "standby"
            cid = f"cli-{kind}-rule-{rsc}"
        lines.append(f"+ '{cid}': {node} = {score} ")
    return Outcome(0, "\n".join(lines) + "\n")


def _meta(c: DemoCluster, node: str, rsc: str, opts: dict[str, str]) -> Outcome:
    if "meta" not in opts:
        return Outcome(1, "", "crm_resource: the demo cluster changes meta attributes (--meta) only\n")
    meta = c.cib.meta.setdefault(rsc, {})
    if "get-parameter" in opts:
        value = meta.get(opts["get-parameter"])
        if value is None:
            return Outcome(234, "", f"Error performing operation: {NOT_EXIST}\n")
        return Outcome(0, value + "\n")
    if "delete-parameter" in opts:
        name = opts["delete-parameter"]
        if meta.pop(name, None) is None:
            return Outcome(234, "", f"Error performing operation: {NOT_EXIST}\n")
        out = f"Deleted {rsc} option: id={rsc}-meta_attributes-{name} name={name}\n"
    else:
        meta[opts["set-parameter"]] = opts.get("parameter-value", "")
        out = ""
    c.cib.touch(c.epoch_now(), node, "crm_resource")
    c.changed()
    return Outcome(0, out)


def _rule(kind: str, rsc: str, node: str, score: str, expires: object) -> Constraint:
    return Constraint(
        "rsc_location",
        {"id": f"cli-{kind}-{rsc}", "rsc": rsc},
        node,
        score,
        expires,  # type: ignore[arg-type]
    )


def _move(c: DemoCluster, here: str, rsc: str, prim: str, opts: dict[str, str]) -> Outcome:
    where = _where(c, prim)
    current = where[0] if where else None
    target = opts.get("node")
    if rsc == prim and len(where) > 1:
        return Outcome(0, "", f"Resource {rsc} not moved: active on multiple nodes\n")
    if target is not None and target not in c.nodes:
        return Outcome(234, "", f"Error performing operation: {target} is not a known node\n")
    if target is not None and target == current:
        return Outcome(0, "", f"Error performing operation: {rsc} is already active on {target}\n")
    out, err = "", ""
    expires = None
    if "lifetime" in opts:
        lifetime = parse_lifetime(opts["lifetime"])
        if lifetime is None:
            return Outcome(
                204,
                "",
                f"Invalid duration specified: {opts['lifetime']}\n"
                "Please refer to http://en.wikipedia.org/wiki/ISO_8601#Duration for examples of valid "
                "durations\nError performing operation: Invalid argument\n",
            )
        expires = c.wall() + lifetime
        out = f"Migration will take effect until: {expires:%Y-%m-%d %H:%M:%SZ}\n"
    ban_from = current if current is not None and ("force" in opts or target is None) else None
    if ban_from is None and target is None:
        return Outcome(
            244, "", f"Resource {rsc} not moved: not-active and no preferred location specified.\n"
        )
    ids = {k.id for k in c.cib.constraints}
    drop = {f"cli-prefer-{rsc}"} if target is None else set()
    if ban_from is None:
        drop.add(f"cli-standby-{rsc}")
    c.cib.constraints = [k for k in c.cib.constraints if k.id not in drop]
    # move_resource() writes the ban before the preference (the order cibadmin -Q shows).
    if ban_from is not None:
        put_constraint(c, _rule("standby", rsc, ban_from, "-INFINITY", expires))
    if target is not None:
        put_constraint(c, _rule("prefer", rsc, target, "INFINITY", expires))
    if ban_from is not None and "quiet" not in opts:
        err = (
            f"WARNING: Creating rsc_location constraint 'cli-standby-{rsc}' with a score of -INFINITY "
            f"for resource {rsc} on {ban_from}.\n\tThis will prevent {rsc} from running on {ban_from} "
            "until the constraint is removed using the 'crm_resource -U' command or manually with "
            f"cibadmin\n\tThis will be the case even if {ban_from} is the last node in the cluster\n"
            "\tThis message can be disabled with -Q\n"
        )
    if expires is not None:
        c.after((expires - c.wall()).total_seconds(), c.changed)
    if ids != {k.id for k in c.cib.constraints} or target is not None or ban_from is not None:
        c.cib.touch(c.epoch_now(), here, "crm_resource")
        c.changed()
    return Outcome(0, out, err)


def _unmove(c: DemoCluster, here: str, rsc: str) -> Outcome:
    drop = {f"cli-prefer-{rsc}", f"cli-standby-{rsc}"}
    before = len(c.cib.constraints)
    c.cib.constraints = [k for k in c.cib.constraints if k.id not in drop]
    if len(c.cib.constraints) != before:
        c.cib.touch(c.epoch_now(), here, "crm_resource")
        c.changed()
    return Outcome(0)


def _instances(c: DemoCluster, rsc: str) -> tuple[RscDef | None, dict[str, str]]:
    r = next((d for d in resources(c) if rsc in (d.id, d.primitive)), None)
    if r is None or not r.clone:
        return r, {}
    return r, instance_names(c, r)


def _cleanup(c: DemoCluster, rsc: str, target: str | None) -> Outcome:
    """``-C``: forgets the history and fail-count on each node (or ``-N``), one line for each."""
    if target is not None and target not in c.nodes:
        return Outcome(234, "", f"Error performing operation: {target} is not a known node\n")
    r, names = _instances(c, rsc)
    prim = r.primitive if r else rsc
    nodes = [n for n in status_order(c) if c.pcmk_online(n) and target in (None, n)]
    lines = []
    for n in nodes:
        if r is not None and r.clone:
            for i in range(len(clone_instances(c, r))):
                lines.append(f"Cleaning up {prim}:{i} on {n}")
        else:
            lines.append(f"Cleaning up {rsc} on {n}")
        c.lrm.clear_failures(n, prim)
    c.changed()
    return Outcome(0, "\n".join(lines) + "\n" if lines else "")


def _fail(c: DemoCluster, rsc: str, target: str | None) -> Outcome:
    """``-F -N X``: the resource failed on X (an ``asyncmon`` with rc 1, as 1.0.9 records it)."""
    r, _ = _instances(c, rsc)
    prim = r.primitive if r else rsc
    node = target or next(iter(_where(c, prim)), None)
    if node is None or node not in c.nodes:
        return Outcome(234, "", f"Error performing operation: {NOT_EXIST}\n")
    c.record(node, prim, "asyncmon", rc=1, target_rc=0)
    c.lrm.add_failure(node, prim, "asyncmon_0", c.epoch_now())
    c.changed()
    return Outcome(0)


def scores10(c: DemoCluster) -> list[str]:
    """``ptest -s``'s ``native_color`` lines for the VMs (1.0.9 prints INFINITY as 1000000).

    One line per node a location constraint names (an asymmetric cluster allows no other), in the
    constraints' order: where the VM runs, stickiness INFINITY; a VM on DRBD, colocated with the
    Master, nowhere else (-1000000); a VM without disks, its location score elsewhere (a node in
    standby or offline keeps it here: it is ruled out after this stage).
    """
    lines = ["Allocation scores:"]
    for vm in c.topo.vms:
        scores = location_scores(c, vm.name)
        where = _where(c, vm.name)
        for node, score in scores.items():
            if score <= -1_000_000:
                score = -1_000_000
            elif node in where:
                score = 1_000_000
            elif vm.disks:
                score = -1_000_000
            lines.append(f"native_color: {vm.name} allocation score on {node}: {score}")
    return lines


__all__ = ["ROLE_10", "crm_resource10", "not_found", "score_text", "scores10"]
