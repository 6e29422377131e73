"""Provides ``expect``: the preview (Pacemaker's scheduler on a copy of the live CIB) becomes the
plan's expectation, once it is known and before anything runs.

A standby waits for what the scheduler predicts: a resource it will stop is waited for as stopped
and its stop is the predicted outcome, not a failure after a 300 s wait for it to run elsewhere.
A move whose second phase (clearing hatui's constraints) would move the resource again is refused:
it would move twice, two outages for a VM. The refusal offers the alternative, a pinned move.
``surprises`` are the predicted outcomes the admin did not ask for, for the confirmation to lead with.
"""

from __future__ import annotations

from hatui.actions.move import plan_move
from hatui.actions.plan import Plan, Request
from hatui.actions.plans import ActionContext, standby_plan
from hatui.actions.preview import Preview, PreviewStage, SimAction
from hatui.errors import ActionRefused

_PLACES = ("start", "move", "migrate", "promote")


class MovesAgain(ActionRefused):
    """The move would be undone by the cluster once hatui clears its constraints."""

    def __init__(self, resource: str, target: str, lines: list[str]) -> None:
        super().__init__(
            f"once hatui clears its constraints the preview says: {'; '.join(lines)}: "
            f"{resource} would move twice. The alternative: keep the preference (a pinned move to {target})"
        )
        self.resource = resource
        self.target = target


def stopped_by(stage: PreviewStage) -> list[str]:
    """Primitives the stage stops and starts nowhere (clone instances count by their primitive)."""
    placed = {a.primitive for a in stage.actions if a.action in _PLACES}
    out: list[str] = []
    for a in stage.actions:
        if a.action == "stop" and a.primitive not in placed and a.primitive not in out:
            out.append(a.primitive)
    return out


def surprises(plan: Plan, preview: Preview) -> list[str]:
    """What the preview predicts that the action does not ask for: resources that will stop."""
    if not preview.stages:
        return []
    asked = {plan.target}
    stops = [r for st in preview.stages for r in stopped_by(st) if r not in asked]
    return [f"will STOP: {', '.join(dict.fromkeys(stops))}"] if stops else []


def expect(ctx: ActionContext, plan: Plan, preview: Preview) -> Plan:
    """``plan`` with the preview as its expectation (the same plan when there is nothing to add).

    Raises:
        ActionRefused: a move the cluster would undo (``MovesAgain``).
    """
    if not preview.stages:
        return plan
    # Plans say what they expect in their meta: a standby its stops, a move its target.
    if "stops" in plan.meta:
        expected = set(filter(None, plan.meta.get("stops", "").split(",")))
        new = frozenset(stopped_by(preview.stages[0])) - expected
        if not new:
            return plan
        return standby_plan(ctx, Request("standby", plan.target), also_stops=new)
    if "to" in plan.meta and plan.moves and len(preview.stages) > 1:
        target = plan.meta.get("to", "?")
        mine = [a.describe() for a in preview.stages[1].actions if _takes_off(a, plan.target, target)]
        if mine and plan.meta.get("pinned") != "yes":
            raise MovesAgain(plan.target, target, mine)
    return plan


def _takes_off(a: SimAction, resource: str, node: str) -> bool:
    """True when ``a`` moves or stops ``resource`` away from ``node`` (where the move put it).

    Only that is evidence of a second move. A later phase that *starts* the resource somewhere says
    the simulated first phase did not end with it on ``node`` (the scheduler's copy knows nothing of
    what DRBD's agent does to promotion scores as the disk changes hands): inconclusive, not a refusal.
    """
    if a.primitive != resource:
        return False
    if a.action in ("move", "migrate"):
        return a.source == node
    return a.action == "stop" and (a.node or a.source) == node


def pinned_alternative(ctx: ActionContext, refused: MovesAgain) -> Plan:
    """The pinned move offered instead of a refused one."""
    return plan_move(ctx, refused.resource, refused.target, pinned=True)
