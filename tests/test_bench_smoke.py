"""Smoke test of the benchmarks: ``python -m bench --quick`` runs each one in a tiny configuration.

It asserts that every benchmark ran and wrote its JSON with the expected keys, and nothing about
speed (the console benchmark runs a real console on a pty at 3 x 20). The Pacemaker lab is not
started (``--no-lab``): benchmarks 1, 4 and 5 run against sshd-backed nodes, which need root and
OpenSSH; benchmarks 2 and 6 need Pacemaker's ``crm_simulate``.
It runs with ``pcs`` hidden from PATH, so the snapshot benchmark's pcs comparison is dropped (and
named in its notes) whether or not the machine has pcs.
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


def path_without(tool: str, farm: Path) -> str:
    """$PATH with ``tool`` hidden: each folder holding it is replaced by a folder of symlinks to
    everything else there (the benchmark must cope with a node that lacks pcs, as Debian's
    Pacemaker packages leave it out)."""
    dirs = []
    for i, d in enumerate(os.environ.get("PATH", os.defpath).split(os.pathsep)):
        folder = Path(d)
        if not (folder / tool).exists():
            dirs.append(d)
            continue
        copy = farm / str(i)
        copy.mkdir(parents=True)
        for entry in folder.iterdir():
            if entry.name != tool:
                (copy / entry.name).symlink_to(entry)
        dirs.append(str(copy))
    return os.pathsep.join(dirs)


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    out = tmp_path_factory.mktemp("bench-results")
    runnable = [n for n in ("scale", "console", "console_record", *NEEDS_SSHD) if _why_not(n) is None]
    if not runnable:
        pytest.skip(_why_not("scale") or "nothing can run here")
    hidden = path_without("pcs", tmp_path_factory.mktemp("path-without-pcs"))
    env = {**os.environ, "HATUI_BENCH_CACHE": str(out / "cache"), "PATH": hidden}
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


@pytest.mark.parametrize(
    "name", ["scale", "console", "console_record", "fanout", "snapshot", "live", "memory"]
)
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


def test_snapshot_drops_the_pcs_comparison_when_pcs_is_missing(
    quick_run: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    why = _why_not("snapshot")
    if why:
        pytest.skip(why)
    out, proc = quick_run
    data = json.loads((out / "snapshot.json").read_text())
    dropped = [n for n in data["notes"] if n.startswith("dropped comparison 'pcs status (one node)'")]
    assert dropped and "pcs is not installed" in dropped[0], data["notes"]
    assert "dropped comparison 'pcs status (one node)'" in proc.stdout
    # The benchmark went on without it.
    rows = {row[0]: row for row in data["table"]["rows"]}
    assert rows["hatui --once (3 nodes, all layers)"][1] != "not measured"
    assert rows["pcs status (one node)"][1] == "not measured"


def test_console_benchmark_saw_the_console_answer(
    quick_run: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    """The console figures come from a console that ran: polls arrived, keys were answered and the
    alternating replay's changes reached the screen (their apply times were recorded)."""
    why = _why_not("console")
    if why:
        pytest.skip(why)
    out, _proc = quick_run
    (size,) = json.loads((out / "console.json").read_text())["raw"]["sizes"]
    assert (size["nodes"], size["resources"]) == (3, 20)
    assert size["polls_in_window"] > 0
    assert size["key_s"] and all(t < 10.0 for t in size["key_s"])
    assert set(size["pane_s"]) == set("1234567")
    assert size["apply_ms"], "no changed poll was applied"
