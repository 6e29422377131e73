"""Alerts in a real ``hatui record``: a node that does not answer pages through a command and
through mail (a ``sendmail`` stand-in), while the recorder goes on polling; SIGTERM still ends it
cleanly with exit 0. The answering node is a real sshd serving the lab's real outputs."""

from __future__ import annotations

import email
import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from alert_support import lab_config, script, unreachable_rule, written

from support import needs_shared
from support.sshd import SshdServer, sshd_factory
from support.waiting import wait_until

__all__ = ["sshd_factory"]  # the fixture, imported for pytest


@needs_shared
def test_hatui_record_pages_by_command_and_mail_for_a_node_that_does_not_answer(
    tmp_path: Path, sshd_factory: Callable[..., SshdServer]
) -> None:
    page_out, mail_out = tmp_path / "page.json", tmp_path / "mail.txt"
    page = script(tmp_path, "page", f"cat > {page_out}\n")
    sendmail = script(tmp_path, "sendmail", f'[ "$*" = "-t -oi" ] || exit 64\ncat > {mail_out}\n')
    config = lab_config(
        tmp_path,
        sshd_factory,
        unreachable_rule("page-admins", f"command: [{page}]")
        + unreachable_rule(
            "mail-ops",
            f"mail: {{to: [ops@example.org], from: hatui@monitor.example.org, sendmail: {sendmail}}}",
        ),
    )
    err_path = tmp_path / "stderr.txt"
    with err_path.open("w") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "hatui", "record", "--config", str(config), "--dir", str(tmp_path / "j")],
            stdout=subprocess.DEVNULL,
            stderr=err,
            env={**os.environ, "XDG_STATE_HOME": str(tmp_path / "state")},
        )
    try:
        wait_until(lambda: written(page_out) and written(mail_out), "the page and the mail")
        assert proc.poll() is None  # still recording
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0, err_path.read_text()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)
    stderr = err_path.read_text()
    assert "Traceback" not in stderr
    assert "alert " not in stderr  # nothing failed, nothing was dropped
    doc = json.loads(page_out.read_text())
    assert (doc["schema"], doc["cluster"], doc["rule"], doc["state"]) == (
        "hatui.alert/1",
        "lab",
        "page-admins",
        "new",
    )
    assert (doc["problem"]["code"], doc["problem"]["subject"]) == ("node-unreachable", "vnode2")
    mail = email.message_from_bytes(mail_out.read_bytes())
    assert mail["To"] == "ops@example.org"
    assert str(mail["Subject"]).startswith("hatui lab: NEW warning node-unreachable vnode2")
