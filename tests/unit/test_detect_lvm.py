"""Storage detection: which LVM report a node gets (``lvm version``), iscsiadm and df from ``which``,
and one real poll of this machine's LVM, iscsiadm and df through the collector."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from hatui.config import ClusterConfig, NodeConfig
from hatui.model.stack import LvmFlavour, StackInfo
from hatui.sources.collector import NodeCollector
from hatui.sources.commands import DETECT_COMMANDS, PROBED_TOOLS
from hatui.sources.detect import stack_from_probes
from hatui.sources.parse import build_report
from hatui.sources.table import BY_NAME, commands_for
from hatui.transport.base import CommandResult
from hatui.transport.local import LocalTransport


def res(stdout: str = "", status: int | None = 0, stderr: str = "") -> CommandResult:
    return CommandResult(argv=("probe",), exit_status=status, stdout=stdout, stderr=stderr)


# Debian 12's lvm2, as `lvm version` prints it (this machine); lenny's 2.02.39 and 2005's 2.01.14.
BOOKWORM = (
    "  LVM version:     2.03.16(2) (2022-05-18)\n  Library version: 1.02.185 (2022-05-18)\n"
    "  Driver version:  4.48.0\n  Configuration:   ./configure --build=x86_64-linux-gnu\n"
)
LENNY = "  LVM version:     2.02.39 (2008-06-27)\n  Library version: 1.02.27 (2008-06-25)\n"
OLD_2005 = "  LVM version:     2.01.14 (2005-08-04)\n  Library version: 1.01.04 (2005-08-02)\n"


def lvm_of(result: CommandResult | None) -> tuple[LvmFlavour | None, str | None]:
    probes = {"lvm_version": result} if result is not None else {}
    stack = stack_from_probes(probes)
    return stack.lvm, stack.lvm_version


@pytest.mark.parametrize(
    ("probe", "expected"),
    [
        (res(BOOKWORM), (LvmFlavour.JSON, "2.03.16")),
        (res(LENNY), (LvmFlavour.COLUMNS, "2.02.39")),
        (res(OLD_2005), (LvmFlavour.COLUMNS, "2.01.14")),
        # The first with --reportformat json, and the one before it.
        (res("  LVM version:     2.02.158(2) (2016-06-25)\n"), (LvmFlavour.JSON, "2.02.158")),
        (res("  LVM version:     2.02.157(2) (2016-06-16)\n"), (LvmFlavour.COLUMNS, "2.02.157")),
        # Without device-mapper the version still prints (stderr complains): still LVM.
        (
            res(BOOKWORM, 0, "  /dev/mapper/control: open failed: No such device\n"),
            (LvmFlavour.JSON, "2.03.16"),
        ),
        (res("", 127, "sh: 1: lvm: not found"), (LvmFlavour.ABSENT, None)),
        (res("", None, "killed"), (None, None)),
        (None, (None, None)),
    ],
)
def test_the_lvm_flavour_follows_the_version(
    probe: CommandResult | None, expected: tuple[object, object]
) -> None:
    assert lvm_of(probe) == expected


def test_the_probe_and_the_tools_looked_for() -> None:
    assert DETECT_COMMANDS["lvm_version"] == ("lvm", "version")
    assert {"lvs", "iscsiadm", "df"} <= set(PROBED_TOOLS)
    stack = stack_from_probes({"which": res("xl\niscsiadm\ndf\nlvs\n")})
    assert stack.iscsiadm is True and stack.df is True
    bare = stack_from_probes({"which": res("xl\n")})
    assert bare.iscsiadm is False and bare.df is False
    assert StackInfo().iscsiadm is None and StackInfo().df is None


def test_each_flavour_polls_its_own_commands() -> None:
    modern = commands_for(StackInfo(lvm=LvmFlavour.JSON, tools=frozenset({"iscsiadm", "df"})))
    assert modern["lvs"] == (
        "env", "LVM_SUPPRESS_FD_WARNINGS=1", "lvs", "--reportformat", "json", "--units", "b", "--nosuffix",
        "-a", "-o", "lv_name,vg_name,lv_attr,lv_size,origin,snap_percent,data_percent,lv_time",
    )  # fmt: skip
    assert modern["vgs"][-1] == "vg_name,vg_size,vg_free,pv_count,lv_count,snap_count,vg_attr,vg_extent_size"
    assert modern["pvs"][-1] == "pv_name,vg_name,pv_size,pv_free,pv_attr"
    assert modern["iscsiadm_session"] == ("iscsiadm", "-m", "session", "-P", "3")
    assert modern["df"] == ("df", "-P", "-T", "-B1")
    old = commands_for(StackInfo(lvm=LvmFlavour.COLUMNS))
    assert old["lvs"] == (
        "env", "LVM_SUPPRESS_FD_WARNINGS=1", "lvs", "--noheadings", "--units", "b", "--nosuffix",
        "--separator", ";", "-a", "-o", "lv_name,vg_name,lv_attr,lv_size,origin,snap_percent",
    )  # fmt: skip
    assert "iscsiadm_session" not in old and "df" not in old  # tools not detected
    assert not {"pvs", "vgs", "lvs"} & set(commands_for(StackInfo(lvm=LvmFlavour.ABSENT)))
    # The DRBD configuration (the LV join's backing disks) is read on DRBD 9 as on 8.
    for drbd in ("8", "9-json", "9-drbdadm"):
        assert commands_for(StackInfo(drbd=drbd))["drbd_dump"] == ("drbdadm", "dump", "all")  # type: ignore[arg-type]


def test_the_stack_keeps_lvm_in_its_manifest_and_its_description() -> None:
    stack = StackInfo(lvm=LvmFlavour.COLUMNS, lvm_version="2.02.39")
    again = StackInfo.from_json(stack.to_json())
    assert again == stack and again.lvm is LvmFlavour.COLUMNS
    assert stack.to_json()["lvm"] == "columns"
    assert "LVM columns (2.02.39)" in stack.describe()
    assert BY_NAME["iscsiadm_session"].empty_statuses == frozenset({21})


@pytest.mark.skipif(
    os.geteuid() != 0 or not all(shutil.which(t) for t in ("lvm", "iscsiadm", "df")),
    reason="needs root, lvm2, open-iscsi and df",
)
async def test_a_real_poll_of_this_machine_reads_lvm_iscsi_and_df(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """This machine's real tools: LVM 2.03.16 (no VG visible), open-iscsi with no session (it exits
    21, which is an empty list and no error), and df."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, target in [
        ("lvm", "lvm"),
        ("lvs", "lvm"),
        ("vgs", "lvm"),
        ("pvs", "lvm"),
        ("iscsiadm", "iscsiadm"),
    ]:
        (bin_dir / name).symlink_to(shutil.which(target) or target)
    # The storage tools linked here, then /usr/bin (df, env, head; Pacemaker too where installed).
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    etc = tmp_path / "etc"
    etc.mkdir()
    (etc / "lvm.conf").write_text(
        'devices { filter = [ "r|.*|" ] global_filter = [ "r|.*|" ] use_devicesfile = 0 }\n', encoding="utf-8"
    )
    monkeypatch.setenv("LVM_SYSTEM_DIR", str(etc))
    node = NodeConfig(name="n1", host="localhost", transport="local")
    collector = NodeCollector(node, ClusterConfig(name="c", nodes=(node,)), LocalTransport("n1"))
    capture = await collector.poll()
    stack = capture.stack
    assert stack.lvm is LvmFlavour.JSON and stack.lvm_version == "2.03.16"
    assert stack.iscsiadm and stack.df
    assert not {"pvs", "vgs", "lvs", "iscsiadm_session", "df"} & set(capture.errors), capture.errors
    assert capture.outputs["iscsiadm_session"] == ""
    report = build_report(capture)
    assert (report.physical_volumes, report.volume_groups, report.logical_volumes) == ((), (), ())
    assert report.iscsi_sessions == ()
    assert report.filesystems and "/" in {fs.mountpoint for fs in report.filesystems}
    await collector.close()
