"""SteadyTable redraws only what changed: one updated cell is rendered again, not its row's other
cells or the table; a focus change or a Resize re-renders no cell; a theme still redraws what it
changes, a real resize pads the rows to the new width, and the screen always shows the current
values."""

from __future__ import annotations

from typing import Any

from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.widgets import DataTable, Input, Static
from ui_harness import wait_for

from hatui.ui.widgets.steady_table import SteadyTable

ROWS = 30


class TableApp(App[None]):
    def compose(self) -> ComposeResult:
        table = SteadyTable(cursor_type="row", zebra_stripes=True)
        table.add_column("Name", key="name")
        table.add_column("Age", key="age")
        for i in range(ROWS):
            table.add_row(f"row{i:02}", f"{i}s", key=f"r{i}")
        yield table
        yield Input()


def renders(table: DataTable[Any], row: str) -> dict[Any, Any]:
    """The cached cell renders of one row (by cache key)."""
    cache = table._cell_render_cache
    return {k: cache.get(k) for k in cache.keys() if k[0].value == row}  # noqa: SIM118


def lines(table: DataTable[Any]) -> list[str]:
    return [table.render_line(y).text for y in range(table.size.height)]


async def test_one_updated_cell_is_rendered_again_alone() -> None:
    app = TableApp()
    async with app.run_test(size=(60, 20)) as pilot:
        table = app.query_one(SteadyTable)
        await pilot.pause()
        other, changed = renders(table, "r1"), renders(table, "r2")
        assert other and changed
        table.update_cell("r2", "age", "99s")
        await pilot.pause()
        assert any("row02" in line and "99s" in line for line in lines(table))
        after = renders(table, "r1")
        assert all(after.get(k) is v for k, v in other.items())  # the same render objects: not redrawn
        now = renders(table, "r2")
        assert all(now.get(k) is not v for k, v in changed.items() if k[1].value == "age")
        # the row's other cell was not rendered again
        assert all(now.get(k) is v for k, v in changed.items() if k[1].value == "name")


async def test_update_then_sort_shows_the_new_values_in_their_places() -> None:
    app = TableApp()
    async with app.run_test(size=(60, 20)) as pilot:
        table = app.query_one(SteadyTable)
        await pilot.pause()
        table.update_cell("r5", "name", "aaa00")
        table.sort("name")
        await pilot.pause()
        shown = lines(table)
        assert "aaa00" in shown[1] and "5s" in shown[1]  # line 0 is the header
        assert "row00" in shown[2]


async def test_focus_moving_away_and_back_keeps_the_rendered_cells() -> None:
    app = TableApp()
    async with app.run_test(size=(60, 20)) as pilot:
        table = app.query_one(SteadyTable)
        table.focus()
        await pilot.pause()
        focused = renders(table, "r3")
        app.query_one(Input).focus()
        await pilot.pause()
        table.focus()
        await pilot.pause()
        again = renders(table, "r3")
        assert focused and all(again.get(k) is v for k, v in focused.items())


async def test_a_theme_change_redraws_with_the_new_colours() -> None:
    app = TableApp()
    async with app.run_test(size=(60, 20)) as pilot:
        table = app.query_one(SteadyTable)
        await pilot.pause()
        before = table.render_line(3)
        app.theme = "textual-light" if app.theme != "textual-light" else "textual-dark"
        await pilot.pause()
        after = table.render_line(3)
        assert after.text == before.text
        assert [s.style for s in after] != [s.style for s in before]


async def test_a_resize_to_the_same_size_keeps_the_cells_and_a_real_one_redraws() -> None:
    app = TableApp()
    async with app.run_test(size=(60, 20)) as pilot:
        table = app.query_one(SteadyTable)
        await pilot.pause()
        kept = renders(table, "r4")
        table.display = False
        await pilot.pause()
        table.display = True
        await pilot.pause()
        assert all(renders(table, "r4").get(k) is v for k, v in kept.items())
        width = table.size.width
        await pilot.resize_terminal(40, 20)
        await pilot.pause()
        assert table.size.width < width
        assert all(line.cell_length == table.size.width for line in (table.render_line(y) for y in range(5)))


async def test_a_cell_that_grows_is_shown_whole_even_when_drawn_before_it_was_measured() -> None:
    """DataTable measures a grown cell when idle; a row drawn in between must not stay cut."""
    app = TableApp()
    async with app.run_test(size=(60, 20)) as pilot:
        table = app.query_one(SteadyTable)
        await pilot.pause()
        table.update_cell("r3", "age", "much longer than before", update_width=True)
        lines(table)  # a draw before the table is idle: at the old width
        await pilot.pause()
        assert any("row03" in line and "much longer than before" in line for line in lines(table))


async def test_a_real_resize_keeps_the_rendered_cells_and_pads_the_rows_to_the_new_width() -> None:
    """A cell's render depends on its column's width, not the table's: only rows and lines are redone."""
    app = TableApp()
    async with app.run_test(size=(60, 20)) as pilot:
        table = app.query_one(SteadyTable)
        await pilot.pause()
        kept, width = renders(table, "r4"), table.size.width
        assert kept
        await pilot.resize_terminal(40, 20)
        await pilot.pause()
        assert table.size.width < width
        drawn = table.render_lines(Region(0, 0, table.size.width, table.size.height))
        assert all(line.cell_length == table.size.width for line in drawn)
        assert any("row04" in line.text for line in drawn)
        assert renders(table, "r4") == kept  # no cell rendered again


async def test_rows_added_are_measured_before_they_are_drawn_and_not_drawn_again() -> None:
    """DataTable measures added rows when idle and then renders every cell again; here a row is
    measured at its first draw (shown whole) and the cells drawn stay cached."""
    app = TableApp()
    async with app.run_test(size=(60, 20)) as pilot:
        table = app.query_one(SteadyTable)
        await pilot.pause()
        table.add_row("a-row-with-a-long-name", "1s", key="long")
        table.sort("name")  # first: on the screen
        region = Region(0, 0, table.size.width, table.size.height)
        first = table.render_lines(region)  # drawn before the table was idle
        assert any("a-row-with-a-long-name" in line.text for line in first)
        kept = renders(table, "r4")
        assert kept
        await pilot.pause()  # the table is idle now: nothing left to measure, nothing redrawn
        table.render_lines(region)
        assert renders(table, "r4") == kept  # no cell rendered again


class LabelledTableApp(TableApp):
    def compose(self) -> ComposeResult:
        yield Static("one line", id="label")
        yield from super().compose()


async def test_a_layout_pass_that_moves_nothing_of_the_table_leaves_its_scroll_bars_alone() -> None:
    """The screen lays out again when a line above changes shape; ScrollView repainted both scroll
    bars each time (one frame after the rest). Rows added still update them."""
    app = LabelledTableApp()
    async with app.run_test(size=(60, 30)) as pilot:
        table = app.query_one(SteadyTable)
        await pilot.pause()
        top = table.region.y
        bar = table.vertical_scrollbar
        repaints: list[object] = []
        real_refresh = bar.refresh

        def counted_refresh(*args: Any, **kwargs: Any) -> Any:
            repaints.append(args)
            return real_refresh(*args, **kwargs)

        bar.refresh = counted_refresh  # type: ignore[method-assign]
        app.query_one("#label", Static).update("a line\nthat became two", layout=True)
        # Laid out again (the table moved down a line), and its scroll bars were not repainted for it.
        await wait_for(pilot, lambda: table.region.y == top + 1)
        assert not repaints
        for i in range(ROWS, ROWS + 20):
            table.add_row(f"row{i:02}", f"{i}s", key=f"r{i}")
        await wait_for(pilot, lambda: bool(repaints))
        assert bar.window_virtual_size == table.virtual_size.height
