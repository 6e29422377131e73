"""Benchmark 4: what the running console costs.

- CPU of the console (a real ``hatui`` process on a pty) polling the testbed every 2 s, measured
  from ``/proc/<pid>/stat`` over a window after a warm-up;
- remote commands it starts per node per poll (exec channels counted in the console process; on
  sshd-backed nodes also sshd sessions counted in sshd's log);
- on the lab, the CPU the nodes spend meanwhile (every process of each node) minus an idle
  window without the console: the load hatui puts on the cluster it watches.

The console at scale (replays up to 32 x 1,000, key latency, pane switch, the time to apply one
changed poll) is ``bench.console``.
"""

from __future__ import annotations

import time
from typing import Any

from bench.common import Result, Target
from bench.testbed import Testbed
from bench.tui import TuiProcess

FULL = {"window_s": 60.0, "warmup_s": 8.0, "idle_baseline_s": 20.0}
QUICK = {"window_s": 3.0, "warmup_s": 4.0, "idle_baseline_s": 1.0}
CPU_TARGET_PCT = 3.0


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
    ]
    result.raw = raw
    result.notes.extend(bed.notes)
    return result
