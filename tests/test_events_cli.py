"""``hatui events`` and ``--at``: a journal's events and moments on the command line."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from hatui.cli import main
from hatui.journal.events_cli import parse_when
from hatui.journal.store import Journal
from hatui.model.capture import NodeCapture
from hatui.model.events import ClusterEvent, EventKind
from hatui.replay import write_capture_dir
from support.timeline_scene import CLUSTER, VICTIM, VM, Night, record_night


@pytest.fixture(scope="module")
def night(tmp_path_factory: pytest.TempPathFactory) -> Night:
    return record_night(tmp_path_factory.mktemp("night") / "journal")


def iso(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_text_lists_every_event_oldest_first(night: Night, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["events", "--replay", str(night.path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    with Journal.open(night.path) as j:
        events = j.events()
    assert len(lines) == len(events)
    first = lines[0].split()
    assert first[:2] == [f"{events[0].at:%Y-%m-%d}", f"{events[0].at:%H:%M:%S}Z"]
    assert first[3:5] == ["node-unreachable", VICTIM]
    assert [ln.split()[3] for ln in lines] == [e.kind for e in events]
    kinds = {ln.split()[3] for ln in lines}
    assert {"node-offline", "resource-started", "problem-new", "action"} <= kinds
    assert lines[-1].split()[3:5] == ["action", VM]


def test_since_and_until_bound_the_list_both_included(
    night: Night, capsys: pytest.CaptureFixture[str]
) -> None:
    with Journal.open(night.path) as j:
        events = j.events()
    since, until = events[1].at, events[-2].at
    want = [e for e in events if since <= e.at <= until]
    assert 0 < len(want) < len(events)
    assert main(["events", "--replay", str(night.path), "--since", iso(since), "--until", iso(until)]) == 0
    assert len(capsys.readouterr().out.splitlines()) == len(want)


def test_json_is_the_events_schema(night: Night, capsys: pytest.CaptureFixture[str]) -> None:
    since = night.fault_at + timedelta(seconds=10)
    assert main(["events", "--replay", str(night.path), "--since", iso(since), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["schema"] == "hatui.events/1"
    assert doc["cluster"] == CLUSTER
    assert doc["since"] == since.isoformat() and doc["until"] is None
    with Journal.open(night.path) as j:
        assert doc["events"] == [e.to_dict() for e in j.events(since=since)]
    assert doc["events"][-1]["kind"] == "action"


def test_remote_text_cannot_drive_the_terminal(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    at = datetime(2026, 12, 5, 3, 0, tzinfo=UTC)
    with Journal.open(tmp_path / "j", create=True, cluster="c") as j:
        evil = ClusterEvent(
            at, EventKind.RESOURCE_FAILED, "vm\x1b[2J", "n1", "bad\x1b]0;owned\x07\nnext", "critical"
        )
        j.write_poll(NodeCapture("n1", collected_at=at), status="CRITICAL", problems=[], events=[evil])
    assert main(["events", "--replay", str(tmp_path / "j")]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out
    assert out.count("\n") == 1  # one event, one line
    assert main(["events", "--replay", str(tmp_path / "j"), "--format", "json"]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out
    assert json.loads(out)["events"][0]["subject"] == "vm\x1b[2J"  # JSON keeps the data, escaped


def test_no_journal_is_one_line_and_exit_3(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cap = tmp_path / "cap"
    write_capture_dir(cap, [NodeCapture("n1", outputs={"uname.txt": "x"})])
    assert main(["events", "--replay", str(cap)]) == 3
    err = capsys.readouterr().err
    assert "a capture directory" in err and err.count("\n") == 1
    assert main(["events"]) == 3  # no config: no cluster to find the default journal of
    assert "no config file" in capsys.readouterr().err
    assert main(["events", "--demo"]) == 3
    assert "hatui record writes one there" in capsys.readouterr().err
    (tmp_path / "junk").write_text("not sqlite")
    assert main(["events", "--replay", str(tmp_path / "junk")]) == 3
    assert "not a journal" in capsys.readouterr().err


def test_a_bad_time_is_a_usage_error_showing_the_forms(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["events", "--replay", "x", "--since", "yesterday"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "not a time: 'yesterday'" in err and "2026-12-05T03:12" in err


def test_at_needs_a_journal(tmp_path: Path, night: Night, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--at", "2026-12-05T03:00"])
    assert "--replay JOURNAL" in capsys.readouterr().err
    cap = tmp_path / "cap"
    write_capture_dir(cap, [NodeCapture("n1", outputs={"uname.txt": "x"})])
    assert main(["--once", "--replay", str(cap), "--at", "2026-12-05T03:00Z"]) == 3
    assert "--at needs a journal" in capsys.readouterr().err
    with pytest.raises(SystemExit):  # --at is the console's and --once's, not the list's
        main(["events", "--replay", str(night.path), "--at", "2026-12-05T03:00Z"])


def test_once_at_prints_that_moment(night: Night, capsys: pytest.CaptureFixture[str]) -> None:
    at = night.fault_at + timedelta(seconds=30)
    code = main(["--once", "--replay", str(night.path), "--at", iso(at), "--format", "json"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 2 and doc["health"]["status"] == "CRITICAL"
    assert datetime.fromisoformat(doc["generated_at"]) == at
    assert [d["node"] for d in doc["domains"] if d["name"] == VM] == ["vnode2"]
    # Without --at: the last poll; before the fault: the calm cluster with the VM on the victim.
    assert main(["--once", "--replay", str(night.path), "--format", "json"]) == 2
    capsys.readouterr()
    calm = night.fault_at - timedelta(seconds=3)
    code = main(["--once", "--replay", str(night.path), "--at", iso(calm), "--format", "json"])
    out, err = capsys.readouterr()
    assert code == 1 and [d["node"] for d in json.loads(out)["domains"] if d["name"] == VM] == [VICTIM]
    assert "nothing recorded" not in err
    # Long after the recording: the last moment it saw, dated then, and a line saying so.
    later = night.statuses[-1][0] + timedelta(hours=2)
    assert main(["--once", "--replay", str(night.path), "--at", iso(later), "--format", "json"]) == 2
    out, err = capsys.readouterr()
    assert datetime.fromisoformat(json.loads(out)["generated_at"]) == later
    last = night.statuses[-1][0]
    assert f"nothing recorded between {last:%Y-%m-%d %H:%M:%S} UTC (the last poll) and" in err


def test_once_before_the_journal_is_unknown(night: Night, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--once", "--replay", str(night.path), "--at", "2020-01-01T00:00Z"]) == 3
    err = capsys.readouterr().err
    assert "nothing recorded at 2020-01-01 00:00:00 UTC" in err and err.count("\n") == 1


@pytest.fixture
def rome(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "Europe/Rome")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.usefixtures("rome")
def test_parse_when_forms() -> None:
    utc = datetime(2026, 12, 5, 3, 12, tzinfo=UTC)
    assert parse_when("2026-12-05T03:12Z") == utc
    assert parse_when("2026-12-05T03:12:00+00:00") == utc
    assert parse_when("2026-12-05T04:12+01:00") == utc
    # No zone: this machine's local time (Rome is UTC+1 in December).
    assert parse_when("2026-12-05T04:12") == utc
    assert parse_when("2026-12-05 04:12:30") == utc + timedelta(seconds=30)
    assert parse_when("2026-12-05") == datetime(2026, 12, 4, 23, 0, tzinfo=UTC)
    for bad in ("", "03:12", "tomorrow", "2026-13-01T00:00"):
        with pytest.raises(ValueError, match="not a time"):
            parse_when(bad)


def test_without_replay_the_recorders_default_journal_of_the_cluster(
    night: Night, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    state = tmp_path / "state"
    (state / "hatui" / "journal").mkdir(parents=True)
    (state / "hatui" / "journal" / CLUSTER).symlink_to(night.path)
    monkeypatch.setenv("XDG_STATE_HOME", str(state))
    config = tmp_path / "hatui.yaml"
    config.write_text(f"clusters:\n  {CLUSTER}:\n    nodes:\n      - {{name: {VICTIM}, host: 127.0.0.1}}\n")
    assert main(["events", "--config", str(config), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["cluster"] == CLUSTER and doc["events"][0]["kind"] == "node-unreachable"


def test_once_and_events_over_a_journal_never_load_textual(night: Night) -> None:
    # hatui --once runs where no terminal exists (a monitoring check): a journal changes nothing.
    code = (
        "import contextlib, io, sys\n"
        "from hatui.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):\n"
        f"    main(['--once', '--replay', {str(night.path)!r}])\n"
        f"    main(['events', '--replay', {str(night.path)!r}])\n"
        "assert 'textual' not in sys.modules, 'textual imported'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
