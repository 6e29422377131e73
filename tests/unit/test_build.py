"""build_report: parse failures stay per source, and shared outputs are parsed once per distinct text."""

from __future__ import annotations

from pathlib import Path

from hatui.model.capture import NodeCapture
from hatui.sources.parse import build_report

REPLAY = Path(__file__).resolve().parents[1] / "replays" / "healthy"


def _capture(node: str, **outputs: str) -> NodeCapture:
    return NodeCapture(node=node, outputs={k.replace("_xml", ".xml"): v for k, v in outputs.items()})


def test_same_crm_mon_on_two_nodes_is_parsed_once_but_each_keeps_its_own_when() -> None:
    xml = (REPLAY / "vnode1" / "crm_mon.xml").read_text()
    later = xml.replace('<last_update time="', '<last_update time="X', 1)
    assert later != xml
    a = build_report(_capture("vnode1", crm_mon_xml=xml))
    b = build_report(_capture("vnode2", crm_mon_xml=later))
    assert a.pacemaker is not None and b.pacemaker is not None
    # Same cluster picture, one parse: the very same object serves both nodes.
    assert b.pacemaker is a.pacemaker
    assert a.raw["crm_mon.xml"] == xml and b.raw["crm_mon.xml"] == later


def test_a_changed_cluster_is_parsed_again() -> None:
    xml = (REPLAY / "vnode1" / "crm_mon.xml").read_text()
    changed = xml.replace('standby="false"', 'standby="true"', 1)
    a = build_report(_capture("vnode1", crm_mon_xml=xml))
    b = build_report(_capture("vnode2", crm_mon_xml=changed))
    assert a.pacemaker is not None and b.pacemaker is not None
    assert b.pacemaker is not a.pacemaker
    assert [n.standby for n in b.pacemaker.nodes][0] is True
    assert [n.standby for n in a.pacemaker.nodes][0] is False


def test_a_bad_source_is_an_error_beside_the_good_ones() -> None:
    good = (REPLAY / "vnode1" / "xm_list").read_text()
    rep = build_report(_capture("vnode1", crm_mon_xml="<pacemaker-result>", xm_list=good))
    assert rep.pacemaker is None
    assert rep.domains is not None and [d.name for d in rep.domains if not d.is_host] == ["sentinel"]
    (err,) = rep.errors
    assert (err.node, err.source) == ("vnode1", "crm_mon.xml")
    # A failed parse is never memoised: the same bad text fails again, as itself.
    again = build_report(_capture("vnode2", crm_mon_xml="<pacemaker-result>"))
    assert again.errors[0].node == "vnode2" and again.pacemaker is None
