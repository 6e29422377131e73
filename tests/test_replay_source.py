"""Replay is one more source: the console and --once read it alike, as finished reports or captures.

A replay's manifest keeps the detected stack as strings; the flavours read them back as Enums and
refuse one hatui does not know with one line, never a traceback.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

from hatui.model.report import NodeReport
from hatui.model.stack import CrmMonFlavour, StackInfo, VmTool
from hatui.replay import read_replay_dir, replay_config, write_capture_dir
from hatui.sources.make import collect
from hatui.sources.poller import ReplayPoller

ROOT = Path(__file__).resolve().parents[1]
DEGRADED = ROOT / "tests" / "replays" / "degraded"


def _once(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hatui", "--once", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_replay_source_answers_polls_with_parsed_reports() -> None:
    source = ReplayPoller.from_dir(DEGRADED)
    report = asyncio.run(source.poll(source.nodes[0]))
    assert isinstance(report, NodeReport)
    assert report.pacemaker is not None and report.drbd is not None and report.domains is not None
    missing = asyncio.run(source.poll("nobody"))
    assert missing.unreachable == "not in the replay"


def test_once_and_the_console_read_the_same_replay_source() -> None:
    cluster = replay_config(DEGRADED).cluster()
    once = asyncio.run(collect(cluster, replay=DEGRADED))
    console = ReplayPoller.from_dir(DEGRADED)
    assert once == console.captures == read_replay_dir(DEGRADED)
    polled = [asyncio.run(console.poll(n)) for n in console.nodes]
    assert [r.node for r in polled] == [c.node for c in once]


def test_stack_flavours_round_trip_through_a_capture_as_strings(tmp_path: Path) -> None:
    caps = read_replay_dir(DEGRADED)
    stack = StackInfo(crm_mon=CrmMonFlavour.AS_XML, vm_tool=VmTool.ABSENT, corosync_tools=False)
    stacked = [replace(c, stack=stack) for c in caps]
    write_capture_dir(tmp_path / "cap", stacked, cluster="c")
    manifest = json.loads((tmp_path / "cap" / "manifest.json").read_text())
    first = manifest["nodes"][caps[0].node]["stack"]
    assert first["crm_mon"] == "as-xml" and first["vm_tool"] == "absent"
    back = read_replay_dir(tmp_path / "cap")
    assert back[0].stack.crm_mon is CrmMonFlavour.AS_XML and back[0].stack.vm_tool is VmTool.ABSENT


def test_an_unknown_flavour_in_a_manifest_is_one_line_exit_3(tmp_path: Path) -> None:
    d = tmp_path / "replay"
    shutil.copytree(DEGRADED, d)
    node = sorted(p.name for p in d.iterdir() if p.is_dir())[0]
    (d / "manifest.json").write_text(json.dumps({"nodes": {node: {"stack": {"vm_tool": "kvm"}}}}))
    out = _once("--replay", str(d))
    assert out.returncode == 3, out.stderr
    assert "Traceback" not in out.stderr and len(out.stderr.splitlines()) == 1, out.stderr
    assert f"nodes.{node}.stack.vm_tool" in out.stderr and "xl, xm, virsh, absent" in out.stderr
