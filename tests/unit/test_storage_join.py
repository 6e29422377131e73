"""The storage join: each node's LVs tied to the DRBD resources they back and to those resources' VMs."""

from __future__ import annotations

from dataclasses import replace

import pytest

from hatui.model.drbd import DrbdResourceConf
from hatui.model.storage_join import fmt_bytes, is_pseudo, lv_of_path
from support.storage_views import GIB, backing_lvs, confs, fs, lv, snap, storage_cluster


def test_every_backing_lv_is_joined_to_its_drbd_resource_vm_and_vg_on_each_node() -> None:
    sv = storage_cluster().storage
    joined = {(nl.node, nl.lv.path, nl.drbd_resource, nl.domain) for nl in sv.logical_volumes}
    assert joined == {
        (n, f"vg0/{res}", res, vm)
        for n in ("vnode1", "vnode2")
        for res, vm in (("sentinel-root", "sentinel"), ("sentinel-swap", "sentinel"), ("www-root", "www"))
    }
    assert len(sv.backings) == 6
    for b in sv.backings:
        assert b.lv is not None and b.lv.lv.name == b.drbd_resource and b.lv.node == b.node
        assert b.vg is not None and b.vg.vg.name == "vg0" and b.vg.node == b.node
        assert b.disk == f"/dev/vg0/{b.drbd_resource}" and b.lv_path == f"vg0/{b.drbd_resource}"
    assert {b.vm for b in sv.backings} == {"sentinel", "www"}
    assert sv.read_nodes == ("vnode1", "vnode2")
    assert sv.vg_of("vnode2", "vg0") is not None and sv.vg_of("vnode2", "vg9") is None


def test_a_snapshot_backs_nothing_but_belongs_to_its_origins_vm() -> None:
    lvs = (*backing_lvs(), snap("vg0", "sentinel-root-hatui-20260101T020000", "sentinel-root", 12.5))
    sv = storage_cluster(lvs={"vnode2": lvs}).storage
    (s,) = sv.snapshots()
    assert (s.node, s.drbd_resource, s.domain) == ("vnode2", None, "sentinel")
    assert sv.snapshots_of("vnode2", "vg0", "sentinel-root") == (s,)
    assert sv.snapshots_of("vnode1", "vg0", "sentinel-root") == ()
    mine = sv.lvs_of_vm("sentinel")
    assert s in mine and {nl.lv.name for nl in mine} == {
        "sentinel-root",
        "sentinel-swap",
        "sentinel-root-hatui-20260101T020000",
    }
    assert all(nl.domain == "www" for nl in sv.lvs_of_vm("www")) and len(sv.lvs_of_vm("www")) == 2


def test_thin_snapshots_are_snapshots_and_a_plain_lv_backs_nothing() -> None:
    lvs = (
        *backing_lvs(),
        lv("vg0", "pool", 50, "twi-aotz--", data_percent=95.0),
        lv("vg0", "thin1", 10, "Vwi-a-tz--", data_percent=40.0),
        lv("vg0", "thin1-snap", 10, "Vwi-a-tz-k", origin="thin1", data_percent=40.0),
        lv("vg0", "scratch", 5),
    )
    sv = storage_cluster(lvs={"vnode1": lvs}).storage
    assert [nl.lv.name for nl in sv.snapshots()] == ["thin1-snap"]
    scratch = sv.lv_of("vnode1", "vg0", "scratch")
    assert scratch is not None and (scratch.drbd_resource, scratch.domain) == (None, None)


@pytest.mark.parametrize(
    ("path", "vgs", "expected"),
    [
        ("/dev/vg0/www-root", (), ("vg0", "www-root")),
        ("/dev/mapper/vg0-www--root", (), ("vg0", "www-root")),
        ("/dev/mapper/vg--data-www--root--0", (), ("vg-data", "www-root-0")),
        ("/dev/mapper/cryptroot", (), None),  # no dash: not an LV's dm name
        ("/dev/mapper/a-b-c", (), None),  # two single dashes: not what LVM writes
        ("/dev/md/0", (), None),  # a RAID
        ("/dev/md/0", ("md",), ("md", "0")),  # ... unless the node has a VG called md
        ("/dev/cciss/c0d0p1", (), None),
        ("/dev/disk/by-id/wwn-0x5000", (), None),
        ("/dev/sdb1", (), None),
        ("/dev/drbd/by-res/www", (), None),
        ("vg0/www-root", (), None),
        ("/dev/vg0/", (), None),
    ],
)
def test_a_backing_disk_path_names_an_lv_only_where_lvm_would_have_made_it(
    path: str, vgs: tuple[str, ...], expected: tuple[str, str] | None
) -> None:
    assert lv_of_path(path, vgs) == expected


def test_mapper_paths_and_host_names_as_written_in_the_drbd_config_join_too() -> None:
    # DRBD 9 style: FQDN host names, /dev/mapper paths, two volumes of one resource.
    conf = (
        DrbdResourceConf(
            "sentinel-root",
            (("vnode1.example.com", 1), ("vnode2.example.com", 1)),
            (
                ("vnode1.example.com", "/dev/mapper/vg0-sentinel--root"),
                ("vnode1.example.com", "/dev/mapper/vg0-sentinel--swap"),
                ("vnode2.example.com", "none"),  # diskless there
            ),
        ),
    )
    sv = storage_cluster(drbd_conf=conf).storage
    assert {(b.node, b.lv_path) for b in sv.backings} == {
        ("vnode1", "vg0/sentinel-root"),
        ("vnode1", "vg0/sentinel-swap"),
    }
    by_node = {(nl.node, nl.lv.name): nl.drbd_resource for nl in sv.logical_volumes}
    assert by_node[("vnode1", "sentinel-swap")] == "sentinel-root"
    assert by_node[("vnode2", "sentinel-root")] is None


def test_a_node_trusts_its_own_dump_for_its_own_disks() -> None:
    # vnode2's dump (being edited) says vnode1 uses vg1; vnode1's own dump says vg0.
    edited = tuple(replace(c, disks=tuple((h, d.replace("vg0", "vg1")) for h, d in c.disks)) for c in confs())
    view = storage_cluster()
    reports = (view.reports[0], replace(view.reports[1], drbd_conf=edited))
    sv = replace(view, reports=reports).storage
    paths = {(b.node, b.drbd_resource): b.lv_path for b in sv.backings}
    assert paths[("vnode1", "www-root")] == "vg0/www-root"
    assert paths[("vnode2", "www-root")] == "vg1/www-root"


def test_unreachable_and_unread_nodes_add_nothing_and_lvm_unread_is_not_read() -> None:
    view = storage_cluster(lvs={"vnode2": None}, vgs={"vnode2": None})
    sv = view.storage
    assert sv.read_nodes == ("vnode1",)
    assert {nl.node for nl in sv.logical_volumes} == {"vnode1"}
    b = next(b for b in sv.backings if b.node == "vnode2")
    assert b.lv is None and b.vg is None and b.lv_path == f"vg0/{b.drbd_resource}"
    down = replace(view.reports[0], unreachable="connection refused")
    sv = replace(view, reports=(down, view.reports[1])).storage
    assert sv.read_nodes == () and sv.logical_volumes == ()


def test_pseudo_filesystems_are_left_out_by_type_or_untyped_by_device() -> None:
    rows = (
        fs("/", 10),
        fs("/dev/shm", 0, device="tmpfs", fstype="tmpfs"),
        fs("/sys", 0, device="sysfs", fstype="sysfs"),
        replace(fs("/dev", 0, device="devtmpfs"), fstype=None),
        replace(fs("/srv/backup", 50, device="/dev/drbd3"), fstype=None),
    )
    sv = storage_cluster(filesystems={"vnode1": rows, "vnode2": ()}).storage
    assert [nf.fs.mountpoint for nf in sv.filesystems] == ["/", "/srv/backup"]
    assert is_pseudo(fs("/run", 0, device="tmpfs", fstype="tmpfs"))
    assert not is_pseudo(fs("/", 10, fstype="xfs"))


def test_empty_when_no_node_reported_storage() -> None:
    none = dict.fromkeys(("vnode1", "vnode2"))
    view = storage_cluster(lvs=none, vgs=none, pvs=none, sessions=none, filesystems=none)
    assert view.storage.empty
    assert not storage_cluster().storage.empty


def test_sizes_read_as_lvm_prints_them() -> None:
    assert [fmt_bytes(n) for n in (None, 512, 4 * 1024**2, 25 * GIB, 2 * 1024 * GIB)] == [
        "-",
        "512B",
        "4.0M",
        "25.0G",
        "2.0T",
    ]


def test_an_lv_backing_no_drbd_resource_belongs_to_the_vm_its_node_runs_and_is_named_after() -> None:
    from hatui.model.domains import Domain
    from hatui.model.words import DomainState

    lvs = (
        *backing_lvs(),
        lv("vg3", "elearning-disk", 30),
        lv("vg3", "elearningx", 1),
        lv("vg3", "vconf-disk", 30),
    )
    view = storage_cluster(lvs={"vnode1": lvs, "vnode2": lvs})
    # vnode1 runs elearning; vconf runs nowhere, so no LV is taken for its disk.
    reports = tuple(
        replace(r, domains=(Domain("elearning", 3, DomainState.RUNNING, "-b----"),))
        if r.node == "vnode1"
        else r
        for r in view.reports
    )
    sv = replace(view, reports=reports).storage
    domain = {(nl.node, nl.lv.name): nl.domain for nl in sv.logical_volumes if nl.lv.vg == "vg3"}
    assert domain == {
        ("vnode1", "elearning-disk"): "elearning",
        ("vnode1", "elearningx"): None,  # a longer name is another name, not a disk of elearning
        ("vnode1", "vconf-disk"): None,
        ("vnode2", "elearning-disk"): None,  # vnode2 does not run it
        ("vnode2", "elearningx"): None,
        ("vnode2", "vconf-disk"): None,
    }
