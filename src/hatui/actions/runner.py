"""Provides ``Runner``: executes a plan through the nodes' transports and judges what the cluster did.

The runner is the last line of defence. It refuses every plan in monitor mode, and in a read-only
cluster every command that is not, word for word, one of the known read-only commands, whatever
the plan's own labels say (defence in depth: a UI bug cannot make it write). It refuses a plan whose
concerns were not overridden, and one whose ``start`` record cannot be written to the audit log.
An ``end`` record that cannot be written does not undo what ran: the result carries
``audit_missing`` and the outcome is reported with it.

Each phase runs its commands in order (the first failure stops the plan), then polls every node
through the ``Observer`` until the phase's checks hold on consecutive polls or time out, reporting
progress. The outcome says what the cluster shows at the end, and for moves which ``cli-*``
constraints are left in the CIB. A plan's ``finally`` commands (the removal of its in-flight marker,
``hatui.actions.marking``) run once anything ran, whatever happened: success, failure or cancel.
While a plan runs, ``registry`` lists it, for the console's verdict, and ``running()`` lists it with
its step for the actions panel (``hatui.actions.running``).

Actions on unrelated targets run side by side; a plan whose target another running plan acts on is
refused with the reason. ``cancel`` stops one action: a cancelled move or ban removes the
``cli-prefer``/``cli-ban`` constraints it made (by id, only those), then its marker, and the end
record says which constraints are still in the CIB (``hatui.actions.leftovers``). Quitting the
console cancels the same way.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime

from hatui.actions import long_run
from hatui.actions.audit import AuditLog
from hatui.actions.commands import Command
from hatui.actions.leftovers import PlanConstraints, RunCommands, run_finally, wind_down
from hatui.actions.marking import in_flight, restamp, time_limit
from hatui.actions.observer import CollectorObserver as CollectorObserver
from hatui.actions.observer import Observer
from hatui.actions.plan import Plan, Wait
from hatui.actions.readonly import is_read_only_argv
from hatui.actions.results import ActionResult as ActionResult
from hatui.actions.results import SessionResult as SessionResult
from hatui.actions.results import with_audit_note as with_audit_note
from hatui.actions.running import Running, conflict
from hatui.actions.safety import NeedsOverride
from hatui.config import ClusterConfig
from hatui.errors import ActionRefused, HatuiError, TransportError
from hatui.model.inflight import InFlightRegistry
from hatui.model.view import ClusterView
from hatui.transport.base import CommandResult, Transport

Progress = Callable[[str], None]
#: Runs an interactive session (a VM console, a login shell when argv is None) over a transport.
Session = Callable[[Transport, Sequence[str] | None], Awaitable[int | None]]


_ids = itertools.count(1)


class Runner:
    """Runs plans on one cluster."""

    def __init__(
        self,
        cluster: ClusterConfig,
        transports: Mapping[str, Transport],
        observer: Observer | None,
        *,
        monitor: bool = False,
        audit: AuditLog | None = None,
        poll_interval: float = 1.0,
        monotonic: Callable[[], float] = time.monotonic,
        registry: InFlightRegistry | None = None,
        wall: Callable[[], datetime] | None = None,
    ) -> None:
        self.cluster = cluster
        self.transports = dict(transports)
        self.observer = observer
        self.monitor = monitor
        self.audit = audit or AuditLog()
        self.poll_interval = poll_interval
        self._monotonic = monotonic
        self._active = 0
        self._running: dict[str, Running] = {}
        self._closing: set[asyncio.Future[tuple[str, list[str], str | None]]] = set()
        self.registry = registry or InFlightRegistry()
        """The actions this process runs: the console's verdict shows them as in flight."""
        self._wall = wall or (lambda: datetime.now(UTC))

    @property
    def read_only(self) -> bool:
        """True in monitor mode and for a cluster configured ``mode: read-only``."""
        return self.monitor or self.cluster.mode == "read-only"

    def guard(self, plan: Plan, related: frozenset[str] = frozenset()) -> None:
        """Refuses ``plan`` in monitor mode, writes in read-only mode, concerns not overridden."""
        if self.monitor:
            raise ActionRefused("monitor mode runs no actions", "read-only")
        if self.read_only:
            writes = [c.line for c in plan.commands if not is_read_only_argv(c.argv)]
            if writes:
                raise ActionRefused(
                    f"cluster {self.cluster.name} is read-only: refusing to run {writes[0]}", "read-only"
                )
        if plan.concerns and not plan.overridden:
            raise NeedsOverride(plan.concerns)
        missing = [n for n in plan.nodes if n not in self.transports]
        if missing:
            raise ActionRefused(f"no connection to {', '.join(missing)}: nothing can run there")
        busy = self.conflict(plan, related)
        if busy is not None:
            raise ActionRefused(busy)

    def running(self) -> list[Running]:
        """The actions running now, oldest first."""
        return list(self._running.values())

    def conflict(self, plan: Plan, related: frozenset[str] = frozenset()) -> str | None:
        """Why ``plan`` may not start now (a running action acts on its subjects), None when it may.

        ``related``: what else it acts on (``hatui.actions.running.related_subjects``).
        """
        if not plan.writes:
            return None
        return conflict([r for r in self._running.values() if r.plan.writes], plan, related)

    def cancel(self, action_id: str, reason: str = "cancelled by the admin", *, resume: bool = True) -> bool:
        """Cancels one running action; False when it is not running (any more).

        ``resume``: ``run`` returns the cancelled action's result (the panel's cancel) instead of
        cancelling its caller (the console quitting).
        """
        r = self._running.get(action_id)
        if r is None or r.task is None or r.task.done():
            return False
        if r.cancel_reason is None:
            r.cancel_reason, r.resume = reason, resume
            r.task.cancel()
        return True

    def cancel_all(self, reason: str) -> list[str]:
        """Cancels every running action (the console quits): their ids."""
        return [i for i in list(self._running) if self.cancel(i, reason, resume=False)]

    async def run(
        self, plan: Plan, progress: Progress | None = None, *, related: frozenset[str] = frozenset()
    ) -> ActionResult:
        """Runs ``plan``; refusals raise ``ActionRefused`` before anything runs (and are logged).

        ``related``: what else the plan acts on (a VM's disks...): no other action on them meanwhile.
        """
        say = progress or (lambda _text: None)
        try:
            self.guard(plan, related)
        except ActionRefused as exc:
            self.audit.refused(self.cluster.name, plan.action, plan.target, exc.message)
            raise
        self._active += 1
        try:
            return await self._run(plan, say, related)
        finally:
            self._active -= 1

    async def drain(self, timeout: float) -> bool:
        """Waits until no plan runs and every marker removal is done; False when ``timeout`` ran out.

        The console calls it on quit, after cancelling its action, before it closes the transports.
        """
        deadline = self._monotonic() + timeout
        while self._active or self._closing:
            if self._monotonic() > deadline:
                return False
            await asyncio.sleep(0.02)
        return True

    async def _run(self, plan: Plan, say: Progress, related: frozenset[str]) -> ActionResult:
        started = self._wall()
        plan = restamp(plan, started)
        action_id = f"{int(time.time())}-{next(_ids)}"
        self.audit.started(action_id, self.cluster.name, plan)
        results: list[tuple[str, CommandResult]] = []
        token = self.registry.start(in_flight(plan, started)) if plan.moves or plan.marker else None
        me = Running(action_id, plan, self._monotonic(), time_limit(plan), related=related)
        me.task = asyncio.current_task()
        self._running[action_id] = me
        try:
            return await self._steps(me, results, say)
        finally:
            del self._running[action_id]
            self.registry.end(token)

    async def _steps(
        self, me: Running, results: list[tuple[str, CommandResult]], say: Progress
    ) -> ActionResult:
        plan, action_id = me.plan, me.id
        ok, outcome, view = True, plan.done, None
        try:
            for i, phase in enumerate(plan.phases, start=1):
                me.step = f"{i}/{len(plan.phases)} {phase.label}"
                say(me.step)
                failure = await self._commands(phase.commands, results, say, me)
                if failure is None:
                    for wait in phase.waits:
                        failure, view = await self._wait(wait, say, me)
                        if failure is not None:
                            break
                if failure is not None:
                    ok, outcome = False, failure
                    break
            if ok and plan.verdict is not None and view is not None:
                ok, outcome = plan.verdict(view)
        except BaseException as exc:
            # Cancelled (the panel, the console quitting) or a bug: commands may have run, so the
            # log says so, with what is left in the cluster.
            cancelled = isinstance(exc, asyncio.CancelledError)
            if cancelled:
                stopped = f"{me.cancel_reason or 'cancelled'} at {me.step}"
            else:
                stopped = f"stopped: {exc!r}"
            # Undo, marker removal and the end record go whatever happened; shielded, so a second
            # cancel (the console quitting while a cancel undoes) cannot stop them.
            closing = asyncio.ensure_future(self._end_stopped(me, results, say, stopped, undo=cancelled))
            self._closing.add(closing)
            closing.add_done_callback(self._closing.discard)
            stopped, left, missing = await asyncio.shield(closing)
            if cancelled and me.resume and me.task is not None:
                me.task.uncancel()
                return ActionResult(
                    action_id, plan, False, stopped, tuple(results), tuple(left), view, missing
                )
            if missing is not None:
                say(f"{plan.action} {plan.target} {stopped}; audit record missing: {missing}")
            raise
        closing_note = await run_finally(plan, bool(results), self._run_each(results, say))
        if closing_note:
            ok, outcome = False, outcome + closing_note
        left = await self._cib(plan).leftovers()
        if left:
            outcome += f"; left in the CIB: {', '.join(left)}"
            if ok:
                ok = False
        elif plan.leftovers_of is not None and ok:
            outcome += "; no cli- constraint left"
        missing = self.audit.ended(
            action_id, self.cluster.name, plan, ok=ok, outcome=outcome, results=results, left=left
        )
        return ActionResult(action_id, plan, ok, outcome, tuple(results), tuple(left), view, missing)

    async def interactive(
        self, node: str, argv: Sequence[str] | None, plan: Plan, session: Session
    ) -> SessionResult:
        """Hands the terminal to ``argv`` (None: a login shell) on ``node``: refused in read-only modes.

        A console or a shell can change anything, so it is a writing action here too.

        Raises:
            ActionRefused: before the session, when it may not or cannot start.
            HatuiError: the session failed (its message says so, and that the record is missing if so).
        """
        if self.read_only:
            reason = (
                "monitor mode runs no actions"
                if self.monitor
                else (f"cluster {self.cluster.name} is read-only: no console or shell")
            )
            self.audit.refused(self.cluster.name, plan.action, plan.target, reason)
            raise ActionRefused(reason, "read-only")
        transport = self.transports.get(node)
        if transport is None:
            raise ActionRefused(f"no connection to {node}")
        action_id = f"{int(time.time())}-{next(_ids)}"
        self.audit.started(action_id, self.cluster.name, plan)
        outcome, status = "session failed", None
        try:
            status = await session(transport, argv)
            outcome = f"session closed (exit status {status})"
        except BaseException as exc:
            if isinstance(exc, HatuiError):
                outcome = f"session failed: {exc.message}"
            elif isinstance(exc, asyncio.CancelledError):
                outcome = "session cancelled"
            missing = self.audit.ended(
                action_id, self.cluster.name, plan, ok=False, outcome=outcome, results=()
            )
            if missing is not None and isinstance(exc, HatuiError):
                exc.message = with_audit_note(exc.message, missing)
                exc.args = (exc.message,)
            raise
        missing = self.audit.ended(action_id, self.cluster.name, plan, ok=True, outcome=outcome, results=())
        return SessionResult(status, outcome, missing)

    async def _commands(
        self,
        commands: Sequence[Command],
        results: list[tuple[str, CommandResult]],
        say: Progress,
        me: Running | None = None,
    ) -> str | None:
        for c in commands:
            line = long_run.shown(c)
            if me is not None:
                me.doing = f"running on {c.node}: {line}"
            say(f"[{c.node}] {line}")
            timeout = max(self.cluster.command_timeout, 30.0)
            try:
                if long_run.is_long(c):  # a backup job: its own limit, progress while it runs
                    transport, observer = self.transports[c.node], self.observer
                    result = await long_run.run_long(transport, c, observer, me, say, results)
                else:
                    result = await self.transports[c.node].run(c.argv, timeout=timeout)
            except TransportError as exc:
                return f"`{line}` could not run on {c.node}: {exc.message}"
            results.append((c.node, result))
            if not result.ok:
                why = (result.stderr.strip() or result.stdout.strip()).splitlines()
                detail = f": {why[-1]}" if why else ""
                return f"`{line}` on {c.node} exited {result.exit_status}{detail}"
        return None

    async def _wait(
        self, wait: Wait, say: Progress, me: Running | None = None
    ) -> tuple[str | None, ClusterView | None]:
        if self.observer is None:
            return None, None
        start = self._monotonic()
        held, last, view = 0, "", None
        if me is not None:
            me.doing = f"waiting for {wait.what} (limit {wait.timeout_s:g}s)"
        while True:
            view = await self.observer.observe()
            try:
                missing = wait.check(view)
            except HatuiError as exc:
                missing = exc.message
            held = held + 1 if missing is None else 0
            if held >= wait.stable:
                return None, view
            last = missing or last
            waited = self._monotonic() - start
            if me is not None:
                still = missing or "confirming"
                me.doing = f"waiting for {wait.what}: {still} ({waited:.0f}s / {wait.timeout_s:g}s)"
            say(f"waiting {waited:.0f}s for {wait.what}: {missing or 'confirming'}")
            if waited > wait.timeout_s:
                return f"timed out after {wait.timeout_s:g}s waiting for {wait.what} (still: {last})", view
            await asyncio.sleep(self.poll_interval)

    def _cib(self, plan: Plan) -> PlanConstraints:
        return PlanConstraints(plan, self.transports, self.cluster.command_timeout)

    def _run_each(self, results: list[tuple[str, CommandResult]], say: Progress) -> RunCommands:
        """``_commands`` for one action: its results, its progress."""
        return lambda commands: self._commands(commands, results, say)

    async def _end_stopped(
        self,
        me: Running,
        results: list[tuple[str, CommandResult]],
        say: Progress,
        stopped: str,
        *,
        undo: bool,
    ) -> tuple[str, list[str], str | None]:
        """Winds a cancelled or broken action down and writes its end record with what is left."""
        # A read-only cluster is never written to, not even to undo.
        run, undo = self._run_each(results, say), undo and not self.read_only
        note, left = await wind_down(self._cib(me.plan), run, ran=bool(results), undo=undo)
        outcome = stopped + note
        missing = self.audit.ended(
            me.id, self.cluster.name, me.plan, ok=False, outcome=outcome, results=results, left=left
        )
        return outcome, left, missing
