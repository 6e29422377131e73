"""Provides ``ActionSpec``: what the catalog says of one action, and the named safety checks.

A spec names the action's planner and the checks run before it (``ActionSpec.plan``), what must be
chosen first (``Ask``) and what the console does with the plan (``Flow``). The table of every
action is ``hatui.actions.catalog``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from hatui.actions import safety
from hatui.actions.plan import Plan, Request
from hatui.actions.plans import ActionContext, Planner
from hatui.errors import ActionRefused


class Flow(Enum):
    """What the console does with a plan."""

    CONFIRM = "confirm"
    """Confirmation with the commands and the preview, then the runner, then the outcome."""
    ANSWER = "answer"
    """A read: run it and show the answer (``why``)."""
    SESSION = "session"
    """Hand the terminal over (a console, a shell)."""


class Ask(Enum):
    """What must be chosen before the plan can be built."""

    NOTHING = "nothing"
    NODE = "node"
    """A node (``Request.node``) when the request has none: where to move, what to ban from."""
    VICTIM = "victim"
    """The split-brain side whose changes are thrown away (``Request.victim``)."""


@dataclass(frozen=True, slots=True)
class SafetyCheck:
    """A precondition shared by several actions, run before the planner; raises ``ActionRefused``."""

    name: str
    run: Callable[[ActionContext, Request], object]


def _has_node(_ctx: ActionContext, req: Request) -> None:
    if not req.node:
        raise ActionRefused(f"{req.name}: no node")


def _not_monitor(ctx: ActionContext, _req: Request) -> None:
    if ctx.monitor:
        safety.refuse_read_only(read_only=True, monitor=True)


WRITABLE = SafetyCheck("writable", lambda ctx, _req: ctx.guard_write())
"""Neither monitor mode nor a read-only cluster."""
NOT_MONITOR = SafetyCheck("not-monitor", _not_monitor)
QUORATE = SafetyCheck("quorate-picture", lambda ctx, _req: safety.pacemaker_status(ctx.view))
"""A Pacemaker picture from a partition with quorum."""
NOT_IN_FLIGHT = SafetyCheck(
    "not-in-flight", lambda ctx, req: safety.not_in_flight(ctx.view, req.name, ctx.ended_markers)
)
"""No hatui (this one or another) is moving the resource right now (its marker is in the CIB)."""
HAS_NODE = SafetyCheck("has-node", _has_node)


@dataclass(frozen=True, slots=True)
class ActionSpec:
    """One action: ``name`` is the ``action_<name>`` method the bindings call."""

    name: str
    label: str
    """Palette and footer wording, with ``{}`` for the target: ``Standby {}``."""
    kind: str
    """``node``, ``cluster``, ``resource``, ``vm`` or ``drbd``."""
    key: str
    planner: Planner
    checks: tuple[SafetyCheck, ...]
    writes: bool = True
    description: str = ""
    ask: Ask = Ask.NOTHING
    flow: Flow = Flow.CONFIRM
    to_node: bool = True
    """For ``Ask.NODE``: the node is a destination (offer fit nodes the resource is not on); False for
    a node the resource is sent away from (a ban)."""
    node_optional: bool = False
    """``Request.node`` may name a node (where a snapshot is taken); without it the planner chooses."""
    clones: bool = True
    """False when a clone cannot be the target (a move: ban the clone from a node instead)."""
    reads_allow_migrate: bool = False
    """Read the resource's ``allow-migrate`` meta attribute from the CIB before planning."""
    memory_check: bool = False
    """The preview adds the N+1 memory check (the nodes' free memory against the VMs to take)."""
    footer: bool = False
    """Shown in the footer; the others are in the help panel and the palette."""
    discover: bool = False
    """Offered in the palette before anything is typed."""

    @property
    def binding_id(self) -> str:
        """The kebab-case binding id users remap in ``keymap:``."""
        return self.name.replace("_", "-")

    @property
    def needs_node(self) -> bool:
        """The palette offers one command per node (``Move sentinel to vnode2``)."""
        return self.ask is Ask.NODE

    def plan(self, ctx: ActionContext, req: Request) -> Plan:
        """Runs the checks in order, then the planner.

        Raises:
            ActionRefused: a check or the planner refused.
        """
        for check in self.checks:
            check.run(ctx, req)
        return self.planner(ctx, req)
