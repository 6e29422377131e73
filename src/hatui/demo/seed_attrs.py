"""Provides the seed demo's ``crm_attribute``, ``crm_standby``, ``crm_failcount`` and ``cibadmin`` (1.0.9).

Messages and exit statuses are those of the real 1.0.9 tools on a CIB file: a value set prints
nothing; a query prints ``scope=nodes  name=standby value=on``; a delete prints ``Deleted nodes
attribute: id=nodes-X-standby name=standby`` and a blank line; deleting what is not there is
``Error performing operation: cib object missing`` (244). ``crm_attribute -N X`` without ``-t``
writes the status section (a transient attribute), ``-t nodes`` the node's permanent one; the demo
keeps both in one place, so a transient standby acts like a permanent one. ``cibadmin -C`` of an id
that exists prints the ``<failed>`` XML and exits 21, an element the 1.0 schema refuses exits 47.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from lxml import etree

from hatui.demo.cmd_pacemaker import put_constraint
from hatui.demo.commands import Outcome
from hatui.demo.seed_cib import SCOPES, cib10_xml
from hatui.demo.seed_opts import help_or_version, parse10
from hatui.demo.state import Constraint

if TYPE_CHECKING:
    from hatui.demo.cluster import DemoCluster

MISSING = "Error performing operation: cib object missing\n"
NO_CIB = Outcome(246, "", "Error signing on to the CIB service: connection failed\n")


def crm_attribute10(c: DemoCluster, node: str, args: tuple[str, ...], stdin: str | None) -> Outcome:
    """``crm_attribute`` 1.0.9: ``-n NAME`` with ``-v``, ``-D`` or ``-G``; ``-N`` and ``-t``/``-l``."""
    opts, error = parse10("crm_attribute", args)
    if error is not None:
        return error
    answer = help_or_version("crm_attribute", opts)
    if answer is not None:
        return answer
    return attribute(c, node, opts)


def attribute(c: DemoCluster, here: str, opts: dict[str, str]) -> Outcome:
    """The work of crm_attribute (the wrappers call it with their own options)."""
    if not c.pcmk_online(here):
        return NO_CIB
    name = opts.get("name")
    if name is None:
        return Outcome(1, "", "Error performing operation: Required data for this CIB API call not found\n")
    target = opts.get("node")
    scope = opts.get("type") or opts.get("lifetime") or ("status" if target else "crm_config")
    scope = {"reboot": "status", "forever": "nodes"}.get(scope, scope)
    if target is not None and target not in c.nodes:
        return Outcome(
            244, "", f"Could not map uname={target} to a UUID: The object/attribute does not exist\n"
        )
    if scope in ("nodes", "status") and target is None:
        target = here
    store = c.cib.node_attrs.setdefault(target, {}) if target else c.cib.properties
    if target is not None and name.startswith("fail-count-"):
        return _failcount(c, target, name, opts)
    if "query" in opts:
        value = store.get(name, opts.get("default"))
        if value is None:
            return Outcome(244, f"  name={name} value=(null)\n", MISSING)
        return Outcome(0, f"{'' if 'quiet' in opts else f'scope={scope}  name={name} value='}{value}\n")
    if "delete" in opts:
        if store.pop(name, None) is None:
            return Outcome(244, "", MISSING)
        set_id = f"nodes-{target}" if scope == "nodes" else f"status-{target}"
        set_id = "cib-bootstrap-options" if target is None else set_id
        kind = "crm_config option" if target is None else f"{scope} attribute"
        out = f"Deleted {kind}: id={set_id}-{name} name={name}\n\n"
    elif "update" in opts:
        store[name] = opts["update"]
        out = ""
    else:
        return Outcome(1, "", "Error performing operation: Required data for this CIB API call not found\n")
    if target is not None:
        c.cib.node_attr_sets.add(target)
    c.cib.touch(c.epoch_now(), here, "crm_attribute")
    c.changed()
    return Outcome(0, out)


def _failcount(c: DemoCluster, target: str, name: str, opts: dict[str, str]) -> Outcome:
    rsc = name.removeprefix("fail-count-").split(":", 1)[0]
    count, _ = c.lrm.fail_count(target, rsc)
    if "query" in opts:
        shown = str(count) if count else opts.get("default", "0")
        return Outcome(0, f"scope=status  name={name} value={shown}\n")
    if "delete" in opts:
        c.lrm.clear_failures(target, rsc)
        c.changed()
        return Outcome(0, f"Deleted status attribute: id=status-{target}-{name} name={name}\n\n")
    return Outcome(1, "", "crm_failcount: the demo cluster queries and deletes fail-counts only\n")


def _wrapper_opts(args: tuple[str, ...], spec: dict[str, str], tool: str) -> dict[str, str] | Outcome:
    """Reads a wrapper script's options (its own ``getopt`` string) into crm_attribute keys."""
    out: dict[str, str] = {}
    rest = list(args)
    while rest:
        arg = rest.pop(0)
        key = spec.get(arg)
        if key is None:
            return Outcome(
                1, f"{tool} - A convenience wrapper for crm_attribute\n\n", f"{tool}: bad option {arg}\n"
            )
        if key.endswith("="):
            if not rest:
                return Outcome(1, "", f"{tool}: option requires an argument -- '{arg}'\n")
            out[key[:-1]] = rest.pop(0)
        else:
            out[key] = "1"
    return out


def crm_standby10(c: DemoCluster, node: str, args: tuple[str, ...], stdin: str | None) -> Outcome:
    """``crm_standby`` (a script): ``-N`` (default this node), ``-v``/``-D``/``-G``, ``-l``."""
    spec = {"-N": "node=", "-U": "node=", "-v": "update=", "-D": "delete", "-G": "query", "-l": "lifetime="}
    spec |= {"--node": "node=", "--attr-value": "update=", "--delete-attr": "delete", "--get-value": "query"}
    opts = _wrapper_opts(args, spec, "crm_standby")
    if isinstance(opts, Outcome):
        return opts
    opts.setdefault("node", node)
    opts["name"] = "standby"
    if "update" in opts:
        opts.setdefault("lifetime", "forever")
    if "delete" in opts or "query" in opts:
        # -D deletes both copies, -G reads the permanent one first: the demo keeps one.
        opts.setdefault("lifetime", "forever")
        opts["default"] = "off"
    return attribute(c, node, opts)


def crm_failcount10(c: DemoCluster, node: str, args: tuple[str, ...], stdin: str | None) -> Outcome:
    """``crm_failcount`` (a script): ``-r R -N X`` with ``-G``/``-D``; crm_attribute ``-t status``."""
    spec = {"-N": "node=", "-U": "node=", "-r": "resource=", "-D": "delete", "-G": "query", "-Q": "quiet"}
    spec |= {
        "--node": "node=",
        "--resource-id": "resource=",
        "--delete-attr": "delete",
        "--get-value": "query",
    }
    opts = _wrapper_opts(args, spec, "crm_failcount")
    if isinstance(opts, Outcome):
        return opts
    if "resource" not in opts:
        return Outcome(1, "", "Error performing operation: Required data for this CIB API call not found\n")
    opts.setdefault("node", node)
    opts["name"] = f"fail-count-{opts.pop('resource')}"
    opts["type"], opts["default"] = "status", "0"
    return attribute(c, node, opts)


def cibadmin10(c: DemoCluster, node: str, args: tuple[str, ...], stdin: str | None) -> Outcome:
    """``cibadmin`` 1.0.9: ``-Q [-o S]``, ``-C``/``-D -o constraints -X XML``."""
    opts, error = parse10("cibadmin", args)
    if error is not None:
        return error
    answer = help_or_version("cibadmin", opts)
    if answer is not None:
        return answer
    if not c.pcmk_online(node):
        return Outcome(
            10,
            "",
            "Signon to CIB failed: connection failed\nInit failed, could not perform requested operations\n",
        )
    scope = opts.get("scope")
    if scope is not None and scope not in SCOPES:
        return Outcome(22, "", "Call cib_query failed (-22): The object/attribute does not exist\n")
    if "query" in opts:
        return Outcome(0, cib10_xml(c, scope))
    text = opts.get("xml-text") or (stdin if "xml-pipe" in opts else None)
    if text is None or not ("create" in opts or "delete" in opts):
        return Outcome(1, "", "cibadmin: the demo cluster runs -Q, and -C/-D with -X\n")
    try:
        elem = etree.fromstring(text.encode(), etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError:
        return Outcome(1, "", "Couldn't parse input string: " + text[:60] + "\n")
    if "delete" in opts:
        return _delete(c, node, elem)
    return _create(c, node, elem, text)


def _delete(c: DemoCluster, node: str, elem: etree._Element) -> Outcome:
    """Deletes the first element whose tag and every given attribute match (none: exit 0 too)."""
    given = {str(k): str(v) for k, v in elem.attrib.items()}
    for con in c.cib.constraints:
        if con.tag == elem.tag and all(_con_attr(con, k) == v for k, v in given.items()):
            c.cib.constraints.remove(con)
            c.cib.touch(c.epoch_now(), node, "cibadmin")
            c.changed()
            break
    return Outcome(0)


def _con_attr(con: Constraint, key: str) -> str | None:
    if key == "node" and "node" not in con.attrs:
        return con.rule_node
    return con.attrs.get(key)


_SCHEMA = "Call failed: Update does not conform to the configured schema/DTD\n"


def _create(c: DemoCluster, node: str, elem: etree._Element, text: str) -> Outcome:
    """``-C -o constraints``: one ``rsc_location``, a node and score or rules (hatui's markers)."""
    attrs = {str(k): str(v) for k, v in elem.attrib.items()}
    if not _valid_location(elem, attrs):
        return Outcome(47, "", _SCHEMA)
    if any(k.id == attrs["id"] for k in c.cib.constraints):
        failed = (
            "<failed>\n"
            f'  <failed_update id="{attrs["id"]}" object_type="rsc_location" operation="cib_create" '
            'reason="The object already exists">\n'
            f"    {text.strip()}\n"
            "  </failed_update>\n</failed>\n"
        )
        return Outcome(21, failed, "Call failed: The object already exists\n")
    # 1.0.9 stores a location for an unknown resource or node too; it then applies to nothing.
    if len(elem):
        rule = elem[0]
        expr = rule.find("expression[@attribute='#uname'][@operation='eq']")
        target = str(expr.get("value")) if expr is not None else None
        xml = etree.tostring(elem, encoding="unicode")
        con = Constraint(
            "rsc_location", {"id": attrs["id"], "rsc": attrs["rsc"]}, target, rule.get("score"), None, xml
        )
    else:
        con = Constraint("rsc_location", {k: attrs[k] for k in ("id", "rsc", "node", "score")})
    put_constraint(c, con)
    c.cib.touch(c.epoch_now(), node, "cibadmin")
    c.changed()
    return Outcome(0)


_SCORE = re.compile(r"[-+]?(INFINITY|inf|\d+)", re.IGNORECASE)


def _valid_location(elem: etree._Element, attrs: dict[str, str]) -> bool:
    """What the pacemaker-1.0 schema allows of an ``rsc_location``: no ``role``, a node and a score
    or rules whose expressions have an id, attribute and operation."""
    if (
        elem.tag != "rsc_location"
        or not {"id", "rsc"} <= set(attrs)
        or set(attrs) - {"id", "rsc", "node", "score"}
    ):
        return False
    if not len(elem):
        return {"node", "score"} <= set(attrs) and bool(_SCORE.fullmatch(attrs["score"]))
    if "node" in attrs or "score" in attrs:
        return False
    for rule in elem:
        if rule.tag != "rule" or not rule.get("id") or not _SCORE.fullmatch(rule.get("score") or ""):
            return False
        for expr in rule:
            if expr.tag == "expression" and not (
                expr.get("id") and expr.get("attribute") and expr.get("operation")
            ):
                return False
            if expr.tag not in ("expression", "date_expression"):
                return False
    return True
