"""A guarded batch: probes first, then the node's fingerprint of them, then the commands on a match.

Run by real shells, through the local transport, the demo's and a real sshd. That the commands
did not run is proven by a command that would make a file, not only by missing results.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest

from hatui.demo import DemoCluster, DemoTransport
from hatui.errors import TransportError
from hatui.sources.detect import VOLATILE_PROBES, probe_commands
from hatui.transport.base import FINGERPRINT, CommandResult, Guard
from hatui.transport.batch import build_batch, split_batch
from hatui.transport.local import LocalTransport
from support.shells import SHELLS
from support.ssh_transport import transport_for
from support.sshd import SshdServer, sshd_factory  # noqa: F401 - the fixture


class Node:
    """A node as files: what its probes read, and a file its guarded command would make."""

    def __init__(self, root: Path) -> None:
        self.version = root / "version"
        self.state = root / "state"
        self.status = root / "status"
        self.ran = root / "command-ran"
        self.version.write_text("tool 1.0\n")
        self.state.write_text("Connected\n")
        self.status.write_text("0")

    def guard(self, expect: str | None) -> Guard:
        return Guard(
            probes={
                "version": ["cat", str(self.version)],
                "state": ["cat", str(self.state)],  # volatile: not fingerprinted
                "exit": ["sh", "-c", 'echo "to stderr" >&2; exit "$(cat "$1")"', "sh", str(self.status)],
            },
            fingerprinted=frozenset({"version", "exit"}),
            expect=expect,
        )

    def commands(self) -> dict[str, list[str]]:
        return {"make": ["sh", "-c", ': > "$1"; echo made', "sh", str(self.ran)], "hello": ["echo", "hello"]}


def run_guarded(
    shell: Sequence[str], commands: Mapping[str, Sequence[str]], guard: Guard, *, tmpdir: str | None = None
) -> dict[str, CommandResult]:
    batch = build_batch(commands, timeout=5, guard=guard)
    env = dict(os.environ, TMPDIR=tmpdir) if tmpdir else None
    done = subprocess.run([*shell, "-c", batch.script], capture_output=True, timeout=30, env=env)
    return split_batch(batch, done.stdout.decode(), stderr=done.stderr.decode())


def fingerprint(results: Mapping[str, CommandResult]) -> str:
    fp = results[FINGERPRINT]
    assert fp.exit_status == 0 and fp.stdout, fp
    return fp.stdout


@pytest.fixture
def node(tmp_path: Path) -> Node:
    return Node(tmp_path)


@pytest.mark.parametrize("shell", SHELLS)
def test_a_match_runs_the_commands_a_mismatch_none(shell: list[str], node: Node) -> None:
    first = run_guarded(shell, node.commands(), node.guard(None))
    fp = fingerprint(first)
    assert set(first) == {"version", "state", "exit", FINGERPRINT}
    assert first["version"].stdout == "tool 1.0\n"
    assert (first["exit"].exit_status, first["exit"].stderr) == (0, "to stderr")
    assert not node.ran.exists()

    wrong = run_guarded(shell, node.commands(), node.guard(fp + "0"))
    assert set(wrong) == {"version", "state", "exit", FINGERPRINT}
    assert fingerprint(wrong) == fp
    assert not node.ran.exists()

    right = run_guarded(shell, node.commands(), node.guard(fp))
    assert right["make"].stdout == "made\n" and node.ran.exists()
    assert right["hello"].stdout == "hello\n"
    assert right["version"].stdout == "tool 1.0\n"


def test_without_an_expected_fingerprint_the_commands_are_not_even_sent(node: Node) -> None:
    batch = build_batch(node.commands(), timeout=5, guard=node.guard(None))
    assert str(node.ran) not in batch.script
    assert batch.names == ("version", "state", "exit")


@pytest.mark.parametrize("shell", SHELLS)
def test_the_fingerprint_is_stable_and_follows_the_fingerprinted_answers_only(
    shell: list[str], node: Node
) -> None:
    def fp() -> str:
        return fingerprint(run_guarded(shell, {}, node.guard(None)))

    base = fp()
    assert fp() == base
    node.state.write_text("StandAlone\n")  # not fingerprinted: the DRBD state of the day
    assert fp() == base
    node.version.write_text("tool 1.1\n")  # the tool was upgraded
    upgraded = fp()
    assert upgraded != base
    node.status.write_text("3")  # same outputs, another exit status
    assert fp() != upgraded
    node.status.write_text("0")
    assert fp() == upgraded


@pytest.mark.parametrize("shell", SHELLS)
def test_bytes_moving_between_stdout_and_stderr_change_the_fingerprint(shell: list[str]) -> None:
    def fp(script: str) -> str:
        guard = Guard({"p": ["sh", "-c", script]}, frozenset({"p"}), None)
        return fingerprint(run_guarded(shell, {}, guard))

    assert fp("printf ab; printf c >&2") != fp("printf a; printf bc >&2")


@pytest.mark.parametrize("shell", SHELLS)
def test_without_a_temporary_directory_a_guarded_batch_never_runs_its_commands(
    shell: list[str], node: Node, tmp_path: Path
) -> None:
    fp = fingerprint(run_guarded(shell, {}, node.guard(None)))
    results = run_guarded(shell, node.commands(), node.guard(fp), tmpdir=str(tmp_path / "missing"))
    assert results["version"].stdout == "tool 1.0\n"
    # The one-after-another fallback takes no fingerprint: an empty one, which never matches.
    assert results[FINGERPRINT].stdout == ""
    assert "make" not in results
    assert not node.ran.exists()


def test_a_guarded_batch_cut_before_its_fingerprint_has_no_commands(node: Node) -> None:
    batch = build_batch(node.commands(), timeout=5, guard=node.guard("1 2"))
    done = subprocess.run(["sh", "-c", batch.script], capture_output=True, text=True, timeout=30)
    cut = done.stdout[: done.stdout.index(f"{batch.marker} F ")]
    results = split_batch(batch, cut, stderr="killed")
    assert results["version"].stdout == "tool 1.0\n"
    assert results[FINGERPRINT].exit_status is None
    assert "make" not in results


def test_names_must_not_clash_and_fingerprinted_names_must_be_probes(node: Node) -> None:
    with pytest.raises(TransportError, match="both a probe and a command"):
        build_batch({"version": ["true"]}, timeout=5, guard=node.guard("x"))
    with pytest.raises(TransportError, match="is not a probe"):
        build_batch({}, timeout=5, guard=Guard({"a": ["true"]}, frozenset({"b"}), None))
    with pytest.raises(TransportError):
        build_batch({FINGERPRINT: ["true"]}, timeout=5)


async def test_the_local_transport_runs_a_guarded_batch(node: Node) -> None:
    t = LocalTransport("n1")
    fp = fingerprint(await t.run_batch(node.commands(), timeout=5, guard=node.guard(None)))
    assert not node.ran.exists()
    results = await t.run_batch(node.commands(), timeout=5, guard=node.guard(fp))
    assert results["hello"].stdout == "hello\n" and node.ran.exists()


async def test_the_local_transport_leaves_no_directory_behind_a_batch_it_killed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    node_tmp = tmp_path / "node-tmp"
    node_tmp.mkdir()
    monkeypatch.setenv("TMPDIR", str(node_tmp))
    t = LocalTransport("n1")
    assert (await t.run_batch({"a": ["echo", "a"]}, timeout=5))["a"].stdout == "a\n"
    assert list(node_tmp.iterdir()) == []
    with pytest.raises(TransportError, match="timed out"):
        await t.run_batch({"hang": ["sleep", "30"], "b": ["true"]}, timeout=0.5)
    assert list(node_tmp.iterdir()) == []


async def test_the_demo_transport_keeps_the_same_rules() -> None:
    start = datetime(2026, 11, 25, 17, 46, 3, tzinfo=UTC)
    cluster = DemoCluster(now=lambda: 0.0, start_wall=start, seed=2010, generation="modern")
    probes = probe_commands()
    stable = frozenset(probes) - VOLATILE_PROBES
    commands = {"crm_mon": ["crm_mon", "--version"]}
    vnode1, vnode3 = DemoTransport(cluster, "vnode1"), DemoTransport(cluster, "vnode3")

    first = await vnode1.run_batch(commands, timeout=5, guard=Guard(probes, stable, None))
    fp = fingerprint(first)
    assert "crm_mon" not in first and "which" in first
    matched = await vnode1.run_batch(commands, timeout=5, guard=Guard(probes, stable, fp))
    assert matched["crm_mon"].ok and fingerprint(matched) == fp
    # vnode3 runs no DRBD: its tools answer otherwise, so vnode1's fingerprint is not its.
    other = await vnode3.run_batch(commands, timeout=5, guard=Guard(probes, stable, fp))
    assert fingerprint(other) != fp and "crm_mon" not in other


async def test_over_ssh_a_guarded_batch_is_one_remote_command(
    sshd_factory: Callable[..., SshdServer],  # noqa: F811
    node: Node,
) -> None:
    server = sshd_factory("n1")
    t = transport_for(server)
    try:
        fp = fingerprint(await t.run_batch(node.commands(), timeout=10, guard=node.guard(None)))
        before = server.session_count()
        results = await t.run_batch(node.commands(), timeout=10, guard=node.guard(fp))
        assert server.session_count() == before + 1
        assert results["make"].stdout == "made\n" and node.ran.exists()
        assert results["version"].stdout == "tool 1.0\n"
    finally:
        await t.close()


async def test_host_identity_names_the_node_by_address_and_host_key(
    sshd_factory: Callable[..., SshdServer],  # noqa: F811
) -> None:
    server = sshd_factory("n1")
    t = transport_for(server)
    try:
        identity = await t.host_identity()
        assert identity == f"127.0.0.1:{server.port} {server.fingerprint()}"
        await t.close()
        assert await t.host_identity() == identity  # a new connection, the same node
        assert t.connection_generation == 2
    finally:
        await t.close()
    server.stop()
    with pytest.raises(TransportError):
        await transport_for(server, backoff_initial=0.01).host_identity()
