"""``hatui --once --all``: every cluster of the config, asked side by side, exit code the worst one's.

Real runs: the console script on the demo fleet, and clusters behind real sshd servers on loopback
(one whose port is closed). The rule of the exit code itself is tested in ``unit/test_fleet.py``.
"""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from support import needs_shared
from support.sshd import CRM_MON_XML, SshdServer, free_port, install_stack_tools, sshd_factory

__all__ = ["sshd_factory"]  # the fixture, imported for pytest

ROOT = Path(__file__).resolve().parents[1]
HEALTHY = str(ROOT / "tests" / "replays" / "healthy")
FLEET = ["demo-seed", "demo-modern", "demo-faulted"]


def hatui(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hatui", *args], capture_output=True, text=True, check=False, timeout=timeout
    )


def test_demo_fleet_text_is_a_line_per_cluster_then_each_snapshot_in_order() -> None:
    out = hatui("--once", "--demo", "--all")
    assert out.returncode == 2, out.stderr  # the faulted cluster's split-brain is critical
    lines = out.stdout.splitlines()
    assert lines[0] == "fleet: 3 clusters, worst CRITICAL"
    summary = lines[1:4]
    for line, name in zip(summary, FLEET, strict=True):
        assert f" {name}: " in line and "nodes 3/3 up" in line and " running" in line and "N+1 " in line
    assert summary[1].split()[0] == "WARNING" and "(read-only)" in summary[1]
    assert summary[2].split()[0] == "CRITICAL" and "critical: DRBD www-root split-brain" in summary[2]
    # Then each cluster's own snapshot, headed by its name and verdict, in config order.
    heads = [i for i, line in enumerate(lines) if line.startswith(tuple(f"{n}: " for n in FLEET))]
    assert [lines[i].split(":")[0] for i in heads] == FLEET
    assert "[CRITICAL]" in lines[heads[2]] and "[CRITICAL]" not in lines[heads[0]]


@pytest.mark.parametrize("fmt", ["json", "yaml"])
def test_demo_fleet_data_is_a_list_of_snapshots_in_config_order(fmt: str) -> None:
    out = hatui("--once", "--demo", "--all", "--format", fmt)
    assert out.returncode == 2, out.stderr
    data: list[dict[str, Any]] = json.loads(out.stdout) if fmt == "json" else yaml.safe_load(out.stdout)
    assert isinstance(data, list) and len(data) == 3
    assert {d["schema"] for d in data} == {"hatui.snapshot/1"}
    assert [d["cluster"]["name"].split(":")[0] for d in data] == FLEET
    assert [d["health"]["status"] for d in data] == ["WARNING", "WARNING", "CRITICAL"]
    # Each object is the whole snapshot, as --once --cluster NAME prints it.
    one = json.loads(hatui("--once", "--demo", "--format", "json").stdout)
    assert set(data[0]) == set(one)


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["--once", "--all", "--cluster", "lab", "--demo"], "not allowed with argument --cluster"),
        (["--once", "--all", "--replay", HEALTHY], "not allowed with argument --replay"),
        (["--once", "--demo", "--all", "capture", "/nonexistent"], "--all does not go with the capture"),
    ],
)
def test_all_usage_errors_are_unknown(args: list[str], error: str) -> None:
    out = hatui(*args)
    assert out.returncode == 3, (out.returncode, out.stderr)
    assert out.stdout == ""
    assert error in out.stderr.splitlines()[-1]


def test_help_documents_the_fleet_exit_code() -> None:
    out = hatui("--help")
    assert "--all" in out.stdout
    assert "CRITICAL > UNKNOWN > WARNING > OK" in " ".join(out.stdout.split())


#: Runs main(argv) and prints {"rc": exit code, "textual": whether Textual got imported}.
WRAPPER = """\
import contextlib, io, json, sys
from hatui.cli import main
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    rc = main(sys.argv[1:])
print(json.dumps({"rc": rc, "ui": sorted(m for m in sys.modules if m.startswith(("textual", "hatui.ui")))}))
"""


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_once_all_imports_no_console(fmt: str) -> None:
    out = subprocess.run(
        [sys.executable, "-c", WRAPPER, "--once", "--all", "--demo", "--format", fmt],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result == {"rc": 2, "ui": []}


def _node(server: SshdServer, name: str) -> str:
    return (
        f"{{name: {name}, host: {server.host}, port: {server.port}, user: root, "
        f"identity_file: {server.client_key}}}"
    )


@needs_shared
def test_clusters_are_asked_side_by_side_and_a_closed_one_makes_the_fleet_unknown(
    tmp_path: Path, sshd_factory: Callable[..., SshdServer]
) -> None:
    """``first``'s crm_mon waits for a file that only ``second``'s crm_mon creates: asked one after
    the other (config order), ``first`` would time out unread. ``gone``'s port is closed."""
    flag = tmp_path / "second-was-asked"
    q = shlex.quote
    waiting = sshd_factory("first", start=False)
    wait = f"i=0; while [ ! -e {q(str(flag))} ] && [ $i -lt 150 ]; do sleep 0.1; i=$((i+1)); done"
    install_stack_tools(
        waiting.bin_dir, tmp_path / "calls-first", crm_mon_status=f"{wait}; cat {q(str(CRM_MON_XML))}"
    )
    asking = sshd_factory("second", start=False)
    touch = f"touch {q(str(flag))}; cat {q(str(CRM_MON_XML))}"
    install_stack_tools(asking.bin_dir, tmp_path / "calls-second", crm_mon_status=touch)
    known = tmp_path / "known_hosts"
    for server in (waiting, asking):
        server.start()
        server.trust(known)
    closed = free_port()
    lines = ["clusters:"]
    # ``first`` gives up on a command after 8 s: well before the wait ends on its own (15 s).
    lines += ["  first:", f"    known_hosts: {known}", "    command_timeout: 8", "    nodes:"]
    lines.append(f"      - {_node(waiting, 'vnode1')}")
    lines += ["  second:", f"    known_hosts: {known}", "    nodes:", f"      - {_node(asking, 'vnode1')}"]
    lines += ["  gone:", f"    known_hosts: {known}", "    connect_timeout: 2", "    nodes:"]
    lines.append(f"      - {{name: vnode9, host: 127.0.0.1, port: {closed}, user: root}}")
    config = tmp_path / "hatui.yaml"
    config.write_text("\n".join(lines) + "\n")

    out = hatui(
        "--once", "--all", "--config", str(config), "--format", "json", "--ignore", "stonith-disabled"
    )
    data = json.loads(out.stdout)
    assert [d["cluster"]["name"] for d in data] == ["first", "second", "gone"]
    status = {d["cluster"]["name"]: d["health"]["status"] for d in data}
    # Both answering clusters were read whole: their crm_mon answered within its timeout.
    for d in data[:2]:
        assert d["cluster"]["dc"] is not None, d["errors"]
        assert [n["reachable"] for n in d["nodes"] if n["name"] == "vnode1"] == [True]
    assert status["gone"] == "UNKNOWN"
    assert status["first"] in ("OK", "WARNING") and status["second"] in ("OK", "WARNING")
    # UNKNOWN outranks OK and WARNING: a cluster nobody could read may be down.
    assert out.returncode == 3, out.stderr
    assert any(line.startswith("gone: vnode9: unreachable: ") for line in out.stderr.splitlines())
    assert "gone: no node could be read" in out.stderr.splitlines()
    assert not [line for line in out.stderr.splitlines() if line.startswith(("first:", "second:"))]
