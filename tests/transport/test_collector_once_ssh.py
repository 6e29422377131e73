"""One round trip per node for a ``--once`` that knows the nodes, over a REAL sshd: the first run
detects (probes, then the poll), a later one sends ONE remote command per node; a node whose tools
changed in between is detected again and never receives a command chosen for its old tools."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from support import needs_shared
from support.sshd import SshdServer, install_stack_tools, sshd_factory

__all__ = ["sshd_factory"]  # the fixture, imported for pytest

pytestmark = needs_shared

#: Pacemaker 1.0.9's crm_mon as a stand-in: it knows neither --output-as nor --as-xml.
CRM_MON_109 = """echo "crm_mon $*" >> {calls}
case "$*" in
  *--version*) echo "crm_mon 1.0.9" ;;
  *--help-all*) echo "crm_mon: unrecognized option '--help-all'" >&2
                echo "usage: crm_mon [-V] [-p|-h|-X] [-i interval] [-1]" >&2; exit 64 ;;
  *) echo "============"; echo "Last updated: Sat Dec  5 21:00:00 2026"; echo "Current DC: vnode1" ;;
esac"""


def hatui(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hatui", *args], capture_output=True, text=True, check=False, timeout=120
    )


def config(tmp_path: Path, servers: dict[str, SshdServer]) -> Path:
    known = tmp_path / "known_hosts"
    lines = ["clusters:", "  lab:", f"    known_hosts: {known}", "    command_timeout: 10", "    nodes:"]
    for name, s in servers.items():
        s.trust(known)
        node = f"name: {name}, host: {s.host}, port: {s.port}, user: root, identity_file: {s.client_key}"
        lines.append(f"      - {{{node}}}")
    cfg = tmp_path / "hatui.yaml"
    cfg.write_text("\n".join(lines) + "\n")
    return cfg


def once(cfg: Path) -> dict[str, Any]:
    out = hatui("--once", "--format", "json", "--config", str(cfg))
    assert out.stdout.startswith("{"), out.stderr
    data: dict[str, Any] = json.loads(out.stdout)
    return data


def node(tmp_path: Path, sshd_factory: Callable[..., SshdServer], name: str) -> tuple[SshdServer, Path]:
    server = sshd_factory(name, start=False)
    calls = tmp_path / f"calls-{name}"
    install_stack_tools(server.bin_dir, calls)
    server.start()
    return server, calls


def reachable(data: dict[str, Any]) -> dict[str, bool]:
    """The configured nodes' reachability (the lab's XML names more nodes than the test runs)."""
    return {n["name"]: n["reachable"] for n in data["nodes"] if n["reachable"] is not None}


def cluster_part(data: dict[str, Any]) -> dict[str, Any]:
    """What the snapshot says about the cluster (not when it was taken)."""
    return {k: v for k, v in data.items() if k not in ("generated_at", "nodes")}


def test_a_second_once_sends_one_remote_command_per_node(
    tmp_path: Path, sshd_factory: Callable[..., SshdServer]
) -> None:
    (a, calls_a), (b, _) = node(tmp_path, sshd_factory, "vnode1"), node(tmp_path, sshd_factory, "vnode2")
    cfg = config(tmp_path, {"vnode1": a, "vnode2": b})
    first = once(cfg)
    assert (a.session_count(), b.session_count()) == (2, 2)  # the probes, then the poll
    cache = Path(os.environ["XDG_CACHE_HOME"]) / "hatui" / "stacks.json"
    assert stat.S_IMODE(cache.stat().st_mode) == 0o600
    second = once(cfg)
    assert (a.session_count(), b.session_count()) == (3, 3)
    assert cluster_part(second) == cluster_part(first) and cluster_part(first)["drbd"]
    assert [n["detected_stack"] for n in second["nodes"]] == [n["detected_stack"] for n in first["nodes"]]
    assert reachable(second) == {"vnode1": True, "vnode2": True}
    assert "crm_mon --output-as=xml" in calls_a.read_text()


def test_a_node_whose_tools_changed_is_detected_again(
    tmp_path: Path, sshd_factory: Callable[..., SshdServer]
) -> None:
    (a, calls_a), (b, calls_b) = (
        node(tmp_path, sshd_factory, "vnode1"),
        node(tmp_path, sshd_factory, "vnode2"),
    )
    cfg = config(tmp_path, {"vnode1": a, "vnode2": b})
    once(cfg)
    # vnode1 is "downgraded" to Pacemaker 1.0.9 between the runs; vnode2 stays as it was.
    a.add_tool("crm_mon", CRM_MON_109.format(calls=calls_a))
    calls_a.write_text("")
    calls_b.write_text("")
    data = once(cfg)
    # vnode1: the guarded batch (its poll not run), the volatile probes asked afresh, the new poll.
    assert a.session_count() == 5 and b.session_count() == 3
    assert "--output-as" not in calls_a.read_text()  # no command for the old crm_mon ran
    assert "crm_mon --version" in calls_a.read_text()  # the probes did run
    assert "crm_mon --output-as=xml" in calls_b.read_text()
    assert reachable(data) == {"vnode1": True, "vnode2": True}
    stacks = {n["name"]: n["detected_stack"] for n in data["nodes"]}
    assert "crm_mon text (1.0.9)" in stacks["vnode1"] and "output-as-xml" in stacks["vnode2"]
    # The cache learnt the new tools: the next run is one command per node again.
    once(cfg)
    assert a.session_count() == 6 and b.session_count() == 4
    assert "--output-as" not in calls_a.read_text()


def test_a_corrupt_cache_file_is_ignored_and_replaced(
    tmp_path: Path, sshd_factory: Callable[..., SshdServer]
) -> None:
    a, _ = node(tmp_path, sshd_factory, "vnode1")
    cfg = config(tmp_path, {"vnode1": a})
    cache = Path(os.environ["XDG_CACHE_HOME"]) / "hatui" / "stacks.json"
    cache.parent.mkdir(parents=True)
    cache.write_text('{"format": "hatui-stacks/1", "nodes": {"x": ')
    data = once(cfg)
    assert reachable(data) == {"vnode1": True} and a.session_count() == 2
    once(cfg)
    assert a.session_count() == 3
    assert json.loads(cache.read_text())["format"] == "hatui-stacks/1"
