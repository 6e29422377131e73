"""The console's N+1 badge, the Nodes pane's memory and the VMs pane's CPU% (replayed captures)."""

from __future__ import annotations

from dataclasses import replace

from textual.widgets import Static
from ui_cluster import NODES, capture
from ui_harness import SIZE, ConsoleFactory

from hatui.model.capture import NodeCapture
from hatui.ui.screens.main import MainScreen

_XENTOP_HEAD = (
    "      NAME  STATE   CPU(sec) CPU(%)     MEM(k) MEM(%)  MAXMEM(k) MAXMEM(%) VCPUS NETS NETTX(k) NETRX(k) "
    "VBDS   VBD_OO   VBD_RD   VBD_WR SSID\n"
)


def _xentop(*rows: tuple[str, float]) -> str:
    """Two samples of ``(name, CPU%)`` rows (the first sample's CPU% is 0.0, as xentop prints it)."""
    out = ""
    for sample in (0, 1):
        out += _XENTOP_HEAD
        for name, pct in (("Domain-0", 2.0), *rows):
            cpu = pct if sample else 0.0
            out += f"{name:>10} --b---   812 {cpu:6.1f}  1048576  12.5  1048576  12.5  1  0 0 0 0 0 0 0 0\n"
    return out


def _with_memory(free: dict[str, int], xentop: dict[str, str] | None = None) -> list[NodeCapture]:
    """The healthy reference cluster, each node's ``xm info`` saying ``free[node]`` MiB free of 8191."""
    out = []
    for n in NODES:
        c = capture(n)
        extra = {"xm_info": f"total_memory           : 8191\nfree_memory            : {free[n]}\n"}
        if xentop and n in xentop:
            extra["xentop"] = xentop[n]
        out.append(replace(c, outputs={**c.outputs, **extra}))
    return out


def _badge(app: object) -> Static:
    screen = app.main_screen  # type: ignore[attr-defined]
    assert isinstance(screen, MainScreen)
    return screen.query_one("#capacity-badge", Static)


async def test_the_spare_holds_everything_n_plus_one_ok_and_memory_and_cpu_shown(
    console: ConsoleFactory,
) -> None:
    xentop = {"vnode3": _xentop(("www", 12.5), ("mail", 88.0))}
    c = console(_with_memory({"vnode1": 0, "vnode2": 4096, "vnode3": 0}, xentop))
    async with c.app.run_test(size=SIZE) as pilot:
        await c.next_polls(pilot)
        badge = _badge(c.app)
        assert str(badge.render()) == "N+1 ok" and badge.has_class("-ok")
        m = c.app.main_screen
        assert m.pane("nodes").cell_text("vnode2", "memory") == "4.0G of 8.0G"
        assert m.pane("vms").cell_text("mail", "cpu") == "88.0%"
        assert m.pane("vms").cell_text("sentinel", "cpu") == "-"


async def test_lost_n_plus_one_names_the_node_and_the_stranded_vm(console: ConsoleFactory) -> None:
    # vnode3's loss: www (2048) takes vnode2's 2048 MiB; mail's disk is on vnode2 and vnode3 only.
    c = console(_with_memory({"vnode1": 8000, "vnode2": 2048, "vnode3": 0}))
    async with c.app.run_test(size=SIZE) as pilot:
        await c.next_polls(pilot)
        badge = _badge(c.app)
        assert str(badge.render()) == "N+1 LOST: vnode3 (mail)"
        assert badge.has_class("-warning") and not badge.has_class("-ok")
        assert str(badge.tooltip) == "cannot lose vnode3: mail would have nowhere to run"
        assert "n-plus-one|vnode3|" in c.app.main_screen.pane("problems").row_keys
        info = c.app.main_screen.pane("nodes").detail("vnode3", c.app.state.snapshot())
        fields = dict(info.fields)
        assert fields["if it is lost"] == "mail would have nowhere to run"
        assert fields["memory.free_mib"] == "0" and fields["memory.source"] == "xm info"


async def test_without_host_memory_the_badge_says_what_is_missing(console: ConsoleFactory) -> None:
    c = console()
    async with c.app.run_test(size=SIZE) as pilot:
        await c.next_polls(pilot)
        badge = _badge(c.app)
        text = str(badge.render())
        assert text.startswith("N+1 ? (unknown: ") and "free memory of vnode2" in text
        assert badge.has_class("-unknown")
        assert c.app.main_screen.pane("nodes").cell_text("vnode2", "memory") == "-"
