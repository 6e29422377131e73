"""Provides ``run_do``: one console action from the command line, start to end, and its exit code.

The steps are the console's (``hatui.ui.actions_glue``) with the terminal in place of the dialogs:
poll every node once, check the command line against what the nodes say (``target``), build the
plan through the catalog (its safety checks first), compute the preview, print the plan, ask (or
take ``--yes``), and hand the plan to the same ``Runner``, which refuses again in read-only modes,
writes and always removes the in-flight marker, waits for the cluster and writes the audit log.

Exit codes: 0 done or planned, 1 refused, 2 ran and failed, 3 could not plan. As for ``--once``, no
error escapes as a traceback (Python's exit 1 would read as "refused"). Never imports Textual.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from typing import TextIO

from hatui.actions import preview as pv
from hatui.actions.audit import AuditLog
from hatui.actions.catalog import ActionSpec, Flow, action_id, find_action
from hatui.actions.expect import MovesAgain, expect, pinned_alternative, surprises
from hatui.actions.move import PlacementRefused, allow_migrate, plan_move
from hatui.actions.outcome import name_to_type, stop_warning, stopping_vms
from hatui.actions.plan import Plan, Request
from hatui.actions.plans import ActionContext
from hatui.actions.runner import CollectorObserver, Progress, Runner
from hatui.actions.safety import NeedsOverride
from hatui.actions.why import answer_text
from hatui.config import ClusterConfig
from hatui.do import snapshots
from hatui.do.report import Outcome, PlanReport
from hatui.do.target import CannotPlanError, build_request
from hatui.errors import ActionRefused, HatuiError
from hatui.plaintext import clean_line
from hatui.snapshot.once import SourceChoice, resolve
from hatui.sources.fanout import make_collectors
from hatui.transport.base import Transport

EXIT_DONE, EXIT_REFUSED, EXIT_FAILED, EXIT_NO_PLAN = 0, 1, 2, 3
#: Seconds between two "still waiting" progress lines.
PROGRESS_EVERY_S = 5.0
YES = ("y", "yes")


@dataclass(frozen=True, slots=True)
class DoArgs:
    """What the command line asks."""

    action: str
    target: str | None
    choice: SourceChoice
    to: str | None = None
    node: str | None = None
    dry_run: bool = False
    yes: bool = False
    fmt: str = "text"


@dataclass(slots=True)
class Terminal:
    """Where the plan goes (``out``), where progress and questions go (``err``), where answers come from."""

    out: TextIO
    err: TextIO
    stdin: TextIO

    def ask(self, question: str) -> str:
        """One answer from standard input ("" at its end)."""
        self.err.write(question)
        self.err.flush()
        return self.stdin.readline().strip()


def run_do(args: DoArgs, term: Terminal | None = None) -> int:
    """Runs ``hatui do``; returns the exit code, never raises."""
    term = term or Terminal(sys.stdout, sys.stderr, sys.stdin)
    try:
        return asyncio.run(_do(args, term))
    except (KeyboardInterrupt, asyncio.CancelledError):
        # The runner was cancelled first: its marker removal and audit record have run.
        term.err.write("hatui do: interrupted (hatui log shows what ran and what was left)\n")
        return EXIT_FAILED
    except HatuiError as exc:
        term.err.write(f"{exc.title}: {clean_line(exc.message)}\n")
        return EXIT_NO_PLAN
    except Exception as exc:  # the exit code must stay meaningful whatever happens
        term.err.write(f"hatui do: internal error: {type(exc).__name__}: {clean_line(str(exc))}\n")
        return EXIT_NO_PLAN


def _spec(word: str) -> ActionSpec:
    spec = find_action(word)
    if spec is None:
        raise CannotPlanError(f"unknown action {word!r} (hatui do --list prints them)")
    if spec.flow is Flow.SESSION:
        raise CannotPlanError(f"{word} hands the terminal over: open it from the console (hatui)")
    return spec


@asynccontextmanager
async def _nodes(cluster: ClusterConfig, demo: bool | str | None) -> AsyncIterator[dict[str, Transport]]:
    """The nodes' transports: a fresh demo cluster's, or the config's (closed at the end)."""
    if demo:
        from hatui.sources.make import demo_cluster

        sim = demo_cluster(demo)
        yield {n.name: sim.transport(n.name) for n in cluster.nodes}
        return
    collectors = make_collectors(cluster)
    try:
        yield {c.node.name: c.transport for c in collectors}
    finally:
        await asyncio.gather(*(c.close() for c in collectors), return_exceptions=True)


async def _do(args: DoArgs, term: Terminal) -> int:
    listing = args.action == snapshots.LIST_ID
    if not listing:
        _spec(args.action)  # an unknown action is said before any node is asked
    task = asyncio.current_task()
    if task is not None:
        # A SIGTERM (a runbook's timeout) ends the action as Ctrl-C does: cancelled, marker removed.
        with contextlib.suppress(NotImplementedError, RuntimeError):
            asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
    if args.choice.replay is not None:
        raise CannotPlanError("--replay: replayed captures have no node to act on")
    _config, cluster = resolve(args.choice)
    async with _nodes(cluster, args.choice.demo) as transports:
        if listing:
            return await list_snapshots(args, cluster, transports, term)
        return await act(args, cluster, transports, term)


async def list_snapshots(
    args: DoArgs, cluster: ClusterConfig, transports: Mapping[str, Transport], term: Terminal
) -> int:
    """``hatui do snapshots``: one poll of every node, then the table (or JSON); reads only."""
    if args.target is not None or args.to is not None or args.node is not None:
        raise CannotPlanError("snapshots takes no TARGET, --to or --node: it lists every node's")
    view = await CollectorObserver(make_collectors(cluster, transports), cluster).observe()
    if not view.reachable:
        raise CannotPlanError(f"no node of {cluster.name} answered")
    if args.fmt == "json":
        term.out.write(snapshots.snapshot_json(view) + "\n")
    else:
        _print(term, snapshots.snapshot_lines(view))
    # A node whose LVM was not read may hold snapshots: the list is incomplete, not "all is well".
    return EXIT_FAILED if snapshots.unread_nodes(view) else EXIT_DONE


async def act(
    args: DoArgs, cluster: ClusterConfig, transports: Mapping[str, Transport], term: Terminal
) -> int:
    """Everything after the source is chosen: poll, plan, preview, ask, run; returns the exit code.

    Raises:
        HatuiError: the plan cannot be made (``CannotPlanError``: exit 3).
    """
    spec = _spec(args.action)
    report = PlanReport(action_id(spec), args.target or "", cluster.name)
    observer = CollectorObserver(make_collectors(cluster, transports), cluster)
    view = await observer.observe()
    if not view.reachable:
        why = "; ".join(f"{r.node}: {r.unreachable}" for r in view.reports if r.unreachable)
        raise CannotPlanError(f"no node of {cluster.name} answered ({why})")
    req = build_request(spec, view, args.target, to=args.to, node=args.node, cluster=cluster.name)
    report.target = req.target or ""
    read_only = cluster.mode == "read-only"
    # A dry run shows what the plan would be even where it may not run.
    ctx = ActionContext(view, cluster, read_only=read_only and not args.dry_run)
    audit = AuditLog()
    runner = Runner(cluster, transports, observer, audit=audit)
    try:
        if spec.reads_allow_migrate and req.target:
            node = ctx.pcmk_run_node()
            try:
                am = await allow_migrate(transports[node], req.target, tools=ctx.tools(node), timeout=10)
            except HatuiError:
                am = None
            req = replace(req, allow_migrate=am)
        plan, confirm_name = await _preview(report, spec.plan(ctx, req), ctx, spec, transports)
    except ActionRefused as exc:
        report.refused = exc.message
        if not args.dry_run:
            audit.refused(cluster.name, spec.name, req.target or "", exc.message)
        # A move the cluster's rules would refuse or undo: the console offers a pinned move instead.
        pinned = _pinned_instead(exc, ctx, req) if _asks(args, term) else None
        if pinned is None:
            return _end(report, args, term, EXIT_REFUSED)
        term.err.write(clean_line(f"refused: {exc.message}") + "\n")
        if term.ask(f"Instead: {clean_line(pinned.title)} [y/N] ").lower() not in YES:
            return _end(report, args, term, EXIT_REFUSED)
        report = PlanReport(report.action, report.target, report.cluster)
        try:
            plan, confirm_name = await _preview(report, pinned, ctx, spec, transports)
        except ActionRefused as again:
            report.refused = again.message
            audit.refused(cluster.name, spec.name, req.target or "", again.message)
            return _end(report, args, term, EXIT_REFUSED)
    if read_only and args.dry_run:
        report.warnings.insert(0, f"cluster {cluster.name} is read-only: this plan can only be shown")
    if args.dry_run:
        return _end(report, args, term, EXIT_DONE)
    if args.fmt == "text":
        _print(term, report.plan_lines())
    elif not args.yes and term.stdin.isatty():
        term.err.write("".join(f"{line}\n" for line in report.plan_lines()))
    refusal = _confirm(report, plan, args, term, confirm_name)
    if refusal is not None:
        report.refused = refusal
        audit.refused(cluster.name, spec.name, plan.target, refusal)
        return _end(report, args, term, EXIT_REFUSED, plan_shown=True)
    try:
        result = await runner.run(plan.override() if plan.concerns else plan, _progress(term))
    except NeedsOverride as exc:
        report.refused = f"needs an override: {exc.message}"
        return _end(report, args, term, EXIT_REFUSED, plan_shown=True)
    except ActionRefused as exc:
        report.refused = exc.message
        return _end(report, args, term, EXIT_REFUSED, plan_shown=True)
    except HatuiError as exc:  # after commands may have run: it ran and failed, not "could not plan"
        report.outcome = Outcome(False, f"stopped: {exc.message}")
        return _end(report, args, term, EXIT_FAILED, plan_shown=True)
    report.outcome = Outcome(result.ok, result.report, result.left)
    if spec.flow is Flow.ANSWER:
        report.answer = answer_text(result)
    return _end(report, args, term, EXIT_DONE if result.ok else EXIT_FAILED, plan_shown=True)


async def _preview(
    report: PlanReport, plan: Plan, ctx: ActionContext, spec: ActionSpec, transports: Mapping[str, Transport]
) -> tuple[Plan, str | None]:
    """The plan with the preview as its expectation (``expect``), and the name to type before it
    runs (None: a y/N question). Fills the report: plan, preview, warnings (what will stop first).

    Raises:
        ActionRefused: the preview says the cluster would undo the action (a move).
    """
    report.add_plan(plan)
    if not plan.pacemaker or not plan.commands:
        return plan, plan.confirm_name
    node = plan.commands[0].node
    try:
        preview = await pv.preview_plan(plan, transports[node], tools=ctx.tools(node))
    except HatuiError as exc:
        report.preview = [f"no preview: {exc.message}"]
        return plan, plan.confirm_name
    report.preview = preview.lines()
    plan = expect(ctx, plan, preview)
    report.warnings = []
    report.add_plan(plan)
    if spec.memory_check:
        free = pv.free_elsewhere(ctx.view, plan.target)
        report.preview += pv.memory_lines(ctx.view, plan.target, free, preview.stages)
    vms = stopping_vms(ctx.view, preview.stages)
    if not any(c.code == "stop" for c in plan.concerns):  # a standby's concern says it already
        # The outcome leads: the VMs that will stop, or else any other resource that will.
        lead = [stop_warning(vms).removeprefix("⚠ ")] if vms else surprises(plan, preview)
        report.warnings[:0] = lead
    if not vms:
        return plan, plan.confirm_name
    # Stopping a VM asks for its name, whichever way it is stopped (``outcome.name_to_type``).
    return plan, plan.confirm_name or name_to_type(plan.target, vms)


def _confirm(report: PlanReport, plan: Plan, args: DoArgs, term: Terminal, name: str | None) -> str | None:
    """None when the admin said yes; else the reason for refusing."""
    if args.yes:
        if plan.concerns:
            return "needs an override (confirm on a terminal, without --yes): " + "; ".join(
                c.message for c in plan.concerns
            )
        return None
    if not term.stdin.isatty():
        return "standard input is not a terminal: pass --yes to run without asking, or --dry-run"
    if plan.concerns and term.ask("Run despite the ⚠ concerns above? [y/N] ").lower() not in YES:
        return "not confirmed (the concerns were not overridden)"
    if name is not None:
        if term.ask(f"Type {clean_line(name)} to run it: ") != name:
            return f"not confirmed ({name} was not typed)"
        return None
    if term.ask(f"{clean_line(report.title)} [y/N] ").lower() not in YES:
        return "not confirmed"
    return None


def _asks(args: DoArgs, term: Terminal) -> bool:
    """Whether hatui may ask the admin a question (a terminal, and neither --yes nor --dry-run)."""
    return not args.yes and not args.dry_run and term.stdin.isatty()


def _pinned_instead(exc: ActionRefused, ctx: ActionContext, req: Request) -> Plan | None:
    """The pinned move a refused move may take instead (None: none offered, or it is refused too)."""
    try:
        if isinstance(exc, MovesAgain):
            return pinned_alternative(ctx, exc)
        if isinstance(exc, PlacementRefused) and exc.place.pinnable and req.target:
            return plan_move(ctx, req.target, exc.place.node, pinned=True)
    except ActionRefused:
        return None
    return None


def _progress(term: Terminal) -> Progress:
    last = [0.0]

    def say(text: str) -> None:
        now = time.monotonic()
        if not text.startswith("waiting") or now - last[0] >= PROGRESS_EVERY_S:
            last[0] = now
            term.err.write(clean_line(text) + "\n")
            term.err.flush()

    return say


def _print(term: Terminal, lines: list[str]) -> None:
    term.out.write("".join(f"{line}\n" for line in lines))
    term.out.flush()


def _end(report: PlanReport, args: DoArgs, term: Terminal, code: int, *, plan_shown: bool = False) -> int:
    if args.fmt == "json":
        term.out.write(report.json_text() + "\n")
    else:
        _print(term, ([] if plan_shown else report.plan_lines()) + report.end_lines())
    return code
