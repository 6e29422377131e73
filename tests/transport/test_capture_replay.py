"""``hatui capture`` from real sshd-backed nodes, then ``--replay`` of it, gives the same snapshot."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from support import needs_shared
from support.sshd import SshdServer, free_port, install_stack_tools, sshd_factory

__all__ = ["sshd_factory"]  # the fixture, imported for pytest

pytestmark = needs_shared


def hatui(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hatui", *args], capture_output=True, text=True, check=False, timeout=120
    )


def _config(tmp_path: Path, servers: dict[str, SshdServer], dead_port: int) -> Path:
    known = tmp_path / "known_hosts"
    lines = ["clusters:", "  lab:", f"    known_hosts: {known}"]
    lines += ["    connect_timeout: 2", "    command_timeout: 5", "    nodes:"]
    for name, s in servers.items():
        s.trust(known)
        node = f"name: {name}, host: {s.host}, port: {s.port}, user: root, identity_file: {s.client_key}"
        lines.append(f"      - {{{node}}}")
    lines.append(f"      - {{name: vnode3, host: 127.0.0.1, port: {dead_port}, user: root}}")
    cfg = tmp_path / "hatui.yaml"
    cfg.write_text("\n".join(lines) + "\n")
    return cfg


def _comparable(data: dict[str, Any]) -> dict[str, Any]:
    data = dict(data)
    data.pop("generated_at")
    data["nodes"] = [{k: v for k, v in n.items() if k != "collected_at"} for n in data["nodes"]]
    return data


def test_capture_then_replay_gives_the_same_snapshot(
    tmp_path: Path, sshd_factory: Callable[..., SshdServer]
) -> None:
    servers = {}
    for name in ("vnode1", "vnode2"):
        s = sshd_factory(name, start=False)
        install_stack_tools(s.bin_dir, tmp_path / f"calls-{name}")
        s.start()
        servers[name] = s
    cfg = _config(tmp_path, servers, free_port())

    live = hatui("--once", "--format", "json", "--config", str(cfg))
    captured = hatui("capture", str(tmp_path / "cap"), "--config", str(cfg))
    assert captured.returncode == 0, captured.stderr
    assert "vnode3: unreachable: " in captured.stdout
    assert "vnode1: ok; " in captured.stdout and "crm_mon output-as-xml (2.1.5)" in captured.stdout

    manifest = json.loads((tmp_path / "cap" / "manifest.json").read_text())
    assert manifest["schema"] == "hatui.capture/1" and manifest["cluster"] == "lab"
    assert manifest["nodes"]["vnode1"]["stack"]["drbd"] == "9-json"
    assert manifest["nodes"]["vnode3"]["reachable"] is False
    assert (tmp_path / "cap" / "vnode1" / "crm_mon.xml").read_text().startswith("<pacemaker-result")
    assert "refused" in (tmp_path / "cap" / "vnode3" / "unreachable").read_text()

    replay = hatui("--once", "--format", "json", "--replay", str(tmp_path / "cap"))
    assert live.returncode == replay.returncode == 1, (live.stderr, replay.stderr)
    a, b = json.loads(live.stdout), json.loads(replay.stdout)
    assert _comparable(a) == _comparable(b)
    # The snapshot is a real one: the lab's DC, DRBD 9 JSON resources and the dead node.
    assert a["cluster"]["dc"] == "vnode1"
    assert {(d["node"], d["resource"]) for d in a["drbd"]} == {
        (n, r) for n in ("vnode1", "vnode2") for r in ("1-single-0", "1-single-1")
    }
    reach = {n["name"]: n["reachable"] for n in a["nodes"]}
    assert (reach["vnode1"], reach["vnode2"], reach["vnode3"]) == (True, True, False)
    assert b["nodes"][0]["detected_stack"] == a["nodes"][0]["detected_stack"] != "not detected"
    # The storage layer comes back too: each DRBD resource's backing LV on both nodes, joined.
    backing = {
        (lv["node"], lv["drbd_resource"], lv["vg"], lv["name"], lv["size_bytes"])
        for lv in b["storage"]["logical_volumes"]
    }
    resources = ("1-single-0", "1-single-1")
    assert backing == {(n, r, "vg0", r, 512 * 1024 * 1024) for n in ("vnode1", "vnode2") for r in resources}
    assert [s["session_state"] for s in b["storage"]["iscsi_sessions"]] == ["LOGGED_IN", "LOGGED_IN"]
