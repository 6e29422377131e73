"""Confirmations that fit and lead with the outcome: buttons and warnings on screen at 80x24 and
160x48, the commands and a long preview scrollable below; any action the preview says stops a VM
(a DRBD resource's stop, a standby) asks for a name typed, and Run pressed before the preview is in
waits for it rather than skipping that question.
"""

from __future__ import annotations

import pytest
from test_ui_actions import demo_console, press_on, ready, select
from textual.app import App
from textual.geometry import Region
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input, Static
from ui_harness import wait_for

from hatui.actions.commands import Command, Danger
from hatui.actions.plan import Concern, Phase, Plan
from hatui.ui.screens.confirm import ConfirmScreen, Foresight
from hatui.ui.screens.main import MainScreen


def on_screen(widget: Widget, size: tuple[int, int]) -> bool:
    """True when the whole of ``widget`` is drawn within the terminal (and is drawn at all)."""
    region = widget.region
    return region.area > 0 and Region(0, 0, *size).contains_region(region)


def long_plan() -> Plan:
    commands = tuple(
        Command(("crm_resource", "--ban", "-r", f"r{i}", "-N", "n1"), "n1", Danger.CHANGE, f"ban r{i}")
        for i in range(12)
    )
    return Plan(
        "standby",
        "Put node n1 in standby?",
        "n1",
        "node",
        (Phase("ban", commands),),
        concerns=(Concern("stop", "2 VMs will STOP: elearning, vconf"),),
    )


class Host(App[None]):
    def __init__(self, screen: ConfirmScreen) -> None:
        super().__init__()
        self.confirm = screen

    def on_mount(self) -> None:
        self.push_screen(self.confirm)


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
async def test_buttons_and_warnings_fit_with_a_long_preview(size: tuple[int, int]) -> None:
    async def preview() -> Foresight:
        return Foresight([f"will move r{i} n1 → n2" for i in range(80)], ("elearning", "vconf"))

    screen = ConfirmScreen(long_plan(), preview)
    async with Host(screen).run_test(size=size) as pilot:
        await wait_for(pilot, lambda: screen.preview_lines is not None)
        await pilot.pause()
        for button in screen.query(Button):
            assert on_screen(button, size), f"{button} at {button.region} is off a {size} screen"
        outcome = screen.query_one("#confirm-outcome", Static)
        assert str(outcome.render()) == "⚠ 2 VMs will STOP: elearning, vconf"
        for widget in (
            screen.query_one("#confirm-title", Static),
            outcome,
            screen.query_one("#confirm-concerns", Static),
            screen.query_one("#confirm-override", Checkbox),
            screen.query_one("#confirm-vms", Input),
        ):
            assert on_screen(widget, size), f"{widget} at {widget.region} is off a {size} screen"
        # Outcome and warnings first, then the commands, then the preview.
        commands = screen.query_one("#confirm-commands", Static)
        assert outcome.region.y < screen.query_one("#confirm-concerns", Static).region.y < commands.region.y
        assert commands.region.y < screen.query_one("#confirm-preview", Static).region.y
        body = screen.query_one("#confirm-body")
        assert body.max_scroll_y > 0, "the long preview scrolls"


async def test_stopping_a_drbd_resource_that_stops_a_vm_needs_the_vm_name() -> None:
    c = demo_console(fast=False, generation="modern")
    async with c.app.run_test(size=(160, 48)) as pilot:
        await ready(pilot, c)
        screen = await press_on(pilot, c, "resources", "drbd_sentinel-root", "x", ConfirmScreen)
        run = screen.query_one("#run", Button)
        # Run before the preview is in: it waits for the preview, which asks for the VM's name.
        run.press()
        await wait_for(pilot, lambda: screen.preview_lines is not None, within=20)
        await pilot.pause()
        assert isinstance(c.app.screen, ConfirmScreen), "nothing ran without the name"
        assert str(screen.query_one("#confirm-outcome", Static).render()) == "⚠ VM sentinel will STOP"
        assert screen.stop_name == "sentinel" and run.disabled
        name = screen.query_one("#confirm-vms", Input)
        assert c.app.focused is name
        await pilot.press(*"sentine")
        assert run.disabled
        await pilot.press("l")
        assert not run.disabled
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(c.app.screen, MainScreen))
        assert c.writes() == []


async def test_a_plan_whose_preview_stops_no_vm_runs_on_one_press_once_the_preview_is_in() -> None:
    c = demo_console()
    async with c.app.run_test(size=(80, 24)) as pilot:
        await ready(pilot, c)
        await select(pilot, c, "vms", "sentinel")
        await pilot.press("m")
        await wait_for(pilot, lambda: not isinstance(c.app.screen, MainScreen))
        await pilot.press("enter")  # the first node it may move to
        await wait_for(pilot, lambda: isinstance(c.app.screen, ConfirmScreen))
        screen = c.app.screen
        assert isinstance(screen, ConfirmScreen)
        assert on_screen(screen.query_one("#run", Button), (80, 24))
        screen.query_one("#run", Button).press()
        await wait_for(pilot, lambda: c.app.actions.last_result is not None, within=60)
        assert screen.stop_name is None
        assert c.app.actions.last_result is not None and c.app.actions.last_result.ok


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
async def test_a_standby_of_vnode3_leads_with_the_vms_it_stops_on_screen_and_asks_a_name(
    size: tuple[int, int],
) -> None:
    c = demo_console(fast=False, generation="modern")
    async with c.app.run_test(size=size) as pilot:
        await ready(pilot, c)
        screen = await press_on(pilot, c, "nodes", "vnode3", "S", ConfirmScreen)
        await wait_for(pilot, lambda: screen.preview_lines is not None, within=20)
        await pilot.pause()
        outcome = screen.query_one("#confirm-outcome", Static)
        assert str(outcome.render()) == "⚠ 2 VMs will STOP: elearning, vconf"
        # Several VMs stop: the target's name is typed (as `hatui do` asks).
        assert screen.stop_name == "vnode3"
        for widget in (*screen.query(Button), outcome, screen.query_one("#confirm-vms", Input)):
            assert on_screen(widget, size), f"{widget} at {widget.region} is off a {size} screen"
        screen.query_one("#confirm-override", Checkbox).value = True
        await pilot.pause()
        run = screen.query_one("#run", Button)
        assert run.disabled, "the override alone is not enough"
        screen.query_one("#confirm-vms", Input).value = "vnode3"
        await pilot.pause()
        assert not run.disabled
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(c.app.screen, MainScreen))
        assert c.writes() == []
