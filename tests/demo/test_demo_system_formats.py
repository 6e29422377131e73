"""The demo's DRBD, Xen and Corosync outputs have the shapes the real tools print.

Each shape is a regular expression that the captured real outputs of the corpus also match (the
tests check both), so the expressions cannot drift into describing only what the demo prints.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from demo_support import domains, drbd, make_cluster, out

from hatui.parsers.corosync import parse_cfgtool, parse_quorumtool
from hatui.parsers.drbd_dump import parse_drbdadm_dump
from hatui.parsers.proc_drbd import parse_proc_drbd
from support import corpus_files, needs_shared

# /proc/drbd of DRBD 8.3: header, minor lines, counters and the two TAB-indented progress lines.
PROC_LINES = [
    re.compile(r"version: 8\.3\.\d+ \(api:88/proto:86-\d+\)"),
    re.compile(
        r"(GIT-hash: [0-9a-f]{40} build by \S+, \d{4}-\d\d-\d\d \d\d:\d\d:\d\d|srcversion: [0-9A-F]+)"
    ),
    re.compile(r""),
    re.compile(r"[ \d]\d: cs:\w+ ro:\w+/\w+ ds:\w+/\w+ [ABC ] [rs][a-][p-][u-][-a-z][-s]?"),
    re.compile(r"[ \d]\d: cs:Unconfigured"),
    re.compile(
        r"    ns:\d+ nr:\d+ dw:\d+ dr:\d+ al:\d+ bm:\d+ lo:\d+ pe:\d+ ua:\d+ ap:\d+ ep:\d+ wo:[bfdn] oos:\d+"
    ),
    re.compile(r"\t\[=*>\.*\] sync'ed:[ \d]{3}\.\d% \(\d+/\d+\)[KM]"),
    re.compile(r"\tfinish: \d+:\d\d:\d\d speed: [\d,]+ \([\d,]+\) K/sec"),
    re.compile(r"\t[ \d]{2}\d%      \d+/\d+"),
]


def _shape_ok(line: str) -> bool:
    return any(p.fullmatch(line) for p in PROC_LINES)


@needs_shared
@pytest.mark.parametrize("sample", corpus_files("proc_drbd", "cfs-8.3.*.txt"), ids=lambda p: p.name)
def test_corpus_8_3_samples_have_the_expected_shapes(sample: Path) -> None:
    lines = sample.read_text().splitlines()
    assert lines and all(_shape_ok(ln) for ln in lines), [ln for ln in lines if not _shape_ok(ln)]


def test_proc_drbd_lines_have_the_8_3_shapes_in_every_state() -> None:
    c = make_cluster()
    seen: set[str] = set()

    def sample() -> None:
        for node in ("vnode1", "vnode2"):
            text = out(c, node, "cat", "/proc/drbd")
            assert text.endswith("\n")
            for line in text.splitlines():
                assert _shape_ok(line), (c.t, node, line)
                seen.add(re.sub(r"\d+", "N", line.split(" ro:")[0]) if "cs:" in line else line[:8])

    sample()
    out(c, "vnode1", "drbdadm", "verify", "sentinel-root")
    c.inject("split-brain", "ldap-root")
    c.advance(2)
    sample()
    out(c, "vnode2", "drbdadm", "pause-sync", "mail-root")
    sample()
    out(c, "vnode2", "drbdadm", "resume-sync", "mail-root")
    out(c, "vnode3", "crm_standby", "-N", "vnode2", "-v", "on")
    for _ in range(8):
        c.advance(1.5)
        sample()
    # The run went through resync, pause, verify, StandAlone, WFConnection and Unconfigured devices.
    kinds = " ".join(seen)
    for word in (
        "SyncSource",
        "PausedSyncT",
        "VerifyS",
        "VerifyT",
        "StandAlone",
        "WFConnection",
        "Unconfigured",
    ):
        assert word in kinds, word
    assert "\tfinish:" in seen and "\t[=====>" in seen


def test_proc_drbd_header_and_standalone_line_are_8_3_7_exactly() -> None:
    c = make_cluster()
    c.inject("split-brain", "dns-root")
    text = out(c, "vnode2", "cat", "/proc/drbd")
    lines = text.splitlines()
    assert lines[0] == "version: 8.3.7 (api:88/proto:86-91)"
    assert lines[1].startswith("GIT-hash: ea9e28dbff98e331a62bcbcc63a6135808fe2917 build by root@vnode2, ")
    assert lines[2] == "", "minor 0 is not configured: 8.3 prints a blank line before minor 1"
    standalone = next(ln for ln in lines if ln.startswith(" 7:"))
    # No protocol letter without a network config: three spaces before the flags.
    assert standalone == " 7: cs:StandAlone ro:Secondary/Unknown ds:UpToDate/DUnknown   r----"
    assert (
        out(c, "vnode1", "head", "-n", "2", "/proc/drbd")
        == "\n".join(lines[:1]) + "\n" + lines[1].replace("vnode2", "vnode1") + "\n"
    )


def test_sync_progress_lines_follow_the_kernel_arithmetic() -> None:
    c = make_cluster()
    text = out(c, "vnode1", "cat", "/proc/drbd")
    bar, finish = [ln for ln in text.splitlines() if ln.startswith("\t")]
    m = re.fullmatch(r"\t\[(=*)>(\.*)\] sync'ed: *(\d+)\.(\d)% \((\d+)/(\d+)\)M", bar)
    assert m, bar
    per_mil = int(m.group(3)) * 10 + int(m.group(4))
    assert per_mil == 311  # the demo starts 31 % into a full resync of mail-root
    assert len(m.group(1)) == per_mil // 50 - 1 and len(m.group(2)) == 20 - per_mil // 50
    assert int(m.group(6)) == 40960  # 40 GiB, shown in MiB above 4 GiB
    dev = parse_proc_drbd(text).devices[2]
    assert dev.peers[0].sync_percent == pytest.approx(31.1)
    assert re.fullmatch(r"\tfinish: 0:1\d:\d\d speed: 3\d,\d{3} \(3\d,\d{3}\) K/sec", finish), finish


@needs_shared
def test_xm_list_matches_xm_columns() -> None:
    corpus_header = corpus_files("xen_list", "ganeti-xm-4.0.1-dom0-only.txt")[0].read_text().splitlines()[0]
    c = make_cluster()
    lines = out(c, "vnode3", "xm", "list").splitlines()
    # Same columns as the corpus' xm; Xen 3.2 prints the ID column 3 wide instead of 5.
    assert lines[0].split() == corpus_header.split()
    assert lines[0] == f"{'Name':<40} {'ID':>3} {'Mem':>5} {'VCPUs':>5} {'State':>10} {'Time(s)':>9}"
    row = re.compile(r"(\S+) +(\d+) +(\d+) +(\d+) +([r-][b-][p-][s-][c-][d-]) +(\d+\.\d)")
    for line in lines[1:]:
        assert row.fullmatch(line) and len(line) == len(lines[1]), line
    assert [ln.split()[0] for ln in lines] == ["Name", "Domain-0", "elearning", "vconf"]


def test_xm_list_parses_and_cpu_time_grows() -> None:
    c = make_cluster()
    before = domains(c, "vnode1")
    c.advance(60)
    after = domains(c, "vnode1")
    assert set(before) == {"sentinel", "mail", "www", "dns", "ldap"}
    for name, dom in after.items():
        earlier = before[name].cpu_time_s
        assert dom.cpu_time_s is not None and earlier is not None
        assert dom.cpu_time_s > earlier
    assert after["mail"].memory_mib == 2048 and after["mail"].vcpus == 2


@needs_shared
def test_quorumtool_uses_the_corosync_2_labels() -> None:
    sample = corpus_files("corosync_quorumtool", "hace-2.4-qdevice.txt")[0].read_text().splitlines()
    c = make_cluster(generation="modern")
    text = out(c, "vnode2", "corosync-quorumtool", "-s")
    labels = [ln[:18] for ln in text.splitlines() if ":" in ln[:18]]
    assert labels == [ln[:18] for ln in sample if ":" in ln[:18]]
    assert "Ring ID:          1/116" in text.splitlines()
    # corosync 2.x prints the flag words each followed by a space, and two spaces after the quorum.
    assert "Flags:            Quorate " in text.splitlines()
    assert "Quorum:           2  " in text.splitlines()
    status = parse_quorumtool(text)
    assert status.quorate and status.total_votes == 3 and status.expected_votes == 3
    assert [(m.name, m.local) for m in status.members] == [
        ("vnode1", False),
        ("vnode2", True),
        ("vnode3", False),
    ]


def test_cfgtool_shows_two_rings_in_the_1_2_1_form_until_re_enabled() -> None:
    c = make_cluster()
    c.inject("fail-ring", "vnode3")
    text = out(c, "vnode3", "corosync-cfgtool", "-s")
    # Corosync 1.x numbers a node by its ring 0 address (little-endian); the typo is corosync's.
    assert text.splitlines() == [
        "Printing ring status.",
        "Local node ID 50374848",
        "RING ID 0",
        "\tid\t= 192.168.0.3",
        "\tstatus\t= ring 0 active with no faults",
        "RING ID 1",
        "\tid\t= 131.114.28.13",
        "\tstatus\t= Marking seqid 4303 ringid 1 interface 131.114.28.13 FAULTY - "
        "adminisrtative intervention required.",
    ]
    rings = parse_cfgtool(text)
    assert [(link.id, link.status.value) for link in rings.links] == [(0, "ok"), (1, "faulty")]
    assert out(c, "vnode1", "corosync-cfgtool", "-r") == "Re-enabling all failed rings.\n"
    assert "FAULTY" not in out(c, "vnode3", "corosync-cfgtool", "-s")


def test_cfgtool_shows_two_knet_links_on_corosync_3() -> None:
    c = make_cluster(generation="modern")
    c.inject("fail-ring", "vnode3")
    text = out(c, "vnode3", "corosync-cfgtool", "-s")
    assert text.splitlines()[:8] == [
        "Local node ID 3, transport knet",
        "LINK ID 0 udp",
        "\taddr\t= 192.168.0.3",
        "\tstatus:",
        "\t\tnodeid:          1:\tconnected",
        "\t\tnodeid:          2:\tconnected",
        "\t\tnodeid:          3:\tlocalhost",
        "LINK ID 1 udp",
    ]
    rings = parse_cfgtool(text)
    assert [(link.id, link.status.value) for link in rings.links] == [(0, "ok"), (1, "faulty")]
    c.inject("heal", "vnode3")
    assert "disconnected" not in out(c, "vnode3", "corosync-cfgtool", "-s")


def test_drbdadm_dump_maps_resources_to_minors_on_both_hosts() -> None:
    c = make_cluster()
    text = out(c, "vnode1", "drbdadm", "dump", "all")
    assert "# resource sentinel-root on vnode1: not ignored, not stacked" in text
    assert "        device           /dev/drbd1 minor 1;" in text
    assert "        address          ipv4 192.168.0.2:7789;" in text
    confs = {r.name: r for r in parse_drbdadm_dump(text)}
    assert len(confs) == 10
    assert confs["sentinel-root"].minors == (("vnode1", 1), ("vnode2", 1))
    assert confs["ldap-swap"].minor_on("vnode2") == 10
    assert dict(confs["mail-root"].disks)["vnode1"] == "/dev/vg2/mail-root"
    assert set(drbd(c, "vnode2")) == set(confs)
