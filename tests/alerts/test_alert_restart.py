"""Alerts through a restart of a real ``hatui record``: a node that stays unreachable is paged once
as new by the first recorder; the second, started on the same journal while it is still down, does
not page it as new again but sends its reminder; ``hatui events`` lists both alerts. A rule told
only of clearing, which sent nothing before the restart, still sends the clearing when the node
answers again after it. The answering nodes are real sshds serving the lab's real outputs."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from alert_support import lab_config, script, unreachable_rule

from hatui.alerts.listener import open_at_last_poll
from hatui.errors import HatuiError
from hatui.journal.store import Journal
from support import needs_shared
from support.sshd import SshdServer, install_stack_tools, sshd_factory
from support.waiting import wait_until

__all__ = ["sshd_factory"]  # the fixture, imported for pytest

REMINDER_S = 8


def page_command(tmp_path: Path) -> tuple[Path, str]:
    """A page command writing one line per alert into a file: the pid of the hatui that ran it,
    then the JSON it read. The file and the command."""
    out = tmp_path / "pages.txt"
    return out, script(tmp_path, "page", f'doc=$(cat)\nprintf "%s %s\\n" "$PPID" "$doc" >> {out}\n')


def pages(out: Path) -> list[tuple[int, dict[str, Any]]]:
    """The alerts the page command got: (the pid of the hatui that ran it, the document)."""
    if not out.exists():
        return []
    found = []
    for line in out.read_text().splitlines():
        pid, _, doc = line.partition(" ")
        if doc.endswith("}"):
            found.append((int(pid), json.loads(doc)))
    return found


class Recorder:
    """``hatui record`` as a child process, its stderr in a file."""

    def __init__(self, config: Path, journal: Path, tmp_path: Path, name: str) -> None:
        self.err = tmp_path / f"{name}.stderr"
        with self.err.open("w") as err:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "hatui", "record", "--config", str(config), "--dir", str(journal)],
                stdout=subprocess.DEVNULL,
                stderr=err,
                env={**os.environ, "XDG_STATE_HOME": str(tmp_path / "state")},
            )

    def stop(self) -> str:
        """SIGTERM; it must end cleanly (exit 0). Its stderr."""
        try:
            self.proc.send_signal(signal.SIGTERM)
            assert self.proc.wait(timeout=30) == 0, self.err.read_text()
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait(timeout=30)
        return self.err.read_text()


@needs_shared
def test_a_restarted_recorder_does_not_page_an_open_problem_again_but_reminds_of_it(
    tmp_path: Path, sshd_factory: Callable[..., SshdServer]
) -> None:
    out, page = page_command(tmp_path)
    config = lab_config(
        tmp_path,
        sshd_factory,
        unreachable_rule("page-admins", f"command: [{page}]", f"reminder: {REMINDER_S}s"),
    )
    journal = tmp_path / "journal"

    first = Recorder(config, journal, tmp_path, "first")
    try:
        wait_until(lambda: len(pages(out)) >= 1, "the first recorder's page")
    finally:
        stderr = first.stop()
    assert "Traceback" not in stderr and "alert " not in stderr

    second = Recorder(config, journal, tmp_path, "second")
    try:
        wait_until(lambda: any(d["state"] == "reminder" for _, d in pages(out)), "the reminder")
    finally:
        stderr = second.stop()
    assert "Traceback" not in stderr and "alert " not in stderr

    sent = pages(out)
    states = [(pid, d["state"], d["problem"]["subject"]) for pid, d in sent]
    assert states[:2] == [
        (first.proc.pid, "new", "vnode2"),
        (second.proc.pid, "reminder", "vnode2"),
    ], states
    assert [s for _, s, _ in states].count("new") == 1
    new_at, reminder_at = (datetime.fromisoformat(d["at"]) for _, d in sent[:2])
    assert reminder_at - new_at >= timedelta(seconds=REMINDER_S)
    assert sent[1][1]["since"] == sent[0][1]["since"]  # the same problem, seen first before the restart

    listed = subprocess.run(
        [sys.executable, "-m", "hatui", "events", "--replay", str(journal), "--format", "json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    doc = json.loads(listed.stdout)
    alerts = [e for e in doc["events"] if e["kind"] == "alert"]
    assert [e["message"].split(" ")[:5] for e in alerts[:2]] == [
        ["page-admins", "new", "warning", "node-unreachable", "vnode2:"],
        ["page-admins", "reminder", "warning", "node-unreachable", "vnode2:"],
    ]
    assert all(e["message"].endswith("(command: delivered)") for e in alerts[:2])
    text = subprocess.run(
        [sys.executable, "-m", "hatui", "events", "--replay", str(journal)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    assert "  alert  " in text and "page-admins reminder warning node-unreachable vnode2" in text


def open_for(journal: Path, code: str, subject: str) -> timedelta:
    """How long the journal's last poll had had ``code`` ``subject`` open (zero: not open, or no
    journal yet)."""
    try:
        with Journal.open(journal) as opened:
            found = open_at_last_poll(opened, timedelta(minutes=5))
    except HatuiError:  # not laid out yet
        return timedelta(0)
    if found is None:
        return timedelta(0)
    last, problems = found
    runs = [
        last - p.readings[0][0] for p in problems if (p.problem.code, p.problem.subject) == (code, subject)
    ]
    return max(runs, default=timedelta(0))


@needs_shared
def test_a_restarted_recorder_sends_the_clearing_a_rule_told_only_of_clearing_was_owed(
    tmp_path: Path, sshd_factory: Callable[..., SshdServer]
) -> None:
    out, page = page_command(tmp_path)
    config = lab_config(
        tmp_path, sshd_factory, unreachable_rule("tell-recovery", f"command: [{page}]", "on: [cleared]")
    )
    journal = tmp_path / "journal"

    first = Recorder(config, journal, tmp_path, "first")
    try:  # vnode2 down past the 1 s debounce: the rule owes its clearing, and sends nothing now
        wait_until(
            lambda: open_for(journal, "node-unreachable", "vnode2") >= timedelta(seconds=2), "2 s down"
        )
    finally:
        stderr = first.stop()
    assert "Traceback" not in stderr and "alert " not in stderr
    assert pages(out) == []
    began = datetime.now(UTC)

    # vnode2 answers from now on: the first verdict after the restart no longer has the problem.
    vnode2 = sshd_factory("vnode2", start=False)
    install_stack_tools(vnode2.bin_dir, tmp_path / "calls2")
    vnode2.start()
    vnode2.trust(tmp_path / "known_hosts")
    node = f"{{name: vnode2, host: {vnode2.host}, port: {vnode2.port}, user: root, "
    node += f"identity_file: {vnode2.client_key}}}"
    config.write_text(re.sub(r"\{name: vnode2, [^}]*\}", node, config.read_text()))

    second = Recorder(config, journal, tmp_path, "second")
    try:
        wait_until(lambda: len(pages(out)) >= 1, "the clearing")
    finally:
        stderr = second.stop()
    assert "Traceback" not in stderr and "alert " not in stderr
    [(pid, doc)] = pages(out)
    assert (pid, doc["state"], doc["rule"], doc["problem"]["subject"]) == (
        second.proc.pid,
        "cleared",
        "tell-recovery",
        "vnode2",
    )
    assert datetime.fromisoformat(doc["since"]) < began  # seen first by the recorder before
