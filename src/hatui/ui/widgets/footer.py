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

    def on_mount(self) -> None:
        # Footer's own on_mount subscribes after this one (and a Mount's default handlers must run).
        self.call_next(self._subscribe_immediately)

    def _subscribe_immediately(self) -> None:
        # Footer's subscription runs bindings_changed from this widget's queue, after the message
        # that changed the bindings: after a pane switch's frame.
        signal = self.screen.bindings_updated_signal
        signal.unsubscribe(self)
        signal.subscribe(self, self.bindings_changed, immediate=True)

    def bindings_changed(self, screen: Screen[Any]) -> None:
        self._bindings_ready = True
        if screen.app.app_focus and self.is_attached and screen is self.screen:
            # In this widget's own context: Footer.compose binds its keys to the active widget.
            # A set of keys shown before is shown now, in the frame of the focus change (a pane
            # switch): done later, its rows' layout requests reached the screen after that frame
            # and made a second one, 17-33 ms later. A new set is mounted later.
            with self._context():
                if self._show_kept(self._wanted()):
                    return
            self.call_later(self._show_keys)

    def _wanted(self) -> list[Widget]:
        """The key widgets Textual's Footer would show now (not mounted)."""
        # Footer.compose sets the footer's grid column count to the number of actions shown, and a
        # changed count asks every widget under the footer (every kept row's keys) for a layout,
        # which made a pane switch draw a second frame. The footer is laid out horizontally, so
        # the count changes nothing drawn: it is set beforehand without that refresh, and compose
        # finds it unchanged.
        shown = {binding.action for _, binding, _, _ in self.screen.active_bindings.values() if binding.show}
        self.styles.set_rule("grid_size_columns", len(shown))
        return compose(self, Footer.compose(self))

    def _show_kept(self, wanted: list[Widget]) -> bool:
        """Shows the kept row of the keys ``wanted`` (their enabled state updated); False when no
        row of that shape is kept."""
        shape = shape_of(wanted)
        row = self._rows.pop(shape, None)
        if row is None:
            return False
        for key, new in zip(keys_of(row.children, _mounted), keys_of(wanted), strict=True):
            if key._disabled != new._disabled:
                key._disabled = new._disabled
                key.set_class(new._disabled, "-disabled")
        self._show_row(shape, row)
        return True

    def _show_row(self, shape: tuple[Any, ...], row: HorizontalGroup) -> None:
        self._rows[shape] = row  # now the most recently shown
        for other in self._rows.values():
            if other.display != (other is row):
                other.display = other is row
                # Hand the layout request to the screen now, not when the row is next idle: the
                # screen's frame timer could fire in between, lay the rows out with the pane, and
                # the request, arriving after that frame, made a second one.
                other._check_refresh()

    async def _show_keys(self) -> None:
        if not self.is_attached:
            return
        wanted = self._wanted()
        if self._show_kept(wanted):
            return
        shape = shape_of(wanted)  # before mounting: a group's keys are read from its composed children
        row = HorizontalGroup(*wanted, classes="footer-keys")
        # The shown row hidden first: laid out beside it, the new row was half as wide, and grew in
        # a frame of its own when next shown.
        self._show_row(shape, row)
        await self.mount(row)
        while len(self._rows) > self.KEPT:
            oldest = next(iter(self._rows))
            await self._rows.pop(oldest).remove()

    @property
    def shown_row(self) -> HorizontalGroup | None:
        """The row of keys on display."""
        return next((r for r in self._rows.values() if r.display), None)
