"""The demo's snapshots, its play of hatui's backup wrapper and its storage faults."""

from __future__ import annotations

import pytest
from demo_support import make_cluster, out

from hatui.demo import DemoCluster
from hatui.demo.commands import Outcome
from hatui.errors import HatuiError

LVS = ("env", "LVM_SUPPRESS_FD_WARNINGS=1", "lvs", "--noheadings", "--units", "b", "--nosuffix", "-o")
GIB = 1024**3
SNAP = "mail-root-hatui-20261125T174603"
#: hatui's wrapper as the demo sees it: the script itself is never read, only $0 and the words.
SCRIPT = "snap=$1; ... (the wrapper's script)"
COMMAND = 'dd if="$HATUI_DEVICE" bs=4M | gzip > /srv/backup/"$HATUI_VM-$HATUI_STAMP".img.gz'


def _snapshot(c: DemoCluster, node: str = "vnode2", name: str = SNAP, size: str = "8192M") -> None:
    created = out(
        c,
        node,
        "env",
        "LVM_SUPPRESS_FD_WARNINGS=1",
        "lvcreate",
        "-s",
        "-L",
        size,
        "-n",
        name,
        "vg2/mail-root",
    )
    assert created == f'  Logical volume "{name}" created{"" if c.generation == "seed" else "."}\n'


def _fill(c: DemoCluster, node: str = "vnode2", name: str = SNAP) -> float:
    return float(out(c, node, *LVS, "snap_percent", f"vg2/{name}").strip())


def _job(
    c: DemoCluster, node: str = "vnode2", *, limit: int = 3600, warn: int = 80, every: int = 5
) -> Outcome:
    argv = ("sudo", "-n", "sh", "-c", SCRIPT, "hatui-backup", f"vg2/{SNAP}", f"/dev/vg2/{SNAP}",
            str(limit), str(warn), str(every), "mail", node, "20261125T174603", COMMAND)  # fmt: skip
    return c.execute(node, argv)


def _rows(c: DemoCluster, fields: str, node: str = "vnode2") -> list[list[str]]:
    return [r.strip().split(";") for r in out(c, node, *LVS, fields, "--separator", ";", "vg2").splitlines()]


def _backup_used(c: DemoCluster, node: str = "vnode2") -> int:
    return next(m.used_bytes for m in c.storage[node].mounts if m.mountpoint == "/srv/backup")


@pytest.mark.parametrize("generation", ["seed", "modern"])
def test_snapshot_created_fills_with_the_vms_writes_and_is_removed(generation: str) -> None:
    c = make_cluster(generation=generation)
    _snapshot(c)
    rows = _rows(c, "lv_name,lv_attr,origin,lv_size")
    seed = generation == "seed"
    assert [SNAP, "swi-a-" if seed else "swi-a-s---", "mail-root", str(8 * GIB)] in rows
    assert ["mail-root", "owi-ao" if seed else "owi-aos---", "", str(40 * GIB)] in rows  # open by DRBD
    assert _fill(c) == 0.0
    c.advance(600)  # mail writes 900 KiB/s on vnode1; DRBD replicates it to vnode2's LV
    assert 0.5 < _fill(c) < 2.0
    vgs = out(
        c, "vnode2", "vgs", "--noheadings", "--units", "b", "--nosuffix", "-o", "vg_free,snap_count", "vg2"
    )
    assert vgs.split() == [str((272 - 70 - 8) * GIB), "1"]
    removed = c.execute("vnode2", ("lvremove", "-f", f"vg2/{SNAP}"))
    assert removed.status == 0 and "successfully removed" in removed.stdout
    assert SNAP not in out(c, "vnode2", "lvs")


def test_lvcreate_and_lvremove_refusals() -> None:
    c = make_cluster(generation="modern")
    big = c.execute("vnode2", ("lvcreate", "-s", "-L", "300000M", "-n", "x", "vg2/mail-root"))
    assert big.status == 5
    assert big.stderr == '  Volume group "vg2" has insufficient free space (51712 extents): 75000 required.\n'
    assert c.execute("vnode2", ("lvcreate", "-s", "-L", "1G", "-n", "x", "vg2/nope")).stderr == (
        '  Failed to find logical volume "vg2/nope"\n'
    )
    _snapshot(c)
    again = c.execute("vnode2", ("lvcreate", "-s", "-L", "1G", "-n", SNAP, "vg2/mail-root"))
    assert again.status == 5 and "already exists" in again.stderr
    in_use = c.execute("vnode2", ("lvremove", "-f", "vg2/mail-root"))
    assert in_use.status == 5 and "in use" in in_use.stderr
    seed = make_cluster()
    old = seed.execute("vnode2", ("lvcreate", "-s", "-L", "300000M", "-n", "x", "vg2/mail-root"))
    assert old.stderr == "  Insufficient free extents (51712) in volume group vg2: 75000 required\n"


@pytest.mark.parametrize("generation", ["seed", "modern"])
def test_backup_job_reads_the_snapshot_and_exits_with_the_commands_status(generation: str) -> None:
    c = make_cluster(generation=generation)
    _snapshot(c)
    before, t0 = _backup_used(c), c.t
    result = _job(c)
    assert result.status == 0, result.stderr
    assert "42949672960 bytes (43 GB" in result.stderr  # dd read the whole 40 GiB disk
    assert c.t - t0 == pytest.approx(40, abs=1)  # demo time moved with the job
    assert _backup_used(c) > before
    assert c.execute("vnode2", ("lvremove", "-f", f"vg2/{SNAP}")).status == 0


def test_backup_job_fails_half_way_under_fail_backup() -> None:
    c = make_cluster()
    _snapshot(c)
    c.inject("fail-backup", "vnode2")
    t0 = c.t
    failed = _job(c)
    assert failed.status == 1
    assert failed.stderr.startswith("gzip: stdout: Input/output error\n")
    assert c.t - t0 == pytest.approx(20, abs=1)
    assert _job(c).status == 0  # the fault hits one job only


def test_backup_job_stops_on_a_filling_snapshot_and_on_its_time_limit() -> None:
    c = make_cluster()
    _snapshot(c)
    c.inject("fill-snapshot", f"vg2/{SNAP}")
    stopped = _job(c)
    assert stopped.status == 75
    assert stopped.stderr.startswith(f"hatui-backup: snapshot vg2/{SNAP} is 85.")
    assert stopped.stderr.endswith("% full (stop level 80%): job stopped\n")
    c.inject("heal", f"vg2/{SNAP}")
    assert SNAP not in out(c, "vnode2", "lvs")
    _snapshot(c)
    late = _job(c, limit=10)
    assert (late.status, late.stderr) == (124, "hatui-backup: time limit of 10s reached: job stopped\n")


def test_backup_job_of_a_missing_snapshot_fails_at_once() -> None:
    c = make_cluster()
    result = _job(c)
    assert result.status == 1 and "No such file or directory" in result.stderr


def test_fill_snapshot_on_a_vm_makes_one_on_its_secondary_and_it_turns_invalid() -> None:
    c = make_cluster(generation="modern")
    c.inject("fill-snapshot", "www")
    rows = _rows(c, "lv_name,lv_attr,snap_percent")
    snap = next(r for r in rows if r[0].startswith("www-root-hatui-"))
    assert snap[1] == "swi-a-s---" and 85.0 <= float(snap[2]) < 87.0
    c.advance(31)
    rows = _rows(c, "lv_name,lv_attr,snap_percent")
    snap = next(r for r in rows if r[0].startswith("www-root-hatui-"))
    assert snap[1:] == ["swi-I-s---", "100.00"]
    c.inject("heal", "www")
    assert "www-root-hatui-" not in out(c, "vnode2", "lvs")
    with pytest.raises(HatuiError):
        c.inject("fill-snapshot", "elearning")


@pytest.mark.parametrize("generation", ["seed", "modern"])
def test_missing_pv_and_iscsi_recovery_until_healed(generation: str) -> None:
    c = make_cluster(generation=generation)
    c.inject("missing-pv", "vnode1")
    c.inject("iscsi-recovery", "vnode1")
    pvs = out(c, "vnode1", "pvs")
    assert "[unknown]" in pvs and "/dev/sdb1" not in pvs
    assert "Couldn't find device with uuid" in c.execute("vnode1", ("lvs",)).stderr  # stdout stays the report
    vgs = out(c, "vnode1", "vgs", "--noheadings", "-o", "vg_name,vg_attr")
    assert ("wz-pn" if generation == "seed" else "wz-pn-") in vgs.split()
    refused = c.execute("vnode1", ("lvcreate", "-s", "-L", "1G", "-n", "x", "vg1/mail-swap"))
    assert refused.status == 5 and "PVs are missing" in refused.stderr
    session = out(c, "vnode1", "iscsiadm", "-m", "session", "-P", "1")
    assert "iSCSI Connection State: TRANSPORT WAIT" in session
    assert "iSCSI Session State: FAILED" in session and "Internal iscsid Session State: REOPEN" in session
    assert "[unknown]" not in out(c, "vnode2", "pvs")  # the other node is untouched
    c.inject("heal", "vnode1")
    assert "[unknown]" not in out(c, "vnode1", "pvs")
    assert "FAILED" not in out(c, "vnode1", "iscsiadm", "-m", "session", "-P", "1")


async def test_through_the_transport_a_job_takes_real_time_and_polls_run_beside_it() -> None:
    import asyncio
    import time

    c = DemoCluster(generation="modern")  # the console's clock: demo time follows real time
    out(c, "vnode2", "lvcreate", "-L", "1G", "-n", "small", "vg1")
    out(c, "vnode2", "lvcreate", "-s", "-L", "256M", "-n", "small-hatui-1", "vg1/small")
    transport = c.transport("vnode2")
    argv = ("sudo", "-n", "sh", "-c", SCRIPT, "hatui-backup", "vg1/small-hatui-1", "/dev/vg1/small-hatui-1",
            "60", "80", "1", "vm", "vnode2", "20261125T174603", COMMAND)  # fmt: skip
    began = time.monotonic()
    job = asyncio.create_task(transport.run(argv, timeout=30))
    await asyncio.sleep(0.5)
    poll = await transport.run(("lvs", "--noheadings", "-o", "lv_name", "vg1/small-hatui-1"), timeout=5)
    assert poll.exit_status == 0 and not job.done()  # the job still runs while the node answers
    result = await job
    assert result.exit_status == 0 and "1073741824 bytes" in result.stderr
    assert 1.9 <= time.monotonic() - began < 10


async def test_through_the_transport_on_a_frozen_clock_the_job_moves_demo_time() -> None:
    c = make_cluster()
    _snapshot(c)
    t0 = c.t
    argv = ("sh", "-c", SCRIPT, "hatui-backup", f"vg2/{SNAP}", f"/dev/vg2/{SNAP}", "3600", "80", "5", "mail",
            "vnode2", "20261125T174603", COMMAND)  # fmt: skip
    result = await c.transport("vnode2").run(argv, timeout=30)
    assert result.exit_status == 0 and c.t - t0 == pytest.approx(40, abs=1)
