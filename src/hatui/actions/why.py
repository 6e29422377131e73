"""Provides the "why" of a resource on both generations: the commands that ask, and the answer.

Pacemaker 1.1.x and later answer themselves (``crm_resource --why -r R``). Pacemaker 1.0 has no
``--why`` (seed-stack-cli.md §1.6): hatui asks three read-only questions and composes the answer:

- ``ptest -L -s``: the scheduler's allocation scores on the live CIB (``native_color: R allocation
  score on X: 1000000``; 1000000 is INFINITY);
- ``crm_resource -r R -a``: R's location constraints with their scores (``+ 'id': node = score``);
- ``cibadmin -Q -o constraints``: the colocations and orders that tie R to other resources.

The answer says where the scores send R (or that no node may run it), lists the scores, the
locations (a ``cli-`` one is marked as left by a move or ban) and the other constraints. The
parsing is pure; the commands run through the runner like any read-only action.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence

from lxml import etree

from hatui.actions import commands as cmd
from hatui.actions.commands import Command, Danger, Tools
from hatui.actions.results import ActionResult

INFINITY = 1000000
_SCORE = re.compile(r"^(\w+): (\S+) allocation score on (\S+): (-?\d+)$")
_LOCATION = re.compile(r"^\+ '([^']+)': (\S+) = (\S+)")


def has_why(tools: Tools) -> bool:
    """True when the node's ``crm_resource`` has ``--why`` (Pacemaker >= 1.1.x; unknown: assumed)."""
    caps = getattr(tools, "caps", None)
    return bool(getattr(caps, "why", True))


def why_commands(resource: str, *, run_on: str, tools: Tools) -> tuple[Command, ...]:
    """``crm_resource --why -r R`` where it exists, else the three reads of Pacemaker 1.0."""
    if has_why(tools):
        return (cmd.why(resource, run_on=run_on, tools=tools),)
    r = cmd.checked("resource", resource)
    return (
        cmd.make(("ptest", "-L", "-s"), run_on, Danger.READ, "read the scheduler's scores", tools),
        cmd.make(("crm_resource", "-r", r, "-a"), run_on, Danger.READ, f"read the constraints of {r}", tools),
        cmd.make(("cibadmin", "-Q", "-o", "constraints"), run_on, Danger.READ, "read the constraints", tools),
    )


def why_sections(result: ActionResult) -> tuple[tuple[str, str], ...]:
    """(title, text) blocks for people: the answer first, then each command's own output."""
    raw = tuple((shlex.join(_unsudo(r.argv)), r.stdout) for _, r in result.results)
    if not _is_v10(result):
        return raw or (("crm_resource --why", result.outcome),)
    return (("why (from Pacemaker 1.0's scores and constraints)", answer_text(result)), *raw)


def answer_text(result: ActionResult) -> str:
    """The text a read-only action answers with: the composed answer on 1.0, else the output as is."""
    if not _is_v10(result):
        return result.output
    outputs = {_unsudo(r.argv)[0]: r.stdout for _, r in result.results}
    return compose_why(
        result.plan.target,
        scores=outputs.get("ptest", ""),
        locations=outputs.get("crm_resource", ""),
        constraints=outputs.get("cibadmin", ""),
    )


def compose_why(resource: str, *, scores: str, locations: str, constraints: str) -> str:
    """The answer of Pacemaker 1.0 for ``resource``, from the three outputs. Pure."""
    mine = parse_scores(scores, resource)
    lines = [verdict(resource, mine)]
    if mine:
        lines.append("allocation scores (ptest -L -s):")
        lines += [f"  {node}: {_score(s)}" for node, s in mine.items()]
    locs = parse_locations(locations)
    if locs:
        lines.append(f"location constraints of {resource} (crm_resource -a):")
        for cid, node, score in locs:
            left = "  (left by a move or ban: crm_resource -U removes it)" if cid.startswith("cli-") else ""
            lines.append(f"  {cid}: {node} = {score}{left}")
    ties = related_constraints(constraints, resource)
    if ties:
        lines.append("other constraints:")
        lines += [f"  {t}" for t in ties]
    return "\n".join(lines) + "\n"


def parse_scores(text: str, resource: str) -> dict[str, int]:
    """``resource``'s final allocation score per node (the last ``*_color`` line of each node wins)."""
    out: dict[str, int] = {}
    for line in text.splitlines():
        m = _SCORE.match(line.strip())
        if m and m.group(2) == resource:
            out[m.group(3)] = int(m.group(4))
    return out


def verdict(resource: str, scores: dict[str, int]) -> str:
    """One sentence: where the scores send ``resource``, or that no node may run it."""
    if not scores:
        return f"{resource}: the scheduler printed no score for it (not a primitive, or unknown)"
    allowed = {n: s for n, s in scores.items() if s >= 0}
    banned = sorted(n for n, s in scores.items() if s <= -INFINITY)
    tail = f"; forbidden on {', '.join(banned)}" if banned else ""
    if not allowed:
        return f"{resource} may run nowhere: every node scores below 0{tail}"
    best = max(allowed.values())
    top = sorted(n for n, s in allowed.items() if s == best)
    return f"{resource}: highest score on {', '.join(top)} ({_score(best)}){tail}"


def parse_locations(text: str) -> list[tuple[str, str, str]]:
    """``crm_resource -a``'s ``+ 'id': node = score`` lines as (id, node, score)."""
    return [m.groups() for line in text.splitlines() if (m := _LOCATION.match(line.strip()))]  # type: ignore[misc]


def related_constraints(xml: str, resource: str) -> list[str]:
    """The colocations and orders naming ``resource`` in a constraints section, one line each."""
    try:
        root = etree.fromstring(xml.encode("utf-8"), etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError:
        return []
    out = []
    for c in root.iter("rsc_colocation", "rsc_order"):
        get = c.get
        if c.tag == "rsc_colocation" and resource in (get("rsc"), get("with-rsc")):
            role = f" ({get('with-rsc-role')})" if get("with-rsc-role") else ""
            out.append(f"colocation {get('id')}: {get('rsc')} with {get('with-rsc')}{role}, {get('score')}")
        elif c.tag == "rsc_order" and resource in (get("first"), get("then")):
            first = f"{get('first')} {get('first-action') or 'start'}"
            then = f"{get('then')} {get('then-action') or 'start'}"
            out.append(f"order {get('id')}: {first} then {then}, {get('score') or 'INFINITY'}")
    return out


def _score(value: int) -> str:
    if value >= INFINITY:
        return "INFINITY"
    return "-INFINITY" if value <= -INFINITY else str(value)


def _unsudo(argv: Sequence[str]) -> tuple[str, ...]:
    items = tuple(argv)
    return items[2:] if items[:2] == ("sudo", "-n") else items


def _is_v10(result: ActionResult) -> bool:
    return any(_unsudo(r.argv)[:2] == ("ptest", "-L") for _, r in result.results)
