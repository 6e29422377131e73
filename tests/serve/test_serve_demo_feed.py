"""The served demo's fault feed: faults appended to a file reach the demo once each, whole lines only."""

from __future__ import annotations

from pathlib import Path

from hatui.demo import DemoCluster
from hatui.serve.demo_feed import FaultFeed


def test_whole_lines_are_injected_once_each_in_order(tmp_path: Path) -> None:
    demo = DemoCluster()
    path = tmp_path / "faults"
    feed = FaultFeed(demo, path)
    assert feed.apply() == [], "no file yet: nothing happens"
    path.write_text("# drill of the night\nkill-node vnode3  # the spare's neighbour\nsplit-brain dns")
    assert feed.apply() == ["demo faults: injected kill-node vnode3"]
    assert demo.nodes["vnode3"].power == "down"
    with path.open("a") as f:
        f.write("-root\nno-such-fault vnode1\nkill-node\n")
    done = feed.apply()
    assert done[0] == "demo faults: injected split-brain dns-root", "the half-written line, now whole"
    assert done[1].startswith("demo faults: no-such-fault vnode1: ")
    assert done[2] == "demo faults: expected FAULT TARGET, got 'kill-node'"
    assert feed.apply() == [], "each line is taken once"


def test_a_later_wall_replays_the_whole_file(tmp_path: Path) -> None:
    path = tmp_path / "faults"
    path.write_text("kill-node vnode2\n")
    first, later = DemoCluster(), DemoCluster()
    FaultFeed(first, path).apply()
    FaultFeed(later, path).apply()
    assert first.nodes["vnode2"].power == later.nodes["vnode2"].power == "down"
