"""Provides the argv forms of Pacemaker 1.0 (the reference cluster's 1.0.9) and of its crm shell.

Pacemaker 1.0.9's ``crm_resource`` has ``-M`` (move) and ``-U`` (un-move) where later versions have
``--move``/``--ban``/``--clear``; its nodes have no ``maintenance`` attribute; its cleanup needs a
resource. The crm shell inside it (1.0.9 grammar) has ``resource migrate/unmigrate`` but no
``ban``/``clear``/``maintenance``, and its ``migrate`` cannot pass ``-f``. What each action sends
(seed-stack-cli.md §1.1, §1.6, §2; each form run against the real 1.0.9 tools on a CIB file):

==========================  =============================================  ================================
action                      raw tools                                      crm shell 1.0.9
==========================  =============================================  ================================
standby / online            ``crm_attribute -t nodes -N X -n standby -v    ``crm node standby X`` /
                            on`` / ``crm_standby -N X -D``                 ``crm node online X``
move R to N                 ``crm_resource -M -r R -N N -f``, later        raw (no ``-f`` in the shell)
                            ``crm_resource -U -r R``
ban R from its only node    ``crm_resource -M -r R``                       ``crm resource migrate R``
ban R from another node N   ``cibadmin -C -o constraints -X <cli-ban-..>`` ``crm configure location ...``
clear                       ``crm_resource -U -r R`` (+ cli-ban by id)     ``crm resource unmigrate R``
cleanup R                   ``crm_resource -C -r R``                       ``crm resource cleanup R``
fail-count delete           ``crm_failcount -D -r R -N X``                 ``crm resource failcount R
                                                                           delete X``
==========================  =============================================  ================================

The functions here take names already checked (``commands.checked``; ``commands.crm_name`` for the
shell) and return argv only: ``hatui.actions.commands`` wraps them into ``Command``\\ s. The XML is
what ``crm_resource -M`` itself writes (the rule form, ids ``cli-prefer-R``, ``cli-prefer-rule-R``,
``cli-prefer-expr-R``; ``cli-standby-...``), so the preview's edits of a 1.0 CIB match the real ones.
"""

from __future__ import annotations

from lxml import etree

Argv = tuple[str, ...]

#: The constraint ``crm_resource -M -r R`` writes: R may not run on the node it runs on now.
STANDBY_PREFIX = "cli-standby-"
PREFER_PREFIX = "cli-prefer-"
BAN_PREFIX = "cli-ban-"


def standby(node: str, on: bool, *, crm: str | None) -> tuple[Argv, Argv]:
    """The argv and its CIB edit. ``crm``: the node's name as the shell receives it (None: raw tools).

    Online is ``crm_standby -D``: it removes the permanent AND the transient value (``-v off`` leaves
    a transient ``on`` in force, lib/pengine/unpack.c); the crm shell's ``online`` sets ``off``.
    """
    if crm is not None:
        argv: Argv = ("crm", "node", "standby" if on else "online", crm)
        sim: Argv = ("crm_attribute", "-t", "nodes", "-N", node, "-n", "standby", "-v", "on" if on else "off")
        return argv, sim
    if on:
        raw: Argv = ("crm_attribute", "-t", "nodes", "-N", node, "-n", "standby", "-v", "on")
        return raw, raw
    return ("crm_standby", "-N", node, "-D"), (
        "crm_attribute",
        "-t",
        "nodes",
        "-N",
        node,
        "-n",
        "standby",
        "-D",
    )


def rule_location(cid: str, resource: str, node: str, score: str, prefix: str) -> str:
    """``<rsc_location id=cli-X-R rsc=R><rule id=cli-X-rule-R ...><expression id=cli-X-expr-R .../>``.

    ``prefix`` is ``cli-prefer`` or ``cli-standby``: the ids are the ones 1.0.9's ``move_resource``
    builds (``crm_concat(prefix, "rule", R)``...).
    """
    loc = etree.Element("rsc_location", id=cid, rsc=resource)
    rule = etree.SubElement(
        loc, "rule", {"id": f"{prefix}-rule-{resource}", "score": score, "boolean-op": "and"}
    )
    etree.SubElement(
        rule,
        "expression",
        {
            "id": f"{prefix}-expr-{resource}",
            "attribute": "#uname",
            "operation": "eq",
            "value": node,
            "type": "string",
        },
    )
    return etree.tostring(loc, encoding="unicode")


def prefer_xml(resource: str, node: str) -> str:
    """``cli-prefer-R``: INFINITY on ``node``, as ``crm_resource -M -r R -N node`` writes it."""
    return rule_location(f"{PREFER_PREFIX}{resource}", resource, node, "INFINITY", "cli-prefer")


def standby_xml(resource: str, node: str) -> str:
    """``cli-standby-R``: -INFINITY on ``node`` (where R runs), as ``crm_resource -M -r R`` writes it."""
    return rule_location(f"{STANDBY_PREFIX}{resource}", resource, node, "-INFINITY", "cli-standby")


def ban_xml(resource: str, node: str) -> str:
    """``cli-ban-R-on-N`` at -INFINITY: 1.0 has no command for a node R does not run on."""
    loc = etree.Element(
        "rsc_location", id=f"{BAN_PREFIX}{resource}-on-{node}", rsc=resource, node=node, score="-INFINITY"
    )
    return etree.tostring(loc, encoding="unicode")


def delete_xml(cid: str) -> str:
    """The ``cibadmin -D -X`` argument that removes the location ``cid`` (cibadmin matches tag and id)."""
    return etree.tostring(etree.Element("rsc_location", id=cid), encoding="unicode")


def create(xml: str) -> Argv:
    """``cibadmin -C -o constraints -X XML``: unchanged from 1.0.9 to 2.x."""
    return ("cibadmin", "-C", "-o", "constraints", "-X", xml)


def delete(cid: str) -> Argv:
    """``cibadmin -D -o constraints -X <rsc_location id=cid/>``."""
    return ("cibadmin", "-D", "-o", "constraints", "-X", delete_xml(cid))


def move_forced(resource: str, node: str, current: str) -> tuple[Argv, tuple[Argv, ...]]:
    """``crm_resource -M -r R -N N -f``: cli-prefer-R on N AND cli-standby-R on the current node.

    Without ``-f`` 1.0.9 deletes cli-standby-R and adds only the preference, which moves nothing
    under stickiness INFINITY (the tie keeps the current node). The shell's ``migrate`` has no
    ``-f``, so this is the raw tool whatever the shell.
    """
    argv: Argv = ("crm_resource", "-M", "-r", resource, "-N", node, "-f")
    return argv, (create(prefer_xml(resource, node)), create(standby_xml(resource, current)))


def ban_current(resource: str, current: str, *, crm: str | None) -> tuple[Argv, tuple[Argv, ...]]:
    """``crm_resource -M -r R`` (``crm resource migrate R``): cli-standby-R on the node R runs on."""
    argv: Argv = (
        ("crm", "resource", "migrate", crm) if crm is not None else ("crm_resource", "-M", "-r", resource)
    )
    return argv, (delete(f"{PREFER_PREFIX}{resource}"), create(standby_xml(resource, current)))


def ban_other(resource: str, node: str, *, crm: tuple[str, str] | None) -> tuple[Argv, tuple[Argv, ...]]:
    """A ban from a node R does not run on: the location by XML (``crm configure location`` in the shell).

    ``crm``: the resource and node names as the shell receives them.
    """
    cid = f"{BAN_PREFIX}{resource}-on-{node}"
    sim = (create(ban_xml(resource, node)),)
    if crm is not None:
        return ("crm", "configure", "location", cid, crm[0], "-inf:", crm[1]), sim
    return sim[0], sim


def unmove(resource: str, *, crm: str | None) -> tuple[Argv, tuple[Argv, ...]]:
    """``crm_resource -U -r R`` (``crm resource unmigrate R``): removes cli-prefer-R and cli-standby-R."""
    argv: Argv = (
        ("crm", "resource", "unmigrate", crm) if crm is not None else ("crm_resource", "-U", "-r", resource)
    )
    return argv, (delete(f"{PREFER_PREFIX}{resource}"), delete(f"{STANDBY_PREFIX}{resource}"))


def cleanup(resource: str, node: str | None, *, crm: tuple[str, str | None] | None) -> Argv:
    """``crm_resource -C -r R [-N X]`` (``crm resource cleanup R [X]``): 1.0 cleans one resource at a time."""
    if crm is not None:
        return ("crm", "resource", "cleanup", crm[0], *((crm[1],) if crm[1] else ()))
    return ("crm_resource", "-C", "-r", resource, *(("-N", node) if node else ()))


def cleanup_sim(resource: str, node: str | None, xq: str, xq_node: str | None) -> tuple[Argv, ...]:
    """What a 1.0 cleanup clears: the ``fail-count-R``/``last-failure-R`` attributes (no ``#op``
    suffix on 1.0) and R's last failure in the status section. ``xq``: R as an XPath literal.
    """
    where = f"//node_state[@uname={xq_node}]" if xq_node else "//node_state"
    fail, last = f"concat('fail-count-', {xq})", f"concat('last-failure-', {xq})"
    return (
        ("cibadmin", "-D", "--xpath", f"{where}//nvpair[@name={fail} or @name={last}]"),
        ("cibadmin", "-D", "--xpath", f"{where}//lrm_rsc_op[@id=concat({xq}, '_last_failure_0')]"),
    )


def failcount_delete(resource: str, node: str, *, crm: tuple[str, str] | None) -> tuple[Argv, Argv]:
    """``crm_failcount -D -r R -N X`` (``crm resource failcount R delete X``) and its CIB edit."""
    sim: Argv = ("crm_failcount", "-r", resource, "-N", node, "-D")
    if crm is not None:
        return ("crm", "resource", "failcount", crm[0], "delete", crm[1]), sim
    return ("crm_failcount", "-D", "-r", resource, "-N", node), sim
