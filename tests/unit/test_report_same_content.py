"""NodeReport.same_content: equal apart from when it was collected, and cheap when parts are shared."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hatui.model.report import NodeReport, SourceError
from hatui.sources.poller import ReplayPoller

REPLAY = Path(__file__).resolve().parents[1] / "replays" / "healthy"
T0 = datetime(2026, 1, 1, tzinfo=UTC)


async def _report() -> NodeReport:
    poller = ReplayPoller.from_dir(REPLAY)
    return await poller.poll(poller.nodes[0])


async def test_only_the_collection_time_differs() -> None:
    rep = await _report()
    later = dataclasses.replace(rep, collected_at=T0 + timedelta(seconds=5))
    assert later.same_content(rep) and rep.same_content(later)
    assert rep.same_content(rep)


async def test_none_is_never_the_same() -> None:
    assert not (await _report()).same_content(None)


async def test_any_other_difference_counts() -> None:
    rep = await _report()
    assert rep.pacemaker is not None
    changes = {
        "node": "other",
        "unreachable": "connection refused",
        "pacemaker": dataclasses.replace(rep.pacemaker, nodes=rep.pacemaker.nodes[:-1]),
        "errors": (SourceError(rep.node, "xm_list", "boom"),),
        "raw": {**rep.raw, "xm_list": "changed"},
        "stack": dataclasses.replace(rep.stack, pacemaker_version="0.0"),
    }
    for name, value in changes.items():
        other = dataclasses.replace(rep, **{name: value})
        assert not rep.same_content(other), name
        assert not other.same_content(rep), name


def test_equal_parts_that_are_not_the_same_objects_still_compare_equal() -> None:
    a = NodeReport(node="n1", raw={"x": "1"}, errors=(SourceError("n1", "x", "m"),))
    b = NodeReport(node="n1", raw={"x": "1"}, errors=(SourceError("n1", "x", "m"),), collected_at=T0)
    assert a.same_content(b)
    assert not a.same_content(NodeReport(node="n1", raw={"x": "2"}))


async def test_crm_mon_printing_a_new_time_alone_says_the_same() -> None:
    rep = await _report()
    xml = rep.raw["crm_mon.xml"]
    later = xml.replace('<last_update time="', '<last_update time="X', 1)
    assert later != xml
    restamped = dataclasses.replace(rep, raw={**rep.raw, "crm_mon.xml": later})
    assert restamped.same_content(rep) and rep.same_content(restamped)
    # Anything else in the text, or the same change in another output, is news.
    changed = later.replace('standby="false"', 'standby="true"', 1)
    assert not dataclasses.replace(rep, raw={**rep.raw, "crm_mon.xml": changed}).same_content(rep)
    other = {**rep.raw, "xm_list": rep.raw["xm_list"] + " "}
    assert not dataclasses.replace(rep, raw=other).same_content(rep)
    # The parsed picture still counts: a different last_updated there is a difference.
    assert rep.pacemaker is not None
    parsed = dataclasses.replace(rep.pacemaker, last_updated="elsewhen")
    assert not dataclasses.replace(restamped, pacemaker=parsed).same_content(rep)
