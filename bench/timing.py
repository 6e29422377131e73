"""Provides in-process timing of a function (``repeat``) and a short cProfile summary (``profile_top``)."""

from __future__ import annotations

import cProfile
import io
import pstats
import time
from collections.abc import Callable
from typing import Any


def repeat(
    fn: Callable[[], Any], *, min_runs: int = 5, min_time_s: float = 0.3, max_runs: int = 200
) -> list[float]:
    """Seconds per call of ``fn``: one warm-up call, then at least ``min_runs`` and ``min_time_s``."""
    fn()
    times: list[float] = []
    spent = 0.0
    while len(times) < max_runs and (len(times) < min_runs or spent < min_time_s):
        t0 = time.perf_counter()
        fn()
        took = time.perf_counter() - t0
        times.append(took)
        spent += took
    return times


def profile_top(fn: Callable[[], Any], limit: int = 12) -> list[dict[str, Any]]:
    """The functions where ``fn`` spends its time (own time), as rows for the JSON and the report."""
    prof = cProfile.Profile()
    prof.enable()
    fn()
    prof.disable()
    st = pstats.Stats(prof, stream=io.StringIO())
    total = sum(v[2] for v in st.stats.values()) or 1.0  # type: ignore[attr-defined]
    rows = []
    for (path, line, name), (_cc, ncalls, tottime, cumtime, _callers) in st.stats.items():  # type: ignore[attr-defined]
        rows.append(
            {
                "function": f"{_short(path)}:{line}({name})",
                "calls": ncalls,
                "own_s": round(tottime, 5),
                "cum_s": round(cumtime, 5),
                "own_share": round(tottime / total, 3),
            }
        )
    rows.sort(key=lambda r: r["own_s"], reverse=True)
    return rows[:limit]


def profile_cumulative(fn: Callable[[], Any], prefix: str = "hatui", limit: int = 12) -> list[dict[str, Any]]:
    """hatui's own functions by cumulative time: which step of the pipeline holds the time."""
    prof = cProfile.Profile()
    prof.enable()
    fn()
    prof.disable()
    st = pstats.Stats(prof, stream=io.StringIO())
    rows = []
    for (path, line, name), (_cc, ncalls, _tottime, cumtime, _callers) in st.stats.items():  # type: ignore[attr-defined]
        if f"/{prefix}/" not in path:
            continue
        rows.append(
            {"function": f"{_short(path)}:{line}({name})", "calls": ncalls, "cum_s": round(cumtime, 5)}
        )
    rows.sort(key=lambda r: r["cum_s"], reverse=True)
    return rows[:limit]


def _short(path: str) -> str:
    for marker in ("/hatui/", "/site-packages/", "/lib/python"):
        if marker in path:
            return path.split(marker, 1)[1]
    return path
