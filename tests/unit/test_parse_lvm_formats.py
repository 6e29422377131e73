"""The LVM parsers on the outputs of hatui's own commands and on the edge cases the corpus lacks.

hatui asks ``lvs -o lv_name,vg_name,lv_attr,lv_size,origin,snap_percent[,data_percent,lv_time]`` in
bytes, as a JSON report or ``;``-separated columns; these are those outputs (a thick snapshot with a
figure, a thin pool, a DRBD before-resync snapshot), plus what any other output may hold.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hatui.errors import ParseError
from hatui.parsers.lvm import parse_lvs, parse_pvs, parse_vgs, size_bytes

GIB = 1 << 30

JSON_LVS = """  {
      "report": [
          {
              "lv": [
                  {"lv_name":"vm1-disk", "vg_name":"vg0", "lv_attr":"owi-aos---", "lv_size":"10737418240", "origin":"", "snap_percent":"", "data_percent":"", "lv_time":"2026-12-01 10:00:00 +0000"},
                  {"lv_name":"vm1-disk-hatui-20261205T120000", "vg_name":"vg0", "lv_attr":"swi-a-s---", "lv_size":"2147483648", "origin":"vm1-disk", "snap_percent":"12.50", "data_percent":"12.50", "lv_time":"2026-12-05 12:00:00 +0000"},
                  {"lv_name":"pool", "vg_name":"vg1", "lv_attr":"twi-aotz--", "lv_size":"4294967296", "origin":"", "snap_percent":"", "data_percent":"95.00", "lv_time":"2026-11-01 09:00:00 +0000"},
                  {"lv_name":"[pool_tdata]", "vg_name":"vg1", "lv_attr":"Twi-ao----", "lv_size":"4294967296", "origin":"", "snap_percent":"", "data_percent":"", "lv_time":"2026-11-01 09:00:00 +0000"}
              ]
          }
      ],
      "log": [
          {"log_seq_num":"1", "log_type":"status", "log_context":"shell", "log_object_type":"cmd", "log_object_name":"", "log_object_id":"", "log_object_group":"", "log_object_group_id":"", "log_message":"success", "log_errno":"0", "log_ret_code":"1"}
      ]
  }
"""  # noqa: E501


def test_hatuis_json_command_thick_snapshot_fill_and_thin_pool_usage() -> None:
    disk, snap, pool, tdata = parse_lvs(JSON_LVS)
    assert disk.path == "vg0/vm1-disk" and disk.size_bytes == 10 * GIB and disk.origin is None
    assert disk.created == datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    assert snap.is_thick_snapshot and snap.origin == "vm1-disk" and snap.snapshot_percent == 12.5
    assert snap.data_percent is None and snap.size_bytes == 2 * GIB
    # A thin pool's Data% is the pool's usage, never a snapshot's fill.
    assert pool.is_thin_pool and pool.data_percent == 95.0 and pool.snapshot_percent is None
    assert tdata.hidden and tdata.name == "pool_tdata"


def test_another_reports_json_is_no_empty_answer() -> None:
    with pytest.raises(ParseError, match='no "vg" rows'):
        parse_vgs(JSON_LVS)
    assert parse_vgs('{"report": []}') == ()


def test_json_std_numbers_and_nulls_read_like_strings() -> None:
    text = (
        '{"report": [{"vg": [{"vg_name": "vg0", "vg_size": 21474836480, "vg_free": 0, "pv_count": 1,'
        ' "lv_count": 2, "snap_count": 0, "vg_attr": "wz--n-", "vg_extent_size": null}]}]}'
    )
    (vg,) = parse_vgs(text)
    assert (vg.size_bytes, vg.free_bytes, vg.pv_count, vg.extent_bytes) == (20 * GIB, 0, 1, None)


def test_hatuis_columns_command_on_old_lvm_with_a_before_resync_snapshot() -> None:
    """lenny's LVM 2.02.39: --noheadings --separator ';' in bytes, six fields, decimal comma."""
    text = (
        "  vm1-disk;vg0;owi-ao;10737418240;;\n"
        "  vm1-disk-before-resync;vg0;swi-a-;1178599424;vm1-disk;10,00\n"
        "  vm2-disk;vg0;-wi-a-;5368709120;;\n"
    )
    disk, snap, other = parse_lvs(text)
    assert (disk.attr, disk.size_bytes, disk.origin, disk.snapshot_percent) == (
        "owi-ao",
        10 * GIB,
        None,
        None,
    )
    assert snap.origin == "vm1-disk" and snap.snapshot_percent == 10.0 and snap.created is None
    assert other.path == "vg0/vm2-disk" and other.active


def test_columns_vgs_and_pvs_in_hatuis_order() -> None:
    (vg,) = parse_vgs("  vg0;21474836480;4294967296;1;3;1;wz--n-;4194304\n")
    assert (vg.name, vg.size_bytes, vg.free_bytes, vg.lv_count, vg.snapshot_count) == (
        "vg0", 20 * GIB, 4 * GIB, 3, 1,
    )  # fmt: skip
    assert vg.extent_bytes == 4 << 20 and not vg.partial
    pvs = parse_pvs("  /dev/sda3;vg0;21474836480;4294967296;a--\n  [unknown];vg1;1073741824;0;a-m\n")
    assert [(pv.name, pv.vg, pv.missing) for pv in pvs] == [
        ("/dev/sda3", "vg0", False),
        ("[unknown]", "vg1", True),
    ]


def test_modern_default_columns_data_percent_of_a_thick_snapshot_is_its_fill() -> None:
    text = (
        "  LV    VG  Attr       LSize  Pool Origin Data%  Meta%  Move Log Cpy%Sync Convert\n"
        "  disk  vg0 owi-aos--- 10.00g\n"
        "  snap  vg0 swi-a-s---  2.00g      disk   85.31\n"
        "  pool  vg0 twi-aotz--  4.00g             95.00  10.00\n"
    )
    disk, snap, pool = parse_lvs(text)
    assert snap.snapshot_percent == 85.31 and snap.data_percent is None and snap.origin == "disk"
    assert pool.data_percent == 95.0 and pool.snapshot_percent is None
    assert disk.snapshot_percent is None and disk.size_bytes == 10 * GIB


def test_a_heading_in_another_field_order() -> None:
    text = "  Attr   VSize  VG   #LV\n  wz--n- 20.00g vg0    3\n  wz-pn-  2.00g vg1    0\n"
    vg0, vg1 = parse_vgs(text)
    assert (vg0.name, vg0.size_bytes, vg0.lv_count, vg0.partial) == ("vg0", 20 * GIB, 3, False)
    assert (vg1.name, vg1.partial) == ("vg1", True)


def test_an_lv_printed_once_per_segment_is_one_lv() -> None:
    text = (
        "  LV   VG  Attr       LSize  Devices\n"
        "  data vg0 -wi-ao---- 20.00g /dev/sda3(0)\n"
        "  data vg0 -wi-ao---- 20.00g /dev/sdb1(0)\n"
        "  log  vg0 -wi-ao----  1.00g /dev/sda3(5120)\n"
    )
    assert [(lv.name, lv.size_bytes) for lv in parse_lvs(text)] == [("data", 20 * GIB), ("log", GIB)]


def test_an_lv_named_like_a_message_word_is_still_a_row_and_messages_are_skipped() -> None:
    text = (
        "  WARNING: Failed to connect to lvmetad. Falling back to device scanning.\n"
        "  Failed;vg0;-wi-a-;1024;;\n"
        "  Scanning;vg0;-wi-a-;2048;;\n"
        "  /dev/vg0/snap: read failed after 0 of 4096 at 0: Input/output error\n"
        "  Device;vg0;-wi-a-;4096;;\n"
    )
    assert [(lv.name, lv.size_bytes) for lv in parse_lvs(text)] == [
        ("Failed", 1024),
        ("Scanning", 2048),
        ("Device", 4096),
    ]


@pytest.mark.parametrize("text", ["", "\n", "  No volume groups found\n"])
def test_no_volume_group_is_an_empty_answer(text: str) -> None:
    assert parse_lvs(text) == () and parse_vgs(text) == () and parse_pvs(text) == ()


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("1073741824", GIB),
        ("1073741824B", GIB),
        ("<110.20g", round(110.20 * GIB)),
        ("25,00g", 25 * GIB),
        ("499,99G", round(499.99 * GIB)),
        ("1.36t", round(1.36 * (1 << 40))),
        ("4.00m", 4 << 20),
        ("506.00k", 506 << 10),
        ("2048S", 2048 * 512),
        ("0 ", 0),
        ("", None),
    ],
)
def test_sizes_in_every_unit_lvm_prints(cell: str, expected: int | None) -> None:
    assert size_bytes(cell, "lvs", 1, cell) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("  vm1-disk;vg0;-wi-ao;ten gigs;;\n", "is not a size"),
        ("  vm1-disk;vg0;snapshot;1024;;\n", "is not an lv_attr"),
        ("  vm1-disk;vg0;-wi-ao;1024;;;;;;;;\n", "cells where"),
        ("  vm1-disk;vg0;swi-a-;1024;vm1;lots\n", "is not a percentage"),
        ("  1.5\n", "needs lv_name, vg_name and lv_attr"),
        ("<html>Bad gateway</html>\n", "needs lv_name, vg_name and lv_attr"),
        ("  LV VG Attr\n  a b c d e f\n", "two cells under the heading"),
        (
            '  {\n      "report": [\n          {\n              "lv": [\n                  {"lv_name":"a"',
            "JSON",
        ),
        ('{"reports": []}', "not an LVM JSON report"),
    ],
)
def test_anything_else_is_a_parse_error(text: str, reason: str) -> None:
    with pytest.raises(ParseError, match=reason):
        parse_lvs(text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list(" \n;|{}[]\":,-_.<aAbgGmsSwi0123456789LVM2_='")), max_size=200))
def test_random_text_is_read_or_refused_never_a_crash(text: str) -> None:
    for parse in (parse_lvs, parse_vgs, parse_pvs):
        with contextlib.suppress(ParseError):
            parse(text)
