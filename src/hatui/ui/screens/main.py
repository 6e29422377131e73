"""Provides MainScreen: the header over the six panes, the filter bar and the footer."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, TabbedContent, TabPane

from hatui.ui.cells import Palette
from hatui.ui.messages import ScreenShown
from hatui.ui.modes import action_allowed
from hatui.ui.state import LoggedEvent, Snapshot
from hatui.ui.widgets.drbd import DrbdPane
from hatui.ui.widgets.event_log import EventsPane
from hatui.ui.widgets.header import ClusterHeader
from hatui.ui.widgets.nodes import NodesPane
from hatui.ui.widgets.problems import ProblemsPane
from hatui.ui.widgets.resources import ResourcesPane
from hatui.ui.widgets.table_pane import TablePane
from hatui.ui.widgets.vms import VmsPane

#: Pane id -> (tab label, pane class), in tab order; the digit keys follow this order.
PANES: dict[str, tuple[str, type[TablePane]]] = {
    "vms": ("VMs", VmsPane),
    "nodes": ("Nodes", NodesPane),
    "resources": ("Resources", ResourcesPane),
    "drbd": ("DRBD", DrbdPane),
    "problems": ("Problems", ProblemsPane),
    "events": ("Events", EventsPane),
}


class MainScreen(Screen[None]):
    """The interactive console."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *(
            Binding(
                str(i),
                f"show_pane('{pane}')",
                label,
                id=f"pane-{pane}",
                show=False,
                group=Binding.Group("Panes"),
            )  # fmt: skip
            for i, (pane, (label, _cls)) in enumerate(PANES.items(), start=1)
        ),
        Binding("slash", "filter", "Filter", tooltip="Show only rows containing these words", id="filter"),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="clear-filter"),
    ]
    HELP = """\
# hatui
Panes: **1** VMs, **2** Nodes, **3** Resources, **4** DRBD, **5** Problems, **6** Events
(or click the tabs). **Enter** on a row opens its detail: every field, the raw output it was
parsed from and its event history. **/** filters every pane, **Esc** clears the filter.
**s** sorts by the next column, **o** reverses, **p** pauses updates so rows stay put,
**e** shows a pane's parse errors with their raw output, **Ctrl+P** opens the command palette.
"""

    def __init__(self, title: str, accent: str | None) -> None:
        super().__init__(id="main")
        self._title = title
        self._accent = accent
        self.filter_text = ""
        self._problems_label = ""

    def compose(self) -> ComposeResult:
        yield ClusterHeader(self._title, self._accent, id="header")
        with TabbedContent(id="panes", initial="tab-vms"):
            for i, (pane, (label, cls)) in enumerate(PANES.items(), start=1):
                with TabPane(f"{i} {label}", id=f"tab-{pane}"):
                    yield cls(id=pane)
        yield Input(placeholder="filter: words that every shown row must contain", id="filter-bar")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#filter-bar", Input).display = False
        self.pane("vms").table.focus()

    def pane(self, pane_id: str) -> TablePane:
        """The pane called ``pane_id`` (``vms``, ``nodes``, ...)."""
        return self.query_one(f"#{pane_id}", TablePane)

    @property
    def panes(self) -> list[TablePane]:
        """Every pane, in tab order."""
        return [self.pane(p) for p in PANES]

    @property
    def active_pane(self) -> TablePane:
        """The pane of the active tab."""
        active = self.query_one(TabbedContent).active.removeprefix("tab-")
        return self.pane(active or "vms")

    def update_from(
        self,
        snap: Snapshot,
        palette: Palette,
        events: Iterable[LoggedEvent],
        *,
        paused: int | None,
        read_only: bool,
        panes: bool = True,
    ) -> None:
        """Renders ``snap`` into the header and (unless ``panes`` is False) every pane."""
        self.query_one(ClusterHeader).update_from(
            snap, paused=paused, filter_text=self.filter_text, read_only=read_only
        )
        if not panes:
            return
        self.query_one(EventsPane).log_source = events
        for p in self.panes:
            p.update_from(snap, palette)
        label = f"5 Problems ({len(snap.health.problems)})"
        if label != self._problems_label:
            # Relabelling a tab re-runs the tab underline animation: only do it on a change.
            self._problems_label = label
            self.query_one(TabbedContent).get_tab("tab-problems").label = label

    def on_screen_resume(self) -> None:
        self.app.post_message(ScreenShown())

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Refuses cluster-writing actions in read-only mode (see ``hatui.ui.modes``)."""
        return action_allowed(bool(getattr(self.app, "read_only", False)), action)

    def action_show_pane(self, pane: str) -> None:
        """Switches to a pane and puts the keyboard focus in its table."""
        self.query_one(TabbedContent).active = f"tab-{pane}"
        self.pane(pane).table.focus()

    @on(TabbedContent.TabActivated)
    def _tab_activated(self, event: TabbedContent.TabActivated) -> None:
        pane_id = (event.pane.id or "").removeprefix("tab-")
        if pane_id in PANES:
            self.pane(pane_id).table.focus()

    def action_filter(self) -> None:
        """Opens the filter bar."""
        bar = self.query_one("#filter-bar", Input)
        bar.display = True
        bar.value = self.filter_text
        bar.focus()

    def action_clear_filter(self) -> None:
        """Clears the filter and hides the bar."""
        bar = self.query_one("#filter-bar", Input)
        bar.value = ""
        bar.display = False
        self.set_filter("")
        self.active_pane.table.focus()

    def set_filter(self, text: str) -> None:
        """Filters every pane by ``text``."""
        self.filter_text = text.strip()
        for p in self.panes:
            p.set_filter(self.filter_text)

    @on(Input.Changed, "#filter-bar")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.set_filter(event.value)

    @on(Input.Submitted, "#filter-bar")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        self.set_filter(event.value)
        if not self.filter_text:
            self.query_one("#filter-bar", Input).display = False
        self.active_pane.table.focus()

    @on(DataTable.RowHighlighted)
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
