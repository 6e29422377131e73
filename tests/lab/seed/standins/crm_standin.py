#!/usr/bin/python3
"""Provides the seed lab's ``crm``: the crm shell of Pacemaker 1.0.9 (Python 2 there), one-shot mode.

Each command runs the real 1.0.9 tool the shell runs (shell/modules/ui.py.in of Pacemaker-1.0.9):
``status [bynode|inactive|ops|timing|failcounts]`` is ``crm_mon -1`` plus a flag; ``resource``
``status|show|list``, ``start``/``stop`` (target-role on the topmost parent, ``set_deep_meta_attr``),
``restart`` (stop then start, no wait), ``promote``/``demote``, ``manage``/``unmanage``,
``migrate|move R [N] [LIFETIME]`` (``crm_resource -M -r R --node=N --lifetime=L``: no force),
``unmigrate|unmove``, ``cleanup R [N]`` (every node when N is left out; R:0..R:clone-max-1 for a
clone), ``failcount``/``param``/``meta R set|delete|show ...``, ``refresh``/``reprobe [N]``;
``node standby [N] [reboot|forever]`` / ``online [N]`` (``crm_standby -v on|off``). The
``configure`` level offers only ``location ID R SCORE: NODE``, ``property NAME=VALUE...`` and
``delete ID...``, written with cibadmin / crm_attribute (the real shell edits the CIB as a whole
and commits it on exit: the resulting CIB elements are the same). Words the 1.0.9 shell does not
know (``ban``, ``clear``, ``maintenance``...) fail as it fails: ``ERROR: syntax: ...``, exit 1;
a wrong argument count prints the command's usage line, exit 1. Valid 1.0.9 commands this
stand-in leaves out say so and exit 1.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable

STATUS_OPTS = {"bynode": "-n", "inactive": "-r", "ops": "-o", "timing": "-t", "failcounts": "-f"}
SCORE = re.compile(r"^[+-]?(inf|infinity|INFINITY|[0-9]+)$")


def err(message: str) -> bool:
    sys.stderr.write(f"ERROR: {message}\n")
    return False


def ext(*argv: str) -> bool:
    return subprocess.run(argv).returncode == 0


def cib(scope: str) -> ET.Element:
    out = subprocess.run(["cibadmin", "-Q", "-o", scope], capture_output=True, text=True)
    return ET.fromstring(out.stdout) if out.returncode == 0 and out.stdout.strip() else ET.Element(scope)


def node_names() -> list[str]:
    return [n.get("uname", "") for n in cib("nodes").iter("node")]


def topmost(rsc: str) -> tuple[str, ET.Element | None]:
    """The id whose meta attribute the shell sets for ``rsc``: its topmost parent (a grouped
    primitive keeps its own)."""
    root = cib("resources")
    parents = {child: parent for parent in root.iter() for child in parent}
    node = next((e for e in root.iter() if e.get("id") == rsc), None)
    if node is None:
        return rsc, None
    if node.tag == "primitive" and parents.get(node) is not None and parents[node].tag == "group":
        return rsc, node
    while parents.get(node) is not None and parents[node] is not root:
        node = parents[node]
    return node.get("id", rsc), node


def sane(*names: str) -> bool:
    bad = next((n for n in names if "'" in n), None)
    return err(f"{bad}: bad name") if bad is not None else True


# -- resource --------------------------------------------------------------------------------------


def rsc_status(rsc: str | None = None) -> bool:
    return ext("crm_resource", "-W", "-r", rsc) if rsc else ext("crm_resource", "-L")


def set_deep_meta(attr: str, value: str, rsc: str) -> bool:
    top, node = topmost(rsc)
    if node is None:
        return err(f"resource {rsc} does not exist")
    return ext("crm_resource", "--meta", "-r", top, "-p", attr, "-v", value)


def role(value: str) -> Callable[[str], bool]:
    return lambda rsc: set_deep_meta("target-role", value, rsc)


def managed(value: str) -> Callable[[str], bool]:
    return lambda rsc: set_deep_meta("is-managed", value, rsc)


def set_role(value: str) -> Callable[[str], bool]:
    """``promote``/``demote`` set the role on the resource itself (``rsc_setrole``)."""
    return lambda rsc: ext("crm_resource", "--meta", "-r", rsc, "-p", "target-role", "-v", value)


def restart(rsc: str) -> bool:
    return role("Stopped")(rsc) and role("Started")(rsc)


def on_node(flag: str) -> Callable[..., bool]:
    return lambda node=None: ext("crm_resource", flag, *(["-H", node] if node else []))


def migrate(rsc: str, *args: str) -> bool:
    node = lifetime = None
    if len(args) == 1:
        node, lifetime = (args[0], None) if args[0] in node_names() else (None, args[0])
    elif len(args) == 2:
        node, lifetime = args
    opts = ([f"--node={node}"] if node else []) + ([f"--lifetime={lifetime}"] if lifetime else [])
    return sane(rsc, *args) and ext("crm_resource", "-M", "-r", rsc, *opts)


def cleanup(rsc: str, node: str | None = None) -> bool:
    nodes = [node] if node else node_names()
    _, el = topmost(rsc)
    names = [rsc]
    if el is not None and el.get("id") == rsc and el.tag in ("clone", "master"):
        base = next((c.get("id") for c in el if c.tag in ("primitive", "group")), rsc)
        meta = {nv.get("name"): nv.get("value") for nv in el.iter("nvpair")}
        count = int(meta.get("clone-max") or len(node_names()))
        names = [f"{base}:{i}" for i in range(count)]
    results = [ext("crm_resource", "-C", "-r", r, "-H", n) for n in nodes for r in names]
    return all(results)


def attr_cmd(table: dict[str, list[str]], usage: str) -> Callable[..., bool]:
    def run(rsc: str, op: str, *rest: str) -> bool:
        want = 2 if op == "set" else 1
        if op not in table or len(rest) != want:
            return err(f"bad usage: {usage} {' '.join((rsc, op, *rest))}")
        return sane(rsc, *rest) and ext(*[a.format(rsc, *rest) for a in table[op]])

    return run


RESOURCE: dict[str, tuple[Callable[..., bool], int, int, str]] = {
    "status": (rsc_status, 0, 1, "usage: status [<rsc>]"),
    "start": (role("Started"), 1, 1, "usage: start <rsc>"),
    "stop": (role("Stopped"), 1, 1, "usage: stop <rsc>"),
    "restart": (restart, 1, 1, "usage: restart <rsc>"),
    "promote": (set_role("Master"), 1, 1, "usage: promote <rsc>"),
    "demote": (set_role("Slave"), 1, 1, "usage: demote <rsc>"),
    "manage": (managed("true"), 1, 1, "usage: manage <rsc>"),
    "unmanage": (managed("false"), 1, 1, "usage: unmanage <rsc>"),
    "migrate": (migrate, 1, 3, "usage: migrate <rsc> [<node>] [<lifetime>]"),
    "unmigrate": (lambda r: sane(r) and ext("crm_resource", "-U", "-r", r), 1, 1, "usage: unmigrate <rsc>"),
    "failcount": (attr_cmd({"set": ["crm_failcount", "-r", "{0}", "-N", "{1}", "-v", "{2}"],
                            "delete": ["crm_failcount", "-r", "{0}", "-N", "{1}", "-D"],
                            "show": ["crm_failcount", "-r", "{0}", "-N", "{1}", "-G"]}, "failcount"), 3, 4,
                  "usage:\n        failcount <rsc> set <node> <value>\n"
                  "        failcount <rsc> delete <node>\n        failcount <rsc> show <node>"),
    "param": (attr_cmd({"set": ["crm_resource", "-r", "{0}", "-p", "{1}", "-v", "{2}"],
                        "delete": ["crm_resource", "-r", "{0}", "-d", "{1}"],
                        "show": ["crm_resource", "-r", "{0}", "-g", "{1}"]}, "param"), 3, 4,
              "usage:\n        param <rsc> set <param> <value>\n        param <rsc> delete <param>\n"
              "        param <rsc> show <param>"),
    "meta": (attr_cmd({"set": ["crm_resource", "--meta", "-r", "{0}", "-p", "{1}", "-v", "{2}"],
                       "delete": ["crm_resource", "--meta", "-r", "{0}", "-d", "{1}"],
                       "show": ["crm_resource", "--meta", "-r", "{0}", "-g", "{1}"]}, "meta"), 3, 4,
             "usage:\n        meta <rsc> set <attr> <value>\n        meta <rsc> delete <attr>\n"
             "        meta <rsc> show <attr>"),
    "cleanup": (cleanup, 1, 2, "usage: cleanup <rsc> [<node>]"),
    "refresh": (on_node("-R"), 0, 1, "usage: refresh [<node>]"),
    "reprobe": (on_node("-P"), 0, 1, "usage: reprobe [<node>]"),
}  # fmt: skip
RESOURCE_ALIASES = {"show": "status", "list": "status", "move": "migrate", "unmove": "unmigrate"}


# -- node ------------------------------------------------------------------------------------------


def standby(*args: str) -> bool:
    here = os.uname().nodename
    node, lifetime = here, None
    if len(args) == 1:
        node, lifetime = (args[0], None) if args[0] in node_names() else (here, args[0])
    elif len(args) == 2:
        node, lifetime = args
    if lifetime not in (None, "reboot", "forever"):
        return err(f"bad lifetime: {lifetime}")
    opts = [f"--lifetime={lifetime}"] if lifetime else []
    return sane(node) and ext("crm_standby", "-N", node, "-v", "on", *opts)


def online(node: str | None = None) -> bool:
    node = node or os.uname().nodename
    return sane(node) and ext("crm_standby", "-N", node, "-v", "off")


NODE: dict[str, tuple[Callable[..., bool], int, int, str]] = {
    "standby": (standby, 0, 2, "usage: standby [<node>] [<lifetime>]"),
    "online": (online, 0, 1, "usage: online [<node>]"),
}


# -- configure (the three commands the stand-in offers) ----------------------------------------------


def location(cid: str, rsc: str, score: str, *rest: str) -> bool:
    if not score.endswith(":") or not SCORE.match(score[:-1]) or len(rest) != 1:
        words = " ".join((cid, rsc, score, *rest))
        return err(f"syntax in location: {words} (this stand-in: location ID R SCORE: NODE)")
    value = score[:-1].replace("infinity", "INFINITY").replace("inf", "INFINITY")
    if any(e.get("id") == cid for e in cib("configuration").iter()):
        return err(f"{cid}: id is already in use")
    xml = f'<rsc_location id="{cid}" rsc="{rsc}" score="{value}" node="{rest[0]}"/>'
    return sane(cid, rsc, rest[0]) and ext("cibadmin", "-C", "-o", "constraints", "-X", xml)


def prop(*pairs: str) -> bool:
    for pair in pairs:
        name, eq, value = pair.partition("=")
        if not eq or not name:
            return err(f"syntax in property: {pair}")
        if not ext("crm_attribute", "-t", "crm_config", "-n", name, "-v", value):
            return False
    return True


def delete(*ids: str) -> bool:
    root = cib("configuration")
    for cid in ids:
        el = next((e for e in root.iter() if e.get("id") == cid), None)
        if el is None:
            return err(f"object {cid} does not exist")
        scope = "constraints" if el.tag.startswith("rsc_") else "resources"
        if not ext("cibadmin", "-D", "-o", scope, "-X", f'<{el.tag} id="{cid}"/>'):
            return False
    return True


CONFIGURE: dict[str, tuple[Callable[..., bool], int, int, str]] = {
    "location": (location, 2, 99, "usage: location <id> <rsc> <score>: <node>"),
    "property": (prop, 1, 99, "usage: property [$id=<set_id>] <option>=<value>"),
    "delete": (delete, 1, 99, "usage: delete <id> [<id>...]"),
}
LEVELS = {
    "resource": (RESOURCE, RESOURCE_ALIASES),
    "node": (NODE, {"list": "show"}),
    "configure": (CONFIGURE, {}),
}
#: Valid 1.0.9 words this stand-in does not implement (they fail with a message saying so).
NOT_HERE = {
    "resource": set(),
    "node": {"status", "show", "list", "fence", "delete", "attribute", "status-attr"},
    "configure": {"show", "edit", "rename", "verify", "ptest", "commit", "upgrade", "erase", "save",
                  "load", "primitive", "group", "clone", "ms", "master", "colocation", "collocation",
                  "order", "rsc_defaults", "op_defaults", "xml", "monitor", "ra", "cib", "cibstatus",
                  "template", "node", "refresh"},
    "": {"cib", "options", "ra", "help"},
}  # fmt: skip


def status(*args: str) -> bool:
    flags = []
    for word in args:
        if word not in STATUS_OPTS:
            return err(f"syntax in status near <{word}>")
        flags.append(STATUS_OPTS[word])
    return ext("crm_mon", "-1", *flags)


def main(argv: list[str]) -> int:
    if not argv:
        return int(not err("seed lab: the crm stand-in runs one-shot commands only (crm LEVEL COMMAND ...)"))
    if argv[0] == "status":
        if len(argv) > 6:
            sys.stderr.write("usage: status [<option> ...]\n")
            return 1
        return 0 if status(*argv[1:]) else 1
    level = LEVELS.get(argv[0])
    if level is None or len(argv) < 2:
        if argv[0] in NOT_HERE[""] or (level is not None and len(argv) < 2):
            return int(not err(f"seed lab: interactive or '{argv[0]}' use is not in this stand-in"))
        return int(not err(f"syntax: {' '.join(argv)}"))
    table, aliases = level
    word = aliases.get(argv[1], argv[1])
    if word not in table:
        if word in NOT_HERE[argv[0]]:
            return int(not err(f"seed lab: '{argv[0]} {argv[1]}' is valid in 1.0.9 but not in this stand-in"))
        return int(not err(f"syntax: {' '.join(argv[1:])}"))
    func, least, most, usage = table[word]
    args = argv[2:]
    if not least <= len(args) <= most:
        sys.stderr.write(usage + "\n")
        return 1
    return 0 if func(*args) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
