"""Provides ``ActionResult`` and ``SessionResult``: how an action or a console session ended.

``hatui.actions.runner`` makes them (and re-exports them); the console and ``hatui do`` report them.
"""

from __future__ import annotations

from dataclasses import dataclass

from hatui.actions.plan import Plan
from hatui.model.view import ClusterView
from hatui.transport.base import CommandResult


@dataclass(frozen=True, slots=True)
class ActionResult:
    """How an action ended: ``ok`` judges the cluster's final state, not only the exit codes."""

    id: str
    plan: Plan
    ok: bool
    outcome: str
    results: tuple[tuple[str, CommandResult], ...]
    """(node, result) per command that ran, in order."""
    left: tuple[str, ...] = ()
    """``cli-*`` constraints of ``plan.leftovers_of`` still in the CIB at the end."""
    final: ClusterView | None = None
    audit_missing: str | None = None
    """Why the ``end`` record is not in the audit log (the action ran all the same); None when it is."""

    @property
    def report(self) -> str:
        """The outcome for people, with a missing audit record said plainly."""
        return with_audit_note(self.outcome, self.audit_missing)

    @property
    def output(self) -> str:
        """Standard output of every command, for read-only answers (``why``)."""
        return "".join(r.stdout for _, r in self.results)


def with_audit_note(outcome: str, audit_missing: str | None) -> str:
    """``outcome``, then ``; audit record missing: <why>`` when the end record could not be written."""
    return outcome if audit_missing is None else f"{outcome}; audit record missing: {audit_missing}"


@dataclass(frozen=True, slots=True)
class SessionResult:
    """How a console or shell session ended."""

    status: int | None
    """The session's exit status (None when the remote end gave none)."""
    outcome: str
    audit_missing: str | None = None
    """Why the ``end`` record is not in the audit log; None when it is."""

    @property
    def report(self) -> str:
        """The outcome for people, with a missing audit record said plainly."""
        return with_audit_note(self.outcome, self.audit_missing)
