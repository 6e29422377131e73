"""Provides ``python -m bench``: runs the benchmarks, prints their tables, writes ``bench/results/*.json``.

    python -m bench                      # everything (about 15 minutes on 2 cores; the first run
                                         # also generates the large crm_mon XMLs, about 3 minutes)
    python -m bench --quick              # tiny sizes, a few minutes (what the smoke test runs)
    python -m bench --only scale,fanout  # some of: scale, fanout, console, snapshot, live, memory,
                                         # journal, fleet_console, console_record
    python -m bench --tui-minutes 60     # the console memory run the issue asks for
    python -m bench.profiles             # pyinstrument profiles of --once and the idle console
    python -m bench.console --src TREE   # the console figures of another tree ("before")

Benchmarks 1, 4 and 5 need a running cluster: the ``tests/lab`` Pacemaker lab is started for them
(on 127.0.2.x) and torn down at the end; without it they run against sshd-backed nodes and say so.
``bench/results/summary.md`` collects every table, target and profile in Markdown."""

from __future__ import annotations

import argparse
import compileall
import json
import os
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

from bench import console, console_record, fanout, fleet_console, journal_size, live, memory, scale, snapshot
from bench.common import RESULTS, ROOT, Result, markdown_table, report, save, utc_now
from bench.testbed import Testbed, open_testbed

ORDER = (
    "scale",
    "fanout",
    "console",
    "snapshot",
    "live",
    "memory",
    "journal",
    "fleet_console",
    "console_record",
)
NEEDS_TESTBED = {"snapshot", "live", "memory"}
MODULES: dict[str, Any] = {
    "snapshot": snapshot,
    "scale": scale,
    "fanout": fanout,
    "console": console,
    "live": live,
    "memory": memory,
    "journal": journal_size,
    "fleet_console": fleet_console,
    "console_record": console_record,
}


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="tiny configurations (seconds, for CI smoke runs)")
    p.add_argument("--only", default="", help=f"comma-separated subset of: {', '.join(ORDER)}")
    p.add_argument("--rounds", type=int, help="interleaved rounds for snapshot/fanout")
    p.add_argument("--tui-minutes", type=float, help="how long the console memory run polls (default 2)")
    p.add_argument("--live-window", type=float, help="seconds of console CPU measurement (default 60)")
    p.add_argument("--no-lab", action="store_true", help="use sshd-backed nodes instead of the Pacemaker lab")
    p.add_argument(
        "--out", type=Path, default=RESULTS, help="where the JSON files go (default bench/results)"
    )
    return p


def params_for(name: str, args: argparse.Namespace) -> dict[str, Any]:
    mod = MODULES[name]
    params = dict(mod.QUICK if args.quick else mod.FULL)
    if args.rounds and "rounds" in params:
        params["rounds"] = args.rounds
    if args.tui_minutes is not None and name == "memory":
        params["tui_minutes"] = args.tui_minutes
    if args.live_window is not None and name == "live":
        params["window_s"] = args.live_window
    params["quick"] = args.quick
    return params


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # hatui's stack cache goes to $XDG_CACHE_HOME: a run must neither read nor fill the user's.
    cache_home = tempfile.mkdtemp(prefix="hatui-bench-xdg-")
    os.environ["XDG_CACHE_HOME"] = cache_home
    try:
        return _main(args)
    finally:
        shutil.rmtree(cache_home, ignore_errors=True)


def _main(args: argparse.Namespace) -> int:
    chosen = [n.strip() for n in args.only.split(",") if n.strip()] or list(ORDER)
    unknown = [n for n in chosen if n not in MODULES]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)} (choose from {', '.join(ORDER)})", file=sys.stderr)
        return 2
    chosen = [n for n in ORDER if n in chosen]
    results: list[Result] = []
    failed: list[str] = []
    bed: Testbed | None = None
    t_all = time.perf_counter()
    # An installed hatui has its bytecode (pip compiles at install); a checkout run with
    # PYTHONDONTWRITEBYTECODE set would compile every module on every start (~120 ms of a --once).
    compileall.compile_dir(ROOT / "src", quiet=1)
    try:
        for name in chosen:
            started, t0, load0 = utc_now(), time.perf_counter(), os.getloadavg()
            try:
                params = params_for(name, args)
                if name in NEEDS_TESTBED:
                    if bed is None:
                        print("starting the testbed cluster...", flush=True)
                        bed = open_testbed(prefer_lab=not args.no_lab)
                        print(f"testbed: {bed.kind}: {bed.description}", flush=True)
                    res = MODULES[name].run(params, bed)
                else:
                    res = MODULES[name].run(params)
            except Exception:
                failed.append(name)
                print(f"== {name}: FAILED ==\n{traceback.format_exc()}", file=sys.stderr, flush=True)
                continue
            path = save(res, started, time.perf_counter() - t0, args.out, load_at_start=load0)
            results.append(res)
            print(report(res), flush=True)
            print(f"-> {path} ({time.perf_counter() - t0:.0f} s)\n", flush=True)
    finally:
        if bed is not None:
            bed.stop()
    if results:
        summary = write_summary(args.out)
        print(f"summary: {summary}; total {time.perf_counter() - t_all:.0f} s")
    return 1 if failed else 0


def write_summary(out: Path) -> Path:
    """Every table and target of the latest result of each benchmark in ``out``, in Markdown (what the
    README's Performance section is made from). Built from the JSON files, so a partial re-run
    (``--only``) updates its part and keeps the others."""
    parts = [f"# hatui benchmark results (written {utc_now()})", ""]
    for name in ORDER:
        path = out / f"{name}.json"
        if not path.exists():
            continue
        data = json.loads(path.read_text())
        m = data["machine"]
        parts += [
            f"## {data['title']}",
            "",
            f"Run {data['started_at']}, {data['duration_s']:.0f} s; {m['cpus']} x {m['cpu']}, "
            f"load at start {', '.join(f'{x:.2f}' for x in m.get('loadavg_at_start', []))}.",
            "",
            markdown_table(data["table"]["headers"], data["table"]["rows"]),
            "",
        ]
        for t in data.get("extra_tables", []):
            parts += [f"{t['title']}:", "", markdown_table(t["headers"], t["rows"]), ""]
        for t in data["targets"]:
            verdict = "not measured" if t["met"] is None else "met" if t["met"] else "**missed**"
            parts.append(f"- target {t['name']}: {t['goal']}: {t['measured']} ({verdict})")
        parts += [f"- note: {n}" for n in data["notes"]]
        parts.append("")
    parts += profile_sections(out)
    path = out / "summary.md"
    out.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(parts))
    return path


#: Lines of each profile's call tree kept in the summary (the top frames).
PROFILE_LINES = 30


def profile_sections(out: Path) -> list[str]:
    """The top of every ``profile-*.txt`` (``python -m bench.profiles``) in ``out``."""
    parts: list[str] = []
    for path in sorted(out.glob("profile-*.txt")):
        lines = path.read_text().splitlines()
        start = next((i for i, line in enumerate(lines) if line.startswith(("Program:", "Profile at"))), 0)
        head = [line[line.index("Duration:") :] for line in lines[:start] if "Duration:" in line]
        tree = [line for line in lines[start + 1 :] if line.strip()][:PROFILE_LINES]
        if not parts:
            parts += ["## Profiles (pyinstrument, wall clock; python -m bench.profiles)", ""]
        parts += [f"### {path.stem}", "", "```", *(h.strip() for h in head), *tree, "```", ""]
    return parts


if __name__ == "__main__":
    sys.exit(main())
