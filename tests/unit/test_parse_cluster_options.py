"""Cluster options from the CIB (Pacemaker 1.0's crm_mon text shows none): parsed and merged."""

from __future__ import annotations

import pytest

from hatui.errors import ParseError
from hatui.model.capture import NodeCapture, StackInfo
from hatui.parsers.cluster_options import parse_cluster_options
from hatui.sources.parse import build_report
from support import SHARED

SAMPLES = SHARED / "seed-lab" / "samples"

CRM_CONFIG = """<crm_config>
  <cluster_property_set id="cib-bootstrap-options">
    <nvpair id="o1" name="symmetric-cluster" value="false"/>
    <nvpair id="o2" name="stonith-enabled" value="false"/>
    <nvpair id="o3" name="no-quorum-policy" value="ignore"/>
  </cluster_property_set>
  <cluster_property_set id="later">
    <nvpair id="o4" name="symmetric-cluster" value="true"/>
    <nvpair id="o5" name="maintenance-mode" value="true"/>
  </cluster_property_set>
</crm_config>"""


def test_the_first_set_wins_and_every_option_is_read() -> None:
    o = parse_cluster_options(CRM_CONFIG)
    assert (o.symmetric_cluster, o.stonith_enabled, o.no_quorum_policy, o.maintenance_mode) == (
        False,
        False,
        "ignore",
        True,
    )


def test_the_real_1_0_9_cib() -> None:
    sample = SAMPLES / "cibadmin-Q.txt"
    if not sample.is_file():
        pytest.skip("../shared/seed-lab is absent")
    lines = sample.read_text().splitlines()
    o = parse_cluster_options("\n".join(lines[1:-1]))
    assert (o.symmetric_cluster, o.stonith_enabled, o.no_quorum_policy) == (False, False, "ignore")


def test_an_option_the_cib_does_not_set_has_pacemakers_default() -> None:
    o = parse_cluster_options("<crm_config><cluster_property_set id='x'/></crm_config>")
    assert (o.symmetric_cluster, o.stonith_enabled, o.no_quorum_policy, o.maintenance_mode) == (
        True,
        True,
        "stop",
        False,
    )


@pytest.mark.parametrize("bad", ["", "not xml", "<constraints/>", "<cib><configuration/></cib>"])
def test_bad_input_is_a_parse_error(bad: str) -> None:
    with pytest.raises(ParseError):
        parse_cluster_options(bad)


def test_a_1_0_report_carries_the_options_in_its_pacemaker_picture() -> None:
    text = (SAMPLES / "crm_mon-1-r-f.txt").read_text().splitlines() if SAMPLES.is_dir() else []
    if not text:
        pytest.skip("../shared/seed-lab is absent")
    capture = NodeCapture(
        "node1",
        {"crm_mon.txt": "\n".join(text[1:-1]) + "\n", "crm_config.xml": CRM_CONFIG},
        stack=StackInfo(crm_mon="text", pacemaker_version="1.0.9"),
    )
    report = build_report(capture)
    assert report.errors == ()
    assert report.pacemaker is not None
    assert report.pacemaker.symmetric_cluster is False
    assert report.pacemaker.maintenance_mode is True
