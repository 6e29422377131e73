"""Provides ActionController: from a key or a palette command to a checked, confirmed, audited run.

The flow, in one worker per action: refuse at once in monitor mode; build the plan from the last
view (safety first: a refusal is a warning toast with the reason); ask for a node or a split-brain
victim when the action needs one; show ConfirmScreen with the exact
commands and the crm_simulate preview (refused before and after it while another action works on
the same target: unrelated actions run side by side); on Run, hand the plan to the Runner (which
refuses again in read-only modes, audits and waits for the cluster to settle), report progress as
toasts and post ``ActionFinished``, which the app logs in the Events pane. Consoles and node shells
suspend the TUI. The actions panel (``hatui.ui.screens.actions_panel``) lists and cancels running ones.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from textual.worker import get_current_worker

from hatui.actions import preview as pv
from hatui.actions.audit import AuditLog
from hatui.actions.catalog import CATALOG, ActionSpec, Ask, Flow
from hatui.actions.expect import MovesAgain, expect, pinned_alternative
from hatui.actions.move import allow_migrate
from hatui.actions.outcome import stopping_vms
from hatui.actions.placement import placement
from hatui.actions.plan import Plan, Request
from hatui.actions.plans import ActionContext
from hatui.actions.runner import ActionResult, CollectorObserver, Runner
from hatui.actions.running import Running, related_subjects
from hatui.actions.safety import NeedsOverride
from hatui.actions.settle import active_nodes
from hatui.actions.splitbrain import assess
from hatui.errors import ActionRefused, HatuiError
from hatui.model.inflight import InFlight, InFlightRegistry
from hatui.model.vms import vm_rows
from hatui.ui.action_sessions import run_session, show_why
from hatui.ui.messages import ActionFinished, NodePolled
from hatui.ui.screens.choose import ChooseScreen
from hatui.ui.screens.confirm import ConfirmScreen, Foresight
from hatui.ui.storage_keys import storage_request
from hatui.ui.widgets.drbd import display_drbd, row_key

if TYPE_CHECKING:
    from hatui.ui.app import HatuiApp
    from hatui.ui.sessions import Session

#: Seconds between two "still waiting" toasts.
PROGRESS_EVERY_S = 5.0


__all__ = ["ActionController", "Request"]


class ActionController:
    """The actions of one watched cluster (each session of the app has its own)."""

    def __init__(self, app: HatuiApp, session: Session) -> None:
        self.app = app
        self.session = session
        self.poll_interval = 1.0
        self.audit = AuditLog()
        self._runner: Runner | None = None
        self.last_result: ActionResult | None = None
        #: The preview each confirmation computed, by plan: it is the plan's expectation.
        self._previews: dict[int, tuple[Plan, pv.Preview]] = {}
        #: The actions this console runs; the state's verdict shows them as in flight.
        self.registry = InFlightRegistry(self._inflight_changed)
        #: Actions that ended with constraints of theirs still in the CIB: (resource, their ids).
        self.left: dict[str, tuple[str, ...]] = {}
        self._running_workers: set[object] = set()

    def _inflight_changed(self, flights: tuple[InFlight, ...]) -> None:
        self.session.state.inflight = flights
        self.session.state.ended_markers = self.registry.ended_markers

    async def close(self, timeout: float = 15.0) -> None:
        """On quit: cancels a running action and waits until its in-flight marker is removed.

        Called before the transports close: the removal runs over them.
        """
        # Each running action undoes itself and writes its end record (``Runner.cancel``).
        self.cancel_all("cancelled: the console quit")
        for worker in self.app.workers:
            if worker.group == "action" and worker not in self._running_workers:
                worker.cancel()
        if self._runner is not None and not await self._runner.drain(timeout):
            self.app.log.warning("an action did not end in time: its in-flight marker may stay")

    def running(self) -> list[Running]:
        """The actions running now (the actions panel, the header, the quit question)."""
        return self._runner.running() if self._runner is not None else []

    def cancel_all(self, reason: str) -> None:
        """Cancels every running action (quitting): each undoes itself and writes its end record."""
        if self._runner is not None:
            self._runner.cancel_all(reason)

    def cancel(self, action_id: str) -> bool:
        """Cancels one running action (it undoes what it added); False when it already ended."""
        return self._runner is not None and self._runner.cancel(action_id)

    # -- entry points -----------------------------------------------------------------------------

    def from_pane(self, action: str, pane: str, key: str | None) -> None:
        """An action key pressed on ``key``, the highlighted row of ``pane``."""
        spec = CATALOG[action]
        if spec.kind == "cluster":
            self.request(Request(action))
            return
        view, display = self.session.state.view, self.session.state.display
        if key is None or view is None or display is None:
            self.app.notify("no row selected", severity="warning", timeout=3)
            return
        if pane == "vms":
            vm = next((v for v in vm_rows(view) if v.name == key), None)
            if vm is None:
                return
            if spec.kind == "vm":
                # A console goes where the VM runs; a snapshot's node is the action's to choose.
                here = None if spec.node_optional else next(iter(vm.domain_nodes), None)
                self.request(Request(action, vm.name, node=here))
            elif vm.resource is None:
                self._refuse(Request(action, vm.name), f"VM {vm.name} is not managed by Pacemaker")
            else:
                self.request(Request(action, vm.resource))
        elif pane == "drbd":
            found = [
                (nd, p)
                for nd in display_drbd(display)
                for p in (nd.device.peers or (None,))
                if row_key(nd, p) == key
            ]
            if found:
                nd, peer = found[0]
                self.request(
                    Request(
                        action,
                        nd.resource or nd.label,
                        node=nd.node,
                        peer=peer.name if peer else None,
                        volume=nd.device.volume,
                    )
                )
        elif pane == "storage":
            req = storage_request(action, spec.kind, key, display.storage)
            if isinstance(req, str):
                self._refuse(Request(action, key), req)
            else:
                self.request(req)
        else:
            self.request(Request(action, key))

    def request(self, req: Request) -> None:
        """Starts the flow of ``req`` in a worker (named ``action:<name>``)."""
        self.app.run_worker(self._flow(req), name=f"action:{req.action}", group="action", exit_on_error=False)

    # -- the flow ---------------------------------------------------------------------------------

    def runner(self) -> Runner:
        """The runner over the poller's own transports; refuses for replayed data."""
        if self._runner is None:
            poller: Any = self.session.poller
            if not hasattr(poller, "collector"):
                raise ActionRefused("these are replayed captures: there is no node to run an action on")
            collectors = [poller.collector(n) for n in poller.nodes]
            cluster = self.session.cluster
            self._runner = Runner(
                cluster,
                {c.node.name: c.transport for c in collectors},
                CollectorObserver(collectors, cluster, self.app.clock),
                monitor=self.app.monitor,
                audit=self.audit,
                poll_interval=self.poll_interval,
                registry=self.registry,
            )
        return self._runner

    def context(self) -> ActionContext:
        """The cluster as last seen, with the console's mode."""
        view = self.session.state.view
        if view is None:
            raise ActionRefused("no poll has come in yet")
        history = tuple(le.event for le in self.session.state.events)
        return ActionContext(
            view,
            self.session.cluster,
            read_only=self.app.read_only_of(self.session),
            monitor=self.app.monitor,
            history=history,
            ended_markers=self.registry.ended_markers,
        )

    async def _flow(self, req: Request) -> None:
        try:
            if self.app.monitor:
                raise ActionRefused("monitor mode runs no actions (start hatui without --monitor)")
            plan = await self._plan(req)
            if plan is None:
                return
            flow = CATALOG[req.action].flow
            if flow is Flow.ANSWER:
                await show_why(self.app, self.runner(), plan)
            elif flow is Flow.SESSION:
                await run_session(self.app, self.runner(), plan)
            else:
                await self._confirm_and_run(plan)
        except ActionRefused as exc:
            self._refuse(
                req,
                exc.message if not isinstance(exc, NeedsOverride) else f"needs an override: {exc.message}",
            )
        except HatuiError as exc:
            self.app.notify(exc.message, title=exc.title, severity="error", timeout=10)
        except Exception as exc:  # a bug in an action must show, not die silently in its worker
            self.app.notify(
                f"{req.action} {req.target or ''}: internal error: {exc!r}", severity="error", timeout=30
            )
            self.app.log.error(f"action {req} failed", exc)

    async def _plan(self, req: Request) -> Plan | None:
        """The plan of ``req``, after asking what the catalog says must be chosen (None: cancelled)."""
        ctx = self.context()
        spec = CATALOG[req.action]
        if spec.ask is Ask.NODE and req.node is None:
            node = await self._choose_node(ctx, spec, req.name)
            if node is None:
                return None
            req = replace(req, node=node)
        if spec.ask is Ask.VICTIM and req.victim is None:
            victim = await self._choose_victim(ctx, req.name)
            if victim is None:
                return None
            req = replace(req, victim=victim)
        if spec.reads_allow_migrate and req.allow_migrate is None:
            req = replace(req, allow_migrate=await self._allow_migrate(ctx, req.name))
        return spec.plan(ctx, req)

    async def _choose_node(self, ctx: ActionContext, spec: ActionSpec, resource: str) -> str | None:
        status = ctx.view.pacemaker
        if status is None:
            raise ActionRefused("no Pacemaker picture")
        here = active_nodes(status, resource)
        places = {p.node: p.reason for p in placement(ctx.view, resource)}
        options = []
        for n in status.nodes:
            why = ""
            if spec.to_node:
                # The cluster's rules (node state, constraints, DRBD copies): one place decides.
                why = places.get(n.name) or ""
                if n.name in here:
                    why = f"{resource} runs there"
            options.append((n.name, f"{n.name}  {why}".rstrip(), not why))
        where = f"{resource} runs on {', '.join(here) or 'no node'}"
        return await self.app.push_screen_wait(
            ChooseScreen(spec.label.format(resource, "…"), options, [where])
        )

    async def _allow_migrate(self, ctx: ActionContext, resource: str) -> bool | None:
        node = ctx.pcmk_run_node()
        try:
            return await allow_migrate(
                self.runner().transports[node], resource, tools=ctx.tools(node), timeout=10.0
            )
        except HatuiError:
            return None

    async def _choose_victim(self, ctx: ActionContext, resource: str) -> str | None:
        sb = assess(ctx.view, resource, ctx.history)
        if not sb.split:
            raise ActionRefused(
                f"{resource} is not in split-brain ({', '.join(s.connection for s in sb.sides)})"
            )
        options = [(s.node, f"discard the changes of {s.node}", s.vm is None) for s in sb.sides]
        lines = [*sb.describe(), f"suggested victim: {sb.suggested_victim or 'none'} ({sb.reason})"]
        victim: str | None = await self.app.push_screen_wait(
            ChooseScreen(
                f"Split-brain of {resource}: whose changes are thrown away?",
                options,
                lines,
                highlight=sb.suggested_victim,
            )
        )
        return victim

    async def _confirm_and_run(self, plan: Plan) -> None:
        runner = self.runner()
        # One action per target (and what is tied to it: a VM's disks...); unrelated ones run side by side.
        related = related_subjects(plan, self.session.state.view)
        busy = runner.conflict(plan, related)
        if busy is not None:
            raise ActionRefused(busy)
        ok = await self.app.push_screen_wait(ConfirmScreen(plan, self._preview_factory(plan)))
        if not ok:
            self._previews.pop(id(plan), None)
            self.app.notify(f"cancelled: {plan.title}", timeout=3)
            return
        busy = runner.conflict(plan, related)
        if busy is not None:
            raise ActionRefused(f"{busy}; nothing was run")
        try:
            plan = self._expecting(plan)
        except MovesAgain as refused:
            await self._offer_pinned(refused)
            return
        plan = plan.override() if plan.concerns else plan
        worker = get_current_worker()
        self._running_workers.add(worker)
        try:
            result = await runner.run(plan, self._progress(plan), related=related)
        finally:
            self._running_workers.discard(worker)
        await self._resync()
        self.last_result = result
        steered = plan.moves[0] if plan.moves else plan.target
        if result.left:
            self.left[steered] = result.left
        else:
            self.left.pop(steered, None)
        self.app.post_message(
            ActionFinished(runner.cluster.name, plan.action, plan.target, result.ok, result.report)
        )

    async def _resync(self) -> None:
        """Polls every node now, every source: the next plan must see what the action left.

        The constraints are polled least often (30 s by default); without this, a clear right after a
        cancel would be planned from constraints the cancel had already removed.
        """
        poller: Any = self.session.poller
        if not hasattr(poller, "collector"):
            return
        for node in poller.nodes:
            report = await poller.poll(node, force=True)
            self.app.post_message(NodePolled(self.session.cluster.name, report))

    def _expecting(self, plan: Plan) -> Plan:
        """``plan`` with its confirmation's preview as the expectation (unchanged without one)."""
        seen, preview = self._previews.pop(id(plan), (None, None))
        # By identity too: an id can be reused by a later plan once this one is gone.
        return expect(self.context(), plan, preview) if seen is plan and preview is not None else plan

    async def _offer_pinned(self, refused: MovesAgain) -> None:
        """A move the cluster would undo: refused, with the pinned move offered instead."""
        self.audit.refused(self.session.cluster.name, "move_resource", refused.resource, refused.message)
        choice = await self.app.push_screen_wait(
            ChooseScreen(
                f"Refused: {refused.resource} would move twice",
                [
                    ("pinned", f"keep the preference: a pinned move to {refused.target}", True),
                    ("cancel", "do nothing", True),
                ],
                [refused.message],
            )
        )
        if choice == "pinned":
            await self._confirm_and_run(pinned_alternative(self.context(), refused))

    def _preview_factory(self, plan: Plan) -> Any:
        if not plan.pacemaker:
            return None

        async def lines() -> Foresight:
            runner = self.runner()
            node = plan.commands[0].node
            ctx = self.context()
            preview = await pv.preview_plan(plan, runner.transports[node], tools=ctx.tools(node))
            self._previews[id(plan)] = (plan, preview)
            out = preview.lines()
            if CATALOG[plan.action].memory_check:
                free = pv.free_elsewhere(ctx.view, plan.target)
                out += pv.memory_lines(ctx.view, plan.target, free, preview.stages)
            # Whatever the action, a VM the scheduler stops leads the confirmation and asks a name.
            return Foresight(out, stopping_vms(ctx.view, preview.stages))

        return lines

    def _progress(self, plan: Plan) -> Any:
        last = [0.0]

        def say(text: str) -> None:
            now = time.monotonic()
            if not text.startswith("waiting") or now - last[0] >= PROGRESS_EVERY_S:
                last[0] = now
                self.app.notify(text, title=plan.target, timeout=4)

        return say

    def _refuse(self, req: Request, reason: str) -> None:
        self.app.notify(
            reason,
            title=f"refused: {CATALOG[req.action].label.format(req.target or '', '…')}",
            severity="warning",
            timeout=8,
        )
        self.audit.refused(self.session.cluster.name, req.action, req.target or "", reason)
