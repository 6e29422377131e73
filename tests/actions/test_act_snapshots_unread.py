"""``hatui do snapshots`` says which nodes' LVM it did not read, and does not exit 0 then.

An empty list from a cluster where a node was not read is not "no snapshots": a runbook that
cleans up leftover snapshots must not take it as such.
"""

from __future__ import annotations

import io
import json
from dataclasses import replace
from pathlib import Path

import pytest
from actions_support import Bench, bench

from hatui.do.flow import EXIT_DONE, EXIT_FAILED, DoArgs, Terminal, list_snapshots
from hatui.do.snapshots import snapshot_json, snapshot_lines, unread_nodes
from hatui.model.stack import LvmFlavour
from hatui.snapshot.once import SourceChoice
from hatui.snapshot.run import make_view
from hatui.sources.fanout import make_collectors, poll_all

DEMO = SourceChoice(demo=True)


@pytest.fixture(autouse=True)
def state_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))


async def listed(b: Bench, fmt: str = "text") -> tuple[int, str]:
    out = io.StringIO()
    code = await list_snapshots(DoArgs("snapshots", None, DEMO, fmt=fmt), b.cluster, b.transports,
                                Terminal(out, io.StringIO(), io.StringIO()))  # fmt: skip
    return code, out.getvalue()


async def test_every_node_read_lists_nothing_unread_and_exits_0(tmp_path: Path) -> None:
    b = bench(tmp_path)
    code, out = await listed(b, "json")
    assert code == EXIT_DONE
    assert json.loads(out)["unread"] == []


async def test_an_unreachable_node_is_named_unread_and_the_listing_exits_2(tmp_path: Path) -> None:
    b = bench(tmp_path)
    b.demo.inject("fill-snapshot", "www")  # a snapshot on a node that still answers
    b.demo.inject("kill-node", "vnode3")
    code, out = await listed(b, "json")
    doc = json.loads(out)
    assert code == EXIT_FAILED
    [unread] = doc["unread"]
    assert unread["node"] == "vnode3" and unread["why"].startswith("unreachable: "), unread
    assert [s["node"] for s in doc["snapshots"]] == ["vnode2"]
    code, text = await listed(b)
    assert code == EXIT_FAILED
    assert text.splitlines()[-1] == f"LVM not read on vnode3: {unread['why']}"
    assert text.splitlines()[0].split()[:2] == ["NODE", "SNAPSHOT"]


async def test_a_failed_lvs_is_unread_a_node_without_lvm_is_not(tmp_path: Path) -> None:
    b = bench(tmp_path)
    captures = await poll_all(make_collectors(b.cluster, b.transports))  # type: ignore[arg-type]
    one, two, three = sorted(captures, key=lambda c: c.node)
    failed = replace(
        one,
        outputs={k: v for k, v in one.outputs.items() if k != "lvs"},
        errors={**one.errors, "lvs": "exit status 5: Reading VG vg1 failed\nsecond line"},
    )
    no_lvm = replace(
        two,
        outputs={k: v for k, v in two.outputs.items() if k not in ("pvs", "vgs", "lvs")},
        stack=replace(two.stack, lvm=LvmFlavour.ABSENT),
    )
    view = make_view(b.cluster.name, [failed, no_lvm, three], cluster=b.cluster)
    assert unread_nodes(view) == [
        {"node": one.node, "why": "lvs failed: exit status 5: Reading VG vg1 failed\\x0asecond line"}
    ]
    assert json.loads(snapshot_json(view))["unread"] == unread_nodes(view)
    assert snapshot_lines(view) == [
        "no snapshots",
        f"LVM not read on {one.node}: lvs failed: exit status 5: Reading VG vg1 failed\\x0asecond line",
    ]
