"""The ring re-enable: Corosync 1.2.1's FAULTY ring is read, and ``corosync-cfgtool -r`` planned for it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from actions_support import bench

from hatui.actions.catalog import CATALOG, plan_action
from hatui.actions.plans import ActionContext
from hatui.actions.plans_ring import no_faulty_ring
from hatui.errors import ActionRefused
from hatui.model.view import ClusterView
from hatui.model.words import LinkStatus
from hatui.parsers.corosync import parse_cfgtool

# corosync-cfgtool -s of Corosync 1.2.1 (tools/corosync-cfgtool.c:64-89; texts of exec/totemrrp.c,
# whose "adminisrtative" typo is the real one). The active mode and passive token variant carry
# "seqid"; the passive mcast variant (totemrrp.c:755) does not.
RINGS_OK = """Printing ring status.
Local node ID 16820416
RING ID 0
\tid\t= 192.168.1.1
\tstatus\t= ring 0 active with no faults
RING ID 1
\tid\t= 10.0.0.1
\tstatus\t= ring 1 active with no faults
"""
ACTIVE_FAULT = "Marking seqid 4711 ringid 1 interface 10.0.0.1 FAULTY - adminisrtative intervention required."
PASSIVE_FAULT = "Marking ringid 1 interface 10.0.0.1 FAULTY - adminisrtative intervention required."


def faulty(text: str = ACTIVE_FAULT) -> str:
    return RINGS_OK.replace("ring 1 active with no faults", text)


@pytest.mark.parametrize("fault", [ACTIVE_FAULT, PASSIVE_FAULT], ids=["seqid", "passive-mcast"])
def test_corosync_1_2_1_faulty_ring_lines(fault: str) -> None:
    rings = parse_cfgtool(faulty(fault))
    assert rings.local_node_id == 16820416
    assert [(link.id, link.address, link.status) for link in rings.links] == [
        (0, "192.168.1.1", LinkStatus.OK),
        (1, "10.0.0.1", LinkStatus.FAULTY),
    ]
    assert "adminisrtative" in rings.links[1].status_raw


def with_rings(view: ClusterView, node: str, text: str) -> ClusterView:
    rings = parse_cfgtool(text)
    return replace(
        view, reports=tuple(replace(r, rings=rings) if r.node == node else r for r in view.reports)
    )


async def test_ring_reenable_is_planned_only_on_a_faulty_ring(tmp_path: Path) -> None:
    ctx = await bench(tmp_path, fast=False).context()
    healthy = ActionContext(with_rings(ctx.view, "vnode2", RINGS_OK), ctx.cluster)
    with pytest.raises(ActionRefused, match="vnode2 shows no FAULTY ring"):
        plan_action(healthy, "ring_reenable", "vnode2")
    broken = ActionContext(with_rings(ctx.view, "vnode2", faulty()), ctx.cluster)
    plan = plan_action(broken, "ring_reenable", "vnode2")
    assert [c.argv for c in plan.commands] == [("corosync-cfgtool", "-r")]
    assert plan.commands[0].node == "vnode2"
    assert not plan.pacemaker
    assert "ring 1" in plan.title
    (wait,) = plan.phases[0].waits
    assert wait.check(broken.view) == "ring 1 still FAULTY on vnode2"
    assert wait.check(healthy.view) is None
    assert no_faulty_ring("vnode2")(ctx.view) in (None, "no ring status from vnode2")


async def test_ring_reenable_is_a_write_refused_read_only(tmp_path: Path) -> None:
    assert CATALOG["ring_reenable"].key == "G"
    ctx = await bench(tmp_path, fast=False).context(read_only=True)
    ro = ActionContext(with_rings(ctx.view, "vnode2", faulty()), ctx.cluster, read_only=True)
    with pytest.raises(ActionRefused):
        plan_action(ro, "ring_reenable", "vnode2")
