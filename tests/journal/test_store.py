"""The journal store: what goes in comes back whole, unchanged polls add nothing but a row."""

from __future__ import annotations

import os
import sqlite3
import stat
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from hatui.errors import HatuiError
from hatui.journal.blobs import STAMP_HEAD, join_stamps, split_stamps
from hatui.journal.store import JOURNAL_FILE, Bounds, Journal, JournalEvent
from hatui.model.capture import NodeCapture
from hatui.model.events import ClusterEvent, EventKind
from hatui.model.stack import CrmMonFlavour, StackInfo
from hatui.replay import read_replay_dir
from support import FIXTURES, ROOT

T0 = datetime(2026, 12, 5, 3, 0, tzinfo=UTC)
HEALTHY = ROOT / "tests" / "replays" / "healthy"
NODE_DOWN = ROOT / "tests" / "replays" / "node-down"


def _at(caps: list[NodeCapture], seconds: float) -> list[NodeCapture]:
    return [replace(c, collected_at=T0 + timedelta(seconds=seconds)) for c in caps]


def _stamped(cap: NodeCapture, stamp: str) -> NodeCapture:
    """``cap`` as crm_mon prints it at another time: only the ``last_update`` stamp differs."""
    xml = cap.outputs["crm_mon.xml"]
    start = xml.index('<last_update time="') + len('<last_update time="')
    end = xml.index('"', start)
    return replace(cap, outputs={**cap.outputs, "crm_mon.xml": xml[:start] + stamp + xml[end:]})


def _count(file: Path, table: str) -> int:
    with sqlite3.connect(file) as db:
        return int(db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])


def test_a_poll_reads_back_as_written(tmp_path: Path) -> None:
    caps = _at(read_replay_dir(HEALTHY), 0)
    stack = StackInfo(crm_mon=CrmMonFlavour.OUTPUT_AS_XML, pacemaker_version="2.1.5", tools=frozenset({"df"}))
    caps[0] = replace(caps[0], errors={"xentop": "exit 127"}, stack=stack)
    with Journal.open(tmp_path / "rec", create=True, cluster="demo") as j:
        ids = [j.write_poll(c, status="OK", problems=[], events=[]) for c in caps]
    with Journal.open(tmp_path / "rec") as j:
        assert j.cluster == "demo"
        assert j.created.tzinfo is not None
        for poll_id, cap in zip(ids, caps, strict=True):
            assert j.capture(poll_id) == cap
        assert j.captures_at(ids[-1]) == sorted(caps, key=lambda c: c.node)
        # As of the first poll, only the first node had been polled.
        assert [c.node for c in j.captures_at(ids[0])] == [caps[0].node]


def test_an_unreachable_node_reads_back_unreachable(tmp_path: Path) -> None:
    down = NodeCapture("vnode2", unreachable="timed out after 5 s", collected_at=T0)
    with Journal.open(tmp_path, create=True, cluster="demo") as j:
        poll_id = j.write_poll(down, status="CRITICAL", problems=[], events=[])
        assert j.capture(poll_id) == down
        assert j.polls()[0].reachable is False


def test_an_unchanged_cluster_adds_one_row_per_poll_and_keeps_each_stamp(tmp_path: Path) -> None:
    caps = read_replay_dir(HEALTHY)
    stamps = [f"Sat Dec  5 03:00:{s:02d} 2026" for s in range(0, 20, 2)]
    with Journal.open(tmp_path, create=True, cluster="demo") as j:
        for i, stamp in enumerate(stamps):
            for cap in _at(caps, 2 * i):
                j.write_poll(_stamped(cap, stamp), status="OK", problems=[], events=[])
        # Every distinct output once (plus the nodes' identical errors/stack record), and a row
        # per output of the first round only: nothing was added after it but the polls.
        distinct = {text for c in caps for text in _stamped(c, "").outputs.values()}
        assert _count(j.file, "blobs") == len(distinct) + 2  # and the empty problem list
        assert _count(j.file, "outputs") == sum(len(c.outputs) + 1 for c in caps) + 1
        polls = j.polls()
        assert len(polls) == len(stamps) * len(caps)
        assert [p.changed for p in polls] == [True] * len(caps) + [False] * (len(polls) - len(caps))
        last = polls[-1]
        assert j.capture(last.id) == _stamped(replace(caps[-1], collected_at=last.at), stamps[-1])


def test_a_changed_output_marks_the_poll_changed(tmp_path: Path) -> None:
    healthy = {c.node: c for c in read_replay_dir(HEALTHY)}
    down = {c.node: c for c in read_replay_dir(NODE_DOWN)}
    with Journal.open(tmp_path, create=True, cluster="demo") as j:
        first = j.write_poll(healthy["vnode1"], status="OK", problems=[], events=[])
        same = j.write_poll(healthy["vnode1"], status="OK", problems=[], events=[])
        other = j.write_poll(down["vnode1"], status="CRITICAL", problems=[], events=[])
        flags = {p.id: p.changed for p in j.polls()}
        assert (flags[first], flags[same], flags[other]) == (True, False, True)
        assert j.capture(other).outputs == down["vnode1"].outputs


def test_a_write_rolled_back_is_not_taken_for_written(tmp_path: Path) -> None:
    """The journal remembers each series' latest value to spare a query per output; a poll whose
    transaction failed half-way (here an event cannot be stored) must leave nothing remembered
    of it, or the same change at the next poll would be taken for stored already."""
    healthy = {c.node: c for c in read_replay_dir(HEALTHY)}
    down = {c.node: c for c in read_replay_dir(NODE_DOWN)}
    with Journal.open(tmp_path, create=True, cluster="demo") as j:
        j.write_poll(healthy["vnode1"], status="OK", problems=[], events=[])
        with pytest.raises(HatuiError):
            j.write_poll(down["vnode1"], status="CRITICAL", problems=[], events=[object()])  # type: ignore[list-item]
        again = j.write_poll(down["vnode1"], status="CRITICAL", problems=[], events=[])
        assert [p.changed for p in j.polls()] == [True, True]
        assert j.capture(again).outputs == down["vnode1"].outputs
    with Journal.open(tmp_path) as j:  # and as another process reads it
        assert j.capture(again).outputs == down["vnode1"].outputs


def test_pruning_forgets_what_it_may_have_dropped(tmp_path: Path) -> None:
    """Pruning all of a node's polls drops its series: when the node is polled again, the same
    outputs as before are new to the journal and must be stored, not taken for its latest."""
    healthy = {c.node: c for c in read_replay_dir(HEALTHY)}
    day = timedelta(days=1)
    with Journal.open(tmp_path, create=True, cluster="demo", bounds=Bounds(max_age_s=1.5 * 86400)) as j:
        j.write_poll(replace(healthy["vnode2"], collected_at=T0), status="OK", problems=[], events=[])
        for i in (1, 2, 3):
            j.write_poll(replace(healthy["vnode1"], collected_at=T0 + i * day), status="OK", problems=[],
                         events=[])  # fmt: skip
        assert j.prune(now=T0 + 3 * day) >= 1
        assert "vnode2" not in {p.node for p in j.polls()}
        back = j.write_poll(replace(healthy["vnode2"], collected_at=T0 + 3 * day), status="OK",
                            problems=[], events=[])  # fmt: skip
        assert j.capture(back).outputs == healthy["vnode2"].outputs


@pytest.mark.parametrize(
    ("source", "text", "stamps"),
    [
        # Pacemaker 1.0.9 (the seed demo's crm_mon -1 -r -f) and 2.1.5 (a real capture).
        (
            "crm_mon.txt",
            "============\nLast updated: Sat Dec  5 11:47:19 2026\nStack: openais\n",
            ["Sat Dec  5 11:47:19 2026"],
        ),
        ("crm_mon.txt", (FIXTURES / "crm_mon" / "healthy.txt").read_text(), ["Wed Nov 25 18:36:18 2026"]),
        ("crm_mon.xml", (HEALTHY / "vnode1" / "crm_mon.xml").read_text(), ["Wed Nov 25 18:36:18 2026"]),
        (
            "crm_mon.xml",
            '<crm_mon>\n  <pacemakerd sys_from="pacemakerd" state="running" last_updated='
            '"2026-11-25 17:47:27Z"/>\n  <summary>\n    <last_update time="Wed Nov 25 17:47:28 2026"/>\n',
            ["2026-11-25 17:47:27Z", "Wed Nov 25 17:47:28 2026"],
        ),
        (
            "corosync_quorumtool",
            (HEALTHY / "vnode1" / "corosync_quorumtool").read_text(),
            ["Wed Nov 25 17:46:03 2026"],
        ),
        ("proc_drbd", "version: 8.3.7\nLast updated: 3\n", []),
    ],
    ids=["1.0.9-text", "2.1-text", "2.1-xml", "2.1-xml-pacemakerd", "quorumtool", "not-crm_mon"],
)
def test_crm_mon_when_stamps_are_cut_and_restored(source: str, text: str, stamps: list[str]) -> None:
    bare, found = split_stamps(source, text)
    assert [value for _, value in found] == stamps
    assert join_stamps(bare, found) == text
    # Printed at another time, the same cluster: the same stamp-free text.
    later = text
    for value in stamps:
        later = later.replace(value, "Thu Nov 26 01:02:03 2026", 1)  # not an operation's time
    assert split_stamps(source, later)[0] == bare


@pytest.mark.parametrize("offset", [STAMP_HEAD - 40, STAMP_HEAD - 5, STAMP_HEAD + 10, 3 * STAMP_HEAD])
def test_a_stamp_past_the_head_stays_in_the_text_and_nothing_is_lost(offset: int) -> None:
    """Stamps are looked for in an output's first lines only; one further in (or cut by the edge
    of that head) is kept as text: the output still reads back exactly as printed."""
    head = '<crm_mon version="2.1.5">\n  <summary>\n    <last_update time="Thu Nov 26 00:00:01 2026"/>\n'
    filler = "<!--" + "x" * (offset - len(head) - 7) + "-->\n"
    text = head + filler + '<last_update time="Thu Nov 26 00:00:09 2026"/>\n</crm_mon>\n'
    bare, found = split_stamps("crm_mon.xml", text)
    assert found[0][1] == "Thu Nov 26 00:00:01 2026"  # the one in the head is always cut
    assert join_stamps(bare, found) == text


def test_the_modern_demo_crm_mon_of_a_settled_cluster_is_the_same_two_seconds_later() -> None:
    """Pacemaker 2.1's XML stamps twice (last_update and pacemakerd's last_updated): without both
    an unchanged cluster's output would be new at every poll."""
    from hatui.demo import DemoCluster
    from hatui.demo.render_pacemaker import crm_mon_xml

    demo = DemoCluster(generation="modern")
    demo.advance(300)  # started and settled
    node = demo.node_names[0]
    before = crm_mon_xml(demo, node, "crm_mon --output-as=xml")
    demo.advance(2)
    after = crm_mon_xml(demo, node, "crm_mon --output-as=xml")
    assert before != after
    assert split_stamps("crm_mon.xml", before)[0] == split_stamps("crm_mon.xml", after)[0]


def test_verdicts_and_events_read_back(tmp_path: Path) -> None:
    cap = replace(read_replay_dir(HEALTHY)[0], collected_at=T0)
    problem = {
        "severity": "critical",
        "code": "node-unreachable",
        "subject": "vnode2",
        "node": "vnode2",
        "message": "timed out",
        "kind": None,
        "affects": [],
        "since": T0.isoformat(),
    }
    event = ClusterEvent(T0, EventKind.NODE_UNREACHABLE, "vnode2", "vnode2", "vnode2 unreachable", "critical")
    with Journal.open(tmp_path, create=True, cluster="demo") as j:
        ok = j.write_poll(cap, status="OK", problems=[], events=[])
        bad = j.write_poll(cap, status="CRITICAL", problems=[problem], events=[event])
        assert j.verdict_at(ok) == ("OK", [])
        assert j.verdict_at(bad) == ("CRITICAL", [problem])
        assert [p.status for p in j.polls()] == ["OK", "CRITICAL"]
        (got,) = j.events()
        assert got == JournalEvent(
            T0, "node-unreachable", "vnode2", "vnode2", "vnode2 unreachable", "critical", bad
        )
        assert JournalEvent.from_dict(got.to_dict()) == got
        assert j.events(since=T0 + timedelta(seconds=1)) == []


def test_polls_and_events_between_times(tmp_path: Path) -> None:
    cap = read_replay_dir(HEALTHY)[0]
    with Journal.open(tmp_path, create=True, cluster="demo") as j:
        for s in range(10):
            at = T0 + timedelta(seconds=s)
            ev = ClusterEvent(at, EventKind.DC_CHANGED, "cluster", None, f"event {s}")
            j.write_poll(replace(cap, collected_at=at), status="OK", problems=[], events=[ev])
        window = j.polls(since=T0 + timedelta(seconds=3), until=T0 + timedelta(seconds=5))
        assert [p.at.second for p in window] == [3, 4, 5]
        assert [e.message for e in j.events(until=T0 + timedelta(seconds=1))] == ["event 0", "event 1"]


def test_an_action_is_written_once_and_reads_back_as_an_event(tmp_path: Path) -> None:
    record = {
        "when": "2026-12-05T03:00:05+00:00",
        "who": "alice",
        "host": "adm1",
        "event": "end",
        "id": "a1",
        "cluster": "demo",
        "action": "standby",
        "target": "vnode1",
        "ok": False,
        "outcome": "crm_standby failed",
        "results": [],
        "left": [],
    }
    with Journal.open(tmp_path, create=True, cluster="demo") as j:
        j.write_action(record)
        j.write_action(record)  # a tailer that read the log again must not double it
        (event,) = j.events()
    assert event.kind == "action"
    assert event.at == T0 + timedelta(seconds=5)
    assert event.subject == "vnode1"
    assert event.severity == "warning"
    assert "standby" in event.message and "FAILED" in event.message
    assert event.poll_id is None


def test_files_are_owner_only(tmp_path: Path) -> None:
    rec = tmp_path / "state" / "rec"
    with Journal.open(rec, create=True, cluster="demo") as j:
        j.write_poll(read_replay_dir(HEALTHY)[0], status="OK", problems=[], events=[])
        made = sorted(p.name for p in rec.iterdir())
        assert JOURNAL_FILE + "-wal" in made
        for name in made:
            assert stat.S_IMODE((rec / name).stat().st_mode) == 0o600, name
    assert stat.S_IMODE(rec.stat().st_mode) == 0o700


def test_is_journal_tells_a_journal_from_a_capture(tmp_path: Path) -> None:
    Journal.open(tmp_path / "rec", create=True, cluster="demo").close()
    assert Journal.is_journal(tmp_path / "rec")
    assert Journal.is_journal(tmp_path / "rec" / JOURNAL_FILE)
    assert not Journal.is_journal(HEALTHY)
    assert not Journal.is_journal(HEALTHY / "vnode1" / "crm_mon.xml")
    assert not Journal.is_journal(tmp_path / "missing")


def test_a_journal_of_another_cluster_is_refused(tmp_path: Path) -> None:
    Journal.open(tmp_path, create=True, cluster="alpha").close()
    with pytest.raises(HatuiError, match="'alpha', not 'beta'"):
        Journal.open(tmp_path, create=True, cluster="beta")
    with Journal.open(tmp_path, cluster="alpha") as j:
        assert j.cluster == "alpha"


def test_a_file_a_symlink_points_at_is_not_created(tmp_path: Path) -> None:
    (tmp_path / "rec").mkdir()
    victim = tmp_path / "victim"
    os.symlink(victim, tmp_path / "rec" / JOURNAL_FILE)
    with pytest.raises(HatuiError):
        Journal.open(tmp_path / "rec", create=True, cluster="demo")
    assert not victim.exists()


def test_nodes_printing_the_same_share_one_remembered_copy_and_old_texts_go(tmp_path: Path) -> None:
    """The writer remembers each series' last text to compare the next poll's with (cheaper than
    hashing it); nodes printing the same output hold one copy, and texts no series holds any
    more are let go, so a long run of changing outputs keeps memory bounded."""
    cap = read_replay_dir(HEALTHY)[0]
    with Journal.open(tmp_path, create=True, cluster="demo") as j:
        for node in ("n1", "n2", "n3"):
            j.write_poll(replace(cap, node=node, collected_at=T0), status="OK", problems=[], events=[])
        heads = j._texts.heads  # what the writer remembers is the subject here
        assert heads["n1"]["crm_mon.xml"][2] is heads["n3"]["crm_mon.xml"][2]
        for i in range(300):
            changing = {**cap.outputs, "xm_list": f"Name ID\nDomain-0 0 {i}\n"}
            j.write_poll(replace(cap, node="n1", outputs=changing, collected_at=T0 + timedelta(seconds=i)),
                         status="OK", problems=[], events=[])  # fmt: skip
        held = sum(len(h) for h in heads.values())
        assert len(j._texts._by_hash) <= 2 * held + 17
        assert j.capture(j.polls()[-1].id).outputs["xm_list"] == "Name ID\nDomain-0 0 299\n"
