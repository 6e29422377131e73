"""Placement on the real lab cluster (asymmetric, ``resource-stickiness=INFINITY``): the dummy3 scene.

The test adds ``dummy3`` (``ocf:pacemaker:Dummy``) allowed only on vnode3 (100) and vnode1 (50),
with its own stickiness 0 so that it goes home when nothing holds it. Then:

* vnode2 is ruled out (no location constraint allows it) and a move there is refused; before,
  hatui ran it, the resource moved there and back (two outages) and the action ended FAILED;
* a move to vnode1 is allowed, but Pacemaker's own scheduler on a copy of the live CIB says dummy3
  will move back once hatui clears its constraints: the move is refused with that reason, and the
  alternative (a pinned move) runs for real and leaves dummy3 on vnode1, pinned by
  ``hatui-pin-dummy3-on-vnode1``; clear removes the pin and dummy3 goes home.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from hatui.actions.audit import AuditLog
from hatui.actions.catalog import plan_action
from hatui.actions.expect import MovesAgain, expect, pinned_alternative
from hatui.actions.move import PlacementRefused, plan_move
from hatui.actions.placement import placement
from hatui.actions.plans import ActionContext
from hatui.actions.preview import preview_plan
from hatui.actions.runner import CollectorObserver, Runner
from hatui.config import load_config
from hatui.sources.fanout import make_collectors

from .harness import Lab

pytestmark = pytest.mark.lab

DUMMY = "dummy3"
PRIMITIVE = (
    f'<primitive id="{DUMMY}" class="ocf" provider="pacemaker" type="Dummy">'
    f'<meta_attributes id="{DUMMY}-meta"><nvpair id="{DUMMY}-meta-stickiness" '
    'name="resource-stickiness" value="0"/></meta_attributes>'
    f'<operations><op id="{DUMMY}-monitor-10s" name="monitor" interval="10s" timeout="20s"/></operations>'
    "</primitive>"
)
LOCATIONS = {"vnode3": "100", "vnode1": "50"}


def _locations() -> list[str]:
    return [
        f'<rsc_location id="loc-{DUMMY}-{n}" rsc="{DUMMY}" score="{s}" node="{n}"/>'
        for n, s in LOCATIONS.items()
    ]


@pytest.fixture
def dummy3(healthy_lab: Lab) -> Iterator[Lab]:
    """The lab with dummy3 running on vnode3; removed afterwards (constraints first)."""
    lab = healthy_lab
    lab.crm("cibadmin", "-C", "-o", "resources", "-X", PRIMITIVE)
    for xml in _locations():
        lab.crm("cibadmin", "-C", "-o", "constraints", "-X", xml)
    try:
        lab.wait_for(lambda: lab.status().where(DUMMY) == "vnode3", 30, f"{DUMMY} on vnode3")
        yield lab
    finally:
        lab.crm("crm_resource", "--clear", "-r", DUMMY, check=False)
        pin = f'<rsc_location id="hatui-pin-{DUMMY}-on-vnode1"/>'
        lab.crm("cibadmin", "-D", "-o", "constraints", "-X", pin, check=False)
        lab.crm("crm_resource", "-r", DUMMY, "--meta", "-p", "target-role", "-v", "Stopped", check=False)
        lab.wait_for(lambda: lab.status().where(DUMMY) is None, 30, f"{DUMMY} stopped")
        for n in LOCATIONS:
            lab.crm(
                "cibadmin",
                "-D",
                "-o",
                "constraints",
                "-X",
                f'<rsc_location id="loc-{DUMMY}-{n}"/>',
                check=False,
            )
        lab.crm("cibadmin", "-D", "-o", "resources", "-X", f'<primitive id="{DUMMY}"/>', check=False)


@pytest.fixture
async def runner(healthy_lab: Lab, tmp_path: Path) -> AsyncIterator[tuple[Runner, CollectorObserver]]:
    cluster = load_config(healthy_lab.config_path).cluster("lab")
    collectors = make_collectors(cluster)
    observer = CollectorObserver(collectors, cluster)
    transports = {c.node.name: c.transport for c in collectors}
    try:
        yield (
            Runner(cluster, transports, observer, audit=AuditLog(tmp_path / "audit.log"), poll_interval=0.5),
            observer,
        )
    finally:
        for c in collectors:
            await c.close()


async def test_dummy3_is_not_moved_where_no_constraint_allows_nor_where_it_would_move_back(
    dummy3: Lab, runner: tuple[Runner, CollectorObserver]
) -> None:
    lab = dummy3
    run, observer = runner
    ctx = ActionContext(await observer.observe(), run.cluster)
    places = {p.node: p for p in placement(ctx.view, DUMMY)}
    assert places["vnode2"].reason == f"no location constraint allows {DUMMY} there (symmetric-cluster=false)"
    assert places["vnode1"].reason is None
    with pytest.raises(PlacementRefused, match="vnode2: no location constraint allows dummy3"):
        plan_move(ctx, DUMMY, "vnode2")

    plan = plan_move(ctx, DUMMY, "vnode1")
    node = plan.commands[0].node
    preview = await preview_plan(plan, run.transports[node], tools=ctx.tools(node))
    assert preview.note is None, preview.note
    with pytest.raises(MovesAgain, match=f"will move {DUMMY} vnode1 → vnode3") as refused:
        expect(ctx, plan, preview)
    assert lab.status().where(DUMMY) == "vnode3", "a refused move runs nothing"

    pinned = pinned_alternative(ctx, refused.value)
    result = await run.run(pinned.override() if pinned.concerns else pinned)
    assert result.ok, result.outcome
    pin = f"hatui-pin-{DUMMY}-on-vnode1"
    assert (
        result.outcome
        == f"{DUMMY} runs on vnode1, pinned there by {pin} (clear it with c); no cli- constraint left"
    )
    await asyncio.sleep(2)
    assert lab.status().where(DUMMY) == "vnode1", "pinned: it stays"
    constraints = lab.crm("cibadmin", "-Q", "--scope", "constraints")
    assert f'id="{pin}"' in constraints and f"cli-prefer-{DUMMY}" not in constraints

    # clear (c) removes the pin: the cluster's rules place dummy3 again (home, vnode3).
    ctx = ActionContext(await observer.observe(), run.cluster)
    cleared = await run.run(plan_action(ctx, "clear_resource", DUMMY))
    assert cleared.ok, cleared.outcome
    lab.wait_for(lambda: lab.status().where(DUMMY) == "vnode3", 30, f"{DUMMY} back on vnode3")
