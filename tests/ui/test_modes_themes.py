"""Read-only monitor mode (wall layout, no write action anywhere) and theme handling."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.binding import Binding
from textual.widgets import Digits, Static, TabbedContent
from ui_cluster import NODES, capture, unreachable
from ui_harness import SIZE, ConsoleFactory

from hatui.ui import modes
from hatui.ui.cells import Palette
from hatui.ui.screens.main import MainScreen
from hatui.ui.screens.wall import WallScreen


def _all_actions(app: object) -> set[str]:
    """Every action name bound anywhere on the app or its installed screens and widgets."""
    names: set[str] = set()
    nodes = [app, app.main_screen, app.wall_screen, *app.main_screen.walk_children()]  # type: ignore[attr-defined]
    for node in nodes:
        for b in getattr(node, "BINDINGS", []):
            action = b.action if isinstance(b, Binding) else b[1]
            names.add(action.split("(")[0].removeprefix("app."))
    return names


async def test_monitor_mode_renders_the_wall_layout(console: ConsoleFactory) -> None:
    c = console(
        [capture("vnode1"), capture("vnode2"), unreachable("vnode3", "no route to host")], monitor=True
    )
    async with c.app.run_test(size=SIZE) as pilot:
        await c.next_polls(pilot)
        screen = c.app.screen
        assert isinstance(screen, WallScreen)
        assert c.app.read_only
        assert c.app.focused is None  # no cursor on a wall
        badge = screen.query_one("#wall-badge", Static)
        assert str(badge.render()) == "▲ WARNING"
        problems = str(screen.query_one("#wall-problems", Static).render())
        assert problems.startswith("PROBLEMS")
        assert "vnode3 unreachable: no route to host" in problems
        vms = str(screen.query_one("#wall-vms", Static).render())
        assert vms.startswith("VMs  1 ✔ ok · 2 ▲ need attention")
        # The VM's line is the verdict's problem about it: the node Pacemaker runs it on is unreachable.
        assert "▲ www: vnode3 unreachable: no route to host" in vms
        assert "DRBD  " in str(screen.query_one("#wall-drbd", Static).render())
        assert "vnode3 UNREACHABLE" in str(screen.query_one("#wall-nodes", Static).render())
        assert screen.query_one("#wall-clock", Digits).value == "00:00:00"
        assert c.app.current_theme.name == "hatui-wall"


async def test_monitor_mode_has_no_write_binding(
    console: ConsoleFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    c = console(monitor=True)
    async with c.app.run_test(size=SIZE) as pilot:
        await c.next_polls(pilot)
        assert not _all_actions(c.app) & modes.WRITE_ACTIONS
        for ab in c.app.screen.active_bindings.values():
            assert ab.binding.action not in modes.WRITE_ACTIONS
        # Once the actions work adds a write action, read-only mode refuses it everywhere:
        monkeypatch.setattr(modes, "WRITE_ACTIONS", frozenset({"refresh_now", "toggle_pause"}))
        assert c.app.check_action("refresh_now", ()) is False
        assert await c.app.run_action("toggle_pause") is False
        assert not c.app.paused
        keys = {ab.binding.action for ab in c.app.screen.active_bindings.values()}
        assert "refresh_now" not in keys
        assert "toggle_pause" not in keys
        titles = {cmd.title for cmd in c.app.get_system_commands(c.app.screen)}
        assert "Refresh now" not in titles
        assert "Wall layout" in titles


async def test_operator_mode_allows_what_read_only_refuses(
    console: ConsoleFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(modes, "WRITE_ACTIONS", frozenset({"toggle_pause"}))
    c = console()
    async with c.app.run_test(size=SIZE) as pilot:
        await c.next_polls(pilot)
        assert not c.app.read_only
        assert await c.app.run_action("toggle_pause")
        assert c.app.paused


async def test_read_only_cluster_refuses_writes_in_the_panes_too(
    console: ConsoleFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(modes, "WRITE_ACTIONS", frozenset({"sort"}))
    c = console(mode="read-only")
    async with c.app.run_test(size=SIZE) as pilot:
        await c.next_polls(pilot)
        assert isinstance(c.app.screen, MainScreen)
        assert c.app.read_only
        vms = c.app.main_screen.pane("vms")
        assert vms.check_action("sort", ()) is False
        await pilot.press("s")
        assert vms.sort_column is None
        assert "s" not in c.app.screen.active_bindings


async def test_wall_toggle_from_the_panes(console: ConsoleFactory) -> None:
    c = console()
    async with c.app.run_test(size=SIZE) as pilot:
        await c.next_polls(pilot)
        shown = []
        for _ in range(2):
            await pilot.press("w")
            shown.append(c.app.screen)
        assert shown == [c.app.wall_screen, c.app.main_screen]


async def test_theme_switching_changes_the_state_colours(console: ConsoleFactory) -> None:
    c = console()
    async with c.app.run_test(size=SIZE) as pilot:
        await c.next_polls(pilot)
        assert c.app.current_theme.name == "hatui-dark"
        dark = c.app.palette
        c.app.theme = "hatui-light"
        await pilot.pause()
        assert c.app.palette != dark
        assert c.app.theme_variables["hatui-failed"] == "#c0150f"
        assert c.app.palette == Palette.from_variables(c.app.theme_variables)
        await pilot.press("t")
        assert c.app.theme == "hatui-wall"
        c.app.theme = "textual-light"  # any built-in theme works: hatui colours fall back to its own
        await pilot.pause()
        assert c.app.theme_variables["hatui-ok"] == c.app.theme_variables["success"]


async def test_invalid_user_theme_falls_back_with_a_notification(console: ConsoleFactory) -> None:
    user = Path.home() / ".config" / "hatui" / "themes"
    user.mkdir(parents=True)
    (user / "broken.yaml").write_text("name: broken\nprimary: '#123456'\nbackgorund: '#000000'\n")
    (user / "mine.yaml").write_text("name: mine\nprimary: '#123456'\nvariables:\n  hatui-ok: '#00ff00'\n")
    c = console(theme="broken")
    async with c.app.run_test(size=SIZE, notifications=True) as pilot:
        await c.next_polls(pilot)
        assert c.app.theme == "hatui-dark"
        assert any("broken.yaml" in p and "backgorund" in p for p in c.app.theme_problems)
        assert c.app.screen.query("Toast")  # the warning toast is on screen
        assert "mine" in c.app.available_themes
        c.app.theme = "mine"
        await pilot.pause()
        assert c.app.theme_variables["hatui-ok"] == "#00ff00"


async def test_screenshots_of_main_states(console: ConsoleFactory, tmp_path: Path) -> None:
    """Visual check: healthy, degraded (sync + node unreachable) and monitor mode render to SVG."""
    c = console([capture(n, "healthy", sync_www=41.3) for n in NODES])
    async with c.app.run_test(size=SIZE) as pilot:
        await c.next_polls(pilot)
        healthy = c.app.save_screenshot("healthy.svg", path=str(tmp_path))
        c.poller.replace(unreachable("vnode2", "connection timed out"))
        await c.next_polls(pilot, ("vnode2",))
        await pilot.press("4")
        degraded = c.app.save_screenshot("degraded.svg", path=str(tmp_path))
        await pilot.press("w")
        wall = c.app.save_screenshot("wall.svg", path=str(tmp_path))
    shots = {
        name: _svg_text(Path(p)) for name, p in (("healthy", healthy), ("degraded", degraded), ("wall", wall))
    }
    assert "SyncSource" in shots["degraded"]
    assert "last seen" in shots["degraded"]
    assert "PROBLEMS" in shots["wall"]
    assert "Reference" in shots["healthy"]


def _svg_text(path: Path) -> str:
    # SVG text escapes spaces as &#160;
    return path.read_text(encoding="utf-8").replace("&#160;", " ")


async def test_keymap_from_config_rebinds_by_binding_id(console: ConsoleFactory) -> None:
    c = console(keymap={"pause": "z"})
    async with c.app.run_test(size=SIZE) as pilot:
        await c.next_polls(pilot)
        await pilot.press("z")
        assert c.app.paused


async def test_palette_offers_console_commands(console: ConsoleFactory) -> None:
    c = console()
    async with c.app.run_test(size=SIZE) as pilot:
        await c.next_polls(pilot)
        commands = {cmd.title: cmd for cmd in c.app.get_system_commands(c.app.screen)}
        assert {"Show VMs", "Show DRBD", "Pause or resume", "Filter rows", "Wall layout"} <= set(commands)
        await commands["Show DRBD"].callback()
        await pilot.pause()
        assert c.app.main_screen.query_one(TabbedContent).active == "tab-drbd"
