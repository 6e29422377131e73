"""The footer keeps its key widgets across pane switches and still shows each pane's keys.

A pane switch moves the focus, which updates the screen's bindings; the footer shows and hides
the keys that differ (the VMs and Resources panes have a "why" key the other panes lack) instead
of re-creating every key, and a key that changes (the keymap rebinds it) rebuilds it.
"""

from __future__ import annotations

from typing import Any

from textual._context import active_message_pump
from textual.compose import compose
from textual.widgets import Footer
from textual.widgets._footer import FooterKey, FooterLabel, KeyGroup
from ui_harness import SIZE, ConsoleFactory

from hatui.ui.widgets.footer import SteadyFooter


def footer(app: Any) -> SteadyFooter:
    return app.main_screen.query_one(SteadyFooter)


def flat(widgets: Any, *, mounted: bool) -> list[tuple[str, str, bool]]:
    """The footer's keys and group labels, left to right: (key display, description, disabled)."""
    out: list[tuple[str, str, bool]] = []
    for w in widgets:
        if isinstance(w, KeyGroup):
            out += flat(w.children if mounted else w._pending_children, mounted=mounted)
        elif isinstance(w, FooterLabel):
            out.append(("", str(w.content), False))
        elif isinstance(w, FooterKey):
            out.append((w.key_display, w.description, w._disabled))
    return out


def shown(app: Any) -> list[tuple[str, str, bool]]:
    """What the footer displays."""
    row = footer(app).shown_row
    assert row is not None
    return flat(row.children, mounted=True)


def expected(app: Any) -> list[tuple[str, str, bool]]:
    """What Textual's own footer composes for the screen's bindings now."""
    widget = footer(app)
    token = active_message_pump.set(widget)  # Footer.compose binds its keys to the active widget
    try:
        return flat(compose(widget, Footer.compose(widget)), mounted=False)
    finally:
        active_message_pump.reset(token)


async def test_pane_switches_reuse_the_footer_keys_and_show_each_panes_own(console: ConsoleFactory) -> None:
    c = console()
    async with c.app.run_test(size=SIZE) as pilot:
        await c.next_polls(pilot)
        await pilot.pause()
        seen: dict[str, list[tuple[str, str, bool]]] = {}
        for key in "1234567":  # the first round builds each pane's keys
            await pilot.press(key)
            await pilot.pause()
            seen[key] = shown(c.app)
            assert seen[key] == expected(c.app), f"after {key}"
        assert seen["1"] != seen["2"], "the VMs and Nodes panes have different action keys"
        widgets = set(footer(c.app).query(FooterKey))
        for key in "1234567":
            await pilot.press(key)
            await pilot.pause()
            assert shown(c.app) == expected(c.app) == seen[key], f"again after {key}"
            assert set(footer(c.app).query(FooterKey)) == widgets, f"after {key}: footer keys re-created"


async def test_a_rebound_key_shows_in_the_footer(console: ConsoleFactory) -> None:
    c = console()
    async with c.app.run_test(size=SIZE) as pilot:
        await c.next_polls(pilot)
        await pilot.pause()
        assert ("/", "Filter", False) in shown(c.app)
        c.app.update_keymap({"filter": "f6"})
        await pilot.pause()
        await pilot.pause()
        assert ("f6", "Filter", False) in shown(c.app)
        assert ("/", "Filter", False) not in shown(c.app)
        assert shown(c.app) == expected(c.app)
        await pilot.press("3")
        await pilot.pause()
        assert ("f6", "Filter", False) in shown(c.app)
        assert shown(c.app) == expected(c.app)
