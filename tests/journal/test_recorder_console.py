"""The console records too (``--record DIR``): its polls reach the journal through the same listeners
as ``hatui record``, and quitting closes the journal and frees it for the next writer."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

from hatui.clock import FrozenClock
from hatui.journal.listener import JournalListener
from hatui.journal.store import Journal
from hatui.model.capture import NodeCapture
from hatui.model.report import NodeReport
from hatui.replay import replay_config
from hatui.sources.poller import ReplayPoller
from hatui.ui.app import make_app
from hatui.ui.messages import NodePolled
from hatui.watch.listeners import build_listeners

HEALTHY = Path(__file__).resolve().parents[1] / "replays" / "healthy"


async def test_the_console_with_record_writes_every_poll(tmp_path: Path) -> None:
    config = replay_config(HEALTHY)
    cluster = config.cluster()
    poller = ReplayPoller.from_dir(HEALTHY, interval=0.05)
    for capture in poller.captures:
        poller.replace(replace(capture, collected_at=None))
    clock = FrozenClock()
    app = make_app(config, cluster, poller, clock=clock)
    app.session.listeners = build_listeners(config, cluster, record_dir=tmp_path / "j", log=print)
    (listener,) = app.session.listeners
    assert isinstance(listener, JournalListener)
    async with app.run_test(size=(160, 50)) as pilot:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 10
        while listener.polls_written < 6:
            assert loop.time() < deadline, "the console's polls did not reach the journal"
            await pilot.pause(0.05)
        poller.replace(NodeCapture(node="vnode3", unreachable="connection timed out"))
        clock.advance(5)
        while "vnode3" in app.state.last and app.state.last["vnode3"].reachable:
            assert loop.time() < deadline, "vnode3's failure was not polled"
            await pilot.pause(0.05)
        await pilot.pause(0.2)
    # Quitting closed the journal: it opens, and holds the console's polls and its events.
    journal = Journal.open(tmp_path / "j")
    polls = journal.polls()
    assert {p.node for p in polls} == {"vnode1", "vnode2", "vnode3"}
    assert len(polls) == listener.polls_written
    assert any(not p.reachable and p.node == "vnode3" for p in polls)
    assert ("node-unreachable", "vnode3") in [(e.kind, e.subject) for e in journal.events()]
    journal.close()
    JournalListener.open(tmp_path / "j", cluster, log=print).close()  # the lock went with the console


def test_a_queued_poll_is_kept_for_the_listeners() -> None:
    old, new = NodeReport(node="vnode1"), NodeReport(node="vnode1", unreachable="timed out")
    # Without listeners the newer poll of a node supersedes the one still queued (one redraw)...
    assert NodePolled("ref", new).can_replace(NodePolled("ref", old))
    # ...with them each poll reaches the journal.
    assert not NodePolled("ref", new, heard=True).can_replace(NodePolled("ref", old, heard=True))
