"""Benchmark 8: one console watching a fleet (10 clusters x 5 nodes), its CPU while nothing changes.

Each cluster is a ReplayPoller over generated captures of a 5-node cluster (``bench.synth`` around
``bench.cibgen``'s crm_mon XML, 20 resources), every node polled every 2 s, nothing changing between
polls: 25 polls a second reach the console. It runs in this process under Textual's headless driver
(every frame is composed, none is written to a terminal: ``bench.console`` measures a single
cluster's console on a real pty). After every node was polled twice, the process CPU time over a
window is the figure, first with the fleet screen shown, then with one cluster's panes open (the
other nine still polled). The target is the console's: idle below 3 % of a core.

    python -m bench.fleet_console [--clusters 10] [--nodes 5] [--window 20]
"""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import TYPE_CHECKING, Any

from bench import synth
from bench.cibgen import crm_mon_xml
from bench.common import Result, Target, report, save, utc_now
from hatui.clock import SystemClock
from hatui.config import ClusterConfig, Config, NodeConfig
from hatui.sources.poller import ReplayPoller

if TYPE_CHECKING:
    # Textual is imported when the benchmark runs, not by ``python -m bench`` for the others.
    from hatui.ui.app import HatuiApp

FULL: dict[str, Any] = {"clusters": 10, "nodes": 5, "resources": 20, "window_s": 20.0, "interval_s": 2.0}
QUICK: dict[str, Any] = {"clusters": 3, "nodes": 3, "resources": 10, "window_s": 3.0, "interval_s": 2.0}
CPU_TARGET_PCT = 3.0


def fleet_app(clusters: int, nodes: int, resources: int, interval_s: float) -> HatuiApp:
    """A fleet console over ``clusters`` replays of one generated ``nodes``-node cluster."""
    from hatui.ui.app import HatuiApp
    from hatui.ui.sessions import new_session

    gen = crm_mon_xml(nodes, resources)
    captures = synth.cluster_captures(
        nodes, resources, gen.xml, synth.constraints_of(gen.cib_path.read_text())
    )
    names = [c.node for c in captures]
    configs = {
        f"site{i:02d}": ClusterConfig(f"site{i:02d}", tuple(NodeConfig(n, n) for n in names))
        for i in range(1, clusters + 1)
    }
    config = Config(clusters=configs, health_ignore=frozenset({"stonith-disabled"}))
    clock = SystemClock()
    sessions = [
        new_session(config, c, ReplayPoller(captures, interval=interval_s), clock) for c in configs.values()
    ]
    return HatuiApp(config, sessions, monitor=False, clock=clock, fleet=True)


async def _cpu_over(pilot: Any, window_s: float) -> float:
    """Per cent of one core this process used over ``window_s`` of the console running."""
    cpu0, wall0 = time.process_time(), time.monotonic()
    await pilot.pause(window_s)
    return 100.0 * (time.process_time() - cpu0) / (time.monotonic() - wall0)


async def measure(params: dict[str, Any]) -> dict[str, Any]:
    """The idle CPU with the fleet shown and with one cluster's panes open."""
    from hatui.ui.screens.fleet import FleetScreen

    app = fleet_app(params["clusters"], params["nodes"], params["resources"], params["interval_s"])
    out: dict[str, Any] = {"clusters": params["clusters"], "nodes": params["nodes"]}
    async with app.run_test(size=(160, 50)) as pilot:
        t0 = time.monotonic()
        while not all(s.state.polls.get(n, 0) >= 2 for s in app.sessions for n in s.poller.nodes):
            await pilot.pause(0.2)
        out["startup_s"] = time.monotonic() - t0
        assert isinstance(app.screen, FleetScreen)
        await pilot.pause(1.0)
        out["fleet_cpu_pct"] = await _cpu_over(pilot, params["window_s"])
        await pilot.press("enter")
        await pilot.pause(1.0)
        out["cluster_cpu_pct"] = await _cpu_over(pilot, params["window_s"])
        out["polls"] = sum(sum(s.state.polls.values()) for s in app.sessions)
    return out


def run(params: dict[str, Any]) -> Result:
    """``python -m bench``'s entry."""
    m = asyncio.run(measure(params))
    size = f"{m['clusters']} x {m['nodes']}"
    result = Result("fleet_console", "8. Fleet console idle CPU (headless, replay pollers)", params)
    result.headers = [
        "fleet",
        "start-up (2 polls each)",
        "idle CPU, fleet shown",
        "idle CPU, one cluster open",
    ]
    result.rows = [
        [size, f"{m['startup_s']:.1f} s", f"{m['fleet_cpu_pct']:.2f} %", f"{m['cluster_cpu_pct']:.2f} %"]
    ]
    result.summary = m
    worst = max(m["fleet_cpu_pct"], m["cluster_cpu_pct"])
    result.targets = [
        Target(f"idle CPU, {size}", f"< {CPU_TARGET_PCT:g} %", f"{worst:.2f} %", worst < CPU_TARGET_PCT)
    ]
    result.notes = [
        "headless driver: frames composed, not written to a terminal (bench.console covers a pty)"
    ]
    return result


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.fleet_console", description=__doc__.splitlines()[0])
    p.add_argument("--clusters", type=int, default=FULL["clusters"])
    p.add_argument("--nodes", type=int, default=FULL["nodes"])
    p.add_argument("--window", type=float, default=FULL["window_s"])
    p.add_argument("--save", action="store_true", help="write bench/results/fleet_console.json")
    args = p.parse_args(argv)
    params = {**FULL, "clusters": args.clusters, "nodes": args.nodes, "window_s": args.window}
    started, t0 = utc_now(), time.perf_counter()
    result = run(params)
    print(report(result))
    if args.save:
        print(save(result, started, time.perf_counter() - t0))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
