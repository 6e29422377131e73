"""Provides what every benchmark shares: timing, statistics, tables, machine facts and the JSON writer.

Each benchmark returns a ``Result`` (a table for people plus the raw figures); ``save`` writes it
to ``bench/results/<name>.json`` with the machine, the versions and the raw timings, so a figure in
the README can always be traced back to the run that produced it.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results"
#: Generated crm_mon XMLs (minutes to make at 1,000 resources); HATUI_BENCH_CACHE moves it.
CACHE = Path(os.environ.get("HATUI_BENCH_CACHE") or BENCH / ".cache")
SHARED = ROOT.parent / "shared"
TESTS = ROOT / "tests"
#: Keys every results file has (the smoke test checks them).
RESULT_KEYS = (
    "benchmark",
    "title",
    "started_at",
    "duration_s",
    "machine",
    "versions",
    "params",
    "table",
    "summary",
    "targets",
    "raw",
    "notes",
)


@dataclass
class Target:
    """One target from the issue and whether this run met it."""

    name: str
    goal: str
    measured: str
    met: bool | None
    """None when it could not be measured in this run."""

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "goal": self.goal, "measured": self.measured, "met": self.met}


@dataclass
class Result:
    """What one benchmark produced."""

    name: str
    title: str
    params: dict[str, Any]
    headers: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)
    targets: list[Target] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    extra_tables: list[tuple[str, list[str], list[list[str]]]] = field(default_factory=list)


def stats(values: Sequence[float]) -> dict[str, float]:
    """Median, min, max, mean and 90th percentile of ``values`` (empty input gives zeros)."""
    if not values:
        return {"n": 0, "median": 0.0, "min": 0.0, "max": 0.0, "mean": 0.0, "p90": 0.0}
    ordered = sorted(values)
    p90 = ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]
    return {
        "n": len(values),
        "median": statistics.median(ordered),
        "min": ordered[0],
        "max": ordered[-1],
        "mean": statistics.fmean(ordered),
        "p90": p90,
    }


def ms(seconds: float) -> str:
    """``12.3 ms`` / ``1.23 s`` for a duration in seconds."""
    if seconds >= 1.0:
        return f"{seconds:.2f} s"
    if seconds >= 0.01:
        return f"{seconds * 1000:.0f} ms"
    return f"{seconds * 1000:.2f} ms"


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A plain-text table; the first column left-aligned, the others right-aligned."""
    widths = [max(len(str(c)) for c in col) for col in zip(headers, *rows, strict=False)]

    def line(cells: Sequence[str]) -> str:
        out = [
            str(c).ljust(w) if i == 0 else str(c).rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ]
        return "  ".join(out).rstrip()

    return "\n".join([line(headers), line(["-" * w for w in widths]), *(line(r) for r in rows)])


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """The same table in Markdown (for the README)."""
    head = "| " + " | ".join(headers) + " |"
    sep = "|" + "|".join(["---"] + ["---:"] * (len(headers) - 1)) + "|"
    return "\n".join([head, sep, *("| " + " | ".join(str(c) for c in r) + " |" for r in rows)])


def _tool_version(argv: Sequence[str]) -> str | None:
    if shutil.which(argv[0]) is None and not Path(argv[0]).exists():
        return None
    try:
        proc = subprocess.run(list(argv), capture_output=True, text=True, timeout=20, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    text = (proc.stdout or proc.stderr).strip()
    return text.splitlines()[0] if text else None


def _pkg_version(name: str) -> str | None:
    from importlib import metadata

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


_VERSIONS: dict[str, str | None] | None = None


def versions() -> dict[str, str | None]:
    """Versions of hatui, its Python dependencies and the cluster tools compared against."""
    global _VERSIONS
    if _VERSIONS is None:
        import hatui

        _VERSIONS = {
            "hatui": hatui.__version__,
            "python": platform.python_version(),
            **{p: _pkg_version(p) for p in ("textual", "asyncssh", "lxml", "rich", "pyyaml")},
            "pacemaker": _tool_version(["crm_mon", "--version"]),
            "crmsh": _tool_version(["crm", "--version"]),
            "pcs": _tool_version(["pcs", "--version"]),
            "corosync": _tool_version(["corosync", "-v"]),
            "openssh": _tool_version(["ssh", "-V"]),
        }
    return _VERSIONS


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_kib = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kib = int(line.split()[1])
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "mem_mib": mem_kib // 1024,
        "kernel": platform.release(),
        "os": _os_name(),
        "python": sys.version.split()[0],
        "loadavg_at_save": list(os.getloadavg()),
        "corosync_processes": _count_processes("corosync"),
    }


def _count_processes(name: str) -> int:
    """How many processes named ``name`` run (other labs and clusters competing for the CPU)."""
    count = 0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                count += (entry / "comm").read_text().strip() == name
    return count


def _os_name() -> str:
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                return line.split("=", 1)[1].strip('"')
    except OSError:
        pass
    return platform.system()


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def save(
    result: Result,
    started_at: str,
    duration_s: float,
    out_dir: Path = RESULTS,
    load_at_start: tuple[float, ...] | None = None,
) -> Path:
    """Writes ``<out_dir>/<name>.json`` and returns its path.

    The machine's load at start and end, and how many corosync processes ran (3 are the lab's own),
    say whether other work competed for the CPU during the run.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    data = {
        "benchmark": result.name,
        "title": result.title,
        "started_at": started_at,
        "duration_s": round(duration_s, 2),
        "machine": {**machine(), "loadavg_at_start": list(load_at_start or ())},
        "versions": versions(),
        "params": result.params,
        "table": {"headers": result.headers, "rows": result.rows},
        "extra_tables": [{"title": t, "headers": h, "rows": r} for t, h, r in result.extra_tables],
        "summary": result.summary,
        "targets": [t.as_dict() for t in result.targets],
        "raw": result.raw,
        "notes": result.notes,
    }
    path = out_dir / f"{result.name}.json"
    path.write_text(json.dumps(data, indent=1, default=str) + "\n")
    return path


def report(result: Result) -> str:
    """The table, extra tables, targets and notes of ``result`` as text."""
    parts = [f"== {result.title} ==", table(result.headers, result.rows)]
    for title, headers, rows in result.extra_tables:
        parts += ["", title, table(headers, rows)]
    if result.targets:
        parts.append("")
        for t in result.targets:
            verdict = "not measured" if t.met is None else "MET" if t.met else "MISSED"
            parts.append(f"target {t.name}: {t.goal} -> {t.measured} [{verdict}]")
    for n in result.notes:
        parts.append(f"note: {n}")
    return "\n".join(parts)


class Stopwatch:
    """``with Stopwatch() as sw: ...; sw.s`` — wall seconds by ``perf_counter``."""

    def __enter__(self) -> Stopwatch:
        self._t0 = time.perf_counter()
        self.s = 0.0
        return self

    def __exit__(self, *exc: object) -> None:
        self.s = time.perf_counter() - self._t0


@dataclass
class ChildRun:
    """One child process run to completion: wall time, its own CPU time and peak RSS."""

    argv: list[str]
    wall_s: float
    user_s: float
    sys_s: float
    maxrss_kib: int
    returncode: int
    stdout: str
    stderr: str

    @property
    def cpu_s(self) -> float:
        return self.user_s + self.sys_s


def run_child(
    argv: Sequence[str], *, env: dict[str, str] | None = None, timeout: float = 120.0, cwd: Path | None = None
) -> ChildRun:
    """Runs ``argv`` and reaps it with ``wait4``, so the CPU and RSS figures are this child's alone."""
    import tempfile

    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            list(argv), stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=env, cwd=cwd
        )
        # A blocking wait4 reaps the child the moment it exits; the timer only fires on a hang.
        killer = threading.Timer(timeout, proc.kill)
        killer.start()
        try:
            _pid, status, usage = os.wait4(proc.pid, 0)
        finally:
            killer.cancel()
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return ChildRun(
            list(argv),
            wall,
            usage.ru_utime,
            usage.ru_stime,
            usage.ru_maxrss,
            proc.returncode,
            out.read().decode(errors="replace"),
            err.read().decode(errors="replace"),
        )


#: Forks ``argv`` from a small process and prints the child's ``ru_maxrss`` (KiB) on stderr's last line.
_RSS_LAUNCHER = """
import os, sys
pid = os.fork()
if pid == 0:
    try:
        os.execvp(sys.argv[1], sys.argv[1:])
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
sys.stderr.write(f"\\nmaxrss_kib={usage.ru_maxrss}\\n")
sys.exit(os.waitstatus_to_exitcode(status))
"""


def peak_rss_kib(
    argv: Sequence[str], *, env: dict[str, str] | None = None, timeout: float = 300.0
) -> ChildRun:
    """Runs ``argv`` and returns it with ``maxrss_kib`` set to ITS peak RSS.

    A child's ``ru_maxrss`` starts at its parent's RSS at fork time and survives exec, so a child
    forked from this (large) benchmark process would report the benchmark's own size. The command
    is therefore forked from a small launcher interpreter, whose size is far below hatui's.
    """
    run = run_child([sys.executable, "-S", "-c", _RSS_LAUNCHER, *argv], env=env, timeout=timeout)
    lines = run.stderr.rstrip().splitlines()
    if lines and lines[-1].startswith("maxrss_kib="):
        run.maxrss_kib = int(lines[-1].split("=", 1)[1])
        run.stderr = "\n".join(lines[:-1])
    else:
        run.maxrss_kib = 0
    return run


def hatui_argv(*args: str) -> list[str]:
    """The ``hatui`` command as an admin runs it: the entry point installed beside this interpreter
    (so a venv benchmarks its own hatui, whatever PATH says), else ``python -m hatui``."""
    exe = Path(sys.executable).parent / "hatui"
    return [str(exe), *args] if exe.is_file() else [sys.executable, "-m", "hatui", *args]
