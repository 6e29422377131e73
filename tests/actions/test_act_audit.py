"""The audit log: a record on disk before an action runs and when it ends; ``hatui log`` prints it."""

from __future__ import annotations

import json
import socket
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from actions_support import bench

from hatui.actions.audit import AuditLog, AuditWriteError, default_path, format_record, log_main, read_log
from hatui.actions.catalog import plan_action
from hatui.actions.move import plan_move
from hatui.errors import ActionRefused


def test_default_path_follows_xdg_state_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("XDG_STATE_HOME", raising=False)
    assert default_path() == Path.home() / ".local" / "state" / "hatui" / "audit.log"
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    assert default_path() == tmp_path / "state" / "hatui" / "audit.log"


def test_records_are_json_lines_private_to_the_user(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "deep" / "audit.log", user="alice")
    log.refused("prod", "standby", "vnode1", "no quorum")
    log.append({"event": "note", "x": "ünïcode; $(rm -rf /)"})
    lines = (tmp_path / "deep" / "audit.log").read_text().splitlines()
    first, second = (json.loads(line) for line in lines)
    assert first["who"] == "alice" and first["event"] == "refused" and first["reason"] == "no quorum"
    assert first["when"].endswith("+00:00")
    assert second["x"] == "ünïcode; $(rm -rf /)"
    assert stat.S_IMODE((tmp_path / "deep" / "audit.log").stat().st_mode) == 0o600


def test_a_log_that_cannot_be_written_refuses_the_action(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(AuditWriteError, match="cannot write the audit log"):
        AuditLog(blocker / "audit.log").append({"event": "start"})


async def test_nothing_runs_unrecorded(tmp_path: Path) -> None:
    b = bench(tmp_path, fast=False)
    blocker = tmp_path / "file"
    blocker.write_text("")
    b.runner.audit = AuditLog(blocker / "audit.log")
    with pytest.raises(ActionRefused, match="cannot write the audit log"):
        await b.runner.run(plan_move(await b.context(), "sentinel", "vnode2"))
    assert b.writes() == []


async def test_hatui_log_prints_start_and_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    b = bench(tmp_path, generation="modern")
    await b.runner.run(plan_action(await b.context(), "ban_resource", "vconf", "vnode1"))
    with b.audit_path.open("a") as f:
        f.write('{"event": "start", "cut sh')  # a record cut short by a crash
    records = read_log(b.audit_path)
    assert [r["event"] for r in records] == ["start", "end"]
    assert log_main(["--path", str(b.audit_path)]) == 0
    out = capsys.readouterr().out.splitlines()
    me = f"tester@{socket.gethostname()}"
    # The in-flight marker is written first and removed last (hatui.actions.marking).
    assert f"{me} demo start ban_resource vconf: [vnode1] cibadmin -C -o constraints -X" in out[0]
    assert "; [vnode1] crm_resource --ban -r vconf -N vnode1; [vnode1] cibadmin -D" in out[0]
    assert (
        f" {me} demo end ban_resource vconf: OK: vconf is banned from vnode1 "
        "[cibadmin -C -o=0, crm_resource --ban -r=0, cibadmin -D -o=0]"
    ) in out[1]
    assert log_main(["--path", str(b.audit_path), "-n", "1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["event"] == "end"
    assert (
        format_record(
            {
                "event": "refused",
                "when": "t",
                "who": "u",
                "cluster": "c",
                "action": "a",
                "target": "x",
                "reason": "why",
            }
        )
        == "t u c refused a x: why"
    )


OSC52 = "vm\x1b]52;c;cm0gLXJmIH4=\x07web"


def test_hatui_log_prints_remote_text_inert(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = AuditLog(tmp_path / "audit.log", user="alice")
    log.append(
        {
            "event": "start",
            "cluster": "c\x9b2J",
            "action": "vm_console",
            "target": OSC52,
            "commands": [{"node": "n1\u202e", "argv": ["xl", "console", OSC52]}],
        }
    )
    log.append(
        {
            "event": "end",
            "action": "vm_console",
            "target": OSC52,
            "ok": False,
            "outcome": "\x1b[2J",
            "results": [{"argv": ["xl", "console", OSC52], "exit_status": 1}],
            "left": ["x\x07"],
        }
    )
    log.refused("c", "vm_console", OSC52, "reason \x1b[31m")
    assert log_main(["--path", str(tmp_path / "audit.log")]) == 0
    out = capsys.readouterr().out
    assert not any(ord(ch) < 32 and ch != "\n" or 0x7F <= ord(ch) <= 0x9F for ch in out)
    assert "\u202e" not in out
    assert out.count("vm\\x1b]52;c;cm0gLXJmIH4=\\x07web") == 5
    assert "c\\x9b2J" in out and "[n1\\u202e]" in out and "FAILED: \\x1b[2J (left: x\\x07)" in out
    assert log_main(["--path", str(tmp_path / "audit.log"), "--json"]) == 0
    raw = capsys.readouterr().out
    assert not any(ord(ch) < 32 and ch != "\n" or ord(ch) >= 0x7F for ch in raw)
    assert json.loads(raw.splitlines()[0])["target"] == OSC52, "the JSON still holds the exact name"


def test_hatui_log_into_head_ends_quietly(tmp_path: Path) -> None:
    path = tmp_path / "audit.log"
    log = AuditLog(path, user="alice")
    for i in range(3000):
        log.refused("prod", "standby", f"vnode{i}", "no quorum " + "x" * 100)
    hatui = subprocess.Popen(
        [sys.executable, "-m", "hatui", "log", "--path", str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert hatui.stdout is not None and hatui.stderr is not None
    head = subprocess.run(["head", "-1"], stdin=hatui.stdout, capture_output=True, check=True, timeout=60)
    hatui.stdout.close()  # only head reads it now: hatui's writes meet a closed pipe
    err = hatui.stderr.read().decode()
    assert hatui.wait(timeout=60) == 0
    assert err == ""
    assert (
        head.stdout.decode().count("\n") == 1 and "refused standby vnode0: no quorum" in head.stdout.decode()
    )
