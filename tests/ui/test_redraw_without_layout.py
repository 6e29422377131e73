"""A text or a tab label that changes without changing the widget's size is drawn again in place,
without a layout pass of the whole screen (which re-arranged every widget and repainted the whole
screen on each changed poll); one whose size follows its text still gets its layout pass."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Static, TabbedContent
from ui_harness import SIZE, ConsoleFactory

from hatui.ui.cells import set_text


class TwoLines(App[None]):
    CSS = """
    #whole-line { height: 1; }
    #own-width { width: auto; height: 1; }
    """

    def compose(self) -> ComposeResult:
        yield Static(id="whole-line")
        yield Static(id="own-width")


async def test_a_text_of_another_width_lays_out_only_a_widget_sized_by_its_text() -> None:
    app = TwoLines()
    async with app.run_test(size=(60, 10)) as pilot:
        fixed, auto = app.query_one("#whole-line", Static), app.query_one("#own-width", Static)
        for widget in (fixed, auto):
            set_text(widget, "short")
        await pilot.pause()
        assert not fixed._layout_required and not auto._layout_required
        set_text(fixed, "a much longer line than before")
        set_text(auto, "a much longer line than before")
        assert not fixed._layout_required  # the whole line, one row: its size is the same
        assert auto._layout_required
        await pilot.pause()
        assert "a much longer line than before" in str(fixed.render())
        assert auto.size.width == len("a much longer line than before")


async def test_a_problem_count_of_the_same_width_relabels_its_tab_in_place(console: ConsoleFactory) -> None:
    c = console()
    async with c.app.run_test(size=SIZE) as pilot:
        await c.next_polls(pilot)
        screen = c.app.main_screen
        tab = screen.query_one(TabbedContent).get_tab("tab-problems")
        assert str(tab.label) == "5 Problems (1)"
        await pilot.pause()
        screen._problem_count = 2
        screen._set_tab_label("problems")
        assert str(tab.label) == "5 Problems (2)"
        assert not tab._layout_required
        await pilot.pause()
        assert "Problems (2)" in str(tab.render())
        screen._problem_count = 12  # wider: the tabs move, so the screen is laid out again
        screen._set_tab_label("problems")
        assert str(tab.label) == "5 Problems (12)"
        assert tab._layout_required
