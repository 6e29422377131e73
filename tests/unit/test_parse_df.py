"""df from the storage corpus (``df -PT``, ``df -h``) and the form hatui polls (``df -P -T -B1``)."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hatui.errors import ParseError
from hatui.parsers.df import parse_df
from support import CORPUS, needs_shared

KIB, MIB, GIB = 1 << 10, 1 << 20, 1 << 30
STORAGE = CORPUS / "storage"


@needs_shared
def test_posix_df_with_types_in_1024_blocks() -> None:
    fss = parse_df((STORAGE / "df_PT_xen_guest_rbd_acaleph.txt").read_text(encoding="utf-8"))
    assert len(fss) == 10
    root = fss[0]
    assert (root.device, root.mountpoint, root.fstype) == ("/dev/xvda1", "/", "ext4")
    assert (root.size_bytes, root.used_bytes, root.available_bytes) == (
        20511356 * KIB, 3854292 * KIB, 15717948 * KIB,
    )  # fmt: skip
    assert root.used_percent == pytest.approx(100 * 3854292 / (3854292 + 15717948))
    assert fss[2].mountpoint == "/var/lib/ceph/osd/ceph-0" and fss[2].fstype == "xfs"
    assert fss[-1].device == "/dev/rbd5" and fss[-1].mountpoint == "/opt/acaleph-internal/influxdb"


@needs_shared
def test_human_df_with_drbd_filesystems() -> None:
    fss = parse_df((STORAGE / "df_h_drbd_xfs_mounted_centos8_tkm.txt").read_text(encoding="utf-8"))
    assert len(fss) == 9 and all(fs.fstype is None for fs in fss)
    drbd = {fs.device: fs for fs in fss if fs.device.startswith("/dev/drbd")}
    assert drbd["/dev/drbd0"].mountpoint == "/mnt/drbd0-fs"
    assert (drbd["/dev/drbd0"].size_bytes, drbd["/dev/drbd0"].used_bytes) == (100 * GIB, 858 * MIB)
    assert drbd["/dev/drbd1"].used_bytes == 826 * MIB
    shm = fss[1]
    assert (shm.mountpoint, shm.size_bytes, shm.used_bytes) == ("/dev/shm", round(1.9 * GIB), 8 * KIB)


@needs_shared
def test_every_df_sample_is_covered_above() -> None:
    here = Path(__file__).read_text(encoding="utf-8")
    names = [p.name for p in STORAGE.glob("df_*.txt") if not p.name.endswith(".source.txt")]
    assert len(names) == 2 and [n for n in names if n not in here] == []


def test_hatuis_form_in_bytes_with_a_mount_point_holding_blanks() -> None:
    text = (
        "Filesystem     Type     1-blocks        Used   Available Capacity Mounted on\n"
        "/dev/vg1/srv   ext3  10737418240  9663676416  1073741824      90% /srv/backup\n"
        "/dev/drbd3     ext3   1073741824     1048576  1072693248       1% /mnt/old disk  x\n"
        "proc           proc            0           0           0        - /proc\n"
    )
    srv, old, proc = parse_df(text)
    assert (srv.size_bytes, srv.used_bytes, srv.available_bytes) == (10 * GIB, 9 * GIB, GIB)
    assert srv.used_percent == pytest.approx(90.0)
    assert old.mountpoint == "/mnt/old disk  x" and old.device == "/dev/drbd3"
    assert proc.used_percent is None and proc.fstype == "proc"


@pytest.mark.parametrize(
    ("heading", "unit"),
    [("1-blocks", 1), ("1B-blocks", 1), ("1024-blocks", KIB), ("1K-blocks", KIB), ("512-blocks", 512),
     ("1M-blocks", MIB), ("1kB-blocks", 1000), ("1MB-blocks", 1000 * 1000)],
)  # fmt: skip
def test_any_block_size_heading(heading: str, unit: int) -> None:
    text = f"Filesystem {heading} Used Available Capacity Mounted on\n/dev/sda1 100 40 60 40% /\n"
    (fs,) = parse_df(text)
    assert (fs.size_bytes, fs.used_bytes, fs.available_bytes, fs.fstype) == (
        100 * unit,
        40 * unit,
        60 * unit,
        None,
    )


def test_a_long_device_name_wraps_without_posix_mode() -> None:
    text = (
        "Filesystem           1K-blocks      Used Available Use% Mounted on\n"
        "/dev/mapper/vg0-very--long--name\n"
        "                      1032088    500000    532088  49% /var\n"
    )
    (fs,) = parse_df(text)
    assert (fs.device, fs.mountpoint, fs.used_bytes) == (
        "/dev/mapper/vg0-very--long--name",
        "/var",
        500000 * KIB,
    )


@pytest.mark.parametrize(
    "text",
    [
        "df: /mnt/x: Stale file handle\n",
        "Filesystem Type 1-blocks Used Available Capacity Mounted on\n/dev/sda1 ext4 many 1 2 3% /\n",
        "Filesystem Type lots Used Available Capacity Mounted on\n",
        "Filesystem Type 1-blocks Used Available Capacity Mounted on\n/dev/sda1 ext4 1 2\n",
    ],
)
def test_anything_else_is_a_parse_error(text: str) -> None:
    with pytest.raises(ParseError):
        parse_df(text)


@pytest.mark.skipif(shutil.which("df") is None, reason="needs df")
def test_the_real_df_of_this_machine_in_hatuis_form() -> None:
    out = subprocess.run(
        ["df", "-P", "-T", "-B1"],
        capture_output=True,
        text=True,
        check=False,
        env={"LC_ALL": "C", "PATH": "/usr/bin:/bin"},
    ).stdout
    fss = parse_df(out)
    root = next(fs for fs in fss if fs.mountpoint == "/")
    assert root.size_bytes and root.used_bytes is not None and root.fstype
    assert len(fss) == len(out.strip().splitlines()) - 1


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("Filesystem Type1-blocks %/\n0123456789.GKM-")), max_size=200))
def test_random_text_is_read_or_refused_never_a_crash(text: str) -> None:
    with contextlib.suppress(ParseError):
        parse_df(text)
