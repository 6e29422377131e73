"""Tests for the DRBD 9 parsers: drbdsetup status --json and drbdadm/drbdsetup status text."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hatui.errors import ParseError
from hatui.model.drbd import DrbdStatus
from hatui.model.words import ConnState, DiskState, DrbdRole, ReplState
from hatui.parsers.drbd9 import parse_drbdadm_status, parse_drbdsetup_json
from support import CORPUS, corpus_files, needs_shared

# Per sample, what a person reads off it: one line per device ("label minor role disk") followed
# by one indented line per peer ("name connection role disk replication"); "-" stands for none.
TEXT_EXPECTED: dict[str, list[str]] = {
    "drbdadm_status/cfs-both-inconsistent.txt": [
        "wwwdata - Secondary Inconsistent",
        "  pcmk-2 Connected Secondary Inconsistent Established",
    ],
    "drbdadm_status/cfs-connecting.txt": [
        "wwwdata - Secondary Inconsistent",
        "  pcmk-2 Connecting Unknown DUnknown Off",
    ],
    "drbdadm_status/cfs-secondary-uptodate.txt": [
        "wwwdata - Secondary UpToDate",
        "  pcmk-1 Connected Primary UpToDate Established",
    ],
    "drbdadm_status/cfs-syncsource.txt": [
        "wwwdata - Primary UpToDate",
        "  pcmk-2 Connected Secondary Inconsistent SyncSource",
    ],
    # DRBD 8.4 kernel, drbd-utils 9: the one peer is printed as the literal "peer".
    "drbdadm_status/lug84-2node-healthy.txt": [
        "home - Secondary UpToDate",
        "  - Connected Secondary UpToDate Established",
    ],
    "drbdadm_status/lug9-diskless-after-detach.txt": [
        "<resource> - Primary Diskless",
        "  <peer> Connected Secondary UpToDate Established",
    ],
    "drbdadm_status/lug9-linstor-peer-diskless.txt": [
        "my-res - Secondary UpToDate",
        "  kube-1 Connected Secondary Diskless Established",
        "  kube-2 Connected Secondary UpToDate Established",
    ],
    # Verbose, statistics, doc-wrapped continuation lines and the old "disk:" on peer lines.
    "drbdsetup_status_verbose/lug9-verbose-statistics.txt": [
        "home 0 Secondary UpToDate",
        "  nina Connected Secondary UpToDate Established",
        "  nino Connected Secondary UpToDate Established",
        "  nono Connecting Unknown DUnknown Off",
    ],
}
JSON_EXPECTED: dict[str, list[str]] = {
    "drbdsetup_status_json/hace-2res-uptodate.json": [
        "1-single-0 2 Secondary UpToDate",
        "  SLE15-sp1-gm-drbd1145296-node1 Connected Primary UpToDate Established",
        "1-single-1 3 Secondary UpToDate",
        "  SLE15-sp1-gm-drbd1145296-node1 Connected Primary UpToDate Established",
    ]
}
TEXT_SAMPLES = corpus_files("drbdadm_status") + corpus_files("drbdsetup_status_verbose")
JSON_SAMPLES = corpus_files("drbdsetup_status_json")


def _check(status: DrbdStatus, expected: list[str]) -> None:
    seen: list[str] = []
    for device in status.devices:
        minor = "-" if device.minor is None else device.minor
        seen.append(f"{device.label} {minor} {device.role.value} {device.disk.value}")
        assert device.role is not DrbdRole.UNKNOWN
        assert device.disk is not DiskState.UNKNOWN
        for p in device.peers:
            name = p.name or "-"
            seen.append(f"  {name} {p.connection.value} {p.role.value} {p.disk.value} {p.replication_raw}")
            assert p.replication is ReplState.from_word(p.replication_raw)
            assert p.sync_percent is None
            assert p.sync_eta_s is None
    assert seen == expected


@needs_shared
def test_every_corpus_sample_has_expectations() -> None:
    names = sorted(f"{p.parent.name}/{p.name}" for p in TEXT_SAMPLES + JSON_SAMPLES)
    assert names == sorted([*TEXT_EXPECTED, *JSON_EXPECTED])


@needs_shared
@pytest.mark.parametrize("name", sorted(TEXT_EXPECTED))
def test_text_corpus_sample(name: str) -> None:
    status = parse_drbdadm_status((CORPUS / name).read_text(encoding="utf-8"))
    assert status.source_format == "drbdadm-status"
    assert status.version is None
    _check(status, TEXT_EXPECTED[name])


@needs_shared
def test_verbose_sample_counters() -> None:
    status = parse_drbdadm_status(
        (CORPUS / "drbdsetup_status_verbose/lug9-verbose-statistics.txt").read_text()
    )
    (device,) = status.devices
    assert device.suspended is False
    assert [p.out_of_sync_kib for p in device.peers] == [0, 0, None]
    assert device.out_of_sync_kib == 0


@needs_shared
@pytest.mark.parametrize("name", sorted(JSON_EXPECTED))
def test_json_corpus_sample(name: str) -> None:
    status = parse_drbdsetup_json((CORPUS / name).read_text(encoding="utf-8"))
    assert status.source_format == "drbdsetup-json"
    _check(status, JSON_EXPECTED[name])
    assert all(d.out_of_sync_kib == 0 and d.peers[0].out_of_sync_kib == 0 for d in status.devices)


# Written after drbd-utils' status printer (user/v9/drbdsetup.c): volumes at 2, peers at 2,
# peer volumes at 4, statistics continuing at 6 and 8.
SYNCING_TEXT = """\
r0 role:Primary
  volume:0 disk:UpToDate
  volume:1 disk:UpToDate
  bob role:Secondary
    volume:0 replication:SyncSource peer-disk:Inconsistent done:42.17
    volume:1 peer-disk:UpToDate
  charlie connection:StandAlone

r1 role:Secondary suspended:user
  disk:Inconsistent
  bob role:Primary
    replication:PausedSyncT peer-disk:UpToDate done:5.03 resync-suspended:user

"""


def test_text_sync_progress_standalone_and_suspended() -> None:
    status = parse_drbdadm_status(SYNCING_TEXT)
    assert [d.label for d in status.devices] == ["r0", "r0/1", "r1"]
    vol0, vol1, r1 = status.devices
    bob, charlie = vol0.peers
    assert (bob.name, bob.replication, bob.sync_percent) == ("bob", ReplState.SYNC_SOURCE, 42.17)
    assert bob.disk is DiskState.INCONSISTENT
    assert (charlie.connection, charlie.replication) == (ConnState.STANDALONE, ReplState.OFF)
    assert (charlie.role_raw, charlie.disk_raw) == ("Unknown", "DUnknown")
    assert vol1.peers[0].replication is ReplState.ESTABLISHED
    assert vol1.peers[0].sync_percent is None
    assert vol0.suspended is False
    assert r1.suspended is True
    assert r1.peers[0].replication is ReplState.PAUSED_SYNC_T
    assert r1.peers[0].sync_percent == 5.03


VERBOSE_SYNC = """\
r0 node-id:0 role:Primary suspended:no
    write-ordering:flush
  volume:0 minor:1 disk:UpToDate quorum:yes
      size:1048576 read:2048 written:0 al-writes:0 bm-writes:0 upper-pending:0 lower-pending:0
      al-suspended:no blocked:no
  bob node-id:1 connection:Connected role:Secondary congested:no ap-in-flight:0
      rs-in-flight:4096
    volume:0 replication:SyncSource peer-disk:Inconsistent done:42.17 resync-suspended:no
        received:0 sent:442368 out-of-sync:606208 pending:0 unacked:0 dbdt1:100.25 eta:6
"""


def test_text_verbose_sync_eta_speed_oos() -> None:
    (device,) = parse_drbdadm_status(VERBOSE_SYNC).devices
    (peer,) = device.peers
    assert device.minor == 1
    assert device.out_of_sync_kib == 606208 == peer.out_of_sync_kib
    assert (peer.sync_percent, peer.sync_eta_s, peer.sync_speed_kib_s) == (42.17, 6, 102656)


def test_text_colour_codes_unnamed_peer_and_empty_list() -> None:
    text = "\x1b[1mr0\x1b[0m role:\x1b[1mPrimary\x1b[0m\n  disk:UpToDate\n  node-id:1 connection:Connecting\n"
    (device,) = parse_drbdadm_status(text).devices
    assert device.role is DrbdRole.PRIMARY
    assert device.peers[0].name is None
    assert parse_drbdadm_status("# No currently configured DRBD found.\n").devices == ()


TEXT_BAD = [
    ("", 1, "empty output"),
    ("  disk:UpToDate\n", 1, "before the first resource"),
    ("r0 disk:UpToDate\n", 1, "without role"),
    ("r0 role:Primary\n  volume:0\n", 2, "without disk"),
    ("r0 role:Primary\n  disk:UpToDate\n  bob role:Secondary\n    peer-di\n", 4, "key:value"),
    ("r0 role:Primary\n  disk:UpToDate\n  bob role:\n", 3, "key:value"),
    ("r0 role:Primary\n  disk:UpToDate\n   x:y\n", 3, "indentation"),
    ("r0 role:Primary\n  disk:UpToDate\n    peer-disk:UpToDate\n", 3, "indentation"),
    ("r0 role:Primary\n  volume:x disk:UpToDate\n", 2, "whole number"),
    ("r0 role:Primary\n  disk:UpToDate\n  b role:Primary\n    replication:SyncSource done:4x\n", 4, "number"),
    ("r0 role:Primary\n  volume:0 disk:A\n  volume:0 disk:B\n", 3, "twice"),
    ("r:0 role:Primary\n", 1, "resource name"),
    (
        "r0 role:Primary\n  disk:UpToDate\n  b role:Primary\n    volume:3 peer-disk:UpToDate\n",
        None,
        "no local",
    ),
]


@pytest.mark.parametrize(("text", "line", "reason"), TEXT_BAD)
def test_text_malformed_raises_parse_error(text: str, line: int | None, reason: str) -> None:
    with pytest.raises(ParseError) as info:
        parse_drbdadm_status(text)
    assert info.value.line == line
    assert reason in info.value.reason


def _pdev(volume: int, repl: str, disk: str, **extra: object) -> dict[str, object]:
    return {"volume": volume, "replication-state": repl, "peer-disk-state": disk, **extra}


def _conn(name: str, state: str, role: str, *pdevs: dict[str, object]) -> dict[str, object]:
    return {"name": name, "connection-state": state, "peer-role": role, "peer_devices": list(pdevs)}


def _json(name: str, role: str, disks: list[str], *conns: dict[str, object], **extra: object) -> str:
    """One resource as drbdsetup status --json prints it; volume N has minor N + 1."""
    devices = [{"volume": n, "minor": n + 1, "disk-state": d} for n, d in enumerate(disks)]
    return json.dumps([{"name": name, "role": role, **extra, "devices": devices, "connections": list(conns)}])


# The keys drbd-utils adds while a resync runs (user/v9/drbdsetup.c, peer_device_status_json).
SYNC_STATS: dict[str, object] = {
    "out-of-sync": 606208,
    "percent-in-sync": 42.2,
    "rs-total": 262144,
    "want": 0.0,
    "db1/dt1 [MiB/s]": 100.25,
    "estimated-seconds-to-finish": 6,
    "percent-resync-done": 42.17,
}


def test_json_sync_multi_volume_multi_peer() -> None:
    alice = _conn(
        "alice",
        "Connected",
        "Primary",
        _pdev(0, "SyncTarget", "UpToDate") | SYNC_STATS,
        _pdev(1, "Established", "UpToDate", **{"out-of-sync": 0, "percent-in-sync": 100}),
    )
    carol = _conn("carol", "StandAlone", "Unknown")
    text = _json("r0", "Secondary", ["Inconsistent", "UpToDate"], alice, carol, suspended=True)
    vol0, vol1 = parse_drbdsetup_json(text).devices
    peer0, peer1 = vol0.peers
    assert (vol0.label, vol0.minor, vol1.label, vol1.minor) == ("r0", 1, "r0/1", 2)
    assert vol0.suspended
    assert vol0.disk is DiskState.INCONSISTENT
    assert peer0.replication is ReplState.SYNC_TARGET
    assert (peer0.sync_percent, peer0.sync_eta_s, peer0.sync_speed_kib_s) == (42.17, 6, 102656)
    assert vol0.out_of_sync_kib == 606208
    assert (peer1.connection, peer1.replication, peer1.disk_raw) == (
        ConnState.STANDALONE,
        ReplState.OFF,
        "DUnknown",
    )
    assert vol1.peers[0].sync_percent is None
    assert vol1.out_of_sync_kib == 0


def test_json_percent_in_sync_is_the_fallback() -> None:
    stats = {k: v for k, v in SYNC_STATS.items() if k not in ("percent-resync-done", "db1/dt1 [MiB/s]")}
    text = _json(
        "r0",
        "Primary",
        ["UpToDate"],
        _conn("b", "Connected", "Secondary", _pdev(0, "SyncSource", "x") | stats),
    )
    (peer,) = parse_drbdsetup_json(text).devices[0].peers
    assert (peer.sync_percent, peer.sync_speed_kib_s) == (42.2, None)


JSON_BAD = [
    ("", 1, "malformed JSON"),
    ('[\n  {"name": "r0",\n  "role": }\n]', 3, "malformed JSON"),
    ('{"name": "r0"}', 1, "array"),
    ('[{"role": "Primary"}]', None, "missing key 'name'"),
    ('[{"name": "r0", "role": 1}]', None, "wrong type"),
    (
        '[{"name": "r0", "role": "Primary", "devices": [{"volume": true, "disk-state": "x"}]}]',
        None,
        "not a number",
    ),
    ('[{"name": "r0", "role": "Primary", "devices": [3]}]', None, "object"),
    ('[{"name": "r0", "role": "Primary", "connections": [{"name": "b"}]}]', None, "connection-state"),
    ("[" * 100000, None, "JSON"),
    (
        _json("r0", "Primary", []).replace(
            "[]", '[{"volume": 0, "disk-state": "a"}, {"volume": 0, "disk-state": "b"}]', 1
        ),
        None,
        "twice",
    ),
]


@pytest.mark.parametrize(("text", "line", "reason"), JSON_BAD)
def test_json_malformed_raises_parse_error(text: str, line: int | None, reason: str) -> None:
    with pytest.raises(ParseError) as info:
        parse_drbdsetup_json(text, source="node2:drbd_status.json")
    assert info.value.line == line
    assert reason in info.value.reason
    assert info.value.source == "node2:drbd_status.json"


@needs_shared
def test_truncated_samples_raise_parse_error() -> None:
    text = (CORPUS / "drbdsetup_status_json/hace-2res-uptodate.json").read_text()
    for cut in (1, len(text) // 3, len(text) - 3):
        with pytest.raises(ParseError):
            parse_drbdsetup_json(text[:cut])
    verbose = (CORPUS / "drbdsetup_status_verbose/lug9-verbose-statistics.txt").read_text()
    with pytest.raises(ParseError):
        parse_drbdadm_status(verbose[: verbose.index("received:1048412 sent:0 out-of") + 31])
    plain = (CORPUS / "drbdadm_status/cfs-syncsource.txt").read_text()
    with pytest.raises(ParseError):
        parse_drbdadm_status(plain[: plain.index("peer-disk:") + 4])


# fmt: off
PIECES = st.sampled_from([
    "r0", " role:", "Primary", "\n", "\n  ", "\n    ", "\n        ", " disk:", "UpToDate", "volume:", "0",
    "1", " peer-disk:", " replication:", "SyncSource", " done:", "42.17", " eta:", "nan", " dbdt1:",
    "1e99", " connection:", "Connecting", "node-id:", " suspended:", "user", "peer", "out-of-sync:",
    "999999999999999999999999999999", "\x1b[1m",
])
# fmt: on
GRAMMAR_SOUP = st.lists(st.one_of(PIECES, st.text(max_size=3)), max_size=40).map("".join)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.text(), GRAMMAR_SOUP, JSON_VALUES.map(json.dumps)))
def test_random_text_raises_only_parse_error(text: str) -> None:
    for parse in (parse_drbdadm_status, parse_drbdsetup_json):
        with contextlib.suppress(ParseError):
            parse(text)


def _damage(data: st.DataObject, path: Path) -> str:
    raw = path.read_bytes()
    cut = data.draw(st.integers(0, len(raw)))
    damaged = bytearray(raw[:cut] if data.draw(st.booleans()) else raw)
    for _ in range(data.draw(st.integers(0, 4))):
        if damaged:
            damaged[data.draw(st.integers(0, len(damaged) - 1))] = data.draw(st.integers(0, 255))
    return damaged.decode("utf-8", errors="replace")


@needs_shared
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_damaged_samples_raise_only_parse_error(data: st.DataObject) -> None:
    text = _damage(data, data.draw(st.sampled_from(TEXT_SAMPLES)))
    with contextlib.suppress(ParseError):
        parse_drbdadm_status(text)
    text = _damage(data, data.draw(st.sampled_from(JSON_SAMPLES)))
    with contextlib.suppress(ParseError):
        parse_drbdsetup_json(text)


def _paths(node: object, prefix: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    """Every path (keys and indexes) into a JSON document, the root excluded."""
    found: list[tuple[object, ...]] = []
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
    for key, child in items:
        found.append((*prefix, key))
        found.extend(_paths(child, (*prefix, key)))
    return found


@needs_shared
@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_json_with_wrong_values_raises_only_parse_error(data: st.DataObject) -> None:
    doc = json.loads(JSON_SAMPLES[0].read_text())
    *parents, last = data.draw(st.sampled_from(_paths(doc)))
    holder = doc
    for key in parents:
        holder = holder[key]
    if isinstance(holder, dict) and data.draw(st.booleans()):
        del holder[last]
    else:
        holder[last] = data.draw(JSON_VALUES)
    with contextlib.suppress(ParseError):
        parse_drbdsetup_json(json.dumps(doc))
