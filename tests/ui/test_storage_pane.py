"""The Storage pane (key 7), the VMs pane's Storage column and the storage rows' detail screens.

The captures are the reference-shaped cluster of ``ui_cluster`` (sentinel's disks on vnode1/vnode2,
www's and mail's on vnode3/vnode2; ``drbdadm dump`` names ``/dev/vg1/<res>`` on the first host and
``/dev/vg2/<res>`` on the second) with each node's ``lvs``/``vgs``/``pvs`` in LVM 2.03's JSON report,
``iscsiadm -m session -P 1`` and ``df -P -T -B1``, as the nodes print them. vnode1 holds a backup
snapshot of sentinel-root 45 % full, vnode2 an invalid snapshot of www-root (DRBD's before-resync
one, 100 % full), vnode3 lacks mail-root's LV, its iSCSI session is in recovery, and vnode1's
/srv/backup is 95 % full.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

import pytest
from textual.binding import Binding
from ui_cluster import NODES, cluster, unreachable
from ui_harness import SIZE, ConsoleFactory, wait_for

from hatui.actions.plan import Request
from hatui.model.capture import NodeCapture
from hatui.model.storage import LogicalVolume, VolumeGroup
from hatui.model.storage_join import Backing, NodeLv, NodeVg, StorageView
from hatui.ui.screens.detail import DetailScreen
from hatui.ui.screens.main import MainScreen
from hatui.ui.storage_keys import split_key, storage_request
from hatui.ui.widgets.storage import StoragePane
from hatui.ui.widgets.vms import VmsPane

G = 1024**3
SNAP = "sentinel-root-hatui-20251231T220000"
TARGET = "iqn.2010-01.org.example:vstor1.vmdata"

# node -> (vg, vg size, vg free, PV, LVs: (name, attr, size, origin, snap%, time))
_LVM: dict[str, tuple[str, int, int, str, tuple[tuple[str, str, int, str, str, str], ...]]] = {
    "vnode1": ("vg1", 100 * G, 60 * G, "/dev/sda3", (
        ("sentinel-root", "owi-aos---", 10 * G, "", "", "2025-06-01 10:00:00 +0000"),
        ("sentinel-swap", "-wi-ao----", 1 * G, "", "", "2025-06-01 10:00:00 +0000"),
        (SNAP, "swi-a-s---", 2 * G, "sentinel-root", "45.00", "2025-12-31 22:00:00 +0000"),
        ("scratch", "-wi-a-----", 5 * G, "", "", "2025-06-01 10:00:00 +0000"),
    )),
    "vnode2": ("vg2", 200 * G, 100 * G, "/dev/sda3", (
        ("sentinel-root", "-wi-ao----", 10 * G, "", "", "2025-06-01 10:00:00 +0000"),
        ("sentinel-swap", "-wi-ao----", 1 * G, "", "", "2025-06-01 10:00:00 +0000"),
        ("www-root", "owi-aos---", 20 * G, "", "", "2025-06-01 10:00:00 +0000"),
        ("mail-root", "-wi-ao----", 8 * G, "", "", "2025-06-01 10:00:00 +0000"),
        ("www-root-before-resync", "swi-I-s---", 4 * G, "www-root", "100.00", "2025-12-30 03:00:00 +0000"),
    )),
    "vnode3": ("vg1", 100 * G, 50 * G, "/dev/sdb1", (
        ("www-root", "-wi-ao----", 20 * G, "", "", "2025-06-01 10:00:00 +0000"),
    )),
}  # fmt: skip


def _report(group: str, rows: list[dict[str, str]]) -> str:
    return json.dumps({"report": [{group: rows}]}, indent=2) + "\n"


def lvm_outputs(node: str, *, snapshot: bool = True) -> dict[str, str]:
    """``lvs``, ``vgs`` and ``pvs`` of ``node`` as LVM 2.03 prints them with hatui's JSON options."""
    vg, size, free, pv, lvs = _LVM[node]
    lv_rows = [
        {"lv_name": n, "vg_name": vg, "lv_attr": a, "lv_size": str(s), "origin": o,
         "snap_percent": p, "data_percent": p, "lv_time": t}
        for n, a, s, o, p, t in lvs
        if snapshot or n != SNAP
    ]  # fmt: skip
    snaps = sum(1 for r in lv_rows if r["origin"])
    vg_row = {"vg_name": vg, "vg_size": str(size), "vg_free": str(free), "pv_count": "1",
              "lv_count": str(len(lv_rows) - snaps), "snap_count": str(snaps), "vg_attr": "wz--n-",
              "vg_extent_size": str(4 * 1024**2)}  # fmt: skip
    pv_row = {"pv_name": pv, "vg_name": vg, "pv_size": str(size), "pv_free": str(free), "pv_attr": "a--"}
    return {"lvs": _report("lv", lv_rows), "vgs": _report("vg", [vg_row]), "pvs": _report("pv", [pv_row])}


def iscsiadm(node: str) -> str:
    """``iscsiadm -m session -P 1``: vnode3's session to vstor1 is in recovery."""
    states = (
        ("TRANSPORT WAIT", "FAILED", "REOPEN")
        if node == "vnode3"
        else ("LOGGED IN", "LOGGED_IN", "NO CHANGE")
    )
    return (
        f"Target: {TARGET} (non-flash)\n"
        "\tCurrent Portal: 192.168.10.50:3260,1\n"
        "\tPersistent Portal: 192.168.10.50:3260,1\n"
        "\t\t**********\n\t\tInterface:\n\t\t**********\n"
        "\t\tIface Name: default\n\t\tIface Transport: tcp\n"
        f"\t\tIface Initiatorname: iqn.1993-08.org.debian:01:{node}\n"
        "\t\tIface IPaddress: 192.168.10.11\n\t\tIface HWaddress: default\n\t\tIface Netdev: default\n"
        f"\t\tSID: {NODES.index(node) + 1}\n"
        f"\t\tiSCSI Connection State: {states[0]}\n"
        f"\t\tiSCSI Session State: {states[1]}\n"
        f"\t\tInternal iscsid Session State: {states[2]}\n"
    )  # fmt: skip


def df(node: str) -> str:
    """``df -P -T -B1``: vnode1's /srv/backup is 95 % full; tmpfs is not storage."""
    rows = [("/dev/sda1", "ext3", 20 * G, 5 * G, "/"), ("tmpfs", "tmpfs", G, 0, "/dev/shm")]
    if node == "vnode1":
        rows.append(("/dev/mapper/vg1-backup", "ext4", 100 * G, 95 * G, "/srv/backup"))
    text = "Filesystem                 Type     1-blocks        Used   Available Capacity Mounted on\n"
    for dev, fstype, size, used, mount in rows:
        pct = 100 * used // size
        text += f"{dev:<26} {fstype:<6} {size:>10} {used:>11} {size - used:>11} {pct:>7}% {mount}\n"
    return text


def storage_cluster(*, snapshot: bool = True, storage: bool = True) -> list[NodeCapture]:
    """The UI tests' cluster, each node with its storage outputs (none when ``storage`` is False)."""
    out = []
    for cap in cluster():
        extra = {
            **lvm_outputs(cap.node, snapshot=snapshot),
            "iscsiadm_session": iscsiadm(cap.node),
            "df": df(cap.node),
        }
        out.append(replace(cap, outputs={**cap.outputs, **extra}) if storage else cap)
    return out


def main(app: object) -> MainScreen:
    screen = app.main_screen  # type: ignore[attr-defined]
    assert isinstance(screen, MainScreen)
    return screen


async def test_key_7_shows_vgs_the_vms_disks_their_snapshots_iscsi_and_filesystems(
    console: ConsoleFactory,
) -> None:
    c = console(storage_cluster())
    async with c.app.run_test(size=SIZE) as pilot:
        await c.next_polls(pilot)
        await pilot.press("7")
        pane = main(c.app).pane("storage")
        assert isinstance(pane, StoragePane)
        await wait_for(pilot, lambda: f"snap:vg1/{SNAP}@vnode1" in pane.row_keys)
        keys = pane.row_keys
        # Natural order: VGs, then each VM with its disks per node and their snapshots, other LVs,
        # iSCSI sessions, filesystems.
        assert keys[:3] == ["vg:vg1@vnode1", "vg:vg2@vnode2", "vg:vg1@vnode3"]
        vm_at = keys.index("vm:sentinel")
        assert keys[vm_at + 1 : vm_at + 3] == ["backing:sentinel-root@vnode1", f"snap:vg1/{SNAP}@vnode1"]
        assert (
            keys.index("vm:www")
            < keys.index("snap:vg2/www-root-before-resync@vnode2")
            < keys.index("vm:mail")
        )
        assert keys.index("lv:vg1/scratch@vnode1") > keys.index("vm:mail")
        iscsi = [k for k in keys if k.startswith("iscsi:")]
        assert iscsi == [f"iscsi:{i}@{n}" for i, n in ((1, "vnode1"), (2, "vnode2"), (3, "vnode3"))]
        filesystems = [k for k in keys if k.startswith("fs:")]
        assert keys.index(iscsi[-1]) < keys.index(filesystems[0]) and keys[-len(filesystems) :] == filesystems
        assert "fs:/srv/backup@vnode1" in filesystems and not any("/dev/shm" in k for k in keys)

        text = pane.cell_text
        assert (text("vg:vg2@vnode2", "size"), text("vg:vg2@vnode2", "use")) == ("200.0G", "█████░░░░░ 50.0%")
        assert text("vg:vg2@vnode2", "info").startswith("100.0G free, 1 PVs")
        assert text("backing:sentinel-root@vnode1", "info") == "vg1/sentinel-root, VG 60.0G free"
        assert text("backing:sentinel-root@vnode1", "size") == "10.0G"
        # A VM's row: one copy of each disk (DRBD keeps one per node), its resources and their nodes.
        assert text("vm:sentinel", "size") == "11.0G"
        assert text("vm:sentinel", "info") == "sentinel-root, sentinel-swap on vnode1, vnode2"
        assert text(f"snap:vg1/{SNAP}@vnode1", "what") == f"  ↳ {SNAP}"
        assert text(f"snap:vg1/{SNAP}@vnode1", "use") == "████░░░░░░ 45.0%"
        assert text(f"snap:vg1/{SNAP}@vnode1", "info") == "snapshot of vg1/sentinel-root, age 2h00m"
        assert text(f"snap:vg1/{SNAP}@vnode1", "state") == "✔ ok"
        # The verdict's problems mark their rows, on their node only.
        assert text("snap:vg2/www-root-before-resync@vnode2", "state") == "✖ snapshot-invalid"
        assert text("backing:mail-root@vnode3", "state").startswith("✖ lv-missing")
        assert text("backing:mail-root@vnode3", "info") == "/dev/vg1/mail-root: no such LV, VG 50.0G free"
        assert text("backing:mail-root@vnode2", "state") == "✔ ok"
        assert text("iscsi:3@vnode3", "state").startswith("✖ iscsi-session-down")
        assert text("iscsi:3@vnode3", "use") == "FAILED"
        assert (
            text("iscsi:3@vnode3", "info") == "192.168.10.50:3260,1, connection TRANSPORT WAIT, iscsid REOPEN"
        )
        assert text("iscsi:1@vnode1", "state") == "✔ ok"
        assert text("fs:/srv/backup@vnode1", "state").startswith("▲ fs-space-low")
        assert text("fs:/srv/backup@vnode1", "use") == "██████████ 95.0%"
        assert text("vm:www", "state") == "✖ snapshot-invalid"
        assert pane.border_title is not None and "4 need attention" in str(pane.border_title)


@pytest.mark.parametrize(
    ("captures", "words"),
    [
        (
            lambda: storage_cluster(),
            {"sentinel": "snap 45%", "www": "✖ snapshot-invalid", "mail": "✖ lv-missing"},
        ),
        (lambda: storage_cluster(snapshot=False), {"sentinel": "ok"}),
        (lambda: storage_cluster(storage=False), {"sentinel": "-", "www": "-", "mail": "-"}),
    ],
    ids=["problems-and-snapshot", "healthy", "unread"],
)
async def test_the_vms_pane_says_each_vms_storage_in_one_word(
    console: ConsoleFactory, captures: object, words: dict[str, str]
) -> None:
    c = console(captures())  # type: ignore[operator]
    async with c.app.run_test(size=SIZE) as pilot:
        await c.next_polls(pilot)
        pane = main(c.app).pane("vms")
        assert isinstance(pane, VmsPane)
        await wait_for(pilot, lambda: all(vm in pane.row_keys for vm in words))
        assert {vm: pane.cell_text(vm, "storage") for vm in words} == words


async def test_an_unreachable_nodes_storage_stays_dimmed_with_since_when(console: ConsoleFactory) -> None:
    c = console(storage_cluster())
    async with c.app.run_test(size=SIZE) as pilot:
        await c.next_polls(pilot)
        c.poller.replace(unreachable("vnode3", "connection refused"))
        await c.next_polls(pilot, ("vnode3",))  # a good poll in flight lands before the clock moves
        c.clock.advance(42)
        await c.next_polls(pilot, ("vnode3",))
        await pilot.press("7")
        pane = main(c.app).pane("storage")
        await wait_for(pilot, lambda: pane.has_class("-stale"))
        # Its last known rows: kept, marked, dimmed; the verdict no longer counts what they say.
        assert pane.cell_text("iscsi:3@vnode3", "use") == "FAILED"
        assert pane.cell_text("iscsi:3@vnode3", "state") == "⌛ ✔ ok"
        info = pane.cell_value("iscsi:3@vnode3", "info")
        assert info.plain.endswith("  ⌛ last seen 42s ago: connection refused") and info.style.dim
        assert pane.cell_text("fs:/@vnode3", "info").startswith("/dev/sda1 ext3  ⌛ last seen 42s ago")
        assert pane.cell_text("vg:vg1@vnode1", "state") == "✔ ok"  # a node that answers is not stale


async def test_an_lvs_output_that_cannot_be_read_shows_in_the_pane_with_its_raw_text(
    console: ConsoleFactory,
) -> None:
    captures = storage_cluster()
    garbled = "  LV   VG   Attr\n  what is this\n"
    captures[1] = replace(captures[1], outputs={**captures[1].outputs, "lvs": garbled})
    c = console(captures)
    async with c.app.run_test(size=SIZE) as pilot:
        await c.next_polls(pilot)
        await pilot.press("7")
        pane = main(c.app).pane("storage")
        await wait_for(pilot, lambda: pane.has_class("-parse-error"))
        assert "vg:vg2@vnode2" in pane.row_keys  # vgs still read: the VG stays
        assert not any(k.endswith("@vnode2") and k.startswith(("lv:", "snap:")) for k in pane.row_keys)
        # Without vnode2's lvs nothing is said about its LVs: no lv-missing for them.
        assert (
            pane.cell_text("backing:mail-root@vnode2", "info")
            == "/dev/vg2/mail-root: LVM not read, VG 100.0G free"
        )
        assert pane.cell_text("backing:mail-root@vnode2", "state") == "✔ ok"
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(c.app.screen, DetailScreen))
        info = c.app.screen.info  # type: ignore[attr-defined]
        assert [name for name, _ in info.fields] == ["vnode2 lvs"]
        assert info.raws == (("vnode2: lvs", garbled),)


async def test_enter_on_a_snapshot_shows_its_fields_and_the_raw_lvm_output(console: ConsoleFactory) -> None:
    c = console(storage_cluster())
    async with c.app.run_test(size=SIZE) as pilot:
        await c.next_polls(pilot)
        await pilot.press("7")
        pane = main(c.app).pane("storage")
        key = f"snap:vg1/{SNAP}@vnode1"
        await wait_for(pilot, lambda: key in pane.row_keys)
        pane.table.move_cursor(row=pane.row_keys.index(key))
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(c.app.screen, DetailScreen))
        info = c.app.screen.info  # type: ignore[attr-defined]
        fields = dict(info.fields)
        assert (fields["lv.origin"], fields["lv.snapshot_percent"], fields["domain"]) == (
            "sentinel-root",
            "45.0",
            "sentinel",
        )
        labels = [label for label, _ in info.raws]
        assert any(label.startswith("vnode1: ") for label in labels)
        assert any(SNAP in raw for _, raw in info.raws)
        assert "sentinel" in info.subjects


def _storage() -> StorageView:
    vg = NodeVg("vnode2", VolumeGroup("vg2", 200 * G, 100 * G))
    root = NodeLv("vnode2", LogicalVolume("vg2", "www-root", 20 * G, "owi-aos---"), "www-root", "www")
    return StorageView(
        volume_groups=(vg,),
        physical_volumes=(),
        logical_volumes=(root,),
        iscsi_sessions=(),
        filesystems=(),
        backings=(Backing("www-root", "vnode2", "www", "/dev/vg2/www-root", root, vg, "vg2/www-root"),),
        read_nodes=("vnode2",),
    )


def test_row_keys_split_at_the_last_at_sign() -> None:
    assert split_key("snap:vg0/www-root-hatui-20260101T000000@vnode2") == (
        "snap", "vg0/www-root-hatui-20260101T000000", "vnode2"
    )  # fmt: skip
    assert split_key("vm:www") == ("vm", "www", None)
    assert split_key("fs:/srv/my@disk@vnode1") == ("fs", "/srv/my@disk", "vnode1")


def test_a_row_key_gives_the_request_of_a_snapshot_or_backup_action() -> None:
    sv = _storage()
    assert storage_request("snapshot_create", "vm", "vm:www", sv) == Request("snapshot_create", "www")
    assert storage_request("backup_run", "vm", "backing:www-root@vnode2", sv) == Request(
        "backup_run", "www", node="vnode2"
    )
    assert storage_request("backup_run", "vm", "lv:vg2/www-root@vnode2", sv) == Request(
        "backup_run", "www", node="vnode2"
    )
    assert storage_request("snapshot_remove", "snapshot", "snap:vg2/www-root-hatui-1@vnode2", sv) == Request(
        "snapshot_remove", "vg2/www-root-hatui-1", node="vnode2"
    )
    assert (
        storage_request("snapshot_remove", "snapshot", "vm:www", sv) == "highlight a snapshot row (↳) first"
    )
    assert (
        storage_request("backup_run", "vm", "vg:vg2@vnode2", sv) == "highlight a VM or one of its disks first"
    )
    assert storage_request("backup_run", "vm", "vm:", sv) == "highlight a VM or one of its disks first"


def test_the_pane_binds_the_snapshot_and_backup_actions_and_no_other_vm_action() -> None:
    keys = {b.id: b.key for b in StoragePane.BINDINGS if isinstance(b, Binding)}
    assert keys == {"snapshot-create": "n", "backup-run": "B", "snapshot-remove": "X"}


async def test_an_age_tick_that_moves_no_shown_age_keeps_the_storage_rows(console: ConsoleFactory) -> None:
    """The ages ticker hands the pane a new snapshot every second; its rows are built again only
    when a snapshot's age (shown in whole units) or a stale node's note changed."""
    c = console(storage_cluster())
    async with c.app.run_test(size=SIZE) as pilot:
        await c.next_polls(pilot)
        await pilot.press("7")
        pane = main(c.app).pane("storage")
        await wait_for(pilot, lambda: f"snap:vg1/{SNAP}@vnode1" in pane.row_keys)
        snap = pane.snapshot
        assert snap is not None
        rows = pane.build_rows(snap)
        later = replace(snap, now=snap.now + timedelta(seconds=1))  # the ages shown are the same
        assert pane.build_rows(later) is rows
        months = replace(snap, now=snap.now + timedelta(days=60))
        moved = pane.build_rows(months)
        assert moved is not rows
        key = f"snap:vg1/{SNAP}@vnode1"
        before = next(r for r in rows if r.key == key).cells[-1].plain
        after = next(r for r in moved if r.key == key).cells[-1].plain
        assert before != after
