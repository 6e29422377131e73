"""DRBD actions planned and run end to end on the modern demo, whose nodes run DRBD 9.

The plans come from the node's detected stack (``9-json``), so they speak drbdadm 9 (``r:peer``,
``r:peer/0``, ``connect --discard-my-data``); the runner sends them to the demo, which accepts only
drbd-utils 9's syntax, and waits on what the collectors then read back from ``drbdsetup status --json``.
"""

from __future__ import annotations

from pathlib import Path

from actions_support import bench

from hatui.actions.catalog import plan_action
from hatui.actions.splitbrain import assess, plan_recovery
from hatui.model.stack import DrbdFlavour
from hatui.model.words import DiskState, DrbdRole, ReplState


async def test_split_brain_recovery_speaks_drbd_9_and_resyncs(tmp_path: Path) -> None:
    b = bench(tmp_path, generation="modern", advance=5 * 3600.0)  # the start-up resync is over
    b.demo.inject("split-brain", "dns-root")
    view = await b.view()
    assert {r.stack.drbd for r in view.reachable if r.node != "vnode3"} == {DrbdFlavour.JSON_9}
    sb = assess(view, "dns-root")
    assert sb.split and sb.suggested_victim == "vnode2"
    plan = plan_recovery(await b.context(), "dns-root", "vnode2")
    assert [(c.node, c.line) for c in plan.commands] == [
        ("vnode2", "drbdadm connect --discard-my-data dns-root:vnode1"),
        ("vnode1", "drbdadm connect dns-root:vnode2"),
    ]
    result = await b.runner.run(plan)
    assert result.ok, result.outcome
    for node, role in (("vnode1", DrbdRole.PRIMARY), ("vnode2", DrbdRole.SECONDARY)):
        [dev] = [d.device for d in (await b.view()).drbd if d.resource == "dns-root" and d.node == node]
        assert (dev.role, dev.disk, dev.peers[0].connection_raw) == (role, DiskState.UP_TO_DATE, "Connected")


async def test_verify_and_pause_address_one_peer_volume(tmp_path: Path) -> None:
    b = bench(tmp_path, generation="modern")
    verify = plan_action(await b.context(), "drbd_verify", "ldap-swap", "vnode1", peer="vnode2", volume=0)
    assert [c.line for c in verify.commands] == ["drbdadm verify ldap-swap:vnode2/0"]
    assert (await b.runner.run(verify)).ok
    pause = plan_action(await b.context(), "drbd_pause_sync", "mail-root", "vnode1", peer="vnode2", volume=0)
    assert [c.line for c in pause.commands] == ["drbdadm pause-sync mail-root:vnode2/0"]
    result = await b.runner.run(pause)
    assert result.ok, result.outcome
    [dev] = [d.device for d in (await b.view()).drbd if d.resource == "mail-root" and d.node == "vnode1"]
    assert dev.peers[0].replication is ReplState.PAUSED_SYNC_S
