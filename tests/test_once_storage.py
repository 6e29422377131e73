"""``hatui --once`` on replays whose nodes print real LVM, iSCSI and df outputs from the corpus.

The healthy replay (sentinel-root/-swap on vnode1+vnode2, www-root on vnode2+vnode3) gets one
storage generation per node, and a ``drbd_dump`` whose backing disks name LVs of those captures:

- vnode1, LVM 2.03 JSON (openSUSE): ``sentinel-root`` on ``/dev/test/linear1`` (two thick snapshots),
  ``sentinel-swap`` on ``/dev/mapper/test-linear3`` (a thick and a thin snapshot); iSCSI logged in;
  ``df -PT`` of a Xen guest.
- vnode2, LVM 2.02.54 default columns (Ubuntu 10.04, it_IT): ``sentinel-root`` on the origin of the
  invalid snapshot ``vms/vm017-Windows-XP-Professional``, which the pasted ``lvs`` line does not list
  (so: lv-missing); the others on partitions; two iSCSI sessions in TRANSPORT WAIT; ``df -h``.
- vnode3, LVM 2.03 default columns with ``<`` and a WARNING line (EL8): ``www-root`` on ``vg1/lv1``,
  in a VG with 0 free; nothing else read.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from hatui.model.health_storage import STORAGE_CODES
from hatui.model.verdict import judge
from hatui.snapshot.data import snapshot_dict
from support import CORPUS, needs_shared
from support.storage_views import storage_cluster, vg

HEALTHY = Path(__file__).resolve().parent / "replays" / "healthy"
STORAGE = CORPUS / "storage"

#: Node -> replay file -> corpus sample.
FILES = {
    "vnode1": {
        "lvs": "lvs_json_snapshots_thick_thin_libstorage.txt",
        "vgs": "vgs_json_libstorage_snapshot1.txt",
        "pvs": "pvs_json_libstorage_snapshot1.txt",
        "iscsiadm_session": "iscsiadm_session_P3_debian_2.0-871_tabs_blog.txt",
        "df": "df_PT_xen_guest_rbd_acaleph.txt",
    },
    "vnode2": {
        "lvs": "lvs_snapshot_invalid_Swi-I_locale_comma_ubuntu1004_forum.txt",
        "vgs": "vgs_read_failed_invalid_snapshot_locale_comma_ubuntu1004_forum.txt",
        "pvs": "pvs_default_lvm2.02.39_ubuntu904_forum.txt",
        "iscsiadm_session": "iscsiadm_session_P1_transport_wait_yast.txt",
        "df": "df_h_drbd_xfs_mounted_centos8_tkm.txt",
    },
    "vnode3": {
        "lvs": "lvs_rounding_prefix_old_pv_header_warning_el8_qnap_readme.txt",
        "vgs": "vgs_rounding_prefix_old_pv_header_warning_el8_qnap_readme.txt",
    },
}
#: (node, DRBD resource) -> its backing disk there.
DISKS = {
    ("vnode1", "sentinel-root"): "/dev/test/linear1",
    ("vnode1", "sentinel-swap"): "/dev/mapper/test-linear3",
    ("vnode2", "sentinel-root"): "/dev/vms/vm007-Windows-XP-Professional",
    ("vnode2", "sentinel-swap"): "/dev/sdb2",
    ("vnode2", "www-root"): "/dev/sdb3",
    ("vnode3", "www-root"): "/dev/vg1/lv1",
}


def _dump(text: str) -> str:
    """The replay's dump with each ``on HOST`` block's disk replaced by ``DISKS``."""
    out, host, res = [], None, None
    for line in text.splitlines():
        words = line.split()
        if words[:1] == ["resource"]:
            res = words[1]
        elif words[:1] == ["on"]:
            host = words[1]
        elif words[:1] == ["disk"] and (host, res) in DISKS:
            line = line.replace(words[1], DISKS[(host, res)] + ";")
        out.append(line)
    return "\n".join(out) + "\n"


@pytest.fixture(scope="module")
def replay(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("storage-replay")
    shutil.copytree(HEALTHY, root, dirs_exist_ok=True)
    for node, files in FILES.items():
        for name, sample in files.items():
            shutil.copyfile(STORAGE / sample, root / node / name)
        dump = root / node / "drbd_dump"
        dump.write_text(_dump(dump.read_text()))
    return root


def _once(replay: Path, fmt: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hatui", "--once", "--replay", str(replay), "--format", fmt],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


@pytest.fixture(scope="module")
def data(replay: Path) -> dict[str, Any]:
    out = _once(replay, "json")
    assert out.returncode == 2, out.stderr  # an invalid snapshot, a missing LV, iSCSI down: critical
    assert out.stderr == ""
    parsed: dict[str, Any] = json.loads(out.stdout)
    return parsed


@needs_shared
def test_the_storage_object_has_every_key_of_the_contract(data: dict[str, Any]) -> None:
    storage = data["storage"]
    assert list(storage) == [
        "volume_groups",
        "logical_volumes",
        "physical_volumes",
        "iscsi_sessions",
        "filesystems",
    ]
    keys = {
        "volume_groups": [
            "node",
            "name",
            "size_bytes",
            "free_bytes",
            "pv_count",
            "lv_count",
            "snapshot_count",
            "attr",
            "partial",
        ],
        "logical_volumes": [
            "node",
            "vg",
            "name",
            "size_bytes",
            "attr",
            "active",
            "origin",
            "snapshot_percent",
            "drbd_resource",
            "domain",
        ],
        "physical_volumes": ["node", "name", "vg", "size_bytes", "free_bytes", "missing"],
        "iscsi_sessions": ["node", "target", "portal", "sid", "connection_state", "session_state"],
        "filesystems": ["node", "device", "mountpoint", "fstype", "size_bytes", "used_bytes"],
    }
    for part, expected in keys.items():
        assert storage[part], part
        assert all(list(row) == expected for row in storage[part]), part


@needs_shared
def test_each_backing_lv_is_joined_to_its_drbd_resource_and_vm(data: dict[str, Any]) -> None:
    lvs = {(lv["node"], lv["vg"], lv["name"]): lv for lv in data["storage"]["logical_volumes"]}
    joined = {k: (lv["drbd_resource"], lv["domain"]) for k, lv in lvs.items() if lv["domain"]}
    assert joined == {
        ("vnode1", "test", "linear1"): ("sentinel-root", "sentinel"),
        ("vnode1", "test", "linear1-snap1"): (None, "sentinel"),
        ("vnode1", "test", "linear1-snap2"): (None, "sentinel"),
        ("vnode1", "test", "linear3"): ("sentinel-swap", "sentinel"),
        ("vnode1", "test", "linear3-snap1"): (None, "sentinel"),
        ("vnode1", "test", "linear3-snap2"): (None, "sentinel"),  # the thin snapshot
        ("vnode2", "vms", "vm017-Windows-XP-Professional"): (None, "sentinel"),
        ("vnode3", "vg1", "lv1"): ("www-root", "www"),
        ("vnode3", "vg1", "snapShots"): (None, "www"),
    }
    linear1 = lvs[("vnode1", "test", "linear1")]
    assert (linear1["size_bytes"], linear1["attr"], linear1["active"], linear1["origin"]) == (
        1073741824,
        "owi-a-s---",
        True,
        None,
    )
    invalid = lvs[("vnode2", "vms", "vm017-Windows-XP-Professional")]
    assert (invalid["attr"], invalid["origin"], invalid["snapshot_percent"], invalid["size_bytes"]) == (
        "Swi-I-",
        "vm007-Windows-XP-Professional",
        100.0,
        25 * 1024**3,
    )
    inactive = lvs[("vnode3", "vg1", "snapShots")]
    assert (inactive["active"], inactive["snapshot_percent"], inactive["origin"]) == (False, None, "lv1")
    # A thin pool's Data% is not a snapshot's fill.
    assert lvs[("vnode1", "test", "thin-pool")]["snapshot_percent"] is None


@needs_shared
def test_volume_groups_pvs_sessions_and_filesystems_as_each_node_printed_them(data: dict[str, Any]) -> None:
    storage = data["storage"]
    vgs = {(v["node"], v["name"]): v for v in storage["volume_groups"]}
    assert set(vgs) == {
        ("vnode1", "test"),
        ("vnode2", "vms"),
        ("vnode3", "cl"),
        ("vnode3", "datavg"),
        ("vnode3", "vg1"),
    }
    assert (vgs[("vnode3", "vg1")]["free_bytes"], vgs[("vnode3", "vg1")]["snapshot_count"]) == (0, 1)
    assert vgs[("vnode2", "vms")]["lv_count"] == 17 and vgs[("vnode2", "vms")]["partial"] is False
    pvs = {(p["node"], p["name"]): (p["vg"], p["missing"]) for p in storage["physical_volumes"]}
    assert pvs == {
        ("vnode1", "/dev/sdb1"): ("test", False),
        ("vnode2", "/dev/sda1"): ("aeria", False),
        ("vnode2", "/dev/sdb1"): ("aeria", False),
        ("vnode2", "/dev/sdc1"): ("aeria", False),
    }
    sessions = [(s["node"], s["target"], s["sid"], s["session_state"]) for s in storage["iscsi_sessions"]]
    assert sessions == [
        ("vnode1", "iqn.2018-11.com:BEAN", 2, "LOGGED_IN"),
        ("vnode2", "iqn.2013-10.de.suse:test_file1", 1, "FREE"),
        ("vnode2", "iqn.2013-10.de.suse:test_file2", 1, "FREE"),
    ]
    assert storage["iscsi_sessions"][2]["portal"] == "[2620:113:80c0:890:e051:56:73c7:9171]:3260,1"
    assert storage["iscsi_sessions"][1]["connection_state"] == "TRANSPORT WAIT"
    mounts = {(f["node"], f["mountpoint"]): f for f in storage["filesystems"]}
    # df -h's tmpfs and devtmpfs rows are pseudo filesystems: left out.
    assert sorted(m for n, m in mounts if n == "vnode2") == [
        "/",
        "/mnt/drbd0-fs",
        "/mnt/drbd1-fs",
        "/mnt/local-fs",
    ]
    root = mounts[("vnode1", "/")]
    assert (root["device"], root["fstype"], root["size_bytes"], root["used_bytes"]) == (
        "/dev/xvda1",
        "ext4",
        20511356 * 1024,
        3854292 * 1024,
    )


@needs_shared
def test_the_storage_problems_with_their_subjects_and_the_vms_they_concern(data: dict[str, Any]) -> None:
    problems = [p for p in data["health"]["problems"] if p["code"] in STORAGE_CODES]
    got = sorted((p["severity"], p["code"], p["subject"], p["node"], p["kind"]) for p in problems)
    assert got == [
        ("critical", "iscsi-session-down", "iqn.2013-10.de.suse:test_file1", "vnode2", "iscsi"),
        ("critical", "iscsi-session-down", "iqn.2013-10.de.suse:test_file2", "vnode2", "iscsi"),
        ("critical", "lv-missing", "vms/vm007-Windows-XP-Professional", "vnode2", "storage"),
        ("critical", "snapshot-invalid", "vms/vm017-Windows-XP-Professional", "vnode2", "storage"),
        ("warning", "vg-space-low", "vg1", "vnode3", "storage"),
    ]
    by_code = {p["code"]: p for p in problems}
    assert by_code["snapshot-invalid"]["affects"] == ["drbd:sentinel-root", "node:vnode2", "vm:sentinel"]
    assert by_code["vg-space-low"]["affects"] == ["drbd:www-root", "node:vnode3", "vm:www"]
    assert "needs 256.0M" in by_code["vg-space-low"]["message"]


@needs_shared
def test_the_text_has_a_storage_section(replay: Path) -> None:
    out = _once(replay, "text")
    assert out.returncode == 2, out.stderr
    text = out.stdout
    for title in (
        "Storage: volume groups",
        "Storage: logical volumes",
        "Storage: physical volumes",
        "Storage: iSCSI sessions",
        "Storage: filesystems",
    ):
        assert title in text
    # Names are folded onto a second line where the table is narrow, never cut.
    assert "vm017-Windows-XP-Pro" in text and "…" not in text
    row = next(line for line in text.splitlines() if "Swi-I- INVALID" in line)
    assert row.split()[0] == "vnode2" and "100.0%" in row and row.split()[-1] == "sentinel"
    row = next(line for line in text.splitlines() if "test/linear1 " in line)
    assert "1.0G" in row and "sentinel-root" in row
    assert "TRANSPORT WAIT" in text and "/var/lib/ceph/osd/ceph-0" in text


def test_without_storage_outputs_the_object_is_there_with_empty_lists_and_the_text_has_no_section() -> None:
    out = _once(HEALTHY, "json")
    assert json.loads(out.stdout)["storage"] == {
        "volume_groups": [],
        "logical_volumes": [],
        "physical_volumes": [],
        "iscsi_sessions": [],
        "filesystems": [],
    }
    assert "Storage" not in _once(HEALTHY, "text").stdout


def test_a_vg_printed_without_attributes_says_null_not_healthy() -> None:
    view = storage_cluster(vgs={"vnode1": (replace(vg(), attr=""),)})
    rows = snapshot_dict(view, judge(view))["storage"]["volume_groups"]
    assert [(r["node"], r["attr"], r["partial"]) for r in rows] == [
        ("vnode1", None, None),
        ("vnode2", "wz--n-", False),
    ]
