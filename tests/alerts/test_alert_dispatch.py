"""Alert delivery with real processes: the command reads hatui.alert/1 on stdin; one that hangs is
killed at its time limit with what it started; failing and missing commands are logged; mail goes
through a ``sendmail`` stand-in called as ``sendmail -t -oi``, its subject one inert line."""

from __future__ import annotations

import asyncio
import contextlib
import email
import json
import os
import signal
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

from alert_support import alive, ended, script, wait_for, written

from hatui.alerts.dispatch import MAX_PENDING, WORKERS, Dispatcher
from hatui.alerts.engine import Alert
from hatui.alerts.payload import alert_dict
from hatui.alerts.rules import AlertRule, MailTarget
from hatui.model.health_types import CRITICAL, Problem

AT = datetime(2026, 12, 5, 3, 12, 4, tzinfo=UTC)
SINCE = datetime(2026, 12, 5, 3, 11, 30, tzinfo=UTC)
DOWN = Problem(CRITICAL, "node-offline", "vnode2", "vnode2", "vnode2 is offline", kind="node")


def alert(rule: AlertRule, problem: Problem = DOWN, state: str = "new") -> Alert:
    return Alert(rule, state, problem, SINCE, AT, "CRITICAL")


async def deliver(rule: AlertRule, problem: Problem = DOWN) -> list[str]:
    """Sends one alert and waits until it is delivered or given up; returns the log lines."""
    log: list[str] = []
    dispatcher = Dispatcher("prod", "monitor1", log.append)
    dispatcher.submit(alert(rule, problem))
    await dispatcher.aclose(grace_s=30)
    return log


async def test_the_command_reads_the_alert_as_json_on_stdin(tmp_path: Path) -> None:
    out = tmp_path / "alert.json"
    page = script(tmp_path, "page", 'cat > "$1"\n')
    log = await deliver(AlertRule("page-admins", command=(page, str(out))))
    assert log == []
    doc = json.loads(out.read_text())
    assert doc == {
        "schema": "hatui.alert/1",
        "cluster": "prod",
        "rule": "page-admins",
        "state": "new",
        "problem": {
            "severity": "critical",
            "code": "node-offline",
            "subject": "vnode2",
            "node": "vnode2",
            "message": "vnode2 is offline",
            "kind": "node",
        },
        "since": "2026-12-05T03:11:30Z",
        "at": "2026-12-05T03:12:04Z",
        "verdict": "CRITICAL",
        "host": "monitor1",
    }


async def test_a_command_that_hangs_is_killed_at_its_time_limit_with_what_it_started(tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    hang = script(
        tmp_path, "hang", f'sleep 600 &\necho "$$ $!" > {pids}\necho "waiting on the relay" >&2\nwait\n'
    )
    log = await deliver(AlertRule("page", command=(hang,), time_limit_s=0.5))
    assert log == [
        f"alert page (new node-offline vnode2): {hang} still running after 0.5s, killed: waiting on the relay"
    ]
    shell, sleeper = (int(p) for p in pids.read_text().split())
    try:
        assert not alive(shell)
        assert await ended(sleeper)  # the command's own child went with it
    finally:  # leave nothing behind, also when the test fails
        if alive(sleeper):
            with contextlib.suppress(ProcessLookupError):
                os.kill(sleeper, signal.SIGKILL)


async def test_a_failing_command_is_logged_with_its_status_and_last_error_line(tmp_path: Path) -> None:
    fail = script(
        tmp_path, "fail", "cat >/dev/null\necho 'first line' >&2\necho 'relay refused: 550' >&2\nexit 3\n"
    )
    log = await deliver(AlertRule("page", command=(fail,)))
    assert log == [
        f"alert page (new node-offline vnode2): {fail} failed with exit status 3: relay refused: 550"
    ]


async def test_a_missing_command_is_logged(tmp_path: Path) -> None:
    missing = str(tmp_path / "no-such-pager")
    log = await deliver(AlertRule("page", command=(missing,)))
    assert log == [f"alert page (new node-offline vnode2): cannot run {missing}: No such file or directory"]


async def test_a_command_that_ignores_its_input_is_not_a_failure(tmp_path: Path) -> None:
    assert await deliver(AlertRule("page", command=(script(tmp_path, "deaf", "exit 0\n"),))) == []


async def test_stopping_kills_what_still_runs_and_says_what_was_not_sent(tmp_path: Path) -> None:
    started = tmp_path / "started"
    hang = script(tmp_path, "hang", f"echo $$ > {started}\nexec sleep 600\n")
    log: list[str] = []
    dispatcher = Dispatcher("prod", "monitor1", log.append)
    rule = AlertRule("page", command=(hang,), time_limit_s=600)
    dispatcher.submit(alert(rule))
    await wait_for(started)
    await dispatcher.aclose(grace_s=0.2)
    assert await ended(int(started.read_text()))
    assert log == [
        "1 alert(s) of cluster prod not sent: hatui stopped first (what still ran after 0.2s was killed)"
    ]
    dispatcher.submit(alert(rule))  # after closing: refused, logged
    assert log[-1] == "alert page (new node-offline vnode2): not sent, hatui is stopping"


def sendmail_stand_in(tmp_path: Path) -> tuple[str, Path, Path]:
    args, message = tmp_path / "sendmail.args", tmp_path / "sendmail.msg"
    path = script(tmp_path, "sendmail", f'printf "%s\\n" "$@" > {args}\ncat > {message}\n')
    return path, args, message


async def test_mail_goes_through_sendmail_t_oi_with_headers_and_the_alert_in_the_body(tmp_path: Path) -> None:
    sendmail, args, message = sendmail_stand_in(tmp_path)
    target = MailTarget(("ops@example.org", "oncall@example.org"), "hatui@monitor1.example.org", sendmail)
    log = await deliver(AlertRule("mail-ops", mail=target))
    assert log == []
    assert args.read_text().split() == ["-t", "-oi"]
    msg = email.message_from_bytes(message.read_bytes(), policy=default)
    assert isinstance(msg, EmailMessage)
    assert msg["To"] == "ops@example.org, oncall@example.org"
    assert msg["From"] == "hatui@monitor1.example.org"
    assert msg["Subject"] == "hatui prod: NEW critical node-offline vnode2: vnode2 is offline"
    assert msg["Auto-Submitted"] == "auto-generated"
    body = msg.get_body(("plain",))
    assert body is not None
    text = body.get_content()
    assert "Message:  vnode2 is offline" in text
    assert "Seen by:  monitor1" in text
    document = json.loads(text[text.index("{") :])
    assert (document["schema"], document["state"], document["problem"]["code"]) == (
        "hatui.alert/1",
        "new",
        "node-offline",
    )


async def test_remote_text_cannot_add_a_mail_header_or_act_on_a_terminal(tmp_path: Path) -> None:
    sendmail, _, message = sendmail_stand_in(tmp_path)
    evil = Problem(
        CRITICAL,
        "resource-failed",
        "vm\r\nBcc: thief@evil.example",
        "vnode3",
        "failed\nBcc: thief@evil.example\x1b]52;c;AAAA\x07 \u202eexe.txt",
        kind="resource",
    )
    log = await deliver(AlertRule("mail-ops", mail=MailTarget(("ops@example.org",), None, sendmail)), evil)
    assert log == []
    raw = message.read_bytes()
    msg = email.message_from_bytes(raw, policy=default)
    assert msg["Bcc"] is None
    expected = {"to", "subject", "date", "message-id", "auto-submitted", "content-type"}
    expected |= {"content-transfer-encoding", "mime-version"}
    assert [k for k in msg if k.lower() not in expected] == []
    subject = msg["Subject"]
    assert "\n" not in subject and "\r" not in subject and "\x1b" not in subject
    assert "vm\\x0d\\x0aBcc: thief@evil.example" in subject
    assert "\\x1b]52;c;AAAA\\x07" in subject and "\\u202e" in subject
    body = msg.get_body(("plain",))
    assert body is not None
    text = body.get_content()
    assert "\x1b" not in text and "\u202e" not in text
    assert json.loads(text[text.index("{") :])["problem"]["message"] == evil.message  # the data, intact


def test_the_readme_shows_every_field_of_the_alert_document() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme[readme.index("## Alerts") :]
    block = section[section.index("```json\n") + 8 : section.index("\n```", section.index("```json"))]
    shown = json.loads(block)
    made = alert_dict(alert(AlertRule("page-admins", command=("/bin/true",))), "faculty", "monitor1")
    assert shown.keys() == made.keys()
    assert shown["problem"].keys() == made["problem"].keys()
    assert shown == made


def runs(count: Path) -> int:
    return len(count.read_text().split()) if written(count) else 0


async def test_past_the_queue_bound_an_alert_is_dropped_and_logged(tmp_path: Path) -> None:
    release, count = tmp_path / "release", tmp_path / "count"
    # Every run notes itself, then waits (bounded) for the test to let it go.
    body = f"cat >/dev/null\necho x >> {count}\ni=0\n"
    body += f"while [ ! -e {release} ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done\n"
    rule = AlertRule("page", command=(script(tmp_path, "wait", body),), time_limit_s=60)
    log: list[str] = []
    dispatcher = Dispatcher("prod", "monitor1", log.append)
    for _ in range(WORKERS):
        dispatcher.submit(alert(rule))
    for _ in range(WORKERS * 100):  # until every worker holds one (bounded)
        if runs(count) == WORKERS:
            break
        await asyncio.sleep(0.02)
    for _ in range(MAX_PENDING):
        dispatcher.submit(alert(rule))
    assert log == []
    dispatcher.submit(alert(rule))
    assert log == [
        f"alert page (new node-offline vnode2): dropped, {MAX_PENDING} alerts are already waiting to be sent"
    ]
    release.touch()
    await dispatcher.aclose(grace_s=60)
    assert dispatcher.delivered == WORKERS + MAX_PENDING
    assert runs(count) == WORKERS + MAX_PENDING
