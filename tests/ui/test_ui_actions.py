"""Actions from the keyboard on the demo cluster: confirmation, gating, refusals, the run to the end."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import TypeVar

import pytest
from textual.widgets import Button, Checkbox, Input, OptionList, Static
from ui_harness import SIZE, wait_for

from hatui.actions.plan import Request
from hatui.actions.results import ActionResult
from hatui.actions.runner import is_read_only_argv
from hatui.config import ClusterConfig, Config
from hatui.demo import DemoCluster
from hatui.model.events import EventKind
from hatui.sources.fanout import make_collectors
from hatui.sources.live import CollectorPoller
from hatui.sources.make import demo_config
from hatui.ui.app import HatuiApp, make_app
from hatui.ui.palette import entries
from hatui.ui.screens.choose import ChooseScreen
from hatui.ui.screens.confirm import ConfirmScreen
from hatui.ui.screens.detail import DetailScreen
from hatui.ui.screens.main import MainScreen
from support.recording import RecordingTransport

SPEED = 40.0


@dataclass
class DemoConsole:
    app: HatuiApp
    demo: DemoCluster
    spies: dict[str, RecordingTransport]

    def writes(self) -> list[tuple[str, ...]]:
        return [argv for s in self.spies.values() for argv in s.calls if not is_read_only_argv(argv)]


def demo_console(
    *, mode: str = "operator", monitor: bool = False, fast: bool = True, generation: str = "seed"
) -> DemoConsole:
    t0 = time.monotonic()
    clock = (lambda: (time.monotonic() - t0) * SPEED) if fast else (lambda: 0.0)
    demo = DemoCluster(now=clock, generation=generation)
    base = demo_config().cluster()
    intervals = dict.fromkeys(base.intervals, 0.2)
    cluster = ClusterConfig("demo", base.nodes, display_name="demo", mode=mode, intervals=intervals)
    spies = {n.name: RecordingTransport(demo.transport(n.name)) for n in cluster.nodes}
    poller = CollectorPoller(make_collectors(cluster, spies))  # type: ignore[arg-type]
    app = make_app(
        Config(clusters={"demo": cluster}, health_ignore=frozenset({"stonith-disabled"})),
        cluster,
        poller,
        monitor=monitor,
    )
    app.actions.poll_interval = 0.03
    return DemoConsole(app, demo, spies)


async def ready(pilot: object, c: DemoConsole) -> None:
    await wait_for(pilot, lambda: c.app.state.view is not None and len(c.app.state.polls) == 3, within=10)


async def choose_first(pilot: object, c: DemoConsole) -> None:
    """Waits for the node chooser to have the keyboard, then takes its highlighted option."""
    await wait_for(pilot, lambda: isinstance(c.app.screen, ChooseScreen))
    screen = c.app.screen
    await wait_for(pilot, lambda: c.app.focused is screen.query_one(OptionList))
    await pilot.press("enter")  # type: ignore[attr-defined]


async def choose_and_run(pilot: object, c: DemoConsole) -> ActionResult:
    """Takes the chooser's first node, presses Run on the confirmation and waits for the outcome."""
    await choose_first(pilot, c)
    await wait_for(pilot, lambda: isinstance(c.app.screen, ConfirmScreen))
    await pilot.press("tab", "enter")  # type: ignore[attr-defined]  # from Cancel to Run
    await wait_for(pilot, lambda: c.app.actions.last_result is not None, within=30)
    result = c.app.actions.last_result
    assert result is not None and result.ok, result.outcome
    return result


async def select(pilot: object, c: DemoConsole, pane: str, key: str) -> None:
    screen = c.app.main_screen
    assert isinstance(screen, MainScreen)
    await pilot.press(str(["vms", "nodes", "resources", "drbd"].index(pane) + 1))  # type: ignore[attr-defined]
    await wait_for(pilot, lambda: key in screen.pane(pane).row_keys, within=10)
    table = screen.pane(pane).table
    table.move_cursor(row=screen.pane(pane).row_keys.index(key))
    await pilot.pause()  # type: ignore[attr-defined]


ScreenT = TypeVar("ScreenT")


async def press_on(
    pilot: object, c: DemoConsole, pane: str, key: str, action_key: str, opens: type[ScreenT]
) -> ScreenT:
    """Selects row ``key`` of ``pane``, presses ``action_key`` and returns the screen that opens."""
    await select(pilot, c, pane, key)
    await pilot.press(action_key)  # type: ignore[attr-defined]
    # A pushed screen is current before it has composed its widgets: wait for them too.
    await wait_for(pilot, lambda: isinstance(c.app.screen, opens) and bool(c.app.screen.children))
    screen = c.app.screen
    assert isinstance(screen, opens)
    return screen


def _standby(c: DemoConsole, node: str) -> bool:
    status = c.app.state.view.pacemaker if c.app.state.view else None
    pn = status.node(node) if status else None
    return bool(pn and pn.standby)


def toasts(app: HatuiApp) -> list[str]:
    return [f"{n.title}: {n.message}" for n in app._notifications]


async def test_confirmation_names_target_and_commands_focus_cancel_and_escape_runs_nothing() -> None:
    c = demo_console(generation="modern")
    async with c.app.run_test(size=SIZE) as pilot:
        await ready(pilot, c)
        await select(pilot, c, "vms", "sentinel")
        await pilot.press("m")
        await choose_first(pilot, c)  # the first node it may move to: vnode2
        await wait_for(pilot, lambda: isinstance(c.app.screen, ConfirmScreen))
        screen = c.app.screen
        assert isinstance(screen, ConfirmScreen)
        assert (
            str(screen.query_one("#confirm-title", Static).render())
            == "Move VM sentinel from vnode1 to vnode2?"
        )
        commands = str(screen.query_one("#confirm-commands", Static).render())
        assert (
            "1. on vnode1: cibadmin -C -o constraints -X '<rsc_location id=\"hatui-inflight-move_resource-"
            in commands
        )
        assert "on vnode1: crm_resource --move -r sentinel -N vnode2" in commands
        assert "always, at the end: on vnode1: cibadmin -D -o constraints -X" in commands
        assert "on vnode1: crm_resource --ban -r sentinel -N vnode1" in commands
        assert "2. on vnode1: crm_resource --clear -r sentinel" in commands
        assert c.app.focused is screen.query_one("#cancel", Button)
        await wait_for(pilot, lambda: screen.preview_lines is not None, within=20)
        assert "  will move sentinel vnode1 → vnode2" in (screen.preview_lines or [])
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(c.app.screen, MainScreen))
        await pilot.pause(0.2)
        assert c.writes() == [], "Escape ran nothing"


async def test_a_failover_started_from_the_keyboard_runs_to_the_end() -> None:
    c = demo_console()
    async with c.app.run_test(size=SIZE, notifications=True) as pilot:
        await ready(pilot, c)
        await select(pilot, c, "vms", "sentinel")
        await pilot.press("m")
        result = await choose_and_run(pilot, c)
        assert result.outcome == "sentinel runs on vnode2; no cli- constraint left"
        await wait_for(pilot, lambda: any(le.event.kind is EventKind.ACTION for le in c.app.state.events))
        [logged] = [le.event for le in c.app.state.events if le.event.kind is EventKind.ACTION]
        assert logged.message.startswith("move_resource sentinel: done: sentinel runs on vnode2")
        assert any(t.startswith("move_resource sentinel: done") for t in toasts(c.app))
        await wait_for(
            pilot,
            lambda: c.app.main_screen.pane("vms").cell_text("sentinel", "pacemaker") == "Started vnode2",
            within=10,
        )
        assert c.app.main_screen.pane("vms").cell_text("sentinel", "running") == "vnode2 running"


async def test_stopping_a_vm_needs_its_name_typed() -> None:
    c = demo_console()
    async with c.app.run_test(size=SIZE) as pilot:
        await ready(pilot, c)
        await select(pilot, c, "vms", "vconf")
        await pilot.press("x")
        await wait_for(pilot, lambda: isinstance(c.app.screen, ConfirmScreen))
        screen = c.app.screen
        run = screen.query_one("#run", Button)
        assert run.disabled and c.app.focused is screen.query_one("#cancel", Button)
        screen.query_one("#confirm-name", Input).focus()
        await pilot.press(*"vconff")
        assert run.disabled
        await pilot.press("backspace")
        assert not run.disabled
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(c.app.screen, MainScreen))
        assert c.writes() == []


async def test_concerns_need_the_override_ticked() -> None:
    c = demo_console(fast=False)
    async with c.app.run_test(size=SIZE) as pilot:
        await ready(pilot, c)
        await select(pilot, c, "nodes", "vnode1")
        await pilot.press("S")
        await wait_for(pilot, lambda: isinstance(c.app.screen, ConfirmScreen))
        screen = c.app.screen
        assert "mail would stop: its disk mail-root is Inconsistent on vnode2" in str(
            screen.query_one("#confirm-concerns", Static).render()
        )
        run = screen.query_one("#run", Button)
        assert run.disabled
        screen.query_one("#confirm-override", Checkbox).value = True
        await pilot.pause()
        assert not run.disabled
        await wait_for(pilot, lambda: screen.preview_lines is not None, within=20)
        assert any(
            line.startswith("N+1: the VMs of vnode1 use 5632 MiB") for line in screen.preview_lines or []
        )
        await pilot.press("escape")


async def test_a_refusal_is_a_warning_toast_with_the_reason() -> None:
    c = demo_console(fast=False)
    async with c.app.run_test(size=SIZE, notifications=True) as pilot:
        # (A move of mail to vnode2, Inconsistent there, is not offered any more: test_ui_placement.)
        c.demo.execute("vnode1", ("crm_standby", "-N", "vnode2", "-v", "on"))
        await ready(pilot, c)
        await select(pilot, c, "nodes", "vnode2")
        await wait_for(pilot, lambda: c.app.state.view is not None and _standby(c, "vnode2"), within=10)
        await pilot.press("S")
        await wait_for(pilot, lambda: any("refused" in t for t in toasts(c.app)))
        [toast] = [n for n in c.app._notifications if "refused" in (n.title or "")]
        assert toast.severity == "warning"
        assert toast.message == "vnode2 is already in standby"
        assert isinstance(c.app.screen, MainScreen) and c.writes() == []


async def test_read_only_cluster_hides_write_keys_refuses_bypasses_and_still_answers_why() -> None:
    c = demo_console(mode="read-only")
    async with c.app.run_test(size=SIZE, notifications=True) as pilot:
        await ready(pilot, c)
        await select(pilot, c, "vms", "sentinel")
        vms = c.app.main_screen.pane("vms")
        assert vms.check_action("move_resource", ()) is False
        await pilot.press("m")
        await pilot.pause(0.2)
        assert isinstance(c.app.screen, MainScreen), "the key is not bound in read-only mode"
        c.app.actions.request(Request("standby", "vnode1"))  # the UI bypassed
        await wait_for(pilot, lambda: any("configured read-only" in t for t in toasts(c.app)))
        assert c.writes() == []
        assert [t for t, _, _ in entries(c.app)] and all(t.startswith("Why is") for t, _, _ in entries(c.app))
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(c.app.screen, DetailScreen), within=10)
        assert c.app.screen.info.title == "Why: sentinel"  # type: ignore[attr-defined]
        # The seed demo is Pacemaker 1.0.9: no --why, its scores and constraints answer instead.
        assert c.spies["vnode1"].calls[-3:] == [
            ("ptest", "-L", "-s"),
            ("crm_resource", "-r", "sentinel", "-a"),
            ("cibadmin", "-Q", "-o", "constraints"),
        ]
        title, answer = c.app.screen.info.raws[0]  # type: ignore[attr-defined]
        assert answer.startswith("sentinel: highest score on vnode1 (INFINITY)"), title


async def test_monitor_mode_runs_no_action_even_a_read() -> None:
    c = demo_console(monitor=True)
    async with c.app.run_test(size=SIZE, notifications=True) as pilot:
        await ready(pilot, c)
        assert list(entries(c.app)) == []
        c.app.actions.request(Request("why_resource", "sentinel"))
        await wait_for(pilot, lambda: any("monitor mode runs no actions" in t for t in toasts(c.app)))
        assert all(not s.calls for s in c.spies.values())


async def test_palette_lists_actions_per_target() -> None:
    c = demo_console(fast=False)
    async with c.app.run_test(size=SIZE) as pilot:
        await ready(pilot, c)
        titles = [t for t, _, _ in entries(c.app)]
        for want in (
            "Standby vnode1",
            "Move sentinel to vnode2",
            "Live-migrate sentinel to vnode2",
            "Toggle cluster maintenance-mode",
            "Connect dns-root on vnode2",
            "Console of sentinel",
        ):
            assert want in titles
        assert "Move sentinel to vnode1" not in titles, "not where it already runs"


@pytest.mark.slow
async def test_split_brain_recovery_from_the_drbd_pane() -> None:
    c = demo_console()
    async with c.app.run_test(size=SIZE, notifications=True) as pilot:
        await ready(pilot, c)
        c.demo.inject("split-brain", "dns-root")
        await select(pilot, c, "drbd", "dns-root@vnode1")
        await wait_for(
            pilot,
            lambda: (
                c.app.main_screen.pane("drbd").cell_text("dns-root@vnode1", "conn").endswith("StandAlone")
            ),
        )
        await pilot.press("B")
        await wait_for(pilot, lambda: isinstance(c.app.screen, ChooseScreen))
        description = str(c.app.screen.query_one("#choose-description", Static).render())
        assert "suggested victim: vnode2 (VM dns runs on vnode1: its data is the live one)" in description
        assert "vnode1: Primary/UpToDate, StandAlone" in description
        await choose_first(pilot, c)  # the suggested victim is highlighted
        await wait_for(pilot, lambda: isinstance(c.app.screen, ConfirmScreen))
        screen = c.app.screen
        assert "on vnode2: drbdadm -- --discard-my-data connect dns-root" in str(
            screen.query_one("#confirm-commands", Static).render()
        )
        screen.query_one("#confirm-name", Input).focus()
        await pilot.press(*"dns-root", "enter")
        await wait_for(pilot, lambda: c.app.actions.last_result is not None, within=60)
        result = c.app.actions.last_result
        assert result is not None and result.ok, result.outcome


async def test_console_confirmation_names_the_tool_and_a_headless_app_refuses_the_hand_over() -> None:
    c = demo_console(fast=False)
    async with c.app.run_test(size=SIZE, notifications=True) as pilot:
        await ready(pilot, c)
        await select(pilot, c, "vms", "sentinel")
        await pilot.press("v")
        await wait_for(pilot, lambda: isinstance(c.app.screen, ConfirmScreen))
        screen = c.app.screen
        assert "on vnode1: xm console sentinel" in str(screen.query_one("#confirm-commands", Static).render())
        await pilot.press("tab", "enter")
        await wait_for(pilot, lambda: any("cannot be handed over" in t for t in toasts(c.app)))
        assert isinstance(c.app.screen, MainScreen)


async def test_the_consoles_own_move_is_moving_in_its_verdict_and_quitting_removes_the_marker() -> None:
    c = demo_console(
        fast=False, generation="modern"
    )  # frozen demo time: the move waits until the console quits
    async with c.app.run_test(size=SIZE) as pilot:
        await ready(pilot, c)
        await select(pilot, c, "vms", "sentinel")
        await pilot.press("m")
        await choose_first(pilot, c)
        await wait_for(pilot, lambda: isinstance(c.app.screen, ConfirmScreen))
        await pilot.press("tab", "enter")
        await wait_for(pilot, lambda: bool(c.app.state.inflight), within=10)
        [own] = c.app.state.inflight
        assert (own.action, own.target, own.resources) == ("move_resource", "sentinel", ("sentinel",))
        assert own.by.startswith(f"pid {os.getpid()} on ")

        def verdict_knows() -> bool:
            problems = c.app.state.health.problems if c.app.state.health else ()
            codes = {(p.code, p.subject) for p in problems}
            return ("action-in-flight", "sentinel") in codes and "constraint-leftover" not in {
                p.code for p in problems
            }

        # Once a poll has seen its constraints, they are the action's, not leftovers.
        await wait_for(
            pilot,
            lambda: (
                any(k.id == "cli-ban-sentinel-on-vnode1" for k in c.app.state.view.constraints)  # type: ignore[union-attr]
                and verdict_knows()
            ),
            within=10,
        )
        assert any(k.id.startswith("hatui-inflight-move_resource-") for k in c.demo.cib.constraints)
    # Quitting cancelled the move: its marker is gone, and so are the constraints it steered with.
    assert [k.id for k in c.demo.cib.constraints if k.id.startswith(("hatui-inflight-", "cli-"))] == []
    assert c.app.state.inflight == ()
