"""Benchmark 3: fan-out. ``hatui --once`` wall time for 3, 16 and 32 sshd-backed nodes on loopback.

One fleet of real sshd nodes serving the ``tests/replays/healthy`` captures is started; each size
uses the first N of them. Runs are interleaved (sizes shuffled every round). Beside the wall time of
the whole command, the table gives hatui's own CPU time and the CPU the whole machine spent during
the run: every "node" (its sshd, key exchange, shell and tools) runs on this same machine, so at
32 nodes the nodes' work competes with hatui for the same cores, which a real cluster would not.
The in-process column times ``collect_once`` alone (connect, detect, poll; no interpreter start).
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from pathlib import Path
from typing import Any

import yaml

from bench.common import Result, Target, hatui_argv, ms, run_child, stats
from bench.fleet import Fleet
from hatui.config import load_config
from hatui.sources.fanout import collect_once

FULL = {"sizes": [3, 16, 32], "rounds": 4}
QUICK = {"sizes": [1, 2], "rounds": 1}
TARGET_RATIO = 1.5


def busy_jiffies() -> tuple[int, int]:
    """(busy, total) CPU jiffies of the whole machine so far, from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    total = sum(fields[:8])
    idle = fields[3] + fields[4]
    return total - idle, total


def _subset_config(fleet: Fleet, n: int) -> Path:
    data = yaml.safe_load(fleet.config_path.read_text())
    cluster = data["clusters"]["bench"]
    cluster["nodes"] = cluster["nodes"][:n]
    cluster["display_name"] = f"bench fleet ({n} sshd nodes)"
    path = fleet.root / f"hatui-{n}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def run(params: dict[str, Any]) -> Result:
    sizes: list[int] = params["sizes"]
    result = Result("fanout", "3. Fan-out: hatui --once over N sshd-backed nodes", params)
    raw: dict[str, Any] = {
        str(n): {
            "wall_s": [],
            "cpu_s": [],
            "machine_busy_s": [],
            "rc": [],
            "inproc_s": [],
            "sessions_per_node": [],
        }
        for n in sizes
    }
    hz = 100  # USER_HZ: /proc/stat counts in 1/100 s on Linux
    with Fleet(max(sizes)) as fleet:
        configs = {n: _subset_config(fleet, n) for n in sizes}
        run_child(hatui_argv("--once", "--config", str(configs[sizes[0]])))  # warm the page cache
        for _ in range(params["rounds"]):
            order = list(sizes)
            random.shuffle(order)
            for n in order:
                before = fleet.session_counts()
                b0, _t0 = busy_jiffies()
                r = run_child(hatui_argv("--once", "--config", str(configs[n])), timeout=120)
                b1, _t1 = busy_jiffies()
                after = fleet.session_counts()
                used = [after[k] - before[k] for k in list(after)[:n]]
                entry = raw[str(n)]
                entry["wall_s"].append(r.wall_s)
                entry["cpu_s"].append(r.cpu_s)
                entry["machine_busy_s"].append((b1 - b0) / hz)
                entry["rc"].append(r.returncode)
                entry["sessions_per_node"].append(sum(used) / max(1, len(used)))
            for n in order:
                cluster = load_config(configs[n]).cluster()
                t0 = time.perf_counter()
                captures = asyncio.run(collect_once(cluster))
                raw[str(n)]["inproc_s"].append(time.perf_counter() - t0)
                raw[str(n)].setdefault("reachable", []).append(sum(c.reachable for c in captures))
    result.headers = [
        "nodes",
        "--once wall (median)",
        "min",
        "max",
        "hatui CPU",
        "machine CPU during run",
        "collect_once in-process",
        "remote commands/node",
    ]
    for n in sizes:
        e = raw[str(n)]
        w = stats(e["wall_s"])
        result.rows.append(
            [
                str(n),
                ms(w["median"]),
                ms(w["min"]),
                ms(w["max"]),
                ms(stats(e["cpu_s"])["median"]),
                ms(stats(e["machine_busy_s"])["median"]),
                ms(stats(e["inproc_s"])["median"]),
                f"{stats(e['sessions_per_node'])['median']:.1f}",
            ]
        )
    small, big = min(sizes), max(sizes)
    ratio = stats(raw[str(big)]["wall_s"])["median"] / stats(raw[str(small)]["wall_s"])["median"]
    inproc_ratio = stats(raw[str(big)]["inproc_s"])["median"] / stats(raw[str(small)]["inproc_s"])["median"]
    result.summary = {
        "ratio_wall": round(ratio, 2),
        "ratio_inprocess": round(inproc_ratio, 2),
        "small": small,
        "big": big,
    }
    result.targets.append(
        Target(
            f"fanout-{big}-vs-{small}",
            f"--once for {big} nodes <= {TARGET_RATIO}x the time for {small} nodes",
            f"{ratio:.2f}x (collect_once alone: {inproc_ratio:.2f}x)",
            ratio <= TARGET_RATIO,
        )
    )
    cpu_small = stats(raw[str(small)]["cpu_s"])["median"]
    cpu_big = stats(raw[str(big)]["cpu_s"])["median"]
    per_node = (cpu_big - cpu_small) / max(1, big - small)
    result.summary["hatui_cpu_per_extra_node_s"] = round(per_node, 4)
    result.notes.append(
        f"hatui's own CPU grows by {ms(per_node)} per extra node; the rest of the wall time at {big} "
        "nodes is the nodes' own work (sshd, key exchange, shells, tools) competing for this machine's "
        f"{os.cpu_count()} cores, which real nodes would each do on their own CPU."
    )
    result.raw = raw
    result.notes.append(
        "Nodes are real OpenSSH sshd processes on 127.0.0.1 (one port each) serving tests/replays/healthy; "
        "remote commands per node = sshd sessions counted in each sshd's VERBOSE log (detection batch + "
        "poll batch for a cold --once). The nodes' shell is lean (sshd sets SHLVL=1 so bash skips "
        "root's ~/.bashrc, see bench/fleet.py)."
    )
    return result
