"""Helpers shared by the demo-cluster tests: a demo on a fixed clock, and its outputs parsed.

The outputs are read with the project's real parsers, so that what the tests assert is what the
console itself would read off the demo.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from hatui.demo import DemoCluster
from hatui.model.domains import Domain
from hatui.model.drbd import DrbdDevice
from hatui.model.pacemaker import ClusterStatus, Constraint
from hatui.parsers.constraints import parse_constraints
from hatui.parsers.crm_mon_text import parse_crm_mon_text
from hatui.parsers.crm_mon_xml import parse_crm_mon_xml
from hatui.parsers.domain_list import parse_xen_list
from hatui.parsers.drbd9 import parse_drbdsetup_json
from hatui.parsers.drbd_dump import parse_drbdadm_dump
from hatui.parsers.proc_drbd import parse_proc_drbd

START = datetime(2026, 11, 25, 17, 46, 3, tzinfo=UTC)
CRM_MON = ("crm_mon", "--output-as=xml", "--one-shot", "--inactive", "--include=all")
CRM_MON_10 = ("crm_mon", "-1", "-r", "-f")

needs_crm_mon = pytest.mark.skipif(
    shutil.which("crm_mon") is None, reason="Pacemaker's crm_mon is not installed"
)
needs_crm_resource = pytest.mark.skipif(
    shutil.which("crm_resource") is None or shutil.which("cibadmin") is None,
    reason="Pacemaker's crm_resource/cibadmin are not installed",
)


def make_cluster(seed: int = 2010, *, generation: str = "seed") -> DemoCluster:
    """A demo cluster whose clock only moves with ``advance`` (the seed generation, as ``--demo``)."""
    return DemoCluster(now=lambda: 0.0, start_wall=START, seed=seed, generation=generation)


def out(c: DemoCluster, node: str, *argv: str) -> str:
    """Runs ``argv`` on ``node`` and returns its stdout, failing the test on a non-zero exit."""
    result = c.execute(node, argv)
    assert result.status == 0, f"{argv} on {node}: {result.status} {result.stderr}"
    return result.stdout


def crm_status(c: DemoCluster, node: str = "vnode3") -> ClusterStatus:
    """crm_mon as ``node`` prints it (1.0.9's text screen on the seed, 2.1.5's XML on modern), parsed."""
    if c.generation == "seed":
        return parse_crm_mon_text(out(c, node, *CRM_MON_10))
    return parse_crm_mon_xml(out(c, node, *CRM_MON))


def running_on(status: ClusterStatus, rsc: str, role: str | None = None) -> set[str]:
    """The nodes where crm_mon lists ``rsc`` active (in ``role`` when given)."""
    return {
        n
        for r in status.instances(rsc)
        if r.active and (role is None or r.role.value == role)
        for n in r.nodes
    }


def drbd(c: DemoCluster, node: str) -> dict[str, DrbdDevice]:
    """DRBD of ``node`` by resource name: /proc/drbd on the seed (minors mapped with ``drbdadm dump
    all``), ``drbdsetup status --json`` on modern."""
    if c.generation != "seed":
        text = out(c, node, "drbdsetup", "status", "--json")
        return {d.resource: d for d in parse_drbdsetup_json(text).devices if d.resource is not None}
    minors = {
        conf.minor_on(node): conf.name for conf in parse_drbdadm_dump(out(c, node, "drbdadm", "dump", "all"))
    }
    status = parse_proc_drbd(out(c, node, "cat", "/proc/drbd"))
    return {minors[d.minor]: d for d in status.devices if d.minor in minors}


def domains(c: DemoCluster, node: str) -> dict[str, Domain]:
    """``xm list`` (seed) or ``xl list`` (modern) of ``node`` by domain name, Domain-0 left out."""
    tool = "xm" if c.generation == "seed" else "xl"
    return {d.name: d for d in parse_xen_list(out(c, node, tool, "list"), tool) if not d.is_host}


def constraints(c: DemoCluster, node: str = "vnode3") -> list[Constraint]:
    """``cibadmin -Q --scope constraints``, parsed."""
    return list(parse_constraints(out(c, node, "cibadmin", "-Q", "--scope", "constraints")))


def real_tool(argv: list[str], cib: Path) -> subprocess.CompletedProcess[str]:
    """Runs a real Pacemaker tool on a CIB file (no cluster needed), in UTC like the demo."""
    env = dict(os.environ, CIB_file=str(cib), TZ="UTC", LC_ALL="C")
    return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60, check=False)
