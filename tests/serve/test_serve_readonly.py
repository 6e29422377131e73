"""A served wall is read-only whatever the config says: no action starts, below the UI too."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from hatui.actions.catalog import plan_action
from hatui.errors import ActionRefused
from hatui.serve.wall import build_wall, wall_argv, watched_clusters
from hatui.snapshot.once import SourceChoice, resolve
from hatui.sources.make import demo_config
from hatui.ui.actions_glue import Request
from hatui.ui.modes import WRITE_ACTIONS


def operator_demo() -> tuple[Any, Any]:
    """The demo's config with its cluster saying ``mode: operator`` (the console would allow writes)."""
    config = demo_config()
    cluster = dataclasses.replace(config.cluster(), mode="operator")
    return dataclasses.replace(config, clusters={cluster.name: cluster}), cluster


async def until(pilot: Any, holds: Callable[[], bool], what: str, within: float = 30.0) -> None:
    """Lets the app run until ``holds()`` (bounded: a shared CI machine can be slow, never stuck)."""
    deadline = time.monotonic() + within
    while not holds():
        if time.monotonic() > deadline:
            pytest.fail(f"not reached in {within}s: {what}")
        await pilot.pause(0.05)


async def test_a_wall_of_an_operator_cluster_runs_no_action_even_when_asked_below_the_ui() -> None:
    config, cluster = operator_demo()
    app = build_wall(config, [cluster], demo="seed")
    demo = app.session.poller.demo  # type: ignore[attr-defined]
    reached: list[tuple[str, Sequence[str]]] = []
    execute = demo.execute

    def spy(node: str, argv: Sequence[str], stdin: str | None = None) -> Any:
        reached.append((node, tuple(argv)))
        return execute(node, argv, stdin)

    demo.execute = spy
    async with app.run_test(size=(160, 50), notifications=True) as pilot:
        await until(pilot, lambda: app.state.view is not None and len(app.state.polls) == 3, "3 nodes polled")
        assert app.monitor and app.read_only
        assert not any(app.check_action(a, ()) for a in WRITE_ACTIONS)
        polled = len(reached)
        # The UI's door: a request from a key or the palette.
        app.actions.request(Request("standby", "vnode1"))
        await until(
            pilot,
            lambda: any("monitor mode runs no actions" in n.message for n in app._notifications),
            "the refusal shown",
        )
        # Below the UI: a plan built as if the console were an operator's, handed to the wall's runner.
        ctx = dataclasses.replace(app.actions.context(), monitor=False, read_only=False)
        plan = plan_action(ctx, "standby", "vnode1")
        with pytest.raises(ActionRefused, match="monitor mode runs no actions"):
            await app.actions.runner().run(plan)
        writes = [argv for _node, argv in reached[polled:] if "standby" in " ".join(argv) or "-v" in argv]
        assert writes == [], "no command of the action reached a node"


def test_the_wall_process_has_no_way_to_leave_monitor_mode() -> None:
    from hatui.serve.wall import _parser

    options = {o for a in _parser()._actions for o in a.option_strings}
    assert options == {"-h", "--help", "--config", "--cluster", "--all", "--demo", "--replay"} | {
        "--demo-faults"
    }
    choice = SourceChoice(cluster="demo", demo="modern")
    assert wall_argv(choice, every=True) == ["--cluster", "demo", "--all", "--demo=modern"]


def test_all_shows_every_cluster_the_chosen_one_first() -> None:
    config = demo_config()
    a = dataclasses.replace(config.cluster(), name="a")
    b = dataclasses.replace(config.cluster(), name="b")
    config = dataclasses.replace(config, clusters={"a": a, "b": b})
    assert [c.name for c in watched_clusters(config, b, True)] == ["b", "a"]
    assert [c.name for c in watched_clusters(config, b, False)] == ["b"]


def test_a_wall_sends_no_alerts_and_writes_no_journal(tmp_path: Path) -> None:
    """One wall runs per browser: alerts from walls would page once per screen watching."""
    path = tmp_path / "config.yaml"
    path.write_text(
        "clusters:\n  prod:\n    nodes:\n      - name: prod1\n        host: 127.0.0.1\n"
        "    alerts:\n      - name: page\n        command: [/bin/true]\n"
    )
    config, cluster = resolve(SourceChoice(config=path))
    assert cluster.alerts, "the config has a rule the console would run"
    app = build_wall(config, [cluster])
    assert app.monitor and app.session.listeners == []
