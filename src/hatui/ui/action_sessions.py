"""Provides the two action flows that end somewhere else than a toast: ``why`` and sessions.

``show_why`` puts Pacemaker's own answer (on 1.0, composed from its scores and constraints) in a
detail screen beside what hatui knows of the resource;
``run_session`` hands the terminal to a VM console or node shell, opening and checking the remote
session first and always taking the terminal back, whatever ends it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from textual.app import SuspendNotSupported

from hatui.actions.commands import Command
from hatui.actions.console import PreparedSession, prepare_session
from hatui.actions.plan import Plan
from hatui.actions.runner import Runner, with_audit_note
from hatui.actions.sessions import session_argv
from hatui.actions.why import why_sections
from hatui.errors import ActionRefused
from hatui.transport.base import Transport
from hatui.ui.details import DetailInfo
from hatui.ui.messages import ActionFinished
from hatui.ui.screens.confirm import ConfirmScreen
from hatui.ui.screens.detail import DetailScreen

if TYPE_CHECKING:
    from hatui.ui.app import HatuiApp


async def show_why(app: HatuiApp, runner: Runner, plan: Plan) -> None:
    """Asks Pacemaker why (``crm_resource --why``; on 1.0 its scores and constraints, composed by
    ``hatui.actions.why``) and shows the answer beside fail-counts, constraints and failures."""
    result = await runner.run(plan)
    if result.audit_missing is not None:
        app.notify(result.report, title=f"why {plan.target}", severity="warning", timeout=15)
    view = app.state.view
    if view is None:
        raise ActionRefused("no poll has come in yet")
    rsc = plan.target
    fields = [(f"fail-count on {n}", str(c)) for n, c in view.fail_counts(rsc).items()] or [
        ("fail-counts", "none")
    ]
    fields += [
        (f"constraint {k.id}", f"{k.kind} {k.node or k.with_resource or ''} {k.score or ''}".strip())
        for k in view.constraints
        if rsc in (k.resource, k.with_resource)
    ]
    status = view.pacemaker
    if status is not None:
        fields += [
            (f"failed {f.operation} on {f.node}", f.exit_reason or f.exit_status or "error")
            for f in status.failed_actions
            if f.resource == rsc
        ]
    raws = why_sections(result)
    app.push_screen(
        DetailScreen(
            DetailInfo(f"Why: {rsc}", tuple(fields), raws, (rsc,)),
            app.state.history((rsc,)),
            app.palette,
        )
    )


async def run_session(app: HatuiApp, runner: Runner, plan: Plan) -> None:
    """A VM console or node shell: confirmed, opened and checked, then given the terminal."""
    ok = await app.push_screen_wait(ConfirmScreen(plan))
    if not ok:
        return
    command: Command = plan.commands[0]
    argv = session_argv(command)
    if app.is_headless:
        # Said before a session is opened for nothing.
        raise ActionRefused("this terminal cannot be handed over (hatui runs without a real terminal)")

    async def session(transport: Transport, argv: Sequence[str] | None) -> int | None:
        # Opened and checked while the UI still owns the terminal: a refusal, an unreachable
        # node or a console that cannot attach is a toast, never a blank screen.
        prepared = await prepare_session(transport, argv)
        try:
            if prepared.finished:
                return prepared.ended
            return await _handed_over(app, prepared)
        finally:
            prepared.close()

    try:
        session_result = await runner.interactive(command.node, argv, plan, session)
    except SuspendNotSupported:
        raise ActionRefused(
            "this terminal cannot be handed over (hatui runs without a real terminal)"
        ) from None
    app.post_message(
        ActionFinished(
            runner.cluster.name,
            plan.action,
            plan.target,
            True,
            with_audit_note(
                f"{plan.done} (exit status {session_result.status})", session_result.audit_missing
            ),
        )
    )


async def _handed_over(app: HatuiApp, prepared: PreparedSession) -> int | None:
    """Gives the terminal to ``prepared`` and always takes it back, whatever ends the session.

    ``App.suspend`` resumes the UI only when its block ends normally: an error raised inside
    would leave the terminal to nobody (a blank screen that no key brings back).
    """
    error: BaseException | None = None
    status: int | None = None
    # Batched: nothing may be drawn while the terminal belongs to the session.
    with app.batch_update(), app.suspend():
        try:
            status = await prepared.attach()
        except BaseException as exc:  # re-raised below, once the UI has the terminal again
            error = exc
    if error is not None:
        raise error
    return status
