"""Provides TablePane: a DataTable kept in step with the model by stable row keys.

Each poll updates rows in place (``update_cell`` for changed cells, ``add_row``/``remove_row`` by
key), never ``clear()`` and refill, so the cursor stays on the row it was on. Subclasses say which
columns they have and how to turn a Snapshot into rows; this class does filter, sort, the parse
error strip and the detail request.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.coordinate import Coordinate
from textual.widgets import DataTable, Static
from textual.widgets.data_table import ColumnKey

from hatui.model.report import SourceError
from hatui.ui.cells import CRIT, WARN, Cell, Palette, set_text
from hatui.ui.details import DetailInfo
from hatui.ui.messages import DetailRequested
from hatui.ui.modes import action_allowed
from hatui.ui.widgets.steady_table import SteadyTable
from hatui.watch.state import Snapshot

ERRORS_KEY = "!errors"


@dataclass(frozen=True, slots=True)
class Row:
    """One table row: a stable key, its cells, and its place when no column sort is chosen."""

    key: str
    cells: tuple[Cell, ...]
    order: tuple[Any, ...] = ()
    stale: bool = False
    search: str = ""
    """Extra text the filter matches (besides what the cells show)."""
    attention: bool = False
    """Something is wrong in this row (counted in the pane title)."""

    def matches(self, words: Sequence[str]) -> bool:
        """True when every filter word is in the row's text (case-insensitive)."""
        text = " ".join([self.key, self.search, *(c.plain for c in self.cells)]).lower()
        return all(w in text for w in words)


def _signature(c: Cell) -> tuple[Any, ...]:
    return (c.plain, str(c.style), tuple(c.spans), repr(c.sort_key))


def _norm(value: Any) -> tuple[int, Any]:
    # Columns may mix numbers, words and None; the tuple keeps them comparable.
    if value is None:
        return (2, "")
    if isinstance(value, bool):
        return (0, int(value))
    if isinstance(value, int | float):
        return (0, value)
    if isinstance(value, tuple):
        return (1, tuple(_norm(v) for v in value))
    return (1, str(value))


class TablePane(Vertical, can_focus=False):
    """A pane holding one DataTable, with filter, sort, detail and parse-error display."""

    COLUMNS: ClassVar[tuple[tuple[str, str], ...]] = ()
    """``(column key, label)`` pairs."""
    SOURCES: ClassVar[frozenset[str]] = frozenset()
    """Source files whose parse errors this pane shows."""
    TITLE: ClassVar[str] = ""
    EMPTY: ClassVar[str] = "nothing to show"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "sort", "Sort", tooltip="Sort by the next column", id="sort"),
        Binding("o", "reverse_sort", "Order", tooltip="Reverse the sort order", id="reverse-sort"),
        Binding("e", "show_errors", "Errors", tooltip="Parse errors with their raw output", id="show-errors"),
        Binding("d", "detail", "Detail", tooltip="Detail of the highlighted row", id="detail", show=False),
    ]

    def __init__(self, *, id: str | None = None) -> None:  # Textual's own name
        super().__init__(id=id, classes="pane")
        self.palette = Palette.plain()
        self.filter_words: tuple[str, ...] = ()
        self.sort_column: int | None = None
        self.sort_reverse = False
        self._rows: list[Row] = []
        self._shown: dict[str, tuple[tuple[Any, ...], ...]] = {}
        self._row_objs: dict[str, Row] = {}
        self._memo: dict[str, tuple[object, Row]] = {}
        self._errors: tuple[SourceError, ...] = ()
        self.snapshot: Snapshot | None = None
        self._pending: tuple[Snapshot, Palette] | None = None
        self.empty = self.EMPTY
        """What the pane says when it has no row (a pane may change it with the data)."""

    def compose(self) -> ComposeResult:
        yield Static("", classes="pane-errors")
        table = SteadyTable(cursor_type="row", zebra_stripes=True, classes="pane-table")
        for key, label in self.COLUMNS:
            table.add_column(label, key=key)
        yield table
        yield Static(self.EMPTY, classes="pane-empty")

    def on_mount(self) -> None:
        self.border_title = self.TITLE
        self.query_one(".pane-errors", Static).display = False

    @property
    def table(self) -> DataTable[Any]:
        """The pane's DataTable, brought up to date first if the pane was hidden (``catch_up``)."""
        self.catch_up()
        return self.query_one(DataTable)

    @property
    def row_keys(self) -> list[str]:
        """Keys of the rows shown, top to bottom."""
        t = self.table
        return [str(t.coordinate_to_cell_key(Coordinate(i, 0)).row_key.value) for i in range(t.row_count)]

    def cell_text(self, key: str, column: str) -> str:
        """Plain text of one shown cell (for tests and the detail screen)."""
        value = self.table.get_cell(key, column)
        return value.plain if isinstance(value, Text) else str(value)

    def cell_value(self, key: str, column: str) -> Any:
        """The shown cell object."""
        return self.table.get_cell(key, column)

    # -- what subclasses provide -------------------------------------------------------------

    def build_rows(self, snap: Snapshot) -> list[Row]:
        """Turns a Snapshot into rows (subclasses)."""
        raise NotImplementedError

    def shows_ages(self, snap: Snapshot) -> bool:
        """True when some of the pane's text ages with the clock (by default: stale nodes' "last
        seen 42s ago"), so that the age ticker redraws it; subclasses with ages of their own say so."""
        return bool(snap.stale)

    def detail(self, key: str, snap: Snapshot) -> DetailInfo | None:
        """The detail of one row (subclasses)."""
        return None

    def memo(self, key: str, inputs: object, build: Callable[[], Row]) -> Row:
        """The row built from ``inputs`` last time if they are equal, else ``build()``.

        Building Rich cells is the dear part of a redraw; most rows do not change between polls,
        and an unchanged Row object is also skipped by the table sync.
        """
        hit = self._memo.get(key)
        if hit is not None and hit[0] == inputs:
            return hit[1]
        row = build()
        self._memo[key] = (inputs, row)
        return row

    # -- updates ------------------------------------------------------------------------------

    def defer(self, snap: Snapshot, palette: Palette) -> None:
        """Keeps ``snap`` for later: the pane is hidden, its rows are built when it is shown."""
        self._pending = (snap, palette)

    @property
    def has_pending(self) -> bool:
        """True when a snapshot kept by ``defer`` waits to be shown."""
        return self._pending is not None

    def catch_up(self) -> None:
        """Applies the snapshot kept by ``defer``, if any (before the pane is shown or read)."""
        if self._pending is not None and self.is_mounted:
            self.update_from(*self._pending)

    def update_from(self, snap: Snapshot, palette: Palette) -> None:
        """Rebuilds the rows from ``snap`` and applies them to the table in place."""
        self._pending = None
        self.snapshot = snap
        if palette != self.palette:
            self._memo.clear()  # cells hold the old theme's colours
        self.palette = palette
        self._rows = self.build_rows(snap)
        if len(self._memo) > 2 * len(self._rows) + 64:
            keep = {r.key for r in self._rows}
            self._memo = {k: v for k, v in self._memo.items() if k in keep}
        self._errors = tuple(e for e in snap.view.errors if e.source in self.SOURCES)
        self._show_errors()
        self._apply()

    def set_filter(self, text: str) -> None:
        """Keeps only rows containing every word of ``text``."""
        self.filter_words = tuple(text.lower().split())
        if self.is_mounted and self._pending is None:
            self._apply()  # a hidden pane with newer data filters when it catches up

    def _show_errors(self) -> None:
        strip = self.query_one(".pane-errors", Static)
        strip.display = bool(self._errors)
        if self._errors:
            lines = [f"{CRIT} parse error on {e.node}, {e.source}: {e.message}" for e in self._errors[:4]]
            if len(self._errors) > 4:
                lines.append(f"... and {len(self._errors) - 4} more")
            lines.append("press e for the raw output")
            set_text(strip, "\n".join(lines))
        self.set_class(bool(self._errors), "-parse-error")

    def _apply(self) -> None:
        rows = [r for r in self._rows if r.matches(self.filter_words)] if self.filter_words else self._rows
        self._sync(rows)
        hidden = len(self._rows) - len(rows)
        empty = self.query_one(".pane-empty", Static)
        empty.display = not rows
        if not rows:
            set_text(empty, f"filter hides all {len(self._rows)} rows" if hidden else self.empty)
        n_bad = sum(r.attention for r in self._rows)
        title = f"{self.TITLE} ({len(rows)}" + (f" of {len(self._rows)}" if hidden else "") + ")"
        self.border_title = title + (f" {WARN} {n_bad} need attention" if n_bad else "")
        self.set_class(any(r.stale for r in self._rows), "-stale")

    def _sync(self, rows: list[Row]) -> None:
        table = self.table
        cursor_key = self._cursor_key()
        wanted = {r.key for r in rows}
        for key in [k for k in self._shown if k not in wanted]:
            table.remove_row(key)
            del self._shown[key]
            self._row_objs.pop(key, None)
        reorder = False
        columns = [key for key, _ in self.COLUMNS]
        for r in rows:
            if self._row_objs.get(r.key) is r:
                continue  # an unchanged row object (the event log reuses them): nothing to compare
            self._row_objs[r.key] = r
            r.cells[0].row_order = r.order
            sig = tuple(_signature(c) for c in r.cells)
            sig = ((*sig[0], repr(r.order)), *sig[1:])
            old = self._shown.get(r.key)
            if old is None:
                table.add_row(*r.cells, key=r.key)
                reorder = True
            elif old != sig:
                for i, col in enumerate(columns):
                    if old[i] != sig[i]:
                        # Widen a column for a wider value, never narrow it on an update: narrowing
                        # makes the table measure every cell of the column (1,000 rows).
                        shown = table.columns.get(ColumnKey(col))
                        grow = shown is None or r.cells[i].cell_len > shown.content_width
                        table.update_cell(r.key, col, r.cells[i], update_width=grow)
                        reorder = reorder or i == 0 or i == self.sort_column
            self._shown[r.key] = sig
        if reorder:
            self._sort()
        if cursor_key is not None and cursor_key in self._shown:
            index = table.get_row_index(cursor_key)
            if index != table.cursor_row:
                table.move_cursor(row=index, animate=False, scroll=False)

    def _cursor_key(self) -> str | None:
        table = self.table
        if not table.row_count or not table.is_valid_row_index(table.cursor_row):
            return None
        return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    def _sort(self) -> None:
        col = self.sort_column

        def key(values: Sequence[Any]) -> Any:
            order = _norm(getattr(values[0], "row_order", ()))
            if col is None:
                return order
            return (_norm(getattr(values[col], "sort_key", None)), order)

        self.table.sort(key=key, reverse=self.sort_reverse)

    # -- actions ------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Refuses cluster-writing actions in read-only mode (see ``hatui.ui.modes``)."""
        read_only = bool(getattr(self.app, "read_only", False))
        return action_allowed(read_only, action)

    def action_sort(self) -> None:
        """Sorts by the next column (after the last column: back to the natural order)."""
        n = len(self.COLUMNS)
        self.sort_column = 0 if self.sort_column is None else self.sort_column + 1
        if self.sort_column >= n:
            self.sort_column = None
        name = "natural order" if self.sort_column is None else self.COLUMNS[self.sort_column][1]
        self.app.notify(f"{self.TITLE}: sorted by {name}", timeout=2)
        self._sort()

    def action_reverse_sort(self) -> None:
        """Reverses the sort order."""
        self.sort_reverse = not self.sort_reverse
        self._sort()

    def action_show_errors(self) -> None:
        """Opens the parse errors of this pane with their raw output."""
        if not self._errors:
            self.app.notify(f"{self.TITLE}: no parse errors", timeout=2)
            return
        self.post_message(DetailRequested(self.id or "", ERRORS_KEY))

    def action_detail(self) -> None:
        """Opens the detail of the highlighted row."""
        key = self._cursor_key()
        if key is not None:
            self.post_message(DetailRequested(self.id or "", key))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value is not None:
            self.post_message(DetailRequested(self.id or "", str(event.row_key.value)))

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        event.stop()
        if self.sort_column == event.column_index:
            self.sort_reverse = not self.sort_reverse
        else:
            self.sort_column, self.sort_reverse = event.column_index, False
        self._sort()

    def errors_detail(self, snap: Snapshot) -> DetailInfo:
        """The detail screen of this pane's parse errors: message and raw output of each."""
        fields = tuple((f"{e.node} {e.source}", e.message) for e in self._errors)
        raws = []
        for e in self._errors:
            rep = snap.view.report(e.node)
            text = rep.raw.get(e.source, "(no output captured)") if rep else "(node not polled)"
            raws.append((f"{e.node}: {e.source}", text))
        return DetailInfo(f"{self.TITLE}: parse errors", fields, tuple(raws), ())
