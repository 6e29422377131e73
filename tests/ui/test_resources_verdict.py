"""The Resources pane shows what the verdict says of a resource's constraints, never the raw CIB.

During a hatui move its marker and its own ``cli-`` constraints are the action's ("moving (hatui,
Ns)"), not leftovers; a ``cli-ban`` nobody is running an action for is a leftover (``⚑ id``).
"""

from __future__ import annotations

from test_ui_actions import choose_first, demo_console, ready, select
from textual.widgets import Static
from ui_harness import SIZE, wait_for

from hatui.ui.screens.confirm import ConfirmScreen
from hatui.ui.screens.main import MainScreen


def notes(c: object, rid: str) -> str:
    screen = c.app.main_screen  # type: ignore[attr-defined]
    assert isinstance(screen, MainScreen)
    return screen.pane("resources").cell_text(rid, "notes")


async def test_during_a_hatui_move_its_constraints_are_moving_not_leftovers() -> None:
    c = demo_console(
        fast=False, generation="modern"
    )  # frozen demo time: the move waits for the cluster until the end
    async with c.app.run_test(size=SIZE) as pilot:
        await ready(pilot, c)
        await select(pilot, c, "vms", "sentinel")
        await pilot.press("m")
        await choose_first(pilot, c)
        await wait_for(pilot, lambda: isinstance(c.app.screen, ConfirmScreen))
        await pilot.press("tab", "enter")

        def polled_constraints() -> set[str]:
            view = c.app.state.view
            return {k.id for k in view.constraints} if view else set()

        # A poll has seen the marker and the move's ban: both are in the CIB the pane displays.
        await wait_for(
            pilot,
            lambda: (
                "cli-ban-sentinel-on-vnode1" in polled_constraints()
                and any(i.startswith("hatui-inflight-") for i in polled_constraints())
            ),
            within=10,
        )
        await select(pilot, c, "resources", "sentinel")
        await wait_for(pilot, lambda: "moving (hatui, " in notes(c, "sentinel"), within=5)
        shown = notes(c, "sentinel")
        assert "⚑" not in shown and "hatui-inflight-" not in shown and "cli-" not in shown, shown
        assert "by pid " in shown
        assert "leftover" not in str(c.app.main_screen.query_one("#problem-line", Static).render())


async def test_a_ban_no_action_owns_is_a_leftover_in_the_pane() -> None:
    c = demo_console(fast=False, generation="modern")
    c.demo.execute("vnode1", ("crm_resource", "--ban", "-r", "sentinel", "-N", "vnode3"))
    async with c.app.run_test(size=SIZE) as pilot:
        await ready(pilot, c)
        await select(pilot, c, "resources", "sentinel")
        await wait_for(pilot, lambda: "⚑ cli-ban-sentinel-on-vnode3" in notes(c, "sentinel"), within=10)
        problems = c.app.state.health.problems if c.app.state.health else ()
        assert any(p.code == "constraint-leftover" and p.subject == "sentinel" for p in problems)
        assert "moving" not in notes(c, "sentinel")
