"""Provides FleetTable: one row per watched cluster, every cell in words (``hatui.model.fleet``).

The row says what the cluster's own console would say: the verdict badge, the worst problem and
how long it has lasted, nodes up, VMs running, the N+1 words and how old the oldest data is. Colour
only repeats what the words say (a wall photographed in black and white still reads). Rows are
keyed by the cluster's config name and updated in place, so the cursor stays on its cluster.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from textual.binding import Binding, BindingType
from textual.widgets.data_table import ColumnKey

from hatui.model.fleet import FleetRow
from hatui.ui.cells import Cell, Palette, cell, health_word
from hatui.ui.widgets.steady_table import SteadyTable

#: Column key -> its heading, in order.
COLUMNS: dict[str, str] = {
    "cluster": "Cluster",
    "mode": "Mode",
    "health": "Health",
    "nodes": "Nodes",
    "vms": "VMs",
    "capacity": "N+1",
    "data": "Data",
    "problem": "Worst problem",
}
"""The worst problem comes last: it is the long one, and a narrow terminal cuts it, not the counts."""

#: Verdict -> sort rank, worst first (a cluster nobody could read may be down: before warnings).
STATUS_RANK = {"CRITICAL": 0, "UNKNOWN": 1, "WARNING": 2, "OK": 3}


def fleet_cells(row: FleetRow, palette: Palette) -> dict[str, Cell]:
    """The cells of ``row`` by column key: words first, colour for what they already say."""
    status = row.status_word
    health_style = {"OK": palette.ok, "WARNING": palette.warn, "CRITICAL": palette.crit}.get(
        status, palette.stale
    )
    problem_style = palette.severity(row.worst.severity) if row.worst is not None else palette.ok
    nodes_style = palette.crit if row.unreachable else palette.ok
    cap_style = {True: palette.ok, False: palette.warn}.get(row.capacity_ok, palette.stale)  # type: ignore[arg-type]
    health = health_word(status) if row.status is not None else "… waiting"
    return {
        "cluster": cell(row.title),
        "mode": cell(row.mode, palette.warn if row.mode != "read-only" else ""),
        "health": cell(health, health_style, sort=STATUS_RANK.get(status, 1)),
        "nodes": cell(row.nodes_words, nodes_style, sort=(row.nodes_up - row.nodes_total, row.nodes_up)),
        "vms": cell(row.vms_words, sort=(row.vms_running - row.vms_total, row.vms_running)),
        "capacity": cell(row.capacity, cap_style),
        "data": cell(row.freshness_words, sort=row.oldest_data_s if row.oldest_data_s is not None else 1e12),
        "problem": cell(row.problem_words or "no problems", problem_style),
    }


class FleetTable(SteadyTable):
    """The fleet: a row per cluster in the config's order, the cursor on a row (``Enter`` opens it)."""

    # The table's own Enter (select the row) is hidden from the footer, and it shadows the screen's:
    # say here what it does, so the one key that leads anywhere from the fleet is on screen.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Open", tooltip="Open the cluster under the cursor"),
    ]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(cursor_type="row", zebra_stripes=False, **kwargs)
        self._shown: dict[str, dict[str, Cell]] = {}

    def on_mount(self) -> None:
        for key, label in COLUMNS.items():
            self.add_column(label, key=key)

    def show(self, rows: Sequence[FleetRow], palette: Palette) -> None:
        """Puts ``rows`` in the table: new clusters are added, changed cells updated in place."""
        for row in rows:
            cells = fleet_cells(row, palette)
            before = self._shown.get(row.cluster)
            if before is None:
                self.add_row(*cells.values(), key=row.cluster)
            else:
                for key, value in cells.items():
                    if _differs(before[key], value):
                        # A wider cell re-lays the table out; most changes (an age) fit the column.
                        grows = value.cell_len > self.columns[ColumnKey(key)].content_width
                        self.update_cell(row.cluster, key, value, update_width=grows)
            self._shown[row.cluster] = cells

    @property
    def chosen(self) -> str | None:
        """The config name of the cluster under the cursor."""
        if not self.row_count:
            return None
        return str(self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value)


def _differs(a: Cell, b: Cell) -> bool:
    return a.plain != b.plain or a.style != b.style
