"""The console does no work for polls that change nothing, draws a burst of changes once, fills
the hidden panes once when idle after start-up, and brings a hidden pane's rows up to date when it
is shown (current then)."""

from __future__ import annotations

from ui_cluster import NODES, capture
from ui_harness import SIZE, ConsoleFactory, wait_for

from hatui.sources.parse import build_report
from hatui.ui.messages import NodePolled


async def test_an_unchanged_poll_rebuilds_nothing_and_leaves_the_tables_alone(
    console: ConsoleFactory,
) -> None:
    c = console()
    async with c.app.run_test(size=SIZE) as pilot:
        await c.next_polls(pilot)
        state, vms = c.app.state, c.app.main_screen.pane("vms")
        builds, redraws, shown = state.builds, c.app.redraws, vms.snapshot
        rows = {k: vms.table.get_row(k) for k in vms.row_keys}
        # Several rounds, and long enough for the age ticker (every second) to run.
        await c.next_polls(pilot, rounds=6)
        assert state.builds == builds
        assert c.app.redraws == redraws
        assert vms.snapshot is shown  # the VMs pane shows no ages: the ticker left it alone
        for key, cells in rows.items():
            assert all(a is b for a, b in zip(vms.table.get_row(key), cells, strict=True))


async def test_a_changed_poll_is_recorded_and_shown(console: ConsoleFactory) -> None:
    c = console()
    async with c.app.run_test(size=SIZE) as pilot:
        await c.next_polls(pilot)
        builds = c.app.state.builds
        for n in NODES:  # vnode1 goes to standby: Pacemaker moves sentinel to vnode2
            c.poller.replace(capture(n, "standby"))
        vms = c.app.main_screen.pane("vms")
        await wait_for(pilot, lambda: vms.cell_text("sentinel", "pacemaker") == "Started vnode2")
        assert c.app.state.builds > builds


async def test_a_burst_of_changed_polls_is_drawn_once_and_shows_the_last(console: ConsoleFactory) -> None:
    c = console()
    async with c.app.run_test(size=SIZE) as pilot:
        await c.next_polls(pilot)
        builds, redraws = c.app.state.builds, c.app.redraws
        # Three changed reports land in one go (as poll workers post them; here, directly, with
        # the workers stopped so that nothing else is drawn meanwhile).
        c.app.workers.cancel_group(c.app, "poll")
        await pilot.pause()
        builds, redraws = c.app.state.builds, c.app.redraws
        for n in NODES:
            c.app.post_message(NodePolled("ref", build_report(capture(n, "standby"))))
        await pilot.pause()
        assert c.app.state.builds >= builds + 3  # each is recorded...
        assert c.app.redraws == redraws + 1  # ...and the panes are drawn once for the three
        assert c.app.main_screen.pane("vms").cell_text("sentinel", "pacemaker") == "Started vnode2"


async def test_a_hidden_pane_is_brought_up_to_date_when_shown(console: ConsoleFactory) -> None:
    c = console()
    async with c.app.run_test(size=SIZE) as pilot:
        await c.next_polls(pilot)
        screen = c.app.main_screen
        resources = screen._pane("resources")  # read without bringing it up to date
        await wait_for(pilot, lambda: resources.snapshot is not None)  # its first fill, when idle
        first = resources.snapshot
        for n in NODES:
            c.poller.replace(capture(n, "standby"))
        vms = screen._pane("vms")
        await wait_for(pilot, lambda: vms.cell_text("sentinel", "pacemaker") == "Started vnode2")
        # Hidden: it kept the new picture for later instead of building 1,000 rows for nobody.
        assert resources.snapshot is first
        await pilot.press("3")
        assert resources.snapshot is not first
        assert resources.snapshot is not None
        assert resources.snapshot.health is c.app.state.health
        assert "vnode2" in resources.cell_text("sentinel", "where")


async def test_hidden_panes_are_filled_once_after_start_up_without_being_shown(
    console: ConsoleFactory,
) -> None:
    c = console()
    async with c.app.run_test(size=SIZE) as pilot:
        await c.next_polls(pilot)
        screen = c.app.main_screen
        hidden = [screen._pane(p) for p in ("resources", "drbd", "events")]
        await wait_for(pilot, lambda: all(p.snapshot is not None for p in hidden))
        assert screen.active_id == "vms"
        resources = screen._pane("resources")
        assert not resources.has_pending
        assert "sentinel" in resources.row_keys
