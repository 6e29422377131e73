"""The fleet screen: several clusters in one console, each polled on its own, one shown at a time.

The fleet is the demo fleet (``hatui --demo --all``: a healthy seed cluster, a read-only modern one
and one with a DRBD split-brain) plus a cluster whose nodes are SSH to a closed loopback port: it
never answers.
"""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from textual.widgets import Static
from ui_harness import SIZE, wait_for

from hatui.config import ClusterConfig, Config, NodeConfig
from hatui.journal.listener import JournalListener
from hatui.journal.store import Journal
from hatui.sources.demo_fleet import demo_fleet_config
from hatui.sources.make import make_poller
from hatui.ui.app import HatuiApp, make_app
from hatui.ui.screens.fleet import FleetScreen
from hatui.ui.screens.main import MainScreen
from hatui.ui.screens.wall import WallScreen
from hatui.ui.switching import listen
from hatui.ui.widgets.fleet import FleetTable
from support.sshd import free_port

OFFLINE = "offline"


@pytest.fixture
def fleet_config() -> Config:
    """The demo fleet and a cluster nobody answers for (a port nothing listens on)."""
    demo = demo_fleet_config()
    port = free_port()
    offline = ClusterConfig(
        name=OFFLINE,
        nodes=(NodeConfig("gone1", "127.0.0.1", port=port), NodeConfig("gone2", "127.0.0.1", port=port)),
        display_name="Offline site",
        connect_timeout=1.0,
    )
    return Config(clusters={**demo.clusters, OFFLINE: offline}, health_ignore=demo.health_ignore)


def fleet_app(config: Config, *, monitor: bool = False, fleet: bool = True) -> HatuiApp:
    first, *rest = config.clusters.values()

    def poller(c: ClusterConfig) -> object:
        return make_poller(config, c, demo=None if c.name == OFFLINE else "seed")

    extra = [(c, poller(c)) for c in rest]
    return make_app(config, first, poller(first), monitor=monitor, extra=extra, fleet=fleet)  # type: ignore[arg-type]


def row_text(app: HatuiApp, cluster: str) -> str:
    table = app.screen.query_one(FleetTable)
    return " | ".join(str(c) for c in table.get_row(cluster))


def all_polled(app: HatuiApp) -> bool:
    """Every node of every cluster was polled (answered or not)."""
    return all(s.state.polls.get(n, 0) >= 1 for s in app.sessions for n in s.poller.nodes)


async def open_row(pilot: object, app: HatuiApp, cluster: str) -> None:
    table = app.screen.query_one(FleetTable)
    table.move_cursor(row=table.get_row_index(cluster))
    await pilot.press("enter")  # type: ignore[attr-defined]
    await wait_for(pilot, lambda: not isinstance(app.screen, FleetScreen))


def header_name(app: HatuiApp) -> str:
    return str(app.screen.query_one("#cluster-name", Static).render())


async def test_the_fleet_shows_each_cluster_in_words_and_opens_one(fleet_config: Config) -> None:
    app = fleet_app(fleet_config)
    async with app.run_test(size=SIZE) as pilot:
        assert isinstance(app.screen, FleetScreen)
        await wait_for(pilot, lambda: all_polled(app), within=20)
        # A split-brain settles a few seconds before it counts (as in a single cluster's console).
        await wait_for(pilot, lambda: "CRITICAL" in row_text(app, "demo-faulted"), within=20)
        seed, faulted, offline = (row_text(app, c) for c in ("demo-seed", "demo-faulted", OFFLINE))
        # The demo's seed cluster resyncs a DRBD disk now and then: a warning, never critical.
        assert "CRITICAL" not in seed and "nodes 3/3 up" in seed and "VMs 7/7 running" in seed
        assert "CRITICAL" in faulted and "split" in faulted.lower()
        # Nobody could read it: unknown, not OK, and the row says why in words.
        assert "? UNKNOWN" in offline and "no data yet" in offline and "connection refused" in offline
        assert "nodes 0/2 up (gone1, gone2 unreachable)" in offline
        assert "read-only" in row_text(app, "demo-modern") and "operator" in seed
        summary = str(app.screen.query_one("#fleet-summary", Static).render())
        assert summary.startswith("4 clusters: ") and "CRITICAL" in summary
        # The table's last column is cut at this width; below it the worst problems wrap, in full,
        # the critical cluster first, and the footer names the key that opens a cluster.
        problems = str(app.screen.query_one("#fleet-problems", Static).render())
        lines = problems.splitlines()
        assert lines[0].startswith("demo-faulted: csifi  ✖ critical: DRBD www-root split-brain: "), lines
        assert "vnode2 Secondary/UpToDate StandAlone" in problems
        assert any(line.startswith("Offline site  ? ") or "Offline site" in line for line in lines), lines
        footer = " ".join(str(w.render()) for w in app.screen.query("FooterKey"))
        assert "Open" in footer, footer

        await open_row(pilot, app, "demo-faulted")
        assert isinstance(app.screen, MainScreen)
        assert app.session.cluster.name == "demo-faulted"
        assert "demo-faulted" in header_name(app) and "operator" in header_name(app)
        assert app.state.health is not None and app.state.health.status.value == "CRITICAL"
        await pilot.press("backspace")
        await wait_for(pilot, lambda: isinstance(app.screen, FleetScreen))

        # Esc on a cluster's panes (no filter to clear) comes back too.
        await open_row(pilot, app, "demo-seed")
        assert "demo-seed" in header_name(app)
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, FleetScreen))


async def test_every_cluster_keeps_polling_while_another_is_shown(fleet_config: Config) -> None:
    app = fleet_app(fleet_config)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: all_polled(app), within=20)
        await open_row(pilot, app, "demo-seed")
        hidden = app.session_named("demo-faulted")
        assert hidden is not None
        before = dict(hidden.state.polls)
        await wait_for(pilot, lambda: all(hidden.state.polls[n] > before[n] for n in before), within=20)


async def test_a_read_only_cluster_opened_from_the_fleet_runs_no_action(fleet_config: Config) -> None:
    app = fleet_app(fleet_config)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: all_polled(app), within=20)

        def action_workers() -> list[str]:
            return [w.name for w in app.workers if w.group == "action"]

        # An operator cluster: S on a node starts the standby flow (it asks before it runs).
        await open_row(pilot, app, "demo-seed")
        assert not app.read_only
        await pilot.press("2", "S")
        await wait_for(pilot, lambda: "action:standby" in action_workers())
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))
        await pilot.press("backspace")
        await wait_for(pilot, lambda: isinstance(app.screen, FleetScreen))
        started = len(action_workers())

        await open_row(pilot, app, "demo-modern")
        assert "read-only" in header_name(app)
        assert app.read_only and app.actions.session.cluster.name == "demo-modern"
        assert app.check_action("standby", ()) is False
        await pilot.press("2", "S")
        await pilot.pause(0.3)
        assert len(action_workers()) == started
        assert isinstance(app.screen, MainScreen)
        assert app.actions.running() == []


async def test_the_wall_on_the_fleet_shows_the_chosen_cluster_and_does_not_rotate(
    fleet_config: Config,
) -> None:
    app = fleet_app(fleet_config, monitor=True)
    async with app.run_test(size=SIZE) as pilot:
        assert isinstance(app.screen, FleetScreen)
        await wait_for(pilot, lambda: all_polled(app), within=20)
        await open_row(pilot, app, "demo-faulted")
        assert isinstance(app.screen, WallScreen)
        await wait_for(pilot, lambda: "demo-faulted" in str(app.screen.query_one("#wall-cluster").render()))
        assert not [t for t in app._timers if t.name == "wall-rotate"]  # type: ignore[attr-defined]
        await pilot.press("backspace")
        await wait_for(pilot, lambda: isinstance(app.screen, FleetScreen))


async def test_one_cluster_opens_on_its_panes_as_before(fleet_config: Config) -> None:
    seed = fleet_config.clusters["demo-seed"]
    one = Config(clusters={"demo-seed": seed}, health_ignore=fleet_config.health_ignore)
    app = fleet_app(one)
    async with app.run_test(size=SIZE) as pilot:
        assert isinstance(app.screen, MainScreen)
        assert app.fleet_screen is None
        assert app.check_action("fleet", ()) is False
        await pilot.press("backspace")
        assert isinstance(app.screen, MainScreen)
        assert "·" not in header_name(app)  # the title as before: no mode words added


async def test_each_cluster_of_the_fleet_writes_its_own_journal(tmp_path: Path) -> None:
    config = demo_fleet_config()
    app = fleet_app(config)
    listen(app.sessions, config, tmp_path, app.voice_of)
    writers = {s.cluster.name: s.listeners[0] for s in app.sessions}
    assert all(isinstance(w, JournalListener) for w in writers.values())
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: all(w.polls_written >= 3 for w in writers.values()), within=20)  # type: ignore[attr-defined]
    statuses = {}
    for name in config.clusters:
        journal = Journal.open(tmp_path / name)
        try:
            polls = journal.polls()
        finally:
            journal.close()
        assert {p.node for p in polls} == {"vnode1", "vnode2", "vnode3"}
        statuses[name] = {p.status for p in polls}
    # Each journal holds its own cluster's verdicts: the healthy one never the split-brain's.
    assert "CRITICAL" not in statuses["demo-seed"]


async def test_a_cluster_that_hangs_never_delays_the_others() -> None:
    # A port that takes the connection and never says a word: SSH waits for its banner.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        demo = demo_fleet_config()
        hung = ClusterConfig(
            name=OFFLINE, nodes=(NodeConfig("mute1", "127.0.0.1", port=port),), connect_timeout=60.0
        )
        config = Config(clusters={**demo.clusters, OFFLINE: hung}, health_ignore=demo.health_ignore)
        app = fleet_app(config)
        async with app.run_test(size=SIZE) as pilot:
            others = [s for s in app.sessions if s.cluster.name != OFFLINE]
            await wait_for(
                pilot,
                lambda: all(s.state.polls.get(n, 0) >= 3 for s in others for n in s.poller.nodes),
                within=20,
            )
            stuck = app.session_named(OFFLINE)
            assert stuck is not None and stuck.state.polls.get("mute1", 0) == 0, "its first poll still waits"
            assert "waiting" in row_text(app, OFFLINE)


async def test_p_pauses_the_fleet_rows_and_resuming_shows_what_changed(fleet_config: Config) -> None:
    """The fleet's rows stay put while paused, as a cluster's panes do; the summary says so."""
    app = fleet_app(fleet_config)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: all_polled(app), within=20)
        await wait_for(pilot, lambda: "nodes 3/3 up" in row_text(app, "demo-seed"), within=20)
        await pilot.press("p")
        assert app.paused
        summary = app.screen.query_one("#fleet-summary", Static)
        await wait_for(pilot, lambda: "PAUSED" in str(summary.render()))
        seed = app.session_named("demo-seed")
        assert seed is not None
        seed.poller.demo.inject("kill-node", "vnode2")  # type: ignore[attr-defined]
        polls = dict(seed.state.polls)
        app.action_refresh_now()
        await wait_for(pilot, lambda: all(seed.state.polls[n] > polls[n] for n in polls), within=20)
        await pilot.pause(0.3)
        assert "nodes 3/3 up" in row_text(app, "demo-seed")  # held, not shown
        assert "held; p resumes" in str(summary.render())
        await pilot.press("p")
        assert not app.paused
        await wait_for(pilot, lambda: "nodes 2/3 up" in row_text(app, "demo-seed"), within=10)
        assert "PAUSED" not in str(summary.render())
