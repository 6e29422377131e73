"""The Storage pane on the demo cluster: its storage faults on screen, and the snapshot and backup
actions from the pane's keys (``n`` snapshot, ``B`` backup on a VM's row, ``X`` on a snapshot row)
through the confirmation and the runner to the pane's next picture."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest
from test_ui_actions import DemoConsole, toasts
from textual.widgets import Static
from ui_harness import SIZE, wait_for

from hatui.actions.plan import Request
from hatui.actions.runner import is_read_only_argv
from hatui.config import Config
from hatui.demo import DemoCluster
from hatui.sources.fanout import make_collectors
from hatui.sources.live import CollectorPoller
from hatui.sources.make import demo_config
from hatui.ui.app import make_app
from hatui.ui.palette import entries
from hatui.ui.screens.confirm import ConfirmScreen
from hatui.ui.screens.main import MainScreen
from hatui.ui.widgets.table_pane import TablePane
from support.recording import RecordingTransport

SPEED = 40.0


def storage_demo(generation: str = "seed") -> DemoConsole:
    """The demo cluster with its own ``backup:`` section (the site command), every source at 0.2 s."""
    t0 = time.monotonic()
    demo = DemoCluster(now=lambda: (time.monotonic() - t0) * SPEED, generation=generation)
    base = demo_config().cluster()
    cluster = replace(base, name="demo", display_name="demo", intervals=dict.fromkeys(base.intervals, 0.2))
    spies = {n.name: RecordingTransport(demo.transport(n.name)) for n in cluster.nodes}
    poller = CollectorPoller(make_collectors(cluster, spies))  # type: ignore[arg-type]
    config = Config(clusters={"demo": cluster}, health_ignore=frozenset({"stonith-disabled"}))
    app = make_app(config, cluster, poller)
    app.actions.poll_interval = 0.03
    return DemoConsole(app, demo, spies)


def pane(c: DemoConsole) -> TablePane:
    screen = c.app.main_screen
    assert isinstance(screen, MainScreen)
    return screen.pane("storage")


async def show(pilot: object, c: DemoConsole, key: str | None = None) -> None:
    """Waits for the first polls, shows the Storage pane and puts the cursor on row ``key``."""
    await wait_for(pilot, lambda: c.app.state.view is not None and len(c.app.state.polls) == 3, within=10)
    await pilot.press("7")  # type: ignore[attr-defined]
    if key is not None:
        await select(pilot, c, key)


async def select(pilot: object, c: DemoConsole, key: str) -> None:
    await wait_for(pilot, lambda: key in pane(c).row_keys, within=10)
    pane(c).table.move_cursor(row=pane(c).row_keys.index(key))
    await pilot.pause()  # type: ignore[attr-defined]


def snapshot_rows(c: DemoConsole, prefix: str) -> list[str]:
    return [k for k in pane(c).row_keys if k.startswith(f"snap:{prefix}")]


async def run_confirmed(pilot: object, c: DemoConsole, key: str) -> str:
    """Presses ``key``, runs what the confirmation shows, returns the confirmation's commands."""
    c.app.actions.last_result = None
    await pilot.press(key)  # type: ignore[attr-defined]
    await wait_for(pilot, lambda: isinstance(c.app.screen, ConfirmScreen), within=10)
    commands = str(c.app.screen.query_one("#confirm-commands", Static).render())
    await pilot.press("tab", "enter")  # type: ignore[attr-defined]  # from Cancel to Run
    await wait_for(pilot, lambda: c.app.actions.last_result is not None, within=60)
    result = c.app.actions.last_result
    assert result is not None and result.ok, result.outcome
    return commands


def writes(c: DemoConsole, word: str) -> list[tuple[str, ...]]:
    return [
        argv for s in c.spies.values() for argv in s.calls if not is_read_only_argv(argv) and word in argv
    ]


async def test_a_lost_pv_and_an_iscsi_session_in_recovery_mark_their_rows_and_the_vms() -> None:
    c = storage_demo()
    c.demo.inject("missing-pv", "vnode2")
    c.demo.inject("iscsi-recovery", "vnode3")
    async with c.app.run_test(size=SIZE) as pilot:
        await show(pilot, c)
        text = pane(c).cell_text
        await wait_for(pilot, lambda: "iscsi:1@vnode3" in pane(c).row_keys)
        await wait_for(pilot, lambda: text("vg:vg1@vnode2", "state") == "✖ pv-missing")
        assert text("vg:vg1@vnode2", "info").endswith(", PARTIAL")
        assert text("vg:vg1@vnode1", "state") == "✔ ok"
        assert text("iscsi:1@vnode3", "state").startswith("✖ iscsi-session-down")
        assert text("iscsi:1@vnode3", "use") == "FAILED"
        assert text("iscsi:2@vnode3", "state") == "✔ ok"
        # vg1 holds every VM's swap disk on vnode2: each of those VMs is concerned.
        vms = c.app.main_screen.pane("vms")
        words = {vm: vms.cell_text(vm, "storage") for vm in ("sentinel", "www", "elearning")}
        assert words == {"sentinel": "✖ pv-missing", "www": "✖ pv-missing", "elearning": "-"}


async def test_a_filling_snapshot_shows_its_fill_and_turns_invalid_on_its_row_and_its_vm() -> None:
    c = storage_demo()
    c.demo.inject("fill-snapshot", "sentinel")
    async with c.app.run_test(size=SIZE) as pilot:
        await show(pilot, c)
        text = pane(c).cell_text
        # fill-snapshot takes sentinel's snapshot on its Secondary, 85 % full, then 100 % (invalid).
        await wait_for(pilot, lambda: bool(snapshot_rows(c, "vg2/sentinel-root-hatui-")))
        [snap] = snapshot_rows(c, "vg2/sentinel-root-hatui-")
        assert snap.endswith("@vnode2")
        assert pane(c).row_keys.index("backing:sentinel-root@vnode2") + 1 == pane(c).row_keys.index(snap)
        await wait_for(pilot, lambda: text(snap, "state") == "✖ snapshot-invalid", within=10)
        assert text(snap, "use") == "██████████ 100.0%"
        vms = c.app.main_screen.pane("vms")
        await wait_for(pilot, lambda: vms.cell_text("sentinel", "storage") == "✖ snapshot-invalid")
        assert vms.cell_text("www", "storage") == "ok"


@pytest.mark.parametrize("generation", ["seed", "modern"])
async def test_n_snapshots_a_vm_from_its_row_and_x_removes_the_snapshot(generation: str) -> None:
    c = storage_demo(generation)
    async with c.app.run_test(size=SIZE, notifications=True) as pilot:
        await show(pilot, c, "vm:www")
        commands = await run_confirmed(pilot, c, "n")
        assert "lvcreate -s" in commands
        await wait_for(pilot, lambda: bool(snapshot_rows(c, "vg2/www-root-hatui-")), within=10)
        [snap] = snapshot_rows(c, "vg2/www-root-hatui-")
        assert len(snapshot_rows(c, "vg1/www-swap-hatui-")) == 1, "one snapshot per disk"
        assert c.app.main_screen.pane("vms").cell_text("www", "running") == "vnode1 running"
        assert snap.endswith("@vnode2"), "a VM's row asks for no node: the default is the DRBD Secondary"
        assert pane(c).cell_text(snap, "info").startswith("snapshot of vg2/www-root, age ")
        await wait_for(
            pilot, lambda: c.app.main_screen.pane("vms").cell_text("www", "storage").startswith("snap ")
        )
        await select(pilot, c, snap)
        commands = await run_confirmed(pilot, c, "X")
        target = snap.removeprefix("snap:").rpartition("@")[0]
        assert f"lvremove -f {target}" in commands
        await wait_for(pilot, lambda: snap not in pane(c).row_keys, within=10)
        assert any(target in argv for argv in writes(c, "lvremove"))
        # The snapshot of its other disk stays, and the VMs pane still says so.
        assert snapshot_rows(c, "vg1/www-swap-hatui-")
        assert c.app.main_screen.pane("vms").cell_text("www", "storage").startswith("snap ")


async def test_b_on_a_vms_disk_row_backs_it_up_on_that_node_not_the_default_and_removes_the_snapshot() -> (
    None
):
    c = storage_demo()
    async with c.app.run_test(size=SIZE, notifications=True) as pilot:
        await show(pilot, c, "backing:www-root@vnode1")
        await run_confirmed(pilot, c, "B")
        created = writes(c, "lvcreate")
        assert created and all(argv in c.spies["vnode1"].calls for argv in created)
        assert writes(c, "lvremove"), "the snapshot is removed after the job"
        await wait_for(pilot, lambda: not snapshot_rows(c, "vg2/www-root-hatui-"), within=10)


async def test_n_on_the_vms_pane_takes_the_snapshot_on_the_secondary_not_where_the_vm_runs() -> None:
    c = storage_demo()
    async with c.app.run_test(size=SIZE, notifications=True) as pilot:
        await show(pilot, c)
        await pilot.press("1")
        vms = c.app.main_screen.pane("vms")
        await wait_for(pilot, lambda: "www" in vms.row_keys)
        vms.table.move_cursor(row=vms.row_keys.index("www"))
        await pilot.pause()
        assert vms.cell_text("www", "running") == "vnode1 running"
        await run_confirmed(pilot, c, "n")
        created = writes(c, "lvcreate")
        assert created and all(argv in c.spies["vnode2"].calls for argv in created)
        await wait_for(pilot, lambda: vms.cell_text("www", "storage").startswith("snap "))


async def test_the_palette_offers_snapshots_of_every_vm_and_the_removal_of_each_snapshot() -> None:
    c = storage_demo()
    c.demo.inject("fill-snapshot", "sentinel")
    async with c.app.run_test(size=SIZE) as pilot:
        await show(pilot, c)
        await wait_for(pilot, lambda: bool(snapshot_rows(c, "vg2/sentinel-root-hatui-")))
        [snap] = snapshot_rows(c, "vg2/sentinel-root-hatui-")
        path = snap.removeprefix("snap:").rpartition("@")[0]
        found = {title: req for title, _, req in entries(c.app)}
        # No node: the action's default (the DRBD Secondary), not where the VM runs.
        assert found["Snapshot disks of www"] == Request("snapshot_create", "www")
        assert found["Back up dns"] == Request("backup_run", "dns")
        assert "Back up vconf" not in found, "vconf's disk is no DRBD resource on an LV"
        assert found[f"Remove snapshot {path} on vnode2"] == Request("snapshot_remove", path, node="vnode2")
        assert found["Console of www"].node == "vnode1", "a console still goes where the VM runs"


async def test_x_on_a_row_that_is_no_snapshot_is_refused_with_the_reason() -> None:
    c = storage_demo()
    async with c.app.run_test(size=SIZE, notifications=True) as pilot:
        await show(pilot, c, "vm:www")
        await pilot.press("X")
        reason = "highlight a snapshot row (↳) first"
        await wait_for(pilot, lambda: any(reason in t for t in toasts(c.app)))
        await select(pilot, c, "vg:vg1@vnode1")
        await pilot.press("n")
        reason = "highlight a VM or one of its disks first"
        await wait_for(pilot, lambda: any(reason in t for t in toasts(c.app)))
        assert not writes(c, "lvcreate")
