"""The demo's fault key (!): a newcomer injects a fault and watches the console show it."""

from __future__ import annotations

from textual.widgets import OptionList
from ui_harness import SIZE, build_console, wait_for

from hatui.sources.make import demo_config, make_poller
from hatui.ui.app import make_app
from hatui.ui.screens.choose import ChooseScreen


async def _choose(pilot: object, app: object, option_id: str) -> None:
    await wait_for(pilot, lambda: isinstance(app.screen, ChooseScreen))  # type: ignore[attr-defined]
    options = app.screen.query_one(OptionList)  # type: ignore[attr-defined]
    options.highlighted = options.get_option_index(option_id)
    await pilot.press("enter")  # type: ignore[attr-defined]


async def test_kill_node_fault_makes_the_node_unreachable() -> None:
    config = demo_config()
    cluster = config.cluster()
    poller = make_poller(config, cluster, demo=True)
    app = make_app(config, cluster, poller)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_for(pilot, lambda: all(app.state.polls.get(n, 0) >= 1 for n in poller.nodes), within=15)
        assert app.check_action("demo_fault", ()) is True
        await pilot.press("exclamation_mark")
        await _choose(pilot, app, "kill-node")
        await _choose(pilot, app, "vnode3")
        await wait_for(pilot, lambda: "vnode3" in app.state.stale(), within=15)
        reason = app.state.stale()["vnode3"].reason
        assert "refused" in reason
        # The survivors still answer and still report the dead node's data as stale, not blank.
        assert not {"vnode1", "vnode2"} & set(app.state.stale())
        assert any("kill-node vnode3" in str(n.message) for n in app._notifications)


async def test_escape_injects_nothing() -> None:
    config = demo_config()
    cluster = config.cluster()
    poller = make_poller(config, cluster, demo=True)
    app = make_app(config, cluster, poller)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("exclamation_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, ChooseScreen))
        await pilot.press("escape")
        await pilot.pause(0.3)
        assert not isinstance(app.screen, ChooseScreen)
        demo = poller.demo  # type: ignore[attr-defined]
        assert all(demo.nodes[n].power == "up" for n in ("vnode1", "vnode2", "vnode3"))


async def test_no_fault_key_on_a_real_cluster_or_in_monitor_mode() -> None:
    console = build_console()
    async with console.app.run_test(size=SIZE):
        assert console.app.check_action("demo_fault", ()) is False
    config = demo_config()
    cluster = config.cluster()
    app = make_app(config, cluster, make_poller(config, cluster, demo=True), monitor=True)
    async with app.run_test(size=SIZE):
        assert app.check_action("demo_fault", ()) is False
