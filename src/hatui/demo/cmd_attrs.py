"""Provides the demo's ``crm_attribute``, ``crm_standby``, ``crm_failcount`` and crmsh's ``crm``.

Node standby and maintenance, and cluster properties such as ``maintenance-mode``, are stored where
the real tools store them; the messages are those crm_attribute 2.1.5 and crmsh 4.4 print (crmsh
colours its log prefixes even when its output is not a terminal).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hatui.demo.cmd_pacemaker import crm_resource
from hatui.demo.commands import Handler, Outcome, parse_opts, spec
from hatui.model.pacemaker import fail_count_text

if TYPE_CHECKING:
    from hatui.demo.cluster import DemoCluster

INFO = "\x1b[32mINFO\x1b[0m"
WARNING = "\x1b[33mWARNING\x1b[0m"
ERROR = "\x1b[31mERROR\x1b[0m"
NO_ATTR = "crm_attribute: Error performing operation: No such device or address\n"

_ATTR_SPEC = spec(
    "N|node=",
    "n|name=",
    "v|update|attr-value=",
    "D|delete",
    "G|query",
    "t|type=",
    "l|lifetime=",
    "q|quiet",
    "d|default=",
)


def set_attribute(
    c: DemoCluster, origin: str, client: str, node: str | None, name: str, value: str | None
) -> str:
    """Sets (or with ``value=None`` deletes) a node attribute or a cluster property; returns stdout."""
    out = ""
    if node is None:
        props = c.cib.properties
        if value is None:
            if props.pop(name, None) is not None:
                out = f"Deleted crm_config option: id=cib-bootstrap-options-{name} name={name}\n"
        else:
            props[name] = value
    else:
        attrs = c.cib.node_attrs.setdefault(node, {})
        c.cib.node_attr_sets.add(node)
        node_id = c.nodes[node].node_id
        if value is None:
            if attrs.pop(name, None) is not None:
                out = f"Deleted nodes attribute: id=nodes-{node_id}-{name} name={name}\n"
        else:
            attrs[name] = value
    c.cib.touch(c.epoch_now(), origin, client)
    c.changed()
    return out


def crm_attribute(c: DemoCluster, node: str, args: tuple[str, ...], stdin: str | None) -> Outcome:
    """``crm_attribute``: node attributes (``-N``) and cluster properties (no ``-N``)."""
    return _attribute(c, node, args, "crm_attribute", None)


def crm_standby(c: DemoCluster, node: str, args: tuple[str, ...], stdin: str | None) -> Outcome:
    """``crm_standby``: crm_attribute for the ``standby`` node attribute, this node by default."""
    return _attribute(c, node, args, "crm_attribute", "standby")


def _attribute(c: DemoCluster, here: str, args: tuple[str, ...], client: str, fixed: str | None) -> Outcome:
    opts, _, error = parse_opts(args, _ATTR_SPEC)
    if error:
        return Outcome(64, "", f"crm_attribute: {error}\n")
    if not c.pcmk_online(here):
        return Outcome(
            102, "", "crm_attribute: Error performing operation: Transport endpoint is not connected\n"
        )
    name = fixed or opts.get("name")
    if name is None:
        return Outcome(64, "", "crm_attribute: Error: must specify attribute name\n")
    node = opts.get("node", here if fixed else None)
    if node is not None and node not in c.nodes:
        return Outcome(105, "", f"crm_attribute: Could not map name={node} to a UUID\n")
    if "query" in opts:
        return _query(c, node, name, fixed is not None)
    value = None if "delete" in opts else opts.get("update")
    if value is None and "delete" not in opts:
        return Outcome(64, "", "crm_attribute: Error: must specify a value, --delete or --query\n")
    return Outcome(0, set_attribute(c, here, client, node, name, value))


def _query(c: DemoCluster, node: str | None, name: str, standby_tool: bool) -> Outcome:
    if node is None:
        value = c.cib.properties.get(name)
        if value is None:
            return Outcome(105, "", NO_ATTR)
        return Outcome(0, f"scope=crm_config  name={name} value={value}\n")
    value = c.cib.node_attrs.get(node, {}).get(name)
    if value is None:
        # crm_standby asks with a default of "off", which crm_attribute reports from the status scope.
        return (
            Outcome(0, f"scope=status  name={name} value=off\n")
            if standby_tool
            else Outcome(105, "", NO_ATTR)
        )
    return Outcome(0, f"scope=nodes  name={name} value={value}\n")


def crm(c: DemoCluster, node: str, args: tuple[str, ...], stdin: str | None) -> Outcome:
    """crmsh: ``crm node standby|online|maintenance|ready``, ``crm resource ...``, ``crm maintenance``."""
    words = [a for a in args if not a.startswith("-")]
    if not c.pcmk_online(node):
        return Outcome(1, f"{ERROR}: Cluster is not running on this node\n")
    if len(words) >= 2 and words[0] == "node":
        return _crm_node(c, node, words[1], words[2:])
    if len(words) >= 2 and words[0] == "resource":
        return _crm_resource(c, node, words[1], words[2:])
    if len(words) == 2 and words[0] == "maintenance" and words[1] in ("on", "off"):
        set_attribute(c, node, "cibadmin", None, "maintenance-mode", "true" if words[1] == "on" else "false")
        return Outcome(0)
    if len(words) == 3 and words[:2] == ["configure", "property"] and "=" in words[2]:
        key, _, value = words[2].partition("=")
        set_attribute(c, node, "cibadmin", None, key, value)
        return Outcome(0)
    return Outcome(1, f"{ERROR}: demo cluster: crm {' '.join(words)}: not simulated\n")


def _crm_node(c: DemoCluster, here: str, verb: str, rest: list[str]) -> Outcome:
    target = rest[0] if rest else here
    if target not in c.nodes:
        return Outcome(1, f"{ERROR}: node {verb}: Node {target} not found\n")
    if verb == "standby":
        set_attribute(c, here, "cibadmin", target, "standby", "on")
        return Outcome(0, f"{INFO}: standby node {target}\n")
    if verb == "online":
        if c.cib.node_attrs.get(target, {}).get("standby") not in (None, "off"):
            set_attribute(c, here, "cibadmin", target, "standby", "off")
        return Outcome(0, f"{INFO}: online node {target}\n")
    if verb in ("maintenance", "ready"):
        set_attribute(
            c, here, "crm_attribute", target, "maintenance", "true" if verb == "maintenance" else "off"
        )
        return Outcome(0)
    return Outcome(1, f"{ERROR}: demo cluster: crm node {verb}: not simulated\n")


def _crm_resource(c: DemoCluster, here: str, verb: str, rest: list[str]) -> Outcome:
    out = ""
    aliases = {"migrate": "move", "unmove": "clear", "unmigrate": "clear", "unban": "clear"}
    if verb in aliases:
        out = f"{WARNING}: This command '{verb}' is deprecated, please use '{aliases[verb]}'\n"
        out += f'{INFO}: "{verb}" is accepted as "{aliases[verb]}"\n'
        verb = aliases[verb]
    if not rest:
        return Outcome(1, f"{ERROR}: resource {verb}: missing resource\n")
    rsc, extra = rest[0], rest[1:]
    flags = [e for e in extra if e == "force"]
    lifetime = [e for e in extra if e.upper().startswith("P")]
    nodes = [e for e in extra if e not in flags and e not in lifetime]
    base: tuple[str, ...] = ("-r", rsc)
    if verb in ("move", "ban"):
        argv = (
            f"--{verb}",
            *base,
            *(("-N", nodes[0]) if nodes else ()),
            *(("--lifetime", lifetime[0]) if lifetime else ()),
        )
        res = crm_resource(c, here, argv + (("--force",) if flags else ()), None)
        if res.status != 0:
            return Outcome(1, out + res.stdout, res.stderr)
        what = "Move" if verb == "move" else "Ban"
        to = f" to {nodes[0]}" if nodes else ""
        out += res.stdout + f"{INFO}: {what} constraint created for {rsc}{to}\n"
        return Outcome(0, out + f"{INFO}: Use `crm resource clear {rsc}` to remove this constraint\n")
    if verb == "clear":
        res = crm_resource(c, here, ("--clear", *base), None)
        if res.status != 0:
            return Outcome(1, out, res.stderr)
        return Outcome(0, out + f"{INFO}: Removed migration constraints for {rsc}\n")
    if verb in ("cleanup", "refresh"):
        res = crm_resource(c, here, (f"--{verb}", *base, *(("-N", nodes[0]) if nodes else ())), None)
        return Outcome(0 if res.status == 0 else 1, out + res.stdout, res.stderr)
    if verb == "failcount" and len(extra) == 2 and extra[0] in ("delete", "show"):
        # crmsh 4.4 runs crm_failcount -D / -G -r R -N X (ui_resource.rsc_failcount).
        flag = "-D" if extra[0] == "delete" else "-G"
        res = crm_failcount(c, here, (flag, "-r", rsc, "-N", extra[1]), None)
        return Outcome(0 if res.status == 0 else 1, out + res.stdout, res.stderr)
    if verb in ("start", "stop"):
        role = "Started" if verb == "start" else "Stopped"
        res = crm_resource(c, here, ("--meta", *base, "-p", "target-role", "-v", role), None)
        return Outcome(0 if res.status == 0 else 1, "", res.stderr)
    return Outcome(1, f"{ERROR}: demo cluster: crm resource {verb}: not simulated\n")


_FAILCOUNT_SPEC = spec(
    "r|resource|resource-id=", "N|node|uname=", "D|delete|delete-attr", "G|query|get-value"
)


def crm_failcount(c: DemoCluster, node: str, args: tuple[str, ...], stdin: str | None) -> Outcome:
    """``crm_failcount`` 2.1.5, a script: ``-G`` sums ``fail-count-R#op_interval``, ``-D`` runs
    ``crm_resource --cleanup -N X -r R`` (its output); ``-N`` is this node by default."""
    opts, _, error = parse_opts(args, _FAILCOUNT_SPEC)
    if error or not ("delete" in opts or "query" in opts) or "resource" not in opts:
        why = error or ("resource name required" if "resource" not in opts else "must specify a command")
        return Outcome(64, "\n", f"error: {why}\n")
    rsc, target = opts["resource"], opts.get("node", node)
    if "delete" in opts:
        return crm_resource(c, node, ("--cleanup", "-N", target, "-r", rsc), None)
    count, _ = c.lrm.fail_count(target, rsc)
    return Outcome(0, f"scope=status  name=fail-count-{rsc} value={fail_count_text(count)}\n")


HANDLERS: dict[str, Handler] = {
    "crm_attribute": crm_attribute,
    "crm_standby": crm_standby,
    "crm_failcount": crm_failcount,
    "crm": crm,
}
