"""Benchmark 6: the console at scale (3 x 20, 32 x 300, 32 x 1,000), as a person at the terminal sees it.

For each size a replay of a generated cluster (``bench.synth`` captures around the cached crm_mon
XML of ``bench.cibgen``, in ``hatui capture``'s layout) is served to a real console on a 160x50
pty (``bench.tui.TuiProcess``); every node is polled every 2 s, and nothing changes between polls:

- idle CPU: the console's CPU (``/proc/<pid>/stat``) over a window after start-up;
- key latency: a cursor move (Down) in the Resources pane: time from the write to the first byte
  the console writes back;
- pane switch: keys 1-7 in turn: time from the write to the console's last write before a quiet
  spell (the settle window, not counted);
- apply one change: a second console whose first node alternates between the healthy capture and
  one with a failed-and-recovered resource (``bench.tui_child``'s ``HATUI_BENCH_ALTERNATE``): time
  inside the console from the ``NodePolled`` dispatch of a changed report to the second screen
  refresh after it.

Polls keep arriving while keys are measured (32 nodes: about 16 polls a second).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from bench import synth
from bench.cibgen import crm_mon_xml, failed_variant
from bench.common import RESULTS, Result, Target, ms, save, stats, utc_now
from bench.tui import TuiProcess
from bench.tui_child import CAP_S
from hatui.replay import write_capture_dir

FULL: dict[str, Any] = {
    "sizes": [[3, 20], [32, 300], [32, 1000]],
    "startup_timeout_s": 90.0,
    "window_s": 20.0,
    "keys": 15,
    "pane_rounds": 2,
    "apply_s": 24.0,
    "settle_s": 0.15,
}
QUICK: dict[str, Any] = {
    "sizes": [[3, 20]],
    "startup_timeout_s": 30.0,
    "window_s": 3.0,
    "keys": 3,
    "pane_rounds": 1,
    "apply_s": 6.0,
    "settle_s": 0.15,
}
CPU_TARGET_PCT = 3.0
KEY_TARGET_MS = 100.0
PANE_TARGET_MS = 150.0
APPLY_TARGET_MS = 20.0
DOWN = b"\x1b[B"
PANE_KEYS = b"1234567"
#: Longest wait for one key's answer; a console that does not answer in time is recorded as this.
KEY_TIMEOUT_S = 10.0


def make_replays(nodes: int, resources: int, folder: Path) -> tuple[Path, Path]:
    """Writes the healthy replay and the changed one (every node's crm_mon says one resource failed
    and recovered; the console only takes the first node's) under ``folder``."""
    gen = crm_mon_xml(nodes, resources)
    captures = synth.cluster_captures(
        nodes, resources, gen.xml, synth.constraints_of(gen.cib_path.read_text())
    )
    failed = failed_variant(nodes, resources)
    healthy_dir, changed_dir = folder / "healthy", folder / "changed"
    write_capture_dir(healthy_dir, captures, cluster="bench")
    write_capture_dir(
        changed_dir,
        [replace(c, outputs={**c.outputs, "crm_mon.xml": failed}) for c in captures],
        cluster="bench",
    )
    return healthy_dir, changed_dir


def measure_size(
    nodes: int, resources: int, params: dict[str, Any], src: Path | None = None
) -> dict[str, Any]:
    """Every console figure at one size (``src``: run that hatui source tree instead)."""
    tmp = Path(tempfile.mkdtemp(prefix="hatui-bench-console-"))
    try:
        healthy, changed = make_replays(nodes, resources, tmp)
        out: dict[str, Any] = {"nodes": nodes, "resources": resources}
        out.update(idle_and_keys(healthy, nodes, params, src))
        out.update(apply_changes(healthy, changed, nodes, params, src))
        return out
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _start(
    args: list[str], nodes: int, params: dict[str, Any], src: Path | None, env: dict[str, str]
) -> TuiProcess:
    """The console, once every node has been polled twice and its screen has caught up (or the
    start-up timeout passed: a console too busy to catch up is measured as it is)."""
    tui = TuiProcess(args, src=src, env=env).start()
    t0 = time.monotonic()
    deadline = t0 + params["startup_timeout_s"]
    while time.monotonic() < deadline and tui.alive():
        polls = tui.counts()["polls"]
        if len(polls) >= nodes and min(polls.values()) >= 2:
            break
        time.sleep(0.5)
    tui.wait_quiet(settle=0.5, timeout=max(1.0, deadline - time.monotonic()))
    if not tui.alive():
        tui.stop()
        raise RuntimeError(f"the console exited early (code {tui.proc.returncode if tui.proc else None})")
    tui.startup_s = time.monotonic() - t0  # type: ignore[attr-defined]
    return tui


def idle_and_keys(
    replay: Path, nodes: int, params: dict[str, Any], src: Path | None, extra: tuple[str, ...] = ()
) -> dict[str, Any]:
    """Idle CPU, keys and pane switches of a console on ``replay`` (``extra``: more arguments)."""
    # The console's own defaults (no animations since the console turned them off): what an admin gets.
    env = {"HATUI_BENCH_TIMING": "1"}
    tui = _start(["--replay", str(replay), *extra], nodes, params, src, env)
    try:
        started = tui.startup_s  # type: ignore[attr-defined]
        k0, cpu0, t0 = tui.counts(), tui.cpu_s(), time.monotonic()
        time.sleep(params["window_s"])
        k1, cpu1, t1 = tui.counts(), tui.cpu_s(), time.monotonic()
        polls = sum(k1["polls"].values()) - sum(k0["polls"].values())
        idle_pct = 100 * (cpu1 - cpu0) / (t1 - t0)
        tui.settled_after(b"3", settle=params["settle_s"], timeout=KEY_TIMEOUT_S)
        keys = []
        for _ in range(params["keys"]):
            took = tui.first_output_after(DOWN, timeout=KEY_TIMEOUT_S)
            keys.append(KEY_TIMEOUT_S if took is None else took)
            tui.wait_quiet(settle=params["settle_s"], timeout=3.0)
        panes: dict[str, list[float]] = {chr(k): [] for k in PANE_KEYS}
        for _ in range(params["pane_rounds"]):
            for key in PANE_KEYS:
                took = tui.settled_after(bytes([key]), settle=params["settle_s"], timeout=KEY_TIMEOUT_S)
                panes[chr(key)].append(KEY_TIMEOUT_S if took is None else took)
        time.sleep(2.5)  # the console's own timing of the last key ends within 2 s
        inside: list[list[Any]] = tui.counts().get("key_ms", [])
        rss = tui.memory_kib()
    finally:
        tui.stop()
    return {
        "startup_s": started,
        "idle_cpu_pct": idle_pct,
        "idle_window_s": t1 - t0,
        "polls_in_window": polls,
        "key_s": keys,
        "pane_s": panes,
        # The console's own figures: key -> seconds from the key event to the screen written.
        "key_inside_s": [ms_ / 1000 for k, ms_ in inside if k == "down"],
        "pane_inside_s": {chr(p): [ms_ / 1000 for k, ms_ in inside if k == chr(p)] for p in PANE_KEYS},
        "rss_kib": rss,
    }


def apply_changes(
    healthy: Path,
    changed: Path,
    nodes: int,
    params: dict[str, Any],
    src: Path | None,
    extra: tuple[str, ...] = (),
) -> dict[str, Any]:
    """How long a console on ``healthy`` takes to show each change to ``changed`` and back."""
    env = {"HATUI_BENCH_ALTERNATE": str(changed)}
    tui = _start(["--replay", str(healthy), *extra], nodes, params, src, env)
    try:
        before = len(tui.counts().get("apply_ms", []))
        time.sleep(params["apply_s"])
        counts = tui.counts()
        counts["apply_ms"] = counts.get("apply_ms", [])[before:]  # the changes after start-up
    finally:
        tui.stop()
    return {"apply_ms": counts.get("apply_ms", [])}


def run(params: dict[str, Any], src: Path | None = None, name: str = "console") -> Result:
    title = "6. The console at scale (replays on a pty, polls every 2 s)"
    result = Result(name, title if src is None else f"{title}, source tree {src}", params)
    result.headers = [
        "nodes x resources",
        "start-up",
        "idle CPU",
        "key: first byte back (pty)",
        "key: screen written (console; median/max)",
        "pane switch: screen written (console; median / worst pane)",
        "pane switch: settled (pty; worst pane)",
        "apply one change (console; median/max)",
        "RSS",
    ]
    raw: dict[str, Any] = {"sizes": []}
    for nodes, resources in params["sizes"]:
        m = measure_size(nodes, resources, params, src)
        raw["sizes"].append(m)
        row, figures = row_for(m)
        result.rows.append(row)
        if (nodes, resources) == (32, 1000) or params.get("quick"):
            result.targets += targets_for(f"{nodes}x{resources}", *figures)
    result.raw = raw
    before = RESULTS / "console-before.json"
    if src is None and before.exists():
        data = json.loads(before.read_text())
        result.extra_tables.append(
            (
                f"Before (the same benchmark on {data['title'].rsplit('source tree ', 1)[-1]}, run "
                f"{data['started_at']})",
                result.headers,
                [row_for(m)[0] for m in data["raw"]["sizes"]],
            )
        )
    result.notes += [
        f"idle CPU over {params['window_s']:g} s after start-up (start-up = until every node was polled "
        "twice and the console then wrote nothing for 0.5 s); nothing changes between polls.",
        f"key: Down in the Resources pane ({params['keys']} presses); pane switch: keys 1-7 "
        f"({params['pane_rounds']} rounds). Seen from the pty: the first byte written back, and the last "
        f"write before {params['settle_s'] * 1000:.0f} ms of quiet (a key not answered within "
        f"{KEY_TIMEOUT_S:g} s counts as that). Seen by the console (bench/tui_child.py, the figures the "
        "targets use): from the key event (the bytes read) to the last screen write it caused, followed "
        "by 50 ms of quiet (at most 2 s). The console runs without Textual's animations by default (unless "
        "TEXTUAL_ANIMATIONS is set); the before figures (b9894f2, which animated) were taken with "
        "TEXTUAL_ANIMATIONS=none, so that the tab underline's 0.3 s slide after a switch is in neither.",
        "apply: inside the console, from the NodePolled dispatch of a changed report to the last screen "
        "write it caused (as for keys).",
    ]
    return result


def row_for(m: dict[str, Any]) -> tuple[list[str], tuple[Any, ...]]:
    """One size's table row, and the figures its targets judge (idle %, key stats, worst pane
    median, apply stats or None)."""
    first_byte = stats(m["key_s"])
    key = stats(m["key_inside_s"] or m["key_s"])
    inside = {k: stats(v)["median"] for k, v in m["pane_inside_s"].items() if v} or {
        k: stats(v)["median"] for k, v in m["pane_s"].items() if v
    }
    worst = max(inside, key=lambda k: inside[k])
    pty = {k: stats(v)["median"] for k, v in m["pane_s"].items() if v}
    worst_pty = max(pty, key=lambda k: pty[k])
    apply = stats([x / 1000 for x in m["apply_ms"]]) if m["apply_ms"] else None
    row = [
        f"{m['nodes']} x {m['resources']}",
        f"{m['startup_s']:.1f} s",
        f"{m['idle_cpu_pct']:.1f}% ({m['polls_in_window']} polls)",
        ms(first_byte["median"]),
        f"{_capped(key['median'])} / {_capped(key['max'])}",
        f"{_capped(statistics.median(inside.values()))} / key {worst} {_capped(inside[worst])}",
        f"key {worst_pty} {ms(pty[worst_pty])}",
        f"{_capped(apply['median'])} / {_capped(apply['max'])} ({len(m['apply_ms'])})"
        if apply
        else "none seen",
        f"{m['rss_kib'].get('VmRSS', 0) / 1024:.0f} MiB",
    ]
    return row, (m["idle_cpu_pct"], key, inside[worst], apply)


def _capped(seconds: float) -> str:
    """A time the console measured; at the cap it never went quiet, so the time is at least that."""
    return f">= {CAP_S:g} s (never quiet)" if seconds >= CAP_S else ms(seconds)


def targets_for(
    label: str, idle_pct: float, key: dict[str, float], worst_pane_s: float, apply: dict[str, float] | None
) -> list[Target]:
    return [
        Target(f"console-idle-{label}", f"idle CPU < {CPU_TARGET_PCT:g}% of a core", f"{idle_pct:.1f}%",
               idle_pct < CPU_TARGET_PCT),
        Target(f"console-key-{label}", f"key press answered < {KEY_TARGET_MS:.0f} ms",
               f"median {ms(key['median'])}", key["median"] * 1000 < KEY_TARGET_MS),
        Target(f"console-pane-{label}", f"pane switch < {PANE_TARGET_MS:.0f} ms",
               f"worst pane (median) {ms(worst_pane_s)}", worst_pane_s * 1000 < PANE_TARGET_MS),
        Target(f"console-apply-{label}", f"apply a poll with one changed resource < {APPLY_TARGET_MS:.0f} ms",
               f"median {ms(apply['median'])}" if apply else "no change seen",
               apply is not None and apply["median"] * 1000 < APPLY_TARGET_MS),
    ]  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    """``python -m bench.console --src TREE``: the figures of another source tree (a worktree of an
    older commit), saved as ``console-before.json``; the next ``python -m bench`` run shows them
    beside its own."""
    p = argparse.ArgumentParser(prog="python -m bench.console", description=main.__doc__)
    p.add_argument("--src", type=Path, required=True, help="the hatui source tree (its src folder)")
    p.add_argument("--quick", action="store_true")
    p.add_argument("--out", type=Path, default=RESULTS)
    args = p.parse_args(argv)
    params = {**(QUICK if args.quick else FULL), "quick": args.quick}
    started, t0 = utc_now(), time.perf_counter()
    res = run(params, src=args.src.resolve(), name="console-before")
    print(save(res, started, time.perf_counter() - t0, args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
