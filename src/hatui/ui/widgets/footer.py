"""Provides SteadyFooter: Textual's footer that keeps each set of keys it has shown, to show again.

Textual's Footer removes and re-creates every key widget whenever the screen's bindings are
updated, which happens on every focus change: a pane switch moves the focus to the pane's table,
and styling some twenty new widgets was most of the switch's time. The panes' keys are a handful
of sets (each pane's action keys differ), so this footer keeps the widgets of each set it has
shown in a row of their own and only switches which row is displayed (and which keys are
enabled). The keys themselves still come from ``Footer.compose``: what it shows is Textual's.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual.app import ComposeResult
from textual.compose import compose
from textual.containers import HorizontalGroup
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer
from textual.widgets._footer import FooterKey, FooterLabel, KeyGroup


def _pending(widget: Widget) -> list[Widget]:
    # Widgets composed but not mounted hold their children here (Textual's compose protocol).
    return list(getattr(widget, "_pending_children", ()))


def shape_of(widgets: Iterable[Widget], children: Any = _pending) -> tuple[Any, ...]:
    """What a row of footer widgets shows, enabled state aside (widgets of the same shape show
    the same keys in the same places)."""
    out: list[Any] = []
    for w in widgets:
        if isinstance(w, FooterKey):
            out.append((w.key, w.key_display, w.description, w.action, w.tooltip, tuple(sorted(w.classes))))
        elif isinstance(w, FooterLabel):
            out.append(("label", str(w.content)))
        elif isinstance(w, KeyGroup):
            out.append(("group", tuple(sorted(w.classes)), shape_of(children(w), children)))
        else:
            out.append((type(w).__name__,))
    return tuple(out)


def keys_of(widgets: Iterable[Widget], children: Any = _pending) -> list[FooterKey]:
    """The key widgets among ``widgets`` and their groups, left to right."""
    out: list[FooterKey] = []
    for w in widgets:
        if isinstance(w, FooterKey):
            out.append(w)
        elif isinstance(w, KeyGroup):
            out += keys_of(children(w), children)
    return out


def _mounted(widget: Widget) -> list[Widget]:
    return list(widget.children)


class SteadyFooter(Footer):
    """A Footer that shows a set of keys it has shown before without re-creating its widgets."""

    DEFAULT_CSS = """
    SteadyFooter > .footer-keys {
        width: 1fr;
        height: 1;
        layout: horizontal;
    }
    """
    #: Rows kept (least recently shown dropped first): every pane's keys with room to spare.
    KEPT = 16

    def __init__(self) -> None:
        super().__init__()
        self._rows: dict[tuple[Any, ...], HorizontalGroup] = {}

    def compose(self) -> ComposeResult:
        return iter(())  # the rows are mounted by _show_keys

    def bindings_changed(self, screen: Screen[Any]) -> None:
        self._bindings_ready = True
        if screen.app.app_focus and self.is_attached and screen is self.screen:
            # In this widget's own context: Footer.compose binds its keys to the active widget.
            self.call_later(self._show_keys)

    async def _show_keys(self) -> None:
        if not self.is_attached:
            return
        wanted = compose(self, Footer.compose(self))
        shape = shape_of(wanted)
        row = self._rows.pop(shape, None)
        if row is None:
            row = HorizontalGroup(*wanted, classes="footer-keys")
            await self.mount(row)
        else:
            for key, new in zip(keys_of(row.children, _mounted), keys_of(wanted), strict=True):
                if key._disabled != new._disabled:
                    key._disabled = new._disabled
                    key.set_class(new._disabled, "-disabled")
        self._rows[shape] = row  # now the most recently shown
        for other in self._rows.values():
            other.display = other is row
        while len(self._rows) > self.KEPT:
            oldest = next(iter(self._rows))
            await self._rows.pop(oldest).remove()

    @property
    def shown_row(self) -> HorizontalGroup | None:
        """The row of keys on display."""
        return next((r for r in self._rows.values() if r.display), None)
