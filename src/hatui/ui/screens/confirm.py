"""Provides ConfirmScreen: the question before an action, with its exact commands and the preview.

It names the target, lists every command with the node it runs on and what is awaited after each
phase, then the preview (computed while the dialog is open). Focus starts on Cancel, so a stray
Enter runs nothing; Escape cancels. A data-destroying action (discard-my-data, invalidate, force
primary, stop of a VM) enables Run only once the resource name is typed. Concerns (stale data, a
partition...) are listed in the danger colour and enable Run only once the override is ticked.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Static

from hatui.actions.commands import Danger
from hatui.actions.plan import Plan
from hatui.plaintext import clean_line
from hatui.ui.cells import plain_line

PreviewFactory = Callable[[], Awaitable[list[str]]]


class ConfirmScreen(ModalScreen[bool]):
    """Asks before ``plan`` runs; dismisses with True only through the Run button."""

    DEFAULT_CSS = """
    ConfirmScreen { align: center middle; }
    #confirm-dialog {
        width: 96; max-width: 100%; height: auto; max-height: 90%;
        border: thick $warning; background: $panel; padding: 0 1;
    }
    #confirm-dialog.-destructive { border: thick $error; }
    #confirm-title { text-style: bold; color: $text; padding: 1 0 0 0; }
    .confirm-section { color: $text-muted; text-style: bold; padding-top: 1; }
    #confirm-commands { color: $text; }
    #confirm-preview { color: $text; }
    #confirm-concerns { color: $error; text-style: bold; }
    #confirm-buttons { height: auto; align: right middle; padding: 1 0 0 0; }
    #confirm-buttons Button { margin-left: 2; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="confirm-cancel"),
    ]

    def __init__(self, plan: Plan, preview: PreviewFactory | None = None) -> None:
        super().__init__(classes="confirm")
        self.plan = plan
        self._preview = preview
        self.preview_lines: list[str] | None = None

    def compose(self) -> ComposeResult:
        plan = self.plan
        destructive = plan.danger is Danger.DESTRUCTIVE
        with VerticalScroll(id="confirm-dialog", classes="-destructive" if destructive else ""):
            yield Static(plain_line(plan.title), id="confirm-title")
            target = Text.assemble(
                f"target: {clean_line(plan.target_kind)} ", plain_line(plan.target, "bold")
            )
            yield Static(target, id="confirm-target")
            yield Static("commands", classes="confirm-section")
            yield Static(self._commands_text(), id="confirm-commands")
            if plan.notes:
                yield Static(_lines(plan.notes), id="confirm-notes")
            if plan.pacemaker:
                yield Static(
                    "preview (Pacemaker's scheduler on a copy of the live CIB)", classes="confirm-section"
                )
                yield Static(
                    "computing with crm_simulate…" if self._preview else "no preview", id="confirm-preview"
                )
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
            with Horizontal(id="confirm-buttons"):
                yield Button("Cancel", id="cancel", variant="primary")
                yield Button("Run", id="run", variant="error" if destructive else "warning", disabled=True)

    def _commands_text(self) -> Text:
        lines: list[Text] = []
        for i, phase in enumerate(self.plan.phases, start=1):
            head = f"{i}. " if len(self.plan.phases) > 1 else ""
            for c in phase.commands:
                lines.append(
                    Text.assemble(f"{head}on ", plain_line(c.node, "bold"), ": ", plain_line(c.line))
                )
                head = "   " if head else ""
            for w in phase.waits:
                lines.append(plain_line(f"{head}then wait until {w.what} (at most {w.timeout_s:g}s)"))
                head = "   " if head else ""
        for c in self.plan.finally_commands:
            # The in-flight marker's removal: run however the action ends.
            lines.append(
                Text.assemble("always, at the end: on ", plain_line(c.node, "bold"), ": ", plain_line(c.line))
            )
        return Text("\n").join(lines) if lines else Text("(nothing to run)")

    def on_mount(self) -> None:
        self.query_one("#cancel", Button).focus()
        self._update_run()
        if self.plan.pacemaker and self._preview is not None:
            self._load_preview()

    @work(exclusive=True, group="preview", exit_on_error=False)
    async def _load_preview(self) -> None:
        assert self._preview is not None
        try:
            lines = await self._preview()
        except Exception as exc:  # a preview bug must not stop the admin from deciding
            lines = [f"no preview: {exc!r}"]
        self.preview_lines = lines
        if self.is_mounted:
            self.query_one("#confirm-preview", Static).update(_lines(lines) if lines else Text("no change"))

    @property
    def gates_open(self) -> bool:
        """True once every required override and typed name is in."""
        if self.plan.concerns and not self.query_one("#confirm-override", Checkbox).value:
            return False
        return not (
            self.plan.confirm_name and self.query_one("#confirm-name", Input).value != self.plan.confirm_name
        )

    def _update_run(self) -> None:
        self.query_one("#run", Button).disabled = not self.gates_open

    @on(Checkbox.Changed, "#confirm-override")
    @on(Input.Changed, "#confirm-name")
    def _gate_changed(self) -> None:
        self._update_run()

    @on(Input.Submitted, "#confirm-name")
    def _name_submitted(self) -> None:
        if self.gates_open:
            self.dismiss(True)

    @on(Button.Pressed, "#run")
    def _run(self) -> None:
        if self.gates_open:
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
