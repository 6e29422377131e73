"""Provides the parser for Pacemaker constraints: ``cibadmin -Q --scope constraints`` or a whole CIB.

Each ``rsc_location``, ``rsc_colocation``, ``rsc_order`` and ``rsc_ticket`` becomes one
:class:`~hatui.model.pacemaker.Constraint`. The leftovers of ``crm_resource --move/--ban`` (ids
``cli-prefer-*`` / ``cli-ban-*``) are ordinary location constraints; with ``--lifetime`` they hold a
rule whose ``date_expression operation="lt" end=...`` is the expiry, read into ``lifetime``.
"""

from __future__ import annotations

from lxml import etree

from hatui.model.pacemaker import Constraint
from hatui.parsers._xml import XmlDocument, parse_document

__all__ = ["parse_constraints"]

_KINDS = {
    "rsc_location": "location",
    "rsc_colocation": "colocation",
    "rsc_order": "order",
    "rsc_ticket": "ticket",
}


def _children(element: etree._Element, tag: str | None = None) -> list[etree._Element]:
    return [c for c in element if isinstance(c.tag, str) and (tag is None or c.tag == tag)]


def _set_members(constraint: etree._Element) -> list[str]:
    """Returns each ``resource_set`` as its space-joined resource ids, in document order."""
    sets = []
    for resource_set in _children(constraint, "resource_set"):
        refs = [r.get("id", "") for r in _children(resource_set, "resource_ref")]
        sets.append(" ".join(ref for ref in refs if ref))
    return sets


def _expiry(rule: etree._Element) -> str | None:
    """Returns the end of the rule's lifetime (``lt`` or ``in_range`` date expression), if any."""
    for expression in rule.iter("date_expression"):
        if expression.get("operation") in ("lt", "in_range") and expression.get("end"):
            return expression.get("end")
    return None


def _rule_node(rule: etree._Element) -> str | None:
    """Returns N for a rule that pins the constraint to one node (``#uname eq N``), else None."""
    if rule.get("boolean-op", "and") != "and":
        return None
    nodes = [
        e.get("value")
        for e in _children(rule, "expression")
        if e.get("attribute") == "#uname" and e.get("operation") == "eq"
    ]
    return nodes[0] if len(nodes) == 1 else None


def _location(element: etree._Element, cid: str, document: XmlDocument) -> Constraint:
    resource = element.get("rsc") or element.get("rsc-pattern")
    if resource is None:
        sets = _set_members(element)
        resource = " ".join(s for s in sets if s) or None
    if resource is None:
        raise document.error(element, f"location constraint {cid!r} names no resource")
    node, score, lifetime = element.get("node"), element.get("score"), None
    rules = _children(element, "rule")
    # Pacemaker 1.0 kept the expiry in a <lifetime> element beside the constraint's own rules.
    lifetime_rules = [r for holder in _children(element, "lifetime") for r in _children(holder, "rule")]
    if rules:
        rule = rules[0]
        score = score or rule.get("score") or rule.get("score-attribute")
        node = node or _rule_node(rule)
        lifetime = _expiry(rule)
    for rule in lifetime_rules:
        lifetime = lifetime or _expiry(rule)
    return Constraint(
        id=cid,
        kind="location",
        resource=resource,
        node=node,
        score=score,
        role=element.get("role"),
        lifetime=lifetime,
    )


def _pair(element: etree._Element, cid: str, kind: str, first: str, then: str) -> Constraint:
    resource, other = element.get(first), element.get(then)
    if resource is None and other is None:
        # Set-based: the first set in resource, the later sets in with_resource, as written.
        sets = _set_members(element)
        resource = sets[0] if sets and sets[0] else None
        other = " ".join(s for s in sets[1:] if s) or None
    return Constraint(
        id=cid,
        kind=kind,
        resource=resource,
        score=element.get("score"),
        # Colocations only: an order's first-action is not a role.
        role=element.get("rsc-role") if kind == "colocation" else None,
        with_resource=other,
        with_role=element.get("with-rsc-role") if kind == "colocation" else None,
    )


def _constraint(element: etree._Element, document: XmlDocument) -> Constraint:
    cid = element.get("id")
    if not cid:
        raise document.error(element, f"<{element.tag}> without an id")
    kind = _KINDS.get(str(element.tag))
    if kind == "location":
        return _location(element, cid, document)
    if kind == "colocation":
        return _pair(element, cid, kind, "rsc", "with-rsc")
    if kind == "order":
        return _pair(element, cid, kind, "first", "then")
    if kind == "ticket":
        resource = element.get("rsc")
        if resource is None:
            resource = " ".join(s for s in _set_members(element) if s) or None
        return Constraint(id=cid, kind=kind, resource=resource, role=element.get("rsc-role"))
    # A constraint type newer than this parser: keep it visible rather than fail the whole list.
    return Constraint(id=cid, kind=str(element.tag).removeprefix("rsc_"), resource=element.get("rsc"))


def parse_constraints(data: bytes | str, source: str = "constraints.xml") -> tuple[Constraint, ...]:
    """Parses a ``<constraints>`` section, or finds it in a whole ``<cib>`` (or ``<configuration>``)."""
    document = parse_document(data, source, ("constraints", "cib", "configuration"))
    section = document.root
    if section.tag == "cib":
        configuration = _children(section, "configuration")
        section = configuration[0] if configuration else section
    if section.tag == "configuration":
        found = _children(section, "constraints")
        if not found:
            raise document.error(section, "no <constraints> in the CIB configuration")
        section = found[0]
    if section.tag != "constraints":
        raise document.error(section, "no <configuration> in the CIB")
    return tuple(_constraint(element, document) for element in _children(section))
