"""NodeCollector and the fan-out, driven by a scripted in-memory transport (no network)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping, Sequence

import pytest

from hatui.clock import FrozenClock
from hatui.config import ClusterConfig, NodeConfig
from hatui.errors import TransportError
from hatui.model.capture import NodeCapture
from hatui.sources.collector import NodeCollector
from hatui.sources.fanout import collect_once, make_collectors, make_transport, poll_all
from hatui.transport.base import CommandResult, Guard, Transport
from hatui.transport.guarded import answer_batch
from hatui.transport.local import LocalTransport
from hatui.transport.ssh import SSHTransport

#: A Pacemaker 2.1 / DRBD 8.4 / xm / corosync / crmsh node, as its probes answer.
PROBES = {
    "crm_mon_version": "Pacemaker 2.1.5\n",
    "crm_mon_help": "  --output-as=FORMAT   Specify output format\n",
    "proc_drbd_head": "version: 8.4.11-1 (api:1/proto:86-101)\nsrcversion: 1234\n",
    "drbdsetup_json": "",
    "drbdadm_version": "",
    "which": "xm\ncorosync-cfgtool\ncorosync-quorumtool\ncrm\n",
}
SOURCES_84 = {
    "crm_mon.xml",
    "constraints.xml",
    "proc_drbd",
    "drbd_dump",
    "xm_list",
    "xm_info",
    "corosync_cfgtool",
    "corosync_quorumtool",
}

Answer = CommandResult | Callable[[tuple[str, ...]], CommandResult]


class ScriptedTransport:
    """A Transport that answers from a table and records every batch it was given."""

    def __init__(self, node: str = "n1", answers: Mapping[str, Answer] | None = None) -> None:
        self.node = node
        self.answers: dict[str, Answer] = dict(answers or {})
        self.batches: list[dict[str, tuple[str, ...]]] = []
        self.connection_generation = 1
        self.delay = 0.0
        self.fail: BaseException | None = None
        self.closed = 0

    async def run(self, argv: Sequence[str], *, timeout: float, stdin: str | None = None) -> CommandResult:
        return CommandResult(tuple(argv), 0, "", "")

    async def run_batch(
        self, commands: Mapping[str, Sequence[str]], *, timeout: float, guard: Guard | None = None
    ) -> dict[str, CommandResult]:
        # A guard's probes are recorded as a batch of their own (detection), then the commands
        # if they ran: the sequence a node without a guard would have seen.
        first = guard.probes if guard is not None else commands
        self.batches.append({k: tuple(v) for k, v in first.items()})
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.fail is not None:
            raise self.fail
        out = answer_batch(self._answer, commands, guard)
        if guard is not None and commands and set(commands) <= out.keys():
            self.batches.append({k: tuple(v) for k, v in commands.items()})
        return out

    def _answer(self, name: str, argv: tuple[str, ...]) -> CommandResult:
        answer = self.answers.get(name)
        if callable(answer):
            return answer(argv)
        if answer is not None:
            return answer
        if name in PROBES:
            return CommandResult(argv, 0 if PROBES[name] else 1, PROBES[name], "")
        return CommandResult(argv, 0, f"output of {name}\n", "")

    async def close(self) -> None:
        self.closed += 1

    def polls(self) -> list[dict[str, tuple[str, ...]]]:
        """The batches that were polls (not detection)."""
        return [b for b in self.batches if "which" not in b]

    def detections(self) -> int:
        return sum(1 for b in self.batches if "which" in b)


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def cluster(*nodes: NodeConfig, **kwargs: object) -> ClusterConfig:
    return ClusterConfig(name="c", nodes=nodes or (NodeConfig("n1", "n1"),), **kwargs)  # type: ignore[arg-type]


def collector(
    transport: ScriptedTransport,
    *,
    sudo: bool = False,
    mono: FakeMonotonic | None = None,
    clock: FrozenClock | None = None,
) -> NodeCollector:
    node = NodeConfig("n1", "n1", sudo=sudo)
    return NodeCollector(
        node, cluster(node), transport, clock=clock or FrozenClock(), monotonic=mono or FakeMonotonic()
    )


def test_the_scripted_transport_is_a_transport() -> None:
    assert isinstance(ScriptedTransport(), Transport)


async def test_first_poll_detects_then_runs_every_source_in_one_batch() -> None:
    t = ScriptedTransport()
    c = collector(t)
    cap = await c.poll()
    assert cap.reachable
    assert t.detections() == 1
    assert len(t.polls()) == 1
    assert set(t.polls()[0]) == SOURCES_84
    assert set(cap.outputs) == SOURCES_84
    assert cap.outputs["xm_list"] == "output of xm_list\n"
    assert cap.errors == {}
    assert cap.stack.crm_mon == "output-as-xml"
    assert (cap.stack.drbd, cap.stack.drbd_version) == ("8", "8.4.11-1")
    assert cap.collected_at == FrozenClock().now()
    assert c.last_good_at == cap.collected_at


async def test_later_polls_run_only_due_sources_but_return_them_all() -> None:
    t = ScriptedTransport()
    mono = FakeMonotonic()
    c = collector(t, mono=mono)
    await c.poll()
    mono.now += 2.0
    cap = await c.poll()
    assert t.detections() == 1
    # Pacemaker and DRBD every 2 s; VMs and corosync every 10 s; constraints every 30 s.
    assert set(t.polls()[-1]) == {"crm_mon.xml", "proc_drbd"}
    assert set(cap.outputs) == SOURCES_84
    mono.now += 8.0
    await c.poll()
    assert set(t.polls()[-1]) == {
        "crm_mon.xml",
        "proc_drbd",
        "xm_list",
        "xm_info",
        "corosync_cfgtool",
        "corosync_quorumtool",
    }
    mono.now += 1.0
    await c.poll(force=True)
    assert set(t.polls()[-1]) == SOURCES_84


async def test_a_poll_with_nothing_due_runs_nothing_remote_and_claims_nothing_new() -> None:
    t = ScriptedTransport()
    clock = FrozenClock()
    c = collector(t, clock=clock)
    first = await c.poll()
    clock.advance(1)
    cap = await c.poll()
    assert len(t.batches) == 2
    assert set(cap.outputs) == SOURCES_84
    assert cap.collected_at == first.collected_at
    assert c.last_good_at == first.collected_at


async def test_output_wins_over_exit_status_and_errors_say_why() -> None:
    t = ScriptedTransport(
        answers={
            # Not quorate: exit 2 with the full report.
            "corosync_quorumtool": CommandResult(("x",), 2, "Quorate: No\n", ""),
            "xm_list": CommandResult(("x",), 1, "", "Error: Unable to connect to xend!\nmore\n"),
            "drbd_dump": CommandResult(("x",), 0, "", ""),
            "constraints.xml": CommandResult(("x",), None, "", "no result: the batch ended"),
            "proc_drbd": CommandResult(("x",), 127, "", "sh: cat: not found"),
        }
    )
    cap = await collector(t).poll()
    assert cap.outputs["corosync_quorumtool"] == "Quorate: No\n"
    assert "corosync_quorumtool" not in cap.errors
    assert cap.errors["xm_list"] == "`xm list` exited 1: Error: Unable to connect to xend!"
    assert cap.outputs["drbd_dump"] == ""
    assert "gave no result" in cap.errors["constraints.xml"]
    assert "command not found" in cap.errors["proc_drbd"]
    assert "xm_list" not in cap.outputs


async def test_concurrent_polls_never_overlap() -> None:
    t = ScriptedTransport()
    t.delay = 0.2
    c = collector(t)
    first, second = await asyncio.gather(c.poll(), c.poll())
    assert first is second
    assert len(t.batches) == 2  # one detection, one poll: not two of each
    assert not c.busy


async def test_unreachable_node_gives_a_capture_with_the_reason_and_redetects_later() -> None:
    t = ScriptedTransport()
    c = collector(t)
    good = await c.poll()
    t.fail = TransportError("timed out after 10s")
    bad = await c.poll(force=True)
    assert bad.unreachable == "timed out after 10s"
    assert not bad.reachable
    assert bad.outputs == {}
    assert bad.stack == good.stack
    assert c.last_good_at == good.collected_at
    t.fail = None
    again = await c.poll()
    assert again.reachable
    assert t.detections() == 2
    assert set(again.outputs) == SOURCES_84


async def test_a_bug_below_never_escapes_poll() -> None:
    t = ScriptedTransport()
    t.fail = RuntimeError("boom")
    cap = await collector(t).poll()
    assert cap.unreachable is not None
    assert "internal error" in cap.unreachable
    assert "boom" in cap.unreachable


async def test_a_reconnect_triggers_detection_again() -> None:
    t = ScriptedTransport()
    mono = FakeMonotonic()
    c = collector(t, mono=mono)
    await c.poll()
    t.connection_generation = 2  # the transport reconnected behind our back
    mono.now += 2
    cap = await c.poll()
    assert cap.reachable
    assert set(cap.outputs) == SOURCES_84
    mono.now += 2
    await c.poll()
    assert t.detections() == 2


async def test_a_changed_stack_drops_outputs_of_sources_it_no_longer_has() -> None:
    t = ScriptedTransport()
    c = collector(t)
    await c.poll()
    t.answers["which"] = CommandResult(("x",), 0, "xl\n", "")
    t.connection_generation = 2
    await c.poll()  # notices the reconnect
    cap = await c.poll()
    assert "xl_list" in cap.outputs
    assert "xm_list" not in cap.outputs
    assert "corosync_cfgtool" not in cap.outputs


async def test_sudo_prefixes_every_source_and_explains_a_refusal() -> None:
    refused = CommandResult(("x",), 1, "", "sudo: a password is required\n")
    t = ScriptedTransport(answers={"crm_mon.xml": refused})
    cap = await collector(t, sudo=True).poll()
    for argv in t.polls()[0].values():
        assert argv[:2] == ("sudo", "-n")
    err = cap.errors["crm_mon.xml"]
    assert "sudo -n refused" in err
    assert "sudo: a password is required" in err
    assert "NOPASSWD" in err
    assert "sudo: false" in err
    # Probes that any user may run are not wrapped.
    probes = next(b for b in t.batches if "which" in b)
    assert probes["crm_mon_help"][0] == "crm_mon"
    assert probes["drbdsetup_json"][:2] == ("sudo", "-n")


async def test_close_stops_the_poll_and_closes_the_transport() -> None:
    t = ScriptedTransport()
    t.delay = 5
    c = collector(t)
    task = asyncio.ensure_future(c.poll())
    await asyncio.sleep(0.05)
    await c.close()
    assert t.closed == 1
    with pytest.raises(asyncio.CancelledError):
        await task


def test_make_transport_follows_the_config() -> None:
    ssh_node = NodeConfig("n1", "10.0.0.1", port=2222, user="hauser", identity_file="/k")
    cfg = cluster(ssh_node, known_hosts="/etc/hatui/known_hosts", connect_timeout=3.0)
    t = make_transport(ssh_node, cfg)
    assert isinstance(t, SSHTransport)
    assert (t.node, t.host, t.port, t.user, t.identity_file) == ("n1", "10.0.0.1", 2222, "hauser", "/k")
    assert (t.known_hosts, t.connect_timeout, t.keepalive_interval) == ("/etc/hatui/known_hosts", 3.0, 2.0)
    local = NodeConfig("n2", "n2", transport="local")
    assert isinstance(make_transport(local, cfg), LocalTransport)


async def test_one_slow_node_does_not_delay_the_others() -> None:
    slow, fast = ScriptedTransport("slow"), ScriptedTransport("fast")
    slow.delay = 0.5
    cfg = cluster(NodeConfig("slow", "slow"), NodeConfig("fast", "fast"))
    collectors = make_collectors(cfg, {"slow": slow, "fast": fast}, FrozenClock())
    started = time.monotonic()
    done_at: dict[str, float] = {}

    async def timed(c: NodeCollector) -> NodeCapture:
        cap = await c.poll()
        done_at[c.node.name] = time.monotonic() - started
        return cap

    await asyncio.gather(*(timed(c) for c in collectors))
    assert done_at["fast"] < 0.3
    assert done_at["slow"] >= 1.0  # detection and poll, half a second each
    caps = await poll_all(collectors, force=True)
    assert [c.node for c in caps] == ["slow", "fast"]


async def test_collect_once_keeps_the_callers_transports_open() -> None:
    a, b = ScriptedTransport("a"), ScriptedTransport("b")
    b.fail = TransportError("connection refused by b:22 (is sshd running there?)")
    cfg = cluster(NodeConfig("a", "a"), NodeConfig("b", "b"))
    caps = await collect_once(cfg, {"a": a, "b": b}, clock=FrozenClock())
    assert [c.node for c in caps] == ["a", "b"]
    assert set(caps[0].outputs) == SOURCES_84
    assert caps[1].unreachable == "connection refused by b:22 (is sshd running there?)"
    assert (a.closed, b.closed) == (0, 0)
