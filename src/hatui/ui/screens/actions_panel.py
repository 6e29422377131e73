"""Provides ActionsPanel (the actions in flight, cancel, clear what was left) and QuitScreen.

The panel (key ``a``) lists every action the console runs: what, target, step, the command it runs
or what it waits for (and what is still missing), elapsed time and limit; it redraws twice a second.
``x`` cancels the highlighted action: a move or ban undoes the constraints it made (``Runner.cancel``).
Below the running actions come those that ended with constraints of theirs still in the CIB, by
name; ``c`` on one asks to clear them (the ordinary clear action, with its confirmation).

QuitScreen is what ``q`` shows while actions run: per action, what quitting would leave behind.
Focus starts on Stay: quitting by accident must take a deliberate second key.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Static

from hatui.actions.plan import Request
from hatui.actions.running import Running, leaves_behind
from hatui.ui.cells import cell, plain

if TYPE_CHECKING:
    from hatui.ui.actions_glue import ActionController

#: Seconds between two redraws of the panel.
REDRAW_S = 0.5
#: The row key prefix of an action that ended with constraints left (the rest is the resource).
LEFT = "left:"


def panel_rows(
    running: Sequence[Running], left: dict[str, tuple[str, ...]], now: float
) -> list[tuple[str, ...]]:
    """The panel's rows: (key, action, target, step, doing, elapsed / limit)."""
    rows: list[tuple[str, ...]] = [
        (
            r.id,
            r.plan.action,
            r.plan.target,
            r.step,
            ("cancelling: " if r.cancel_reason else "") + r.doing,
            f"{r.elapsed(now):.0f}s / {r.limit_s:.0f}s",
        )
        for r in running
    ]
    rows += [
        (f"{LEFT}{rsc}", "ended", rsc, "left in the CIB", ", ".join(ids) + "  (c clears them)", "")
        for rsc, ids in left.items()
    ]
    return rows


def running_line(running: Sequence[Running], now: float) -> str:
    """The header's line while anything runs ("" when nothing does)."""
    if not running:
        return ""
    if len(running) == 1:
        return f"▶ {running[0].describe(now)}   (a: actions)"
    names = ", ".join(f"{r.plan.action} {r.plan.target}".strip() for r in running)
    return f"▶ {len(running)} actions running: {names}   (a: actions)"


class ActionsPanel(ModalScreen[None]):
    """The actions this console runs, and those that left constraints behind."""

    DEFAULT_CSS = """
    ActionsPanel { align: center middle; }
    #actions-dialog {
        width: 100%; max-width: 160; height: auto; max-height: 90%;
        border: thick $accent; background: $panel; padding: 0 1;
    }
    #actions-title { text-style: bold; padding: 1 0 0 0; }
    #actions-table { height: auto; max-height: 20; }
    #actions-help { color: $text-muted; padding: 1 0 0 0; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,a", "close", "Close", id="actions-close"),
        Binding("x", "cancel_action", "Cancel action", id="actions-cancel"),
        Binding("c", "clear_left", "Clear what was left", id="actions-clear"),
    ]

    def __init__(self, controller: ActionController) -> None:
        super().__init__()
        self.controller = controller

    def compose(self) -> ComposeResult:
        with Vertical(id="actions-dialog"):
            yield Static("Actions", id="actions-title")
            table: DataTable[object] = DataTable(id="actions-table", cursor_type="row", zebra_stripes=True)
            table.add_columns("action", "target", "step", "doing / waiting for", "elapsed / limit")
            yield table
            yield Static(
                "x cancel the highlighted action (a move or ban removes the constraints it made) · "
                "c clear the constraints an action left · Esc close",
                id="actions-help",
            )

    def on_mount(self) -> None:
        self.redraw()
        self.query_one(DataTable).focus()
        self.set_interval(REDRAW_S, self.redraw)

    def rows(self) -> list[tuple[str, ...]]:
        """What the panel shows now."""
        return panel_rows(self.controller.running(), self.controller.left, time.monotonic())

    def redraw(self) -> None:
        """Redraws the rows, keeping the cursor on the same action."""
        table = self.query_one(DataTable)
        keep = self.highlighted()
        rows = self.rows()
        table.clear()
        for key, *values in rows:
            table.add_row(*(cell(v) for v in values), key=key)
        if not rows:
            table.add_row(cell("no action running"), *(cell("") for _ in range(4)), key="none")
        keys = [r[0] for r in rows]
        if keep in keys:
            table.move_cursor(row=keys.index(keep))

    def highlighted(self) -> str | None:
        """The key of the highlighted row (an action id, ``left:<resource>``), None when none."""
        table = self.query_one(DataTable)
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return None if key in (None, "none") else str(key)

    def action_close(self) -> None:
        """Closes the panel; the actions go on."""
        self.dismiss(None)

    def action_cancel_action(self) -> None:
        """Cancels the highlighted running action."""
        key = self.highlighted()
        if key is None or key.startswith(LEFT):
            self.app.notify("no running action highlighted", severity="warning", timeout=3)
            return
        if self.controller.cancel(key):
            self.app.notify("cancelling: undoing what it added", title=key, timeout=4)
        else:
            self.app.notify("that action has already ended", severity="warning", timeout=3)
        self.redraw()

    def action_clear_left(self) -> None:
        """Asks to clear the constraints the highlighted ended action left (the clear action)."""
        key = self.highlighted()
        if key is None or not key.startswith(LEFT):
            self.app.notify("no action that left constraints is highlighted", severity="warning", timeout=3)
            return
        self.dismiss(None)
        self.controller.request(Request("clear_resource", key.removeprefix(LEFT)))


class QuitScreen(ModalScreen[bool]):
    """Asks before quitting while actions run; dismisses True to quit."""

    DEFAULT_CSS = """
    QuitScreen { align: center middle; }
    #quit-dialog {
        width: 100; max-width: 100%; height: auto; max-height: 100%;
        border: thick $error; background: $panel; padding: 0 1;
    }
    #quit-title { text-style: bold; padding: 1 0 0 0; }
    #quit-body { padding: 1 0; height: auto; max-height: 16; overflow-y: auto; }
    #quit-buttons { height: 3; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "stay", "Stay", id="quit-stay")]

    def __init__(self, running: Sequence[Running]) -> None:
        super().__init__()
        self.lines = [leaves_behind(r) for r in running]

    def compose(self) -> ComposeResult:
        n = len(self.lines)
        with Vertical(id="quit-dialog"):
            yield Static(
                f"{n} action{'s' if n > 1 else ''} running: quitting cancels {'them' if n > 1 else 'it'}",
                id="quit-title",
            )
            yield Static(plain("\n".join(f"• {line}" for line in self.lines)), id="quit-body")
            with Horizontal(id="quit-buttons"):
                yield Button("Stay", id="stay", variant="primary")
                yield Button("Quit and cancel", id="quit", variant="error")

    def on_mount(self) -> None:
        self.query_one("#stay", Button).focus()

    def action_stay(self) -> None:
        """Stays in hatui: the actions go on."""
        self.dismiss(False)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "quit")
