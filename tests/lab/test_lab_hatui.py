"""hatui end to end on the lab: ``--once`` and ``capture`` over SSH, and a failover done with
Pacemaker's own tools seen by hatui's collectors as it happens.

Every expectation is checked against what the lab itself reads inside the nodes (``lab.status()``,
``lab.drbd()``, ``lab.domains()``), never against hatui's own parsers. Timings are printed
(``pytest -s`` shows them). The drills (killed, frozen, sshd-less nodes) are in test_lab_drills.py.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from pathlib import Path
from typing import Any

import pytest

from hatui.model.events import EventKind

from .harness import Lab
from .watching import IGNORED, Watch, hatui, kinds, once, report, runs_on, self_consistent, vm_row

pytestmark = pytest.mark.lab


# -- hatui --once and capture ------------------------------------------------------------------------


def test_once_json_reports_the_real_cluster(healthy_lab: Lab) -> None:
    lab = healthy_lab
    out = once(lab, "--ignore", IGNORED)
    assert out.returncode == 0, out.stderr
    assert out.stderr == ""
    data = json.loads(out.stdout)
    truth = lab.status()
    xml = lab.crm_mon_xml()
    assert data["health"] == {"status": "OK", "problems": []}
    cluster = data["cluster"]
    assert cluster["dc"] == truth.dc and truth.dc in lab.nodes
    version = re.search(r'<current_dc [^>]*?\sversion="([^"]+)"', xml)
    assert version is not None and cluster["pacemaker_version"] == version[1]
    flags = ("stack", "quorum", "stonith_enabled", "symmetric_cluster")
    assert [cluster[k] for k in flags] == ["corosync", True, False, False]

    nodes = {n["name"]: n for n in data["nodes"]}
    assert list(nodes) == list(lab.nodes) == ["vnode1", "vnode2", "vnode3"]
    for name, n in nodes.items():
        assert (n["reachable"], n["online"], n["unreachable_reason"]) == (True, True, None), n
        assert n["is_dc"] is (name == truth.dc)
        for part in ("crm_mon output-as-xml (2.1", "DRBD 8 (8.3.11)", "VMs xl", "corosync tools"):
            assert part in n["detected_stack"], n["detected_stack"]

    placed: dict[str, set[tuple[str, str]]] = {}
    for r in data["resources"]:
        placed.setdefault(r["id"], set()).update((node, r["role"]) for node in r["nodes"])
    assert placed == {rid: set(where) for rid, where in truth.placements.items()}
    for vm in lab.vms.values():
        xen = [(r["agent"], r["role"], r["nodes"]) for r in data["resources"] if r["id"] == vm.name]
        assert xen == [("ocf:heartbeat:Xen", "Started", [vm.home])]
        assert placed[vm.drbd_primitive] == {(vm.home, "Promoted"), (vm.spare, "Unpromoted")}
        assert {r["parent"] for r in data["resources"] if r["id"] == vm.drbd_primitive} == {vm.drbd_clone}

    domains = {(d["node"], d["name"]): d for d in data["domains"]}
    assert set(domains) == {(n, name) for n in lab.nodes for name in lab.domains(n)}
    assert set(domains) == {(vm.home, vm.name) for vm in lab.vms.values()}
    assert all((d["memory_mib"], d["vcpus"]) == (512, 1) and d["state"] in ("r-----", "-b----")
               for d in domains.values())  # fmt: skip

    drbd = {(d["node"], d["resource"]): d for d in data["drbd"]}
    assert set(drbd) == {(n, vm.drbd) for vm in lab.vms.values() for n in (vm.home, vm.spare)}
    for (node, res), d in drbd.items():
        seen = lab.drbd(node, res)  # {"cs": "Connected", "ro": "Primary/Secondary", "ds": ...}
        (peer,) = d["peers"]
        assert (d["role"], peer["role"]) == tuple(seen["ro"].split("/"))
        assert (d["disk"], peer["disk"]) == tuple(seen["ds"].split("/"))
        assert peer["connection"] == seen["cs"] == "Connected"
        vm = lab.vm_of_drbd(res)
        assert d["minor"] == vm.minor
        assert d["role"] == ("Primary" if node == vm.home else "Secondary")

    votes = {c["node"]: (c["quorate"], c["expected_votes"], c["total_votes"]) for c in data["corosync"]}
    assert votes == dict.fromkeys(lab.nodes, (True, 3, 3))
    assert all(c["links"][0]["address"] == lab.addresses[c["node"]] for c in data["corosync"])
    assert data["errors"] == []

    # Without --ignore the lab's missing fencing is the one problem, and the exit code says WARNING.
    plain = once(lab)
    assert plain.returncode == 1
    health = json.loads(plain.stdout)["health"]
    assert (health["status"], [p["code"] for p in health["problems"]]) == ("WARNING", ["stonith-disabled"])


def test_capture_then_replay_gives_the_live_snapshot(healthy_lab: Lab, tmp_path: Path) -> None:
    lab = healthy_lab
    live = once(lab, "--ignore", IGNORED)
    cap = hatui("capture", str(tmp_path / "cap"), "--config", str(lab.config_path))
    assert cap.returncode == 0, cap.stderr
    lines = cap.stdout.splitlines()
    assert [line.split(":")[0] for line in lines[:3]] == list(lab.nodes)
    assert all(": ok; " in line and "VMs xl" in line for line in lines[:3])
    manifest = json.loads((tmp_path / "cap" / "manifest.json").read_text())
    assert (manifest["cluster"], sorted(manifest["nodes"])) == ("lab", list(lab.nodes))
    assert all(n["reachable"] and n["stack"]["vm_tool"] == "xl" for n in manifest["nodes"].values())
    assert "1: cs:Connected ro:Primary/Secondary" in (tmp_path / "cap" / "vnode1" / "proc_drbd").read_text()

    replay = hatui("--once", "--format", "json", "--replay", str(tmp_path / "cap"), "--ignore", IGNORED)
    assert replay.returncode == 0, replay.stderr
    a, b = json.loads(live.stdout), json.loads(replay.stdout)
    for key in ("health", "resources", "drbd", "corosync", "failed_actions", "errors"):
        assert a[key] == b[key], key
    # The guests' CPU time goes on between the two snapshots.
    doms = [[without(d, "cpu_time_s") for d in snap["domains"]] for snap in (a, b)]
    assert doms[0] == doms[1]
    assert without(a["cluster"], "name") == without(b["cluster"], "name")  # named after the folder


def without(d: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in d.items() if k != key}


async def test_a_failover_by_ban_and_clear_is_seen_as_it_happens(healthy_lab: Lab) -> None:
    lab = healthy_lab
    vm = lab.vms["vm2"]
    src, dst = vm.home, vm.spare
    # Every node polled at the same moment, so that nodes can be compared within a view: with one
    # loop per node (the console's way) one node's last capture may be a poll older than another's.
    watch = Watch.of(lab, together=True)
    try:
        await watch.until(f"{vm.name} on {src}", lambda s: runs_on(s.view, vm, src), 10)
        t0 = time.monotonic()
        await asyncio.to_thread(lab.ban, vm.name, src)
        end = await watch.until(f"{vm.name} on {dst}", lambda s: runs_on(s.view, vm, dst), 40)
        report(f"ban {vm.name}: all three layers on {dst} (as hatui saw it)", end.at - t0)
        # In that one view: Pacemaker, the domain and the DRBD Primary are on the target, and the
        # ban is reported as a leftover constraint until it is cleared.
        row = vm_row(end.view, vm.name)
        assert row is not None
        assert {d.node: d.device.role_raw for d in row.disks} == {dst: "Primary", src: "Secondary"}
        assert [p.node for p in end.health.problems if p.code == "constraint-leftover"] == [src]

        await asyncio.to_thread(lab.clear, vm.name)
        cleared = await watch.until(
            "the ban cleared", lambda s: not s.health.problems and runs_on(s.view, vm, dst), 20
        )
        assert runs_on(cleared.view, vm, dst), "stickiness INFINITY keeps it on the target after --clear"
        assert lab.status().where(vm.name) == dst and lab.domains(dst) == [vm.name]
    finally:
        await watch.close()

    events = watch.events(since=t0)
    rsc = kinds(events, vm.name)
    moved = ("resource-moved", dst) in rsc
    assert moved or {("resource-stopped", src), ("resource-started", dst)} <= set(rsc), rsc
    first: dict[tuple[str, str | None], float] = {}
    for seen in watch.rounds:
        for e in seen.events:
            if e.subject == vm.name:
                first.setdefault((e.kind.value, e.node), seen.at)
    # The domain went from the source before it came up on the target (never two at once).
    assert first[("domain-disappeared", src)] <= first[("domain-appeared", dst)], rsc
    roles = [e.message for e in events if e.kind is EventKind.DRBD_ROLE and e.subject == vm.drbd]
    assert f"{vm.drbd} on {dst}: Secondary -> Primary" in roles
    assert f"{vm.drbd} on {src}: Primary -> Secondary" in roles
    assert any(e.kind is EventKind.DRBD_SYNC and e.subject == vm.drbd for e in events), "the resync"
    # Never two copies running at once, and no capture contradicted itself along the way.
    assert not [p for s in watch.rounds for p in s.health.problems if p.code == "domain-multi-active"]
    assert [m for s in watch.rounds for m in self_consistent(s, vm)] == []
