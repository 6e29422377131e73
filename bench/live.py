"""Benchmark 4: what the running console costs.

- CPU of the console (a real ``hatui`` process on a pty) polling the testbed every 2 s, measured
  from ``/proc/<pid>/stat`` over a window after a warm-up;
- remote commands it starts per node per poll (exec channels counted in the console process; on
  sshd-backed nodes also sshd sessions counted in sshd's log);
- on the lab, the CPU the nodes spend meanwhile (every process of each node) minus an idle
  window without the console: the load hatui puts on the cluster it watches;
- the UI time to apply one poll at 1,000 resources: the app under Textual's ``run_test`` fed by a
  ReplayPoller, each node's capture alternating between a healthy status and one with a failed
  and recovered resource; the ``NodePolled`` handler (state, health, diff, every pane) is timed
  (wall), and so is the CPU spent until Textual has also laid out and rendered the change.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from typing import Any

from bench import synth
from bench.cibgen import crm_mon_xml, failed_variant
from bench.common import Result, Target, ms, stats
from bench.testbed import Testbed
from bench.timing import profile_cumulative
from bench.tui import TuiProcess

FULL = {
    "window_s": 60.0,
    "warmup_s": 8.0,
    "idle_baseline_s": 20.0,
    "ui_nodes": 3,
    "ui_resources": 1000,
    "ui_iterations": 20,
}
QUICK = {
    "window_s": 3.0,
    "warmup_s": 4.0,
    "idle_baseline_s": 1.0,
    "ui_nodes": 3,
    "ui_resources": 10,
    "ui_iterations": 2,
}
CPU_TARGET_PCT = 3.0
UI_TARGET_MS = 50.0


def run(params: dict[str, Any], bed: Testbed) -> Result:
    result = Result("live", f"4. Live mode cost ({bed.kind})", params)
    if bed.set_lean_shell is not None and not bed.lean_shell:
        bed.set_lean_shell(True)
    result.notes.append(
        f"nodes' shell: {'lean (bash skips ~/.bashrc, as on a stock node)' if bed.lean_shell else 'as found'}"
    )
    raw: dict[str, Any] = {"testbed": bed.kind}
    idle_rate: dict[str, float] = {}
    if bed.node_cpu_s is not None and params["idle_baseline_s"] > 0:
        c0, t0 = bed.node_cpu_s(), time.monotonic()
        time.sleep(params["idle_baseline_s"])
        c1, t1 = bed.node_cpu_s(), time.monotonic()
        idle_rate = {n: (c1[n] - c0[n]) / (t1 - t0) for n in c0}
        raw["node_cpu_idle_pct"] = {n: round(100 * v, 2) for n, v in idle_rate.items()}
    sessions0 = bed.session_counts() if bed.session_counts else None
    tui = TuiProcess(["--config", str(bed.config_path)]).start()
    try:
        time.sleep(params["warmup_s"])
        if not tui.alive():
            raise RuntimeError(f"the console exited early (code {tui.proc.returncode if tui.proc else None})")
        k0, cpu0, t0 = tui.counts(), tui.cpu_s(), time.monotonic()
        s0 = bed.session_counts() if bed.session_counts else None
        n0 = bed.node_cpu_s() if bed.node_cpu_s else None
        time.sleep(params["window_s"])
        k1, cpu1, t1 = tui.counts(), tui.cpu_s(), time.monotonic()
        s1 = bed.session_counts() if bed.session_counts else None
        n1 = bed.node_cpu_s() if bed.node_cpu_s else None
        raw["memory_kib_end"] = tui.memory_kib()
        raw["terminal_output_bytes"] = tui.output_bytes
    finally:
        raw["exit_code"] = tui.stop()
    wall = t1 - t0
    cpu_pct = 100 * (cpu1 - cpu0) / wall
    polls = {n: k1["polls"].get(n, 0) - k0["polls"].get(n, 0) for n in bed.nodes}
    cmds = {n: k1["commands"].get(n, 0) - k0["commands"].get(n, 0) for n in bed.nodes}
    per_poll = {n: cmds[n] / polls[n] for n in bed.nodes if polls[n]}
    raw.update(
        {
            "window_s": wall,
            "cpu_s": cpu1 - cpu0,
            "cpu_pct": cpu_pct,
            "polls": polls,
            "commands": cmds,
            "counts_at_start": k0,
            "counts_at_end": k1,
            "commands_per_poll": per_poll,
        }
    )
    if s0 is not None and s1 is not None and sessions0 is not None:
        raw["sshd_sessions_window"] = {n: s1[n] - s0[n] for n in bed.nodes}
        raw["sshd_sessions_total"] = {n: s1[n] - sessions0[n] for n in bed.nodes}
    result.headers = ["measure", "value"]
    result.rows.append(
        ["console CPU while polling every 2 s", f"{cpu_pct:.2f}% of one core ({wall:.0f} s window)"]
    )
    result.rows.append(["polls per node in the window", ", ".join(f"{n} {polls[n]}" for n in bed.nodes)])
    worst = max(per_poll.values(), default=float("nan"))
    result.rows.append(
        ["remote commands per node per poll", ", ".join(f"{n} {v:.2f}" for n, v in per_poll.items())]
    )
    if "sshd_sessions_window" in raw:
        result.rows.append(
            [
                "sshd sessions per node in the window",
                ", ".join(f"{n} {v}" for n, v in raw["sshd_sessions_window"].items()),
            ]
        )
    if n0 is not None and n1 is not None:
        extra = {n: 100 * ((n1[n] - n0[n]) / wall - idle_rate.get(n, 0.0)) for n in bed.nodes}
        raw["node_cpu_extra_pct"] = extra
        result.rows.append(
            ["node CPU added by the console (vs idle)", ", ".join(f"{n} {v:+.2f}%" for n, v in extra.items())]
        )
    ui = asyncio.run(_ui_apply(params))
    raw["ui_apply"] = ui
    h, f = stats(ui["handler_s"]), stats(ui["until_rendered_s"])
    result.rows.append(
        [
            f"UI: apply one poll, {ui['resources_listed']} resources (handler)",
            f"median {ms(h['median'])}, max {ms(h['max'])}",
        ]
    )
    result.rows.append(
        [
            "UI: apply one poll, handler + layout + render (CPU)",
            f"median {ms(f['median'])}, max {ms(f['max'])}",
        ]
    )
    result.extra_tables.append(
        (
            "Where one poll's UI update spends its time (cProfile, hatui functions, cumulative)",
            ["function", "calls", "cumulative"],
            [[p["function"], str(p["calls"]), ms(p["cum_s"])] for p in ui["profile"]],
        )
    )
    result.targets += [
        Target(
            "tui-cpu",
            f"console CPU < {CPU_TARGET_PCT}% of one core",
            f"{cpu_pct:.2f}%",
            cpu_pct < CPU_TARGET_PCT,
        ),
        Target(
            "commands-per-poll",
            "one remote command per node per poll",
            f"worst node {worst:.2f}",
            bool(per_poll) and worst <= 1.0,
        ),
        Target(
            "ui-apply",
            f"apply one poll's changes at {ui['resources_listed']} resources < {UI_TARGET_MS:.0f} ms",
            f"handler median {ms(h['median'])} (with layout and render {ms(f['median'])})",
            h["median"] * 1000 < UI_TARGET_MS if params["ui_resources"] >= 1000 else None,
        ),
    ]
    result.raw = raw
    result.notes.extend(bed.notes)
    return result


async def _ui_apply(params: dict[str, Any]) -> dict[str, Any]:
    from hatui.clock import SystemClock
    from hatui.config import ClusterConfig, Config, NodeConfig
    from hatui.parsers.crm_mon_xml import parse_crm_mon_xml
    from hatui.sources.parse import build_report
    from hatui.sources.poller import ReplayPoller
    from hatui.ui.app import make_app
    from hatui.ui.messages import NodePolled

    n, r = params["ui_nodes"], params["ui_resources"]
    gen = crm_mon_xml(n, r)
    constraints = synth.constraints_of(gen.cib_path.read_text())
    healthy = synth.cluster_captures(n, r, gen.xml, constraints)
    failed_xml = failed_variant(n, r)
    failed = [replace(c, outputs={**c.outputs, "crm_mon.xml": failed_xml}) for c in healthy]
    cluster = ClusterConfig(name="bench", nodes=tuple(NodeConfig(c.node, c.node) for c in healthy))
    config = Config(clusters={"bench": cluster})
    # A long interval: after the first polls the only updates are the ones this benchmark feeds.
    poller = ReplayPoller(healthy, interval=3600.0)
    app = make_app(config, cluster, poller, clock=SystemClock())
    handler: list[float] = []
    rendered: list[float] = []
    async with app.run_test(size=(160, 50)) as pilot:
        deadline = time.monotonic() + 60
        while len(app.state.polls) < n and time.monotonic() < deadline:
            await pilot.pause(0.05)
        await pilot.press("3")  # the Resources pane in front: its 1,000-row table is what must follow
        await pilot.pause()
        # The poller parses before the console sees anything: the console applies finished reports.
        reports = {"failed": [build_report(c) for c in failed], "healthy": [build_report(c) for c in healthy]}
        for i in range(params["ui_iterations"]):
            variant = reports["failed"] if i % 2 == 0 else reports["healthy"]
            for report in variant:
                message = NodePolled("bench", report)
                c0, t0 = time.process_time(), time.perf_counter()
                app._node_polled(message)
                t1 = time.perf_counter()
                await pilot.pause()
                c2 = time.process_time()
                handler.append(t1 - t0)
                # CPU, not wall: pause() sleeps in steps until the app is idle, and that sleeping is
                # not work the update costs.
                rendered.append(c2 - c0)
        message = NodePolled("bench", reports["failed"][0])
        profile = profile_cumulative(lambda: app._node_polled(message), prefix="hatui", limit=10)
        await pilot.pause()
    return {
        "nodes": n,
        "resources": r,
        "resources_listed": len(parse_crm_mon_xml(gen.xml).resources),
        "profile": profile,
        "handler_s": handler,
        "until_rendered_s": rendered,
    }
