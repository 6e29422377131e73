"""One round trip: detection and the first poll share a guarded batch when the stack cache knows
the node (a scripted node that keeps the Guard's contract; the real sshd is in
test_collector_once_ssh.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence

import pytest

from hatui.clock import FrozenClock
from hatui.config import ClusterConfig, NodeConfig
from hatui.sources import stack_cache
from hatui.sources.collector import NodeCollector
from hatui.sources.detect import VOLATILE_PROBES, probe_commands
from hatui.transport.base import CommandResult, Guard
from hatui.transport.guarded import answer_batch

#: A Pacemaker 2.1 / DRBD 8.4 / xm / corosync / crmsh node, as its probes answer.
PROBES = {
    "crm_mon_version": "Pacemaker 2.1.5\n",
    "crm_mon_help": "  --output-as=FORMAT   Specify output format\n",
    "proc_drbd_head": "version: 8.4.11-1 (api:1/proto:86-101)\nsrcversion: 1234\n",
    "which": "xm\ncorosync-cfgtool\ncorosync-quorumtool\ncrm\n",
}
#: Pacemaker 1.0: crm_mon prints text only.
OLD_PCMK = {"crm_mon_version": "crm_mon 1.0.9\n", "crm_mon_help": "usage: crm_mon [-V] [-p|-h|-X]\n"}


class GuardedNode:
    """A transport whose node answers from a table and keeps the Guard's contract, recording what
    it was sent. Its fingerprint is a hash of the fingerprinted answers, as a node's would be."""

    def __init__(self, node: str = "n1", identity: str | None = None) -> None:
        self.node = node
        self.answers = dict(PROBES)
        self.identity = identity
        self.batches: list[tuple[dict[str, tuple[str, ...]], Guard | None]] = []
        #: The commands the node actually ran (a guard that did not match runs none).
        self.ran: list[tuple[str, ...]] = []
        self.connection_generation = 1

    async def host_identity(self) -> str | None:
        return self.identity

    def _answer(self, name: str, argv: Sequence[str]) -> CommandResult:
        if name in self.answers:
            text = self.answers[name]
            return CommandResult(tuple(argv), 0 if text else 1, text, "")
        return CommandResult(tuple(argv), 0, f"{name} for {' '.join(argv)}\n", "")

    async def run(self, argv: Sequence[str], *, timeout: float, stdin: str | None = None) -> CommandResult:
        return CommandResult(tuple(argv), 0, "", "")

    async def run_batch(
        self, commands: Mapping[str, Sequence[str]], *, timeout: float, guard: Guard | None = None
    ) -> dict[str, CommandResult]:
        self.batches.append(({k: tuple(v) for k, v in commands.items()}, guard))
        out = answer_batch(self._answer, commands, guard)
        if set(commands) <= out.keys():
            self.ran.extend(tuple(argv) for argv in commands.values())
        return out

    async def close(self) -> None:
        pass


def collector(transport: GuardedNode, *, sudo: bool = False, cluster: str = "c") -> NodeCollector:
    node = NodeConfig(transport.node, transport.node, sudo=sudo)
    return NodeCollector(node, ClusterConfig(name=cluster, nodes=(node,)), transport, clock=FrozenClock())


async def test_first_detection_sends_the_probes_alone_and_asks_for_the_fingerprint() -> None:
    node = GuardedNode()
    cap = await collector(node).poll()
    assert cap.reachable and cap.stack.crm_mon == "output-as-xml"
    assert len(node.batches) == 2
    first, guard = node.batches[0]
    assert first == {} and guard is not None and guard.expect is None
    assert set(guard.probes) == set(probe_commands())
    assert guard.fingerprinted == frozenset(probe_commands()) - VOLATILE_PROBES
    assert node.batches[1][1] is None and "crm_mon.xml" in node.batches[1][0]


async def test_a_known_node_is_detected_and_polled_in_one_batch() -> None:
    node = GuardedNode()
    first = await collector(node).poll()
    node.batches.clear()
    again = await collector(node).poll()
    assert len(node.batches) == 1
    batch, guard = node.batches[0]
    assert guard is not None and guard.expect is not None
    assert set(batch) == set(first.outputs)
    assert again.outputs == first.outputs and again.stack == first.stack and again.errors == {}


async def test_changed_tools_are_detected_again_and_never_get_the_old_commands() -> None:
    node = GuardedNode()
    await collector(node).poll()
    node.answers.update(OLD_PCMK)
    node.batches.clear()
    node.ran.clear()
    cap = await collector(node).poll()
    assert cap.stack.crm_mon == "text"
    # The guarded batch carried the old stack's poll, but the node ran none of it; the volatile
    # probes left out of it were asked afresh, and the poll that followed is the new stack's.
    assert len(node.batches) == 3
    assert "crm_mon.xml" in node.batches[0][0]
    assert set(node.batches[1][0]) == VOLATILE_PROBES and node.batches[1][1] is None
    assert node.ran == [*node.batches[1][0].values(), *node.batches[2][0].values()]
    assert "crm_mon.txt" in node.batches[2][0] and "crm_mon.xml" not in node.batches[2][0]
    assert not any("--output-as=xml" in argv for argv in node.ran)
    assert "crm_mon.txt" in cap.outputs and "crm_mon.xml" not in cap.outputs
    # The cache learnt the new tools: the next run is one batch again.
    node.batches.clear()
    await collector(node).poll()
    assert len(node.batches) == 1


async def test_a_warm_detection_leaves_the_volatile_probes_to_the_cache() -> None:
    """drbdsetup's JSON (the DRBD states) is outside the fingerprint and not sent while the node's
    fingerprint holds: its cached answer stands in, so a DRBD 9 node stays ``9-json`` even when
    drbdsetup now answers otherwise (a resource busy), and the warm batch is one round trip."""
    node = GuardedNode()
    node.answers["proc_drbd_head"] = "version: 9.2.4 (api:2/proto:86-122)\n"
    node.answers["drbdsetup_json"] = "[]"
    await collector(node).poll()
    node.answers["drbdsetup_json"] = ""
    node.batches.clear()
    node.ran.clear()
    cap = await collector(node).poll()
    assert cap.stack.drbd == "9-json" and "drbd_status.json" in cap.outputs
    assert len(node.batches) == 1
    guard = node.batches[0][1]
    assert guard is not None and not VOLATILE_PROBES & guard.probes.keys()


async def test_a_new_drbd_module_asks_the_volatile_probes_again() -> None:
    """DRBD 9 loaded where there was none: /proc/drbd (fingerprinted) changes, so the poll chosen
    from the cache is thrown away, drbdsetup's JSON is asked afresh and decides the flavour."""
    node = GuardedNode()
    node.answers["proc_drbd_head"] = ""
    await collector(node).poll()
    node.answers["proc_drbd_head"] = "version: 9.2.4 (api:2/proto:86-122)\n"
    node.answers["drbdsetup_json"] = "[]"
    node.batches.clear()
    cap = await collector(node).poll()
    assert cap.stack.drbd == "9-json"
    assert len(node.batches) == 3
    assert set(node.batches[1][0]) == VOLATILE_PROBES
    assert "drbd_status.json" not in node.batches[0][0] and "drbd_status.json" in node.batches[2][0]
    assert "drbd_status.json" in cap.outputs


async def test_a_reconnect_detects_again_in_one_batch_with_only_the_due_sources() -> None:
    node = GuardedNode()
    c = collector(node)
    first = await c.poll()
    node.batches.clear()
    node.connection_generation += 1  # the connection dropped and was opened again
    cap = await c.poll()
    # Detected again (the probes went, behind the guard) in one batch; nothing was due so soon
    # after the last poll, so no source went with them and the capture keeps what it had.
    assert len(node.batches) == 1
    batch, guard = node.batches[0]
    assert guard is not None and guard.expect is not None and batch == {}
    assert cap.reachable and cap.outputs == first.outputs
    node.batches.clear()
    node.connection_generation += 1
    await c.poll(force=True)
    assert len(node.batches) == 1 and set(node.batches[0][0]) == set(first.outputs)


async def test_sudo_wraps_the_guarded_commands_and_keys_the_cache_apart() -> None:
    node = GuardedNode()
    await collector(node).poll()
    node.batches.clear()
    # The same node with sudo is another login: it is detected afresh...
    await collector(node, sudo=True).poll()
    assert len(node.batches) == 2
    node.batches.clear()
    # ...and then polled in one batch whose commands all go through sudo -n.
    await collector(node, sudo=True).poll()
    assert len(node.batches) == 1
    assert all(argv[:2] == ("sudo", "-n") for argv in node.batches[0][0].values())


async def test_two_nodes_and_two_clusters_do_not_mix() -> None:
    a, b = GuardedNode("n1"), GuardedNode("n2")
    b.answers.update(OLD_PCMK)
    await collector(a).poll()
    await collector(b).poll()
    a.batches.clear()
    b.batches.clear()
    assert (await collector(a).poll()).stack.crm_mon == "output-as-xml"
    assert (await collector(b).poll()).stack.crm_mon == "text"
    assert len(a.batches) == len(b.batches) == 1
    # The same node name in another cluster is another node.
    other = GuardedNode("n1")
    other.answers.update(OLD_PCMK)
    await collector(other, cluster="other").poll()
    assert other.batches[0][1] is not None and other.batches[0][1].expect is None


async def test_nodes_known_by_host_identity_are_remembered_on_disk() -> None:
    node = GuardedNode(identity="10.0.0.1:22 SHA256:abc")
    c = collector(node)
    await c.poll()
    # Written when the collector closes (or a moment later): not for each node on its own.
    assert not stack_cache.cache_path().exists()
    await c.close()
    assert stack_cache.cache_path().is_file()
    stack_cache.forget()  # as a new process would start
    node.batches.clear()
    await collector(node).poll()
    assert len(node.batches) == 1
    # Without an identity a node is known in memory only.
    anonymous = GuardedNode("n9")
    c = collector(anonymous)
    await c.poll()
    await c.close()
    stack_cache.forget()
    anonymous.batches.clear()
    await collector(anonymous).poll()
    assert len(anonymous.batches) == 2


async def test_detections_landing_together_are_written_once(monkeypatch: pytest.MonkeyPatch) -> None:
    writes: list[list[str]] = []
    real_write = stack_cache._write

    def counting(entries: Mapping[str, stack_cache.CachedStack]) -> None:
        writes.append(sorted(entries))
        real_write(entries)

    monkeypatch.setattr(stack_cache, "_write", counting)
    monkeypatch.setattr(stack_cache, "FLUSH_DELAY_S", 0.05)
    nodes = [GuardedNode(f"n{i}", identity=f"10.0.0.{i}:22 SHA256:{i}") for i in range(5)]
    await asyncio.gather(*(collector(n).poll() for n in nodes))
    assert writes == []
    await asyncio.sleep(0.2)  # the timer writes what is waiting, with no close at all
    assert writes == [[f"10.0.0.{i}:22 SHA256:{i}  sudo=0" for i in range(5)]]
    stack_cache.forget()
    assert stack_cache.lookup(writes[0][3], probe_commands(), persist=True) is not None


async def test_a_probe_cut_short_is_used_but_not_remembered() -> None:
    node = GuardedNode()

    original = node._answer

    def cut(name: str, argv: Sequence[str]) -> CommandResult:
        if name == "crm_resource_help":
            return CommandResult(tuple(argv), None, "", "no result: batch timed out")
        return original(name, argv)

    node._answer = cut  # type: ignore[method-assign]
    assert (await collector(node).poll()).reachable
    node._answer = original  # type: ignore[method-assign]
    node.batches.clear()
    await collector(node).poll()
    assert len(node.batches) == 2 and node.batches[0][1] is not None and node.batches[0][1].expect is None
