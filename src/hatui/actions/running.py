"""Provides ``Running``: one action the runner is running now, as the actions panel shows it.

The runner keeps one per action between its start and its end: what runs on which target, the step
(phase) it is in, the command it runs or what it waits for, how long it has run and its time limit.
The panel cancels through it (``Runner.cancel``), and the quit question asks ``leaves_behind`` what
a cancel would leave in the cluster.

One action per target: two actions whose targets or moved resources meet never run at once
(``conflict``), because the second would clear or fight what the first one steers with. Unrelated
actions run side by side.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from hatui.actions.plan import Plan


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

    @property
    def subjects(self) -> frozenset[str]:
        """What it acts on: its target and the resources it moves."""
        return frozenset((self.plan.target, *self.plan.moves)) - {""}

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


def conflict(running: list[Running], plan: Plan) -> str | None:
    """Why ``plan`` may not start while ``running`` run (one of them acts on its target), else None."""
    mine = frozenset((plan.target, *plan.moves)) - {""}
    cluster_wide = plan.target_kind == "cluster"
    for r in running:
        shared = mine & r.subjects
        if shared or cluster_wide or r.plan.target_kind == "cluster":
            what = ", ".join(sorted(shared)) or "the cluster"
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
    return f"{name}: not undone ({ran}); what it changed so far stays in the cluster"
