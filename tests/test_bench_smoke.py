"""Smoke test of the benchmarks: ``python -m bench --quick`` runs each one in a tiny configuration.

It asserts that every benchmark ran and wrote its JSON with the expected keys, and nothing about
speed. The Pacemaker lab is not started (``--no-lab``): benchmarks 1, 4 and 5 run against
sshd-backed nodes, which need root and OpenSSH; benchmark 2 needs Pacemaker's ``crm_simulate``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from support import ROOT
from support.sshd import sshd_unavailable

pytestmark = pytest.mark.slow

KEYS = (
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
NEEDS_SSHD = ("fanout", "snapshot", "live", "memory")


def _why_not(name: str) -> str | None:
    if shutil.which("crm_simulate") is None:
        return "Pacemaker's crm_simulate is not installed"
    if name in NEEDS_SSHD:
        return sshd_unavailable()
    return None


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    out = tmp_path_factory.mktemp("bench-results")
    runnable = [n for n in ("scale", *NEEDS_SSHD) if _why_not(n) is None]
    if not runnable:
        pytest.skip(_why_not("scale") or "nothing can run here")
    env = {**os.environ, "HATUI_BENCH_CACHE": str(out / "cache")}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench",
            "--quick",
            "--no-lab",
            "--only",
            ",".join(runnable),
            "--out",
            str(out),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    return out, proc


@pytest.mark.parametrize("name", ["scale", "fanout", "snapshot", "live", "memory"])
def test_benchmark_writes_its_results(
    quick_run: tuple[Path, subprocess.CompletedProcess[str]], name: str
) -> None:
    why = _why_not(name)
    if why:
        pytest.skip(why)
    out, proc = quick_run
    path = out / f"{name}.json"
    assert path.exists(), f"{name}.json not written; exit {proc.returncode}\n{proc.stderr[-3000:]}"
    data = json.loads(path.read_text())
    assert all(k in data for k in KEYS), sorted(set(KEYS) - set(data))
    assert data["benchmark"] == name
    assert data["params"]["quick"] is True
    assert data["table"]["headers"] and data["table"]["rows"]
    assert data["machine"]["cpus"] and data["versions"]["hatui"]
    assert all({"name", "goal", "measured", "met"} <= set(t) for t in data["targets"])
    assert f"== {data['title']} ==" in proc.stdout


def test_summary_lists_every_benchmark_run(quick_run: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    out, proc = quick_run
    assert proc.returncode == 0, proc.stderr[-3000:]
    summary = (out / "summary.md").read_text()
    for path in out.glob("*.json"):
        assert json.loads(path.read_text())["title"] in summary
