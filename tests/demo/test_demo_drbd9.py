"""The modern demo's nodes run DRBD 9.2 with drbd-utils 9.22; the seed demo's stay on DRBD 8.3.7.

Outputs are read with the project's own parsers and detection, so what is asserted is what the
console reads off the demo; the formats are checked against the real corpus captures and the
drbdadm messages against what drbd-utils 9.22 prints.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
from pathlib import Path

import pytest
from demo_support import START

from hatui.actions.commands import tools_for
from hatui.actions.commands_drbd import drbd, drbd_discard_connect, drbd_force_primary
from hatui.clock import FrozenClock
from hatui.config import ClusterConfig, NodeConfig
from hatui.demo import DemoCluster
from hatui.demo.commands import Outcome
from hatui.model.drbd import DrbdDevice
from hatui.model.health import find_problems
from hatui.model.stack import DrbdFlavour, StackInfo
from hatui.model.view import ClusterView
from hatui.parsers.drbd9 import parse_drbdadm_status, parse_drbdsetup_json
from hatui.snapshot.run import make_view
from hatui.sources.detect import probe_commands, stack_from_probes
from hatui.sources.fanout import collect_once
from hatui.transport.base import CommandResult
from support import CORPUS, needs_shared


def modern() -> DemoCluster:
    return DemoCluster(now=lambda: 0.0, start_wall=START, generation="modern")


def seed() -> DemoCluster:
    return DemoCluster(now=lambda: 0.0, start_wall=START, generation="seed")


def run(c: DemoCluster, node: str, *argv: str) -> Outcome:
    return c.execute(node, argv)


def ok(c: DemoCluster, node: str, *argv: str) -> str:
    res = run(c, node, *argv)
    assert res.status == 0, f"{argv} on {node}: {res.status} {res.stderr}"
    return res.stdout


def json_devices(c: DemoCluster, node: str) -> dict[str, DrbdDevice]:
    status = parse_drbdsetup_json(ok(c, node, "drbdsetup", "status", "--json"))
    return {d.resource: d for d in status.devices}


def text_devices(c: DemoCluster, node: str) -> dict[str, DrbdDevice]:
    return {d.resource: d for d in parse_drbdadm_status(ok(c, node, "drbdadm", "status")).devices}


def detected(c: DemoCluster, node: str) -> StackInfo:
    results = {}
    for name, argv in probe_commands(sudo=True).items():
        res = c.execute(node, argv)
        results[name] = CommandResult(argv=argv, exit_status=res.status, stdout=res.stdout, stderr=res.stderr)
    return stack_from_probes(results)


async def collected(c: DemoCluster) -> ClusterView:
    cfg = ClusterConfig(name="demo", nodes=tuple(NodeConfig(n, host=n) for n in c.node_names))
    captures = await collect_once(cfg, {n: c.transport(n) for n in c.node_names}, FrozenClock(START))
    return make_view("demo", captures, FrozenClock(START), cfg)


# -- what the nodes print ----------------------------------------------------------------------


def test_modern_nodes_report_drbd_9_2_and_hatui_detects_9_json() -> None:
    c = modern()
    proc = ok(c, "vnode1", "cat", "/proc/drbd")
    assert proc.splitlines() == [
        "version: 9.2.8 (api:2/proto:86-122)",
        "GIT-hash: e163b05a76254c0f51f999970e861d72bb16409a build by root@vnode1, 2024-04-03 09:04:15",
        "Transports (api:20): tcp (9.2.8)",
    ]
    version = dict(line.split("=", 1) for line in ok(c, "vnode2", "drbdadm", "--version").splitlines())
    assert version["DRBD_KERNEL_VERSION"] == "9.2.8"
    assert version["DRBD_KERNEL_VERSION_CODE"] == "0x090208"
    assert version["DRBDADM_VERSION"] == "9.22.0" and version["DRBDADM_API_VERSION"] == "2"
    for node in ("vnode1", "vnode2"):
        stack = detected(c, node)
        assert stack.drbd is DrbdFlavour.JSON_9 and stack.drbd_version == "9.2.8"
    assert detected(c, "vnode3").drbd is DrbdFlavour.ABSENT
    assert tools_for(detected(c, "vnode1")).drbd == "9"


def test_seed_nodes_stay_on_drbd_8_3_7() -> None:
    c = seed()
    assert ok(c, "vnode1", "head", "-n", "2", "/proc/drbd").startswith(
        "version: 8.3.7 (api:88/proto:86-91)\n"
    )
    stack = detected(c, "vnode1")
    assert stack.drbd is DrbdFlavour.PROC_8 and stack.drbd_version == "8.3.7"
    assert run(c, "vnode1", "drbdsetup", "status", "--json").status == 20
    refused = run(c, "vnode2", "drbdadm", "primary", "--force", "sentinel-root")
    assert refused.status == 20 and "unrecognized option '--force'" in refused.stderr
    ok(c, "vnode2", "drbdadm", "disconnect", "mail-root")  # vnode2's copy is Inconsistent (resyncing)
    no_data = run(c, "vnode2", "drbdadm", "primary", "mail-root")
    assert no_data.status == 17  # 8.3.7's drbdsetup: no UpToDate disk
    assert no_data.stderr == (
        "/dev/drbd3: State change failed: (-2) Need access to UpToDate data\n"
        "Command 'drbdsetup /dev/drbd3 primary' terminated with exit code 17\n"
    )
    ok(c, "vnode2", "drbdadm", "--", "--overwrite-data-of-peer", "primary", "mail-root")
    discard = run(c, "vnode2", "drbdadm", "--", "--discard-my-data", "connect", "mail-root")
    assert (
        discard.status == 10
        and "Failure: (123) --discard-my-data not allowed when primary." in discard.stderr
    )


def test_seed_drbdadm_status_is_8_3_7_xml() -> None:
    c = seed()
    ok(c, "vnode1", "drbdadm", "pause-sync", "mail-root")
    lines = ok(c, "vnode2", "drbdadm", "status").splitlines()
    assert lines[:2] == ['<drbd-status version="8.3.7" api="88">', '<resources config_file="/etc/drbd.conf">']
    assert lines[-2:] == ["</resources>", "</drbd-status>"]
    assert lines[2] == (
        '<resource minor="1" name="sentinel-root" cs="Connected" ro1="Secondary" ro2="Primary"'
        ' ds1="UpToDate" ds2="UpToDate" />'
    )
    assert lines[4].startswith(
        '<resource minor="3" name="mail-root" cs="PausedSyncT" ro1="Secondary" ro2="Primary"'
        ' ds1="Inconsistent" ds2="UpToDate" peer_isp resynced_percent="31.'
    )
    assert len(ok(c, "vnode2", "drbdadm", "status", "dns-root").splitlines()) == 5
    ok(c, "vnode2", "drbdadm", "down", "dns-swap")
    assert '<resource minor="8" name="dns-swap" cs="Unconfigured" />' in ok(c, "vnode2", "drbdadm", "status")


@needs_shared
def test_status_json_has_the_real_layout_and_the_resync() -> None:
    c = modern()
    text = ok(c, "vnode2", "drbdsetup", "status", "--json")
    data = json.loads(text)
    # drbdsetup 9.22's own spacing: a comma line between resources, a blank after the array.
    assert text.startswith('[\n{\n  "name": ') and "}\n,\n{\n" in text and text.endswith("}\n]\n\n")
    assert '"connection-state": "Connected", \n' in text
    sample = json.loads((CORPUS / "drbdsetup_status_json" / "hace-2res-uptodate.json").read_text())
    for ours, real in ((data[0], sample[0]), (data[0]["devices"][0], sample[0]["devices"][0])):
        assert set(real) <= set(ours)
    conn, real_conn = data[0]["connections"][0], sample[0]["connections"][0]
    assert set(real_conn) <= set(conn)
    assert set(real_conn["peer_devices"][0]) <= set(conn["peer_devices"][0])
    assert [r["name"] for r in data] == sorted(r["name"] for r in data)
    mail = next(r for r in data if r["name"] == "mail-root")
    peer = mail["connections"][0]
    assert (mail["node-id"], peer["peer-node-id"], peer["name"]) == (1, 0, "vnode1")
    pd = peer["peer_devices"][0]
    assert (pd["replication-state"], pd["peer-disk-state"], pd["has-sync-details"]) == (
        "SyncTarget",
        "UpToDate",
        True,
    )
    assert pd["percent-resync-done"] == 31.0 and pd["rs-total"] == 2 * mail["devices"][0]["size"]
    devices = json_devices(c, "vnode2")
    target = devices["mail-root"].peers[0]
    assert target.name == "vnode1" and target.replication.value == "SyncTarget"
    assert target.sync_percent == 31.0 and target.sync_speed_kib_s and target.sync_eta_s
    assert devices["mail-root"].disk.value == "Inconsistent"
    assert (
        devices["dns-root"].role.value == "Secondary" and devices["dns-root"].peers[0].role.value == "Primary"
    )


def test_resync_progresses_and_ends_in_both_formats() -> None:
    c = modern()
    before = json_devices(c, "vnode1")["mail-root"].peers[0]
    c.advance(60)
    after = json_devices(c, "vnode1")["mail-root"].peers[0]
    assert before.sync_percent is not None and after.sync_percent is not None
    assert after.sync_percent > before.sync_percent
    # The ETA is what is left at the recent rate (drbdsetup's db1/dt1), whatever that rate does.
    for peer in (before, after):
        assert peer.sync_eta_s and peer.sync_speed_kib_s and peer.out_of_sync_kib
        assert abs(peer.sync_eta_s - peer.out_of_sync_kib / peer.sync_speed_kib_s) <= 2
    text = text_devices(c, "vnode1")["mail-root"].peers[0]
    assert text.replication.value == "SyncSource" and text.sync_percent == after.sync_percent
    assert "    replication:SyncSource peer-disk:Inconsistent done:" in ok(c, "vnode1", "drbdadm", "status")
    c.advance(3 * 3600)
    done = json_devices(c, "vnode2")["mail-root"]
    assert done.disk.value == "UpToDate" and done.peers[0].replication.value == "Established"
    assert "replication:" not in ok(c, "vnode2", "drbdadm", "status", "mail-root")


@needs_shared
def test_drbdadm_status_text_matches_the_corpus_shape() -> None:
    c = modern()
    out = ok(c, "vnode1", "drbdadm", "status", "dns-root")
    assert (
        out == "dns-root role:Primary\n  disk:UpToDate\n  vnode2 role:Secondary\n    peer-disk:UpToDate\n\n"
    )
    real = (CORPUS / "drbdadm_status" / "cfs-secondary-uptodate.txt").read_text()
    shape = [line.split(":")[0].split()[-1] if ":" in line else line for line in real.splitlines()]
    ours = [line.split(":")[0].split()[-1] for line in out.splitlines() if line]
    assert ours == shape
    ok(c, "vnode2", "drbdadm", "disconnect", "dns-root")
    assert "  vnode1 connection:StandAlone\n" in ok(c, "vnode2", "drbdadm", "status", "dns-root")
    assert "  vnode2 connection:Connecting\n" in ok(c, "vnode1", "drbdadm", "status", "dns-root")
    assert ok(c, "vnode1", "drbdadm", "cstate", "dns-root") == "Connecting\n"
    assert ok(c, "vnode1", "drbdadm", "role", "dns-root") == "Primary\n"
    assert ok(c, "vnode1", "drbdadm", "dstate", "dns-root") == "UpToDate/DUnknown\n"


def test_verbose_and_statistics_status_wraps_like_drbdsetup_and_reads_the_same() -> None:
    c = modern()
    verbose = ok(c, "vnode1", "drbdsetup", "status", "--verbose", "--statistics")
    assert all(len(line) <= 80 for line in verbose.splitlines())
    lines = verbose.split("\n\n")[2].splitlines()  # the third resource by name: ldap-root
    assert lines[0] == "ldap-root node-id:0 role:Primary suspended:no force-io-failures:no"
    assert lines[1:3] == [
        "    write-ordering:flush",
        "  volume:0 minor:9 disk:UpToDate backing_dev:/dev/vg2/ldap-root quorum:yes",
    ]
    assert lines[3].startswith("      size:6291456 read:")
    assert lines[5:] == [
        "  vnode2 node-id:1 connection:Connected role:Secondary congested:no",
        "      ap-in-flight:0 rs-in-flight:0",
        "    volume:0 replication:Established peer-disk:UpToDate resync-suspended:no",
        "        received:0 sent:" + lines[-1].split("sent:")[1],
    ]

    def states(devices: dict[str, DrbdDevice]) -> dict[str, tuple[object, ...]]:
        return {
            name: (d.role, d.disk, *((p.name, p.connection, p.role, p.disk, p.replication) for p in d.peers))
            for name, d in devices.items()
        }

    wide = {d.resource: d for d in parse_drbdadm_status(verbose).devices}
    assert states(wide) == states(text_devices(c, "vnode1")) == states(json_devices(c, "vnode1"))
    assert wide["mail-root"].minor == 3 and wide["mail-root"].peers[0].sync_percent == 31.0
    assert (
        wide["mail-root"].peers[0].out_of_sync_kib == json_devices(c, "vnode1")["mail-root"].out_of_sync_kib
    )


# -- drbdadm 9 syntax ------------------------------------------------------------------------------


def test_drbdadm_9_addressing_and_refusals_are_those_of_drbd_utils_9() -> None:
    c = modern()
    assert run(c, "vnode2", "drbdadm", "connect", "dns-root:nope").stderr == (
        "Not a valid connection (dns-root:nope) for this host\n"
    )
    res = run(c, "vnode2", "drbdadm", "primary", "dns-root/0")
    assert res.status == 1
    assert res.stderr == "primary operates on whole resources, but you specified a specific volume!\n"
    assert (
        run(c, "vnode2", "drbdadm", "verify", "dns-root:vnode1/3").stderr
        == "Resource 'dns-root' has no volume 3\n"
    )
    res = run(c, "vnode2", "drbdadm", "primary", "--overwrite-data-of-peer", "dns-root")
    assert (res.status, res.stderr) == (
        1,
        "drbdadm: unrecognized option '--overwrite-data-of-peer'\ntry 'drbdadm help'\n",
    )
    res = run(c, "vnode2", "drbdadm", "primary", "dns-root")
    assert res.status == 11
    assert res.stderr == (
        "dns-root: State change failed: (-1) Multiple primaries not allowed by config\n"
        "Command 'drbdsetup primary dns-root' terminated with exit code 11\n"
    )
    assert run(c, "vnode2", "drbdadm", "nosuch", "dns-root").stderr == "drbdadm: Unknown command 'nosuch'\n"
    assert run(c, "vnode2", "drbdadm", "status", "nosuch").stderr == (
        "'nosuch' not defined in your config (for this host).\n"
    )
    usage = run(c, "vnode2", "drbdadm", "primary")
    assert usage.status == 1 and "OPTIONS FOR primary:\n  --force[=...]\n" in usage.stdout
    dry = ok(c, "vnode2", "drbdadm", "-d", "connect", "--discard-my-data", "dns-root:vnode1")
    assert dry == "drbdsetup connect dns-root 0 --discard-my-data\n"
    assert ok(c, "vnode2", "drbdadm", "-d", "invalidate", "dns-root:vnode1/0") == (
        "drbdsetup invalidate 7 --sync-from-peer-node-id=0\n"
        "drbdmeta 7 v09 /dev/vg2/dns-root internal invalidate\n"
    )


#: drbdadm command lines whose dry run (-d) the demo must answer exactly as drbd-utils 9.22 does.
DRY_RUNS = (
    ("primary", "--force", "mail-root"),
    ("--", "--overwrite-data-of-peer", "primary", "mail-root"),
    ("primary", "--overwrite-data-of-peer", "mail-root"),
    ("connect", "--discard-my-data", "mail-root:vnode2"),
    ("--", "--discard-my-data", "connect", "mail-root"),
    ("connect", "mail-root:nope"),
    ("connect", "mail-root/0"),
    ("verify", "mail-root:vnode2/0"),
    ("verify", "mail-root:vnode2/3"),
    ("verify", "mail-root"),
    ("invalidate", "mail-root/0"),
    ("invalidate", "mail-root:vnode2/0"),
    ("pause-sync", "mail-root:vnode2/0"),
    ("resume-sync", "mail-root"),
    ("disconnect", "mail-root:vnode2"),
    ("secondary", "mail-root"),
    ("primary", "mail-root/0"),
    ("down", "mail-root"),
    ("up", "mail-root"),
    ("adjust", "mail-root"),
    ("role", "mail-root"),
    ("cstate", "mail-root"),
    ("dstate", "mail-root"),
    ("status", "mail-root"),
    ("status",),
    ("primary", "all"),
    ("primary",),
    ("primary", "nosuch"),
    ("nosuch", "mail-root"),
    ("--bogus", "primary", "mail-root"),
)


@pytest.mark.skipif(shutil.which("drbdadm") is None, reason="drbd-utils is not installed")
def test_drbdadm_dry_runs_and_dump_are_those_of_the_real_drbd_utils(tmp_path: Path) -> None:
    c = modern()
    dump = ok(c, "vnode1", "drbdadm", "dump", "all")
    # The real drbdadm acts for the host it runs on, whose address must be local.
    here = socket.gethostname()
    conf = tmp_path / "drbd.conf"
    conf.write_text(
        dump.replace("on vnode1 {", f"on {here} {{").replace("ipv4 192.168.0.1:", "ipv4 127.0.0.1:")
    )

    def real(*argv: str) -> tuple[int, str, str]:
        res = subprocess.run(["drbdadm", "-c", str(conf), *argv], capture_output=True, text=True, check=False)
        # Without the kernel module it also says it could not load it.
        err = "".join(
            f"{line}\n"
            for line in res.stderr.splitlines()
            if "modinfo" not in line and "modprobe" not in line
        )
        back = res.stdout.replace(f"on {here} {{", "on vnode1 {").replace("127.0.0.1:", "192.168.0.1:")
        return res.returncode, back, err

    _, redump, _ = real("dump", "all")
    assert [line for line in redump.splitlines() if not line.startswith("#")] == [
        line for line in dump.splitlines() if not line.startswith("#")
    ]
    for argv in DRY_RUNS:
        ours = run(c, "vnode1", "drbdadm", "-d", *argv)
        assert (ours.status, ours.stdout, ours.stderr) == real("-d", *argv), argv


def test_force_primary_9_way_and_the_8_3_spelling_dropped() -> None:
    c = modern()
    ok(c, "vnode2", "drbdadm", "disconnect", "mail-root")  # vnode2's copy is Inconsistent (resyncing)
    # The 8.3 spelling: drbdadm 9 drops the option it does not know and runs a plain primary.
    res = run(c, "vnode2", "drbdadm", "--", "--overwrite-data-of-peer", "primary", "mail-root")
    assert res.status == 17
    assert res.stderr == (
        "mail-root: State change failed: (-2) Need access to UpToDate data\n"
        "Command 'drbdsetup primary mail-root' terminated with exit code 17\n"
    )
    tools = tools_for(detected(c, "vnode2"))
    command = drbd_force_primary("mail-root", node="vnode2", tools=tools)
    assert command.argv[-3:] == ("primary", "--force", "mail-root")
    ok(c, "vnode2", *command.argv)
    dev = json_devices(c, "vnode2")["mail-root"]
    assert dev.role.value == "Primary" and dev.disk.value == "UpToDate"


def test_peer_and_volume_commands_hatui_builds_run_on_the_modern_demo() -> None:
    c = modern()
    tools = tools_for(detected(c, "vnode1"))
    verify = drbd("verify", "ldap-swap", node="vnode1", tools=tools, peer="vnode2", volume=0)
    assert verify.argv[-1] == "ldap-swap:vnode2/0"
    ok(c, "vnode1", *verify.argv)
    assert json_devices(c, "vnode1")["ldap-swap"].peers[0].replication.value == "VerifyS"
    assert json_devices(c, "vnode2")["ldap-swap"].peers[0].replication.value == "VerifyT"
    c.advance(10)
    assert json_devices(c, "vnode1")["ldap-swap"].peers[0].sync_percent
    pause = drbd("pause-sync", "mail-root", node="vnode1", tools=tools, peer="vnode2", volume=0)
    ok(c, "vnode1", *pause.argv)
    source = json.loads(ok(c, "vnode1", "drbdsetup", "status", "mail-root", "--json"))[0]
    pd = source["connections"][0]["peer_devices"][0]
    assert (pd["replication-state"], pd["resync-suspended"]) == ("PausedSyncS", "user")
    assert "resync-suspended:user" in ok(c, "vnode1", "drbdadm", "status", "mail-root")
    again = run(c, "vnode1", *pause.argv)
    assert again.status == 10 and "Failure: (134) Sync-pause flag is already set" in again.stderr
    ok(
        c,
        "vnode1",
        *drbd("resume-sync", "mail-root", node="vnode1", tools=tools, peer="vnode2", volume=0).argv,
    )
    assert json_devices(c, "vnode2")["mail-root"].peers[0].replication.value == "SyncTarget"


async def test_split_brain_is_seen_and_recovered_with_drbd_9_commands() -> None:
    c = modern()
    c.advance(5 * 3600)  # the start-up resync is over
    c.inject("split-brain", "www-root")
    c.advance(120)
    view = await collected(c)
    assert {r.stack.drbd for r in view.reachable if r.node != "vnode3"} == {DrbdFlavour.JSON_9}
    codes = {(p.code, p.subject) for p in find_problems(view)}
    assert any(code == "drbd-split-brain" and "www-root" in subject for code, subject in codes)
    for node in ("vnode1", "vnode2"):
        peer = json_devices(c, node)["www-root"].peers[0]
        assert peer.connection.value == "StandAlone" and peer.replication.value == "Off"
    assert json_devices(c, "vnode1")["www-root"].peers[0].out_of_sync_kib
    assert json_devices(c, "vnode1")["www-root"].role.value == "Primary"
    assert json_devices(c, "vnode2")["www-root"].role.value == "Secondary"
    refused = run(c, "vnode1", "drbdadm", "connect", "--discard-my-data", "www-root:vnode2")
    assert refused.stderr == (
        "www-root: Failure: (123) --discard-my-data not allowed when primary.\n"
        "Command 'drbdsetup connect www-root 1 --discard-my-data' terminated with exit code 10\n"
    )
    tools = tools_for(detected(c, "vnode2"))
    ok(c, "vnode2", *drbd_discard_connect("www-root", node="vnode2", tools=tools, peer="vnode1").argv)
    ok(c, "vnode1", *drbd("connect", "www-root", node="vnode1", tools=tools, peer="vnode2").argv)
    resync = json_devices(c, "vnode2")["www-root"].peers[0]
    assert resync.connection.value == "Connected" and resync.replication.value == "SyncTarget"
    c.advance(600)
    healed = json_devices(c, "vnode2")["www-root"]
    assert healed.disk.value == "UpToDate" and healed.peers[0].replication.value == "Established"


def test_down_resources_vanish_and_up_brings_them_back() -> None:
    c = modern()
    c.advance(5 * 3600)
    res = run(c, "vnode1", "drbdadm", "down", "dns-swap")
    assert res.status == 11 and "(-12) Device is held open by someone" in res.stderr
    ok(c, "vnode2", "drbdadm", "down", "dns-swap")
    assert "dns-swap" not in json_devices(c, "vnode2")
    missing = run(c, "vnode2", "drbdadm", "role", "dns-swap")
    assert missing.stderr == (
        "dns-swap: Unknown resource\nCommand 'drbdsetup role dns-swap' terminated with exit code 10\n"
    )
    assert run(c, "vnode2", "drbdsetup", "status", "dns-swap").stderr == "dns-swap: No such resource\n"
    ok(c, "vnode2", "drbdadm", "up", "dns-swap")
    assert json_devices(c, "vnode2")["dns-swap"].peers[0].connection.value == "Connected"
    again = run(c, "vnode2", "drbdadm", "up", "dns-swap")
    assert (again.status, again.stderr) == (
        10,
        "dns-swap: Failure: (161) Minor or volume exists already (delete it first)\n"
        "Command 'drbdsetup new-minor dns-swap 8 0' terminated with exit code 10\n",
    )
