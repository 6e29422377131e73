"""Helpers for the console tests: an app over ReplayPoller captures, and a way to wait for polls."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from ui_cluster import NODES, cluster

from hatui.clock import FrozenClock
from hatui.config import ClusterConfig, Config, NodeConfig
from hatui.model.capture import NodeCapture
from hatui.sources.poller import ReplayPoller
from hatui.ui.app import HatuiApp, make_app

SIZE = (160, 50)
POLL_S = 0.2


@dataclass
class Console:
    """An app under test with the poller and clock that feed it."""

    app: HatuiApp
    poller: ReplayPoller
    clock: FrozenClock

    def polls(self, node: str) -> int:
        """How many polls of ``node`` the app has taken in."""
        return self.app.state.polls.get(node, 0)

    async def next_polls(self, pilot: object, nodes: tuple[str, ...] = NODES, rounds: int = 2) -> None:
        """Waits until every node in ``nodes`` was polled ``rounds`` more times."""
        start = {n: self.polls(n) for n in nodes}
        await wait_for(pilot, lambda: all(self.polls(n) >= start[n] + rounds for n in nodes))


async def wait_for(pilot: object, predicate: Callable[[], bool], within: float = 5.0) -> None:
    """Lets the app run until ``predicate`` holds (fails the test after ``within`` seconds)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError("condition not reached in time")
        await pilot.pause(0.02)  # type: ignore[attr-defined]


def make_config(
    mode: str = "operator", theme: str = "hatui-dark", keymap: dict[str, str] | None = None
) -> tuple[Config, ClusterConfig]:
    """A config with the reference-shaped cluster."""
    cl = ClusterConfig(
        name="ref",
        nodes=tuple(NodeConfig(n, n) for n in NODES),
        display_name="Reference cluster",
        accent="#ff8800",
        mode=mode,
    )
    return Config(clusters={"ref": cl}, theme=theme, keymap=keymap or {}), cl


def build_console(
    captures: list[NodeCapture] | None = None,
    *,
    monitor: bool = False,
    mode: str = "operator",
    theme: str = "hatui-dark",
    keymap: dict[str, str] | None = None,
) -> Console:
    """An app over ``captures`` (default: the healthy reference cluster) with a FrozenClock."""
    config, cl = make_config(mode, theme, keymap)
    poller = ReplayPoller(captures if captures is not None else cluster(), interval=POLL_S)
    clock = FrozenClock()
    return Console(make_app(config, cl, poller, monitor=monitor, clock=clock), poller, clock)


ConsoleFactory = Callable[..., Console]
