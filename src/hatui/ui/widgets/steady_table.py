"""Provides SteadyTable: a DataTable that keeps its rendered cells across a pane switch and an update.

DataTable keys every cached cell, row and line by one update count, bumped by any change to any
cell: one changed cell (a resource that failed, a node's "ok 3s ago") made the table render every
visible cell through Rich again. ``update_cell`` here drops only the changed cell's cached render
(and its row's and the drawn lines, which are cheap to rebuild from the cells) and repaints only
that row, unless the column must grow.

DataTable also throws away every cache on each style update, and moving the focus is one (twice
per pane switch: the old table loses it, the new one gains it); every Resize (a hidden table shown
again gets one to the size it had) bumps the update count, and so does measuring the rows added,
which DataTable does when idle, after it drew them. Here a Resize only makes the rows be padded to
the new width (a cell's render does not depend on it), and added rows are measured before they are
drawn, keeping the count unless a column's width changed. The caches are keyed by the
focus/hover state, so after a style update that left the styles as they were for that state
nothing cached is wrong: at its next draw the table compares the styles it renders with (its own
and its component classes') with those last seen in the same state and drops its caches only on
a real difference (a theme, a class that restyles it).
"""

from __future__ import annotations

from typing import Any

from textual import events
from textual.geometry import Region, Size
from textual.strip import Strip
from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist, ColumnKey, RowKey


class SteadyTable(DataTable[Any]):
    """A DataTable whose render caches survive what changes nothing it draws."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        #: Pseudo-class state -> the styles the table rendered with in that state.
        self._seen: dict[Any, tuple[Any, ...]] = {}
        #: The table width the cached rows were padded to.
        self._rows_width = 0
        #: The sizes of the last layout pass (``_size_updated``).
        self._sized: tuple[Size, ...] = ()
        #: Cells changed since the last draw (their cached renders, and their rows', are out of date).
        self._changed_cells: set[tuple[RowKey, ColumnKey]] = set()
        self._styles_to_check = False

    def update_cell(
        self, row_key: RowKey | str, column_key: ColumnKey | str, value: Any, *, update_width: bool = False
    ) -> None:
        """As DataTable's, but only the cell's cached renders (and its row's) are dropped (see the
        module doc)."""
        if update_width:
            super().update_cell(row_key, column_key, value, update_width=True)
            return  # a column that grows re-lays every row out
        row = RowKey(row_key) if isinstance(row_key, str) else row_key
        column = ColumnKey(column_key) if isinstance(column_key, str) else column_key
        if row not in self._row_locations or column not in self._column_locations:
            raise CellDoesNotExist(f"No cell exists for row_key={row!r}, column_key={column!r}.")
        self._data[row][column] = value
        self._changed_cells.add((row, column))
        # Only the row's lines are painted again: a whole-table refresh also repaints the scrollbars.
        self.refresh_row(self.get_row_index(row))

    def _update_column_widths(self, updated_cells: set[Any]) -> None:
        widths = [c.content_width for c in self.columns.values()]
        super()._update_column_widths(updated_cells)
        if [c.content_width for c in self.columns.values()] != widths:
            # DataTable measures a grown cell when it is next idle, without a new update count: rows
            # drawn in between are cached at the old widths and would stay cut ("CRITICA").
            self._clear_caches()
            self._update_count += 1
            self.refresh()

    def _drop_changed(self) -> None:
        """Drops the cached renders of the cells changed since the last draw and of their rows: one
        pass over the caches for all of them (a tick changes an age in every row of a pane; the
        row's other cells, rendered through Rich, stay)."""
        cells, self._changed_cells = self._changed_cells, set()
        rows = {row for row, _ in cells}
        indexes = {self._row_locations.get(r) for r in rows}
        # LRUCache has keys() but no __iter__.
        for index_key in [k for k in self._row_renderable_cache.keys() if k[1] in indexes]:  # noqa: SIM118
            self._row_renderable_cache.discard(index_key)
        for cell_key in [k for k in self._cell_render_cache.keys() if k[:2] in cells]:  # noqa: SIM118
            self._cell_render_cache.discard(cell_key)
        for row_key_ in [k for k in self._row_render_cache.keys() if k[0] in rows]:  # noqa: SIM118
            self._row_render_cache.discard(row_key_)
        self._line_cache.clear()

    def render_lines(self, crop: Region) -> list[Strip]:
        if self._styles_to_check:
            self._check_styles()
        if self._changed_cells:
            self._drop_changed()
        if self.size.width != self._rows_width:
            self._rows_width = self.size.width
            self._row_render_cache.clear()  # keyed without the width they were padded to
        self._measure_pending()
        return super().render_lines(crop)

    def _measure_pending(self) -> None:
        """Measures the rows added and the cells widened since the last draw now, as DataTable
        would when next idle: a pane's rows added on its first show were drawn at the widths of
        before, then measured, then drawn again (every visible cell twice)."""
        if self._updated_cells:
            cells, self._updated_cells = self._updated_cells, set()
            self._update_column_widths(cells)
        if self._require_update_dimensions:
            self._require_update_dimensions = False
            rows, self._new_rows = self._new_rows, set()
            self._update_dimensions(rows)

    def _on_resize(self, event: events.Resize) -> None:
        # DataTable bumps its update count on every Resize, so every visible cell is rendered
        # through Rich again (a pane shown for the first time: once on that show, once on the next).
        # A cell's render depends on its column's width only, never on the table's size; the rows,
        # padded out to the table's width, are redone when they are drawn at another width.
        event.prevent_default()

    def _size_updated(
        self, size: Size, virtual_size: Size, container_size: Size, layout: bool = True
    ) -> bool:
        # Every layout pass of the screen (a tab label, a header line that changed shape) hands a
        # scroll view the size of its arranged content, which for a table is never its own virtual
        # size: ScrollView then updated and repainted both scroll bars, one frame after the rest
        # (about 25 ms more before a change was on the screen). Nothing to do when nothing moved.
        seen = (size, virtual_size, container_size, self.virtual_size)
        if seen == self._sized:
            return False
        self._sized = seen
        return super()._size_updated(size, virtual_size, container_size, layout)

    def _update_dimensions(self, new_rows: Any) -> None:
        # DataTable measures added rows when idle and then bumps the update count, which throws
        # away the cells drawn meanwhile (a pane's rows added on its first show: every visible
        # cell drawn twice). They are right unless a width changed; then the bump stays.
        new_rows = list(new_rows)
        count, widths = self._update_count, self._widths()
        super()._update_dimensions(new_rows)
        auto_height = any(row.auto_height for key in new_rows if (row := self.rows.get(key)) is not None)
        if self._widths() == widths and not auto_height:
            self._update_count = count

    def _widths(self) -> tuple[Any, ...]:
        return (
            self._label_column.content_width,
            self._labelled_row_exists,
            tuple(c.content_width for c in self.ordered_columns),
        )

    def show_focus(self, focused: bool) -> None:
        """Styles the table as focused (or not) now, for a focus change made in this message.

        Textual restyles a widget for focus when it handles its Focus or Blur event, after the
        message that moved the focus; on a pane switch that came after the switch's frame, and the
        table and its scroll bars drew a second one (17-33 ms later). Each event then finds its
        work done (``_on_focus``, ``_on_blur``).
        """
        if self.has_focus != focused:
            self.has_focus = focused

    def _on_focus(self, event: events.Focus) -> None:
        if self.screen.focused is not self:
            # Stale: the focus moved on before this event was handled (switches faster than the
            # events). Handled, it would style this table focused and activate its tab again.
            event.prevent_default()
        elif self.has_focus:  # styled already (show_focus): Widget's handler would only repaint
            event.prevent_default()
            if self.parent is not None:
                self.parent.post_message(events.DescendantFocus(self))

    def _on_blur(self, event: events.Blur) -> None:
        if self.screen.focused is self:  # stale: focused again since
            event.prevent_default()
        elif not self.has_focus:
            event.prevent_default()
            if self.parent is not None:
                self.parent.post_message(events.DescendantBlur(self))

    def render_styles(self) -> tuple[Any, ...] | None:
        """Every style the table's cells are drawn with, in the current state (None while the
        component styles are not applied yet, during mounting)."""
        try:
            parts = tuple(
                self.get_component_rich_style(name, partial=True) for name in sorted(self.COMPONENT_CLASSES)
            )
        except KeyError:
            return None
        return (self.rich_style, parts)

    def notify_style_update(self) -> None:
        # Widget's part only: DataTable's would drop every cached render. Textual calls this before
        # it resolves the component classes' styles for the new state, so the comparison waits for
        # the next draw (``_check_styles``).
        super(DataTable, self).notify_style_update()
        self._styles_cache.clear()
        self._get_styles_to_render_cell.cache_clear()
        self._styles_to_check = True
        self.refresh()

    def _check_styles(self) -> None:
        """Drops the cached renders when the styles of the current state are not those they were
        drawn with (cached cells, rows and lines are keyed by the state they were drawn in; a state
        first seen since the last drop has none yet)."""
        self._styles_to_check = False
        state, styles = self.get_pseudo_class_state(), self.render_styles()
        if styles is not None and self._seen.get(state, styles) == styles:
            self._seen[state] = styles
            return
        self._seen = {} if styles is None else {state: styles}
        self._clear_caches()
