"""The storage health codes: each one, its subject and what it concerns, and what must not fire."""

from __future__ import annotations

from dataclasses import replace

from hatui.model.backup_rule import SnapshotRule
from hatui.model.health_storage import STORAGE_CODES, storage_problems
from hatui.model.health_types import CRITICAL, WARNING, HealthStatus, Problem
from hatui.model.verdict import judge, vm_state
from hatui.model.view import ClusterView
from support.storage_views import (
    GIB,
    backing_lvs,
    fs,
    lv,
    pv,
    session,
    snap,
    storage_cluster,
    vg,
)

SNAP = "sentinel-root-hatui-20260101T020000"


def found(view: ClusterView) -> list[tuple[str, str, str, str | None]]:
    return sorted((p.severity, p.code, p.subject, p.node) for p in storage_problems(view))


def only(view: ClusterView) -> Problem:
    (p,) = storage_problems(view)
    return p


def with_lvs(node: str, *extra: object) -> ClusterView:
    return storage_cluster(lvs={node: (*backing_lvs(), *extra)})


def test_a_healthy_storage_layer_has_no_problem_and_the_verdict_is_ok() -> None:
    view = storage_cluster()
    assert storage_problems(view) == []
    assert judge(view).status is HealthStatus.OK


def test_an_invalid_snapshot_is_critical_and_concerns_the_vm_and_disk_it_copies() -> None:
    for attr, percent in (("swi-I-s---", 100.0), ("Swi-I-", 100.0), ("swi-a-s---", 100.0)):
        p = only(with_lvs("vnode2", snap("vg0", SNAP, "sentinel-root", percent, attr)))
        assert (p.severity, p.code, p.subject, p.node, p.kind) == (
            CRITICAL,
            "snapshot-invalid",
            f"vg0/{SNAP}",
            "vnode2",
            "storage",
        )
        assert p.affects == {"vm:sentinel", "drbd:sentinel-root", "node:vnode2"}
        assert "INVALID" in p.message and "of vg0/sentinel-root (VM sentinel)" in p.message


def test_a_filling_snapshot_warns_at_the_rules_level_and_not_below() -> None:
    p = only(with_lvs("vnode2", snap("vg0", SNAP, "sentinel-root", 80.0)))
    assert (p.severity, p.code, p.subject, p.node) == (WARNING, "snapshot-filling", f"vg0/{SNAP}", "vnode2")
    assert "80.0% full (warning level 80%)" in p.message
    assert storage_problems(with_lvs("vnode2", snap("vg0", SNAP, "sentinel-root", 79.9))) == []
    # The level is the cluster's backup rule's.
    strict = replace(
        with_lvs("vnode2", snap("vg0", SNAP, "sentinel-root", 60.0)),
        snapshot_rule=SnapshotRule(warn_percent=50),
    )
    assert found(strict) == [(WARNING, "snapshot-filling", f"vg0/{SNAP}", "vnode2")]


def test_a_thin_pools_data_percent_and_a_thin_snapshot_are_not_snapshot_fill() -> None:
    view = with_lvs(
        "vnode1",
        lv("vg0", "pool", 50, "twi-aotz--", data_percent=95.0),
        lv("vg0", "thin1", 10, "Vwi-a-tz--", data_percent=99.0),
        lv("vg0", "thin1-snap", 10, "Vwi-a-tz-k", origin="thin1", data_percent=99.0),
    )
    assert storage_problems(view) == []


def test_drbds_own_before_resync_snapshot_at_10_percent_is_healthy_and_inactive_ones_say_nothing() -> None:
    view = with_lvs(
        "vnode2",
        snap("vg0", "www-root-before-resync", "www-root", 10.0),
        snap("vg0", "sentinel-root-before-resync", "sentinel-root", None, attr="swi---s---"),
    )
    assert storage_problems(view) == []
    filling = with_lvs("vnode2", snap("vg0", "www-root-before-resync", "www-root", 91.0))
    assert only(filling).affects == {"vm:www", "drbd:www-root", "node:vnode2"}


def test_a_partial_vg_or_a_missing_pv_is_critical_once_per_vg_and_node() -> None:
    partial = storage_cluster(
        vgs={"vnode1": (vg(attr="wz-pn-"),)},
        pvs={"vnode1": (pv(), pv("[unknown]", attr="a-m"))},
    )
    p = only(partial)
    assert (p.severity, p.code, p.subject, p.node, p.kind) == (
        CRITICAL,
        "pv-missing",
        "vg0",
        "vnode1",
        "storage",
    )
    assert "[unknown]" in p.message
    # Every VM and DRBD resource with an LV in that VG on that node is concerned.
    assert p.affects == {
        "node:vnode1",
        "vm:sentinel",
        "vm:www",
        "drbd:sentinel-root",
        "drbd:sentinel-swap",
        "drbd:www-root",
    }
    # The VG flag alone, or the PV flag alone (2.02.86+ 'm'), is enough.
    assert found(storage_cluster(vgs={"vnode2": (vg(attr="wz-pn-"),)}))[0][1:] == (
        "pv-missing",
        "vg0",
        "vnode2",
    )
    assert found(storage_cluster(pvs={"vnode2": (pv(attr="a-m"),)}))[0][1:] == ("pv-missing", "vg0", "vnode2")
    # A missing PV whose VG vgs did not list still says so.
    gone = storage_cluster(vgs={"vnode2": None}, pvs={"vnode2": (pv("[unknown]", vg_name="vg1"),)})
    assert found(gone) == [(CRITICAL, "pv-missing", "vg1", "vnode2")]


def test_vg_space_low_when_the_vg_cannot_hold_the_backup_snapshot_of_its_largest_drbd_disk() -> None:
    # Largest DRBD disk: sentinel-root, 20 GiB -> 20 % = 4 GiB.
    p = only(storage_cluster(vgs={"vnode2": (vg(free_gib=3.9),)}))
    assert (p.severity, p.code, p.subject, p.node) == (WARNING, "vg-space-low", "vg0", "vnode2")
    assert "3.9G free" in p.message and "vg0/sentinel-root (20.0G) needs 4.0G" in p.message
    assert "vm:sentinel" in p.affects and "vm:www" in p.affects
    assert storage_problems(storage_cluster(vgs={"vnode2": (vg(free_gib=4),)})) == []
    # The minimum applies to small disks: a 1 GiB LV backs DRBD (256 MiB needed), not the 80 GiB one.
    small = (*backing_lvs()[1:], lv("vg0", "sentinel-root", 1), lv("vg0", "big-but-not-drbd", 80))
    bigger = storage_cluster(lvs={"vnode1": small}, vgs={"vnode1": (vg(free_gib=0.25),)})
    assert found(bigger) == [(WARNING, "vg-space-low", "vg0", "vnode1")]  # www-root: 10 GiB -> 2 GiB
    small = (lv("vg0", "sentinel-root", 1), lv("vg0", "big-but-not-drbd", 80))
    fits = storage_cluster(lvs={"vnode1": small}, vgs={"vnode1": (vg(free_gib=0.25),)})
    assert "vg-space-low" not in {p.code for p in storage_problems(fits)}
    tight = storage_cluster(lvs={"vnode1": small}, vgs={"vnode1": (vg(free_gib=0.2),)})
    assert "vg-space-low" in {p.code for p in storage_problems(tight)}
    # A VG that backs no DRBD disk says nothing, however full.
    assert storage_problems(storage_cluster(vgs={"vnode1": (vg(), vg("vg1", free_gib=0))})) == []


def test_an_iscsi_session_not_logged_in_is_critical_for_its_target() -> None:
    down = session(state="FAILED", conn="TRANSPORT WAIT", internal="REOPEN")
    p = only(storage_cluster(sessions={"vnode1": (down,)}))
    assert (p.severity, p.code, p.subject, p.node, p.kind) == (
        CRITICAL,
        "iscsi-session-down",
        "iqn.2009-01.lan.vstor1:vmstore",
        "vnode1",
        "iscsi",
    )
    assert "session FAILED, connection TRANSPORT WAIT, iscsid REOPEN" in p.message
    # Without a Session State line, the connection state decides; with neither, nothing is said.
    no_line = replace(session(), session_state=None, connection_state="TRANSPORT WAIT")
    assert found(storage_cluster(sessions={"vnode2": (no_line,)}))[0][1] == "iscsi-session-down"
    unknown = replace(session(), session_state=None, connection_state=None)
    assert storage_problems(storage_cluster(sessions={"vnode2": (unknown,)})) == []


def test_an_iscsi_session_under_a_pv_concerns_the_vms_on_that_vg() -> None:
    down = replace(session(state="FAILED"), devices=("sdb",))
    view = storage_cluster(sessions={"vnode1": (down,)}, pvs={"vnode1": (pv("/dev/sdb1"),)})
    assert {"vm:sentinel", "vm:www", "drbd:www-root"} <= only(view).affects
    elsewhere = storage_cluster(sessions={"vnode1": (down,)}, pvs={"vnode1": (pv("/dev/sdbc1"),)})
    assert only(elsewhere).affects == {"node:vnode1"}


def test_a_filesystem_at_90_percent_warns_and_read_only_images_do_not() -> None:
    rows = (
        fs("/", 89.9),
        fs("/srv/backup", 90, device="/dev/drbd3"),
        fs("/mnt/iso", 1, size_gib=1, device="/dev/loop0", fstype="iso9660"),
    )
    p = only(storage_cluster(filesystems={"vnode2": rows}))
    assert (p.severity, p.code, p.subject, p.node, p.kind) == (
        WARNING,
        "fs-space-low",
        "/srv/backup",
        "vnode2",
        "fs",
    )
    assert "90% full" in p.message
    # /dev/drbd3 is www-root's device on vnode2.
    assert p.affects == {"node:vnode2", "drbd:www-root"}


def test_a_missing_backing_lv_is_critical_only_where_lvm_was_read() -> None:
    without = tuple(x for x in backing_lvs() if x.name != "www-root")
    p = only(storage_cluster(lvs={"vnode1": without}))
    assert (p.severity, p.code, p.subject, p.node) == (CRITICAL, "lv-missing", "vg0/www-root", "vnode1")
    assert p.affects == {"node:vnode1", "drbd:www-root", "vm:www"}
    assert "/dev/vg0/www-root is missing on vnode1: it has no such LV" in p.message
    # LVM read, and empty (the VG is gone): every backing LV is missing, and says why.
    gone = storage_cluster(lvs={"vnode2": ()}, vgs={"vnode2": ()})
    assert {p.subject for p in storage_problems(gone)} == {
        "vg0/sentinel-root",
        "vg0/sentinel-swap",
        "vg0/www-root",
    }
    assert all("no volume group vg0" in p.message for p in storage_problems(gone))
    # LVM not read on that node: nothing is known, nothing is said.
    assert storage_problems(storage_cluster(lvs={"vnode2": None})) == []


def test_the_verdict_shows_storage_problems_on_the_vm_rows_and_pages_on_critical() -> None:
    view = with_lvs("vnode2", snap("vg0", SNAP, "sentinel-root", 100.0, "swi-I-s---"))
    health = judge(view)
    assert health.status is HealthStatus.CRITICAL
    assert [p.code for p in vm_state(health.problems, "sentinel")] == ["snapshot-invalid"]
    assert vm_state(health.problems, "www") == ()
    assert {p.code for p in health.problems} <= STORAGE_CODES
    assert judge(view, ignore=("snapshot-invalid",)).status is HealthStatus.OK


def test_every_code_is_registered() -> None:
    views = [
        with_lvs("vnode2", snap("vg0", SNAP, "sentinel-root", 100.0, "swi-I-s---")),
        with_lvs("vnode2", snap("vg0", SNAP, "sentinel-root", 85.0)),
        storage_cluster(vgs={"vnode1": (vg(attr="wz-pn-", free_gib=1),)}),
        storage_cluster(sessions={"vnode1": (session(state="FREE"),)}),
        storage_cluster(filesystems={"vnode1": (fs("/", 95),)}),
        storage_cluster(lvs={"vnode1": ()}),
    ]
    codes = {p.code for v in views for p in storage_problems(v)}
    assert codes == STORAGE_CODES
    assert GIB == 1024**3
