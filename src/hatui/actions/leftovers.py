"""Provides what an action leaves in the CIB: its constraints read back, and the undo of a cancelled one.

A move or a ban writes ``cli-prefer``/``cli-ban`` constraints, and every plan that marks itself
writes an in-flight marker (``hatui.actions.marking``). When the action ends the runner reads the
constraints back on the node the plan ran on, so the outcome and the audit record say exactly which
of them are still in the CIB: a leftover steers Pacemaker long after the action is forgotten.

A cancelled plan removes the constraints it made (by id, only those the CIB holds: a constraint it
never got to write is not "removed"), then its marker; a plan stopped by an error is not undone,
only its marker goes. Either way the note says what is left and how to clear it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence

from hatui.actions.commands import Command, Tools, query_constraints, steer_remove
from hatui.actions.plan import Plan
from hatui.errors import HatuiError
from hatui.model.pacemaker import Constraint
from hatui.parsers.constraints import parse_constraints
from hatui.transport.base import Transport

RunCommands = Callable[[Sequence[Command]], Awaitable[str | None]]
"""Runs commands in order for the action, recording their results: why the first failure failed, or None."""


class PlanConstraints:
    """The CIB's constraints as the node a plan runs on (its first command's) reads them."""

    def __init__(self, plan: Plan, transports: Mapping[str, Transport], timeout: float) -> None:
        self.plan = plan
        self._transports = transports
        self._timeout = timeout

    async def read(self) -> tuple[Constraint, ...] | str:
        """The CIB's constraints; or why they could not be read."""
        first = self.plan.commands[0]
        c = query_constraints(run_on=first.node, tools=_tools_of(first))
        try:
            result = await self._transports[first.node].run(c.argv, timeout=self._timeout)
            if not result.ok:
                return f"{c.line} exited {result.exit_status}"
            return parse_constraints(result.stdout)
        except HatuiError as exc:
            return exc.message

    async def present(self, ids: Sequence[str]) -> list[str] | None:
        """Which of ``ids`` the CIB holds now (None: the constraints could not be read)."""
        constraints = await self.read()
        if isinstance(constraints, str):
            return None
        have = {k.id for k in constraints}
        return [cid for cid in ids if cid in have]

    async def leftovers(self) -> list[str]:
        """The ``cli-*`` constraints left on the resource the plan moved (``Plan.leftovers_of``)."""
        rsc = self.plan.leftovers_of
        if rsc is None or not self.plan.commands:
            return []
        constraints = await self.read()
        if isinstance(constraints, str):
            return [f"(could not read the constraints on {self.plan.commands[0].node}: {constraints})"]
        return [k.id for k in constraints if k.resource == rsc and k.leftover_kind]


async def run_finally(plan: Plan, ran: bool, run: RunCommands) -> str:
    """Runs the plan's ``finally`` commands once anything ran; ``""`` or why one failed."""
    if not plan.finally_commands or not ran:
        return ""
    failure = await run(plan.finally_commands)
    return f"; {failure}" if failure else ""


async def wind_down(
    cib: PlanConstraints, run: RunCommands, *, ran: bool, undo: bool
) -> tuple[str, list[str]]:
    """After a cancel or an error: undoes the plan's constraints when ``undo``, removes its marker.

    Returns the note for the outcome and the constraints of the plan still in the CIB.
    """
    plan = cib.plan
    if not ran:
        return "; nothing had run", []
    note = ""
    if undo and plan.steers:
        present = await cib.present(plan.steers)
        if present is not None:
            first = plan.commands[0]
            removes = [steer_remove(cid, run_on=first.node, tools=_tools_of(first)) for cid in present]
            failed = [f for c in removes if (f := await run((c,))) is not None]
            note += f"; removed {', '.join(present)}" if present else "; none of its constraints were set"
            note += "".join(f"; {f}" for f in failed)
    note += await run_finally(plan, ran, run)
    ours = (*plan.steers, *((plan.marker,) if plan.marker else ()))
    found = await cib.present(ours) if ours else []
    left = found or []
    if found is None:
        note += f"; could not read the constraints: check {', '.join(ours)}"
    elif left:
        where = ", ".join(plan.moves) or plan.target
        note += f"; left in the CIB: {', '.join(left)} (clear them: c on {where})"
    elif ours:
        note += "; nothing of it left in the CIB"
    return note, left


def _tools_of(command: Command) -> Tools:
    """The tools as the plan calls them: through sudo when its commands are."""
    return Tools(sudo=command.argv[:1] == ("sudo",))
