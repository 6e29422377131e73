"""pvs, vgs and lvs of every LVM2 in the storage corpus (2005 to 2.03): one test per sample.

Sizes printed in human units are exact to their two decimals only: the expected bytes are the
printed figure times its binary unit, as LVM computed it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from hatui.errors import ParseError
from hatui.parsers.lvm import parse_lvs, parse_pvs, parse_vgs
from hatui.parsers.lvm_json import read_json
from support import CORPUS, needs_shared

pytestmark = needs_shared
STORAGE = CORPUS / "storage"
KIB, MIB, GIB, TIB = 1 << 10, 1 << 20, 1 << 30, 1 << 40
#: The default lvs columns before LVM 2.02.89 (``Snap%`` era; the Ubuntu 10.04 row has no heading).
OLD_LVS_COLUMNS = (
    "lv_name", "vg_name", "lv_attr", "lv_size", "origin", "snap_percent", "move_pv", "mirror_log",
    "copy_percent", "convert_lv",
)  # fmt: skip


def sample(name: str) -> str:
    return (STORAGE / name).read_text(encoding="utf-8")


def g(figure: float) -> int:
    return round(figure * GIB)


def by_name(items):  # type: ignore[no-untyped-def]
    return {item.name: item for item in items}


def transcript(name: str) -> list[tuple[str, str]]:
    """A terminal transcript cut at its prompts: (command, output) pairs."""
    parts: list[tuple[str, str]] = []
    for line in sample(name).splitlines():
        if line.startswith("[root@"):
            parts.append((line.split("# ", 1)[1], ""))
        else:
            command, out = parts[-1]
            parts[-1] = (command, out + line + "\n")
    return parts


# --- LVM2 2005-2011 -----------------------------------------------------------------------------


def test_2005_lvm_with_polish_decimal_commas_fd_warnings_and_a_hidden_snapshot() -> None:
    (first, both), (create, made), (all_lvs, listed) = transcript(
        "vgs_lvs_snapshot_sri_locale_comma_lvm2_2005_lkml.txt"
    )
    assert first == "vgs -a; lvs" and all_lvs == "lvs -a"
    vgs_out, lvs_out = both.split("   LV ", 1)
    vgs = by_name(parse_vgs(vgs_out))
    assert list(vgs) == ["users", "v20z.2", "zie"]
    users = vgs["users"]
    assert (users.size_bytes, users.free_bytes) == (round(499.99 * GIB), round(49.99 * GIB))
    assert (users.pv_count, users.lv_count, users.snapshot_count, users.attr) == (1, 2, 0, "wz--n")
    assert vgs["v20z.2"].free_bytes == 0 and not users.partial and not users.clustered
    before = parse_lvs("   LV " + lvs_out)
    assert [lv.name for lv in before] == ["prac", "studenci", "home", "root", "var", "mail", "mailman"]
    assert all(lv.attr == "-wi-ao" and lv.active and lv.origin is None for lv in before)
    assert before[0].size_bytes == 225 * GIB and before[0].vg == "users"
    # lvcreate's "Logical volume created" and the fd warnings are messages, not a report.
    with pytest.raises(ParseError, match="messages and no report"):
        parse_lvs(made)
    after = by_name(parse_lvs(listed))
    assert len(after) == 9 and after["prac"].attr == "owi-ao"
    snap = after["prac-1"]
    assert snap.hidden and snap.attr == "sri-a-" and snap.origin == "prac" and snap.vg == "users"
    assert snap.is_thick_snapshot and snap.snapshot_percent == 0.0 and not snap.invalid
    assert snap.size_bytes == 5 * GIB and snap.active is True and snap.path == "users/prac-1"
    assert after["srv"].size_bytes == 36 * GIB


def test_pvs_of_lvm_2_02_39_two_character_attr_and_uppercase_units() -> None:
    pvs = parse_pvs(sample("pvs_default_lvm2.02.39_ubuntu904_forum.txt"))
    assert [(pv.name, pv.vg, pv.attr) for pv in pvs] == [
        ("/dev/sda1", "aeria", "a-"),
        ("/dev/sdb1", "aeria", "a-"),
        ("/dev/sdc1", "aeria", "a-"),
    ]
    assert pvs[0].size_bytes == round(148.77 * GIB) and pvs[0].free_bytes == round(45.70 * GIB)
    assert (pvs[2].size_bytes, pvs[2].free_bytes) == (1000 * MIB, 996 * MIB)
    assert not any(pv.missing for pv in pvs)


def test_invalid_snapshot_of_lvm_2_02_54_capital_s_and_italian_comma() -> None:
    (lv,) = parse_lvs(
        sample("lvs_snapshot_invalid_Swi-I_locale_comma_ubuntu1004_forum.txt"), columns=OLD_LVS_COLUMNS
    )
    assert (lv.vg, lv.name, lv.attr) == ("vms", "vm017-Windows-XP-Professional", "Swi-I-")
    assert lv.origin == "vm007-Windows-XP-Professional" and lv.size_bytes == 25 * GIB
    assert lv.is_thick_snapshot and lv.invalid and lv.snapshot_percent == 100.0
    assert lv.data_percent is None


def test_vgs_after_an_invalid_snapshot_skips_the_read_failed_lines() -> None:
    (vg,) = parse_vgs(sample("vgs_read_failed_invalid_snapshot_locale_comma_ubuntu1004_forum.txt"))
    assert (vg.name, vg.pv_count, vg.lv_count, vg.snapshot_count, vg.attr) == ("vms", 1, 17, 7, "wz--n-")
    assert (vg.size_bytes, vg.free_bytes) == (round(931.51 * GIB), round(487.71 * GIB))


def test_ganeti_drbd_backing_lvs_with_separator_and_bytes_suffix() -> None:
    # Ganeti's lvParams, as the sidecar gives them.
    columns = (
        "lv_uuid", "lv_name", "lv_attr", "lv_major", "lv_minor", "lv_kernel_major", "lv_kernel_minor",
        "lv_size", "seg_count", "lv_tags", "modules", "vg_uuid", "vg_name", "segtype", "seg_start",
        "seg_start_pe", "seg_size", "seg_tags", "seg_pe_ranges", "devices",
    )  # fmt: skip
    lvs = parse_lvs(sample("lvs_noheadings_units_B_separator_old_attr_ganeti.txt"), columns=columns)
    assert [(lv.vg, lv.name, lv.size_bytes) for lv in lvs] == [
        ("xenvg", "df9ff3f6-a833-48ff-8bd5-bff2eaeab759.disk0_data", GIB),
        ("xenvg", "df9ff3f6-a833-48ff-8bd5-bff2eaeab759.disk0_meta", 128 * MIB),
    ]
    assert all(lv.attr == "-wi-ao" and lv.active and not lv.is_snapshot for lv in lvs)
    # Without the command's column list, the uuid-first row is no row of hatui's own order.
    with pytest.raises(ParseError):
        parse_lvs(sample("lvs_noheadings_units_B_separator_old_attr_ganeti.txt"))


def test_vg_not_found_after_a_lost_pv_is_an_error_not_an_empty_node() -> None:
    """LVM 2.02.02 refuses to show a VG with a missing PV: that says nothing about its LVs."""
    with pytest.raises(ParseError, match="Volume group xenvg not found"):
        parse_vgs(sample("vgs_missing_pv_vg_not_found_lvm2.02.02_ganeti.txt"))


# --- LVM2 2016-2025 -----------------------------------------------------------------------------


def test_libstorage_2016_blank_padded_columns_without_heading() -> None:
    columns = ("lv_name", "lv_uuid", "vg_name", "vg_uuid", "lv_attr", "lv_size")
    lvs = parse_lvs(sample("lvs_noheadings_units_b_nosuffix_libstorage2016.txt"), columns=columns)
    assert [(lv.path, lv.size_bytes, lv.attr) for lv in lvs] == [
        ("system/home", 9365880832, "-wi-ao----"),
        ("system/root", 6241124352, "-wi-ao----"),
        ("system/swap", 1560281088, "-wi-ao----"),
    ]
    (vg,) = parse_vgs(
        sample("vgs_noheadings_units_b_nosuffix_libstorage2016.txt"),
        columns=("vg_name", "vg_uuid", "vg_attr", "vg_extent_size", "vg_extent_count"),
    )
    assert (vg.name, vg.attr, vg.extent_bytes, vg.size_bytes) == ("system", "wz--n-", 4 * MIB, None)
    (pv,) = parse_pvs(
        sample("pvs_noheadings_units_b_nosuffix_libstorage2016.txt"),
        columns=("pv_name", "pv_uuid", "vg_name", "vg_uuid", "pv_attr"),
    )
    assert (pv.name, pv.vg, pv.attr, pv.missing) == ("/dev/sda1", "system", "a--", False)


def test_json_thick_and_thin_snapshots_pools_and_hidden_lvs() -> None:
    lvs = by_name(parse_lvs(sample("lvs_json_snapshots_thick_thin_libstorage.txt")))
    assert len(lvs) == 14 and {lv.vg for lv in lvs.values()} == {"test"}
    thick = lvs["linear1-snap1"]
    assert thick.is_thick_snapshot and thick.origin == "linear1" and thick.size_bytes == 128 * MIB
    assert thick.attr == "swi-a-s---" and thick.active and not thick.invalid
    assert lvs["linear1"].origin is None and lvs["linear1"].attr == "owi-a-s---"
    thin = lvs["linear3-snap2"]
    assert thin.is_snapshot and not thin.is_thick_snapshot and thin.origin == "linear3"
    assert lvs["thin2-snap2"].active is False and lvs["thin2-snap2"].attr == "Vwi---tz-k"
    assert lvs["thin-pool"].is_thin_pool and lvs["thin-pool"].size_bytes == 4 * GIB
    hidden = sorted(name for name, lv in lvs.items() if lv.hidden)
    assert hidden == ["lvol1_pmspare", "thin-pool_tdata", "thin-pool_tmeta"]
    assert lvs["lvol0"].active is False and lvs["lvol0"].size_bytes == 8 * MIB


def test_json_vgs_and_pvs_without_sizes_asked() -> None:
    (vg,) = parse_vgs(sample("vgs_json_libstorage_snapshot1.txt"))
    assert (vg.name, vg.attr, vg.extent_bytes, vg.size_bytes, vg.free_bytes) == (
        "test", "wz--n-", 4 * MIB, None, None,
    )  # fmt: skip
    (pv,) = parse_pvs(sample("pvs_json_libstorage_snapshot1.txt"))
    assert (pv.name, pv.vg, pv.attr, pv.size_bytes) == ("/dev/sdb1", "test", "a--", None)


def test_json_missing_duplicate_and_orphan_pvs() -> None:
    pvs = parse_pvs(sample("pvs_json_missing_and_duplicate_pv_libstorage.txt"))
    assert [(pv.name, pv.vg, pv.attr, pv.missing) for pv in pvs] == [
        ("/dev/sdb1", "test1", "a--", False),
        ("/dev/sdb2", "test1", "d--", False),
        ("/dev/sdc1", "test2", "a--", False),
        ("/dev/sdc2", None, "---", False),
        ("[unknown]", "test2", "a-m", True),
    ]


def test_json_empty_report_is_no_lv() -> None:
    assert parse_lvs(sample("lvs_json_empty_with_warnings_libstorage.txt")) == ()


def test_fullreport_of_loop_devices_gives_all_three_with_epoch_times() -> None:
    text = sample("lvm_fullreport_json_lvm2.03_loopdev_hansmi.txt")
    (vg,) = parse_vgs(text)
    assert (vg.name, vg.size_bytes, vg.free_bytes) == ("vgdata", 1249902592, 830472192)
    assert (vg.pv_count, vg.lv_count, vg.snapshot_count, vg.extent_bytes) == (2, 2, 0, 4 * MIB)
    pvs = parse_pvs(text)
    assert [(pv.name, pv.vg, pv.size_bytes, pv.free_bytes) for pv in pvs] == [
        ("/dev/loop0", "vgdata", 1044381696, 624951296),
        ("/dev/loop1", "vgdata", 205520896, 205520896),
    ]
    lvs = parse_lvs(text)
    assert [(lv.path, lv.size_bytes) for lv in lvs] == [("vgdata/home", 100 * MIB), ("vgdata/tmp", 300 * MIB)]
    assert lvs[0].created == datetime(2021, 7, 31, 14, 44, 45, tzinfo=UTC)
    assert lvs[0].attr == "-wi-XX----" and lvs[0].active is None  # LVM could not tell


def test_fullreport_with_a_missing_pv_shows_the_partial_vg() -> None:
    text = sample("lvm_fullreport_json_missing_pv_raid1_partial_hansmi.txt")
    (vg,) = parse_vgs(text)
    assert vg.name == "vgaaa" and vg.attr == "wz-pn-" and vg.partial
    pvs = parse_pvs(text)
    assert [(pv.name, pv.missing) for pv in pvs] == [("/dev/loop0", False), ("[unknown]", True)]
    lvs = by_name(parse_lvs(text))
    assert len(lvs) == 6 and sum(lv.hidden for lv in lvs.values()) == 4
    assert lvs["mirrored"].attr == "rwi---r-p-" and lvs["mirrored"].vg == "vgaaa"


def test_the_man_page_json_example_has_no_vg_or_attr_to_make_an_lv_of() -> None:
    """lvmreport(7)'s example asks for lv_name,lv_size only, and stops before the last brace."""
    text = sample("lvs_reportformat_json_lvmreport_man_doc.txt")
    rows = read_json(text, "lvs", "lv")
    assert rows == [{"lv_name": "lvol1", "lv_size": "4.00m"}, {"lv_name": "lvol0", "lv_size": "4.00m"}]
    with pytest.raises(ParseError, match="needs lv_name, vg_name and lv_attr"):
        parse_lvs(text)


def test_inactive_snapshot_and_pool_before_activation_have_empty_percent_cells() -> None:
    lvs = by_name(parse_lvs(sample("lvs_snapshot_inactive_before_activation_qnap_readme.txt")))
    assert list(lvs) == ["lv1", "snapShots", "tp1"]
    snap = lvs["snapShots"]
    assert snap.origin == "lv1" and snap.attr == "swi---s---" and snap.active is False
    assert snap.is_thick_snapshot and snap.snapshot_percent is None and not snap.invalid
    assert snap.size_bytes == 4 * MIB and lvs["tp1"].is_thin_pool and lvs["tp1"].data_percent is None


def test_rounding_prefix_and_warning_before_the_vgs_table() -> None:
    vgs = by_name(parse_vgs(sample("vgs_rounding_prefix_old_pv_header_warning_el8_qnap_readme.txt")))
    assert list(vgs) == ["cl", "datavg", "vg1"]
    assert vgs["cl"].size_bytes == round(110.20 * GIB) and vgs["cl"].free_bytes == round(33.57 * GIB)
    assert vgs["datavg"].size_bytes == round(1.36 * TIB)
    assert (vgs["vg1"].size_bytes, vgs["vg1"].free_bytes, vgs["vg1"].snapshot_count) == (28 * MIB, 0, 1)


def test_rounding_prefix_and_warning_before_the_lvs_table() -> None:
    lvs = by_name(parse_lvs(sample("lvs_rounding_prefix_old_pv_header_warning_el8_qnap_readme.txt")))
    assert len(lvs) == 7 and lvs["home"].size_bytes == round(10.63 * GIB)
    assert lvs["home"].attr == "-wi-a-----" and lvs["datalv"].size_bytes == 800 * GIB
    assert lvs["snapShots"].origin == "lv1" and lvs["tp1"].is_thin_pool and lvs["lv1"].origin is None


def test_default_columns_plus_tags_and_devices() -> None:
    lvs = by_name(parse_lvs(sample("lvs_default_cols_plus_devices_rhel7_insights.txt")))
    assert len(lvs) == 9 and {lv.vg for lv in lvs.values()} == {"vg_root"}
    assert lvs["lv_app"].size_bytes == round(71.63 * GIB) and lvs["swap"].size_bytes == round(3.88 * GIB)
    assert all(lv.attr == "-wi-ao----" for lv in lvs.values())


def test_verbose_vgs_with_a_clustered_vg_among_progress_lines() -> None:
    vgs = by_name(parse_vgs(sample("vgs_verbose_headings_clustered_vg_sosreport_insights.txt")))
    assert list(vgs) == ["vg00", "vg00alt", "vg01", "vgshared"]
    assert vgs["vgshared"].clustered and not vgs["vg00"].clustered
    assert vgs["vg00"].extent_bytes == 128 * MIB and vgs["vg00"].free_bytes == 5 * GIB
    assert (vgs["vgshared"].pv_count, vgs["vgshared"].size_bytes) == (6, round(1.76 * TIB))


def test_verbose_pvs_all_leaves_out_devices_that_are_no_pv() -> None:
    (pv,) = parse_pvs(sample("pvs_verbose_headings_non_pv_devices_insights.txt"))
    assert pv.name == "/dev/mapper/luks-7430952e-7101-4716-9b46-786ce4684f8d" and pv.vg == "fedora"
    assert (pv.attr, pv.size_bytes, pv.free_bytes) == ("a--", round(476.45 * GIB), 4 * MIB)


def test_nameprefixes_lv_all_takes_the_vg_from_the_full_name() -> None:
    lvs = parse_lvs(sample("lvs_nameprefixes_lv_all_fedora_insights.txt"))
    assert [(lv.path, lv.size_bytes) for lv in lvs] == [
        ("fedora_kjl/home", round(182.23 * GIB)),
        ("fedora_kjl/root", 50 * GIB),
        ("fedora_kjl/swap", round(5.75 * GIB)),
    ]
    minus_five = timezone(timedelta(hours=-5))
    assert lvs[0].created == datetime(2015, 9, 23, 21, 42, 49, tzinfo=minus_five)
    assert all(lv.snapshot_percent is None and lv.data_percent is None for lv in lvs)


def test_every_lvm_sample_is_covered_above() -> None:
    here = Path(__file__).read_text(encoding="utf-8")
    names = [p.name for p in STORAGE.glob("*.txt") if not p.name.endswith(".source.txt")]
    lvm = [n for n in names if n.startswith(("lvs_", "vgs_", "pvs_", "lvm_"))]
    assert len(lvm) == 24 and [n for n in lvm if n not in here] == []
