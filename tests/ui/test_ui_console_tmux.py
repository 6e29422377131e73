"""The console hand-over end to end: hatui in a real terminal (tmux) suspends, the VM console runs over
the node's SSH connection, Ctrl-] returns to hatui with its screen and state intact.

The node is a real sshd on loopback whose PATH holds small stand-ins: ``crm_mon`` prints a captured
Pacemaker 2.1.5 status (sentinel, an ocf:heartbeat:Xen VM, on vnode1), ``xl list`` shows it running
and ``xl console`` echoes what it gets until Ctrl-], as the real tool leaves.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from support.sshd import SshdServer, sshd_factory  # noqa: F401 - the fixture

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
MakeServer = Callable[..., SshdServer]

XL = r"""#!/usr/bin/python3
import os, sys, tty
if sys.argv[1:2] == ["list"]:
    print("Name                                        ID   Mem VCPUs\tState\tTime(s)")
    print("Domain-0                                     0  1024     2     r-----    4242.1")
    print("sentinel                                     3  1024     1     -b----     812.3")
    sys.exit(0)
if sys.argv[1:2] != ["console"]:
    sys.exit(1)
tty.setraw(0)
os.write(1, b"\x1b[2J\x1b[HConnected to %s console (press ^] to leave)\r\n" % sys.argv[2].encode())
while True:
    data = os.read(0, 1024)
    if not data or b"\x1d" in data:
        break
    os.write(1, b"echo:" + data + b"\r\n")
"""


def tool(server: SshdServer, name: str, body: str) -> None:
    path = server.bin_dir / name
    path.write_text(body)
    path.chmod(0o755)


class Tmux:
    """A private tmux server (its own socket) running one command in a 160x50 window."""

    def __init__(self, socket: Path, command: str) -> None:
        self.socket = socket
        self._tmux("new-session", "-d", "-s", "t", "-x", "160", "-y", "50", command)

    def _tmux(self, *args: str) -> str:
        done = subprocess.run(
            ["tmux", "-S", str(self.socket), *args], capture_output=True, text=True, check=False
        )
        return done.stdout

    def keys(self, *keys: str) -> None:
        self._tmux("send-keys", "-t", "t", *keys)

    def screen(self) -> str:
        return self._tmux("capture-pane", "-p", "-t", "t")

    def wait(self, text: str, within: float = 20.0) -> str:
        deadline = time.monotonic() + within
        while True:
            shown = self.screen()
            if text in shown:
                return shown
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} not on screen:\n{shown}")
            time.sleep(0.1)

    def close(self) -> None:
        self._tmux("kill-server")


@pytest.fixture
def tmux(tmp_path: Path) -> Iterator[Callable[[str], Tmux]]:
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed")
    made: list[Tmux] = []

    def start(command: str) -> Tmux:
        made.append(Tmux(tmp_path / "tmux.sock", command))
        return made[-1]

    yield start
    for t in made:
        t.close()


def test_vm_console_suspends_hatui_and_ctrl_bracket_brings_it_back(
    sshd_factory: MakeServer,  # noqa: F811 - the fixture
    tmux: Callable[[str], Tmux],
    tmp_path: Path,
) -> None:
    server = sshd_factory("vnode1")
    status = FIXTURES / "crm_mon" / "healthy.xml"
    tool(
        server,
        "crm_mon",
        f"#!/bin/sh\ncase \"$*\" in *--version*) echo 'Pacemaker 2.1.5';;\n"
        f"*--help-all*) echo '  --output-as=FORMAT';;\n*) cat {shlex.quote(str(status))};;\nesac\n",
    )
    tool(server, "cibadmin", "#!/bin/sh\necho '<constraints/>'\n")
    tool(server, "xl", XL)
    known = tmp_path / "known_hosts"
    server.trust(known)
    config = tmp_path / "hatui.yaml"
    config.write_text(
        "clusters:\n  t:\n    known_hosts: " + str(known) + "\n    nodes:\n"
        f"      - {{name: vnode1, host: 127.0.0.1, port: {server.port}, user: root, "
        f"identity_file: {server.client_key}}}\n"
    )
    home = tmp_path / "home"
    home.mkdir()
    env = f"env -u SSH_AUTH_SOCK HOME={shlex.quote(str(home))} TERM=xterm-256color"
    term = tmux(f"{env} {shlex.quote(sys.executable)} -m hatui --config {shlex.quote(str(config))}")
    term.wait("sentinel")
    term.wait("vnode1 running")
    term.keys("v")
    term.wait("Open the console of VM sentinel on vnode1?")
    assert "on vnode1: xl console sentinel" in term.screen()
    term.keys("Tab", "Enter")
    term.wait("Connected to sentinel console")
    term.keys("hello")
    term.wait("echo:hello")
    term.keys("C-]")
    shown = term.wait("vm_console sentinel: done")
    assert "VMs" in shown and "sentinel" in shown, "hatui's screen is back"
    log = (home / ".local" / "state" / "hatui" / "audit.log").read_text()
    assert '"argv": ["xl", "console", "sentinel"]' in log and "session closed (exit status 0)" in log
    term.keys("q")
