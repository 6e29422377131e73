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


def tree_cpu_s(pids: list[int]) -> float:
    """CPU seconds of ``pids`` and of their children they have reaped (utime, stime, cutime,
    cstime): for an sshd listener, every session it served, with the shells and tools under it."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        total += sum(int(x) for x in stat[stat.rindex(")") + 2 :].split()[11:15])
    return total / tick


def _node_side_cpu(fleet: Fleet, before: float) -> float:
    """CPU the nodes spent since ``before`` (a ``tree_cpu_s`` reading), once their sessions ended."""
    time.sleep(0.2)  # sshd reaps a session's process a moment after the client closed it
    return tree_cpu_s(fleet.pids()) - before


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
            "node_side_cpu_s": [],
        }
        for n in sizes
    }
    hz = 100  # USER_HZ: /proc/stat counts in 1/100 s on Linux
    with Fleet(max(sizes)) as fleet:
        configs = {n: _subset_config(fleet, n) for n in sizes}
        # Warms the page cache, and hatui's stack cache for every node: the runs measured are warm.
        run_child(hatui_argv("--once", "--config", str(configs[max(sizes)])))
        for _ in range(params["rounds"]):
            order = list(sizes)
            random.shuffle(order)
            for n in order:
                before = fleet.session_counts()
                b0, _t0 = busy_jiffies()
                nodes0 = tree_cpu_s(fleet.pids())
                r = run_child(hatui_argv("--once", "--config", str(configs[n])), timeout=120)
                b1, _t1 = busy_jiffies()
                raw[str(n)]["node_side_cpu_s"].append(_node_side_cpu(fleet, nodes0))
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
        "sshd side CPU (share of hatui + sshd side)",
        "collect_once in-process",
        "remote commands/node",
    ]
    for n in sizes:
        e = raw[str(n)]
        w = stats(e["wall_s"])
        side, own = stats(e["node_side_cpu_s"])["median"], stats(e["cpu_s"])["median"]
        result.rows.append(
            [
                str(n),
                ms(w["median"]),
                ms(w["min"]),
                ms(w["max"]),
                ms(stats(e["cpu_s"])["median"]),
                ms(stats(e["machine_busy_s"])["median"]),
                f"{ms(side)} ({100 * side / (side + own):.0f}%)" if side + own else "",
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
    side_big = stats(raw[str(big)]["node_side_cpu_s"])["median"]
    result.summary["node_side_cpu_big_s"] = round(side_big, 4)
    result.notes.append(
        f"sshd side: at {big} nodes the nodes' sshd sessions, shells and tools used {ms(side_big)} of CPU "
        f"per --once (summed from /proc: each sshd listener's own and reaped children's time), against "
        f"{ms(cpu_big)} for hatui; with {os.cpu_count()} cores that is at least "
        f"{ms(side_big / (os.cpu_count() or 1))} of the wall time that real nodes would spend on their "
        "own CPUs."
    )
    result.raw = raw
    result.notes.append(
        "Nodes are real OpenSSH sshd processes on 127.0.0.1 (one port each) serving tests/replays/healthy; "
        "remote commands per node = sshd sessions counted in each sshd's VERBOSE log (2 for a "
        "--once that detects the stack, 1 when the stack cache matches). The nodes' shell is lean "
        "(sshd sets SHLVL=1 so bash skips root's ~/.bashrc, see bench/fleet.py)."
    )
    return result
