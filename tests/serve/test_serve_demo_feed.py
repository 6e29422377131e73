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


def test_in_a_fleet_a_line_goes_to_the_cluster_it_names_and_the_first_takes_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "faults"
    fleet = ("alpha", "beta")
    demos = {name: DemoCluster() for name in fleet}
    feeds = {name: FaultFeed(demos[name], path, cluster=name, fleet=fleet) for name in fleet}
    path.write_text("beta kill-node vnode3\nkill-node vnode2\ngamma kill-node vnode1\n")
    alpha, beta = feeds["alpha"].apply(), feeds["beta"].apply()
    assert beta == ["demo faults: injected beta kill-node vnode3"]
    assert demos["beta"].nodes["vnode3"].power == "down" and demos["alpha"].nodes["vnode3"].power != "down"
    assert alpha[0] == "demo faults: injected alpha kill-node vnode2", "a line naming no cluster: the first's"
    assert demos["beta"].nodes["vnode2"].power != "down"
    # A bad line is reported once: by the feed of the cluster it names, else by the first's.
    assert alpha[1:] == ["demo faults: no cluster 'gamma' in the fleet (alpha, beta)"]
    assert feeds["beta"].apply() == [], "each line is taken once"
    with path.open("a") as f:
        f.write("beta kill-node\n")
    assert feeds["alpha"].apply() == []
    assert feeds["beta"].apply() == ["demo faults: expected [CLUSTER] FAULT TARGET, got 'beta kill-node'"]
    assert demos["alpha"].nodes["vnode1"].power != "down"
