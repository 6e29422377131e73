"""Provides the edits of a plan applied to a Pacemaker 1.0 CIB, in its own schema, without any tool.

The preview cannot edit a 1.0 CIB with the local Pacemaker 2.x tools: ``crm_resource --move``
writes ``role="Started"`` into the location, which the pacemaker-1.0 schema refuses, and
``--clear`` does not know 1.0's ``cli-standby-R``. So the edits a plan carries for a 1.0 node
(``Command.sim``) are limited to a few forms, and this module does to the XML exactly what the
1.0.9 tools would do (ids and set names as ``lib/cib/cib_attrs.c`` and ``tools/crm_resource.c``
make them):

- ``cibadmin -C -o constraints -X XML``: adds XML to the constraints (an id already there is an error);
- ``cibadmin -D -o constraints -X XML``: removes the element of that tag and id (absent: nothing to do);
- ``cibadmin -D -A|--xpath XPATH``: removes every match (the cleanup's edits);
- ``crm_attribute -t nodes|status|crm_config|rsc_defaults [-N X] -n NAME -v VAL`` or ``-D``;
- ``crm_standby -N X -v on|off`` / ``-D`` and ``crm_failcount -r R -N X -D|-v N``;
- ``crm_resource -r R --meta -p NAME -v VAL`` (``-d NAME`` deletes).

Anything else raises ``CibEditError``: a preview must never claim what it did not compute. Pure:
text in, text out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from lxml import etree

from hatui.errors import HatuiError

Argv = Sequence[str]

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=False)


class CibEditError(HatuiError):
    """An edit cannot be applied to the CIB copy; the message says which and why."""

    title = "no preview"


def schema_version(cib_xml: str) -> tuple[int, ...] | None:
    """The version in ``validate-with`` (``pacemaker-1.0`` -> (1, 0)); None when absent or unknown.

    Raises:
        CibEditError: not XML.
    """
    value = _root(cib_xml).get("validate-with")
    m = re.fullmatch(r"(?:pacemaker|transitional)-(\d+)\.(\d+)", value or "")
    return (int(m.group(1)), int(m.group(2))) if m else None


def is_cib10(cib_xml: str) -> bool:
    """True for a CIB in the pacemaker-1.0 schema or older (no ``validate-with`` at all: 0.6).

    Raises:
        CibEditError: not XML.
    """
    root = _root(cib_xml)
    if root.get("validate-with") is None:
        return True
    version = schema_version(cib_xml)
    return version is not None and version <= (1, 0)


def apply_edits(cib_xml: str, edits: Sequence[Argv]) -> str:
    """``cib_xml`` after every edit, in order.

    Raises:
        CibEditError: an edit is not one of the forms above, or fails as the 1.0.9 tool would.
    """
    root = _root(cib_xml)
    for edit in edits:
        _apply(root, tuple(edit))
    return etree.tostring(root, encoding="unicode")


# -- the argv forms ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Spec:
    """The options of one tool: long and short spellings mapped to one key, and which take a value."""

    names: dict[str, str]
    valued: frozenset[str]


_SPECS = {
    "cibadmin": _Spec(
        {
            "-C": "create",
            "--create": "create",
            "-D": "delete",
            "--delete": "delete",
            "-o": "scope",
            "--obj_type": "scope",
            "--scope": "scope",
            "-X": "xml",
            "--xml-text": "xml",
            "-A": "xpath",
            "--xpath": "xpath",
        },
        frozenset({"scope", "xml", "xpath"}),
    ),
    "crm_attribute": _Spec(
        {
            "-t": "type",
            "--type": "type",
            "-l": "type",
            "--lifetime": "type",
            "-N": "node",
            "--node": "node",
            "-U": "node",
            "--node-uname": "node",
            "-n": "name",
            "--name": "name",
            "--attr-name": "name",
            "-v": "value",
            "--update": "value",
            "--attr-value": "value",
            "-D": "delete",
            "--delete": "delete",
            "--delete-attr": "delete",
        },
        frozenset({"type", "node", "name", "value"}),
    ),
    "crm_standby": _Spec(
        {
            "-N": "node",
            "--node": "node",
            "-v": "value",
            "--attr-value": "value",
            "-D": "delete",
            "--delete-attr": "delete",
            "-l": "type",
            "--lifetime": "type",
        },
        frozenset({"node", "value", "type"}),
    ),
    "crm_failcount": _Spec(
        {
            "-r": "resource",
            "--resource-id": "resource",
            "-N": "node",
            "--node": "node",
            "-v": "value",
            "--attr-value": "value",
            "-D": "delete",
            "--delete-attr": "delete",
        },
        frozenset({"resource", "node", "value"}),
    ),
    "crm_resource": _Spec(
        {
            "-r": "resource",
            "--resource": "resource",
            "-m": "meta",
            "--meta": "meta",
            "-p": "set",
            "--set-parameter": "set",
            "-v": "value",
            "--parameter-value": "value",
            "-d": "unset",
            "--delete-parameter": "unset",
        },
        frozenset({"resource", "set", "value", "unset"}),
    ),
}

#: crm_attribute's ``-t``/``-l`` values and the section each writes (``reboot`` = status, 1.0.9).
_SECTIONS = {
    "nodes": "nodes",
    "forever": "nodes",
    "status": "status",
    "reboot": "status",
    "crm_config": "crm_config",
    "rsc_defaults": "rsc_defaults",
    "op_defaults": "op_defaults",
}


def _options(argv: tuple[str, ...]) -> dict[str, str]:
    spec = _SPECS.get(argv[0])
    if spec is None:
        raise CibEditError(
            f"cannot apply `{_line(argv)}` to a Pacemaker 1.0 CIB copy (not an edit hatui knows)"
        )
    out: dict[str, str] = {}
    items = list(argv[1:])
    while items:
        word = items.pop(0)
        key = spec.names.get(word)
        if key is None:
            raise CibEditError(f"cannot apply `{_line(argv)}` to a Pacemaker 1.0 CIB copy: {word!r} unknown")
        if key in spec.valued:
            if not items:
                raise CibEditError(f"`{_line(argv)}`: {word} needs a value")
            out[key] = items.pop(0)
        else:
            out[key] = ""
    return out


def _apply(root: etree._Element, argv: tuple[str, ...]) -> None:
    if not argv:
        raise CibEditError("an empty edit")
    opts = _options(argv)
    tool = argv[0]
    if tool == "cibadmin":
        _cibadmin(root, opts, argv)
    elif tool == "crm_resource":
        _resource_meta(root, opts, argv)
    else:
        if tool == "crm_standby" and "delete" in opts and "type" not in opts:
            # crm_standby -D deletes both copies, the permanent one and the one until reboot.
            for kind in ("nodes", "status"):
                _attribute(root, {**opts, "name": "standby", "type": kind}, argv)
            return
        if tool == "crm_standby":
            opts = {**opts, "name": "standby", "type": _SECTIONS.get(opts.get("type", "forever"), "nodes")}
        elif tool == "crm_failcount":
            opts = {**opts, "name": f"fail-count-{_need(opts, 'resource', argv)}", "type": "status"}
        _attribute(root, opts, argv)


# -- cibadmin --------------------------------------------------------------------------------------


def _cibadmin(root: etree._Element, opts: dict[str, str], argv: tuple[str, ...]) -> None:
    if "xpath" in opts and "delete" in opts:
        for hit in _xpath(root, opts["xpath"], argv):
            parent = hit.getparent()
            if parent is not None:
                parent.remove(hit)
        return
    scope = _section(root, _need(opts, "scope", argv), argv)
    try:
        given = etree.fromstring(_need(opts, "xml", argv).encode("utf-8"), _PARSER)
    except etree.XMLSyntaxError as exc:
        raise CibEditError(f"`{_line(argv)}`: the XML does not parse: {exc}") from None
    cid = given.get("id")
    same = [e for e in scope.iter(given.tag) if cid is not None and e.get("id") == cid]
    if "create" in opts:
        if same or (cid is not None and root.xpath("//*[@id=$i]", i=cid)):
            raise CibEditError(f"`{_line(argv)}`: id {cid} already exists in the CIB (cibadmin -C fails)")
        scope.append(given)
    elif "delete" in opts:
        for e in same:
            parent = e.getparent()
            if parent is not None:
                parent.remove(e)
    else:
        raise CibEditError(f"cannot apply `{_line(argv)}`: only cibadmin -C and -D are simulated")


def _xpath(root: etree._Element, path: str, argv: tuple[str, ...]) -> list[etree._Element]:
    try:
        found = root.xpath(path)
    except etree.XPathError as exc:
        raise CibEditError(f"`{_line(argv)}`: bad XPath: {exc}") from None
    if not isinstance(found, list):
        raise CibEditError(f"`{_line(argv)}`: the XPath selects no elements")
    return [e for e in found if isinstance(e, etree._Element)]


# -- attributes ------------------------------------------------------------------------------------


def _attribute(root: etree._Element, opts: dict[str, str], argv: tuple[str, ...]) -> None:
    """crm_attribute's update_attr/delete_attr (1.0.9 lib/cib/cib_attrs.c), on the XML."""
    name = _need(opts, "name", argv)
    # Neither -t nor -N: crm_config; -N alone: the nodes section (1.0.9 crm_attribute.c).
    default = "nodes" if "node" in opts else "crm_config"
    kind = opts.get("type", default)
    section_name = _SECTIONS.get(kind)
    if section_name is None:
        raise CibEditError(f"`{_line(argv)}`: section {kind!r} is not simulated")
    section = _section(root, section_name, argv)
    if section_name in ("nodes", "status"):
        uuid = _node_id(root, _need(opts, "node", argv), argv)
        holder_tag = "node" if section_name == "nodes" else "node_state"
        holder = next((e for e in section.findall(holder_tag) if e.get("id") == uuid), None)
        if holder is None and "delete" in opts:
            return
        if holder is None:
            holder = etree.SubElement(section, holder_tag, id=uuid)
        if section_name == "status":
            inner = holder.find("transient_attributes")
            if inner is None and "delete" in opts:
                return
            if inner is None:
                inner = etree.SubElement(holder, "transient_attributes", id=uuid)
            holder = inner
        set_tag, set_id = "instance_attributes", f"{section_name}-{uuid}"
    elif section_name == "crm_config":
        holder, set_tag, set_id = section, "cluster_property_set", "cib-bootstrap-options"
    else:
        holder, set_tag, set_id = section, "meta_attributes", f"{section_name}-options"
    _set_nvpair(holder, set_tag, set_id, name, None if "delete" in opts else _need(opts, "value", argv), argv)


def _resource_meta(root: etree._Element, opts: dict[str, str], argv: tuple[str, ...]) -> None:
    """``crm_resource -r R --meta -p NAME -v VAL`` (or ``-d NAME``): set_resource_attr of 1.0.9."""
    if "meta" not in opts:
        raise CibEditError(f"cannot apply `{_line(argv)}`: only --meta attributes are simulated")
    rid = _need(opts, "resource", argv)
    resources = _section(root, "resources", argv)
    rsc = next(
        (e for e in resources.iter("primitive", "group", "clone", "master") if e.get("id") == rid), None
    )
    if rsc is None:
        raise CibEditError(f"`{_line(argv)}`: Resource {rid} not found")
    if "set" in opts:
        _set_nvpair(
            rsc, "meta_attributes", f"{rid}-meta_attributes", opts["set"], _need(opts, "value", argv), argv
        )
    elif "unset" in opts:
        _set_nvpair(rsc, "meta_attributes", f"{rid}-meta_attributes", opts["unset"], None, argv)
    else:
        raise CibEditError(f"cannot apply `{_line(argv)}`: neither -p nor -d")


def _set_nvpair(
    holder: etree._Element, set_tag: str, set_id: str, name: str, value: str | None, argv: tuple[str, ...]
) -> None:
    """Updates the one nvpair called ``name`` in ``holder``'s sets, or creates it; None deletes it."""
    found = [nv for s in holder.findall(set_tag) for nv in s.iter("nvpair") if nv.get("name") == name]
    if len(found) > 1:
        raise CibEditError(f"`{_line(argv)}`: several attributes are called {name} (the tool refuses too)")
    if value is None:
        for nv in found:
            parent = nv.getparent()
            if parent is not None:
                parent.remove(nv)
        return
    if found:
        found[0].set("value", value)
        return
    attr_set = next((s for s in holder.findall(set_tag) if s.get("id") == set_id), None)
    if attr_set is None:
        attr_set = etree.SubElement(holder, set_tag, id=set_id)
    etree.SubElement(attr_set, "nvpair", id=f"{set_id}-{name}", name=name, value=value)


# -- helpers ----------------------------------------------------------------------------------------


def _root(cib_xml: str) -> etree._Element:
    try:
        root = etree.fromstring(cib_xml.encode("utf-8"), _PARSER)
    except etree.XMLSyntaxError as exc:
        raise CibEditError(f"the CIB does not parse: {exc}") from None
    if root.tag != "cib":
        raise CibEditError(f"not a CIB: the root element is <{root.tag}>")
    return root


def _section(root: etree._Element, name: str, argv: tuple[str, ...]) -> etree._Element:
    where = "status" if name == "status" else f"configuration/{name}"
    found = root.find(where)
    if found is None and name in ("rsc_defaults", "op_defaults", "constraints"):
        config = root.find("configuration")
        if config is not None:
            found = etree.SubElement(config, name)
    if found is None:
        raise CibEditError(f"`{_line(argv)}`: the CIB has no {name} section")
    return found


def _node_id(root: etree._Element, uname: str, argv: tuple[str, ...]) -> str:
    """The node's id (a UUID under heartbeat, the name under openais) from its uname."""
    for node in root.iterfind("configuration/nodes/node"):
        if node.get("uname") == uname:
            return node.get("id") or uname
    raise CibEditError(f"`{_line(argv)}`: no node called {uname} in the CIB")


def _need(opts: dict[str, str], key: str, argv: tuple[str, ...]) -> str:
    value = opts.get(key)
    if value is None:
        raise CibEditError(f"`{_line(argv)}`: no {key} given")
    return value


def _line(argv: Sequence[str]) -> str:
    return " ".join(argv)
