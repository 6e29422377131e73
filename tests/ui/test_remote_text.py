"""Remote text in the console is data: never Textual markup, never a terminal control sequence.

An SSH server's disconnect message, a command's output and the names a node reports go through
the real panes, toasts, wall and dialogs; the app must keep running and show them as written.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from test_ui_actions import demo_console, ready, select
from textual.widgets import Button, Static
from ui_cluster import capture, unreachable
from ui_harness import SIZE, ConsoleFactory, wait_for

from hatui.model.health import Health, HealthStatus
from hatui.ui.screens.confirm import ConfirmScreen
from hatui.ui.screens.detail import DetailScreen
from hatui.ui.widgets.header import ClusterHeader

CLOSE = "[/x]"
STYLED = "[bold red]x[/]"
OSC52 = "\x1b]52;c;SGVsbG8=\x07"
RLO = "\u202e"


def rendered(widget: Any) -> str:
    """What a Static shows, as plain text."""
    return str(widget.render())


def toasts(app: Any) -> list[str]:
    """The text of the toasts on screen, as rendered."""
    return [str(t.render()) for t in app.screen.query("Toast")]


async def test_markup_in_an_ssh_error_is_shown_as_written_everywhere(console: ConsoleFactory) -> None:
    c = console()
    async with c.app.run_test(size=SIZE, notifications=True) as pilot:
        await c.next_polls(pilot)
        c.poller.replace(unreachable("vnode2", CLOSE))
        c.poller.replace(unreachable("vnode3", STYLED))
        nodes = c.app.main_screen.pane("nodes")
        # Each node has its own poll worker: wait for both unreachable polls, not just vnode3's.
        await wait_for(
            pilot,
            lambda: (
                nodes.cell_text("vnode3", "reach").endswith(STYLED)
                and nodes.cell_text("vnode2", "reach").endswith(f": {CLOSE}")
            ),
        )
        problems = c.app.main_screen.pane("problems")
        messages = [problems.cell_text(k, "message") for k in problems.row_keys]
        assert any(f"unreachable: {CLOSE}" in m for m in messages)
        assert any(f"unreachable: {STYLED}" in m for m in messages)
        shown = "\n".join(toasts(c.app))
        assert f"vnode2 unreachable: {CLOSE}" in shown and f"vnode3 unreachable: {STYLED}" in shown
        chips = [rendered(s) for s in c.app.main_screen.query(".node-chip")]
        assert any(f"({STYLED})" in chip for chip in chips)
        await pilot.press("w")
        wall = c.app.wall_screen
        await wait_for(pilot, lambda: CLOSE in rendered(wall.query_one("#wall-nodes", Static)))
        assert f"({STYLED})" in rendered(wall.query_one("#wall-nodes", Static))
        assert STYLED in rendered(wall.query_one("#wall-problems", Static))
        await c.next_polls(pilot, ("vnode1",))
        assert c.app.is_running and c.app.return_code is None


async def test_control_characters_in_domain_names_are_shown_escaped(console: ConsoleFactory) -> None:
    hostile = (("vm" + OSC52, 7, 256), (f"vm{RLO}txt.exe", 8, 256))
    c = console([capture("vnode1"), capture("vnode2", guests=hostile), capture("vnode3")])
    async with c.app.run_test(size=SIZE) as pilot:
        await c.next_polls(pilot)
        vms = c.app.main_screen.pane("vms")
        assert vms.cell_text("vm" + OSC52, "vm") == "vm\\x1b]52;c;SGVsbG8=\\x07"
        assert vms.cell_text(f"vm{RLO}txt.exe", "vm") == "vm\\u202etxt.exe"
        assert "vnode2" in vms.cell_text("vm" + OSC52, "running")
        screen = c.app.export_screenshot()
        assert "\x1b" not in screen and "\x07" not in screen and RLO not in screen
        assert "vm\\u202etxt.exe" in screen


async def test_the_detail_screen_shows_remote_titles_and_raw_output_inert(console: ConsoleFactory) -> None:
    c = console()
    async with c.app.run_test(size=SIZE) as pilot:
        await c.next_polls(pilot)
        c.poller.replace(unreachable("vnode3", f"{CLOSE} {OSC52}"))
        problems = c.app.main_screen.pane("problems")
        await wait_for(pilot, lambda: any("vnode3" in k for k in problems.row_keys))
        await pilot.press("5")
        key = next(k for k in problems.row_keys if "vnode3" in k)
        problems.table.move_cursor(row=problems.row_keys.index(key))
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(c.app.screen, DetailScreen))
        title = rendered(c.app.screen.query_one("#detail-title", Static))
        assert f"vnode3 unreachable: {CLOSE} \\x1b]52;c;SGVsbG8=\\x07" in title
        assert c.app.is_running


async def test_a_progress_toast_keeps_the_bracketed_node_name() -> None:
    c = demo_console(generation="modern")
    async with c.app.run_test(size=SIZE, notifications=True) as pilot:
        await ready(pilot, c)
        await select(pilot, c, "resources", "sentinel")
        await pilot.press("C")
        await wait_for(pilot, lambda: isinstance(c.app.screen, ConfirmScreen))
        assert c.app.focused is c.app.screen.query_one("#cancel", Button)
        await pilot.press("tab", "enter")  # from Cancel to Run
        await wait_for(pilot, lambda: any("[vnode1] crm_resource" in t for t in toasts(c.app)), within=20)
        await wait_for(pilot, lambda: c.app.actions.last_result is not None, within=30)


async def test_the_header_and_wall_say_no_problems_only_when_the_verdict_is_ok(
    console: ConsoleFactory,
) -> None:
    c = console()
    async with c.app.run_test(size=SIZE) as pilot:
        await c.next_polls(pilot)
        await pilot.press("w")
        await wait_for(pilot, lambda: c.app.wall_screen.is_mounted)
        await pilot.press("w")
        c.app.paused = True  # the pollers go on; keep them from redrawing over the snapshots under test
        snap = c.app.state.snapshot(False)
        assert snap is not None
        header = c.app.main_screen.query_one(ClusterHeader)
        for status, expected in ((HealthStatus.UNKNOWN, "? UNKNOWN"), (HealthStatus.OK, "✔ no problems")):
            empty = dataclasses.replace(snap, health=Health(status, ()))
            header.update_from(empty, paused=None, filter_text="", read_only=False)
            c.app.main_screen.pane("problems").update_from(empty, c.app.palette)
            c.app.wall_screen.update_from(empty, title="t", accent=None)
            assert rendered(header.query_one("#problem-line", Static)).startswith(expected)
            assert c.app.main_screen.pane("problems").empty.startswith(expected)
            assert rendered(c.app.wall_screen.query_one("#wall-problems", Static)).startswith(expected)
