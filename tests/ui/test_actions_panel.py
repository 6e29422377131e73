"""The actions panel on the demo: the header line, cancel, one action per target, quitting mid-action.

The demo's time is frozen (``fast=False``): a move waits until it is cancelled, so each scene sees
the action in flight for as long as it needs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from test_ui_actions import DemoConsole, choose_first, demo_console, ready, select, toasts
from textual.widgets import DataTable, Static
from ui_harness import SIZE, wait_for

from hatui.actions.audit import AuditLog, read_log
from hatui.model.events import EventKind
from hatui.transport.base import CommandResult
from hatui.ui.screens.actions_panel import ActionsPanel, QuitScreen
from hatui.ui.screens.confirm import ConfirmScreen
from hatui.ui.screens.main import MainScreen


def ours(c: DemoConsole) -> list[str]:
    return sorted(k.id for k in c.demo.cib.constraints if k.id.startswith(("cli-", "hatui-inflight-")))


def header_line(c: DemoConsole) -> str:
    line = c.app.main_screen.query_one("#running-line", Static)
    return str(line.render()) if line.display else ""


async def start_move(pilot: object, c: DemoConsole) -> None:
    """Moves sentinel to vnode2 from the VMs pane, and waits until the move waits for the cluster."""
    await ready(pilot, c)
    await select(pilot, c, "vms", "sentinel")
    await pilot.press("m")  # type: ignore[attr-defined]
    await choose_first(pilot, c)
    await wait_for(pilot, lambda: isinstance(c.app.screen, ConfirmScreen))
    await pilot.press("tab", "enter")  # type: ignore[attr-defined]
    # A bound, not a speed check: the preview and the first polls share the CPU with other tests.
    await wait_for(pilot, lambda: "waiting for" in " ".join(r.doing for r in c.app.actions.running()), 30)


async def test_header_and_panel_show_the_move_and_cancel_undoes_it(tmp_path: Path) -> None:
    c = demo_console(fast=False, generation="modern")
    c.app.actions.audit = AuditLog(tmp_path / "audit.log", user="tester")
    async with c.app.run_test(size=SIZE, notifications=True) as pilot:
        assert header_line(c) == ""
        await start_move(pilot, c)
        await wait_for(pilot, lambda: header_line(c) != "")
        line = header_line(c)
        assert line.startswith("▶ move_resource sentinel · 1/2 "), line
        assert "waiting for sentinel" in line and "(a: actions)" in line
        await pilot.press("a")
        await wait_for(
            pilot, lambda: isinstance(c.app.screen, ActionsPanel) and bool(c.app.screen.query(DataTable))
        )
        panel = c.app.screen
        assert isinstance(panel, ActionsPanel)
        table = panel.query_one(DataTable)
        await wait_for(pilot, lambda: table.row_count == 1)
        action, target, step, doing, elapsed = (str(v) for v in table.get_row_at(0))
        assert (action, target) == ("move_resource", "sentinel")
        assert step.startswith("1/2 ") and doing.startswith("waiting for sentinel")
        assert elapsed.endswith("s / 630s") or elapsed.split(" / ")[1].endswith("s")
        assert len(ours(c)) == 3  # the prefer, the ban, the marker
        await pilot.press("x")
        await wait_for(pilot, lambda: c.app.actions.last_result is not None, within=10)
        result = c.app.actions.last_result
        assert result is not None and not result.ok
        assert result.outcome.startswith("cancelled by the admin at 1/2 ")
        assert "removed cli-prefer-sentinel, cli-ban-sentinel-on-vnode1" in result.outcome
        assert ours(c) == []
        await wait_for(
            pilot, lambda: table.row_count == 1 and str(table.get_row_at(0)[0]) == "no action running"
        )
        await wait_for(pilot, lambda: any(le.event.kind is EventKind.ACTION for le in c.app.state.events))
        [logged] = [le.event.message for le in c.app.state.events if le.event.kind is EventKind.ACTION]
        assert logged.startswith("move_resource sentinel: FAILED: cancelled by the admin")
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(c.app.screen, MainScreen))
        await wait_for(pilot, lambda: header_line(c) == "")
    [end] = [r for r in read_log(tmp_path / "audit.log") if r["event"] == "end"]
    assert end["left"] == [] and str(end["outcome"]).startswith("cancelled by the admin")


async def test_an_unrelated_action_runs_meanwhile_and_the_same_target_is_refused(tmp_path: Path) -> None:
    c = demo_console(fast=False)
    c.app.actions.audit = AuditLog(tmp_path / "audit.log", user="tester")
    async with c.app.run_test(size=SIZE, notifications=True) as pilot:
        await start_move(pilot, c)
        # The same VM: refused at once with the reason, before any confirmation.
        await pilot.press("R")
        await wait_for(pilot, lambda: any("one action per target" in t for t in toasts(c.app)))
        refusal = next(t for t in toasts(c.app) if "one action per target" in t)
        assert "move_resource is already running on sentinel (1/2 " in refusal
        assert isinstance(c.app.screen, MainScreen)
        # Another VM: it is confirmed and runs while the move still waits.
        await select(pilot, c, "vms", "www")
        await pilot.press("b")
        await choose_first(pilot, c)
        await wait_for(pilot, lambda: isinstance(c.app.screen, ConfirmScreen))
        await pilot.press("tab", "enter")
        await wait_for(pilot, lambda: len(c.app.actions.running()) == 2, within=10)
        assert sorted(r.plan.target for r in c.app.actions.running()) == ["sentinel", "www"]
        await wait_for(pilot, lambda: header_line(c).startswith("▶ 2 actions running: "))
        for r in c.app.actions.running():
            c.app.actions.cancel(r.id)
        await wait_for(pilot, lambda: c.app.actions.running() == [], within=10)
        assert ours(c) == []


async def test_quit_while_a_move_runs_asks_says_what_stays_and_undoes_it(tmp_path: Path) -> None:
    c = demo_console(fast=False, generation="modern")
    c.app.actions.audit = AuditLog(tmp_path / "audit.log", user="tester")
    async with c.app.run_test(size=SIZE) as pilot:
        await start_move(pilot, c)
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(c.app.screen, QuitScreen))
        body = str(c.app.screen.query_one("#quit-body", Static).render())
        assert (
            "move_resource sentinel: its constraints cli-prefer-sentinel, cli-ban-sentinel-on-vnode1" in body
        )
        assert "sentinel stays wherever Pacemaker has put it by then" in body
        await pilot.press("enter")  # focus is on Stay
        await wait_for(pilot, lambda: isinstance(c.app.screen, MainScreen))
        assert len(c.app.actions.running()) == 1 and len(ours(c)) == 3, "staying left the move running"
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(c.app.screen, QuitScreen))
        await pilot.press("tab", "enter")  # Quit and cancel
        await wait_for(pilot, lambda: not c.app.is_running, within=20)
    assert ours(c) == []
    [end] = [r for r in read_log(tmp_path / "audit.log") if r["event"] == "end"]
    assert str(end["outcome"]).startswith("cancelled: the console quit at 1/2 ")
    assert end["left"] == [] and str(end["outcome"]).endswith("nothing of it left in the CIB")


class RefuseBanDelete:
    """vnode1's demo transport, as if the CIB refused to delete a ban (a real cibadmin error text)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.node = inner.node

    async def run(self, argv: Any, *, timeout: float, stdin: str | None = None) -> CommandResult:
        words = tuple(argv)
        if words[:2] == ("cibadmin", "-D") and "cli-ban-" in " ".join(words):
            return CommandResult(words, 13, "", "Call cib_delete failed (-13): Permission denied\n", 0.01)
        return await self.inner.run(argv, timeout=timeout, stdin=stdin)  # type: ignore[no-any-return]

    async def run_batch(self, commands: Any, *, timeout: float, guard: Any = None) -> Any:
        return await self.inner.run_batch(commands, timeout=timeout, guard=guard)

    async def close(self) -> None:
        await self.inner.close()


async def test_a_cancel_that_leaves_a_ban_says_so_and_one_key_clears_it(tmp_path: Path) -> None:
    c = demo_console(fast=False, generation="modern")
    c.app.actions.audit = AuditLog(tmp_path / "audit.log", user="tester")
    c.spies["vnode1"].inner = RefuseBanDelete(c.spies["vnode1"].inner)  # type: ignore[assignment]
    async with c.app.run_test(size=SIZE, notifications=True) as pilot:
        await start_move(pilot, c)
        await pilot.press("a")
        await wait_for(
            pilot, lambda: isinstance(c.app.screen, ActionsPanel) and bool(c.app.screen.query(DataTable))
        )
        table = c.app.screen.query_one(DataTable)
        await pilot.press("x")
        await wait_for(pilot, lambda: c.app.actions.last_result is not None, within=10)
        result = c.app.actions.last_result
        assert result is not None and result.left == ("cli-ban-sentinel-on-vnode1",)
        assert result.outcome.endswith(
            "left in the CIB: cli-ban-sentinel-on-vnode1 (clear them: c on sentinel)"
        )
        await wait_for(pilot, lambda: str(table.get_row_at(0)[0]) == "ended")
        assert [str(v) for v in table.get_row_at(0)] == [
            "ended",
            "sentinel",
            "left in the CIB",
            "cli-ban-sentinel-on-vnode1  (c clears them)",
            "",
        ]
        await pilot.press("c")  # the ordinary clear action, with its confirmation
        await wait_for(pilot, lambda: isinstance(c.app.screen, ConfirmScreen), within=10)
        title = str(c.app.screen.query_one("#confirm-title", Static).render())
        assert title == "Clear cli-ban-sentinel-on-vnode1?"
        await pilot.press("tab", "enter")
        await wait_for(pilot, lambda: ours(c) == [], within=20)
        await wait_for(pilot, lambda: c.app.actions.left == {}, within=10)


async def test_the_palette_opens_the_panel_and_an_idle_console_quits_at_once() -> None:
    c = demo_console(fast=False)
    async with c.app.run_test(size=SIZE) as pilot:
        await ready(pilot, c)
        commands = {cmd.title: cmd for cmd in c.app.get_system_commands(c.app.screen)}
        await commands["Actions in flight"].callback()
        await wait_for(
            pilot, lambda: isinstance(c.app.screen, ActionsPanel) and bool(c.app.screen.query(DataTable))
        )
        table = c.app.screen.query_one(DataTable)
        await wait_for(pilot, lambda: table.row_count == 1)
        assert str(table.get_row_at(0)[0]) == "no action running"
        await pilot.press("x")  # nothing to cancel: said so, nothing runs
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(c.app.screen, MainScreen))
        await pilot.press("q")  # nothing runs: no question
        await wait_for(pilot, lambda: not c.app.is_running, within=10)
    assert c.writes() == []
