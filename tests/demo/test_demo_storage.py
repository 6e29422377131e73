"""The demo's storage layer: LVM, iSCSI and df as each generation prints them, read by hatui's parsers."""

from __future__ import annotations

import json
from typing import Any

import pytest
from demo_support import make_cluster, out

from hatui.demo import DemoCluster
from hatui.model.stack import LvmFlavour, StackInfo
from hatui.sources.table import commands_for

# hatui's own commands, from the one source table: the demo must answer exactly what a poll sends.
_JSON = commands_for(StackInfo(lvm=LvmFlavour.JSON))
_COLUMNS = commands_for(StackInfo(lvm=LvmFlavour.COLUMNS))
LVS_JSON, LVS_COLUMNS = _JSON["lvs"], _COLUMNS["lvs"]
VGS_JSON, VGS_COLUMNS = _JSON["vgs"], _COLUMNS["vgs"]
PVS_JSON, PVS_COLUMNS = _JSON["pvs"], _COLUMNS["pvs"]
GIB = 1024**3


def _lvs(c: DemoCluster, node: str) -> str:
    return out(c, node, *(LVS_COLUMNS if c.generation == "seed" else LVS_JSON))


@pytest.mark.parametrize("generation", ["seed", "modern"])
def test_every_drbd_backing_disk_is_an_lv_named_as_the_dump_says(generation: str) -> None:
    lvm = pytest.importorskip("hatui.parsers.lvm")
    from hatui.parsers.drbd_dump import parse_drbdadm_dump

    c = make_cluster(generation=generation)
    for node in ("vnode1", "vnode2"):
        lvs = {lv.device: lv for lv in lvm.parse_lvs(_lvs(c, node))}
        dump = parse_drbdadm_dump(out(c, node, "drbdadm", "dump", "all"))
        disks = [disk for r in dump for host, disk in r.disks if host == node]
        assert len(disks) == 10
        for disk in disks:
            assert disk in lvs, disk
            assert lvs[disk].active and lvs[disk].attr[5] == "o"  # DRBD holds it open
        assert lvs["/dev/vg2/mail-root"].size_bytes == 40 * GIB


def test_seed_lvm_is_2_02_39_without_json() -> None:
    c = make_cluster()
    assert "LVM version:     2.02.39" in out(c, "vnode1", "lvm", "version")
    r = c.execute("vnode1", LVS_JSON)
    assert r.status == 3
    assert r.stderr == "lvs: unrecognized option `--reportformat'\n  Error during parsing of command line.\n"
    assert (
        c.execute("vnode1", (*LVS_COLUMNS[:-1], "lv_name,lv_time")).stderr
        == "  Unrecognised field: lv_time\n"
    )
    assert "  mail-root;vg2;-wi-ao;42949672960;;\n" in _lvs(c, "vnode1")


def test_modern_lvm_json_is_lvm_2_03_16s_layout() -> None:
    c = make_cluster(generation="modern")
    assert "2.03.16(2)" in out(c, "vnode2", "lvm", "version")
    text = _lvs(c, "vnode2")
    assert text.startswith('  {\n      "report": [\n          {\n              "lv": [\n')
    rows = json.loads(text)["report"][0]["lv"]
    mail = next(r for r in rows if r["lv_name"] == "mail-root")
    assert mail["lv_attr"] == "-wi-ao----" and mail["lv_size"] == str(40 * GIB) and mail["origin"] == ""
    assert mail["lv_time"].endswith(" +0000")
    empty = c.execute("vnode2", ("lvs", "--reportformat", "json", "vgnone"))
    assert empty.status == 5 and 'Volume group "vgnone" not found' in empty.stderr


@pytest.mark.parametrize("generation", ["seed", "modern"])
def test_vgs_and_pvs_parse_and_add_up(generation: str) -> None:
    lvm = pytest.importorskip("hatui.parsers.lvm")
    c = make_cluster(generation=generation)
    seed = generation == "seed"
    vgs = {vg.name: vg for vg in lvm.parse_vgs(out(c, "vnode1", *(VGS_COLUMNS if seed else VGS_JSON)))}
    pvs = lvm.parse_pvs(out(c, "vnode1", *(PVS_COLUMNS if seed else PVS_JSON)))
    assert set(vgs) == {"vg1", "vg2"}
    assert vgs["vg2"].size_bytes == 272 * GIB
    assert vgs["vg2"].free_bytes == (272 - 70) * GIB  # five root disks: 8 + 40 + 12 + 4 + 6 GiB
    assert vgs["vg2"].lv_count == 5 and vgs["vg2"].snapshot_count == 0 and not vgs["vg2"].partial
    assert vgs["vg1"].pv_count == 2 and vgs["vg1"].extent_bytes == 4 * 1024**2
    assert sorted(pv.name for pv in pvs) == ["/dev/sda3", "/dev/sdb1", "/dev/sdc1", "/dev/sdd1"]
    assert sum(pv.free_bytes or 0 for pv in pvs if pv.vg == "vg2") == vgs["vg2"].free_bytes
    assert not any(pv.missing for pv in pvs)


@pytest.mark.parametrize("generation", ["seed", "modern"])
def test_default_columns_parse_too(generation: str) -> None:
    lvm = pytest.importorskip("hatui.parsers.lvm")
    c = make_cluster(generation=generation)
    lvs = lvm.parse_lvs(out(c, "vnode3", "lvs"))
    vgs = lvm.parse_vgs(out(c, "vnode3", "vgs"))
    assert {vg.name for vg in vgs} == {"vg1", "vg2", "vg3"}  # vg3: vstor1's VM store LUN
    assert {lv.name for lv in lvs} >= {"archive", "elearning-disk", "vconf-disk"}
    assert next(lv for lv in lvs if lv.name == "archive").size_bytes == 120 * GIB


@pytest.mark.parametrize("generation", ["seed", "modern"])
def test_iscsi_sessions_to_vstor1(generation: str) -> None:
    iscsi = pytest.importorskip("hatui.parsers.iscsiadm")
    c = make_cluster(generation=generation)
    text = out(c, "vnode1", "iscsiadm", "-m", "session", "-P", "1")
    sessions = iscsi.parse_iscsiadm_session(text, "iscsiadm_session")
    assert [s.target for s in sessions] == [
        "iqn.2010-03.it.unipi.cs:vstor1.vmstore",
        "iqn.2010-03.it.unipi.cs:vstor1.backup",
    ]
    assert all(s.session_state == "LOGGED_IN" and s.logged_in for s in sessions)
    assert sessions[0].portal == "10.0.0.100:3260,1" and sessions[0].sid == 1
    plain = out(c, "vnode1", "iscsiadm", "-m", "session")
    assert plain.endswith("vstor1.backup\n" if generation == "seed" else "vstor1.backup (non-flash)\n")
    assert ("(null)" in text) == (generation == "seed")


@pytest.mark.parametrize("generation", ["seed", "modern"])
def test_df_lists_the_backup_store(generation: str) -> None:
    dfp = pytest.importorskip("hatui.parsers.df")
    c = make_cluster(generation=generation)
    text = out(c, "vnode2", "df", "-P", "-T", "-B1")
    assert text.splitlines()[0].split()[:3] == ["Filesystem", "Type", "1-blocks"]
    fss = {fs.mountpoint: fs for fs in dfp.parse_df(text, "df")}
    backup = fss["/srv/backup"]
    assert backup.device == "/dev/sde1" and backup.size_bytes == 1800 * GIB
    assert backup.fstype == ("ext3" if generation == "seed" else "ext4")
    assert 0 < (backup.used_bytes or 0) < backup.size_bytes


def test_storage_tools_are_on_every_node_and_drbdadm_only_on_the_drbd_nodes() -> None:
    c = make_cluster()
    probe = out(c, "vnode3", "sh", "-c", "for t in lvs iscsiadm df drbdadm; do command -v $t; done")
    assert probe.split() == ["lvs", "iscsiadm", "df"]


async def _snapshot_doc(c: DemoCluster) -> tuple[dict[str, Any], set[tuple[str, str]]]:
    """The ``--once`` JSON document and the (code, subject) problems, read off ``c`` by hatui's pipeline."""
    from hatui.model.health import evaluate
    from hatui.snapshot import run
    from hatui.snapshot.data import snapshot_dict
    from hatui.sources.fanout import collect_once
    from hatui.sources.make import demo_config

    cluster = demo_config().cluster()
    captures = await collect_once(cluster, transports={n.name: c.transport(n.name) for n in cluster.nodes})
    view = run.make_view("demo", captures, cluster=cluster)
    health = evaluate(view)
    doc = json.loads(json.dumps(snapshot_dict(view, health), default=str))
    return doc, {(p["code"], p["subject"]) for p in doc["health"]["problems"]}


@pytest.mark.parametrize("generation", ["seed", "modern"])
async def test_once_json_joins_every_drbd_resource_to_its_lv_and_vg(generation: str) -> None:
    c = make_cluster(generation=generation)
    doc, problems = await _snapshot_doc(c)
    storage = doc["storage"]
    vgs = {(v["node"], v["name"]): v for v in storage["volume_groups"]}
    assert set(vgs) == {(n, vg) for n in ("vnode1", "vnode2", "vnode3") for vg in ("vg1", "vg2")} | {
        ("vnode3", "vg3")
    }
    joined = {
        (lv["node"], lv["drbd_resource"]): lv for lv in storage["logical_volumes"] if lv["drbd_resource"]
    }
    for disk in c.topo.disks:
        for node in ("vnode1", "vnode2"):
            lv = joined[(node, disk.name)]
            assert (lv["vg"], lv["name"]) == (disk.vg, disk.name)
            assert lv["domain"] == c.topo.vm_of_disk(disk.name).name  # type: ignore[union-attr]
            assert lv["size_bytes"] == disk.size_kib * 1024
            assert (node, lv["vg"]) in vgs
    assert len(storage["physical_volumes"]) == 11 and not any(
        p["missing"] for p in storage["physical_volumes"]
    )
    assert {s["session_state"] for s in storage["iscsi_sessions"]} == {"LOGGED_IN"}
    assert len(storage["iscsi_sessions"]) == 6
    assert {f["mountpoint"] for f in storage["filesystems"]} >= {"/", "/boot", "/srv/backup"}
    assert not {code for code, _ in problems} & {
        "snapshot-invalid", "snapshot-filling", "pv-missing", "vg-space-low",
        "iscsi-session-down", "fs-space-low", "lv-missing",
    }  # fmt: skip


@pytest.mark.parametrize("generation", ["seed", "modern"])
async def test_storage_faults_give_their_health_codes(generation: str) -> None:
    c = make_cluster(generation=generation)
    c.inject("fill-snapshot", "www")
    c.inject("missing-pv", "vnode1")
    c.inject("iscsi-recovery", "vnode3")
    _, problems = await _snapshot_doc(c)
    snap = next(lv for lv in c.storage["vnode2"].lvs if lv.snap is not None)
    assert ("snapshot-filling", f"vg2/{snap.name}") in problems
    assert ("pv-missing", "vg1") in problems
    assert ("iscsi-session-down", "iqn.2010-03.it.unipi.cs:vstor1.vmstore") in problems
    c.advance(31)
    _, problems = await _snapshot_doc(c)
    assert ("snapshot-invalid", f"vg2/{snap.name}") in problems
    for target in ("www", "vnode1", "vnode3"):
        c.inject("heal", target)
    _, problems = await _snapshot_doc(c)
    assert not {code for code, _ in problems} & {"snapshot-invalid", "pv-missing", "iscsi-session-down"}


@pytest.mark.parametrize("generation", ["seed", "modern"])
async def test_iscsi_sessions_are_followed_to_what_sits_on_their_disks(generation: str) -> None:
    """hatui polls ``iscsiadm -m session -P 3``: each session's attached disk, followed on its node
    to the PVs and filesystems on it (vstor1's backup store holds /srv/backup on sde1)."""
    from hatui.snapshot import run
    from hatui.sources.fanout import collect_once
    from hatui.sources.make import demo_config

    c = make_cluster(generation=generation)
    cluster = demo_config().cluster()
    captures = await collect_once(cluster, transports={n.name: c.transport(n.name) for n in cluster.nodes})
    storage = run.make_view("demo", captures, cluster=cluster).storage
    provided = {
        (ns.node, ns.session.target.rsplit(".", 1)[-1]): storage.provided_by(ns)
        for ns in storage.iscsi_sessions
    }
    assert provided[("vnode1", "backup")] == ("sde: /srv/backup",)
    assert provided[("vnode2", "backup")] == ("sde: /srv/backup",)
    assert provided[("vnode1", "vmstore")] == ("sdf",)  # attached, nothing of this node's on it


def test_a_disk_holds_its_partitions_and_nothing_else() -> None:
    from hatui.model.storage_join import on_disk

    assert on_disk("/dev/sde1", "sde") and on_disk("/dev/sde", "sde")
    assert on_disk("/dev/nvme0n1p2", "nvme0n1")
    assert not on_disk("/dev/sdea1", "sde") and not on_disk("/dev/sd", "sde")


@pytest.mark.parametrize("generation", ["seed", "modern"])
async def test_a_session_in_recovery_reaches_the_vms_on_its_lun(generation: str) -> None:
    """vnode3 keeps the disks of the VMs it runs on vstor1's VM store (vg3 on the LUN sdf, as the
    reference cluster does): its session in recovery concerns those VMs, named after their LVs."""
    c = make_cluster(generation=generation)
    doc, _ = await _snapshot_doc(c)
    on_lun = {lv["name"]: lv["domain"] for lv in doc["storage"]["logical_volumes"] if lv["vg"] == "vg3"}
    assert on_lun == {"elearning-disk": "elearning", "vconf-disk": "vconf"}
    c.inject("iscsi-recovery", "vnode3")
    doc, problems = await _snapshot_doc(c)
    (down,) = [p for p in doc["health"]["problems"] if p["code"] == "iscsi-session-down"]
    assert (down["subject"], down["node"]) == ("iqn.2010-03.it.unipi.cs:vstor1.vmstore", "vnode3")
    assert {"vm:elearning", "vm:vconf", "node:vnode3"} <= set(down["affects"])
