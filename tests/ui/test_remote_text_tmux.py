"""End to end: an SSH endpoint that hangs up with ``[/x]`` neither kills ``hatui --monitor`` nor steers it.

A small asyncssh server on loopback disconnects every client at authentication with the message
``[/x]`` (before the fix, Textual read it as a closing tag and the console died with exit status 0
on the first poll). The real ``hatui --monitor`` runs in tmux against it: after several polls it
still runs and shows the message as written.
"""

from __future__ import annotations

import shlex
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import asyncssh
import pytest
from test_ui_console_tmux import Tmux, tmux  # noqa: F401 - the fixture

SERVER = r"""
import asyncio, sys
import asyncssh

class HangUp(asyncssh.SSHServer):
    def connection_made(self, conn):
        self.conn = conn

    def begin_auth(self, username):
        self.conn.disconnect(asyncssh.DISC_BY_APPLICATION, sys.argv[2])
        return True

async def main():
    key = asyncssh.read_private_key(sys.argv[1])
    server = await asyncssh.listen("127.0.0.1", 0, server_host_keys=[key], server_factory=HangUp)
    print(server.sockets[0].getsockname()[1], flush=True)
    await asyncio.Event().wait()

asyncio.run(main())
"""


@pytest.fixture
def hangup_server(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    """``(port, known_hosts)`` of a server that disconnects with ``[/x]``."""
    host_key = asyncssh.generate_private_key("ssh-ed25519")
    host_key.write_private_key(str(tmp_path / "host_key"))
    (tmp_path / "server.py").write_text(SERVER)
    proc = subprocess.Popen(
        [sys.executable, str(tmp_path / "server.py"), str(tmp_path / "host_key"), "[/x]"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        port = int(proc.stdout.readline())
        known = tmp_path / "known_hosts"
        known.write_text(f"[127.0.0.1]:{port} {host_key.export_public_key().decode().strip()}\n")
        known.chmod(0o600)
        yield port, known
    finally:
        proc.kill()
        proc.wait(timeout=5)


def test_monitor_survives_a_disconnect_message_that_looks_like_markup(
    hangup_server: tuple[int, Path],
    tmux: Callable[[str], Tmux],  # noqa: F811 - the fixture
    tmp_path: Path,
) -> None:
    port, known = hangup_server
    client_key = tmp_path / "client_key"
    asyncssh.generate_private_key("ssh-ed25519").write_private_key(str(client_key))
    config = tmp_path / "hatui.yaml"
    config.write_text(
        f"clusters:\n  t:\n    known_hosts: {known}\n    intervals: {{pacemaker: 1}}\n    nodes:\n"
        f"      - {{name: vnode1, host: 127.0.0.1, port: {port}, user: root, identity_file: {client_key}}}\n"
    )
    config.chmod(0o600)
    home = tmp_path / "home"
    home.mkdir()
    env = f"env -u SSH_AUTH_SOCK HOME={shlex.quote(str(home))} TERM=xterm-256color"
    hatui = f"{shlex.quote(sys.executable)} -m hatui --monitor --config {shlex.quote(str(config))}"
    # If hatui ends, the shell says so and keeps the window open for the assertion to read it.
    term = tmux(f"sh -c {shlex.quote(f'{env} {hatui}; echo hatui-ended-status-$?; sleep 60')}")
    shown = term.wait("[/x]")
    assert "UNREACHABLE" in shown
    time.sleep(5)  # several more polls, each failing with the same message
    shown = term.screen()
    assert "hatui-ended" not in shown, shown
    assert "[/x]" in shown
    term.keys("q")
    shown = term.wait("hatui-ended-status-")
    assert "hatui-ended-status-0" in shown, "q is a normal quit"
