"""NodeCollector re-reads its slower sources in the poll where Pacemaker's output changed.

Without it a capture set a fresh crm_mon beside a domain list up to 10 s old, and a routine move
showed as "VM vm2 runs on vnode3 but Pacemaker says it is on vnode2" until the list was due again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from hatui.clock import FrozenClock
from hatui.config import ClusterConfig, NodeConfig
from hatui.sources.collector import NodeCollector
from hatui.transport.base import CommandResult, Guard
from hatui.transport.guarded import answer_batch

PROBES = {
    "crm_mon_version": "Pacemaker 2.1.5\n",
    "crm_mon_help": "  --output-as=FORMAT   Specify output format\n",
    "proc_drbd_head": "version: 8.3.11 (api:88/proto:86-96)\nsrcversion: 0D2B\n",
    "which": "xl\ncorosync-cfgtool\ncorosync-quorumtool\n",
}
CRM_MON = (
    '<pacemaker-result>\n  <summary>\n    <last_update time="{t}"/>\n  </summary>\n'
    "  {rsc}\n</pacemaker-result>\n"
)


class Node:
    """Answers every source; records the names of each batch that was not detection."""

    def __init__(self) -> None:
        self.node = "vnode3"
        self.batches: list[set[str]] = []
        self.placement = '<resource id="vm2" role="Started"><node name="vnode3"/></resource>'
        self.tick = 0

    async def run(self, argv: Sequence[str], *, timeout: float, stdin: str | None = None) -> CommandResult:
        return CommandResult(tuple(argv), 0, "", "")

    async def run_batch(
        self, commands: Mapping[str, Sequence[str]], *, timeout: float, guard: Guard | None = None
    ) -> dict[str, CommandResult]:
        self.tick += 1
        out = answer_batch(self._answer, commands, guard)
        ran = set(commands) & set(out)
        if ran:
            self.batches.append(ran)
        return out

    def _answer(self, name: str, argv: tuple[str, ...]) -> CommandResult:
        text = PROBES.get(name, f"output of {name} at {self.tick}\n")
        if name == "crm_mon.xml":
            text = CRM_MON.format(t=f"Wed Nov 25 19:15:{self.tick:02d} 2026", rsc=self.placement)
        return CommandResult(argv, 0, text, "")

    async def close(self) -> None:
        pass


class Mono:
    now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_a_change_in_pacemaker_rereads_every_other_source_in_the_same_poll() -> None:
    node, mono = Node(), Mono()
    cfg = NodeConfig("vnode3", "vnode3")
    c = NodeCollector(cfg, ClusterConfig(name="c", nodes=(cfg,)), node, clock=FrozenClock(), monotonic=mono)
    first = await c.poll()
    everything = set(first.outputs)
    assert {"crm_mon.xml", "xl_list", "constraints.xml", "corosync_cfgtool"} <= everything
    mono.now += 2.0
    calm = await c.poll()  # only the time crm_mon printed changed: nothing else is read
    assert node.batches[-1] == {"crm_mon.xml", "proc_drbd"}
    assert calm.outputs["xl_list"] == first.outputs["xl_list"]

    node.placement = '<resource id="vm2" role="Started"><node name="vnode2"/></resource>'
    mono.now += 2.0
    moved = await c.poll()
    assert node.batches[-2:] == [{"crm_mon.xml", "proc_drbd"}, everything - {"crm_mon.xml", "proc_drbd"}]
    assert moved.outputs["xl_list"] != first.outputs["xl_list"]
    mono.now += 2.0
    await c.poll()
    assert node.batches[-1] == {"crm_mon.xml", "proc_drbd"}
