"""Provides the ``hatui do`` sub-command's options and the listing of its action ids (``--list``).

The ids are the catalog's (``hatui.actions.catalog.action_id``): what the keymap and the audit
log call an action, shortened where the binding id says more than a command line needs. Actions
that hand the terminal over (a VM console, a node shell) belong to the console and are not listed.
"""

from __future__ import annotations

import argparse
from typing import Any

_TARGETS = {
    "node": "NODE",
    "cluster": "(none)",
    "resource": "RESOURCE or VM",
    "vm": "VM",
    "drbd": "DRBD-RESOURCE --node NODE",
    "snapshot": "VG/LV --node NODE",
}

DESCRIPTION = """\
Run one console action from the command line, with the console's safety checks, commands, preview,
audit log and in-flight marker. The plan is printed first (warnings, then the commands, then what
Pacemaker's scheduler predicts); without --yes hatui asks on the terminal (the name typed where the
console asks for it) and refuses when standard input is not a terminal. A cluster configured
read-only refuses everything but --dry-run. --demo [seed|modern] acts on a fresh simulated cluster
made for this command alone (the demo lives inside each hatui process, so a running `hatui --demo`
does not see it).
"""

EPILOG = """\
exit codes: 0 done (or planned, with --dry-run), 1 refused (safety check, read-only, not confirmed),
2 ran and failed, 3 could not plan (bad input, unknown target, no node reachable).
examples: hatui do move sentinel --to vnode2 --dry-run; hatui do standby vnode3 --yes --format json;
          hatui do drbd-connect r0 --node vnode1; hatui do --list
"""


def add_do_parser(sub: Any, source: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Adds ``do`` to the sub-commands ``sub`` of the main parser (``source``: the shared options)."""
    p: argparse.ArgumentParser = sub.add_parser(
        "do",
        parents=[source],
        help="run one action from the command line (hatui do --list)",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("action", nargs="?", metavar="ACTION", help="action id (hatui do --list)")
    p.add_argument("target", nargs="?", metavar="TARGET", help="node, resource, VM or DRBD resource")
    p.add_argument("--to", metavar="NODE", help="where a move or migrate goes")
    p.add_argument(
        "--node",
        metavar="NODE",
        help="a DRBD device's node, the node a ban bans from, the split-brain victim, where a snapshot is",
    )
    p.add_argument("--dry-run", action="store_true", help="print the plan and run nothing")
    p.add_argument(
        "--yes",
        action="store_true",
        help="run without asking; a plan whose concerns need an override is still refused",
    )
    p.add_argument(
        "--format",
        dest="do_format",
        choices=("text", "json"),
        default="text",
        help="text (default) or the hatui.plan/1 JSON document",
    )
    p.add_argument("--list", dest="do_list", action="store_true", help="print the action ids and exit")
    return p


def listing() -> str:
    """``hatui do --list``: one line per action: id, target, what it does."""
    from hatui.actions.catalog import CATALOG, Ask, Flow, action_id  # not on every start of hatui

    def node_option(to_node: bool) -> str:
        return " --to NODE" if to_node else " --node NODE"

    rows = [
        (
            action_id(s),
            _TARGETS.get(s.kind, s.kind)
            + (node_option(s.to_node) if s.ask is Ask.NODE else "")
            + (" [--node NODE]" if s.node_optional else ""),
            s.description or s.label.format("…", "…"),
        )
        for s in CATALOG.values()
        if s.flow is not Flow.SESSION
    ]
    rows.append(("snapshots", "(none)", "List every LVM snapshot: node, vg/lv, origin, age, size, fill"))
    width = max(len(r[0]) for r in rows)
    twidth = max(len(r[1]) for r in rows)
    return "".join(f"{ident:<{width}}  {target:<{twidth}}  {text}\n" for ident, target, text in rows)
