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
While a plan runs, ``registry`` lists it, for the console's verdict.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from hatui.actions.audit import AuditLog
from hatui.actions.commands import Command, Tools, query_constraints
from hatui.actions.marking import in_flight, restamp
from hatui.actions.plan import Plan, Wait
from hatui.actions.readonly import is_read_only_argv
from hatui.actions.safety import NeedsOverride
from hatui.clock import Clock, SystemClock
from hatui.config import ClusterConfig
from hatui.errors import ActionRefused, HatuiError, TransportError
from hatui.model.inflight import InFlightRegistry
from hatui.model.view import ClusterView
from hatui.parsers.constraints import parse_constraints
from hatui.sources.collector import NodeCollector
from hatui.sources.fanout import poll_all
from hatui.sources.parse import build_report
from hatui.transport.base import CommandResult, Transport

Progress = Callable[[str], None]
#: Runs an interactive session (a VM console, a login shell when argv is None) over a transport.
Session = Callable[[Transport, Sequence[str] | None], Awaitable[int | None]]


_ids = itertools.count(1)


class Observer(Protocol):
    """Gives a fresh picture of the whole cluster."""

    async def observe(self) -> ClusterView:
        """Polls every node now and returns the view."""
        ...


class CollectorObserver:
    """Forces a poll of every node through their collectors and builds the view from it."""

    def __init__(
        self, collectors: Sequence[NodeCollector], cluster: ClusterConfig, clock: Clock | None = None
    ) -> None:
        self.collectors = list(collectors)
        self.cluster = cluster
        self.clock: Clock = clock or SystemClock()

    async def observe(self) -> ClusterView:
        captures = await poll_all(self.collectors, force=True)
        return ClusterView(
            name=self.cluster.display_name or self.cluster.name,
            reports=tuple(build_report(c) for c in captures),
            generated_at=self.clock.now(),
            configured_nodes=tuple(n.name for n in self.cluster.nodes),
            vm_disks=dict(self.cluster.vm_disks),
        )


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
        self._closing: set[asyncio.Future[str]] = set()
        self.registry = registry or InFlightRegistry()
        """The actions this process runs: the console's verdict shows them as in flight."""
        self._wall = wall or (lambda: datetime.now(UTC))

    @property
    def read_only(self) -> bool:
        """True in monitor mode and for a cluster configured ``mode: read-only``."""
        return self.monitor or self.cluster.mode == "read-only"

    def guard(self, plan: Plan) -> None:
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

    async def run(self, plan: Plan, progress: Progress | None = None) -> ActionResult:
        """Runs ``plan``; refusals raise ``ActionRefused`` before anything runs (and are logged)."""
        say = progress or (lambda _text: None)
        try:
            self.guard(plan)
        except ActionRefused as exc:
            self.audit.refused(self.cluster.name, plan.action, plan.target, exc.message)
            raise
        self._active += 1
        try:
            return await self._run(plan, say)
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

    async def _run(self, plan: Plan, say: Progress) -> ActionResult:
        started = self._wall()
        plan = restamp(plan, started)
        action_id = f"{int(time.time())}-{next(_ids)}"
        self.audit.started(action_id, self.cluster.name, plan)
        results: list[tuple[str, CommandResult]] = []
        ok, outcome, view = True, plan.done, None
        token = self.registry.start(in_flight(plan, started)) if plan.moves or plan.marker else None
        try:
            for i, phase in enumerate(plan.phases, start=1):
                say(f"{i}/{len(plan.phases)} {phase.label}")
                failure = await self._commands(phase.commands, results, say)
                if failure is None:
                    for wait in phase.waits:
                        failure, view = await self._wait(wait, say)
                        if failure is not None:
                            break
                if failure is not None:
                    ok, outcome = False, failure
                    break
            if ok and plan.verdict is not None and view is not None:
                ok, outcome = plan.verdict(view)
        except BaseException as exc:
            # Cancelled (the console quit) or a bug: commands may have run, so the log says so.
            stopped = "cancelled" if isinstance(exc, asyncio.CancelledError) else f"stopped: {exc!r}"
            # The marker goes whatever happened; shielded, so a second cancel cannot stop its removal.
            closing = asyncio.ensure_future(self._finally(plan, results, say))
            self._closing.add(closing)
            closing.add_done_callback(self._closing.discard)
            try:
                stopped += await asyncio.shield(closing)
            except asyncio.CancelledError:
                stopped += "; marker removal still running"
            finally:
                self.registry.end(token)
            missing = self.audit.ended(
                action_id, self.cluster.name, plan, ok=False, outcome=stopped, results=results
            )
            if missing is not None:
                say(f"{plan.action} {plan.target} {stopped}; audit record missing: {missing}")
            raise
        try:
            closing_note = await self._finally(plan, results, say)
        finally:
            self.registry.end(token)
        if closing_note:
            ok, outcome = False, outcome + closing_note
        left = await self._leftovers(plan)
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
        self, commands: Sequence[Command], results: list[tuple[str, CommandResult]], say: Progress
    ) -> str | None:
        for c in commands:
            say(f"[{c.node}] {c.line}")
            timeout = max(self.cluster.command_timeout, 30.0)
            try:
                result = await self.transports[c.node].run(c.argv, timeout=timeout)
            except TransportError as exc:
                return f"`{c.line}` could not run on {c.node}: {exc.message}"
            results.append((c.node, result))
            if not result.ok:
                why = (result.stderr.strip() or result.stdout.strip()).splitlines()
                detail = f": {why[-1]}" if why else ""
                return f"`{c.line}` on {c.node} exited {result.exit_status}{detail}"
        return None

    async def _wait(self, wait: Wait, say: Progress) -> tuple[str | None, ClusterView | None]:
        if self.observer is None:
            return None, None
        start = self._monotonic()
        held, last, view = 0, "", None
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
            say(f"waiting {waited:.0f}s for {wait.what}: {missing or 'confirming'}")
            if waited > wait.timeout_s:
                return f"timed out after {wait.timeout_s:g}s waiting for {wait.what} (still: {last})", view
            await asyncio.sleep(self.poll_interval)

    async def _finally(self, plan: Plan, results: list[tuple[str, CommandResult]], say: Progress) -> str:
        """Runs the plan's ``finally`` commands once anything ran; ``""`` or why one failed."""
        if not plan.finally_commands or not results:
            return ""
        failure = await self._commands(plan.finally_commands, results, say)
        return f"; {failure}" if failure else ""

    async def _leftovers(self, plan: Plan) -> list[str]:
        rsc = plan.leftovers_of
        if rsc is None or not plan.commands:
            return []
        node = plan.commands[0].node
        c = query_constraints(run_on=node, tools=Tools(sudo=plan.commands[0].argv[:1] == ("sudo",)))
        try:
            result = await self.transports[node].run(c.argv, timeout=self.cluster.command_timeout)
            constraints = parse_constraints(result.stdout) if result.ok else ()
        except HatuiError as exc:
            return [f"(could not read the constraints on {node}: {exc.message})"]
        return [k.id for k in constraints if k.resource == rsc and k.leftover_kind]
