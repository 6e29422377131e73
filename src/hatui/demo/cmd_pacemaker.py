"""Provides the demo's ``crm_mon``, ``cibadmin`` and ``crm_resource`` (Pacemaker 2.1.5 behaviour).

Messages, exit statuses and the constraints written are those the real 2.1.5 tools print and
write (checked against them on a CIB file): a ban leaves ``cli-ban-R-on-N``, a move
``cli-prefer-R``, a move to where the resource already runs fails with exit status 108.
"""

from __future__ import annotations

import re
from datetime import timedelta
from importlib import resources as pkg_resources
from typing import TYPE_CHECKING

from lxml import etree

from hatui.demo.commands import Handler, Outcome, parse_opts, spec
from hatui.demo.engine import drbd_rsc, ms_rsc
from hatui.demo.render_cib import cib_xml
from hatui.demo.render_pacemaker import crm_mon_xml, not_connected
from hatui.demo.state import Constraint
from hatui.demo.view import PCMK_VERSION, clone_instances, iso, resources, state_on, status_order

if TYPE_CHECKING:
    from hatui.demo.cluster import DemoCluster

VERSION_TEXT = f"Pacemaker {PCMK_VERSION}\nWritten by Andrew Beekhof and the Pacemaker project contributors\n"
NO_SUCH = "Error performing operation: No such object\n"


def crm_mon(c: DemoCluster, node: str, args: tuple[str, ...], stdin: str | None) -> Outcome:
    """``crm_mon``: version, help, or the XML status (text output is not simulated)."""
    if "--version" in args or "-$" in args:
        return Outcome(0, VERSION_TEXT)
    if any(a in ("--help-all", "--help", "-?") for a in args):
        text = pkg_resources.files("hatui.demo").joinpath("data/crm_mon-2.1.5-help-all.txt").read_text()
        return Outcome(0, text)
    request = " ".join(("crm_mon", *args))
    joined = " ".join(args)
    legacy = bool(re.search(r"(^| )(--as-xml|-X)( |$)", joined))
    if not legacy and not re.search(r"--output-as[= ]xml", joined):
        return Outcome(1, "", "crm_mon: the demo cluster prints --output-as=xml (or --as-xml) only\n")
    if not c.pcmk_online(node):
        return Outcome(
            102,
            "" if legacy else not_connected(request),
            "crm_mon: Error: cluster is not available on this node\n",
        )
    return Outcome(0, crm_mon_xml(c, node, request, legacy=legacy))


def cibadmin(c: DemoCluster, node: str, args: tuple[str, ...], stdin: str | None) -> Outcome:
    """``cibadmin --query [--scope S]``, ``--delete --xml-text '<tag id="X"/>'`` and ``--create``.

    ``--create -o constraints`` takes one ``rsc_location`` (hatui's in-flight marker is one).
    """
    opts, _, error = parse_opts(
        args, spec("Q|query", "D|delete", "C|create", "o|scope|obj_type=", "X|xml-text=", "l|local")
    )
    if error:
        return Outcome(64, "", f"cibadmin: {error}\n")
    if not c.pcmk_online(node):
        return Outcome(
            102,
            "",
            "Signon to CIB failed: Transport endpoint is not connected\n"
            "Init failed, could not perform requested operations\n",
        )
    if "query" in opts:
        return Outcome(0, cib_xml(c, opts.get("scope")))
    if "delete" in opts:
        match = re.search(r'id="([^"]+)"', opts.get("xml-text", ""))
        if match:
            before = len(c.cib.constraints)
            c.cib.constraints = [k for k in c.cib.constraints if k.id != match.group(1)]
            if len(c.cib.constraints) != before:
                c.cib.touch(c.epoch_now(), node, "cibadmin")
                c.changed()
        return Outcome(0)
    if "create" in opts and opts.get("scope") == "constraints":
        return _create_location(c, node, opts.get("xml-text", ""))
    return Outcome(64, "", "cibadmin: the demo cluster supports --query, --delete and --create only\n")


def _create_location(c: DemoCluster, node: str, text: str) -> Outcome:
    """Adds one ``rsc_location`` (node and score, or a single-expression rule) as Pacemaker 2.1.5 would."""
    try:
        loc = etree.fromstring(text.encode(), etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError:
        return Outcome(108, "", "Call failed: File exists\n")
    cid, rsc = loc.get("id"), loc.get("rsc")
    plain = {k: loc.get(k) or "" for k in ("id", "rsc", "node", "score")}
    if loc.tag == "rsc_location" and len(loc) == 0 and all(plain.values()) and rsc in resource_ids(c):
        # A node/score location (hatui's pin of a pinned move), kept as Pacemaker stores it.
        if any(k.id == cid for k in c.cib.constraints):
            return Outcome(108, "", "Call failed: File exists\n")
        c.cib.constraints.append(Constraint("rsc_location", plain))
        c.cib.touch(c.epoch_now(), node, "cibadmin")
        c.changed()
        return Outcome(0)
    rules = [r for r in loc if r.tag == "rule"]
    expr = [e for r in rules for e in r if e.tag == "expression"]
    if loc.tag != "rsc_location" or not cid or rsc not in resource_ids(c) or len(expr) != 1:
        return Outcome(78, "", "Call failed: Update does not conform to the configured schema\n")
    if any(k.id == cid for k in c.cib.constraints):
        return Outcome(108, "", "Call failed: File exists\n")
    node_name = expr[0].get("value") if expr[0].get("attribute") == "#uname" else None
    attrs = {"id": cid, "rsc": rsc}
    xml = etree.tostring(loc, encoding="unicode")
    c.cib.constraints.append(Constraint("rsc_location", attrs, node_name, rules[0].get("score"), None, xml))
    c.cib.touch(c.epoch_now(), node, "cibadmin")
    c.changed()
    return Outcome(0)


_RSC_SPEC = spec(
    "r|resource=",
    "N|node=",
    "B|ban",
    "M|move",
    "U|clear",
    "C|cleanup",
    "R|refresh",
    "W|locate",
    "y|why",
    "u|lifetime=",
    "promoted|master",
    "f|force",
    "m|meta",
    "p|set-parameter=",
    "v|parameter-value=",
    "d|delete-parameter=",
    "g|get-parameter=",
    "Q|quiet",
    "wait",
    "expired",
    "n|operation=",
    "I|interval=",
)


def resource_ids(c: DemoCluster) -> dict[str, str]:
    """Every resource id crm_resource accepts, mapped to the primitive whose history it reads."""
    ids = {vm.name: vm.name for vm in c.topo.vms}
    for disk in c.topo.disks:
        ids[ms_rsc(disk.name)] = drbd_rsc(disk.name)
        ids[drbd_rsc(disk.name)] = drbd_rsc(disk.name)
    return ids


def parse_lifetime(text: str) -> timedelta | None:
    """Reads an ISO 8601 duration such as ``PT1H``, ``P1D`` or ``PT90S``."""
    m = re.fullmatch(r"P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?", text.strip().upper())
    if not m or not any(m.groups()):
        return None
    d, h, mi, s = (int(g or 0) for g in m.groups())
    return timedelta(days=d, hours=h, minutes=mi, seconds=s)


def crm_resource(c: DemoCluster, node: str, args: tuple[str, ...], stdin: str | None) -> Outcome:
    """``crm_resource``: ban, move, clear, cleanup/refresh, locate, why and meta attributes."""
    opts, _, error = parse_opts(args, _RSC_SPEC)
    if error:
        return Outcome(64, "", f"crm_resource: {error}\n")
    if not c.pcmk_online(node):
        return Outcome(
            102, "", "crm_resource: Error performing operation: Transport endpoint is not connected\n"
        )
    if "cleanup" in opts or "refresh" in opts:
        return _cleanup(c, opts)
    rsc = opts.get("resource")
    if rsc is None:
        return Outcome(64, "", "crm_resource: Must supply a resource id with -r\n")
    ids = resource_ids(c)
    if rsc not in ids:
        return Outcome(105, "", f"crm_resource: Resource '{rsc}' not found\n{NO_SUCH}")
    target = opts.get("node")
    if target is not None and target not in c.nodes:
        return Outcome(105, "", f"crm_resource: Node '{target}' not found\n{NO_SUCH}")
    if "locate" in opts:
        return _locate(c, rsc, ids[rsc])
    if "why" in opts:
        return _why(c, rsc, ids[rsc], target)
    if {"set-parameter", "delete-parameter", "get-parameter"} & opts.keys():
        return _meta(c, node, rsc, opts)
    if "clear" in opts:
        return _clear(c, node, rsc, target)
    if "ban" in opts or "move" in opts:
        return _ban_or_move(c, node, rsc, ids[rsc], opts)
    return Outcome(64, "", "crm_resource: No command specified (see --help)\n")


def _where(c: DemoCluster, prim: str, promoted: bool) -> list[str]:
    defs = {r.primitive: r for r in resources(c)}
    if prim in defs and defs[prim].clone:
        nodes = [i.node for i in clone_instances(c, defs[prim]) if i.node is not None]
    else:
        nodes = [n for n in status_order(c) if state_on(c, n, prim).active]
    return [n for n in nodes if state_on(c, n, prim).role == "Promoted"] if promoted else nodes


def _locate(c: DemoCluster, rsc: str, prim: str) -> Outcome:
    lines = []
    # crm_resource builds its list by prepending: the last clone instance comes first.
    for n in reversed(_where(c, prim, False)):
        role = " Promoted" if state_on(c, n, prim).role == "Promoted" else ""
        lines.append(f"resource {rsc} is running on: {n}{role}")
    return Outcome(0, "\n".join(lines or [f"resource {rsc} is NOT running"]) + "\n")


def _why(c: DemoCluster, rsc: str, prim: str, target: str | None) -> Outcome:
    """``crm_resource --why -r R [-N N]``: whether R runs, then the configuration that holds it.

    The wording is 2.1.5's (run against a copy of the lab's CIB): ``Resource R is running``,
    ``Resource R is not running on host N``, then one line per meta attribute that keeps it from
    running or being promoted, checked on R and on the clone that holds it.
    """
    where = _where(c, prim, False)
    if target is None:
        lines = [f"Resource {rsc} is {'' if where else 'not '}running"]
    else:
        lines = [f"Resource {rsc} is {'' if target in where else 'not '}running on host {target}"]
    # A DRBD primitive lives in a promotable clone whose meta attributes hold it too.
    clone = next((ms_rsc(d.name) for d in c.topo.disks if drbd_rsc(d.name) == prim), None)
    for rid in dict.fromkeys(r for r in (rsc, clone) if r is not None):
        meta = {k: v.lower() for k, v in c.cib.meta.get(rid, {}).items()}
        if meta.get("target-role") == "stopped":
            lines.append(f"Configuration specifies '{rid}' should remain stopped")
        elif clone is not None and meta.get("target-role") in ("unpromoted", "slave"):
            lines.append(f"Configuration specifies '{rid}' should not be promoted")
        if meta.get("is-managed") == "false":
            lines.append(f"Configuration prevents cluster from stopping or starting unmanaged '{rid}'")
    return Outcome(0, "\n".join(lines) + "\n")


def _meta(c: DemoCluster, node: str, rsc: str, opts: dict[str, str]) -> Outcome:
    meta = c.cib.meta.setdefault(rsc, {})
    set_id = f"{rsc}-meta_attributes"
    if "get-parameter" in opts:
        name = opts["get-parameter"]
        if name not in meta:
            return Outcome(105, "", f"Attribute '{name}' not found for '{rsc}'\n")
        return Outcome(0, meta[name] + "\n")
    if "meta" not in opts:
        return Outcome(1, "", "crm_resource: the demo cluster changes meta attributes (--meta) only\n")
    if "delete-parameter" in opts:
        name = opts["delete-parameter"]
        if meta.pop(name, None) is None:
            return Outcome(0)
        out = f"Deleted '{rsc}' option: id={set_id}-{name} name={name}\n"
    else:
        name, value = opts["set-parameter"], opts.get("parameter-value", "")
        # crm_resource names the set only when it had to create the nvpair.
        where = "" if name in meta else f" set={set_id}"
        meta[name] = value
        out = f"Set '{rsc}' option: id={set_id}-{name}{where} name={name} value={value}\n"
    c.cib.touch(c.epoch_now(), node, "crm_resource")
    c.changed()
    return Outcome(0, out)


def _clear(c: DemoCluster, node: str, rsc: str, target: str | None) -> Outcome:
    removed = []
    for con in c.cib.constraints:
        cid = con.id
        is_ban = cid.startswith(f"cli-ban-{rsc}-on-")
        if not (is_ban or cid == f"cli-prefer-{rsc}"):
            continue
        if target is not None and (con.attrs.get("node") or con.rule_node) != target:
            continue
        removed.append(cid)
    c.cib.constraints = [k for k in c.cib.constraints if k.id not in removed]
    if removed:
        c.cib.touch(c.epoch_now(), node, "crm_resource")
        c.changed()
    return Outcome(0, "".join(f"Removing constraint: {cid}\n" for cid in removed))


def put_constraint(c: DemoCluster, con: Constraint) -> None:
    """Adds ``con``, or replaces the constraint with its id in place (a CIB modify)."""
    for i, old in enumerate(c.cib.constraints):
        if old.id == con.id:
            c.cib.constraints[i] = con
            return
    c.cib.constraints.append(con)


def _ban_or_move(c: DemoCluster, node: str, rsc: str, prim: str, opts: dict[str, str]) -> Outcome:
    promotable = rsc.startswith("ms_drbd_")
    out = ""
    promoted = "promoted" in opts
    if promoted and not promotable:
        out += f"Ignoring --promoted option: {rsc} is not promotable\n"
        promoted = False
    role = "Promoted" if promoted else "Started"
    lifetime = parse_lifetime(opts["lifetime"]) if "lifetime" in opts else None
    if "lifetime" in opts and lifetime is None:
        return Outcome(64, out, f"crm_resource: Invalid lifetime: {opts['lifetime']}\n")
    expires = c.wall() + lifetime if lifetime else None
    target = opts.get("node")
    ban = "ban" in opts or target is None
    if ban and target is None:
        where = _where(c, prim, promoted)
        if len(where) != 1:
            return Outcome(
                64,
                out,
                f"crm_resource: Resource '{rsc}' not moved: active in {len(where)} locations.\n"
                f"To prevent '{rsc}' from running on a specific location, specify a node.\n",
            )
        target = where[0]
    assert target is not None
    if ban:
        cid, score = f"cli-ban-{rsc}-on-{target}", "-INFINITY"
        if expires is None:
            verb = "being promoted on" if promoted else "running on"
            out += (
                f"WARNING: Creating rsc_location constraint '{cid}' with a score of -INFINITY "
                f"for resource {rsc} on {target}.\n\tThis will prevent {rsc} from {verb} {target} "
                "until the constraint is removed using the clear option or by editing the CIB "
                "with an appropriate tool\n"
                f"\tThis will be the case even if {target} is the last node in the cluster\n"
            )
    else:
        if _where(c, prim, promoted) == [target] and "force" not in opts:
            return Outcome(
                108, out, "crm_resource: Error performing operation: Requested item already exists\n"
            )
        c.cib.constraints = [k for k in c.cib.constraints if k.id != f"cli-ban-{rsc}-on-{target}"]
        cid, score = f"cli-prefer-{rsc}", "INFINITY"
    if expires is not None:
        out += f"Migration will take effect until: {iso(expires)}\n"
        con = Constraint("rsc_location", {"id": cid, "rsc": rsc, "role": role}, target, score, expires)
    else:
        con = Constraint(
            "rsc_location", {"id": cid, "rsc": rsc, "role": role, "node": target, "score": score}
        )
    put_constraint(c, con)
    if expires is not None:
        # The scheduler re-checks when the lifetime ends, and the constraint stops counting.
        c.after((expires - c.wall()).total_seconds(), c.changed)
    c.cib.touch(c.epoch_now(), node, "crm_resource")
    c.changed()
    return Outcome(0, out)


def _cleanup(c: DemoCluster, opts: dict[str, str]) -> Outcome:
    ids = resource_ids(c)
    rsc = opts.get("resource")
    if rsc is not None and rsc not in ids:
        return Outcome(105, "", f"crm_resource: Resource '{rsc}' not found\n{NO_SUCH}")
    target = opts.get("node")
    if target is not None and target not in c.nodes:
        return Outcome(105, "", f"crm_resource: Unknown node: {target}\n")
    nodes = [n for n in status_order(c) if c.pcmk_online(n) and target in (None, n)]
    prims = [ids[rsc]] if rsc else sorted(set(ids.values()))
    for n in nodes:
        for prim in prims:
            c.lrm.clear_failures(n, prim)
    c.changed()
    if rsc is None:
        where = target or "all nodes"
        replies = len(nodes)
        noun = "reply" if replies == 1 else "replies"
        err = f"Cleaned up all resources on {where}\nWaiting for {replies} {noun} from the controller\n"
        err += "... got reply\n" * (replies - 1) + "... got reply (done)\n"
        return Outcome(0, "", err)
    err = "".join(f"Cleaned up {rsc} on {n}\n" for n in nodes)
    return Outcome(0, "", err + "Waiting for 1 reply from the controller\n... got reply (done)\n")


HANDLERS: dict[str, Handler] = {"crm_mon": crm_mon, "cibadmin": cibadmin, "crm_resource": crm_resource}
