"""Provides the seed demo's ``crm``: the crm shell inside Pacemaker 1.0.9, its grammar only.

The 1.0.9 shell (shell/modules/ui.py.in) is a thin layer over the raw tools: ``node standby`` is
``crm_standby -N N -v on``, ``resource migrate R [N] [LIFETIME]`` is ``crm_resource -M`` (no force
word), ``resource cleanup R [N]`` runs ``crm_resource -C -r R:i -H N`` for every instance and node,
``resource start/stop`` set ``target-role``, ``resource failcount R delete N`` is ``crm_failcount``.
What the tools print passes through; a word the grammar does not know is ``ERROR: syntax: ...`` on
stderr and exit status 1 (so ``crm node maintenance``, ``crm resource ban`` and ``clear`` fail here).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from hatui.demo.commands import Outcome
from hatui.demo.seed_attrs import attribute, cibadmin10, crm_failcount10, crm_standby10
from hatui.demo.seed_mon import crm_mon10
from hatui.demo.seed_resource import crm_resource10
from hatui.demo.view import resources

if TYPE_CHECKING:
    from hatui.demo.cluster import DemoCluster

#: Every command of the 1.0.9 grammar per level (levels.py / ui.py.in); others are syntax errors.
GRAMMAR = {
    "node": ("status", "show", "standby", "online", "fence", "delete", "attribute", "status-attr"),
    "resource": (
        "status", "show", "list", "start", "stop", "restart", "promote", "demote", "manage",
        "unmanage", "migrate", "move", "unmigrate", "unmove", "param", "meta", "failcount",
        "cleanup", "refresh", "reprobe",
    ),
    "configure": (
        "show", "edit", "delete", "rename", "verify", "ptest", "commit", "upgrade", "erase", "save",
        "load", "primitive", "group", "clone", "ms", "location", "colocation", "order", "property",
        "rsc_defaults", "op_defaults", "xml", "monitor", "template", "cib", "cibstatus",
    ),
}  # fmt: skip


def _syntax(words: list[str]) -> Outcome:
    return Outcome(1, "", f"ERROR: syntax: {' '.join(words)}\n")


def _joined(*results: Outcome) -> Outcome:
    status = 0 if all(r.status == 0 for r in results) else 1
    return Outcome(status, "".join(r.stdout for r in results), "".join(r.stderr for r in results))


def crm10(c: DemoCluster, node: str, args: tuple[str, ...], stdin: str | None) -> Outcome:
    """``crm LEVEL COMMAND ARGS...`` (one-shot mode) and ``crm status``."""
    words = [a for a in args if a not in ("-w", "--wait")]
    if not words:
        return Outcome(1, "", "crm: the demo cluster runs one-shot commands (crm LEVEL COMMAND ...)\n")
    if words[0] == "status":
        # status [bynode|inactive|ops|timing|failcounts] adds -n, -r, -o, -t or -f (ui.py.in).
        flags = {"bynode": "-n", "inactive": "-r", "ops": "-o", "timing": "-t", "failcounts": "-f"}
        if any(w not in flags for w in words[1:]):
            return _syntax(words[1:])
        return crm_mon10(c, node, ("-1", *(flags[w] for w in words[1:])), None)
    if words[0] not in GRAMMAR:
        return _syntax(words)
    if len(words) < 2 or words[1] not in GRAMMAR[words[0]]:
        return _syntax(words[1:] or words)
    level, cmd, rest = words[0], words[1], words[2:]
    if level == "node":
        return _node(c, node, cmd, rest)
    if level == "resource":
        return _resource(c, node, cmd, rest)
    return _configure(c, node, cmd, rest)


def _node(c: DemoCluster, here: str, cmd: str, rest: list[str]) -> Outcome:
    if cmd in ("standby", "online"):
        target = rest[0] if rest and rest[0] in c.nodes else here
        lifetime = [w for w in rest if w in ("reboot", "forever")]
        extra = ("-l", lifetime[0]) if lifetime else ()
        res = crm_standby10(c, here, ("-N", target, "-v", "on" if cmd == "standby" else "off", *extra), None)
        return Outcome(0 if res.status == 0 else 1, res.stdout, res.stderr)
    return Outcome(1, "", f"ERROR: demo cluster: crm node {cmd}: not simulated\n")


def _resource(c: DemoCluster, here: str, cmd: str, rest: list[str]) -> Outcome:
    if not rest:
        return Outcome(1, "", f"usage: {cmd} <rsc>\n")
    rsc = rest[0]
    res: Outcome
    if cmd in ("start", "stop"):
        role = "Started" if cmd == "start" else "Stopped"
        res = crm_resource10(c, here, ("--meta", "-r", rsc, "-p", "target-role", "-v", role), None)
    elif cmd == "restart":
        # Stop then start, with no wait in between (ui.py.in lines 801-807).
        res = _joined(_resource(c, here, "stop", rest), _resource(c, here, "start", rest))
    elif cmd in ("migrate", "move"):
        opts: tuple[str, ...] = ()
        for word in rest[1:3]:
            opts += ("--node", word) if word in c.nodes else ("--lifetime", word)
        res = crm_resource10(c, here, ("-M", "-r", rsc, *opts), None)
    elif cmd in ("unmigrate", "unmove"):
        res = crm_resource10(c, here, ("-U", "-r", rsc), None)
    elif cmd == "cleanup":
        res = _cleanup(c, here, rsc, rest[1:2])
    elif cmd == "failcount" and len(rest) == 3 and rest[1] in ("delete", "show"):
        flag = "-D" if rest[1] == "delete" else "-G"
        res = crm_failcount10(c, here, ("-r", rsc, "-N", rest[2], flag), None)
    elif cmd == "meta" and len(rest) >= 3 and rest[1] in ("set", "delete", "show"):
        flag = {"set": "-p", "delete": "-d", "show": "-g"}[rest[1]]
        value = ("-v", rest[3]) if rest[1] == "set" and len(rest) == 4 else ()
        res = crm_resource10(c, here, ("--meta", "-r", rsc, flag, rest[2], *value), None)
    elif cmd in ("status", "show", "list"):
        res = crm_resource10(c, here, ("-W", "-r", rsc), None)
    else:
        return Outcome(1, "", f"ERROR: demo cluster: crm resource {cmd}: not simulated\n")
    return Outcome(0 if res.status == 0 else 1, res.stdout, res.stderr)


def _cleanup(c: DemoCluster, here: str, rsc: str, node: list[str]) -> Outcome:
    nodes = node or [n.name for n in c.topo.nodes]
    r = next((d for d in resources(c) if d.id == rsc), None)
    names = [f"{r.primitive}:{i}" for i in range(2)] if r is not None and r.clone else [rsc]
    return _joined(
        *(crm_resource10(c, here, ("-C", "-r", name, "-H", n), None) for n in nodes for name in names)
    )


_LOCATION = re.compile(r"^(?P<score>-?inf|[-+]?\d+|-?INFINITY):$", re.IGNORECASE)


def _configure(c: DemoCluster, here: str, cmd: str, rest: list[str]) -> Outcome:
    if cmd == "property" and rest and all("=" in w for w in rest):
        for word in rest:
            name, _, value = word.partition("=")
            res = attribute(c, here, {"name": name, "update": value.strip("\"'"), "type": "crm_config"})
            if res.status != 0:
                return Outcome(1, res.stdout, res.stderr)
        return Outcome(0)
    if cmd == "location" and len(rest) == 4:
        cid, rsc, score, target = rest
        m = _LOCATION.match(score)
        if m is None:
            return _syntax([cmd, *rest])
        value = m.group("score").upper().replace("INF", "INFINITY").replace("INFINITYINITY", "INFINITY")
        xml = f'<rsc_location id="{cid}" rsc="{rsc}" node="{target}" score="{value}"/>'
        res = cibadmin10(c, here, ("-C", "-o", "constraints", "-X", xml), None)
        return Outcome(0 if res.status == 0 else 1, "", res.stderr)
    if cmd == "delete" and len(rest) == 1:
        if not any(k.id == rest[0] for k in c.cib.constraints):
            return Outcome(1, "", f"ERROR: object {rest[0]} does not exist\n")
        res = cibadmin10(c, here, ("-D", "-o", "constraints", "-X", f'<rsc_location id="{rest[0]}"/>'), None)
        return Outcome(0 if res.status == 0 else 1, "", res.stderr)
    return Outcome(1, "", f"ERROR: demo cluster: crm configure {cmd}: not simulated\n")
