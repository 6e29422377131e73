"""Provides the plan of the ring re-enable: ``corosync-cfgtool -r`` after a redundant ring failed.

Corosync 1.x marks a ring FAULTY ("Marking ringid 1 interface ... FAULTY - adminisrtative
intervention required.") and, with ``rrp_mode`` passive or active, never takes it back by itself:
once the network is repaired, ``corosync-cfgtool -r`` resets the ring state cluster-wide. It is
planned only when the node's last ``corosync-cfgtool -s`` shows a FAULTY ring, and is done when that
node shows none. It changes no CIB, so it needs neither quorum nor a Pacemaker picture: a cluster
that lost a ring is exactly when the admin may need it.
"""

from __future__ import annotations

from hatui.actions import commands as cmd
from hatui.actions import safety
from hatui.actions.plan import Phase, Plan, Request, Wait
from hatui.actions.plans import ActionContext
from hatui.actions.settle import Check
from hatui.errors import ActionRefused
from hatui.model.view import ClusterView
from hatui.model.words import LinkStatus

RING_TIMEOUT_S = 30.0


def faulty_rings(view: ClusterView, node: str) -> list[str]:
    """The ids of the rings ``node`` last showed FAULTY (``ring 1``), empty when none or not known."""
    report = view.report(node)
    rings = report.rings if report is not None else None
    if rings is None:
        return []
    return [f"ring {link.id}" for link in rings.links if link.status is LinkStatus.FAULTY]


def no_faulty_ring(node: str) -> Check:
    """``node``'s ``corosync-cfgtool -s`` shows no FAULTY ring (and was read)."""

    def check(view: ClusterView) -> str | None:
        report = view.report(node)
        if report is None or report.rings is None:
            return f"no ring status from {node}"
        left = faulty_rings(view, node)
        return f"{', '.join(left)} still FAULTY on {node}" if left else None

    return check


def plan_ring_reenable(ctx: ActionContext, req: Request) -> Plan:
    """``corosync-cfgtool -r`` on ``req.name``, when that node shows a FAULTY ring.

    Raises:
        ActionRefused: read-only or monitor mode, no ring status from the node, no FAULTY ring.
    """
    ctx.guard_write()
    node = req.name
    report = ctx.view.report(node)
    if report is None or report.rings is None:
        raise ActionRefused(f"no corosync-cfgtool status from {node}: nothing says a ring is FAULTY")
    faulty = faulty_rings(ctx.view, node)
    if not faulty:
        raise ActionRefused(f"{node} shows no FAULTY ring: nothing to re-enable")
    command = cmd.ring_reenable(run_on=node, tools=ctx.tools(node))
    wait = Wait(f"no FAULTY ring on {node}", no_faulty_ring(node), RING_TIMEOUT_S)
    return Plan(
        req.action,
        f"Re-enable {', '.join(faulty)} (FAULTY on {node}) cluster-wide?",
        node,
        "node",
        (Phase(command.summary, (command,), (wait,)),),
        concerns=tuple(safety.freshness(ctx.view, [node])),
        pacemaker=False,
        done=f"no FAULTY ring on {node}",
        notes=("Repair the network first: a ring re-enabled on a broken link is marked FAULTY again.",),
    )
