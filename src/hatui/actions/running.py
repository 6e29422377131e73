"""Provides ``Running``: one action the runner is running now, as the actions panel shows it.

The runner keeps one per action between its start and its end: what runs on which target, the step
(phase) it is in, the command it runs or what it waits for, how long it has run and its time limit.
The panel cancels through it (``Runner.cancel``), and the quit question asks ``leaves_behind`` what
a cancel would leave in the cluster.

One action per target: two actions whose subjects meet never run at once (``conflict``), because
the second would clear or fight what the first one steers with. An action's subjects are its target
and the resources it moves, and, as far as the last view tells (``related_subjects``), a VM's DRBD
resources, the VMs on a DRBD resource, and the resources running on a node. Unrelated actions run
side by side.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from hatui.actions.plan import Plan
from hatui.model.view import ClusterView
from hatui.model.vms import disk_names_for, vm_rows


@dataclass(slots=True)
class Running:
    """An action between its start and its end (mutable: the runner updates its step)."""

    id: str
    plan: Plan
    started: float
    """Monotonic seconds when it started."""
    limit_s: float
    """The most it may take (every wait plus a margin per command)."""
    step: str = "starting"
    """``1/2 prefer vnode2``: the phase it is in."""
    doing: str = ""
    """The command it runs, or what it waits for and what is still missing."""
    task: asyncio.Task[object] | None = field(default=None, repr=False)
    cancel_reason: str | None = None
    """Why it was cancelled (``cancelled by the admin``), None while it is not."""
    resume: bool = False
    """True when a cancel ends the action with a result instead of cancelling its caller."""
    related: frozenset[str] = frozenset()
    """What else it acts on, from the view it was planned on (``related_subjects``)."""

    @property
    def subjects(self) -> frozenset[str]:
        """What it acts on: its target, the resources it moves, and what is related to them."""
        return plan_subjects(self.plan) | self.related

    def elapsed(self, now: float) -> float:
        """Seconds since it started."""
        return max(0.0, now - self.started)

    def describe(self, now: float) -> str:
        """One line for people: ``move_resource sentinel · 1/2 … · waiting … · 12s / 630s``."""
        parts = [f"{self.plan.action} {self.plan.target}".strip(), self.step]
        if self.doing:
            parts.append(self.doing)
        parts.append(f"{self.elapsed(now):.0f}s / {self.limit_s:.0f}s")
        if self.cancel_reason:
            parts.append("cancelling")
        return " · ".join(parts)


def plan_subjects(plan: Plan) -> frozenset[str]:
    """The plan's target and the resources it moves."""
    return frozenset((plan.target, *plan.moves)) - {""}


def related_subjects(plan: Plan, view: ClusterView | None) -> frozenset[str]:
    """What ``plan`` also acts on, as ``view`` tells: DRBD under a VM, VMs over a DRBD, a node's resources."""
    if view is None:
        return frozenset()
    mine = plan_subjects(plan)
    out: set[str] = set()
    for name in mine:
        out.update(disk_names_for(view, name))
    if plan.target_kind == "drbd":
        out.update(v.name for v in vm_rows(view) if plan.target in disk_names_for(view, v.name))
    status = view.pacemaker
    if plan.target_kind == "node" and status is not None:
        out.update(r.id for r in status.resources if plan.target in r.nodes)
    return frozenset(out - mine)


def conflict(running: list[Running], plan: Plan, related: frozenset[str] = frozenset()) -> str | None:
    """Why ``plan`` may not start while ``running`` run (one of them acts on its subjects), else None."""
    mine = plan_subjects(plan) | related
    cluster_wide = plan.target_kind == "cluster"
    for r in running:
        shared = mine & r.subjects
        if shared or cluster_wide or r.plan.target_kind == "cluster":
            # Name what both act on directly when they do (sentinel), else what ties them (a disk).
            direct = shared & plan_subjects(r.plan)
            what = ", ".join(sorted(direct or shared)) or "the cluster"
            return (
                f"{r.plan.action} is already running on {what} ({r.step}): one action per target; "
                "wait for it or cancel it in the actions panel (a)"
            )
    return None


def leaves_behind(r: Running) -> str:
    """What cancelling ``r`` now would leave in the cluster, for the quit question."""
    plan = r.plan
    name = f"{plan.action} {plan.target}".strip()
    if plan.steers:
        moved = ", ".join(plan.moves) or plan.target
        return (
            f"{name}: its constraints {', '.join(plan.steers)} are removed "
            f"(any left are reported); {moved} stays wherever Pacemaker has put it by then"
        )
    ran = "nothing has run yet" if r.step == "starting" else f"it is at {r.step}"
    if plan.finally_commands and plan.marker is None:  # a backup job: its snapshots go whatever happens
        return f"{name}: stopped ({ran}), then: {'; '.join(c.summary for c in plan.finally_commands)}"
    return f"{name}: not undone ({ran}); what it changed so far stays in the cluster"
