"""Provides MainScreen: the header over the panes, the filter bar and the footer."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar, NamedTuple

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import DataTable, Input, Static, Tab, TabbedContent, TabPane
from textual.widgets._tabs import Underline

from hatui.ui.cells import Palette
from hatui.ui.messages import ScreenShown
from hatui.ui.modes import action_allowed
from hatui.ui.widgets.drbd import DrbdPane
from hatui.ui.widgets.event_log import EventsPane
from hatui.ui.widgets.footer import SteadyFooter
from hatui.ui.widgets.header import ClusterHeader
from hatui.ui.widgets.nodes import NodesPane
from hatui.ui.widgets.problems import ProblemsPane
from hatui.ui.widgets.resources import ResourcesPane
from hatui.ui.widgets.steady_table import SteadyTable
from hatui.ui.widgets.storage import StoragePane
from hatui.ui.widgets.table_pane import TablePane
from hatui.ui.widgets.vms import VmsPane
from hatui.watch.state import LoggedEvent, Snapshot

#: How long after a redraw a hidden pane that never showed data is filled (``MainScreen._fill_one``).
FILL_AFTER_S = 0.2


class PaneSpec(NamedTuple):
    """One pane of the console: its tab label, its class and the key that shows it by default."""

    label: str
    cls: type[TablePane]
    key: str


#: Pane id -> its spec, in tab order. The bindings are made from this table; tab labels and help
#: read the key back from the bindings (a ``keymap:`` entry ``pane-<id>`` rebinds it).
PANES: dict[str, PaneSpec] = {
    "vms": PaneSpec("VMs", VmsPane, "1"),
    "nodes": PaneSpec("Nodes", NodesPane, "2"),
    "resources": PaneSpec("Resources", ResourcesPane, "3"),
    "drbd": PaneSpec("DRBD", DrbdPane, "4"),
    "problems": PaneSpec("Problems", ProblemsPane, "5"),
    "events": PaneSpec("Events", EventsPane, "6"),
    "storage": PaneSpec("Storage", StoragePane, "7"),
}


def pane_binding_id(pane: str) -> str:
    """The binding id of the key that shows ``pane`` (what ``keymap:`` in the config rebinds)."""
    return f"pane-{pane}"


class MainScreen(Screen[None]):
    """The interactive console."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *(
            Binding(
                spec.key,
                f"show_pane('{pane}')",
                spec.label,
                id=pane_binding_id(pane),
                show=False,
                group=Binding.Group("Panes"),
            )  # fmt: skip
            for pane, spec in PANES.items()
        ),
        Binding("slash", "filter", "Filter", tooltip="Show only rows containing these words", id="filter"),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="clear-filter"),
    ]
    #: The console's help; ``{panes}`` becomes the pane keys as bound (see ``pane_keys``).
    HELP_TEMPLATE = """\
# hatui
Panes: {panes}
(or click the tabs). **Enter** on a row opens its detail: every field, the raw output it was
parsed from and its event history. **/** filters every pane, **Esc** clears the filter.
**s** sorts by the next column, **o** reverses, **p** pauses updates so rows stay put,
**e** shows a pane's parse errors with their raw output, **Ctrl+P** opens the command palette.
"""
    HELP = HELP_TEMPLATE.format(panes=", ".join(f"**{spec.key}** {spec.label}" for spec in PANES.values()))

    def __init__(self, title: str, accent: str | None, *, id: str = "main") -> None:
        super().__init__(id=id)
        self._title = title
        self._accent = accent
        self.filter_text = ""
        self._problem_count = 0
        self._keys: dict[str, str] = {}
        self._fill_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield ClusterHeader(self._title, self._accent, id="header")
        with TabbedContent(id="panes", initial="tab-vms"):
            for pane, spec in PANES.items():
                with TabPane(spec.label, id=f"tab-{pane}"):
                    yield spec.cls(id=pane)
        yield Input(placeholder="filter: words that every shown row must contain", id="filter-bar")
        yield SteadyFooter()

    def on_mount(self) -> None:
        self.query_one("#filter-bar", Input).display = False
        self.pane("vms").table.focus()
        self._relabel()
        # The app's keymap can change at any time (App.update_keymap refreshes the bindings).
        self.bindings_updated_signal.subscribe(self, lambda _screen: self._relabel())

    def pane_keys(self) -> dict[str, str]:
        """Pane id -> the key(s) that show it, read from this screen's bindings as Textual applies
        the app's keymap to them (``1``, or ``9`` after ``keymap: {pane-drbd: "9"}``)."""
        bindings = self._bindings.copy()
        bindings.apply_keymap(self.app._keymap)  # as Screen._binding_chain does before dispatching
        by_id = {pane_binding_id(pane): pane for pane in PANES}
        found: dict[str, list[str]] = {}
        for bound in bindings.key_to_bindings.values():
            for binding in bound:
                if binding.id in by_id:
                    found.setdefault(by_id[binding.id], []).append(self.app.get_key_display(binding))
        return {pane: "/".join(keys) for pane, keys in found.items()}

    def _relabel(self) -> None:
        """Puts the bound key into each tab label and the help, where they changed."""
        keys = self.pane_keys()
        if keys == self._keys:
            return
        self._keys = keys
        shown = (f"**{keys[p]}** {spec.label}" if p in keys else spec.label for p, spec in PANES.items())
        # Textual declares HELP a class variable, but the help panel reads it from the instance.
        self.HELP = self.HELP_TEMPLATE.format(panes=", ".join(shown))  # type: ignore[misc]
        for pane in PANES:
            self._set_tab_label(pane)

    def _set_tab_label(self, pane: str) -> None:
        spec = PANES[pane]
        label = f"{self._keys[pane]} {spec.label}" if pane in self._keys else spec.label
        if pane == "problems":
            label += f" ({self._problem_count})"
        tab = self.query_one(TabbedContent).get_tab(f"tab-{pane}")
        if str(tab.label) == label:
            return  # relabelling a tab re-runs the tab underline animation: only do it on a change
        new = Content.from_text(label)
        if new.cell_length != tab.label.cell_length:
            tab.label = label
            return
        # As wide as before ("Problems (3)" -> "(4)"): nothing moves, so neither a layout pass of
        # the whole screen (which Tab.label asks for) nor the underline's move is needed.
        tab._label = new
        Static.update(tab, new, layout=False)

    def pane(self, pane_id: str) -> TablePane:
        """The pane called ``pane_id`` (``vms``, ``nodes``, ...), brought up to date if hidden."""
        pane = self._pane(pane_id)
        pane.catch_up()
        return pane

    def _pane(self, pane_id: str) -> TablePane:
        return self.query_one(f"#{pane_id}", TablePane)

    @property
    def panes(self) -> list[TablePane]:
        """Every pane, in tab order, each brought up to date."""
        return [self.pane(p) for p in PANES]

    @property
    def active_id(self) -> str:
        """The id of the pane whose tab is active."""
        return self.query_one(TabbedContent).active.removeprefix("tab-") or "vms"

    @property
    def active_pane(self) -> TablePane:
        """The pane of the active tab."""
        return self.pane(self.active_id)

    def update_from(
        self,
        snap: Snapshot,
        palette: Palette,
        events: Iterable[LoggedEvent],
        *,
        paused: int | None,
        read_only: bool,
        panes: bool = True,
        ages_only: bool = False,
    ) -> None:
        """Renders ``snap`` into the header and (unless ``panes`` is False) the panes.

        Only the shown pane builds its rows now; the others keep ``snap`` and build theirs when
        shown or read (``TablePane.catch_up``): 1,000 resources' rows are not built for nobody.
        With ``ages_only`` (the clock moved, the data did not) only panes showing ages take it.
        """
        self.query_one(ClusterHeader).update_from(
            snap, paused=paused, filter_text=self.filter_text, read_only=read_only
        )
        if not panes:
            return
        self.query_one(EventsPane).log_source = events
        active = self.active_id
        for pane_id in PANES:
            pane = self._pane(pane_id)
            if ages_only and not pane.shows_ages(snap):
                continue
            if pane_id == active:
                pane.update_from(snap, palette)
            else:
                pane.defer(snap, palette)
        if ages_only:
            return
        self._problem_count = len(snap.health.problems)
        self._set_tab_label("problems")
        if self._fill_timer is None and self._unfilled():
            self._fill_timer = self.set_timer(FILL_AFTER_S, self._fill_one, name="fill-hidden")

    def _unfilled(self) -> list[TablePane]:
        """Hidden panes that have data waiting but have never shown any."""
        return [p for p in map(self._pane, PANES) if p.snapshot is None and p.has_pending]

    def _fill_one(self) -> None:
        # A pane's first fill (1,000 rows added, then measured) was most of its first show: it is
        # done once, while the console is idle after start-up, one pane per timer so that a key
        # pressed meanwhile waits for one pane at most. Later changes still wait for the show.
        self._fill_timer = None
        # Closing removes a screen's widgets from the leaves up, the screen and this timer last:
        # a pane or table missing then is being closed, not broken.
        if self._closing_app():
            return
        try:
            waiting = [p for p in self._unfilled() if p.id != self.active_id]
            if waiting:
                waiting[0].catch_up()
        except NoMatches:
            if not self._closing_app():
                raise
            return
        if len(waiting) > 1:
            self._fill_timer = self.set_timer(FILL_AFTER_S, self._fill_one, name="fill-hidden")

    def _closing_app(self) -> bool:
        return not self.app.is_running

    def on_screen_resume(self) -> None:
        self.app.post_message(ScreenShown())

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Refuses cluster-writing actions in read-only mode (see ``hatui.ui.modes``)."""
        return action_allowed(bool(getattr(self.app, "read_only", False)), action)

    def action_show_pane(self, pane: str) -> None:
        """Switches to a pane (current before its first frame) and puts the keyboard focus in its table."""
        shown = self.pane(pane)
        self.query_one(TabbedContent).active = f"tab-{pane}"
        self._underline_active()
        # Focused now rather than after this message (Widget.focus waits for the app's next turn),
        # and styled for it now: the footer's keys and the focus style are in the switch's frame.
        before, table = self.focused, shown.table
        self.set_focus(table)
        if self.focused is table and before is not table:
            if isinstance(before, SteadyTable):
                before.show_focus(False)
            if isinstance(table, SteadyTable):
                table.show_focus(True)
        self._hand_over_refreshes()

    def _hand_over_refreshes(self) -> None:
        """Hands every widget's pending layout and repaint requests to the screen now.

        A widget hands them over when it is next idle, each in its own turn; the screen's frame
        timer fired once the first (a pane shown) had arrived, and the others (its table and
        scroll bars restyled for the focus, the footer's keys) came after that frame and made a
        second, 17-33 ms later, drawing the same again. Posted now, in order, before the screen
        handles any of them, they are all in the switch's frame.
        """
        for widget in self.walk_children(Widget):
            widget._check_refresh()
            # Scroll bars are not among a widget's children.
            for bar in (widget._vertical_scrollbar, widget._horizontal_scrollbar, widget._scrollbar_corner):
                if bar is not None:
                    bar._check_refresh()

    def _underline_active(self) -> None:
        """Puts the tab underline under the active tab now, in the switch's own frame.

        Tabs moves it only after the next refresh (it reads the tab's place from the layout), so
        every pane switch drew two frames, the second one to two frame periods (17-33 ms) after
        the first. Activating a tab moves no tab: its place is known already, and the later move
        sets the same place and draws nothing (a tab label that changed width since the last
        layout still gets the later move). With animations on, Tabs' sliding is left alone.
        """
        if self.app.animation_level != "none":
            return
        tabs = self.query_one(TabbedContent)
        try:
            active = tabs.query_one("#tabs-list > Tab.-active", Tab)
        except NoMatches:
            return
        underline = tabs.query_one(Underline)
        start, end = active.virtual_region.shrink(active.styles.gutter).column_span
        underline.show_highlight = True
        underline.highlight_start, underline.highlight_end = start, end

    @on(TabbedContent.TabActivated)
    def _tab_activated(self, event: TabbedContent.TabActivated) -> None:
        pane_id = (event.pane.id or "").removeprefix("tab-")
        # Only for the pane still shown (switches faster than these messages: the last one wins),
        # and not again when focused already (focus() repaints it even then: a frame more).
        if pane_id in PANES and pane_id == self.active_id:
            table = self.pane(pane_id).table
            if self.focused is not table:
                table.focus()

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
        for pane_id in PANES:
            self._pane(pane_id).set_filter(self.filter_text)

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
