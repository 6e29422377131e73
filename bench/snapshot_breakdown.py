"""Provides where ``hatui --once`` spends its time, for the snapshot benchmark's extra tables.

Timing whole processes (``bench.snapshot``) says how fast ``--once`` is, not why. Here
``collect_once`` runs in this process with every SSH connect and every remote batch timed per node
(the transport's methods wrapped while it runs), and the model and text output timed apart; one
trivial remote command over an open connection gives the price of the nodes' login shell; and each
command hatui runs is timed on the node itself, so a slow batch can be told from a slow tool.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import shlex
import time
from collections.abc import Iterator
from typing import Any

from bench.common import ms, run_child, stats
from bench.testbed import Testbed
from hatui.config import load_config
from hatui.model.health import evaluate
from hatui.snapshot.run import emit, make_view
from hatui.sources.commands import DETECT_COMMANDS, commands_for
from hatui.sources.fanout import collect_once
from hatui.transport.ssh import SSHTransport

Table = tuple[str, list[str], list[list[str]]]


def in_process(bed: Testbed, runs: int) -> tuple[list[float], list[dict[str, Any]], list[float]]:
    """``collect_once`` timed in this process, with a per-node timeline of where its time goes, and
    the cost of one trivial remote command over an open connection to the first node."""
    cluster = load_config(bed.config_path).cluster()
    out, timelines = [], []
    for _ in range(runs):
        with _timeline() as steps:
            t0 = time.perf_counter()
            captures = asyncio.run(collect_once(cluster))
            took = time.perf_counter() - t0
            t1 = time.perf_counter()
            view = make_view(cluster.name, captures, cluster=cluster)
            emit(view, evaluate(view), "text", out=io.StringIO(), err=io.StringIO())
            model_s = time.perf_counter() - t1
        out.append(took)
        timelines.append({"collect_s": took, "parse_model_render_s": model_s, "nodes": steps})
    return out, timelines, asyncio.run(_remote_true(cluster, max(5, runs * 2)))


async def _remote_true(cluster: Any, count: int) -> list[float]:
    transport = SSHTransport.from_config(cluster.nodes[0], cluster)
    try:
        await transport.run(["true"], timeout=10)  # connects
        times = []
        for _ in range(count):
            t0 = time.perf_counter()
            await transport.run(["true"], timeout=10)
            times.append(time.perf_counter() - t0)
        return times
    finally:
        await transport.close()


@contextlib.contextmanager
def _timeline() -> Iterator[dict[str, dict[str, list[float]]]]:
    """Times every SSH connect and every remote command (exec channel) per node while active."""
    steps: dict[str, dict[str, list[float]]] = {}
    open_, run_line = SSHTransport._open, SSHTransport._run_line

    async def timed_open(self: SSHTransport) -> Any:
        t0 = time.perf_counter()
        try:
            return await open_(self)
        finally:
            steps.setdefault(self.node, {}).setdefault("connect_s", []).append(time.perf_counter() - t0)

    async def timed_run_line(self: SSHTransport, *args: Any, **kwargs: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return await run_line(self, *args, **kwargs)
        finally:
            steps.setdefault(self.node, {}).setdefault("commands_s", []).append(time.perf_counter() - t0)

    SSHTransport._open = timed_open  # type: ignore[method-assign]
    SSHTransport._run_line = timed_run_line  # type: ignore[method-assign]
    try:
        yield steps
    finally:
        SSHTransport._open = open_  # type: ignore[method-assign]
        SSHTransport._run_line = run_line  # type: ignore[method-assign]


def breakdown(
    timelines: list[dict[str, Any]], interpreter_s: float | None, remote_true: list[float]
) -> Table:
    """Where a cold ``--once`` spends its time: per node connect, detection and poll (medians)."""
    per_node: dict[str, dict[str, list[float]]] = {}
    for tl in timelines:
        for node, steps in tl["nodes"].items():
            d = per_node.setdefault(node, {"connect": [], "detect": [], "poll": []})
            d["connect"] += steps.get("connect_s", [])[:1]
            cmds = steps.get("commands_s", [])
            # The first batch: detection (nothing cached) or the guarded poll (stack cache warm:
            # then there is no second). The second: the poll after a detection.
            d["detect"] += cmds[:1]
            d["poll"] += cmds[1:2]
    rows = [
        [
            node,
            ms(stats(d["connect"])["median"]),
            ms(stats(d["detect"])["median"]),
            ms(stats(d["poll"])["median"]) if d["poll"] else "none",
        ]
        for node, d in per_node.items()
    ]
    model = stats([tl["parse_model_render_s"] for tl in timelines])["median"]
    rows.append(["(all nodes) parse + model + text output", "", "", ms(model)])
    if interpreter_s is not None:
        rows.append(["(process) interpreter start (hatui --version)", "", "", ms(interpreter_s)])
    one = ms(stats(remote_true)["median"])
    rows.append(["(one node) one remote command `true` over an open connection", "", "", one])
    return (
        "Where --once spends its time (in-process collect_once, nodes in parallel; medians)",
        ["node", "SSH connect", "first batch (detection or guarded poll)", "second batch (poll)"],
        rows,
    )


def node_side_costs(bed: Testbed, runs: int = 3) -> dict[str, list[float]]:
    """Seconds each detection and poll command takes ON the first node, run one after the other
    there as hatui's batch runs them (timed inside the node with ``date``, over one ssh command)."""
    cluster = load_config(bed.config_path).cluster()
    stack = asyncio.run(collect_once(cluster))[0].stack
    cmds = {
        **{f"detect {k}": v for k, v in DETECT_COMMANDS.items()},
        **{f"poll {k}": v for k, v in commands_for(stack).items()},
    }
    lines = ["LC_ALL=C; export LC_ALL", "PATH=$PATH:/usr/local/sbin:/usr/sbin:/sbin; export PATH"]
    for name, argv in cmds.items():
        lines.append(
            f"a=$(date +%s%N); _e=$(timeout -k 2 11 {shlex.join(argv)} 2>&1 >/dev/null </dev/null); "
            f"b=$(date +%s%N); echo {shlex.quote(name)} $(( (b - a) / 1000 ))"
        )
    script = "sh -c " + shlex.quote("\n".join(lines))
    out: dict[str, list[float]] = {name: [] for name in cmds}
    for _ in range(runs):
        r = run_child([*bed.ssh_argv(bed.nodes[0]), script], timeout=60)
        for line in r.stdout.splitlines():
            name, _, micros = line.rpartition(" ")
            if name in out and micros.isdigit():
                out[name].append(int(micros) / 1e6)
    return out


def node_side_table(costs: dict[str, list[float]], shell: str) -> Table:
    """``node_side_costs`` as a table, with the sums of the detection and the poll batch."""
    detect = sum(stats(v)["median"] for k, v in costs.items() if k.startswith("detect"))
    poll = sum(stats(v)["median"] for k, v in costs.items() if k.startswith("poll"))
    return (
        f"Node-side cost of each command hatui runs (first node, idle, sequential, {shell})",
        ["command", "median"],
        [[k, ms(stats(v)["median"])] for k, v in costs.items()]
        + [["sum: detection batch", ms(detect)], ["sum: poll batch", ms(poll)]],
    )
