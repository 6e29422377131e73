"""Which VMs a preview stops, however the action reaches them, and the name typed to confirm."""

from __future__ import annotations

from pathlib import Path

from actions_support import bench

from hatui.actions.outcome import name_to_type, stop_warning, stopping_vms
from hatui.actions.preview import PreviewStage, SimAction


async def test_a_vm_stopped_through_its_drbd_resource_or_a_standby_counts_a_restart_too(
    tmp_path: Path,
) -> None:
    view = await bench(tmp_path, fast=False).view()
    drbd_stop = PreviewStage(
        "stop",
        (
            SimAction("stop", "sentinel", node="vnode1"),
            SimAction("demote", "drbd_sentinel-root:0", node="vnode1"),
        ),
    )
    assert stopping_vms(view, [drbd_stop]) == ("sentinel",)
    standby = PreviewStage(
        "standby",
        (
            SimAction("stop", "vconf", node="vnode3"),
            SimAction("stop", "elearning", node="vnode3"),
            SimAction("move", "www", source="vnode1", dest="vnode2"),
        ),
    )
    assert stopping_vms(view, [standby]) == ("elearning", "vconf"), "in the VMs pane's order"
    moved = PreviewStage(
        "move", (SimAction("stop", "www", node="vnode1"), SimAction("start", "www", node="vnode2"))
    )
    assert stopping_vms(view, [moved]) == (), "stopped and started elsewhere: no outage left"
    restart = (PreviewStage("1", (SimAction("stop", "dns", node="vnode1"),)), PreviewStage("2", ()))
    assert stopping_vms(view, restart) == ("dns",), "an outage in any phase counts"
    not_a_vm = PreviewStage("x", (SimAction("stop", "drbd_dns-root:1", node="vnode2"),))
    assert stopping_vms(view, [not_a_vm]) == ()


def test_the_warning_and_the_name_to_type() -> None:
    assert stop_warning(["sentinel"]) == "⚠ VM sentinel will STOP"
    assert stop_warning(["elearning", "vconf"]) == "⚠ 2 VMs will STOP: elearning, vconf"
    assert name_to_type("drbd_sentinel-root", ["sentinel"]) == "sentinel"
    assert name_to_type("vnode3", ["elearning", "vconf"]) == "vnode3"
