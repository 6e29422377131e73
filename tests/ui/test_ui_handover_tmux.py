"""The terminal hand-over never strands the admin: hatui in a real terminal (tmux).

A session that fails before the hand-over (the demo has no SSH; a console that cannot attach)
leaves hatui's screen in place with the error shown; one that fails after it (the node's connection
dies under the console) gives the screen back with the error. Ctrl-] returns to the pane and row
the console was opened from. The node is a real sshd on loopback with stand-in tools, as in
``test_ui_console_tmux``.
"""

from __future__ import annotations

import shlex
import sys
import time
from collections.abc import Callable
from pathlib import Path

from test_ui_console_tmux import FIXTURES, Tmux, tmux, tool  # noqa: F401 - the fixture

from support.sshd import SshdServer, sshd_factory  # noqa: F401 - the fixture

MakeServer = Callable[..., SshdServer]

#: ``xl`` on vnode1 with three VMs: ``console www`` cannot attach (it says so and exits 1, as xl
#: does for a domain without a console); ``console mail`` drops the node's SSH connection (kills its
#: sshd) when it reads "die"; every console echoes and leaves on Ctrl-].
XL3 = r"""#!/usr/bin/python3
import os, signal, sys, tty
if sys.argv[1:2] == ["list"]:
    print("Name                                        ID   Mem VCPUs\tState\tTime(s)")
    print("Domain-0                                     0  1024     2     r-----    4242.1")
    for i, vm in enumerate(("sentinel", "www", "mail")):
        print(f"{vm:<44} {i + 3}  1024     1     -b----     812.3")
    sys.exit(0)
if sys.argv[1:2] == ["info"]:
    print("host                   : vnode1")
    print("total_memory           : 16384")
    print("free_memory            : 11264")
    sys.exit(0)
if sys.argv[1:3] == ["console", "www"]:
    print("xl: unable to attach console: domain www has no console")
    sys.exit(1)
if sys.argv[1:2] != ["console"]:
    sys.exit(1)


def sshd():
    pid = os.getppid()
    while pid > 1:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
        if stat[stat.index("(") + 1 : stat.rindex(")")].startswith("sshd"):
            return pid
        pid = int(stat[stat.rindex(")") + 2 :].split()[1])
    raise SystemExit("no sshd above")


tty.setraw(0)
os.write(1, b"\x1b[2J\x1b[HConnected to %s console (press ^] to leave)\r\n" % sys.argv[2].encode())
while True:
    data = os.read(0, 1024)
    if not data or b"\x1d" in data:
        break
    if b"die" in data:
        os.kill(sshd(), signal.SIGKILL)
    os.write(1, b"echo:" + data + b"\r\n")
"""


def wait_flat(term: Tmux, text: str, within: float = 20.0) -> str:
    """Waits for ``text`` on screen, read across the line breaks and borders of a toast."""
    deadline = time.monotonic() + within
    while True:
        shown = term.screen()
        if text in " ".join(shown.replace("▌", " ").replace("│", " ").split()):
            return shown
        if time.monotonic() > deadline:
            raise AssertionError(f"{text!r} not on screen:\n{shown}")
        time.sleep(0.1)


def hatui_on_sshd(server: SshdServer, tmp_path: Path, start: Callable[[str], Tmux]) -> tuple[Tmux, Path]:
    """hatui on a one-node cluster whose node runs sentinel, www and mail."""
    status = (FIXTURES / "crm_mon" / "healthy.xml").read_text()
    status = status.replace(
        '<node name="vnode3" id="3" cached="true"/>', '<node name="vnode1" id="1" cached="true"/>'
    )
    (tmp_path / "status.xml").write_text(status)
    tool(
        server,
        "crm_mon",
        f"#!/bin/sh\ncase \"$*\" in *--version*) echo 'Pacemaker 2.1.5';;\n"
        f"*--help-all*) echo '  --output-as=FORMAT';;\n"
        f"*) cat {shlex.quote(str(tmp_path / 'status.xml'))};;\nesac\n",
    )
    tool(server, "cibadmin", "#!/bin/sh\necho '<constraints/>'\n")
    tool(server, "xl", XL3)
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
    term = start(f"{env} {shlex.quote(sys.executable)} -m hatui --config {shlex.quote(str(config))}")
    term.wait("mail")
    term.wait("vnode1 running")
    return term, home


def test_demo_console_refusal_keeps_the_screen_and_says_why(tmux: Callable[[str], Tmux]) -> None:  # noqa: F811
    term = tmux(f"env TERM=xterm-256color {shlex.quote(sys.executable)} -m hatui --demo")
    term.wait("sentinel")
    term.keys("v")
    term.wait("Open the console of VM")
    term.keys("Tab", "Enter")
    shown = term.wait("refused: Console of sentinel")
    assert "not reached over SSH" in shown, shown
    assert "VMs" in shown, "hatui's screen stayed"
    term.keys("2")  # the UI still answers keys
    term.wait("Nodes")
    term.keys("q")


def test_a_console_that_cannot_attach_is_an_error_and_no_hand_over(
    sshd_factory: MakeServer,  # noqa: F811 - the fixture
    tmux: Callable[[str], Tmux],  # noqa: F811 - the fixture
    tmp_path: Path,
) -> None:
    term, home = hatui_on_sshd(sshd_factory("vnode1"), tmp_path, tmux)
    term.keys("Down")
    term.keys("v")
    term.wait("Open the console of VM www on vnode1?")
    term.keys("Tab", "Enter")
    shown = wait_flat(
        term, "xl console www on vnode1 ended at once (exit status 1): xl: unable to attach console"
    )
    assert "VMs" in shown, "hatui's screen stayed"
    log = (home / ".local" / "state" / "hatui" / "audit.log").read_text()
    assert "session failed: xl console www on vnode1 ended at once (exit status 1)" in log
    term.keys("v")  # the UI still answers, on the same row
    term.wait("Open the console of VM www on vnode1?")
    term.keys("Escape", "q")


def test_a_session_whose_connection_dies_gives_the_screen_back_with_the_error(
    sshd_factory: MakeServer,  # noqa: F811 - the fixture
    tmux: Callable[[str], Tmux],  # noqa: F811 - the fixture
    tmp_path: Path,
) -> None:
    term, home = hatui_on_sshd(sshd_factory("vnode1"), tmp_path, tmux)
    term.keys("Down", "Down")
    term.keys("v")
    term.wait("Open the console of VM mail on vnode1?")
    term.keys("Tab", "Enter")
    term.wait("Connected to mail console")
    term.keys("die")
    shown = wait_flat(term, "session on vnode1 ended")
    assert "VMs" in shown and "sentinel" in shown, "hatui's screen is back"
    log = (home / ".local" / "state" / "hatui" / "audit.log").read_text()
    assert "session failed: session on vnode1 ended" in log
    term.keys("v")  # the UI answers keys again
    term.wait("Open the console of VM mail on vnode1?")
    term.keys("Escape", "q")


def test_ctrl_bracket_returns_to_the_pane_and_row_of_the_console(
    sshd_factory: MakeServer,  # noqa: F811 - the fixture
    tmux: Callable[[str], Tmux],  # noqa: F811 - the fixture
    tmp_path: Path,
) -> None:
    term, _ = hatui_on_sshd(sshd_factory("vnode1"), tmp_path, tmux)
    term.keys("Down", "Down")
    term.keys("v")
    term.wait("Open the console of VM mail on vnode1?")
    term.keys("Tab", "Enter")
    term.wait("Connected to mail console")
    term.keys("C-]")
    term.wait("vm_console mail: done")
    term.keys("v")  # the same pane (VMs) and row (mail) have the keyboard
    term.wait("Open the console of VM mail on vnode1?")
    term.keys("Escape", "q")


def test_demo_node_shell_refusal_keeps_the_screen_and_says_why(tmux: Callable[[str], Tmux]) -> None:  # noqa: F811
    term = tmux(f"env TERM=xterm-256color {shlex.quote(sys.executable)} -m hatui --demo")
    term.wait("sentinel")
    term.keys("2")
    term.wait("─ Nodes (3)")
    term.keys("T")
    term.wait("Open a shell on node")
    term.keys("Tab", "Enter")
    shown = wait_flat(term, "is not reached over SSH: no interactive session")
    assert "Nodes" in shown, "hatui's screen stayed"
    term.keys("T")  # the UI still answers keys
    term.wait("Open a shell on node")
    term.keys("Escape", "q")
