"""The audit log: a record on disk before an action runs and when it ends; ``hatui log`` prints it."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from actions_support import bench

from hatui.actions.audit import AuditLog, default_path, format_record, log_main, read_log
from hatui.actions.move import plan_move
from hatui.actions.plans import plan_resource
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
    with pytest.raises(ActionRefused, match="cannot write the audit log"):
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
    b = bench(tmp_path)
    await b.runner.run(plan_resource(await b.context(), "ban_resource", "vconf", "vnode1"))
    with b.audit_path.open("a") as f:
        f.write('{"event": "start", "cut sh')  # a record cut short by a crash
    records = read_log(b.audit_path)
    assert [r["event"] for r in records] == ["start", "end"]
    assert log_main(["--path", str(b.audit_path)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].endswith(
        "tester demo start ban_resource vconf: [vnode1] crm_resource --ban -r vconf -N vnode1"
    )
    assert (
        " tester demo end ban_resource vconf: OK: vconf is banned from vnode1 [crm_resource --ban -r=0]"
        in out[1]
    )
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
