"""Provides ``Plan``: what one action will run, where, what it waits for, and how it is judged.

A plan is a list of phases. Each phase runs its commands in order, then waits until its checks hold
(see ``settle``). A move, for example, is two phases: prefer the target and ban the current node,
wait until the resource runs on the target; then clear the constraints and check it stayed there.
Plans are built before anything runs, so the confirmation shows every command of every phase.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from hatui.actions.commands import Argv, Command, Danger
from hatui.actions.settle import Check
from hatui.model.view import ClusterView

#: Judges the cluster after the last phase: (success, outcome text for people).
Verdict = Callable[[ClusterView], tuple[bool, str]]


@dataclass(frozen=True, slots=True)
class Request:
    """One asked-for action: its catalog name and what it is about."""

    action: str
    target: str | None = None
    """The node, resource, VM or DRBD resource acted on (None for the cluster)."""
    node: str | None = None
    """The other node: where a move goes, what a ban bans from, a DRBD device's or a console's node."""
    peer: str | None = None
    volume: int | None = None
    victim: str | None = None
    """The side of a split-brain whose changes are thrown away."""
    allow_migrate: bool | None = None
    """The resource's ``allow-migrate`` meta attribute, read before a live migration is planned."""

    @property
    def name(self) -> str:
        """The target, or ``""`` for a cluster-wide action."""
        return self.target or ""


@dataclass(frozen=True, slots=True)
class Wait:
    """A state to wait for after a phase's commands."""

    what: str
    """What is awaited, for people: ``sentinel running on vnode2``."""
    check: Check
    timeout_s: float = 120.0
    stable: int = 2
    """Consecutive polls the check must hold on: one poll can catch a transition half done."""


@dataclass(frozen=True, slots=True)
class Phase:
    """Commands run one after the other, then the waits."""

    label: str
    commands: tuple[Command, ...] = ()
    waits: tuple[Wait, ...] = ()

    @property
    def sim(self) -> tuple[Argv, ...]:
        """The CIB-file edits of this phase's commands, for the preview."""
        return tuple(edit for c in self.commands for edit in c.sim)


@dataclass(frozen=True, slots=True)
class Concern:
    """A reason not to act that an admin may knowingly override (stale data, a partition...)."""

    code: str
    message: str
    subject: str | None = None
    """What the concern is about (the VM that would stop), when one thing."""


@dataclass(frozen=True, slots=True)
class Plan:
    """One action on one target, ready to be confirmed and run."""

    action: str
    """The catalog name (``standby``, ``move_resource``...)."""
    title: str
    """The question the confirmation asks: ``Put node vnode2 in standby?``."""
    target: str
    target_kind: str
    """``node``, ``resource``, ``vm``, ``drbd`` or ``cluster``."""
    phases: tuple[Phase, ...]
    confirm_name: str | None = None
    """The name to type before a data-destroying action may run; None when a keypress suffices."""
    concerns: tuple[Concern, ...] = ()
    overridden: bool = False
    """Set when the admin explicitly overrode every concern."""
    leftovers_of: str | None = None
    """A resource whose ``cli-*`` constraints are looked for when the action ends."""
    verdict: Verdict | None = None
    notes: tuple[str, ...] = ()
    pacemaker: bool = True
    """True when the plan changes the CIB (a preview with crm_simulate makes sense)."""
    done: str = "done"
    """What success means, for the outcome line."""
    meta: dict[str, str] = field(default_factory=dict)
    finally_commands: tuple[Command, ...] = ()
    """Run at the end whatever happened (success, failure, cancel) once a command has run: the
    removal of the in-flight marker (``hatui.actions.marking``)."""
    marker: str | None = None
    """The id of the in-flight marker the plan writes first and always removes; None when none."""
    steers: tuple[str, ...] = ()
    """The constraints the plan makes (``cli-prefer-R``, ``cli-ban-R-on-N``): its own while it runs."""
    moves: tuple[str, ...] = ()
    """The resources it moves (shown as moving, not failing, while it runs)."""

    @property
    def commands(self) -> tuple[Command, ...]:
        """Every command of every phase, in order, then the ones always run at the end."""
        return (*(c for p in self.phases for c in p.commands), *self.finally_commands)

    @property
    def danger(self) -> Danger:
        """The worst danger of the plan's commands."""
        order = [Danger.READ, Danger.CHANGE, Danger.DESTRUCTIVE]
        return max((c.danger for c in self.commands), key=order.index, default=Danger.READ)

    @property
    def writes(self) -> bool:
        """True when any command changes something."""
        return self.danger is not Danger.READ

    @property
    def nodes(self) -> tuple[str, ...]:
        """The nodes commands run on, first-use order."""
        return tuple(dict.fromkeys(c.node for c in self.commands))

    def override(self) -> Plan:
        """The same plan with every concern knowingly overridden."""
        return replace(self, overridden=True)
