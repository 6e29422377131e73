"""The journal stays within its bounds: size (database file + write-ahead log, as on disk) over a
long run of changing outputs, and age; the oldest polls go first and what is kept reads back the
same as it was written."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hatui.journal.store import Bounds, Journal
from hatui.model.capture import NodeCapture

T0 = datetime(2026, 12, 5, 0, 0, tzinfo=UTC)
NODES = ("vnode1", "vnode2", "vnode3")
MIB = 1024 * 1024


def _capture(node: str, seq: int, at: datetime) -> NodeCapture:
    """A node's poll: xentop-like counters that change at every poll (random, so they compress
    badly even as deltas), a DRBD config that never changes, a Pacemaker view that changes now
    and then."""
    rnd = random.Random(f"{node}-{seq}")
    xentop = "".join(f"dom{i} {rnd.randrange(10**12)} {rnd.randrange(10**6)}\n" for i in range(150))
    return NodeCapture(
        node,
        outputs={
            "xentop": xentop,
            "drbd_dump": f"resource r0 {{ on {node} {{ disk /dev/vg/r0; }} }}\n",
            "crm_mon.txt": f"Last updated: {at:%c}\nOnline: [ vnode1 vnode2 vnode3 ]\nepoch {seq // 200}\n",
        },
        collected_at=at,
    )


def test_a_long_run_stays_within_max_bytes_and_drops_the_oldest_first(tmp_path: Path) -> None:
    bounds = Bounds(max_bytes=1 * MIB)
    written: dict[int, NodeCapture] = {}
    rounds = 400  # 1,200 polls, several times the bound even compressed
    largest = 0
    with Journal.open(tmp_path, create=True, cluster="long", bounds=bounds) as j:
        for seq in range(rounds):
            at = T0 + timedelta(seconds=2 * seq)
            for node in NODES:
                cap = _capture(node, seq, at)
                written[j.write_poll(cap, status="OK", problems=[], events=[])] = cap
                largest = max(largest, j.size_bytes())
            if seq % 30 == 29:  # the recorder prunes once a minute: every 30 polls of a node
                j.prune(now=at)
        ids = [p.id for p in j.polls()]
        # What was written reads back the same: the first poll kept (whose unchanged outputs
        # were carried onto it from dropped polls) as much as the last.
        for poll_id in (ids[0], ids[1], ids[len(ids) // 2], ids[-1]):
            assert j.capture(poll_id) == written[poll_id]
    assert largest <= bounds.max_bytes
    assert sum(len(o) for c in written.values() for o in c.outputs.values()) > 4 * MIB
    # Oldest first: what is left is the newest polls, none missing in between.
    assert ids[0] > 1
    assert ids == list(range(ids[0], max(written) + 1))


def test_polls_beyond_max_age_are_dropped_with_their_events_and_actions(tmp_path: Path) -> None:
    bounds = Bounds(max_age_s=3 * 86400)
    hours = 10 * 24
    with Journal.open(tmp_path, create=True, cluster="aged", bounds=bounds) as j:
        for h in range(hours):
            at = T0 + timedelta(hours=h)
            j.write_poll(_capture("vnode1", 0, at), status="OK", problems=[], events=[])
            if h % 24 == 0:
                j.write_action(
                    {"when": at.isoformat(), "event": "start", "action": "standby", "target": "vnode1"}
                )
        now = T0 + timedelta(hours=hours - 1)
        assert j.prune(now=now) > 0
        polls = j.polls()
        oldest = now - timedelta(seconds=bounds.max_age_s)
        assert all(p.at >= oldest for p in polls)
        # Only a sliver more than needed goes (the slack that keeps pruning rare).
        assert polls[0].at <= oldest + timedelta(seconds=bounds.max_age_s / 32)
        # The actions went with the polls of their time: the ones from the first poll kept on stay.
        actions = [T0 + timedelta(days=d) for d in range(10)]
        assert [e.at for e in j.events()] == [a for a in actions if a >= polls[0].at]
        assert len(j.events()) == 2
        # The outputs never changed after the first poll, which was dropped: carried, not lost.
        assert j.capture(polls[0].id).outputs == _capture("vnode1", 0, polls[0].at).outputs
        assert j.prune(now=now) == 0
