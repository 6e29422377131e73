"""A served wall is read-only whatever the config says: no action starts, below the UI too."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from serve_support import every_door_refuses, spy_on_commands, until

from hatui.serve.wall import build_wall, wall_argv, watched
from hatui.snapshot.once import SourceChoice, resolve
from hatui.sources.make import demo_config


def operator_demo() -> tuple[Any, Any]:
    """The demo's config with its cluster saying ``mode: operator`` (the console would allow writes)."""
    config = demo_config()
    cluster = dataclasses.replace(config.cluster(), mode="operator")
    return dataclasses.replace(config, clusters={cluster.name: cluster}), cluster


async def test_a_wall_of_an_operator_cluster_runs_no_action_even_when_asked_below_the_ui() -> None:
    config, cluster = operator_demo()
    app = build_wall(config, [cluster], demo="seed")
    reached = spy_on_commands(app)
    async with app.run_test(size=(160, 50), notifications=True) as pilot:
        await until(pilot, lambda: app.state.view is not None and len(app.state.polls) == 3, "3 nodes polled")
        await every_door_refuses(pilot, app, reached)


def test_the_wall_process_has_no_way_to_leave_monitor_mode() -> None:
    from hatui.serve.wall import _parser

    options = {o for a in _parser()._actions for o in a.option_strings}
    assert options == {"-h", "--help", "--config", "--cluster", "--all", "--rotate", "--demo", "--replay"} | {
        "--demo-faults"
    }
    choice = SourceChoice(demo="modern", fleet=True)
    assert wall_argv(choice) == ["--all", "--demo=modern"]
    assert wall_argv(choice, rotate=True) == ["--all", "--rotate", "--demo=modern"]
    assert wall_argv(SourceChoice(cluster="demo", demo="seed"), rotate=True) == [
        "--cluster",
        "demo",
        "--demo=seed",
    ]


def test_all_shows_every_cluster_in_the_config_order_and_one_cluster_otherwise(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(
        "default_cluster: b\nclusters:\n"
        + "".join(f"  {n}:\n    nodes:\n      - name: {n}1\n        host: 127.0.0.1\n" for n in "ab")
    )
    _config, every = watched(SourceChoice(config=path, fleet=True))
    assert [c.name for c in every] == ["a", "b"], "as the console's fleet and --once --all list them"
    assert [c.name for c in watched(SourceChoice(config=path))[1]] == ["b"]
    assert [c.name for c in watched(SourceChoice(config=path, cluster="a"))[1]] == ["a"]
    _config, demo = watched(SourceChoice(demo="seed", fleet=True))
    assert [c.name for c in demo] == ["demo-seed", "demo-modern", "demo-faulted"], "the demo fleet"


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
