"""ReportMemo: an unchanged capture gives the node's last report back; any change is parsed."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from hatui.model.capture import NodeCapture
from hatui.model.report import NodeReport
from hatui.replay import read_replay_dir
from hatui.sources.parse import ReportMemo, build_report
from hatui.sources.poller import ReplayPoller

REPLAYS = Path(__file__).resolve().parents[1] / "replays"
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _capture(replay: str = "healthy", node: int = 0) -> NodeCapture:
    return dataclasses.replace(read_replay_dir(REPLAYS / replay)[node], collected_at=T0)


def _parts(rep: NodeReport) -> dict[str, object]:
    return {f.name: getattr(rep, f.name) for f in dataclasses.fields(rep) if f.name != "collected_at"}


def test_an_unchanged_capture_gives_the_same_parts_with_the_new_time() -> None:
    memo = ReportMemo()
    first = memo.report(_capture())
    # A new capture object with equal (not identical) outputs, as a poll of a quiet node gives.
    again = _capture()
    again = dataclasses.replace(
        again,
        outputs={k: "".join(list(v)) for k, v in again.outputs.items()},
        collected_at=T0 + timedelta(seconds=2),
    )
    second = memo.report(again)
    assert second.collected_at == T0 + timedelta(seconds=2)
    assert first.collected_at == T0
    for name, part in _parts(first).items():
        assert _parts(second)[name] is part, name
    assert second.same_content(first)


def test_the_same_capture_twice_is_the_same_report() -> None:
    memo = ReportMemo()
    cap = _capture()
    assert memo.report(cap) is memo.report(cap)


def _changed(cap: NodeCapture, what: str) -> NodeCapture:
    if what == "output":
        xml = cap.outputs["crm_mon.xml"].replace('standby="false"', 'standby="true"', 1)
        return dataclasses.replace(cap, outputs={**cap.outputs, "crm_mon.xml": xml})
    if what == "stamp":
        xml = cap.outputs["crm_mon.xml"].replace('<last_update time="', '<last_update time="X', 1)
        return dataclasses.replace(cap, outputs={**cap.outputs, "crm_mon.xml": xml})
    if what == "error":
        return dataclasses.replace(cap, errors={**cap.errors, "xm_list": "exit 1"})
    if what == "stack":
        return dataclasses.replace(cap, stack=dataclasses.replace(cap.stack, pacemaker_version="0.0"))
    assert what == "unreachable"
    return dataclasses.replace(cap, unreachable="connection refused", outputs={})


@pytest.mark.parametrize("what", ["output", "error", "stack", "unreachable"])
def test_any_change_gives_a_new_report_equal_to_a_fresh_parse(what: str) -> None:
    memo = ReportMemo()
    cap = _capture()
    first = memo.report(cap)
    changed = _changed(cap, what)
    second = memo.report(changed)
    assert not second.same_content(first)
    assert second == build_report(changed)
    # And back: the first capture again is told apart from the changed one.
    third = memo.report(cap)
    assert not third.same_content(second)
    assert third == build_report(cap)


def test_a_new_crm_mon_stamp_alone_is_no_news_but_its_text_is_kept() -> None:
    memo = ReportMemo()
    cap = _capture()
    first = memo.report(cap)
    later = _changed(cap, "stamp")
    second = memo.report(later)
    # crm_mon ran again and printed the same cluster: the same parsed picture, nothing to redraw...
    assert second.same_content(first) and second.pacemaker is first.pacemaker
    # ...yet the report holds what the node printed this time.
    assert second.raw["crm_mon.xml"] == later.outputs["crm_mon.xml"] != first.raw["crm_mon.xml"]
    assert second == build_report(later)


def test_unchanged_outputs_keep_their_parts_when_another_changed() -> None:
    memo = ReportMemo()
    cap = _capture()
    first = memo.report(cap)
    second = memo.report(_changed(cap, "output"))
    assert second.pacemaker is not first.pacemaker
    assert second.domains is first.domains and second.drbd is first.drbd
    assert second.constraints is first.constraints


@pytest.mark.parametrize("replay", ["healthy", "degraded", "split-brain", "node-down", "capacity"])
def test_memo_reports_equal_fresh_parses_on_every_replay(replay: str) -> None:
    memo = ReportMemo()
    for cap in read_replay_dir(REPLAYS / replay):
        assert memo.report(cap) == build_report(cap)
        assert memo.report(cap) == build_report(cap)


def test_nodes_are_kept_apart() -> None:
    memo = ReportMemo()
    a, b = _capture(node=0), dataclasses.replace(_capture(node=0), node="other")
    ra, rb = memo.report(a), memo.report(b)
    assert (ra.node, rb.node) == (a.node, "other")
    assert memo.report(a) is ra


def test_a_bad_output_stays_an_error_when_it_comes_again() -> None:
    memo = ReportMemo()
    cap = dataclasses.replace(_capture(), outputs={**_capture().outputs, "crm_mon.xml": "<pacemaker-result>"})
    for _ in range(2):
        rep = memo.report(cap)
        assert rep.pacemaker is None
        assert [e.source for e in rep.errors] == ["crm_mon.xml"]


async def test_the_replay_poller_answers_an_unchanged_node_with_its_last_report() -> None:
    poller = ReplayPoller.from_dir(REPLAYS / "healthy")
    node = poller.nodes[0]
    first = await poller.poll(node)
    again = await poller.poll(node)
    assert again.same_content(first) and again.pacemaker is first.pacemaker
    poller.replace(_changed(poller.captures[0], "output"))
    changed = await poller.poll(node)
    assert not changed.same_content(again)
    assert changed.pacemaker is not None and changed.pacemaker.nodes[0].standby is True
