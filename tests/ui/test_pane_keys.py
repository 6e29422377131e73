"""The pane keys shown in the tab labels and the help are the keys actually bound.

The bindings come from one table (``PANES``); a ``keymap:`` entry ``pane-<id>`` rebinds a pane's
key, and the tab label and the help follow it, so the console never shows a key that does nothing.
"""

from __future__ import annotations

from typing import Any

from textual.widgets import HelpPanel, Markdown, TabbedContent
from ui_harness import SIZE, ConsoleFactory

from hatui.ui.screens.main import PANES, MainScreen


def main(app: Any) -> MainScreen:
    screen = app.main_screen
    assert isinstance(screen, MainScreen)
    return screen


def labels(app: Any) -> list[str]:
    tabs = main(app).query_one(TabbedContent)
    return [str(tabs.get_tab(f"tab-{pane}").label) for pane in PANES]


async def help_text(app: Any, pilot: Any) -> str:
    """The help panel's text with the focus outside any pane (the console's own help)."""
    await pilot.press("slash")  # the filter bar has no help of its own: the screen's shows
    app.action_show_help_panel()
    await pilot.pause()
    source = app.screen.query_one(HelpPanel).query_one(Markdown).source
    assert isinstance(source, str)
    return source


async def test_default_keys_are_numbered_in_tab_order(console: ConsoleFactory) -> None:
    c = console()
    async with c.app.run_test(size=SIZE) as pilot:
        await c.next_polls(pilot)
        assert labels(c.app) == [
            "1 VMs", "2 Nodes", "3 Resources", "4 DRBD", "5 Problems (1)", "6 Events", "7 Storage"
        ]  # fmt: skip
        text = await help_text(c.app, pilot)
        assert (
            "Panes: **1** VMs, **2** Nodes, **3** Resources, **4** DRBD, **5** Problems, **6** Events,"
            " **7** Storage" in text
        )


async def test_a_rebound_pane_key_shows_in_its_tab_and_the_help(console: ConsoleFactory) -> None:
    c = console(keymap={"pane-drbd": "9", "pane-problems": "f5"})
    async with c.app.run_test(size=SIZE) as pilot:
        await c.next_polls(pilot)
        assert labels(c.app)[3:5] == ["9 DRBD", "f5 Problems (1)"]
        tabs = main(c.app).query_one(TabbedContent)
        await pilot.press("4")
        assert tabs.active == "tab-vms", "4 no longer shows DRBD"
        await pilot.press("9")
        assert tabs.active == "tab-drbd"
        text = await help_text(c.app, pilot)
        assert "**9** DRBD, **f5** Problems, **6** Events" in text
        assert "**4**" not in text


async def test_a_keymap_changed_while_running_relabels_the_tabs(console: ConsoleFactory) -> None:
    c = console()
    async with c.app.run_test(size=SIZE) as pilot:
        await c.next_polls(pilot)
        c.app.update_keymap({"pane-vms": "0"})
        await pilot.pause()
        assert labels(c.app)[0] == "0 VMs"
        await pilot.press("2", "0")
        assert main(c.app).query_one(TabbedContent).active == "tab-vms"
        assert "**0** VMs, **2** Nodes" in await help_text(c.app, pilot)
