"""Provides the seed demo's Pacemaker 1.0.9 programs, by name (the dispatcher's table for ``seed``).

``crm_node`` (tools/ccm_epoche.c over openais) lives here: ``-q`` prints 1 or 0, ``-l`` one
``id uname state`` line per known node then a blank line, ``-p`` the partition's names, ``-i`` the
local id (corosync 1.x numbers nodes by their ring 0 address).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hatui.demo.cmd_hosts import node_id_1x
from hatui.demo.commands import Handler, Outcome
from hatui.demo.seed_attrs import cibadmin10, crm_attribute10, crm_failcount10, crm_standby10
from hatui.demo.seed_crm import crm10
from hatui.demo.seed_mon import crm_mon10
from hatui.demo.seed_opts import help_or_version, parse10
from hatui.demo.seed_ptest import ptest10
from hatui.demo.seed_resource import crm_resource10

if TYPE_CHECKING:
    from hatui.demo.cluster import DemoCluster


def crm_node10(c: DemoCluster, node: str, args: tuple[str, ...], stdin: str | None) -> Outcome:
    """``crm_node -q|-l|-p|-i`` of 1.0.9 on openais."""
    opts, error = parse10("crm_node", args)
    if error is not None:
        return error
    answer = help_or_version("crm_node", opts)
    if answer is not None:
        return answer
    if not c.pcmk_online(node):
        return Outcome(1, "", "Could not connect to the cluster\n")
    ids = {n.name: node_id_1x(n.ring0) for n in c.topo.nodes}
    if "quorum" in opts:
        return Outcome(0, "1\n" if c.quorate() else "0\n")
    if "list" in opts:
        rows = "".join(f"{ids[n]} {n} {'member' if c.pcmk_online(n) else 'lost'}\n" for n in ids)
        return Outcome(0, rows + "\n")
    if "partition" in opts:
        return Outcome(0, "".join(f"{n} " for n in c.members()) + "\n")
    if "cluster-id" in opts:
        return Outcome(0, f"{ids[node]}\n")
    return Outcome(1, "", "crm_node: the demo cluster answers -q, -l, -p and -i\n")


HANDLERS: dict[str, Handler] = {
    "crm_mon": crm_mon10,
    "crm_resource": crm_resource10,
    "crm_attribute": crm_attribute10,
    "crm_standby": crm_standby10,
    "crm_failcount": crm_failcount10,
    "cibadmin": cibadmin10,
    "ptest": ptest10,
    "crm": crm10,
    "crm_node": crm_node10,
}
