"""hatui's own LVM commands, as the source table builds them, run by the real LVM of this machine.

A 64 MiB file on a loop device holds a real PV, VG and LV (metadata only: this kernel has no
device-mapper, so ``lvcreate --driverloaded n -an``). LVM runs with its own ``LVM_SYSTEM_DIR``
whose filter sees that loop device alone, so no other VG of the machine shows or is touched.
Both command forms (JSON and ``;`` columns) are run: the parsers must read what LVM really prints.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from hatui.model.stack import LvmFlavour, StackInfo
from hatui.parsers.lvm import parse_lvs, parse_pvs, parse_vgs
from hatui.sources.table import commands_for

MIB = 1 << 20
pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("lvm") is None or shutil.which("losetup") is None,
    reason="needs root, lvm2 and losetup (a real VG on a loop device)",
)


def _run(argv: list[str] | tuple[str, ...], env: dict[str, str]) -> str:
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, (argv, done.stderr)
    return done.stdout


@pytest.fixture(scope="module")
def lvm_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict[str, str], str, str]]:
    """(environment for LVM, loop device, VG name) with one 12 MiB LV in the VG."""
    folder = tmp_path_factory.mktemp("lvm")
    disk = folder / "disk"
    disk.write_bytes(b"")
    os.truncate(disk, 64 * MIB)
    loop = subprocess.run(
        ["losetup", "-f", "--show", str(disk)], capture_output=True, text=True, check=True
    ).stdout.strip()
    etc = folder / "etc"
    etc.mkdir()
    (etc / "lvm.conf").write_text(
        f'devices {{ filter = [ "a|^{loop}$|", "r|.*|" ] global_filter = [ "a|^{loop}$|", "r|.*|" ]\n'
        "  use_devicesfile = 0 obtain_device_list_from_udev = 0 }\n"
        "activation { udev_sync = 0 udev_rules = 0 }\n"
        "backup { backup = 0 archive = 0 }\n",
        encoding="utf-8",
    )
    env = {**os.environ, "LVM_SYSTEM_DIR": str(etc), "LVM_SUPPRESS_FD_WARNINGS": "1", "LC_ALL": "C"}
    vg = f"hatuitest{os.getpid()}"
    try:
        _run(["pvcreate", "-q", loop], env)
        _run(["vgcreate", "-q", "-s", "4M", vg, loop], env)
        _run(["lvcreate", "-q", "--driverloaded", "n", "-an", "-Zn", "-L", "12M", "-n", "vm1-disk", vg], env)
        yield env, loop, vg
    finally:
        subprocess.run(["vgremove", "-q", "-f", vg], env=env, capture_output=True, check=False)
        subprocess.run(["pvremove", "-q", loop], env=env, capture_output=True, check=False)
        subprocess.run(["losetup", "-d", loop], capture_output=True, check=False)


@pytest.mark.parametrize("flavour", [LvmFlavour.JSON, LvmFlavour.COLUMNS])
def test_the_table_commands_read_a_real_vg(
    flavour: LvmFlavour, lvm_env: tuple[dict[str, str], str, str]
) -> None:
    env, loop, vg = lvm_env
    commands = commands_for(StackInfo(lvm=flavour))
    assert {"pvs", "vgs", "lvs"} <= set(commands)
    (pv,) = parse_pvs(_run(commands["pvs"], env))
    assert (pv.name, pv.vg, pv.attr, pv.missing) == (loop, vg, "a--", False)
    assert pv.size_bytes == 60 * MIB and pv.free_bytes == 48 * MIB  # 64 MiB less metadata, less the LV
    (group,) = parse_vgs(_run(commands["vgs"], env))
    assert (group.name, group.size_bytes, group.free_bytes, group.extent_bytes) == (
        vg,
        60 * MIB,
        48 * MIB,
        4 * MIB,
    )
    assert (group.pv_count, group.lv_count, group.snapshot_count, group.attr) == (1, 1, 0, "wz--n-")
    (lv,) = parse_lvs(_run(commands["lvs"], env))
    assert (lv.path, lv.size_bytes, lv.origin, lv.snapshot_percent) == (
        f"{vg}/vm1-disk",
        12 * MIB,
        None,
        None,
    )
    # No device-mapper here: LVM cannot tell whether it is active (state X).
    assert lv.attr == "-wi-XX----" and lv.active is None
    assert (lv.created is not None) is (flavour is LvmFlavour.JSON)  # the columns form does not ask


def test_the_default_report_of_the_real_lvs_reads_too(lvm_env: tuple[dict[str, str], str, str]) -> None:
    env, _, vg = lvm_env
    (lv,) = parse_lvs(_run(["lvs"], env))
    assert (lv.vg, lv.name, lv.size_bytes) == (vg, "vm1-disk", 12 * MIB)


def test_a_node_without_vg_gives_an_empty_report_in_both_forms(tmp_path: Path) -> None:
    (tmp_path / "lvm.conf").write_text(
        'devices { filter = [ "r|.*|" ] global_filter = [ "r|.*|" ] use_devicesfile = 0 }\n', encoding="utf-8"
    )
    env = {**os.environ, "LVM_SYSTEM_DIR": str(tmp_path), "LC_ALL": "C"}
    for flavour in (LvmFlavour.JSON, LvmFlavour.COLUMNS):
        commands = commands_for(StackInfo(lvm=flavour))
        assert parse_lvs(_run(commands["lvs"], env)) == ()
        assert parse_vgs(_run(commands["vgs"], env)) == ()
        assert parse_pvs(_run(commands["pvs"], env)) == ()
