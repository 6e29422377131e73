"""Output cap: a node that prints too much is cut off at ``max_output_mib``, over SSH and locally.

Against a REAL sshd on loopback and real local subprocesses: the command prints 5 MiB (or without
end) and the cap is 1 MiB. The transport must stop reading at the cap (keeping at most one more
chunk), end the command and say which limit was hit and how to raise it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from hatui.clock import FrozenClock
from hatui.config import ClusterConfig
from hatui.sources.collector import NodeCollector
from hatui.sources.fanout import make_transport
from hatui.transport.capped import CHUNK, MIB, OutputTooLargeError
from hatui.transport.local import LocalTransport
from hatui.transport.ssh import SSHTransport
from support import needs_shared
from support.sshd import (
    CRM_MON_XML,
    DRBD_JSON,
    SshdServer,
    install_stack_tools,
    sshd_factory,  # noqa: F401 - the fixture
)

MakeServer = Callable[..., SshdServer]
FIVE_MIB = ["head", "-c", str(5 * MIB), "/dev/zero"]
#: Prints without end: without a cap this would run into the timeout with gigabytes read.
ENDLESS = ["yes", "hatui"]


@pytest.fixture(autouse=True)
def _no_agent(monkeypatch: pytest.MonkeyPatch) -> None:
    """Authentication must use the key each test names, not a developer's ssh-agent."""
    monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)


def trusted(make: MakeServer) -> SshdServer:
    server = make("n1")
    server.trust(Path.home() / ".ssh" / "known_hosts")
    return server


def ssh_transport(server: SshdServer, max_output: int) -> SSHTransport:
    node = server.node_config("n1")
    return SSHTransport(
        "n1",
        node.host,
        port=node.port,
        user=node.user,
        identity_file=node.identity_file,
        max_output=max_output,
    )


def assert_cut_at_one_mib(exc: OutputTooLargeError) -> None:
    assert MIB < exc.kept_bytes <= MIB + CHUNK
    assert "output passed the limit of 1 MiB" in exc.message
    assert "raise max_output_mib in the cluster's section of the config" in exc.message
    assert "\n" not in exc.message


# -- SSH ----------------------------------------------------------------------------------------


async def test_ssh_stops_reading_at_the_cap_and_keeps_the_connection(
    sshd_factory: MakeServer,  # noqa: F811
) -> None:
    server = trusted(sshd_factory)
    t = ssh_transport(server, max_output=MIB)
    try:
        with pytest.raises(OutputTooLargeError) as err:
            await t.run(FIVE_MIB, timeout=20)
        assert_cut_at_one_mib(err.value)
        # Under the cap the same transport reads everything, on the same connection.
        small = await t.run(["head", "-c", str(MIB // 2), "/dev/zero"], timeout=20)
        assert (small.exit_status, len(small.stdout)) == (0, MIB // 2)
        assert t.connection_generation == 1
    finally:
        await t.close()


async def test_ssh_endless_output_is_cut_off_at_once_not_at_the_timeout(
    sshd_factory: MakeServer,  # noqa: F811
) -> None:
    server = trusted(sshd_factory)
    t = ssh_transport(server, max_output=MIB)
    started = time.monotonic()
    try:
        with pytest.raises(OutputTooLargeError) as err:
            await t.run(ENDLESS, timeout=30)
        assert_cut_at_one_mib(err.value)
        assert time.monotonic() - started < 10
    finally:
        await t.close()


async def test_default_cap_lets_a_normal_large_output_through(sshd_factory: MakeServer) -> None:  # noqa: F811
    server = trusted(sshd_factory)
    node = server.node_config("n1")
    t = SSHTransport.from_config(node, ClusterConfig(name="c", nodes=(node,)))
    try:
        r = await t.run(FIVE_MIB, timeout=20)
        assert (r.exit_status, len(r.stdout)) == (0, 5 * MIB)
    finally:
        await t.close()


@needs_shared
async def test_a_poll_over_the_cap_is_an_error_for_that_source_not_for_the_node(
    sshd_factory: MakeServer,  # noqa: F811
) -> None:
    server = trusted(sshd_factory)
    install_stack_tools(server.bin_dir, server.root / "calls.log")
    # xl runs fourth in the poll's batch (detection does not run it): what ran before it keeps
    # its output.
    server.add_tool("xl", f"yes domain | head -c {5 * MIB}")
    node = server.node_config("n1")
    cluster = ClusterConfig(name="c", nodes=(node,), max_output_mib=1)
    transport = make_transport(node, cluster)
    assert isinstance(transport, SSHTransport) and transport.max_output == MIB
    collector = NodeCollector(node, cluster, transport, clock=FrozenClock())
    try:
        cap = await collector.poll()
        assert cap.unreachable is None, cap.unreachable
        assert cap.outputs["crm_mon.xml"] == CRM_MON_XML.read_text()
        assert cap.outputs["drbd_status.json"] == DRBD_JSON.read_text()
        assert "xl_list" not in cap.outputs
        assert "output passed the limit of 1 MiB" in cap.errors["xl_list"]
        assert "max_output_mib" in cap.errors["xl_list"]
        # The source that was printing is told apart from those the cut kept from running.
        assert "gave no result: the batch ended while this command ran" in cap.errors["xl_list"]
        assert "before this command started" in cap.errors["corosync_cfgtool"]
        # The next poll finds the same node on the same connection.
        again = await collector.poll(force=True)
        assert again.reachable and "crm_mon.xml" in again.outputs
        assert transport.connection_generation == 1
    finally:
        await collector.close()


# -- local --------------------------------------------------------------------------------------


async def test_local_stops_reading_at_the_cap() -> None:
    t = LocalTransport("here", max_output=MIB)
    started = time.monotonic()
    with pytest.raises(OutputTooLargeError) as err:
        await t.run(ENDLESS, timeout=30)
    assert_cut_at_one_mib(err.value)
    assert time.monotonic() - started < 10
    with pytest.raises(OutputTooLargeError):
        await t.run(FIVE_MIB, timeout=20)
    # stderr counts too: a command cannot get around the cap by printing there.
    with pytest.raises(OutputTooLargeError):
        await t.run(["sh", "-c", f"head -c {5 * MIB} /dev/zero >&2"], timeout=20)


async def test_local_batch_keeps_what_finished_before_the_cap() -> None:
    t = LocalTransport("here", max_output=MIB)
    results = await t.run_batch(
        {"small": ["echo", "fine"], "big": FIVE_MIB, "after": ["echo", "never"]}, timeout=20
    )
    assert (results["small"].exit_status, results["small"].stdout) == (0, "fine\n")
    assert "while this command ran" in results["big"].stderr
    assert "before this command started" in results["after"].stderr
    for name in ("big", "after"):
        assert results[name].exit_status is None
        assert results[name].stdout == ""
        assert "output passed the limit of 1 MiB" in results[name].stderr


async def test_local_under_the_cap_reads_everything_and_feeds_stdin() -> None:
    t = LocalTransport("here", max_output=MIB)
    r = await t.run(["cat"], timeout=10, stdin="x" * (MIB // 2))
    assert (r.exit_status, len(r.stdout)) == (0, MIB // 2)
    # A command that exits without reading its input is not an error.
    r = await t.run(["true"], timeout=10, stdin="y" * (4 * MIB))
    assert r.exit_status == 0
