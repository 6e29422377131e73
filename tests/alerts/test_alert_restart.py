"""Alerts through a restart of a real ``hatui record``: a node that stays unreachable is paged once
as new by the first recorder; the second, started on the same journal while it is still down, does
not page it as new again but sends its reminder; ``hatui events`` lists both alerts. The answering
node is a real sshd serving the lab's real outputs."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from alert_support import lab_config, script, unreachable_rule

from support import needs_shared
from support.sshd import SshdServer, sshd_factory
from support.waiting import wait_until

__all__ = ["sshd_factory"]  # the fixture, imported for pytest

REMINDER_S = 8


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
    out = tmp_path / "pages.txt"
    # One line per alert: the pid of the hatui that ran the command, then the JSON it read.
    page = script(tmp_path, "page", f'doc=$(cat)\nprintf "%s %s\\n" "$PPID" "$doc" >> {out}\n')
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
