"""``hatui serve --all``: the wall of several clusters is the fleet screen, read-only through and through.

The app is the one the wall process builds (``build_wall`` over ``watched``) for the demo fleet:
a healthy seed cluster, a read-only modern one and one with a DRBD split-brain whose config says
``mode: operator`` (a console would let one act on it; a served wall must not).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from serve_support import every_door_refuses, spy_on_commands, until

from hatui.serve.wall import build_wall, watched
from hatui.snapshot.once import SourceChoice
from hatui.ui.app import HatuiApp
from hatui.ui.modes import WRITE_ACTIONS
from hatui.ui.screens.fleet import FleetScreen
from hatui.ui.screens.wall import WallScreen
from hatui.ui.widgets.fleet import FleetTable

FLEET = ("demo-seed", "demo-modern", "demo-faulted")


def fleet_wall(**kwargs: Any) -> HatuiApp:
    config, clusters = watched(SourceChoice(demo="seed", fleet=True))
    return build_wall(config, clusters, demo="seed", **kwargs)


def row_text(app: HatuiApp, cluster: str) -> str:
    assert app.fleet_screen is not None
    table = app.fleet_screen.query_one(FleetTable)
    return " | ".join(str(c) for c in table.get_row(cluster))


def all_polled(app: HatuiApp) -> bool:
    return all(s.state.polls.get(n, 0) >= 1 for s in app.sessions for n in s.poller.nodes)


async def test_all_opens_on_the_fleet_of_every_cluster_read_only_and_a_wall_opens_from_it() -> None:
    app = fleet_wall()
    reached = spy_on_commands(app)
    async with app.run_test(size=(160, 50), notifications=True) as pilot:
        assert isinstance(app.screen, FleetScreen)
        assert [s.cluster.name for s in app.sessions] == list(FLEET)
        assert app.monitor and app.read_only
        assert not [t for t in app._timers if t.name == "wall-rotate"]  # type: ignore[attr-defined]
        await until(pilot, lambda: all_polled(app), "every cluster polled")
        await until(pilot, lambda: "CRITICAL" in row_text(app, "demo-faulted"), "the split-brain counted")
        faulted = row_text(app, "demo-faulted")
        assert "split" in faulted.lower() and "nodes 3/3 up" in faulted
        assert "CRITICAL" not in row_text(app, "demo-seed")
        # Every row says read-only: in a wall no cluster is an operator's, whatever its config says.
        assert all("read-only" in row_text(app, c) for c in FLEET)
        assert app.sessions[2].cluster.mode == "operator"
        assert not any(app.check_action(a, ()) for a in WRITE_ACTIONS)

        # Enter on a row: that cluster's wall, still read-only; Backspace comes back.
        table = app.screen.query_one(FleetTable)
        table.move_cursor(row=table.get_row_index("demo-faulted"))
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, WallScreen), "the cluster's wall")
        assert app.session.cluster.name == "demo-faulted"
        await until(
            pilot, lambda: "demo-faulted" in str(app.screen.query_one("#wall-cluster").render()), "title"
        )
        await every_door_refuses(pilot, app, reached)
        await pilot.press("backspace")
        await until(pilot, lambda: isinstance(app.screen, FleetScreen), "back on the fleet")


async def test_rotate_keeps_the_wall_turning_through_the_clusters() -> None:
    app = fleet_wall(rotate=True)
    async with app.run_test(size=(160, 50)) as pilot:
        assert app.fleet_screen is None and isinstance(app.screen, WallScreen)
        assert [t for t in app._timers if t.name == "wall-rotate"]  # type: ignore[attr-defined]
        await until(
            pilot, lambda: "cluster 1/3" in str(app.screen.query_one("#wall-cluster").render()), "1/3"
        )


async def test_a_fault_line_naming_a_cluster_reaches_its_row_at_the_next_poll(tmp_path: Path) -> None:
    faults = tmp_path / "faults"
    app = fleet_wall(demo_faults=faults)
    async with app.run_test(size=(160, 50)) as pilot:
        await until(pilot, lambda: all_polled(app), "every cluster polled")
        assert "unreachable" not in row_text(app, "demo-modern")
        faults.write_text("demo-modern kill-node vnode3\n")
        await until(pilot, lambda: "vnode3 unreachable" in row_text(app, "demo-modern"), "the killed node")
        assert "unreachable" not in row_text(app, "demo-seed"), "the line named another cluster"
