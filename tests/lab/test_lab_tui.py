"""The console against the lab: Textual's Pilot drives the real app, polled by the real
CollectorPoller over SSH. The live panes show the three nodes and both VMs as the lab runs them; a
node killed during the test turns unreachable on screen, its last data kept, dimmed and marked stale
with the reason.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import pytest
from rich.text import Text
from textual.widgets.data_table import CellDoesNotExist

from hatui.config import load_config
from hatui.sources.fanout import make_collectors
from hatui.sources.live import CollectorPoller
from hatui.ui.app import HatuiApp, make_app
from hatui.ui.screens.main import MainScreen

from .harness import Lab

pytestmark = pytest.mark.lab

SIZE = (160, 50)


async def wait_for(pilot: Any, what: str, ok: Callable[[], bool], timeout: float) -> float:
    """Lets the app run (polls land, panes redraw) until ``ok()``; returns the monotonic time."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if ok():
                return time.monotonic()
        except CellDoesNotExist:  # the row is not drawn yet
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"the console did not show {what} within {timeout:g}s")
        await pilot.pause(0.1)


def main(app: HatuiApp) -> MainScreen:
    screen = app.main_screen
    assert isinstance(screen, MainScreen)
    return screen


async def test_console_shows_the_lab_live_and_a_killed_node_turns_stale(healthy_lab: Lab) -> None:
    lab = healthy_lab
    victim = "vnode2"  # the spare: its data (both DRBD Secondaries) must stay on screen, dimmed
    truth = lab.status()
    config = load_config(lab.config_path)
    cluster = config.cluster("lab")
    app = make_app(config, cluster, CollectorPoller(make_collectors(cluster)))
    try:
        async with app.run_test(size=SIZE) as pilot:
            m = main(app)
            nodes, vms, drbd = m.pane("nodes"), m.pane("vms"), m.pane("drbd")

            def live() -> bool:
                reach = [nodes.cell_text(n, "reach") for n in lab.nodes]
                return vms.row_keys == list(lab.vms) and all(r.startswith("✔ ok") for r in reach)

            await wait_for(pilot, "every node reachable and both VMs", live, 20)
            assert nodes.row_keys == list(lab.nodes)
            for n in lab.nodes:
                assert nodes.cell_text(n, "state") == "✔ online"
                assert nodes.cell_text(n, "dc") == ("DC" if n == truth.dc else "")
            for vm in lab.vms.values():
                assert vms.cell_text(vm.name, "pacemaker") == f"Started {vm.home}"
                assert vms.cell_text(vm.name, "running") == f"{vm.home} running"
                assert vms.cell_text(vm.name, "verdict").startswith("Pacemaker and the domain list agree")
                assert vms.cell_text(vm.name, "disks") == f"{vm.drbd} ✔"
                assert nodes.cell_text(vm.home, "vms") == vm.name
                for node in (vm.home, vm.spare):
                    assert drbd.cell_text(f"{vm.drbd}@{node}", "seen") == "live"
            assert nodes.cell_text(victim, "vms") == "-"

            t0 = time.monotonic()
            await asyncio.to_thread(lab.kill, victim)
            limit = cluster.connect_timeout + app.session.poller.interval(victim)
            shown = await wait_for(
                pilot,
                f"{victim} unreachable",
                lambda: nodes.cell_text(victim, "reach").startswith("▲ unreachable: last seen"),
                limit + 5,
            )
            print(f"\n[lab timing] kill {victim}: unreachable on screen {shown - t0:.2f}s (limit {limit:g}s)")
            assert shown - t0 <= limit
            reach = nodes.cell_text(victim, "reach")
            assert f"connection refused by {lab.addresses[victim]}:{lab.ssh_ports[victim]}" in reach, reach
            # Its last data stays, dimmed and marked stale with the reason; the others stay live.
            for vm in lab.vms.values():
                key = f"{vm.drbd}@{victim}"
                seen = drbd.cell_value(key, "seen")
                assert isinstance(seen, Text)
                assert seen.plain.startswith("⌛ last seen "), seen.plain
                assert "connection refused" in seen.plain, seen.plain
                assert seen.style.dim  # type: ignore[union-attr]
                assert drbd.cell_text(key, "role") == "Secondary"  # the last known value, not blank
                assert drbd.cell_text(f"{vm.drbd}@{vm.home}", "seen") == "live"
                verdict = vms.cell_text(vm.name, "verdict")
                assert f"⌛ {victim} last seen " in verdict and "connection refused" in verdict, verdict
            assert drbd.has_class("-stale")
            chip = next(ch for ch in m.query(".node-chip") if ch.name == victim)
            assert chip.has_class("-unreachable") and chip.has_class("-stale")
            messages = [le.event.message for le in app.state.events]
            assert any(msg.startswith(f"{victim} unreachable: connection refused") for msg in messages)
            assert any(k.startswith("node-unreachable|") for k in m.pane("problems").row_keys)

            # Pacemaker notices too: both layers are on screen side by side.
            offline = lambda: nodes.cell_text(victim, "state") == "✖ OFFLINE"  # noqa: E731
            await wait_for(pilot, f"{victim} OFFLINE", offline, 20)
            assert nodes.cell_text(victim, "reach").startswith("▲ unreachable: last seen")
            for vm in lab.vms.values():
                assert vms.cell_text(vm.name, "running") == f"{vm.home} running", "no failover: spare died"
    finally:
        if not lab.alive(victim):
            await asyncio.to_thread(lab.restart, victim)
