"""Provides FleetScreen (every watched cluster on one screen) and FleetMainScreen (a cluster's panes
opened from it).

The console opens here when it watches several clusters: one row per cluster
(``hatui.ui.widgets.fleet``). ``Enter`` opens the cluster under the cursor: its panes, or in
``--monitor`` its wall. ``Backspace`` comes back, and so does ``Esc`` on the cluster's panes once
there is no filter to clear (not ``f``: on the resource panes it resets a fail-count). Every
cluster keeps polling whichever is shown (``hatui.ui.sessions``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Input, Static

from hatui.model.fleet import FleetRow
from hatui.plaintext import clean_line
from hatui.ui.cells import Palette, set_text, severity_mark
from hatui.ui.messages import ScreenShown
from hatui.ui.screens.main import MainScreen
from hatui.ui.widgets.fleet import STATUS_RANK as _STATUS_RANK
from hatui.ui.widgets.fleet import FleetTable
from hatui.ui.widgets.footer import SteadyFooter


class ClusterChosen(Message):
    """The fleet's user chose a cluster to open (its config name)."""

    def __init__(self, cluster: str) -> None:
        super().__init__()
        self.cluster = cluster


class BackToFleet(Message):
    """A cluster's screen asks to go back to the fleet."""


def problems_text(rows: Sequence[FleetRow], palette: Palette) -> Text:
    """Each cluster with problems, worst cluster first, and its worst problems in full.

    The table's last column is cut by a narrow terminal or a kiosk's large font; here the words
    wrap instead, so the wall always says what is wrong, not only where.
    """
    ranked = sorted((r for r in rows if r.problems), key=lambda r: _STATUS_RANK.get(r.status_word, 1))
    text = Text(no_wrap=False)
    for row in ranked:
        title = clean_line(row.title)
        for i, (severity, words) in enumerate(row.problem_lines()):
            if text:
                text.append("\n")
            # Later lines are indented under the first problem: the cluster's name stands alone.
            text.append(title + "  " if i == 0 else " " * (cell_len(title) + 2), style="bold")
            text.append(f"{severity_mark(severity)} {clean_line(words)}", style=palette.severity(severity))
    return text or Text("no cluster has a problem", style=palette.ok)


def fleet_line(rows: Sequence[FleetRow], now: datetime) -> str:
    """``3 clusters: 1 CRITICAL · 1 UNKNOWN · 1 OK  12:00:00Z``, the worst first."""
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.status_word] = counts.get(row.status_word, 0) + 1
    order = ("CRITICAL", "UNKNOWN", "WARNING", "OK", "waiting")
    parts = [f"{counts[w]} {w}" for w in order if w in counts]
    return f"{len(rows)} clusters: {' · '.join(parts)}  {now:%H:%M:%S}Z"


class FleetScreen(Screen[None]):
    """Every watched cluster, a row each; ``Enter`` opens one."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Open", tooltip="Open the cluster under the cursor", id="fleet-open"),
    ]
    HELP = """\
# Fleet
One row per cluster: its verdict, worst problem and how long it has lasted, nodes up, VMs running,
N+1 and how old its data is. Below the table, each cluster with problems and its worst ones in full.
**Enter** opens the cluster (its panes, or its wall with --monitor);
**Backspace** (or **Esc** on its panes) comes back here. Every cluster is polled all the time.
"""

    def __init__(self) -> None:
        super().__init__(id="fleet")
        self._rows: tuple[FleetRow, ...] = ()

    def compose(self) -> ComposeResult:
        yield Static("hatui fleet", id="fleet-title")
        yield Static("waiting for the first polls", id="fleet-summary")
        yield FleetTable(id="fleet-table")
        yield Static("", id="fleet-problems")
        yield SteadyFooter()

    def on_mount(self) -> None:
        self.table.focus()

    @property
    def table(self) -> FleetTable:
        """The table of clusters."""
        return self.query_one(FleetTable)

    def update_from(self, rows: Sequence[FleetRow], palette: Palette, now: datetime) -> None:
        """Shows ``rows`` (config order) and the count of clusters by verdict."""
        self._rows = tuple(rows)
        set_text(self.query_one("#fleet-summary", Static), fleet_line(rows, now))
        self.table.show(rows, palette)
        problems = problems_text(rows, palette)
        shown = self.query_one("#fleet-problems", Static)
        if getattr(shown, "hatui_problems", None) != problems.markup:  # ages tick: once a second at most
            shown.hatui_problems = problems.markup  # type: ignore[attr-defined]
            shown.update(problems)

    def show_paused(self, held: int, now: datetime) -> None:
        """Keeps the rows shown; the summary says the screen is paused and how much is held."""
        line = f"{fleet_line(self._rows, now)}  ⏸ PAUSED ({held} held; p resumes)"
        set_text(self.query_one("#fleet-summary", Static), line)

    def action_open(self) -> None:
        """Opens the cluster under the cursor."""
        chosen = self.table.chosen
        if chosen is not None:
            self.app.post_message(ClusterChosen(chosen))

    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        # The table takes Enter itself (and a click): both mean "open".
        event.stop()
        self.app.post_message(ClusterChosen(str(event.row_key.value)))

    def on_screen_resume(self) -> None:
        self.app.post_message(ScreenShown())


class FleetMainScreen(MainScreen):
    """A cluster's panes opened from the fleet: ``Esc`` with nothing to clear goes back to it."""

    def action_clear_filter(self) -> None:
        """Clears the filter; when there is none (and the bar is closed), back to the fleet."""
        bar = self.query_one("#filter-bar", Input)
        if not self.filter_text and not bar.display:
            self.app.post_message(BackToFleet())
            return
        super().action_clear_filter()
