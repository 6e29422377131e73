"""Alerts in the console: a node that stops answering pages through the rule's command once its
debounce has passed, and a rule whose command is missing says so in a toast; the console goes on."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from pathlib import Path

from alert_support import script, written

from hatui.alerts.listener import AlertListener
from hatui.alerts.rules import AlertRule
from hatui.clock import FrozenClock
from hatui.model.capture import NodeCapture
from hatui.replay import replay_config
from hatui.sources.poller import ReplayPoller
from hatui.ui.app import make_app
from hatui.watch.listeners import build_listeners

HEALTHY = Path(__file__).resolve().parents[1] / "replays" / "healthy"


async def test_the_console_pages_for_a_lasting_problem_and_toasts_a_failed_alert(tmp_path: Path) -> None:
    out = tmp_path / "page.json"
    only = frozenset({"node-unreachable"})  # the replay runs without STONITH: not what this is about
    page = AlertRule("page", command=(script(tmp_path, "page", f"cat > {out}\n"),), codes=only)
    broken = AlertRule("broken", command=(str(tmp_path / "no-such-pager"),), codes=only)
    config = replay_config(HEALTHY)
    cluster = replace(config.cluster(), alerts=(page, broken))
    poller = ReplayPoller.from_dir(HEALTHY, interval=0.05)
    for capture in poller.captures:
        poller.replace(replace(capture, collected_at=None))
    clock = FrozenClock()
    app = make_app(config, cluster, poller, clock=clock)
    app.session.listeners = build_listeners(config, cluster, record_dir=None, log=app.log_line)
    (listener,) = app.session.listeners
    assert isinstance(listener, AlertListener)
    async with app.run_test(size=(160, 50)) as pilot:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 20
        poller.replace(NodeCapture(node="vnode3", unreachable="connection timed out"))
        while "vnode3" not in app.state.down_since:
            assert loop.time() < deadline, "vnode3's failure was not polled"
            await pilot.pause(0.05)
        await pilot.pause(0.3)
        assert not written(out)  # within the debounce: nothing sent
        clock.advance(31)
        while not written(out) or not [n for n in app._notifications if "no-such-pager" in n.message]:
            assert loop.time() < deadline, "no page and no toast after the debounce"
            await pilot.pause(0.05)
        toasts = [n.message for n in app._notifications if "no-such-pager" in n.message]
        assert toasts == [
            f"alert broken (new node-unreachable vnode3): cannot run {tmp_path}/no-such-pager: "
            "No such file or directory"
        ]
    doc = json.loads(out.read_text())
    assert (doc["state"], doc["problem"]["code"], doc["problem"]["subject"]) == (
        "new",
        "node-unreachable",
        "vnode3",
    )
