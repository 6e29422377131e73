"""Resetting a fail-count from the keyboard: ``f`` on a resource, the node chosen, confirmed, run."""

from __future__ import annotations

import pytest
from test_ui_actions import DemoConsole, choose_and_run, demo_console, ready, select, toasts
from textual.binding import Binding
from textual.widgets import OptionList
from ui_harness import SIZE, wait_for

from hatui.ui.pane_actions import bindings
from hatui.ui.screens.choose import ChooseScreen

ARGV = {
    "seed": ("crm", "resource", "failcount", "sentinel", "delete", "vnode1"),
    "modern": ("crm_failcount", "-D", "-r", "sentinel", "-N", "vnode1"),
}


def counts(c: DemoConsole) -> dict[str, int]:
    """The console's fail-counts of sentinel, per node."""
    view = c.app.state.view
    return view.fail_counts("sentinel") if view is not None else {}


@pytest.mark.parametrize("generation", ["seed", "modern"])
async def test_f_resets_the_fail_count_on_the_chosen_node(generation: str) -> None:
    c = demo_console(generation=generation)
    c.demo.inject("fail-monitor", "sentinel")
    async with c.app.run_test(size=SIZE, notifications=True) as pilot:
        await ready(pilot, c)
        await wait_for(pilot, lambda: "vnode1" in counts(c), within=20)
        await select(pilot, c, "resources", "sentinel")
        await pilot.press("f")
        await wait_for(pilot, lambda: isinstance(c.app.screen, ChooseScreen))
        chooser = c.app.screen.query_one(OptionList)
        assert chooser.get_option_at_index(0).id == "vnode1"
        result = await choose_and_run(pilot, c)
        assert result.outcome == "fail-count of sentinel on vnode1 deleted"
        done = "failcount_delete sentinel: done"
        await wait_for(pilot, lambda: any(t.startswith(done) for t in toasts(c.app)))
        assert ARGV[generation] in c.writes()
        await wait_for(pilot, lambda: "vnode1" not in counts(c), within=10)


def test_the_key_is_labelled_without_its_placeholders() -> None:
    [binding] = [b for b in bindings("resource") if isinstance(b, Binding) and b.id == "failcount-delete"]
    assert (binding.key, binding.description) == ("f", "Reset fail-count")
