"""The demo's Pacemaker outputs are what the real Pacemaker 2.1.5 tools print for the same state.

Three independent checks: the crm_mon XML validates against the RELAX NG schemas (the shared
corpus copy, and the exact 2.25 one when Pacemaker is installed); the real ``crm_mon`` run on the
CIB the demo prints gives the demo's own crm_mon XML; and the real ``crm_resource`` run on that CIB
prints and writes what the demo's crm_resource prints and writes.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from demo_support import CRM_MON, make_cluster, needs_crm_mon, needs_crm_resource, out, real_tool
from lxml import etree

from hatui.demo import DemoCluster
from support import CORPUS, LAB_SAMPLES, needs_shared

SHARED_API_RESULT = CORPUS / "schemas" / "pcs-generated-api-result" / "api" / "api-result.rng"
EXACT_API_RESULT = Path("/usr/share/pacemaker/api/api-result-2.25.rng")
EXACT_CIB = Path("/usr/share/pacemaker/pacemaker-3.9.rng")


def _banned_mid_move(c: DemoCluster) -> None:
    out(c, "vnode1", "crm_resource", "--ban", "-r", "sentinel", "-N", "vnode1")
    c.advance(2.5)


def _monitor_failed(c: DemoCluster) -> None:
    c.inject("fail-monitor", "www")
    c.advance(4.5)


def _recovered(c: DemoCluster) -> None:
    c.inject("fail-monitor", "dns")
    c.advance(40)


def _standby(c: DemoCluster) -> None:
    out(c, "vnode3", "crm_standby", "-N", "vnode1", "-v", "on")
    c.advance(30)


def _killed(c: DemoCluster) -> None:
    c.advance(900)
    c.inject("kill-node", "vnode1")
    c.advance(20)


def _revived(c: DemoCluster) -> None:
    _killed(c)
    c.inject("heal", "vnode1")
    c.advance(30)


def _maintenance(c: DemoCluster) -> None:
    out(c, "vnode2", "crm_attribute", "-n", "maintenance-mode", "-v", "true")
    out(c, "vnode2", "crm_resource", "--move", "-r", "ldap", "-N", "vnode2", "--lifetime", "PT2H")
    out(c, "vnode2", "crm_resource", "--ban", "-r", "ms_drbd_dns-root", "-N", "vnode2", "--promoted")


def _node_maintenance(c: DemoCluster) -> None:
    out(c, "vnode3", "crm", "node", "maintenance", "vnode1")
    out(c, "vnode3", "crm_standby", "-N", "vnode3", "-v", "on")
    c.advance(10)


def _thawed(c: DemoCluster) -> None:
    c.advance(900)
    c.inject("freeze-node", "vnode1")
    c.advance(15)
    c.inject("heal", "vnode1")
    c.advance(20)


SCENARIOS: dict[str, Callable[[DemoCluster], None]] = {
    "initial": lambda c: None,
    "banned-mid-move": _banned_mid_move,
    "monitor-failed": _monitor_failed,
    "recovered": _recovered,
    "standby": _standby,
    "killed": _killed,
    "revived": _revived,
    "maintenance": _maintenance,
    "node-maintenance-and-standby": _node_maintenance,
    "thawed-split-brain": _thawed,
}


def _state(name: str) -> DemoCluster:
    c = make_cluster(generation="modern")
    SCENARIOS[name](c)
    return c


def _with_compat_twins(doc: etree._ElementTree) -> etree._ElementTree:
    # API 2.41 (Pacemaker 3.0.2) made "removed" a required twin of "orphan"/"orphaned"; 2.25 has
    # only the old names. Adding the twin is the one step between 2.1.5 output and that schema.
    for el in doc.iter("resource_history"):
        el.set("removed", el.get("orphan", "false"))
    for el in doc.iter("resource"):
        if el.get("orphaned") is not None:
            el.set("removed", el.get("orphaned", "false"))
    return doc


@needs_shared
@pytest.mark.parametrize(
    "sample", ["live-3node-crm_mon.xml", "live-3node-crm_mon-failure.xml", "crm_mon-offline-failed.xml"]
)
def test_real_2_1_5_output_validates_the_same_way(sample: str) -> None:
    schema = etree.RelaxNG(etree.parse(str(SHARED_API_RESULT)))
    doc = _with_compat_twins(etree.parse(str(LAB_SAMPLES / sample)))
    assert schema.validate(doc), schema.error_log


@needs_shared
@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_crm_mon_xml_validates_against_the_shared_schema(scenario: str) -> None:
    c = _state(scenario)
    schema = etree.RelaxNG(etree.parse(str(SHARED_API_RESULT)))
    for node in ("vnode2", "vnode3"):
        doc = etree.ElementTree(etree.fromstring(out(c, node, *CRM_MON).encode()))
        assert schema.validate(_with_compat_twins(doc)), f"{scenario} on {node}: {schema.error_log}"


@pytest.mark.skipif(not EXACT_API_RESULT.is_file(), reason="Pacemaker 2.1.5's API schemas are not installed")
@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_crm_mon_xml_validates_against_the_exact_2_25_schema(scenario: str) -> None:
    c = _state(scenario)
    schema = etree.RelaxNG(etree.parse(str(EXACT_API_RESULT)))
    doc = etree.fromstring(out(c, "vnode3", *CRM_MON).encode())
    assert schema.validate(doc), schema.error_log
    assert doc.get("api-version") == "2.25"
    assert doc.get("request") == " ".join(CRM_MON)


@pytest.mark.skipif(not EXACT_CIB.is_file(), reason="Pacemaker's CIB schemas are not installed")
@pytest.mark.parametrize("scenario", ["initial", "maintenance", "killed"])
def test_cib_validates_against_the_pacemaker_3_9_schema(scenario: str) -> None:
    c = _state(scenario)
    schema = etree.RelaxNG(etree.parse(str(EXACT_CIB)))
    doc = etree.fromstring(out(c, "vnode3", "cibadmin", "-Q").encode())
    assert schema.validate(doc), schema.error_log
    assert doc.get("validate-with") == "pacemaker-3.9"


@needs_crm_mon
@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_real_crm_mon_on_the_demo_cib_prints_the_demo_output(scenario: str, tmp_path: Path) -> None:
    c = _state(scenario)
    asker = "vnode3"
    cib = tmp_path / "cib.xml"
    cib.write_text(out(c, asker, "cibadmin", "-Q"))
    real = real_tool(list(CRM_MON), cib)
    assert real.returncode == 0, real.stderr
    # Only a live cluster has pacemakerd's health, and "last updated" is the moment of the call.
    demo = [ln for ln in out(c, asker, *CRM_MON).splitlines() if "<pacemakerd " not in ln]
    expected = real.stdout.splitlines()
    stamp = re.compile(r'<last_update time="[^"]*"/>')
    assert [stamp.sub("", ln) for ln in demo] == [stamp.sub("", ln) for ln in expected]


@needs_crm_mon
@pytest.mark.parametrize("scenario", ["initial", "monitor-failed", "killed"])
def test_real_legacy_as_xml_matches_too(scenario: str, tmp_path: Path) -> None:
    c = _state(scenario)
    cib = tmp_path / "cib.xml"
    cib.write_text(out(c, "vnode3", "cibadmin", "-Q"))
    real = real_tool(["crm_mon", "--as-xml"], cib)
    stamp = re.compile(r'<last_update time="[^"]*"/>')
    assert stamp.sub("", out(c, "vnode3", "crm_mon", "--as-xml")) == stamp.sub("", real.stdout)


ROUND_TRIP = [
    ["crm_resource", "--ban", "-r", "sentinel", "-N", "vnode1"],
    ["crm_resource", "--ban", "-r", "sentinel", "-N", "vnode1"],
    ["crm_resource", "--move", "-r", "www", "-N", "vnode2"],
    ["crm_resource", "--move", "-r", "mail", "-N", "vnode1"],
    ["crm_resource", "--move", "-r", "dns"],
    ["crm_resource", "--ban", "-r", "ldap"],
    ["crm_resource", "--ban", "-r", "ms_drbd_mail-root", "-N", "vnode1", "--promoted"],
    ["crm_resource", "--move", "-r", "elearning", "-N", "vnode2", "--promoted"],
    ["crm_resource", "--move", "-r", "vconf", "-N", "vnode1", "--lifetime", "PT1H"],
    ["crm_resource", "--ban", "-r", "nosuch", "-N", "vnode1"],
    ["crm_resource", "--ban", "-r", "sentinel", "-N", "nosuch"],
    ["crm_resource", "--clear", "-r", "sentinel"],
    ["crm_resource", "--clear", "-r", "sentinel"],
    ["crm_resource", "--clear", "-r", "www", "-N", "vnode2"],
    ["crm_resource", "--meta", "-r", "vconf", "-p", "target-role", "-v", "Stopped"],
    ["crm_resource", "--meta", "-r", "vconf", "-d", "target-role"],
    ["crm_resource", "--locate", "-r", "ms_drbd_ldap-root"],
    ["crm_attribute", "-N", "vnode2", "-n", "standby", "-v", "on"],
    ["crm_attribute", "-N", "vnode2", "-n", "standby", "-G"],
    ["crm_attribute", "-N", "vnode2", "-n", "standby", "-D"],
    ["crm_attribute", "-N", "vnode2", "-n", "standby", "-G"],
    ["crm_standby", "-N", "vnode3", "-G"],
    ["crm_attribute", "-n", "maintenance-mode", "-v", "true"],
    ["crm_attribute", "-n", "maintenance-mode", "-G"],
    ["crm_attribute", "-n", "maintenance-mode", "-D"],
]


@needs_crm_resource
def test_real_crm_resource_and_crm_attribute_agree_with_the_demo(tmp_path: Path) -> None:
    c = make_cluster(generation="modern")
    cib = tmp_path / "cib.xml"
    cib.write_text(out(c, "vnode3", "cibadmin", "-Q"))
    lifetime_end = re.compile(r'(end=")[^"]*(")|(until: ).*')
    for argv in ROUND_TRIP:
        demo = c.execute("vnode3", tuple(argv))
        real = real_tool(argv, cib)
        assert (demo.status, lifetime_end.sub("", demo.stdout)) == (
            real.returncode,
            lifetime_end.sub("", real.stdout),
        ), argv
        assert demo.stderr.splitlines() == real.stderr.splitlines(), argv
    real_constraints = real_tool(["cibadmin", "-Q", "--scope", "constraints"], cib).stdout
    demo_constraints = out(c, "vnode3", "cibadmin", "-Q", "--scope", "constraints")
    assert lifetime_end.sub(r"\1\2", demo_constraints) == lifetime_end.sub(r"\1\2", real_constraints)
    for scope in ("nodes", "crm_config"):
        real_scope = real_tool(["cibadmin", "-Q", "--scope", scope], cib).stdout
        assert out(c, "vnode3", "cibadmin", "-Q", "--scope", scope) == real_scope


@pytest.mark.skipif(shutil.which("crm_mon") is None, reason="Pacemaker's crm_mon is not installed")
def test_version_and_help_are_the_real_ones() -> None:
    c = make_cluster(generation="modern")
    for argv in (["crm_mon", "--version"], ["crm_mon", "--help-all"]):
        real = real_tool(argv, Path("/nonexistent"))
        assert out(c, "vnode1", *argv) == real.stdout
