"""The console over a recorded journal: the time cursor steps, jumps to problems and actions, and
every pane shows the cluster as it was there (the journal is the demo's night, ``support.timeline_scene``)."""

from __future__ import annotations

import shlex
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from test_ui_console_tmux import Tmux, tmux  # noqa: F401 - the fixture
from textual.widgets import Static
from ui_harness import SIZE

from hatui.journal.store import Journal
from hatui.journal.timeline_find import journal_config
from hatui.ui.screens.main import MainScreen
from hatui.ui.timeline import TimelineApp, make_timeline_app
from support.timeline_scene import VICTIM, VM, Night, record_night


@pytest.fixture(scope="module")
def night(tmp_path_factory: pytest.TempPathFactory) -> Night:
    return record_night(tmp_path_factory.mktemp("night") / "journal")


def open_at(night: Night, **options: Any) -> TimelineApp:
    """The console over the night's journal (the app closes it when it ends)."""
    journal = Journal.open(night.path)
    config = journal_config(journal)
    return make_timeline_app(config, config.cluster(), journal, **options)


def cursor(app: TimelineApp) -> str:
    return str(app.main_screen.query_one("#cursor-line", Static).render())


def badge(app: TimelineApp) -> str:
    return str(app.main_screen.query_one("#health-badge", Static).render())


def running(app: TimelineApp) -> str:
    screen = app.main_screen
    assert isinstance(screen, MainScreen)
    return screen.pane("vms").cell_text(VM, "running")


def event_kinds(app: TimelineApp) -> list[str]:
    screen = app.main_screen
    assert isinstance(screen, MainScreen)
    pane = screen.pane("events")
    return [pane.cell_text(key, "kind") for key in pane.row_keys]


def at_of(app: TimelineApp) -> Any:
    return app.timeline.polls[app.index].at


async def test_cursor_steps_and_jumps_and_the_panes_follow(night: Night) -> None:
    before = night.fault_at - timedelta(seconds=5)
    app = open_at(night, at=before)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        # Opened at --at: the last poll at or before it, the VM still on the victim, all calm.
        start = app.index
        assert at_of(app) <= before < at_of(app) + timedelta(seconds=1)
        line = cursor(app)
        assert line.startswith(f"REPLAY {at_of(app):%Y-%m-%d %H:%M:%S} UTC · poll {start + 1}/{night.polls}")
        assert "[ ] step" in line
        assert running(app) == f"{VICTIM} running"
        assert "CRITICAL" not in badge(app)
        assert not [w for w in app.workers if w.group == "poll"]  # a journal is not polled

        await pilot.press("right_square_bracket")
        assert app.index == start + 1
        assert f"poll {start + 2}/{night.polls}" in cursor(app)
        await pilot.press("left_square_bracket")
        assert app.index == start

        # The next problem: the victim stops answering; the events pane says so, nothing later.
        await pilot.press("right_curly_bracket")
        first_problem = app.index
        assert at_of(app) > night.fault_at
        assert event_kinds(app)[0] == "node-unreachable"
        assert "action" not in event_kinds(app)
        # Jump on through the problems until the VM runs on the spare: the panes move with it.
        # (The dead node's last domain list stays on screen, stale, as the console showed it.)
        for _ in range(10):
            if "vnode2 running" in running(app):
                break
            await pilot.press("right_curly_bracket")
        assert "vnode2 running" in running(app)
        assert "CRITICAL" in badge(app)
        assert app.index > first_problem
        assert f"{at_of(app):%H:%M:%S}Z" in str(app.main_screen.query_one("#header-status", Static).render())

        # The admin's action: the cursor lands on the first poll after it, the action in the log.
        await pilot.press("greater_than_sign")
        assert at_of(app) >= night.action_at
        assert event_kinds(app)[0] == "action"
        await pilot.press("greater_than_sign")  # no action after it: the cursor stays
        assert at_of(app) >= night.action_at and event_kinds(app)[0] == "action"

        # Back to the first problem, then before the fault: the VM is on the victim again.
        while app.index > first_problem:
            await pilot.press("left_curly_bracket")
        assert app.index == first_problem
        await pilot.press("left_square_bracket")
        assert running(app) == f"{VICTIM} running"
        assert "node-unreachable" not in event_kinds(app)


async def test_opens_at_the_last_poll_without_at_and_is_read_only(night: Night) -> None:
    app = open_at(night)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.index == night.polls - 1
        assert f"poll {night.polls}/{night.polls}" in cursor(app)
        assert "vnode2 running" in running(app)
        assert app.read_only
        # Pausing and polling now mean nothing over a journal: their keys are off.
        assert app.check_action("toggle_pause", ()) is False
        assert app.check_action("refresh_now", ()) is False
        assert app.check_action("step", (1,)) is not False


async def test_the_wall_says_where_the_cursor_is(night: Night) -> None:
    app = open_at(night, monitor=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        name = str(app.wall_screen.query_one("#wall-cluster", Static).render())
        assert f"REPLAY {at_of(app):%Y-%m-%d %H:%M:%S} UTC · poll {night.polls}/{night.polls}" in name
        await pilot.press("left_square_bracket")
        name = str(app.wall_screen.query_one("#wall-cluster", Static).render())
        assert f"poll {night.polls - 1}/{night.polls}" in name


def test_replay_of_a_capture_directory_is_no_timeline(tmp_path: Path) -> None:
    assert not Journal.is_journal(tmp_path)


def test_hatui_replay_journal_opens_the_cursor_in_a_real_terminal(
    night: Night,
    tmux: Callable[[str], Tmux],  # noqa: F811 - the fixture
    tmp_path: Path,
) -> None:
    # The whole command line: --replay takes the journal, --at (UTC here) puts the cursor.
    at = night.fault_at - timedelta(seconds=5)
    home = tmp_path / "home"
    home.mkdir()
    env = f"env HOME={shlex.quote(str(home))} TERM=xterm-256color"
    term = tmux(
        f"{env} {shlex.quote(sys.executable)} -m hatui --replay {shlex.quote(str(night.path))}"
        f" --at {at:%Y-%m-%dT%H:%M:%S}Z"
    )
    shown = term.wait("REPLAY")
    index = next(i for i, p in enumerate(night.statuses) if p[0] > at)  # the poll after --at
    assert f"REPLAY {at:%Y-%m-%d %H:%M:%S} UTC · poll {index}/{night.polls}" in shown
    term.keys("]")
    term.wait(f"poll {index + 1}/{night.polls}")
    term.keys("q")
