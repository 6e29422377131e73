"""``hatui --once`` through the real console script on the replay directories in tests/replays."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

REPLAYS = Path(__file__).resolve().parent / "replays"


def once(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hatui", "--once", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def snapshot(scenario: str, *extra: str) -> tuple[int, dict[str, Any], str]:
    out = once("--format", "json", "--replay", str(REPLAYS / scenario), *extra)
    return out.returncode, json.loads(out.stdout), out.stderr


def problems(data: dict[str, Any]) -> set[tuple[str, str, str]]:
    return {(p["severity"], p["code"], p["subject"]) for p in data["health"]["problems"]}


def test_healthy_cluster_json_contract() -> None:
    rc, data, err = snapshot("healthy", "--ignore", "stonith-disabled")
    assert rc == 0, err
    assert data["schema"] == "hatui.snapshot/1"
    assert data["generated_at"].endswith("Z")
    assert data["health"] == {"status": "OK", "problems": []}
    assert data["cluster"] == {
        "name": "healthy",
        "stack": "corosync",
        "dc": "vnode1",
        "quorum": True,
        "pacemaker_version": "2.1.5-a3f44794f94",
        "stonith_enabled": False,
        "symmetric_cluster": False,
        "maintenance_mode": False,
    }
    nodes = {n["name"]: n for n in data["nodes"]}
    assert list(nodes) == ["vnode1", "vnode2", "vnode3"]
    assert nodes["vnode1"]["is_dc"] is True and nodes["vnode2"]["is_dc"] is False
    assert all(n["reachable"] and n["online"] and n["type"] == "member" for n in nodes.values())
    res = [(r["id"], r["role"], r["nodes"], r["parent"]) for r in data["resources"]]
    assert ("sentinel", "Started", ["vnode1"], None) in res
    assert ("drbd_sentinel", "Promoted", ["vnode1"], "ms_drbd_sentinel") in res
    assert ("drbd_sentinel", "Unpromoted", ["vnode2"], "ms_drbd_sentinel") in res
    assert {r["agent"] for r in data["resources"]} == {"ocf:heartbeat:Xen", "ocf:linbit:drbd"}
    drbd = {(d["node"], d["resource"]): d for d in data["drbd"]}
    root1 = drbd[("vnode1", "sentinel-root")]
    assert (root1["minor"], root1["role"], root1["disk"]) == (1, "Primary", "UpToDate")
    assert root1["peers"] == [
        {
            "name": None,
            "connection": "Connected",
            "role": "Secondary",
            "disk": "UpToDate",
            "replication": "Established",
            "sync_percent": None,
            "sync_eta_s": None,
            "sync_speed_kib_s": None,
        }
    ]
    # Unconfigured minors are left out.
    assert [d["minor"] for d in data["drbd"] if d["node"] == "vnode3"] == [3]
    doms = {(d["node"], d["name"]): d for d in data["domains"]}
    assert set(doms) == {("vnode1", "sentinel"), ("vnode3", "www"), ("vnode3", "mail")}
    assert doms[("vnode3", "www")] == {
        "node": "vnode3",
        "name": "www",
        "id": 5,
        "memory_mib": 2048,
        "vcpus": 2,
        "state": "-b----",
        "cpu_time_s": 811.9,
        "cpu_percent": None,
    }
    coro = {c["node"]: c for c in data["corosync"]}
    assert coro["vnode2"]["node_id"] == 2 and coro["vnode2"]["quorate"] is True
    assert [(lk["id"], lk["status"]) for lk in coro["vnode2"]["links"]] == [(0, "ok"), (1, "ok")]
    assert data["errors"] == [] and data["failed_actions"] == []


def test_stonith_disabled_alone_is_a_warning() -> None:
    rc, data, _ = snapshot("healthy")
    assert rc == 1
    assert problems(data) == {("warning", "stonith-disabled", "cluster")}


def test_degraded_cluster_is_warning() -> None:
    rc, data, _ = snapshot("degraded", "--ignore", "stonith-disabled")
    assert rc == 1
    assert data["health"]["status"] == "WARNING"
    assert problems(data) == {
        ("warning", "drbd-syncing", "www-root"),
        ("warning", "drbd-disconnected", "sentinel-root"),
        ("warning", "drbd-disconnected", "sentinel-swap"),
        ("warning", "node-standby", "vnode1"),
        ("warning", "ring-faulty", "link 1"),
        # vnode1 in standby: vnode3 has no copy of sentinel's disks, vnode2's copy of www's is syncing.
        ("warning", "n-plus-one", "vnode2"),
        ("warning", "n-plus-one", "vnode3"),
    }
    # vnode1's DRBD is down (standby stopped the clone instance there): nothing to list for it.
    assert not [d for d in data["drbd"] if d["node"] == "vnode1"]
    sync = next(d for d in data["drbd"] if d["node"] == "vnode2" and d["resource"] == "www-root")
    assert sync["peers"][0]["replication"] == "SyncTarget"
    assert sync["peers"][0]["sync_percent"] == pytest.approx(41.2)
    assert sync["peers"][0]["sync_eta_s"] == 47
    assert sync["peers"][0]["sync_speed_kib_s"] == 13112
    assert sync["out_of_sync_kib"] == 616412


def test_split_brain_is_critical() -> None:
    rc, data, _ = snapshot("split-brain")
    assert rc == 2
    found = problems(data)
    assert ("critical", "drbd-split-brain", "sentinel-root") in found
    assert ("critical", "domain-multi-active", "sentinel") in found
    assert data["health"]["problems"][0]["severity"] == "critical"


def test_node_down_is_critical_and_names_the_node_on_stderr() -> None:
    rc, data, err = snapshot("node-down")
    assert rc == 2
    assert "vnode1: unreachable: connection refused (127.0.0.2:22)" in err.splitlines()
    nodes = {n["name"]: n for n in data["nodes"]}
    assert nodes["vnode1"]["reachable"] is False and nodes["vnode1"]["online"] is False
    assert nodes["vnode2"]["is_dc"] is True
    assert ("critical", "node-offline", "vnode1") in problems(data)
    assert ("warning", "node-unreachable", "vnode1") in problems(data)


def test_yaml_has_the_same_shape_as_json() -> None:
    out = once("--format", "yaml", "--replay", str(REPLAYS / "degraded"))
    data = yaml.safe_load(out.stdout)
    _, as_json, _ = snapshot("degraded")
    assert out.returncode == 1
    data.pop("generated_at"), as_json.pop("generated_at")
    assert data == as_json


def test_text_puts_problems_first_and_shows_states_in_words() -> None:
    out = once("--replay", str(REPLAYS / "split-brain"))
    assert out.returncode == 2
    text = out.stdout
    assert "[CRITICAL]" in text.splitlines()[0]
    titles = [
        line.strip() for line in text.splitlines() if line.strip() in {"Problems", "Nodes", "VMs", "DRBD"}
    ]
    assert titles == ["Problems", "Nodes", "VMs", "DRBD"]
    assert "drbd-split-brain" in text and "CRIT" in text
    assert "ocf:heartbeat:Xen" in text  # never turned into an emoji


def test_malformed_output_is_an_error_entry_not_a_crash(tmp_path: Path) -> None:
    import shutil

    shutil.copytree(REPLAYS / "healthy", tmp_path / "c")
    (tmp_path / "c" / "vnode2" / "proc_drbd").write_text("version: 8.3.7 (api:88/proto:86-91)\n 1: cs:Conn")
    (tmp_path / "c" / "vnode3" / "crm_mon.xml").write_text("<pacemaker-result><summary>")
    out = once("--format", "json", "--replay", str(tmp_path / "c"), "--ignore", "stonith-disabled")
    data = json.loads(out.stdout)
    errs = {(e["node"], e["source"]) for e in data["errors"]}
    assert errs == {("vnode2", "proc_drbd"), ("vnode3", "crm_mon.xml")}
    assert all("line" in e["message"] for e in data["errors"])
    # The DC's picture still stands, and vnode2's other sources still count.
    assert data["cluster"]["dc"] == "vnode1"
    assert any(d["node"] == "vnode2" for d in data["domains"]) is False
    assert "vnode2: proc_drbd:" in out.stderr


def test_nothing_reachable_is_unknown(tmp_path: Path) -> None:
    for n in ("a", "b"):
        (tmp_path / n).mkdir()
    (tmp_path / "a" / "unreachable").write_text("timed out after 5s")
    out = once("--format", "json", "--replay", str(tmp_path))
    assert out.returncode == 3
    assert json.loads(out.stdout)["health"]["status"] == "UNKNOWN"
    assert "a: unreachable: timed out after 5s" in out.stderr
    assert "b: unreachable: no captured output" in out.stderr


def test_bad_config_exits_3_naming_file_and_key(tmp_path: Path) -> None:
    cfg = tmp_path / "c.yaml"
    cfg.write_text("clusters:\n  x:\n    nodes: [a]\n    colour: red\n")
    out = once("--config", str(cfg))
    assert out.returncode == 3
    assert out.stdout == ""
    assert f"config error: {cfg}: clusters.x.colour: unknown key" in out.stderr


def test_no_config_anywhere_exits_3(tmp_path: Path) -> None:
    out = once()
    assert out.returncode == 3
    assert "no config file" in out.stderr and "--demo" in out.stderr


def test_replay_dir_missing_exits_3(tmp_path: Path) -> None:
    out = once("--replay", str(tmp_path / "nope"))
    assert out.returncode == 3
    assert "not a directory" in out.stderr


def test_demo_once_runs_the_whole_pipeline() -> None:
    """The README's first command, scripted: the demo answers like real nodes, through the real parsers."""
    out = once("--demo", "--format", "json")
    data = json.loads(out.stdout)
    assert out.returncode == {"OK": 0, "WARNING": 1}[data["health"]["status"]], out.stderr
    assert data["errors"] == []
    assert [n["name"] for n in data["nodes"]] == ["vnode1", "vnode2", "vnode3"]
    assert all(n["reachable"] and n["online"] for n in data["nodes"])
    assert "DRBD 8 (8.3.7)" in data["nodes"][0]["detected_stack"]
    assert "DRBD absent" in data["nodes"][2]["detected_stack"]
    # The seed demo: Pacemaker 1.0.9 over openais, whose text screen prints no cluster options: they
    # come from the CIB (cibadmin -Q --scope crm_config), the reference cluster's asymmetric ones.
    assert data["cluster"]["stack"] == "openais" and data["cluster"]["pacemaker_version"].startswith("1.0.9")
    assert data["cluster"]["stonith_enabled"] is False and data["cluster"]["symmetric_cluster"] is False
    vms = {r["id"]: r for r in data["resources"] if r["agent"] == "ocf:heartbeat:Xen"}
    running = {(d["name"], d["node"]) for d in data["domains"]}
    assert vms and all((vm, r["nodes"][0]) in running for vm, r in vms.items())
    assert {d["node"] for d in data["drbd"]} == {"vnode1", "vnode2"}
