"""The VM console hand-over: a real PTY over a real sshd, on the transport's existing connection."""

from __future__ import annotations

import asyncio
import os
import pty
import select
import termios
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from hatui.actions.console import SessionError, open_session, prepare_session
from hatui.errors import ActionRefused
from hatui.transport.ssh import SSHTransport
from support.sshd import SshdServer, sshd_factory  # noqa: F401 - the fixture

MakeServer = Callable[..., SshdServer]

#: A stand-in for ``xm console``: raw PTY, echoes what it gets, leaves on Ctrl-] as xm does.
FAKE_XM = r"""#!/usr/bin/python3
import os, sys, tty
if sys.argv[1:2] != ["console"]:
    sys.exit(1)
tty.setraw(0)
os.write(1, b"Connected to %s. Escape character is '^]'\r\n" % sys.argv[2].encode())
while True:
    data = os.read(0, 1024)
    if not data or b"\x1d" in data:
        break
    os.write(1, b"echo:" + data)
os.write(1, b"\r\nbye\r\n")
"""


@pytest.fixture(autouse=True)
def _no_agent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)


def read_until(fd: int, wanted: bytes, within: float = 10.0) -> bytes:
    """Reads the PTY master until ``wanted`` appears."""
    seen = b""
    deadline = time.monotonic() + within
    while wanted not in seen:
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"{wanted!r} not seen; got {seen!r}")
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            seen += os.read(fd, 4096)
    return seen


async def test_console_over_the_existing_ssh_connection_returns_on_ctrl_bracket(
    sshd_factory: MakeServer,  # noqa: F811 - the fixture
) -> None:
    server = sshd_factory("console")
    (server.bin_dir / "xm").write_text(FAKE_XM)
    (server.bin_dir / "xm").chmod(0o755)
    server.trust(Path.home() / ".ssh" / "known_hosts")
    node = server.node_config("vnode1")
    transport = SSHTransport(
        "vnode1", node.host, port=node.port, user=node.user, identity_file=node.identity_file
    )
    # The poll connection exists already: the console must ride on it, not log in again.
    assert (await transport.run(["true"], timeout=10)).ok
    generation = transport.connection_generation
    master, slave = pty.openpty()
    before = termios.tcgetattr(slave)
    try:
        session = asyncio.create_task(
            open_session(transport, ["xm", "console", "vm1"], stdin_fd=slave, stdout_fd=slave)
        )
        banner = await asyncio.to_thread(read_until, master, b"Escape character is '^]'")
        assert b"Connected to vm1." in banner
        os.write(master, b"hello")
        assert b"echo:hello" in await asyncio.to_thread(read_until, master, b"echo:hello")
        os.write(master, b"\x1d")
        status = await asyncio.wait_for(session, 10)
        assert status == 0
        assert b"bye" in await asyncio.to_thread(read_until, master, b"bye")
        assert termios.tcgetattr(slave) == before, "the local terminal is restored"
        assert transport.connection_generation == generation
        assert (await transport.run(["true"], timeout=10)).ok, "the connection survives the console"
    finally:
        os.close(master)
        os.close(slave)
        await transport.close()


async def test_transports_without_interactive_sessions_are_refused(tmp_path: Path) -> None:
    from hatui.demo import DemoCluster

    with pytest.raises(ActionRefused, match="vnode1 is not reached over SSH: no interactive session"):
        await open_session(DemoCluster(now=lambda: 0.0).transport("vnode1"), ["xm", "console", "sentinel"])


async def test_a_console_that_ends_at_once_fails_before_any_hand_over(
    sshd_factory: MakeServer,  # noqa: F811 - the fixture
) -> None:
    server = sshd_factory("console")
    (server.bin_dir / "xm").write_text("#!/bin/sh\necho \"Error: Domain 'ghost' does not exist.\"\nexit 1\n")
    (server.bin_dir / "xm").chmod(0o755)
    server.trust(Path.home() / ".ssh" / "known_hosts")
    node = server.node_config("vnode1")
    transport = SSHTransport(
        "vnode1", node.host, port=node.port, user=node.user, identity_file=node.identity_file
    )
    try:
        with pytest.raises(SessionError) as failed:
            await prepare_session(transport, ["xm", "console", "ghost"], check_s=5.0)
        assert failed.value.message == (
            "xm console ghost on vnode1 ended at once (exit status 1): Error: Domain 'ghost' does not exist."
        )
        assert (await transport.run(["true"], timeout=10)).ok, "the connection is still there"
    finally:
        await transport.close()
