"""AlertListener on a real ClusterState: a node that stays unreachable past the debounce pages once,
its return clears it, unchanged polls still bring a debounce to its end, and a poll never waits for
an alert command (one hangs while later polls go on and another rule's command runs)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from alert_support import alive, script, wait_for
from ui_cluster import NODES, capture, unreachable

from hatui.alerts.listener import AlertListener
from hatui.alerts.rules import AlertRule, RateLimit
from hatui.clock import FrozenClock
from hatui.config import ClusterConfig, NodeConfig
from hatui.model.capture import NodeCapture
from hatui.sources.parse import build_report
from hatui.watch.listeners import build_listeners, notify_all
from hatui.watch.state import ClusterState


def cluster(*rules: AlertRule) -> ClusterConfig:
    return ClusterConfig(name="ref", nodes=tuple(NodeConfig(n, n) for n in NODES), alerts=rules)


class Watch:
    """A ClusterState and its listeners, polled the way the console and the recorder poll."""

    def __init__(self, config: ClusterConfig, listener: AlertListener) -> None:
        self.clock = FrozenClock()
        # The reference fixtures run without STONITH, as the demo does: not what these tests page on.
        self.state = ClusterState("ref", NODES, self.clock, cluster=config, ignore={"stonith-disabled"})
        self.listener = listener
        self.log: list[str] = []

    def poll(self, cap: NodeCapture) -> None:
        report = build_report(cap)
        recorded = self.state.record(report)
        notify_all([self.listener], cap, report, self.state, recorded, self.log.append)

    def round(self, *down: str) -> None:
        """One poll of every node; those in ``down`` do not answer."""
        for node in NODES:
            self.poll(unreachable(node) if node in down else capture(node))


async def test_an_unreachable_node_pages_once_after_the_debounce_and_clears_when_back(tmp_path: Path) -> None:
    spool = tmp_path / "spool"
    spool.mkdir()
    page = script(tmp_path, "page", f'cat > "{spool}/$(date +%s%N)"\n')
    rule = AlertRule("page", command=(page,), debounce_s=30)
    log: list[str] = []
    listener = AlertListener.for_cluster(cluster(rule), log.append)
    assert listener is not None
    watch = Watch(cluster(rule), listener)
    watch.round()
    for _ in range(5):  # 25 s down: still within the debounce
        watch.clock.advance(5)
        watch.round("vnode3")
    assert listener.dispatcher.delivered == 0 and not list(spool.iterdir())
    for _ in range(4):
        watch.clock.advance(5)
        watch.round("vnode3")
    watch.clock.advance(5)
    watch.round()  # back
    await listener.aclose()
    docs = sorted((json.loads(p.read_text()) for p in spool.iterdir()), key=lambda d: d["at"])
    assert [(d["state"], d["problem"]["code"], d["problem"]["subject"]) for d in docs] == [
        ("new", "node-unreachable", "vnode3"),
        ("cleared", "node-unreachable", "vnode3"),
    ]
    assert docs[0]["verdict"] == "WARNING" and docs[1]["verdict"] == "OK"
    assert docs[0]["cluster"] == "ref" and docs[0]["host"] == os.uname().nodename
    assert log == [] and watch.log == []


async def test_unchanged_polls_bring_the_debounce_to_its_end(tmp_path: Path) -> None:
    out = tmp_path / "alert.json"
    rule = AlertRule("page", command=(script(tmp_path, "page", f"cat > {out}\n"),), debounce_s=30)
    listener = AlertListener("ref", [rule], print)
    watch = Watch(cluster(rule), listener)
    watch.round()
    watch.poll(unreachable("vnode3"))
    for _ in range(31):  # the same failure again and again: nothing changes but the time
        watch.clock.advance(1)
        watch.poll(unreachable("vnode3", "connection refused"))
    await listener.aclose()
    assert json.loads(out.read_text())["problem"]["code"] == "node-unreachable"


async def test_a_poll_never_waits_for_an_alert_command(tmp_path: Path) -> None:
    started, release, fast_out = tmp_path / "started", tmp_path / "release", tmp_path / "fast.json"
    # The pager hangs until the test lets it go: polls must go on meanwhile.
    # Bounded (about 30 s), so that a dispatch that did wait would fail the test rather than hang it.
    hang = script(
        tmp_path,
        "hang",
        f"echo $$ > {started}\ni=0\n"
        f"while [ ! -e {release} ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done\n",
    )
    fast = script(tmp_path, "fast", f"cat > {fast_out}\n")
    slow_rule = AlertRule("slow", command=(hang,), debounce_s=0, codes=frozenset({"node-unreachable"}))
    fast_rule = AlertRule("fast", command=(fast,), debounce_s=0, codes=frozenset({"fail-count"}))
    log: list[str] = []
    [listener] = build_listeners_for(cluster(slow_rule, fast_rule), log)
    watch = Watch(cluster(slow_rule, fast_rule), listener)
    watch.round()
    watch.clock.advance(2)
    watch.round("vnode3")  # node-unreachable: the hanging pager is started
    await wait_for(started)
    # While it hangs, polls are taken in and another problem's alert goes out through the other rule.
    watch.clock.advance(2)
    watch.poll(capture("vnode1", "failed-start"))
    await wait_for(fast_out)
    assert json.loads(fast_out.read_text())["rule"] == "fast"
    assert alive(int(started.read_text()))  # the first one is still running
    release.touch()
    await listener.aclose()
    assert log == [] and watch.log == []
    assert listener.dispatcher.delivered == 2


def build_listeners_for(config: ClusterConfig, log: list[str]) -> list[AlertListener]:
    from hatui.config import Config

    listeners = build_listeners(Config(clusters={"ref": config}), config, record_dir=None, log=log.append)
    assert all(isinstance(x, AlertListener) for x in listeners)
    return listeners  # type: ignore[return-value]


def test_a_cluster_without_rules_gets_no_alert_listener() -> None:
    assert AlertListener.for_cluster(cluster(), print) is None


async def test_alerts_over_the_rate_limit_are_logged_with_the_count_so_far(tmp_path: Path) -> None:
    spool = tmp_path / "spool"
    spool.mkdir()
    rule = AlertRule(
        "page",
        command=(script(tmp_path, "page", f'cat > "{spool}/$$"\n'),),
        debounce_s=0,
        rate_limit=RateLimit(1, 3600),
        codes=frozenset({"node-unreachable"}),
    )
    log: list[str] = []
    listener = AlertListener("ref", [rule], log.append)
    watch = Watch(cluster(rule), listener)
    watch.round()
    watch.clock.advance(2)
    watch.round("vnode2", "vnode3")
    await listener.aclose()
    assert len(list(spool.iterdir())) == 1
    assert log == [
        "alert page (new node-unreachable vnode3): dropped, rate limit 1/h reached (1 dropped so far)"
    ]


def test_the_alerts_import_no_console() -> None:
    """``hatui record`` runs them with no terminal: Textual must stay out."""
    code = "import sys, hatui.alerts.listener\n"
    code += "assert not [m for m in sys.modules if m.startswith(('textual', 'hatui.ui'))]"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
