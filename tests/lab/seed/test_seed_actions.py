"""Actions only the seed lab can show for real: Corosync 1.2.1's FAULTY ring re-enabled by hatui.

The ring fault is the stand-in's (a flag every node's ``corosync-cfgtool -s`` reads); hatui sees
it in its own poll, plans ``ring_reenable`` for the node, runs ``corosync-cfgtool -r`` over the
node's sshd and waits until the node shows no FAULTY ring. What happened is read back inside the
nodes, never through hatui's parsers.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hatui.actions.audit import AuditLog
from hatui.actions.catalog import plan_action
from hatui.actions.plans import ActionContext
from hatui.actions.runner import CollectorObserver, Runner
from hatui.config import load_config
from hatui.errors import ActionRefused
from hatui.sources.fanout import make_collectors

from .harness import SeedLab

pytestmark = pytest.mark.lab


async def test_a_faulty_ring_is_re_enabled_and_only_then(healthy_seed_lab: SeedLab, tmp_path: Path) -> None:
    lab = healthy_seed_lab
    cluster = load_config(lab.config_path).cluster("lab")
    collectors = make_collectors(cluster)
    observer = CollectorObserver(collectors, cluster)
    transports = {c.node.name: c.transport for c in collectors}
    runner = Runner(cluster, transports, observer, audit=AuditLog(tmp_path / "audit.log"), poll_interval=0.5)
    try:
        with pytest.raises(ActionRefused, match="shows no FAULTY ring"):
            plan_action(ActionContext(await observer.observe(), cluster), "ring_reenable", "vnode2")
        lab.fault_ring(1)
        plan = plan_action(ActionContext(await observer.observe(), cluster), "ring_reenable", "vnode2")
        assert [c.argv for p in plan.phases for c in p.commands] == [("corosync-cfgtool", "-r")]
        result = await runner.run(plan)
        assert result.ok, result.outcome
        assert not lab.ring_faulty(1)
        for node in lab.nodes:
            assert "FAULTY" not in lab.run(node, "corosync-cfgtool -s", check=True).stdout
    finally:
        for c in collectors:
            await c.close()
