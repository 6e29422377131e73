"""A pane switch is complete when its key has been handled: the tab underline under the new tab, the
focus and its style on the new table (off the old one), the new pane's keys in the footer, and
every widget's layout and repaint requests already with the screen. Before, the underline moved,
the tables were restyled and the footer's rows asked for a layout only after the switch's frame,
and the screen drew a second frame for them."""

from __future__ import annotations

from typing import Any

from textual.widgets import TabbedContent
from textual.widgets._tabs import Underline
from ui_harness import SIZE, ConsoleFactory

from hatui.ui.screens.main import PANES
from hatui.ui.widgets.footer import SteadyFooter


def active_tab_span(screen: Any) -> tuple[int, int]:
    tab = screen.query_one("#tabs-list > Tab.-active")
    start, end = tab.virtual_region.shrink(tab.styles.gutter).column_span
    return start, end


def pending(screen: Any) -> list[str]:
    """Widgets (scroll bars included) that hold a layout or repaint request not yet sent to the screen."""
    out = []
    for widget in screen.walk_children():
        bars = (widget._vertical_scrollbar, widget._horizontal_scrollbar, widget._scrollbar_corner)
        for w in (widget, *(b for b in bars if b is not None)):
            if w._layout_required or w._repaint_required:
                out.append(f"{type(w).__name__}#{w.id}")
    return out


async def test_a_pane_switch_is_complete_when_its_key_is_handled(console: ConsoleFactory) -> None:
    c = console()
    async with c.app.run_test(size=SIZE) as pilot:
        await c.next_polls(pilot)
        screen = c.app.main_screen
        for key in "1234567":  # each pane shown once: its footer keys exist
            await pilot.press(key)
            await pilot.pause()
        footer = screen.query_one(SteadyFooter)
        underline = screen.query_one(TabbedContent).query_one(Underline)
        rows = {}
        for pane in PANES:
            screen.action_show_pane(pane)
            await pilot.pause()
            rows[pane] = footer.shown_row
        assert rows["vms"] is not rows["nodes"], "the VMs and Nodes panes have different keys"
        for before, pane in [
            ("storage", "vms"),
            ("vms", "nodes"),
            ("nodes", "problems"),
            ("problems", "drbd"),
        ]:
            old = screen.pane(before).table
            assert c.app.focused is old
            screen.action_show_pane(pane)  # no await: what the key's own handling did
            table = screen.pane(pane).table
            assert c.app.focused is table
            assert table.has_focus and not old.has_focus, pane
            assert (underline.highlight_start, underline.highlight_end) == active_tab_span(screen), pane
            assert footer.shown_row is rows[pane], pane
            assert pending(screen) == [], pane
            await pilot.pause()
            assert (underline.highlight_start, underline.highlight_end) == active_tab_span(screen), pane


async def test_switches_faster_than_the_focus_events_leave_one_focused_table(console: ConsoleFactory) -> None:
    c = console()
    async with c.app.run_test(size=SIZE) as pilot:
        await c.next_polls(pilot)
        screen = c.app.main_screen
        for pane in ("nodes", "problems", "nodes", "resources", "problems"):
            screen.action_show_pane(pane)  # the Focus and Blur events of each arrive later, in order
        await pilot.pause()
        await pilot.pause()
        tables = [screen.pane(p).table for p in PANES]
        assert [t for t in tables if t.has_focus] == [screen.pane("problems").table]
        assert c.app.focused is screen.pane("problems").table
        await pilot.press("2")  # a key press still switches and focuses as before
        await pilot.pause()
        assert [t for t in tables if t.has_focus] == [screen.pane("nodes").table]
