"""The Xen and DRBD emulators on their own (no root, no cluster): formats, state machine, faults.

The outputs are checked against the real formats (the corpus headers) and read back with
hatui's own parsers, which must understand the lab exactly as they understand a real node.
"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hatui.parsers.domain_list import parse_xen_list
from hatui.parsers.drbd_dump import parse_drbdadm_dump
from hatui.parsers.proc_drbd import parse_proc_drbd

from .layout import Layout

EMULATORS = Path(__file__).resolve().parent / "emulators"
sys.path.insert(0, str(EMULATORS))

import drbdadm_cmd  # noqa: E402
import drbdemu  # noqa: E402
import emucommon  # noqa: E402
import xenemu  # noqa: E402


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def time(self) -> float:
        return self.now


class World:
    """A lab state directory with three emulated nodes whose liveness locks this test holds."""

    def __init__(self, root: Path, clock: Clock) -> None:
        self.root = root
        self.clock = clock
        self.layout = Layout.build(root / "state", 3, "127.0.0.2")
        self.state = self.layout.state
        (self.state / "nodes").mkdir(parents=True)
        (self.state / "layout.json").write_text(json.dumps(self.layout.emulator_layout()))
        for vm in self.layout.vms:
            self.layout.xen_cfg(vm).parent.mkdir(exist_ok=True)
            self.layout.xen_cfg(vm).write_text(self.layout.xen_cfg_text(vm))
        self.locks: dict[str, int] = {}
        for node in self.layout.nodes:
            self.boot(node)

    def boot(self, node: str, token: str = "boot1") -> None:
        (self.state / "nodes" / f"{node}.boot").write_text(token)
        fd = os.open(self.state / "nodes" / f"{node}.alive", os.O_RDWR | os.O_CREAT)
        fcntl.flock(fd, fcntl.LOCK_EX)
        self.locks[node] = fd

    def kill(self, node: str) -> None:
        os.close(self.locks.pop(node))

    def ctx(self, node: str) -> emucommon.Context:
        boot = (self.state / "nodes" / f"{node}.boot").read_text()
        run = self.root / f"run-{node}"
        (run / "hatui-lab").mkdir(parents=True, exist_ok=True)
        info = {"node": node, "state": str(self.state), "boot": boot, "run": str(run), "started": 0}
        (run / "hatui-lab" / "node.json").write_text(json.dumps(info))
        return emucommon.Context(node, self.state, boot, run)

    def drbdadm(self, node: str, *argv: str) -> str:
        return _capture(lambda: drbdadm_cmd.main(self.ctx(node), list(argv)))

    def xen(self, node: str, tool: str, *argv: str) -> str:
        return _capture(lambda: xenemu.main(self.ctx(node), tool, list(argv)))

    def proc(self, node: str) -> str:
        return drbdemu.render_proc_drbd(self.ctx(node))


def _capture(call: Any) -> str:
    import contextlib
    import io

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert call() == 0
    return buf.getvalue()


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    clock = Clock()
    monkeypatch.setattr(drbdemu, "time", clock)
    monkeypatch.setattr(xenemu, "time", clock)
    w = World(tmp_path, clock)
    yield w
    for fd in w.locks.values():
        os.close(fd)


def _pair_up(w: World, primary: str = "vnode1", secondary: str = "vnode2", res: str = "vm1-root") -> None:
    w.drbdadm(primary, "up", res)
    w.drbdadm(secondary, "up", res)
    w.drbdadm(primary, "primary", res)


def test_xm_and_xl_list_print_the_real_tables(world: World) -> None:
    _pair_up(world)
    assert "Started domain vm1 (id=1)" in world.xen(
        "vnode1", "xm", "create", str(world.state / "xen/vm1.cfg")
    )
    xm = world.xen("vnode1", "xm", "list").splitlines()
    xl = world.xen("vnode1", "xl", "list").splitlines()
    corpus_header = "Name                                        ID   Mem VCPUs      State   Time(s)"
    assert xm[0] == corpus_header
    assert xl[0] == "Name                                        ID   Mem VCPUs\tState\tTime(s)"
    assert xm[1].startswith("Domain-0                                     0  1023     2     r-----")
    assert xl[2].startswith("vm1                                          1   512     1     -b----  ")
    for tool, text in (("xm", "\n".join(xm)), ("xl", "\n".join(xl))):
        doms = parse_xen_list(text + "\n", tool=tool)
        assert [(d.name, d.id, d.memory_mib, d.vcpus, d.state_raw) for d in doms] == [
            ("Domain-0", 0, 1023, 2, "r-----"), ("vm1", 1, 512, 1, "-b----"),
        ]  # fmt: skip
    assert "(status 2)" in world.xen("vnode1", "xm", "list", "--long", "vm1")


def test_create_refuses_without_drbd_primary_and_shutdown_takes_a_moment(world: World) -> None:
    cfg = str(world.state / "xen/vm1.cfg")
    world.drbdadm("vnode1", "up", "vm1-root")
    with pytest.raises(emucommon.EmuError, match="Hotplug scripts not working"):
        world.xen("vnode1", "xm", "create", cfg)
    with pytest.raises(emucommon.EmuError, match="vm1-root is Secondary here"):
        world.xen("vnode1", "xl", "create", cfg, 'name="vm1"')
    world.drbdadm("vnode1", "primary", "vm1-root")
    world.xen("vnode1", "xl", "create", cfg, 'name="vm1"')
    with pytest.raises(emucommon.EmuError, match="Device is held open"):
        world.drbdadm("vnode1", "secondary", "vm1-root")
    world.xen("vnode1", "xl", "shutdown", "vm1")
    assert "---s--" in world.xen("vnode1", "xl", "list", "vm1")
    world.clock.now += 2
    with pytest.raises(emucommon.EmuError, match="vm1 is an invalid domain identifier"):
        world.xen("vnode1", "xl", "list", "vm1")
    world.drbdadm("vnode1", "secondary", "vm1-root")


def test_drbd_pair_connects_fails_over_and_resyncs_over_time(world: World) -> None:
    _pair_up(world)
    assert world.drbdadm("vnode1", "role", "vm1-root").strip() == "Primary/Secondary"
    assert world.drbdadm("vnode2", "dstate", "vm1-root").strip() == "UpToDate/UpToDate"
    with pytest.raises(emucommon.EmuError, match=r"\(-1\) Multiple primaries not allowed") as exc:
        world.drbdadm("vnode2", "primary", "vm1-root")
    assert exc.value.code == 11
    world.kill("vnode1")
    assert world.drbdadm("vnode2", "cstate", "vm1-root").strip() == "WFConnection"
    world.drbdadm("vnode2", "primary", "vm1-root")  # the survivor is promoted
    world.boot("vnode1", "boot2")
    assert " 1:" not in world.proc("vnode1"), "a rebooted node has no minor until drbdadm up"
    world.drbdadm("vnode1", "up", "vm1-root")
    assert world.drbdadm("vnode1", "cstate", "vm1-root").strip() == "SyncTarget"
    start = parse_proc_drbd(world.proc("vnode2")).devices[0]
    world.clock.now += 1.5
    middle = parse_proc_drbd(world.proc("vnode1")).devices[0]
    assert start.peers[0].sync_percent is not None and middle.peers[0].sync_percent is not None
    assert middle.peers[0].sync_percent > start.peers[0].sync_percent
    assert middle.peers[0].sync_speed_kib_s == world.layout.sync_rate_kb
    world.clock.now += 10
    assert world.drbdadm("vnode1", "cstate", "vm1-root").strip() == "Connected"
    done = parse_proc_drbd(world.proc("vnode2")).devices[0]
    assert (done.role_raw, done.disk_raw, done.peers[0].disk_raw) == ("Primary", "UpToDate", "UpToDate")
    assert "ns:61440 " in world.proc("vnode2")


def test_proc_drbd_follows_the_8_3_layout(world: World) -> None:
    _pair_up(world, "vnode3", "vnode2", "vm2-root")
    text = world.proc("vnode3")
    assert text.splitlines() == [
        "version: 8.3.11 (api:88/proto:86-96)",
        "srcversion: 0D2B62DEDB020A425130935 ",
        "",
        " 2: cs:Connected ro:Primary/Secondary ds:UpToDate/UpToDate C r-----",
        "    ns:0 nr:0 dw:0 dr:0 al:0 bm:0 lo:0 pe:0 ua:0 ap:0 ep:1 wo:f oos:0",
    ]
    world.drbdadm("vnode2", "invalidate", "vm2-root")
    world.clock.now += 4
    lines = world.proc("vnode2").splitlines()
    assert lines[3] == " 2: cs:SyncTarget ro:Secondary/Primary ds:Inconsistent/UpToDate C r-----"
    # DRBD rounds through bitmap bits >> 10, hence 32.4% for 31.25% done.
    assert lines[5] == "\t[=====>..............] sync'ed: 32.4% (180224/262144)K"
    assert lines[6] == "\tfinish: 0:00:08 speed: 20,480 (20,480) want: 20,480 K/sec"
    dev = parse_proc_drbd(world.proc("vnode2")).devices[0]
    assert (dev.minor, dev.peers[0].connection_raw, dev.out_of_sync_kib) == (2, "SyncTarget", 180224)


def test_split_brain_needs_discard_my_data(world: World) -> None:
    _pair_up(world)
    world.drbdadm("vnode2", "disconnect", "vm1-root")
    world.drbdadm("vnode2", "primary", "vm1-root")
    world.drbdadm("vnode2", "secondary", "vm1-root")
    world.drbdadm("vnode2", "connect", "vm1-root")
    assert world.drbdadm("vnode1", "cstate", "vm1-root").strip() == "StandAlone"
    assert world.drbdadm("vnode2", "cstate", "vm1-root").strip() == "StandAlone"
    assert "StandAlone ro:Primary/Unknown ds:UpToDate/DUnknown   r-----" in world.proc("vnode1")
    world.drbdadm("vnode2", "--", "--discard-my-data", "connect", "vm1-root")
    assert world.drbdadm("vnode2", "cstate", "vm1-root").strip() == "WFConnection"
    world.drbdadm("vnode1", "connect", "vm1-root")
    assert world.drbdadm("vnode2", "cstate", "vm1-root").strip() == "SyncTarget"


def test_drbdadm_dump_and_errors(world: World) -> None:
    confs = parse_drbdadm_dump(world.drbdadm("vnode2", "dump", "all"))
    assert sorted((c.name, c.minor_on("vnode2")) for c in confs) == [("vm1-root", 1), ("vm2-root", 2)]
    assert world.drbdadm("vnode1", "sh-resources").split() == ["vm1-root"]
    with pytest.raises(emucommon.EmuError, match="not defined in your config") as exc:
        world.drbdadm("vnode1", "role", "vm2-root")
    assert exc.value.code == 10


def test_hang_flag_blocks_until_removed(world: World) -> None:
    ctx = world.ctx("vnode1")
    flag = world.state / "faults" / "vnode1" / "hang-xl"
    flag.parent.mkdir(parents=True)
    flag.write_text("")
    threading.Timer(0.4, flag.unlink).start()
    t0 = time.monotonic()
    ctx.hang_if_asked("xl")
    assert time.monotonic() - t0 >= 0.35
    ctx.hang_if_asked("xm")  # other commands are not affected


def test_console_runs_on_a_pty_that_echoes(world: World, tmp_path: Path) -> None:
    _pair_up(world)
    world.xen("vnode1", "xl", "create", str(world.state / "xen/vm1.cfg"))
    (tmp_path / "xl").symlink_to(EMULATORS / "labemu.py")
    env = {**os.environ, "HATUI_LAB_NODE_FILE": str(tmp_path / "run-vnode1" / "hatui-lab" / "node.json")}
    proc = subprocess.Popen([sys.executable, str(tmp_path / "xl"), "console", "vm1"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, env=env)  # fmt: skip
    assert proc.stdin is not None
    time.sleep(0.5)
    proc.stdin.write(b"root\n")
    proc.stdin.flush()
    time.sleep(0.5)
    proc.stdin.write(b"\x1d")
    proc.stdin.flush()
    out, _ = proc.communicate(timeout=5)
    assert b"vm1 login: root" in out.replace(b"\r", b"")
    assert b"Password: " in out and proc.returncode == 0


def test_missing_prerequisites_names_the_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    from . import harness

    monkeypatch.setattr(harness.os, "geteuid", lambda: 1000)
    assert harness.missing_prerequisites() == (
        "the lab needs root (namespaces, mounts, cgroups); running as uid 1000"
    )
    monkeypatch.setattr(harness.os, "geteuid", lambda: 0)
    monkeypatch.setattr(harness.shutil, "which", lambda *a, **k: None)
    assert harness.missing_prerequisites() == (
        "corosync and pacemakerd not installed (apt-get install pacemaker corosync)"
    )
