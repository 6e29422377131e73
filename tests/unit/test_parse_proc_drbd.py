"""Tests for parse_proc_drbd: every /proc/drbd sample of the shared corpus, grammar variants, errors."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hatui.errors import ParseError
from hatui.model.drbd import DrbdDevice, DrbdStatus
from hatui.model.words import ConnState, DiskState, DrbdRole, ReplState
from hatui.parsers.proc_drbd import parse_proc_drbd
from support import CORPUS, corpus_files, needs_shared

# Per sample: version, unconfigured minors, then one line per minor as a person reads it:
# "minor cs role/peer-role disk/peer-disk protocol oos-KiB sync%/eta-s/speed-KiB/s" ("-" = none).
EXPECTED: dict[str, tuple[str | None, tuple[int, ...], list[str]]] = {
    "cfs-8.3.11-connected-uptodate.txt": (
        "8.3.11",
        (),
        ["1 Connected Primary/Secondary UpToDate/UpToDate C 0 -"],
    ),
    "cfs-8.3.11-syncsource-0.9pct.txt": (
        "8.3.11",
        (),
        ["1 SyncSource Primary/Secondary UpToDate/Inconsistent C 1007804 0.9/755/1320"],
    ),
    "cfs-8.3.6-connected-uptodate.txt": (
        "8.3.6",
        (),
        ["1 Connected Primary/Secondary UpToDate/UpToDate C 0 -"],
    ),
    "cfs-8.3.6-wfconnection.txt": (
        "8.3.6",
        (),
        ["1 WFConnection Secondary/Unknown Inconsistent/DUnknown C 12248 -"],
    ),
    "cfs-8.4.11-connected-inconsistent.txt": (
        "8.4.11-1",
        (),
        ["1 Connected Secondary/Secondary Inconsistent/Inconsistent C 524236 -"],
    ),
    "cfs-8.4.11-syncsource-8.6pct.txt": (
        "8.4.11-1",
        (),
        ["1 SyncSource Primary/Secondary UpToDate/Inconsistent C 481052 8.6/111/4316"],
    ),
    "cfs-8.4.6-connected-uptodate.txt": (
        "8.4.6",
        (),
        ["1 Connected Primary/Secondary UpToDate/UpToDate C 0 -"],
    ),
    "cfs-8.4.6-syncsource-0.4pct.txt": (
        "8.4.6",
        (),
        ["1 SyncSource Primary/Secondary UpToDate/Inconsistent C 1045636 0.4/653/1436"],
    ),
    "cfs-8.4.6-wfconnection.txt": (
        "8.4.6",
        (),
        ["1 WFConnection Secondary/Unknown Inconsistent/DUnknown C 1048508 -"],
    ),
    "ganeti-8.0.12-multi-minor.txt": (
        "8.0.12",
        (2,),
        [
            "0 Connected Primary/Secondary UpToDate/UpToDate C - -",
            "1 Connected Secondary/Primary UpToDate/UpToDate C - -",
            "4 WFConnection Primary/Unknown UpToDate/DUnknown C - -",
            "5 Connected Primary/Secondary UpToDate/Diskless C - -",
            "6 Connected Secondary/Primary Diskless/UpToDate C - -",
            "7 WFConnection Secondary/Unknown UpToDate/DUnknown C - -",
            "8 StandAlone Secondary/Unknown UpToDate/DUnknown - - -",
        ],
    ),
    "ganeti-8.0.12-no-version-line.txt": (
        None,
        (1, 2, 5, 6),
        ["0 Connected Primary/Secondary UpToDate/UpToDate C - -"],
    ),
    "ganeti-8.3.1-multi-minor.txt": (
        "8.3.1",
        (2,),
        [
            "0 Connected Primary/Secondary UpToDate/UpToDate C 0 -",
            "1 Connected Secondary/Primary UpToDate/UpToDate C 0 -",
            "4 WFConnection Primary/Unknown UpToDate/DUnknown C 0 -",
            "5 Connected Primary/Secondary UpToDate/Diskless C 0 -",
            "6 Connected Secondary/Primary Diskless/UpToDate C 0 -",
            "7 WFConnection Secondary/Unknown UpToDate/DUnknown C 0 -",
            "8 StandAlone Secondary/Unknown UpToDate/DUnknown - 0 -",
        ],
    ),
    "ganeti-8.3.1-synctarget.txt": (
        "8.3.1",
        (2,),
        [
            "0 Connected Primary/Secondary UpToDate/UpToDate C 0 -",
            "1 Connected Secondary/Primary UpToDate/UpToDate C 0 -",
            "3 SyncTarget Primary/Secondary Inconsistent/UpToDate C 346112 34.9/5/59392",
            "4 WFConnection Primary/Unknown UpToDate/DUnknown C 0 -",
        ],
    ),
    "ganeti-8.3.11-sync-want.txt": (
        "8.3.11",
        (1, 2, 3),
        ["0 SyncTarget Secondary/Primary Inconsistent/UpToDate C 588416 44.4/8/65736"],
    ),
    "ganeti-8.4.2-minor0-missing.txt": (
        "8.4.2",
        (2,),
        [
            "1 Connected Secondary/Primary UpToDate/UpToDate C 0 -",
            "4 WFConnection Primary/Unknown UpToDate/DUnknown C 1048320 -",
            "6 Connected Secondary/Primary Diskless/UpToDate C 0 -",
            "8 StandAlone Secondary/Unknown UpToDate/DUnknown - 1048320 -",
        ],
    ),
    "ganeti-8.4.2-multi-minor.txt": (
        "8.4.2",
        (2,),
        [
            "0 Connected Primary/Secondary UpToDate/UpToDate C 0 -",
            "1 Connected Secondary/Primary UpToDate/UpToDate C 0 -",
            "4 WFConnection Primary/Unknown UpToDate/DUnknown C 1048320 -",
            "6 Connected Secondary/Primary Diskless/UpToDate C 0 -",
            "8 StandAlone Secondary/Unknown UpToDate/DUnknown - 1048320 -",
        ],
    ),
    "lug84-8.4.0-three-minors.txt": (
        "8.4.0",
        (),
        [
            "0 Connected Secondary/Secondary UpToDate/UpToDate C 0 -",
            "1 Connected Primary/Secondary UpToDate/UpToDate C 0 -",
            "2 Connected Secondary/Primary UpToDate/UpToDate C 0 -",
        ],
    ),
}
SAMPLES = corpus_files("proc_drbd")


def _sync(spec: str) -> tuple[float, int, int]:
    percent, eta, speed = spec.split("/")
    return float(percent), int(eta), int(speed)


def _read(name: str) -> str:
    return (CORPUS / "proc_drbd" / name).read_text(encoding="utf-8")


@needs_shared
def test_every_corpus_sample_has_expectations() -> None:
    assert sorted(p.name for p in SAMPLES) == sorted(EXPECTED)


@needs_shared
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_sample(name: str) -> None:
    version, unconfigured, minors = EXPECTED[name]
    status = parse_proc_drbd(_read(name))
    assert status.source_format == "proc_drbd"
    assert status.version == version
    assert status.unconfigured_minors == unconfigured
    assert len(status.devices) == len(minors)
    for device, spec in zip(status.devices, minors, strict=True):
        minor, cs, roles, disks, protocol, oos, sync = spec.split()
        (peer,) = device.peers
        assert device.minor == int(minor)
        assert device.label == f"minor {minor}"
        assert device.resource is None
        assert device.volume is None
        assert peer.name is None
        assert peer.connection_raw == cs
        assert peer.connection is ConnState.from_word(cs)
        assert peer.connection is not ConnState.UNKNOWN
        assert f"{device.role.value}/{peer.role.value}" == roles
        assert f"{device.disk.value}/{peer.disk.value}" == disks
        assert device.protocol == (None if protocol == "-" else protocol)
        assert device.out_of_sync_kib == peer.out_of_sync_kib == (None if oos == "-" else int(oos))
        got = (peer.sync_percent, peer.sync_eta_s, peer.sync_speed_kib_s)
        assert got == ((None, None, None) if sync == "-" else _sync(sync))
        if cs == "Connected":
            assert peer.replication is ReplState.ESTABLISHED
        elif cs.startswith("Sync"):
            assert peer.replication is ReplState.from_word(cs)
            assert peer.replication_raw == cs
        else:
            assert peer.replication is None


@needs_shared
def test_flags_and_stray_nul_bytes() -> None:
    # ganeti-8.3.1 has a NUL byte after some flag fields ("r---\0").
    status = parse_proc_drbd(_read("ganeti-8.3.1-multi-minor.txt"))
    assert [d.flags for d in status.devices] == ["r----", "r---", "r----", "r----", "r---", "r---", "r---"]
    # The trailing s of r----s is the activity-log flag, not suspended I/O.
    (wfc,) = parse_proc_drbd(_read("cfs-8.4.6-wfconnection.txt")).devices
    assert (wfc.flags, wfc.suspended) == ("r----s", False)


def _one(text: str) -> DrbdDevice:
    (device,) = parse_proc_drbd(text).devices
    return device


HEAD = "version: 8.3.11 (api:88/proto:86-96)\nsrcversion: 2D876214BAAD53B31ADC1D6\n"


def test_glued_finish_line_in_mib() -> None:
    text = (
        HEAD + " 0: cs:SyncTarget ro:Secondary/Primary ds:Inconsistent/UpToDate C r-----\n"
        "    ns:0 nr:368640 dw:368512 dr:0 al:0 bm:22 lo:1 pe:3 ua:0 ap:0 ep:1 wo:f oos:15358976\n"
        "\t[>....................] sync'ed:  2.4% (14996/15360)Mfinish: 0:04:08 speed: 61,736 (61,736)"
        " want: 61,440 K/sec\n"
    )
    peer = _one(text).peers[0]
    assert (peer.sync_percent, peer.sync_eta_s, peer.sync_speed_kib_s) == (2.4, 248, 61736)
    assert peer.out_of_sync_kib == 15358976


def test_verify_progress_8_4_with_proc_details() -> None:
    text = (
        "version: 8.4.3 (api:1/proto:86-101)\nGIT-hash: 89a294209 build by x@y, 2013-07-02 07:12:21\n"
        " 3: cs:VerifyS ro:Primary/Secondary ds:UpToDate/UpToDate C r-----\n"
        "    ns:100 nr:0 dw:0 dr:5000 al:0 bm:0 lo:0 pe:2 ua:0 ap:0 ep:1 wo:f oos:0\n"
        "\t[====>...............] verified: 25.3% (786432/1048576)K\n"
        "\tfinish: 1:02:03 speed: 1,234,567 (2,000 -- 1,500) want: 4,096 K/sec (stalled)\n"
        "\t 25% sector pos: 524288/2097152 stop sector: 2097152\n"
        "\tresync: used:0/61 hits:0 misses:0 starving:0 locked:0 changed:0\n"
        "\tact_log: used:1/1237 hits:5 misses:1 starving:0 locked:0 changed:1\n"
        "\tblocked on activity log: 0\n"
    )
    device = _one(text)
    peer = device.peers[0]
    assert peer.replication is ReplState.VERIFY_S
    assert peer.connection is ConnState.VERIFY_S
    assert (peer.sync_percent, peer.sync_eta_s, peer.sync_speed_kib_s) == (25.3, 3723, 1234567)
    assert device.out_of_sync_kib == 0


def test_verify_progress_8_3_bare_percent() -> None:
    text = (
        HEAD + " 1: cs:VerifyT ro:Secondary/Primary ds:UpToDate/UpToDate C r---\n"
        "    ns:0 nr:0 dw:0 dr:0 al:0 bm:0 lo:0 pe:0 ua:0 ap:0 ep:1 wo:b oos:0\n"
        "\t 42%      110100/262144\n"
    )
    peer = _one(text).peers[0]
    assert peer.replication is ReplState.VERIFY_T
    assert (peer.sync_percent, peer.sync_eta_s) == (42.0, None)


def test_8_0_sync_without_oos_counter_uses_progress_left() -> None:
    text = (
        "version: 8.0.12 (api:86/proto:86)\n"
        " 0: cs:SyncSource st:Primary/Secondary ds:UpToDate/Inconsistent C r---\n"
        "    ns:1000 nr:0 dw:0 dr:1000 al:0 bm:0 lo:0 pe:0 ua:0 ap:0\n"
        "\t[=====>..............] sync'ed: 33.4% (10064/12248)M\n"
        "\tfinish: 0:12:35 speed: 1,320 (1,320) K/sec\n"
        "\tresync: used:0/61 hits:0 misses:0 starving:0 dirty:0 changed:0\n"
    )
    device = _one(text)
    assert device.out_of_sync_kib == 10064 * 1024
    assert device.peers[0].sync_percent == 33.4


def test_paused_sync_and_suspended_io() -> None:
    text = HEAD + "10: cs:PausedSyncT ro:Secondary/Primary ds:Inconsistent/UpToDate C s--u--\n"
    device = _one(text)
    assert device.minor == 10
    assert device.suspended is True
    assert device.flags == "s--u--"
    assert device.peers[0].replication is ReplState.PAUSED_SYNC_T
    assert device.peers[0].sync_percent is None


def test_crlf_and_nul_bytes_are_tolerated() -> None:
    text = (
        "version: 8.4.6 (api:1/proto:86-101)\r\n\x00GIT-hash: 833d8 build by phil@b, 2015\r\n\r\n"
        " 1: cs:Connected ro:Primary/Secondary ds:UpToDate/UpToDate C r-----\x00\r\n"
        "    ns:1 nr:0 dw:0 dr:1 al:0 bm:0 lo:0 pe:0 ua:0 ap:0 ep:1 wo:f oos:0\r\n"
    )
    device = _one(text)
    assert device.flags == "r-----"
    assert device.role is DrbdRole.PRIMARY


def test_unknown_words_keep_raw() -> None:
    text = HEAD + " 1: cs:Fancy ro:Primary/Boss ds:Shiny/UpToDate C r-----\n"
    device = _one(text)
    peer = device.peers[0]
    assert peer.connection is ConnState.UNKNOWN
    assert peer.connection_raw == "Fancy"
    assert peer.role is DrbdRole.UNKNOWN
    assert peer.role_raw == "Boss"
    assert device.disk is DiskState.UNKNOWN
    assert device.disk_raw == "Shiny"
    assert peer.replication is None


def test_drbd9_proc_drbd_has_version_only() -> None:
    text = (
        "version: 9.1.16 (api:2/proto:86-121)\nGIT-hash: 2c6e4 build by r@b, 2023-08-23 09:50:25\n"
        "Transports (api:18): tcp (9.1.16)\n"
    )
    assert parse_proc_drbd(text) == DrbdStatus(source_format="proc_drbd", version="9.1.16")


def test_lru_dump_of_proc_details_2_is_skipped() -> None:
    text = (
        HEAD + " 0: cs:Connected ro:Primary/Secondary ds:UpToDate/UpToDate C r-----\n"
        "    ns:0 nr:0 dw:0 dr:0 al:0 bm:0 lo:0 pe:0 ua:0 ap:0 ep:1 wo:f oos:0\n"
        '\tnn: lc_number (new nr) refcnt rs_left\n \t    0:     12 -"-           0     5 --------- ------\n'
        "\n 1: cs:Unconfigured\n"
    )
    status = parse_proc_drbd(text)
    assert [d.minor for d in status.devices] == [0]
    assert status.unconfigured_minors == (1,)


BAD = [
    ("", 1, "empty output"),
    ("version: 8.4.6\n 1: cs:Connected ro:Primary/Secondary\n", 2, "ro:/st: and ds:"),
    (HEAD + " 1: cs:Connected ro:Primary ds:UpToDate/UpToDate C r---\n", 3, "local/peer"),
    (HEAD + " 1: cs:Connected ro:A/B ds:C/D C r--- extra\n", 3, "unexpected field"),
    (HEAD + "    ns:0 nr:0\n", 3, "before the first minor"),
    (HEAD + " 1: cs:Unconfigured\n    ns:0 nr:0\n", 4, "unconfigured"),
    (HEAD + " 1: cs:Connected ro:A/B ds:C/D C r---\n    ns:0 nr:x oos:0\n", 4, "not a number"),
    (HEAD + " 1: cs:Connected ro:A/B ds:C/D C r---\n    ns:0 nr\n", 4, "key:value"),
    (HEAD + " 1: cs:SyncSource ro:A/B ds:C/D C r---\n\t[===> sync'ed: 3%\n", 4, "progress"),
    (HEAD + " 1: cs:SyncSource ro:A/B ds:C/D C r---\n\tfinish: 0:01:00 speed: 5 (5) K/sec\n", 4, "finish"),
    (HEAD + " 1: cs:Connected ro:A/B ds:C/D C r---\n 1: cs:Unconfigured\n", 4, "twice"),
    (HEAD + " 1: cs:Connected ro:A/B ds:C/D C r---\nversion: 8.4.6\n", 4, "after the first minor"),
    ("hello world\n", 1, "header"),
    (HEAD + " 1: cs:Connected ro:A/B ds:C/D C r---\n    something odd\n", 4, "unexpected line"),
]


@pytest.mark.parametrize(("text", "line", "reason"), BAD)
def test_malformed_input_raises_parse_error(text: str, line: int, reason: str) -> None:
    with pytest.raises(ParseError) as info:
        parse_proc_drbd(text, source="node1:/proc/drbd")
    assert info.value.line == line
    assert reason in info.value.reason
    assert info.value.source == "node1:/proc/drbd"


@needs_shared
@pytest.mark.parametrize(
    ("name", "cut_after"),
    [
        ("cfs-8.3.11-syncsource-0.9pct.txt", "sync'ed:  0.9% (1007804/10"),
        ("cfs-8.4.6-connected-uptodate.txt", "ns:1048508 nr:0 dw"),
        ("ganeti-8.4.2-multi-minor.txt", " 8: cs:StandAlone ro:Secondary/Unknown"),
        ("ganeti-8.3.11-sync-want.txt", "finish: 0:00:08 speed: 65,736 (65,7"),
    ],
)
def test_truncated_samples_raise_parse_error(name: str, cut_after: str) -> None:
    text = _read(name)
    with pytest.raises(ParseError):
        parse_proc_drbd(text[: text.index(cut_after) + len(cut_after)])


# Pieces of the grammar, so that random text gets past the first line now and then.
# fmt: off
PIECES = st.sampled_from([
    " 1: cs:", "0:", "10:", "version: 8.4.6", "GIT-hash: x", "ro:", "st:", "ds:", "Primary/Secondary",
    "UpToDate/", "SyncSource", "Unconfigured", " C ", "r----s", "\n", "\n    ", "\n\t", " ", "ns:0",
    "oos:", "wo:f", "[==>...]", "sync'ed:", "verified:", " 12.5%", "(10/20)", "M", "K", "finish: 0:01:02",
    "speed: 1,234", " (1,234)", " (1 -- 2)", " want: 5", " K/sec", "\tnn: lc_number",
    "99999999999999999999", "\x00", "\r", "sector pos: 1/2", "resync: used:0/61",
])
# fmt: on
GRAMMAR_SOUP = st.lists(st.one_of(PIECES, st.text(max_size=3)), max_size=40).map("".join)


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.text(), GRAMMAR_SOUP))
def test_random_text_raises_only_parse_error(text: str) -> None:
    with contextlib.suppress(ParseError):
        parse_proc_drbd(text)


@needs_shared
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_damaged_samples_raise_only_parse_error(data: st.DataObject) -> None:
    raw = data.draw(st.sampled_from(SAMPLES)).read_bytes()
    cut = data.draw(st.integers(0, len(raw)))
    damaged = bytearray(raw[:cut] if data.draw(st.booleans()) else raw)
    for _ in range(data.draw(st.integers(0, 4))):
        if damaged:
            damaged[data.draw(st.integers(0, len(damaged) - 1))] = data.draw(st.integers(0, 255))
    try:
        status = parse_proc_drbd(damaged.decode("utf-8", errors="replace"))
    except ParseError:
        return
    assert all(len(d.peers) == 1 for d in status.devices)
