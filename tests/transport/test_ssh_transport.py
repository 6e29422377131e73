"""SSHTransport and NodeCollector against a REAL OpenSSH sshd on loopback (no mocks of asyncssh)."""

from __future__ import annotations

import asyncio
import os
import pwd
import re
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from hatui.clock import FrozenClock
from hatui.config import ClusterConfig, NodeConfig
from hatui.errors import TransportError
from hatui.model.capture import NodeCapture
from hatui.sources.collector import NodeCollector
from hatui.transport.ssh import SSHTransport
from support import needs_shared
from support.sshd import (
    CFGTOOL,
    CRM_MON_XML,
    DRBD_JSON,
    QUORUMTOOL,
    STORAGE,
    XEN_LIST,
    XL_INFO,
    SshdServer,
    install_stack_tools,
    keygen,
    sshd_factory,  # noqa: F401 - the fixture
)

MakeServer = Callable[..., SshdServer]


@pytest.fixture(autouse=True)
def _no_agent(monkeypatch: pytest.MonkeyPatch) -> None:
    """Authentication must use the key each test names, not a developer's ssh-agent."""
    monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)


def user_known_hosts() -> Path:
    """~/.ssh/known_hosts of the test's HOME (tests/conftest.py points HOME into tmp)."""
    return Path.home() / ".ssh" / "known_hosts"


def stack_server(make: MakeServer, name: str, **kwargs: str) -> tuple[SshdServer, Path]:
    server = make(name)
    calls = server.root / "calls.log"
    install_stack_tools(server.bin_dir, calls, **kwargs)
    server.trust(user_known_hosts())
    return server, calls


def make_collector(node: NodeConfig, **cluster_kwargs: object) -> tuple[NodeCollector, SSHTransport]:
    cfg = ClusterConfig(name="c", nodes=(node,), **cluster_kwargs)  # type: ignore[arg-type]
    transport = SSHTransport.from_config(node, cfg)
    return NodeCollector(node, cfg, transport, clock=FrozenClock()), transport


def transport_for(server: SshdServer, **kwargs: object) -> SSHTransport:
    node = server.node_config("n1")
    return SSHTransport(
        "n1",
        node.host,
        port=node.port,
        user=node.user,
        identity_file=node.identity_file,
        **kwargs,  # type: ignore[arg-type]
    )


# -- polls ----------------------------------------------------------------------------------


@needs_shared
async def test_a_poll_is_one_remote_command_and_returns_the_real_outputs(
    sshd_factory: MakeServer,  # noqa: F811
) -> None:
    server, calls = stack_server(sshd_factory, "n1")
    collector, transport = make_collector(server.node_config("n1"))
    try:
        first = await collector.poll()
        assert first.unreachable is None, first.unreachable
        # Detection (one batch) and the first poll (one batch): two sessions on the node.
        assert server.session_count() == 2
        stack = first.stack
        assert (stack.crm_mon, stack.pacemaker_version) == ("output-as-xml", "2.1.5")
        assert (stack.drbd, stack.drbd_version) == ("9-json", "9.2.5")
        assert stack.vm_tool == "xl"
        assert stack.corosync_tools is True
        assert first.outputs["crm_mon.xml"] == CRM_MON_XML.read_text()
        assert first.outputs["drbd_status.json"] == DRBD_JSON.read_text()
        assert first.outputs["xl_list"] == XEN_LIST.read_text()
        assert first.outputs["xl_info"] == XL_INFO.read_text()  # the host's memory, for N+1
        assert first.outputs["corosync_cfgtool"] == CFGTOOL.read_text()
        # corosync-quorumtool exited 2 (not quorate): its output is kept, not an error.
        assert first.outputs["corosync_quorumtool"] == QUORUMTOOL.read_text()
        assert first.errors == {}
        assert "vnode1" in first.outputs["crm_mon.xml"]
        # The storage layer rides in the same batch: LVM's JSON report (2.03.16), iscsiadm, df.
        assert stack.lvm == "json" and stack.lvm_version == "2.03.16"
        assert first.outputs["lvs"] == (STORAGE / "lvs.json").read_text()
        assert first.outputs["df"] == (STORAGE / "df").read_text()
        assert first.outputs["iscsiadm_session"].startswith("iSCSI Transport Class version 2.0-870")

        before = calls.read_text().count("\n")
        again = await collector.poll(force=True)
        assert again.reachable
        assert server.session_count() == 3  # exactly ONE more remote command for a full poll
        ran = calls.read_text().splitlines()[before:]
        assert sorted(line.split()[0] for line in ran) == sorted(
            ["crm_mon", "cibadmin", "drbdsetup", "drbdadm", "xl", "xl", "corosync-cfgtool"]
            + ["corosync-quorumtool", "pvs", "vgs", "lvs", "iscsiadm", "df"]
        )
        assert transport.connection_generation == 1  # the connection was kept
    finally:
        await collector.close()


async def test_run_passes_arguments_and_stdin_verbatim(sshd_factory: MakeServer) -> None:  # noqa: F811
    server = sshd_factory("n1")
    server.trust(user_known_hosts())
    t = transport_for(server)
    try:
        hostile = ["it's", "$(id)", "`id`", "a b", "*", "line\nbreak", "-n"]
        r = await t.run(["printf", "%s|", *hostile], timeout=5)
        assert (r.exit_status, r.stdout) == (0, "".join(f"{a}|" for a in hostile))
        r = await t.run(["sh", "-c", "cat; exit 3"], timeout=5, stdin="to the node\n")
        assert (r.exit_status, r.stdout) == (3, "to the node\n")
        r = await t.run(["cat"], timeout=5)  # no stdin: EOF, not a hang
        assert (r.exit_status, r.stdout) == (0, "")
    finally:
        await t.close()
        await t.close()


async def test_a_session_starts_in_an_empty_home_of_its_own(sshd_factory: MakeServer) -> None:  # noqa: F811
    """As root the test sshd gets a private empty home, so no shell start-up file of this machine
    (a developer's or a CI image's ~/.bashrc) runs in, slows down or ties together test sessions."""
    if os.geteuid() != 0:
        pytest.skip("only root can give sshd a private home")
    server = sshd_factory("n1")
    server.trust(user_known_hosts())
    t = transport_for(server)
    try:
        r = await t.run(["sh", "-c", 'ls -A "$HOME"; echo "home=$HOME"'], timeout=5)
        assert (r.exit_status, r.stdout) == (0, f"home={pwd.getpwuid(0).pw_dir}\n"), r.stdout
    finally:
        await t.close()


async def test_a_hung_node_times_out_while_another_answers_on_time(
    sshd_factory: MakeServer,  # noqa: F811
) -> None:
    hung, _ = stack_server(sshd_factory, "hung", crm_mon_status="exec sleep 30")
    good, _ = stack_server(sshd_factory, "good")
    hung_c, _ = make_collector(hung.node_config("hung"), command_timeout=2.0)
    good_c, _ = make_collector(good.node_config("good"), command_timeout=2.0)
    started = time.monotonic()
    done_at: dict[str, float] = {}

    async def timed(c: NodeCollector) -> NodeCapture:
        cap = await c.poll()
        done_at[c.node.name] = time.monotonic() - started
        return cap

    try:
        hung_cap, good_cap = await asyncio.gather(timed(hung_c), timed(good_c))
    finally:
        await asyncio.gather(hung_c.close(), good_c.close())
    assert hung_cap.unreachable == "timed out after 2s"
    assert hung_cap.stack.crm_mon == "output-as-xml"  # detection went through before the hang
    assert good_cap.reachable
    assert "crm_mon.xml" in good_cap.outputs or "crm_mon.xml" in good_cap.errors
    assert done_at["hung"] >= 2.0
    assert done_at["hung"] < 4.0
    # Before the hung node's timeout: it never waited for the other node.
    assert done_at["good"] < done_at["hung"]


async def test_sshd_killed_mid_session_then_back(sshd_factory: MakeServer) -> None:  # noqa: F811
    server, calls = stack_server(sshd_factory, "n1")
    node = server.node_config("n1")
    cfg = ClusterConfig(name="c", nodes=(node,))
    transport = SSHTransport.from_config(node, cfg)
    transport.backoff_initial = 0.3
    collector = NodeCollector(node, cfg, transport, clock=FrozenClock())
    try:
        assert (await collector.poll()).reachable
        server.stop()  # the listener and the session processes: the node died

        reasons = []
        for _ in range(2):
            cap = await collector.poll(force=True)
            assert cap.unreachable is not None
            reasons.append(cap.unreachable)
            if "refused" in cap.unreachable:
                break
        assert "connection refused" in reasons[-1], reasons
        assert str(server.port) in reasons[-1]

        # Within the back-off, a poll fails at once with the last reason.
        started = time.monotonic()
        cap = await collector.poll(force=True)
        assert time.monotonic() - started < 0.2
        assert cap.unreachable is not None
        assert "connection refused" in cap.unreachable
        assert "next attempt in" in cap.unreachable
        assert collector.last_good_at is not None

        server.start()
        await asyncio.sleep(0.4)
        back = await collector.poll()
        assert back.reachable, back.unreachable
        assert transport.connection_generation == 2
        # Detected again on the new connection.
        assert calls.read_text().count("crm_mon --help-all") == 2
    finally:
        await collector.close()


async def test_connect_timeout_on_a_silent_port() -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(30)

    srv = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = srv.sockets[0].getsockname()[1]
    t = SSHTransport("n1", "127.0.0.1", port=port, user="root", connect_timeout=0.5)
    started = time.monotonic()
    try:
        with pytest.raises(TransportError, match=r"timed out after 0\.5s"):
            await t.run(["true"], timeout=5)
        assert time.monotonic() - started < 2
    finally:
        srv.close()
        await t.close()


# -- host keys and authentication -------------------------------------------------------------


async def test_unknown_host_key_is_refused_with_fingerprint_and_accept_command(
    sshd_factory: MakeServer,  # noqa: F811
) -> None:
    server = sshd_factory("n1")
    t = transport_for(server)
    with pytest.raises(TransportError) as err:
        await t.run(["true"], timeout=5)
    msg = err.value.message
    assert "unknown" in msg
    assert server.fingerprint() in msg
    assert f"ssh-keyscan -p {server.port} -t ed25519 127.0.0.1 >> ~/.ssh/known_hosts" in msg
    assert server.session_count() == 0  # refused before logging in

    # Following the advice works: run the accept command as printed, then connect.
    accept = msg.split("accept it with: ", 1)[1]
    user_known_hosts().parent.mkdir(parents=True, exist_ok=True)
    proc = await asyncio.create_subprocess_exec("sh", "-c", accept, stderr=asyncio.subprocess.PIPE)
    assert await asyncio.wait_for(proc.wait(), 10) == 0
    t2 = transport_for(server)
    try:
        assert (await t2.run(["true"], timeout=5)).ok
    finally:
        await t2.close()


async def test_changed_host_key_is_refused_loudly(sshd_factory: MakeServer, tmp_path: Path) -> None:  # noqa: F811
    server = sshd_factory("n1")
    cluster_known = tmp_path / "cluster_known_hosts"
    server.trust(cluster_known)  # the cluster's own known_hosts file, not ~/.ssh
    t = transport_for(server, known_hosts=str(cluster_known))
    assert (await t.run(["true"], timeout=5)).ok
    await t.close()

    server.new_host_key()
    server.restart()
    t2 = transport_for(server, known_hosts=str(cluster_known))
    with pytest.raises(TransportError) as err:
        await t2.run(["true"], timeout=5)
    msg = err.value.message
    assert "HOST KEY CHANGED" in msg
    assert "man-in-the-middle" in msg
    assert server.fingerprint() in msg
    assert str(cluster_known) in msg
    assert f"ssh-keygen -R '[127.0.0.1]:{server.port}'" in msg
    assert "ssh-keyscan" not in msg  # never suggest blindly accepting a changed key
    await t2.close()


async def test_wrong_client_key_is_refused_clearly(sshd_factory: MakeServer, tmp_path: Path) -> None:  # noqa: F811
    server = sshd_factory("n1")
    server.trust(user_known_hosts())
    stranger = keygen(tmp_path / "stranger_key")
    t = transport_for(server)
    t.identity_file = str(stranger)
    with pytest.raises(TransportError) as err:
        await t.run(["true"], timeout=5)
    msg = err.value.message
    assert f"authentication refused by root@127.0.0.1:{server.port}" in msg
    assert str(stranger) in msg
    await t.close()


async def test_connection_refused_names_the_port() -> None:
    from support.sshd import free_port

    port = free_port()
    t = SSHTransport("n1", "127.0.0.1", port=port, user="root")
    with pytest.raises(TransportError, match=rf"connection refused by 127\.0\.0\.1:{port}"):
        await t.run(["true"], timeout=5)


# -- sudo ---------------------------------------------------------------------------------------


async def test_missing_sudo_right_is_a_clear_error(sshd_factory: MakeServer) -> None:  # noqa: F811
    server, _ = stack_server(sshd_factory, "n1")
    # What sudo -n prints for a user without a NOPASSWD rule.
    server.add_tool("sudo", 'echo "sudo: a password is required" >&2; exit 1')
    collector, _ = make_collector(server.node_config("n1", user="root", sudo=True))
    try:
        cap = await collector.poll()
    finally:
        await collector.close()
    assert cap.reachable  # the node answered; only the rights are missing
    assert cap.outputs == {}
    assert cap.errors
    for source, err in cap.errors.items():
        assert re.match(r"sudo -n refused to run `\S+", err), (source, err)
        assert "sudo: a password is required" in err
        assert "NOPASSWD" in err


async def test_missing_identity_file_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "no_such_key"
    t = SSHTransport("n1", "127.0.0.1", port=1, user="root", identity_file=str(missing))
    with pytest.raises(TransportError) as err:
        await t.run(["true"], timeout=5)
    assert str(missing) in err.value.message
    # A second call within the back-off fails at once, with the same reason.
    with pytest.raises(TransportError, match="next attempt in 1s"):
        await t.run(["true"], timeout=5)
