"""Provides ConfirmScreen: the question before an action, outcome first, then commands and preview.

Top to bottom: the question and its target; what the admin may not expect (VMs the preview says
will STOP, concerns that need the override ticked, names to type); then, scrollable, every command
with the node it runs on and what is awaited after each phase, and the preview (computed while the
dialog is open). The buttons are docked at the bottom, so they show on any terminal (80x24 too).
Focus starts on Cancel, so a stray Enter runs nothing; Escape cancels. A data-destroying action
(discard-my-data, invalidate, force primary, stop of a VM) enables Run only once the resource name
is typed; so does any action whose preview stops a VM (a standby, a DRBD resource, a group), with
the VMs' names. Run pressed while the preview is computing waits for it, then asks if it must.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Static

from hatui.actions.commands import Danger
from hatui.actions.outcome import name_to_type, stop_warning
from hatui.actions.plan import Plan
from hatui.plaintext import clean_line
from hatui.ui.cells import plain_line


@dataclass(frozen=True, slots=True)
class Foresight:
    """What the preview predicts: its lines, and the VMs it leaves stopped (in display order)."""

    lines: list[str]
    stopping: tuple[str, ...] = field(default=())


PreviewFactory = Callable[[], Awaitable["list[str] | Foresight"]]


class ConfirmScreen(ModalScreen[bool]):
    """Asks before ``plan`` runs; dismisses with True only through the Run button."""

    DEFAULT_CSS = """
    ConfirmScreen { align: center middle; }
    #confirm-dialog {
        width: 96; max-width: 100%; height: auto; max-height: 100%;
        border: thick $warning; background: $panel; padding: 0 1;
    }
    #confirm-dialog.-destructive { border: thick $error; }
    #confirm-title { text-style: bold; color: $text; }
    #confirm-outcome { color: $error; text-style: bold; }
    .confirm-section { color: $text-muted; text-style: bold; padding-top: 1; }
    #confirm-body { height: auto; max-height: 1fr; }
    #confirm-commands { color: $text; }
    #confirm-preview { color: $text; }
    #confirm-concerns { color: $error; text-style: bold; }
    #confirm-buttons { dock: bottom; height: auto; align: right middle; padding: 1 0 0 0; }
    #confirm-buttons Button { margin-left: 2; }
    .-hidden { display: none; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="confirm-cancel"),
    ]

    def __init__(self, plan: Plan, preview: PreviewFactory | None = None) -> None:
        super().__init__(classes="confirm")
        self.plan = plan
        self._preview = preview
        self.preview_lines: list[str] | None = None
        #: The name the preview makes the admin type (a VM it stops), None when it asks none.
        self.stop_name: str | None = None
        self._run_pending = False

    def compose(self) -> ComposeResult:
        plan = self.plan
        destructive = plan.danger is Danger.DESTRUCTIVE
        with Vertical(id="confirm-dialog", classes="-destructive" if destructive else ""):
            with Horizontal(id="confirm-buttons"):
                yield Button("Cancel", id="cancel", variant="primary")
                yield Button("Run", id="run", variant="error" if destructive else "warning", disabled=True)
            yield Static(plain_line(plan.title), id="confirm-title")
            target = Text.assemble(
                f"target: {clean_line(plan.target_kind)} ", plain_line(plan.target, "bold")
            )
            yield Static(target, id="confirm-target")
            # Outcome first: filled in when the preview predicts VMs stopping.
            yield Static("", id="confirm-outcome", classes="-hidden")
            if plan.concerns:
                concerns = ["refused unless overridden:", *(f"⚠ {c.message}" for c in plan.concerns)]
                yield Static(_lines(concerns), id="confirm-concerns")
                yield Checkbox("Override: I know, run it anyway", id="confirm-override")
            if plan.confirm_name:
                ask = Text.assemble(
                    "This destroys data or service. Type ",
                    plain_line(plan.confirm_name, "bold"),
                    " to confirm:",
                )
                yield Static(ask, classes="confirm-section")
                yield Input(placeholder=clean_line(plan.confirm_name), id="confirm-name")
            yield Static("", id="confirm-vms-ask", classes="confirm-section -hidden")
            yield Input(id="confirm-vms", classes="-hidden")
            with VerticalScroll(id="confirm-body"):
                yield Static("commands", classes="confirm-section")
                yield Static(self._commands_text(), id="confirm-commands")
                if plan.notes:
                    yield Static(_lines(plan.notes), id="confirm-notes")
                if plan.pacemaker:
                    yield Static(
                        "preview (Pacemaker's scheduler on a copy of the live CIB)",
                        classes="confirm-section",
                    )
                    yield Static(
                        "computing the scheduler's answer…" if self._preview else "no preview",
                        id="confirm-preview",
                    )

    def _commands_text(self) -> Text:
        lines: list[Text] = []
        for i, phase in enumerate(self.plan.phases, start=1):
            head = f"{i}. " if len(self.plan.phases) > 1 else ""
            for c in phase.commands:
                lines.append(
                    Text.assemble(f"{head}on ", plain_line(c.node, "bold"), ": ", plain_line(c.shown))
                )
                head = "   " if head else ""
            for w in phase.waits:
                lines.append(plain_line(f"{head}then wait until {w.what} (at most {w.timeout_s:g}s)"))
                head = "   " if head else ""
        for c in self.plan.finally_commands:
            # The in-flight marker's removal: run however the action ends.
            head = "always, at the end: on "
            lines.append(Text.assemble(head, plain_line(c.node, "bold"), ": ", plain_line(c.shown)))
        return Text("\n").join(lines) if lines else Text("(nothing to run)")

    def on_mount(self) -> None:
        self.query_one("#cancel", Button).focus()
        self._update_run()
        if self.plan.pacemaker and self._preview is not None:
            self._load_preview()

    @property
    def preview_pending(self) -> bool:
        """True while the preview is being computed."""
        return self.plan.pacemaker and self._preview is not None and self.preview_lines is None

    @work(exclusive=True, group="preview", exit_on_error=False)
    async def _load_preview(self) -> None:
        assert self._preview is not None
        try:
            got = await self._preview()
        except Exception as exc:  # a preview bug must not stop the admin from deciding
            got = [f"no preview: {exc!r}"]
        foresight = got if isinstance(got, Foresight) else Foresight(list(got))
        lines = foresight.lines
        # A plan that asks for a typed name already (stopping that very VM) is not asked twice.
        stopping = foresight.stopping
        self.stop_name = (
            name_to_type(self.plan.target, stopping) if stopping and not self.plan.confirm_name else None
        )
        self.preview_lines = lines
        if not self.is_mounted:
            return
        self.query_one("#confirm-preview", Static).update(_lines(lines) if lines else Text("no change"))
        if stopping:
            outcome = self.query_one("#confirm-outcome", Static)
            outcome.update(plain_line(stop_warning(stopping)))
            outcome.remove_class("-hidden")
        if self.stop_name:
            ask = self.query_one("#confirm-vms-ask", Static)
            ask.update(
                Text.assemble("Service stops. Type ", plain_line(self.stop_name, "bold"), " to confirm:")
            )
            ask.remove_class("-hidden")
            name = self.query_one("#confirm-vms", Input)
            name.placeholder = clean_line(self.stop_name)
            name.remove_class("-hidden")
        self._update_run()
        if self._run_pending:
            self._run_pending = False
            self._update_run()
            if self.gates_open:
                self.dismiss(True)
            elif self.stop_name:
                self.query_one("#confirm-vms", Input).focus()

    @property
    def gates_open(self) -> bool:
        """True once every required override and typed name is in."""
        if self.plan.concerns and not self.query_one("#confirm-override", Checkbox).value:
            return False
        if self.stop_name and self.query_one("#confirm-vms", Input).value != self.stop_name:
            return False
        return not (
            self.plan.confirm_name and self.query_one("#confirm-name", Input).value != self.plan.confirm_name
        )

    def _update_run(self) -> None:
        run = self.query_one("#run", Button)
        run.disabled = not self.gates_open
        run.label = "Run (after the preview)" if self._run_pending else "Run"

    @on(Checkbox.Changed, "#confirm-override")
    @on(Input.Changed, "#confirm-name")
    @on(Input.Changed, "#confirm-vms")
    def _gate_changed(self) -> None:
        self._update_run()

    @on(Input.Submitted, "#confirm-name")
    @on(Input.Submitted, "#confirm-vms")
    def _name_submitted(self) -> None:
        self._try_run()

    @on(Button.Pressed, "#run")
    def _run(self) -> None:
        self._try_run()

    def _try_run(self) -> None:
        if not self.gates_open:
            return
        if self.preview_pending:
            # The preview may yet show a VM stopping: run once it is in, if it asks nothing more.
            self._run_pending = True
            self._update_run()
            return
        self.dismiss(True)

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(False)

    def action_cancel(self) -> None:
        """Escape: nothing runs."""
        self.dismiss(False)


def _lines(lines: list[str] | tuple[str, ...]) -> Text:
    """Lines of remote text (notes, concerns, crm_simulate output), each inert and plain."""
    return Text("\n").join(plain_line(line) for line in lines)
