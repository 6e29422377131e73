"""The console's node picker respects the cluster's rules; a standby succeeds with what it predicts.

The scenes of issue 12 on the demo (asymmetric: elearning and vconf may run on vnode3 only):
moving elearning offers no node (each disabled with its reason); a standby of vnode3 leads its
preview with the VMs that will stop, and ends done (it used to wait 300 s then say FAILED).
"""

from __future__ import annotations

from test_ui_actions import choose_first, demo_console, press_on, ready, select
from textual.widgets import Button, Checkbox, Input, OptionList, Static
from ui_harness import SIZE, wait_for

from hatui.ui.screens.choose import ChooseScreen
from hatui.ui.screens.confirm import ConfirmScreen
from hatui.ui.screens.main import MainScreen


def labels(screen: ChooseScreen) -> list[tuple[str, bool]]:
    options = screen.query_one(OptionList)
    return [
        (str(options.get_option_at_index(i).prompt), not options.get_option_at_index(i).disabled)
        for i in range(options.option_count)
    ]


async def test_the_move_picker_disables_nodes_the_rules_rule_out_with_the_reason() -> None:
    c = demo_console(fast=False, generation="modern")
    async with c.app.run_test(size=SIZE) as pilot:
        await ready(pilot, c)
        screen = await press_on(pilot, c, "vms", "elearning", "m", ChooseScreen)
        rule = "no location constraint allows elearning there (symmetric-cluster=false)"
        assert labels(screen) == [
            (f"vnode1  {rule}", False),
            (f"vnode2  {rule}", False),
            ("vnode3  elearning runs there", False),
        ]
        await pilot.press("enter")  # nothing to choose: nothing happens
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(c.app.screen, MainScreen))
        assert c.writes() == []


async def test_the_move_picker_disables_a_node_without_an_uptodate_disk() -> None:
    c = demo_console(fast=False)
    async with c.app.run_test(size=SIZE) as pilot:
        await ready(pilot, c)
        screen = await press_on(pilot, c, "vms", "mail", "m", ChooseScreen)
        [(vnode2, enabled)] = [(text, on) for text, on in labels(screen) if text.startswith("vnode2")]
        assert vnode2.startswith("vnode2  mail's disk mail-root is Inconsistent on vnode2")
        assert not enabled
        await pilot.press("escape")


async def test_a_standby_of_vnode3_leads_with_the_stops_and_ends_done() -> None:
    c = demo_console(generation="modern")
    async with c.app.run_test(size=SIZE, notifications=True) as pilot:
        await ready(pilot, c)
        screen = await press_on(pilot, c, "nodes", "vnode3", "S", ConfirmScreen)
        concerns = str(screen.query_one("#confirm-concerns", Static).render())
        assert "2 VMs will STOP: elearning, vconf" in concerns
        await wait_for(pilot, lambda: screen.preview_lines is not None, within=20)
        assert "will stop elearning on vnode3 (due to node availability)" in (screen.preview_lines or [])
        screen.query_one("#confirm-override", Checkbox).value = True
        stop_name = getattr(screen, "stop_name", None)  # the name a stopping VM asks, when asked
        if stop_name:
            screen.query_one("#confirm-vms", Input).value = stop_name
        await pilot.pause()
        screen.query_one("#run", Button).press()
        await wait_for(pilot, lambda: c.app.actions.last_result is not None, within=60)
        result = c.app.actions.last_result
        assert result is not None and result.ok, result.outcome
        assert result.outcome == "vnode3 is in standby; stopped as predicted: elearning, vconf"


async def test_a_pinned_resource_is_shown_pinned_in_resources_not_as_a_leftover() -> None:
    c = demo_console(fast=False)
    pin = '<rsc_location id="hatui-pin-elearning-on-vnode3" rsc="elearning" node="vnode3" score="INFINITY"/>'
    assert c.demo.execute("vnode1", ("cibadmin", "-C", "-o", "constraints", "-X", pin)).status == 0
    async with c.app.run_test(size=SIZE) as pilot:
        await ready(pilot, c)
        await select(pilot, c, "resources", "elearning")
        screen = c.app.main_screen
        assert isinstance(screen, MainScreen)

        def notes() -> str:
            return screen.pane("resources").cell_text("elearning", "notes")

        await wait_for(pilot, lambda: "pinned to vnode3" in notes(), within=10)
        assert notes() == "pinned to vnode3 (hatui-pin-elearning-on-vnode3)"
        assert screen.pane("resources").cell_text("elearning", "state").endswith("pinned")


async def test_a_move_the_cluster_would_undo_is_refused_and_the_pinned_move_offered_runs() -> None:
    c = demo_console()
    # Without stickiness sentinel goes back home (vnode1, 200) once the move's constraints go.
    c.demo.execute(
        "vnode1", ("crm_resource", "-r", "sentinel", "--meta", "-p", "resource-stickiness", "-v", "0")
    )
    async with c.app.run_test(size=SIZE, notifications=True) as pilot:
        await ready(pilot, c)
        await select(pilot, c, "vms", "sentinel")
        await pilot.press("m")
        await choose_first(pilot, c)  # vnode2, the only node it may go to
        await wait_for(pilot, lambda: isinstance(c.app.screen, ConfirmScreen))
        screen = c.app.screen
        assert isinstance(screen, ConfirmScreen)
        await wait_for(pilot, lambda: screen.preview_lines is not None, within=20)
        screen.query_one("#run", Button).press()
        # The screen is current before it has composed its option list: wait for the list.
        await wait_for(
            pilot,
            lambda: isinstance(c.app.screen, ChooseScreen) and bool(c.app.screen.query(OptionList)),
            within=10,
        )
        offer = c.app.screen
        assert isinstance(offer, ChooseScreen)
        assert offer.title_text == "Refused: sentinel would move twice"
        assert "will move sentinel vnode2 → vnode1" in offer.description[0]
        assert labels(offer)[0] == ("keep the preference: a pinned move to vnode2", True)
        assert c.writes() == [], "the refused move ran nothing"
        await choose_first(pilot, c)
        await wait_for(pilot, lambda: isinstance(c.app.screen, ConfirmScreen) and c.app.screen is not screen)
        pinned = c.app.screen
        assert isinstance(pinned, ConfirmScreen)
        assert str(pinned.query_one("#confirm-title", Static).render()).endswith("to vnode2, pinned there?")
        await wait_for(pilot, lambda: pinned.preview_lines is not None, within=20)
        pinned.query_one("#run", Button).press()
        await wait_for(pilot, lambda: c.app.actions.last_result is not None, within=60)
        result = c.app.actions.last_result
        assert result is not None and result.ok, result.outcome
        assert result.outcome.startswith(
            "sentinel runs on vnode2, pinned there by hatui-pin-sentinel-on-vnode2"
        )
