"""Provides the Events pane: what changed between polls, newest first, kept for the session."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from rich.style import Style

from hatui.ui.cells import Palette, cell, severity_cell
from hatui.ui.details import DetailInfo, flatten
from hatui.ui.widgets.table_pane import Row, TablePane
from hatui.watch.state import LoggedEvent, Snapshot


def event_row(le: LoggedEvent, palette: Palette) -> Row:
    """The row of one logged event (built once: events never change)."""
    ev = le.event
    return Row(
        key=f"ev{le.seq}",
        cells=(
            cell(str(le.seq), Style(), sort=le.seq),
            cell(f"{ev.at:%H:%M:%S}", Style(), sort=ev.at.timestamp()),
            severity_cell(ev.severity, palette),
            cell(ev.subject, Style(bold=True)),
            cell(ev.message, palette.severity(ev.severity) if ev.severity != "info" else Style()),
            cell(ev.kind.value, Style()),
        ),
        order=(-le.seq,),
        search=ev.node or "",
        attention=ev.severity == "critical",
    )


class EventsPane(TablePane):
    """The session's event log."""

    TITLE = "Events"
    EMPTY = "no change seen yet"
    COLUMNS: ClassVar[tuple[tuple[str, str], ...]] = (
        ("seq", "#"),
        ("time", "Time"),
        ("severity", "Sev"),
        ("subject", "Subject"),
        ("message", "Event"),
        ("kind", "Kind"),
    )
    HELP = """\
## Events
What changed between polls, newest first: moves, starts and stops, nodes going offline or
unreachable, DRBD role/disk/connection changes and sync progress every 10%. Times are UTC.
"""

    def __init__(self, *, id: str | None = None) -> None:  # Textual's own name
        super().__init__(id=id)
        self.log_source: Iterable[LoggedEvent] = ()
        self._event_rows: dict[int, Row] = {}
        self._rows_palette: Palette | None = None

    def build_rows(self, snap: Snapshot) -> list[Row]:
        if self._rows_palette != self.palette:
            self._event_rows, self._rows_palette = {}, self.palette
        rows = []
        for le in self.log_source:
            row = self._event_rows.get(le.seq)
            if row is None:
                row = self._event_rows[le.seq] = event_row(le, self.palette)
            rows.append(row)
        if len(self._event_rows) > len(rows) * 2:
            keep = {le.seq for le in self.log_source}
            self._event_rows = {k: v for k, v in self._event_rows.items() if k in keep}
        return rows

    def detail(self, key: str, snap: Snapshot) -> DetailInfo | None:
        seq = int(key.removeprefix("ev")) if key.startswith("ev") else -1
        for le in self.log_source:
            if le.seq == seq:
                ev = le.event
                subjects = (ev.subject,)
                return DetailInfo(f"Event #{seq}: {ev.message}", tuple(flatten(ev)), (), subjects)
        return None
