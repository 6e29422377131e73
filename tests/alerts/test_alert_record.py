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
import time
from collections.abc import Callable
from pathlib import Path

from alert_support import script, written

from support import needs_shared
from support.sshd import SshdServer, free_port, install_stack_tools, sshd_factory

__all__ = ["sshd_factory"]  # the fixture, imported for pytest


def wait_until(predicate: Callable[[], bool], what: str, within: float = 60.0) -> None:
    deadline = time.monotonic() + within
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"not reached in {within:.0f}s: {what}")
        time.sleep(0.1)


@needs_shared
def test_hatui_record_pages_by_command_and_mail_for_a_node_that_does_not_answer(
    tmp_path: Path, sshd_factory: Callable[..., SshdServer]
) -> None:
    server = sshd_factory("vnode1", start=False)
    install_stack_tools(server.bin_dir, tmp_path / "calls")
    server.start()
    known = tmp_path / "known_hosts"
    server.trust(known)
    page_out, mail_out = tmp_path / "page.json", tmp_path / "mail.txt"
    page = script(tmp_path, "page", f"cat > {page_out}\n")
    sendmail = script(tmp_path, "sendmail", f'[ "$*" = "-t -oi" ] || exit 64\ncat > {mail_out}\n')
    vnode1 = f"{{name: vnode1, host: {server.host}, port: {server.port}, user: root, "
    vnode1 += f"identity_file: {server.client_key}}}"
    config = tmp_path / "hatui.yaml"
    config.write_text(
        f"""clusters:
  lab:
    known_hosts: {known}
    connect_timeout: 2
    nodes:
      - {vnode1}
      - {{name: vnode2, host: 127.0.0.1, port: {free_port()}}}
    alerts:
      - name: page-admins
        codes: [node-unreachable]
        debounce: 1s
        command: [{page}]
      - name: mail-ops
        codes: [node-unreachable]
        debounce: 1s
        mail: {{to: [ops@example.org], from: hatui@monitor.example.org, sendmail: {sendmail}}}
"""
    )
    config.chmod(0o600)
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
