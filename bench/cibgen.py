"""Provides ``crm_mon_xml(nodes, resources)``: crm_mon XML of a cluster of any size, made by real Pacemaker.

A CIB is generated in the shape of the clusters hatui watches: per VM a promotable DRBD stand-in
(``ocf:pacemaker:Stateful``, two instances preferring a node pair, with the ``master-*`` node
attributes the DRBD agent would set) and an ``ocf:heartbeat:Xen`` primitive colocated with and
ordered after its promoted side; an anonymous clone over many nodes; groups of three and plain
``Dummy`` primitives for the rest. ``resources`` counts resource instances as ``crm_mon`` lists them.

Every node is written online in the status section, ``crm_simulate -S -O`` runs the transition
(all starts and promotions), and ``CIB_file=... crm_mon --output-as=xml`` prints the status that
hatui parses. Outputs are cached under ``bench/.cache`` keyed by size and Pacemaker version.

Two settings keep generation affordable without changing what ``crm_mon`` prints: startup probes
are off (``crm_mon`` never lists a "not running" probe, but crm_simulate would apply one per
resource per node, and each simulated action rewrites the whole CIB: 64 x 1,000 probes would take
hours), and the DRBD clones have no ``notify`` (notifications are actions, not status).
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import quoteattr

from bench.common import CACHE

#: crm_simulate aborts on injections with 3.16.2; 3.16.1 is what Pacemaker 2.1.5 writes itself.
FEATURE_SET = "3.16.1"
#: What hatui's collector runs on a Pacemaker >= 2.0 node.
CRM_MON_ARGS = ("crm_mon", "--output-as=xml", "--one-shot", "--inactive", "--include=all")


@dataclass(frozen=True)
class Shape:
    """How ``resources`` instances are split between the kinds of resource."""

    vms: int
    clone_max: int
    grouped: int
    dummies: int

    @classmethod
    def of(cls, nodes: int, resources: int) -> Shape:
        vms = max(1, resources // 10) if nodes >= 2 else 0
        clone_max = min(nodes, max(1, resources // 20))
        rest = max(0, resources - 3 * vms - clone_max)
        grouped = (rest // 3) // 3 * 3
        return cls(vms, clone_max, grouped, rest - grouped)

    @property
    def instances(self) -> int:
        return 3 * self.vms + self.clone_max + self.grouped + self.dummies


def node_names(nodes: int) -> list[str]:
    width = max(2, len(str(nodes)))
    return [f"node{i:0{width}d}" for i in range(1, nodes + 1)]


def _nv(pid: str, name: str, value: str) -> str:
    return f'<nvpair id="{pid}-{name}" name="{name}" value={quoteattr(value)}/>'


def _primitive(rid: str, agent: str, params: dict[str, str] | None = None) -> str:
    cls, provider, kind = agent.split(":")
    attrs = ""
    if params:
        attrs = f'<instance_attributes id="{rid}-ia">' + "".join(
            _nv(f"{rid}-ia", k, v) for k, v in params.items()
        )
        attrs += "</instance_attributes>"
    return (
        f'<primitive id="{rid}" class="{cls}" provider="{provider}" type="{kind}">{attrs}'
        f'<operations><op name="monitor" interval="10s" timeout="20s" id="{rid}-monitor-10s"/></operations>'
        "</primitive>"
    )


def make_cib(nodes: int, resources: int) -> str:
    """A CIB with ``nodes`` nodes (all online) and about ``resources`` resource instances."""
    names = node_names(nodes)
    shape = Shape.of(nodes, resources)
    res: list[str] = []
    cons: list[str] = []
    attrs: dict[str, list[tuple[str, str]]] = {n: [] for n in names}
    for v in range(1, shape.vms + 1):
        home, spare = names[(2 * v - 2) % nodes], names[(2 * v - 1) % nodes]
        ms, drbd, vm = f"ms_drbd_vm{v}", f"drbd_vm{v}", f"vm{v}"
        meta = "".join(
            _nv(f"{ms}-meta", k, val)
            for k, val in (
                ("promotable", "true"),
                ("promoted-max", "1"),
                ("clone-max", "2"),
                ("clone-node-max", "1"),
            )
        )
        res.append(
            f'<clone id="{ms}"><meta_attributes id="{ms}-meta">{meta}</meta_attributes>'
            f"{_primitive(drbd, 'ocf:pacemaker:Stateful')}</clone>"
        )
        res.append(_primitive(vm, "ocf:heartbeat:Xen", {"xmfile": f"/etc/xen/{vm}.cfg"}))
        # Preferences, not -INFINITY rules: crm_mon lists every negative location as a ban (one per
        # excluded node), which would inflate the XML beyond what such clusters print.
        cons.append(f'<rsc_location id="loc-{ms}-home" rsc="{ms}" node="{home}" score="100"/>')
        cons.append(f'<rsc_location id="loc-{ms}-spare" rsc="{ms}" node="{spare}" score="50"/>')
        cons.append(f'<rsc_location id="loc-{vm}-home" rsc="{vm}" node="{home}" score="100"/>')
        cons.append(
            f'<rsc_colocation id="col-{vm}" rsc="{vm}" with-rsc="{ms}" with-rsc-role="Promoted" '
            'score="INFINITY"/>'
        )
        cons.append(
            f'<rsc_order id="ord-{vm}" first="{ms}" first-action="promote" then="{vm}" then-action="start"/>'
        )
        attrs[home].append((f"master-{drbd}", "10"))
        attrs[spare].append((f"master-{drbd}", "5"))
    meta = _nv("cl_ping-meta", "clone-max", str(shape.clone_max))
    res.append(
        f'<clone id="cl_ping"><meta_attributes id="cl_ping-meta">{meta}</meta_attributes>'
        f"{_primitive('ping', 'ocf:pacemaker:Dummy')}</clone>"
    )
    for g in range(1, shape.grouped // 3 + 1):
        members = "".join(_primitive(f"g{g}_{part}", "ocf:pacemaker:Dummy") for part in ("ip", "fs", "svc"))
        res.append(f'<group id="grp{g}">{members}</group>')
    res.extend(_primitive(f"dummy{d}", "ocf:pacemaker:Dummy") for d in range(1, shape.dummies + 1))
    status = "".join(_node_state(i, n, attrs[n]) for i, n in enumerate(names, start=1))
    props = "".join(
        _nv("cib-bootstrap-options", k, v)
        for k, v in (
            ("stonith-enabled", "false"),
            ("enable-startup-probes", "false"),
            ("cluster-infrastructure", "corosync"),
            ("cluster-name", "bench"),
            ("dc-version", "2.1.5-a3f44794f94"),
        )
    )
    return (
        f'<cib crm_feature_set="{FEATURE_SET}" validate-with="pacemaker-3.9" epoch="1" num_updates="0" '
        f'admin_epoch="0" have-quorum="1" dc-uuid="1"><configuration><crm_config>'
        f'<cluster_property_set id="cib-bootstrap-options">{props}</cluster_property_set></crm_config>'
        "<nodes>"
        + "".join(f'<node id="{i}" uname="{n}"/>' for i, n in enumerate(names, start=1))
        + "</nodes>"
        f"<resources>{''.join(res)}</resources><constraints>{''.join(cons)}</constraints>"
        '<rsc_defaults><meta_attributes id="rsc-options">'
        f"{_nv('rsc-options', 'resource-stickiness', '100')}</meta_attributes></rsc_defaults>"
        f"</configuration><status>{status}</status></cib>\n"
    )


def _node_state(nid: int, name: str, attrs: list[tuple[str, str]]) -> str:
    pairs = "".join(_nv(f"status-{nid}", k, v) for k, v in [("#feature-set", FEATURE_SET), *attrs])
    return (
        f'<node_state id="{nid}" uname="{name}" in_ccm="true" crmd="online" join="member" '
        f'expected="member" crm-debug-origin="bench"><transient_attributes id="{nid}">'
        f'<instance_attributes id="status-{nid}">{pairs}</instance_attributes></transient_attributes>'
        "</node_state>"
    )


@dataclass(frozen=True)
class Generated:
    """A cluster status made by Pacemaker, and what making it cost."""

    nodes: int
    resources: int
    xml: str
    cib_path: Path
    simulate_s: float
    """One ``crm_simulate -S`` run (only measured when not cached)."""


def _pcmk_version() -> str:
    out = subprocess.run(["crm_mon", "--version"], capture_output=True, text=True, check=False).stdout
    return (out.split() or ["unknown", "unknown"])[1]


def crm_mon_xml(nodes: int, resources: int, cache: Path = CACHE) -> Generated:
    """Generates (or reads from the cache) the crm_mon XML of a ``nodes`` x ``resources`` cluster."""
    folder = cache / f"pcmk-{_pcmk_version()}" / f"n{nodes}-r{resources}"
    out_cib, xml_path = folder / "running.xml", folder / "crm_mon.xml"
    simulate_s = float((folder / "simulate_s").read_text()) if (folder / "simulate_s").exists() else 0.0
    if not xml_path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        base = folder / "base.xml"
        base.write_text(make_cib(nodes, resources))
        t0 = time.perf_counter()
        sim = subprocess.run(
            ["crm_simulate", "-x", str(base), "-S", "-O", str(out_cib), "-Q"],
            capture_output=True,
            text=True,
            check=False,
            timeout=900,
        )
        simulate_s = time.perf_counter() - t0
        if sim.returncode != 0 or not out_cib.exists():
            raise RuntimeError(f"crm_simulate failed ({sim.returncode}): {sim.stderr[-2000:]}")
        xml = run_crm_mon(out_cib)
        tmp = xml_path.with_suffix(".tmp")
        tmp.write_text(xml)
        os.replace(tmp, xml_path)
        (folder / "simulate_s").write_text(f"{simulate_s:.4f}\n")
    return Generated(nodes, resources, xml_path.read_text(), out_cib, simulate_s)


def run_crm_mon(cib: Path) -> str:
    """``CIB_file=cib crm_mon`` with hatui's arguments; returns its XML."""
    env = {**os.environ, "CIB_file": str(cib)}
    proc = subprocess.run(
        list(CRM_MON_ARGS), capture_output=True, text=True, env=env, check=False, timeout=300
    )
    if not proc.stdout.strip():
        raise RuntimeError(f"crm_mon on {cib} printed nothing ({proc.returncode}): {proc.stderr[-2000:]}")
    return proc.stdout


def failed_variant(nodes: int, resources: int, cache: Path = CACHE) -> str:
    """crm_mon XML of the same cluster after a monitor failure of one Dummy (recovered, fail-count 1).

    ``crm_simulate -i RSC_monitor_10000@NODE=7 -S`` injects the failure and runs the recovery, as
    the cluster would; the UI benchmark alternates this status with the healthy one.
    """
    base = crm_mon_xml(nodes, resources, cache)
    folder = base.cib_path.parent
    xml_path = folder / "crm_mon-failed.xml"
    if not xml_path.exists():
        match = re.search(r'<resource id="(dummy\d+|g\d+_svc)"[^>]*>\s*<node name="([^"]+)"', base.xml)
        if match is None:
            raise RuntimeError("no Dummy resource in the generated status")
        rsc, node = match.groups()
        out_cib = folder / "failed.xml"
        sim = subprocess.run(
            [
                "crm_simulate",
                "-x",
                str(base.cib_path),
                "-i",
                f"{rsc}_monitor_10000@{node}=7",
                "-S",
                "-O",
                str(out_cib),
                "-Q",
            ],
            capture_output=True,
            text=True,
            check=False,
            timeout=900,
        )
        if sim.returncode != 0 or not out_cib.exists():
            raise RuntimeError(f"crm_simulate injection failed ({sim.returncode}): {sim.stderr[-2000:]}")
        tmp = xml_path.with_suffix(".tmp")
        tmp.write_text(run_crm_mon(out_cib))
        os.replace(tmp, xml_path)
    return xml_path.read_text()
