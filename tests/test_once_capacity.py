"""``hatui --once`` on the capacity replay: host memory, xentop CPU%, the N+1 verdict in JSON and text."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

CAPACITY = Path(__file__).resolve().parent / "replays" / "capacity"


def _once(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "hatui",
            "--once",
            "--replay",
            str(CAPACITY),
            "--ignore",
            "stonith-disabled",
            *args,
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def test_json_has_host_memory_cpu_percent_and_the_stranded_vms() -> None:
    out = _once("--format", "json")
    assert out.returncode == 1, out.stderr
    data = json.loads(out.stdout)
    assert data["capacity"] == {
        "n_plus_one": False,
        "stranded": [{"node": "vnode3", "vms": ["mail"]}],
        "reason": None,
    }
    memory = {n["name"]: (n["memory_total_mib"], n["memory_free_mib"]) for n in data["nodes"]}
    assert memory == {"vnode1": (4095, 512), "vnode2": (4095, 2048), "vnode3": (4095, 0)}
    doms = {(d["node"], d["name"]): (d["memory_mib"], d["cpu_percent"]) for d in data["domains"]}
    # vnode1 has no xm list, only xentop: its VM is still listed, with xentop's second sample.
    assert doms == {
        ("vnode1", "sentinel"): (1024, 7.3),
        ("vnode3", "www"): (2048, 12.5),
        ("vnode3", "mail"): (1024, 88.0),
    }
    assert [(p["severity"], p["code"], p["subject"], p["message"]) for p in data["health"]["problems"]] == [
        ("warning", "n-plus-one", "vnode3", "cannot lose vnode3: mail would have nowhere to run")
    ]
    assert data["errors"] == []


def test_text_says_the_badge_and_each_nodes_memory_in_words() -> None:
    out = _once("--format", "text")
    assert "N+1 LOST: vnode3 (mail)" in out.stdout
    assert "N+1: cannot lose vnode3: mail would have nowhere to run" in out.stdout
    assert "2048 of 4095 MiB free" in out.stdout and "88.0%" in out.stdout
