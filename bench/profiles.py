"""Profiles (pyinstrument, wall clock) of ``hatui --once`` and of the idle console at 32 x 1,000.

    python -m bench.profiles                          # this tree: bench/results/profile-after-*.txt
    python -m bench.profiles --src /tmp/before/src --label before   # another tree (a worktree)

- ``once-cold`` / ``once-warm``: ``hatui --once`` against three sshd-backed nodes (``bench.fleet``,
  lean shell), a fresh process each; cold = an empty stack cache (``XDG_CACHE_HOME`` a new empty
  folder), warm = the same cache after one run;
- ``console-idle-32x1000``: the console on a generated 32 x 1,000 replay, polled every 2 s with
  nothing changing, profiled for ``--seconds`` after it started (``bench.tui_child``'s
  ``HATUI_BENCH_PROFILE``).

Each is written as pyinstrument's short text form (the top frames, times are wall clock of the
main thread). The summary names what the top frames say.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import RESULTS, ROOT
from bench.console import make_replays
from bench.fleet import Fleet
from bench.tui import TuiProcess


def _env(src: Path | None, cache: Path) -> dict[str, str]:
    path = [str(src)] if src else []
    return {**os.environ, "PYTHONPATH": os.pathsep.join([*path, str(ROOT)]), "XDG_CACHE_HOME": str(cache)}


def profile_once(src: Path | None, out: Path, label: str) -> list[Path]:
    """Cold and warm ``--once`` profiles against three sshd-backed nodes."""
    written = []
    with Fleet(3, lean_shell=True) as fleet:
        cache = Path(tempfile.mkdtemp(prefix="hatui-bench-cache-"))
        try:
            for kind in ("cold", "warm"):
                path = out / f"profile-{label}-once-{kind}.txt"
                argv = [
                    sys.executable,
                    "-m",
                    "pyinstrument",
                    "-i",
                    "0.001",
                    "-r",
                    "text",
                    "-o",
                    str(path),
                    "-m",
                    "hatui",
                    "--once",
                    "--config",
                    str(fleet.config_path),
                ]
                subprocess.run(
                    argv, env=_env(src, cache), cwd=ROOT, capture_output=True, timeout=120, check=False
                )
                written.append(path)
        finally:
            shutil.rmtree(cache, ignore_errors=True)
    return written


def profile_console(src: Path | None, out: Path, label: str, seconds: float) -> Path:
    """The console idle on a 32 x 1,000 replay for ``seconds``."""
    path = out / f"profile-{label}-console-idle-32x1000.txt"
    tmp = Path(tempfile.mkdtemp(prefix="hatui-bench-profile-"))
    try:
        healthy, _changed = make_replays(32, 1000, tmp)
        tui = TuiProcess(["--replay", str(healthy)], src=src, env={"HATUI_BENCH_PROFILE": str(path)}).start()
        try:
            time.sleep(seconds)
        finally:
            tui.stop(timeout=60)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return path


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.profiles", description=__doc__.splitlines()[0])
    p.add_argument("--src", type=Path, help="a hatui source tree to profile instead of the installed one")
    p.add_argument("--label", default="after", help="file name part: before/after (default after)")
    p.add_argument("--seconds", type=float, default=40.0, help="how long the console runs (default 40)")
    p.add_argument("--only", default="once,console", help="once, console or both (default)")
    p.add_argument("--out", type=Path, default=RESULTS)
    args = p.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    chosen = set(args.only.split(","))
    src = args.src.resolve() if args.src else None
    if "once" in chosen:
        for path in profile_once(src, args.out, args.label):
            print(path)
    if "console" in chosen:
        print(profile_console(src, args.out, args.label, args.seconds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
