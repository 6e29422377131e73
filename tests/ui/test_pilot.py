"""The console driven by keys and clicks over replayed captures of a reference-shaped cluster."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widget import Widget
from textual.widgets import DataTable, HelpPanel, Input, Static, TabbedContent
from ui_cluster import NODES, capture, unreachable
from ui_harness import SIZE, ConsoleFactory, wait_for

from hatui.ui.screens.detail import DetailScreen
from hatui.ui.screens.main import MainScreen


def focused(app: Any) -> Widget | None:
    """The focused widget (a function, so each check reads it afresh)."""
    widget = app.focused
    assert widget is None or isinstance(widget, Widget)
    return widget


def main(app: Any) -> MainScreen:
    screen = app.main_screen
    assert isinstance(screen, MainScreen)
    return screen


async def test_panes_show_every_layer(console: ConsoleFactory) -> None:
    c = console()
    async with c.app.run_test(size=SIZE) as pilot:
        await c.next_polls(pilot)
        m = main(c.app)
        vms = m.pane("vms")
        assert vms.row_keys == ["sentinel", "www", "mail"]
        assert vms.cell_text("sentinel", "state") == "✔ ok"
        assert vms.cell_text("sentinel", "verdict") == (
            "Pacemaker and the domain list agree on vnode1 and its disks are Primary there"
        )
        assert vms.cell_text("sentinel", "pacemaker") == "Started vnode1"
        assert vms.cell_text("sentinel", "running") == "vnode1 running"
        assert vms.cell_text("sentinel", "disks") == "sentinel-root ✔  sentinel-swap ✔"
        assert m.pane("nodes").row_keys == list(NODES)
        assert m.pane("nodes").cell_text("vnode1", "dc") == "DC"
        res = m.pane("resources")
        assert res.cell_text("drbd_sentinel", "in") == "promotable ms_drbd_sentinel"
        assert res.cell_text("drbd_sentinel", "where").startswith("Promoted vnode1 · Unpromoted vnode2")
        assert "sentinel-root@vnode1" in m.pane("drbd").row_keys
        # The only problem of this cluster: the lab runs without STONITH.
        assert m.pane("problems").row_keys == ["stonith-disabled|cluster|"]
        badge = m.query_one("#health-badge", Static)
        assert "WARNING" in str(badge.render())
        assert badge.has_class("-warning")
        assert {w.name for w in c.app.workers if w.group == "poll"} == {f"poll:{n}" for n in NODES}


async def test_keys_and_clicks_move_between_panes(console: ConsoleFactory) -> None:
    c = console()
    async with c.app.run_test(size=SIZE) as pilot:
        await c.next_polls(pilot)
        tabs = main(c.app).query_one(TabbedContent)
        await pilot.press("2")
        assert tabs.active == "tab-nodes"
        assert c.app.focused is main(c.app).pane("nodes").table
        await pilot.press("4")
        assert tabs.active == "tab-drbd"
        await pilot.click("#--content-tab-tab-events")
        assert tabs.active == "tab-events"
        await pilot.press("1")
        assert c.app.focused is main(c.app).pane("vms").table


async def test_filter_narrows_rows_in_every_pane(console: ConsoleFactory) -> None:
    c = console()
    async with c.app.run_test(size=SIZE) as pilot:
        await c.next_polls(pilot)
        m = main(c.app)
        await pilot.press("slash")
        assert isinstance(focused(c.app), Input)
        await pilot.press(*"sentinel")
        assert m.pane("vms").row_keys == ["sentinel"]
        assert sorted(m.pane("drbd").row_keys) == [
            "sentinel-root@vnode1", "sentinel-root@vnode2", "sentinel-swap@vnode1", "sentinel-swap@vnode2"
        ]  # fmt: skip
        await pilot.press("enter")
        assert isinstance(focused(c.app), DataTable)
        assert "(1 of 3)" in str(m.pane("vms").border_title)
        await pilot.press("escape")
        assert m.pane("vms").row_keys == ["sentinel", "www", "mail"]


async def test_sort_by_column_and_reverse(console: ConsoleFactory) -> None:
    c = console()
    async with c.app.run_test(size=SIZE) as pilot:
        await c.next_polls(pilot)
        vms = main(c.app).pane("vms")
        await pilot.press("s")  # by VM name
        assert vms.row_keys == ["mail", "sentinel", "www"]
        await pilot.press("o")
        assert vms.row_keys == ["www", "sentinel", "mail"]


async def test_pause_freezes_rows_until_resumed(console: ConsoleFactory) -> None:
    c = console()
    async with c.app.run_test(size=SIZE) as pilot:
        await c.next_polls(pilot)
        vms = main(c.app).pane("vms")
        await pilot.press("p")
        for n in NODES:  # vnode1 goes to standby: Pacemaker moves sentinel to vnode2
            c.poller.replace(capture(n, "standby"))
        await c.next_polls(pilot)
        assert vms.cell_text("sentinel", "pacemaker") == "Started vnode1"
        assert "PAUSED" in str(main(c.app).query_one("#header-status", Static).render())
        await pilot.press("p")
        assert vms.cell_text("sentinel", "pacemaker") == "Started vnode2"
        # xm list on vnode1 still shows the domain: the layers disagree, and the row says so.
        assert vms.cell_text("sentinel", "state") == "✖ CRITICAL"
        assert (
            vms.cell_text("sentinel", "verdict")
            == "VM sentinel runs on vnode1 but Pacemaker says it is on vnode2"
        )
        messages = [le.event.message for le in c.app.state.events]
        assert "sentinel moved vnode1 -> vnode2" in messages
        assert "vnode1 in standby" in messages


async def test_rows_update_in_place_and_cursor_stays(console: ConsoleFactory) -> None:
    c = console()
    async with c.app.run_test(size=SIZE) as pilot:
        await c.next_polls(pilot)
        table = main(c.app).pane("vms").table
        await pilot.press("down")  # cursor on www
        assert table.cursor_row == 1
        for n in NODES:
            c.poller.replace(capture(n, "standby"))
        await c.next_polls(pilot)
        assert main(c.app).pane("vms").row_keys == ["sentinel", "www", "mail"]
        assert table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value == "www"


async def test_unreachable_node_keeps_its_rows_dimmed_and_stale(console: ConsoleFactory) -> None:
    c = console()
    async with c.app.run_test(size=SIZE, notifications=True) as pilot:
        await c.next_polls(pilot)
        c.poller.replace(unreachable("vnode3", "connection refused"))
        # A good poll already in flight is taken in (and stamped by the clock) when it lands: let
        # every such poll land before the clock moves, so that the last good one is 42 s old.
        await c.next_polls(pilot, ("vnode3",))
        c.clock.advance(42)
        await c.next_polls(pilot, ("vnode3",))
        m = main(c.app)
        drbd = m.pane("drbd")
        assert "www-root@vnode3" in drbd.row_keys
        seen = drbd.cell_value("www-root@vnode3", "seen")
        assert isinstance(seen, Text)
        assert seen.plain == "⌛ last seen 42s ago: connection refused"
        assert seen.style.dim  # type: ignore[union-attr]
        assert drbd.cell_text("www-root@vnode3", "role") == "Primary"  # last known value, not blank
        assert drbd.has_class("-stale")
        nodes = m.pane("nodes")
        assert nodes.cell_text("vnode3", "reach") == "▲ unreachable: last seen 42s ago: connection refused"
        assert m.pane("vms").cell_text("www", "state") == "⌛ ▲ WARNING"  # the verdict: vnode3 unreachable
        verdict = m.pane("vms").cell_text("www", "verdict")
        assert verdict.endswith("⌛ vnode3 last seen 42s ago: connection refused")
        chip = next(ch for ch in m.query(".node-chip") if ch.name == "vnode3")
        assert chip.has_class("-unreachable")
        assert chip.has_class("-stale")
        assert "vnode3 unreachable: connection refused" in [le.event.message for le in c.app.state.events]
        assert any("node-unreachable" in k for k in m.pane("problems").row_keys)
        c.poller.replace(capture("vnode3"))
        await c.next_polls(pilot, ("vnode3",))
        assert drbd.cell_text("www-root@vnode3", "seen") == "live"
        assert not drbd.has_class("-stale")


async def test_malformed_crm_mon_shows_parse_error_in_resources_pane(console: ConsoleFactory) -> None:
    bad = '<pacemaker-result api-version="2.25">\n  <summary>\n    <stack type="corosync"\n'
    c = console([capture(n, crm_mon_text=bad) for n in NODES])
    async with c.app.run_test(size=SIZE) as pilot:
        await c.next_polls(pilot)
        res = main(c.app).pane("resources")
        strip = res.query_one(".pane-errors", Static)
        assert strip.display
        text = str(strip.render())
        assert "parse error on vnode1, crm_mon.xml" in text
        assert "press e" in text
        assert res.has_class("-parse-error")
        await pilot.press("3", "e")
        assert isinstance(c.app.screen, DetailScreen)
        assert any('<stack type="corosync"' in raw for raw in c.app.screen.raw_texts)
        await pilot.press("escape")
        assert isinstance(c.app.screen, MainScreen)


async def test_help_panel_opens_and_closes(console: ConsoleFactory) -> None:
    c = console()
    async with c.app.run_test(size=SIZE) as pilot:
        await c.next_polls(pilot)
        await pilot.press("question_mark")
        assert c.app.screen.query(HelpPanel)
        await pilot.press("question_mark")
        await pilot.pause()
        assert not c.app.screen.query(HelpPanel)


async def test_detail_screen_shows_fields_raw_output_and_history(console: ConsoleFactory) -> None:
    c = console()
    async with c.app.run_test(size=SIZE) as pilot:
        await c.next_polls(pilot)
        for n in NODES:
            c.poller.replace(capture(n, "standby", guests=()))
        await c.next_polls(pilot)
        await pilot.press("3")
        res = main(c.app).pane("resources")
        res.table.move_cursor(row=res.row_keys.index("sentinel"))
        await pilot.press("enter")
        screen = c.app.screen
        assert isinstance(screen, DetailScreen)
        assert screen.info.title == "Resource sentinel"
        assert ("instance[0].agent", "ocf:heartbeat:Xen") in screen.info.fields
        assert any('resource id="sentinel"' in raw for raw in screen.raw_texts)
        assert any(le.event.message == "sentinel moved vnode1 -> vnode2" for le in screen.history)
        await pilot.press("r")
        assert screen.query_one(TabbedContent).active == "raw-0"
        await pilot.press("h")
        assert screen.query_one(TabbedContent).active == "history"
        await pilot.press("escape")
        assert isinstance(c.app.screen, MainScreen)


async def test_events_pane_newest_first(console: ConsoleFactory) -> None:
    c = console()
    async with c.app.run_test(size=SIZE) as pilot:
        await c.next_polls(pilot)
        for n in NODES:
            c.poller.replace(capture(n, "healthy", sync_www=12.0))
        await c.next_polls(pilot)
        for n in NODES:
            c.poller.replace(capture(n, "healthy", sync_www=41.0))
        await c.next_polls(pilot)
        events = main(c.app).pane("events")
        keys = events.row_keys
        seqs = [int(k.removeprefix("ev")) for k in keys]
        assert seqs == sorted(seqs, reverse=True)
        texts = [events.cell_text(k, "message") for k in keys]
        assert "www-root SyncTarget 41% on vnode2" in texts
        assert texts.index("www-root SyncTarget 41% on vnode2") < texts.index(
            "www-root SyncTarget started on vnode2 12%"
        )


async def test_refresh_wakes_pollers(console: ConsoleFactory) -> None:
    c = console()
    c.poller._interval = 30.0  # only a refresh can bring a second poll in time
    async with c.app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: all(c.polls(n) == 1 for n in NODES))
        await pilot.press("r")
        await wait_for(pilot, lambda: all(c.polls(n) == 2 for n in NODES), within=3)
