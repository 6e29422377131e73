"""The wall's N+1 verdict: the header's badge in words, on the demo clusters and on replays.

The words come from ``hatui.model.capacity`` (``Capacity.badge`` / ``.why``), never from the UI:
so the wall and the console header say the same thing for the same view.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest
from test_ui_actions import DemoConsole, demo_console, ready
from textual.widgets import Static
from ui_harness import SIZE, ConsoleFactory, wait_for

from hatui.model.capacity import capacity
from hatui.replay import read_replay_dir
from hatui.ui.app import HatuiApp
from hatui.ui.screens.wall import WallScreen
from support import ROOT

REPLAYS = ROOT / "tests" / "replays"
#: The seed demo's VMs that Pacemaker manages (test_demo_capacity.py): with vnode1 dead they all
#: run on the spare, and vnode3 holds no copy of their DRBD disks.
HA_VMS = {"sentinel", "mail", "www", "dns", "ldap"}


def _words(badge: Static) -> str:
    return str(badge.render())


def _wall_badge(app: HatuiApp) -> Static:
    return app.wall_screen.query_one("#wall-capacity", Static)


def _settled(generation: str = "seed", *, monitor: bool = True) -> DemoConsole:
    """The demo at a standstill (its clock frozen) past its initial resyncs."""
    c = demo_console(monitor=monitor, fast=False, generation=generation)
    c.demo.advance(900)
    return c


async def _wall_says(pilot: object, app: HatuiApp, check: Callable[[str], bool]) -> Static:
    """Waits until the wall's N+1 badge passes ``check`` (a predicate on its words)."""
    await wait_for(pilot, lambda: app.wall_screen.is_mounted, within=10)
    await wait_for(pilot, lambda: check(_words(_wall_badge(app))), within=20)
    return _wall_badge(app)


async def test_settled_seed_demo_wall_says_n_plus_one_ok() -> None:
    c = _settled()
    async with c.app.run_test(size=SIZE) as pilot:
        await ready(pilot, c)
        assert isinstance(c.app.screen, WallScreen)
        badge = await _wall_says(pilot, c.app, lambda t: t == "N+1 ok")
        assert badge.has_class("-ok") and not badge.has_class("-unknown")
        assert str(badge.tooltip) == "any one node can be lost: its VMs fit on the others"
        assert badge.region.height > 0  # laid out on the screen, not hidden


async def test_killed_node_wall_says_lost_with_the_stranded_vms() -> None:
    c = _settled()
    async with c.app.run_test(size=SIZE) as pilot:
        await ready(pilot, c)
        await _wall_says(pilot, c.app, lambda t: t == "N+1 ok")
        c.demo.inject("kill-node", "vnode1")
        c.demo.advance(10)
        badge = await _wall_says(pilot, c.app, lambda t: t.startswith("N+1 LOST"))
        words = _words(badge)
        assert words.startswith("N+1 LOST: vnode2 (") and words.endswith(")"), words
        assert set(words.removeprefix("N+1 LOST: vnode2 (").removesuffix(")").split(", ")) == HA_VMS
        assert badge.has_class("-warning") and not badge.has_class("-ok")
        assert str(badge.tooltip).startswith("cannot lose vnode2: ")


async def test_modern_demo_wall_names_vnode3_and_its_vms() -> None:
    c = _settled("modern")
    async with c.app.run_test(size=SIZE) as pilot:
        await ready(pilot, c)
        badge = await _wall_says(pilot, c.app, lambda t: t.startswith("N+1 L"))
        assert _words(badge) == "N+1 LOST: vnode3 (elearning, vconf)"


async def test_replay_without_host_memory_wall_says_what_is_missing(console: ConsoleFactory) -> None:
    c = console(read_replay_dir(REPLAYS / "healthy"), monitor=True)
    async with c.app.run_test(size=SIZE) as pilot:
        await c.next_polls(pilot)
        badge = await _wall_says(pilot, c.app, lambda t: t != "N+1 ?")
        words = _words(badge)
        assert words.startswith("N+1 ? (unknown: ") and "the free memory of vnode1" in words, words
        assert badge.has_class("-unknown") and not badge.has_class("-ok")


async def test_remote_names_on_the_wall_badge_are_shown_as_written(console: ConsoleFactory) -> None:
    """A stranded VM's name is remote text: markup in it is shown, never interpreted."""
    caps = read_replay_dir(REPLAYS / "capacity")
    styled = "[bold]mail[/]"
    caps = [
        replace(cap, outputs={k: v.replace("mail", styled) for k, v in cap.outputs.items()}) for cap in caps
    ]
    c = console(caps, monitor=True)
    async with c.app.run_test(size=SIZE) as pilot:
        await c.next_polls(pilot)
        badge = await _wall_says(pilot, c.app, lambda t: t.startswith("N+1 LOST"))
        assert _words(badge) == f"N+1 LOST: vnode3 ({styled})"


def _both(app: HatuiApp) -> tuple[Static, Static]:
    """(the header's badge, the wall's), redrawn from one state with no poll landing in between."""
    assert app.main_screen.is_mounted and app.wall_screen.is_mounted
    app.render_all()
    return app.main_screen.query_one("#capacity-badge", Static), _wall_badge(app)


def _same(header: Static, wall: Static) -> None:
    assert _words(wall) == _words(header)
    assert str(wall.tooltip) == str(header.tooltip)
    for cls in ("-ok", "-warning", "-unknown"):
        assert wall.has_class(cls) == header.has_class(cls), cls


@pytest.mark.parametrize(
    ("replay", "starts"), [("healthy", "N+1 ? ("), ("capacity", "N+1 LOST: vnode3"), ("degraded", "N+1 LOST")]
)
async def test_wall_and_header_say_the_same_on_a_replay(
    console: ConsoleFactory, replay: str, starts: str
) -> None:
    c = console(read_replay_dir(REPLAYS / replay))
    async with c.app.run_test(size=SIZE) as pilot:
        await c.next_polls(pilot)
        await pilot.press("w")
        await _wall_says(pilot, c.app, lambda t: t.startswith(starts))
        header, wall = _both(c.app)
        _same(header, wall)
        snap = c.app.state.snapshot()
        assert snap is not None and _words(wall).startswith(capacity(snap.view).badge)


async def test_wall_and_header_say_the_same_on_the_demo_before_and_after_a_node_dies() -> None:
    c = _settled(monitor=False)
    async with c.app.run_test(size=SIZE) as pilot:
        await ready(pilot, c)
        await pilot.press("w")
        await _wall_says(pilot, c.app, lambda t: t == "N+1 ok")
        _same(*_both(c.app))
        c.demo.inject("kill-node", "vnode1")
        c.demo.advance(10)
        await _wall_says(pilot, c.app, lambda t: t.startswith("N+1 LOST"))
        _same(*_both(c.app))
