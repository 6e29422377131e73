"""Provides DetailScreen: every field of a row, the raw outputs it came from, its event history."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static, TabbedContent, TabPane, TextArea

from hatui.plaintext import clean_block
from hatui.ui.cells import Palette, cell, plain_content, plain_line, severity_cell
from hatui.ui.details import DetailInfo
from hatui.ui.modes import action_allowed
from hatui.watch.state import LoggedEvent


class DetailScreen(Screen[None]):
    """One row in full. ``r`` jumps to the raw output, ``h`` to the history, Esc goes back."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "app.pop_screen", "Back", id="detail-back"),
        Binding("f", "tab('fields')", "Fields", id="detail-fields"),
        Binding("r", "tab('raw-0')", "Raw output", id="detail-raw"),
        Binding("h", "tab('history')", "History", id="detail-history"),
    ]
    HELP = """\
## Detail
**f** fields, **r** raw output (one tab per node and source), **h** the events of this row
during the session, **Esc** back to the panes.
"""

    def __init__(self, info: DetailInfo, history: Sequence[LoggedEvent], palette: Palette) -> None:
        super().__init__(classes="detail")
        self.info = info
        self.history = history
        self.palette = palette

    def compose(self) -> ComposeResult:
        yield Static(plain_line(self.info.title), id="detail-title")
        with TabbedContent(id="detail-tabs"):
            with TabPane("Fields", id="fields"):
                yield DataTable(id="detail-fields-table", cursor_type="row", zebra_stripes=True)
            for i, (label, text) in enumerate(self.info.raws):
                with TabPane(plain_content(f"Raw: {label}"), id=f"raw-{i}"):
                    # Raw output as the node sent it, less the control characters (hatui.plaintext).
                    yield TextArea(
                        clean_block(text), read_only=True, show_line_numbers=True, classes="raw-output"
                    )
            if not self.info.raws:
                with TabPane("Raw", id="raw-0"):
                    yield Static("no raw output belongs to this row", classes="pane-empty")
            with TabPane(plain_content(f"History ({len(self.history)})"), id="history"):
                yield DataTable(id="detail-history-table", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        fields: DataTable[Any] = self.query_one("#detail-fields-table", DataTable)
        fields.add_columns("Field", "Value")
        for i, (name, value) in enumerate(self.info.fields):
            fields.add_row(cell(name), cell(value), key=f"f{i}")
        hist: DataTable[Any] = self.query_one("#detail-history-table", DataTable)
        hist.add_columns("#", "Time", "Sev", "Event")
        for le in self.history:
            ev = le.event
            sev = severity_cell(ev.severity, self.palette)
            hist.add_row(
                cell(str(le.seq)), cell(f"{ev.at:%H:%M:%S}"), sev, cell(ev.message), key=f"ev{le.seq}"
            )
        fields.focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Refuses cluster-writing actions in read-only mode (see ``hatui.ui.modes``)."""
        return action_allowed(bool(getattr(self.app, "read_only", False)), action)

    def action_tab(self, tab: str) -> None:
        """Shows one tab of the detail."""
        tabs = self.query_one(TabbedContent)
        tabs.active = tab
        pane = tabs.get_pane(tab)
        focusable = pane.query("DataTable, TextArea")
        if focusable:
            focusable.first().focus()

    @property
    def raw_texts(self) -> list[str]:
        """The raw outputs shown (for tests)."""
        return [t.text for t in self.query(TextArea)]
