"""Tests for parse_drbdadm_dump on real ``drbdadm dump all`` output of DRBD 8.3, 8.4 and 9.

The dump-*.txt fixtures were made by tests/fixtures/drbd/generate.sh with the drbdadm-83, drbdadm-84
and drbdadm (9.22) binaries of drbd-utils from the dump-*.conf files beside them.
"""

from __future__ import annotations

import contextlib
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hatui.errors import ParseError
from hatui.model.drbd import DrbdResourceConf
from hatui.parsers.drbd_dump import parse_drbdadm_dump
from support import FIXTURES, SHARED, needs_shared

DRBD = FIXTURES / "drbd"
DUMPS = sorted(DRBD.glob("dump-*.txt"))

EXPECTED: dict[str, list[DrbdResourceConf]] = {
    "dump-83-reference.txt": [
        DrbdResourceConf(
            "sentinel-root",
            minors=(("vnodel", 1), ("vnodel2", 1)),
            disks=(("vnodel", "/dev/vg2/sentinel-root"), ("vnodel2", "/dev/vg2/sentinel-root")),
        ),
        DrbdResourceConf(
            "sentinel-swap",
            minors=(("vnodel", 2), ("vnodel2", 2)),
            disks=(("vnodel", "/dev/vg2/sentinel-swap"), ("vnodel2", "/dev/vg1/sentinel-swap")),
        ),
    ],
    "dump-84-volumes.txt": [
        DrbdResourceConf(
            "vm-web",
            minors=(("alice", 3), ("bob", 3)),
            disks=(("alice", "/dev/vg0/vm-web"), ("bob", "/dev/vg0/vm-web")),
        ),
        DrbdResourceConf(
            "r0",
            minors=(("alice", 10), ("alice", 11), ("bob", 10), ("bob", 11)),
            disks=(
                ("alice", "/dev/vg0/r0-a"),
                ("alice", "/dev/vg0/r0-b"),
                ("bob", "/dev/vg0/r0-a"),
                ("bob", "none"),
            ),
        ),
        DrbdResourceConf(
            "r-float",
            minors=(("10.1.1.41:7791", 20), ("10.1.1.42:7791", 20)),
            disks=(("10.1.1.41:7791", "/dev/sdb1"), ("10.1.1.42:7791", "/dev/sdb1")),
        ),
        # Stacked on vm-web: its minor counts on both of vm-web's hosts.
        DrbdResourceConf(
            "r0-U",
            minors=(("alice", 30), ("bob", 30), ("charlie", 30)),
            disks=(("charlie", "/dev/hda6"),),
        ),
    ],
    "dump-9-mesh.txt": [
        # DRBD 9 keeps resource-level volumes in the dump: every host inherits them.
        DrbdResourceConf(
            "vm-db",
            minors=(("alpha", 5), ("alpha", 6), ("beta", 5), ("beta", 6), ("gamma", 5), ("gamma", 6)),
            disks=(
                ("alpha", "/dev/vg0/vm-db-sys"),
                ("alpha", "/dev/vg0/vm-db-data"),
                ("beta", "/dev/vg0/vm-db-sys"),
                ("beta", "/dev/vg0/vm-db-data"),
                ("gamma", "none"),
                ("gamma", "none"),
            ),
        ),
        DrbdResourceConf(
            "r-conn",
            minors=(("alpha", 7), ("beta", 7)),
            disks=(("alpha", "/dev/vg0/r-conn"), ("beta", "/dev/vg0/r-conn")),
        ),
    ],
    # The sshd test nodes' resources (tests/support/sshd.py): resource-level disks on vg0.
    "dump-9-sshd.txt": [
        DrbdResourceConf(
            f"1-single-{i}",
            minors=(("vnode1", 2 + i), ("vnode2", 2 + i)),
            disks=(("vnode1", f"/dev/vg0/1-single-{i}"), ("vnode2", f"/dev/vg0/1-single-{i}")),
        )
        for i in (0, 1)
    ],
}


def test_every_fixture_has_expectations() -> None:
    assert [p.name for p in DUMPS] == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_generated_dump(name: str) -> None:
    assert list(parse_drbdadm_dump((DRBD / name).read_text(encoding="utf-8"))) == EXPECTED[name]


def test_minor_on_maps_proc_drbd_minors_to_names() -> None:
    by_name = {r.name: r for r in parse_drbdadm_dump((DRBD / "dump-84-volumes.txt").read_text())}
    assert by_name["vm-web"].minor_on("bob") == 3
    assert by_name["r0"].minor_on("alice") == 10
    assert by_name["r0-U"].minor_on("nowhere") == 30


@needs_shared
def test_reference_cluster_config() -> None:
    doc = (SHARED / "reference" / "ha-virtualization-cluster.md").read_text(encoding="utf-8")
    block = re.search(r"### DRBD\s+```\n(.*?)```", doc, re.S)
    assert block is not None
    (res,) = parse_drbdadm_dump(block.group(1))
    assert res.name == "sentinel-root"
    assert res.minors == (("vnodel", 1), ("vnodel2", 1))
    assert res.minor_on("vnodel2") == 1
    assert res.disks == (("vnodel", "/dev/vg2/sentinel-root"), ("vnodel2", "/dev/vg2/sentinel-root"))


# A hand-written drbd.conf (the same syntax): comments everywhere, quotes with escapes, CRLF,
# one "on" section for two hosts, skip sections and a "disk { }" options section.
CONFIG = (
    "# /etc/drbd.conf\r\nglobal { usage-count no; }  # trailing comment\r\n"
    "skip { resource ghost { on x { device /dev/drbd99; } } }\r\n"
    'resource "r\\"q" {\r\n'
    "    disk { on-io-error detach; }  # options, not a backing disk\r\n"
    "    device /dev/drbd_named minor 4;\r\n"
    '    disk "/dev/vg 0/lv";\r\n'
    "    meta-disk internal;\r\n"
    "    on alice bob { address 10.0.0.1:7789; }\r\n"
    "}\r\n"
)


def test_config_syntax_corners() -> None:
    (res,) = parse_drbdadm_dump(CONFIG)
    assert res.name == 'r"q'
    assert res.minors == (("alice", 4), ("bob", 4))
    assert res.disks == (("alice", "/dev/vg 0/lv"), ("bob", "/dev/vg 0/lv"))


def test_no_resources_is_empty() -> None:
    assert parse_drbdadm_dump("# no resources\nglobal { usage-count no; }\n") == ()


BAD = [
    ("", 1, "empty output"),
    ("# only a comment\n", 1, "empty output"),
    ("resource r0 {\n  on a { device /dev/drbd1; }\n", 1, "not closed"),
    ("resource r0 {\n  on a { device /dev/drbd1 }\n}\n", 2, "missing ';'"),
    ("resource r0 {\n  on a { device /dev/drbd1; }\n}\n}\n", 4, "without an open section"),
    ('resource r0 {\n  on a { disk "/dev/x; }\n}\n', 2, "unterminated string"),
    ("resource r0 {\n  on a { device /dev/drbd1; }\n  protocol C\n", 3, "without ';'"),
    ("resource r0 {\n  on a { device /dev/sdb; }\n}\n", 2, "device minor"),
    ("resource r0 {\n  on a { device minor x; }\n}\n", 2, "device minor"),
    ("resource r0 {\n  device /dev/drbd1;\n}\n", 1, "no host section"),
    ("resource r0 {\n  on a { disk /dev/sdb; }\n}\n", 1, "no device"),
    ("resource r0 {\n  on a { volume 0 { disk /dev/sdb; } }\n}\n", 1, "volume 0 has no device"),
    ("resource r0 {\n  on a { volume x { device minor 1; } }\n}\n", 2, "volume N"),
    ("resource {\n  on a { device minor 1; }\n}\n", 1, "resource NAME"),
    ("resource r0 {\n  on { device minor 1; }\n}\n", 2, "without a name"),
    (
        "resource r0 {\n on a { device minor 1; }\n}\nresource r0 {\n on b { device minor 2; }\n}\n",
        4,
        "twice",
    ),
    ("{ }\n", 1, "without a section name"),
    ("resource r0 { ; }\n", 1, "without a statement"),
]


@pytest.mark.parametrize(("text", "line", "reason"), BAD)
def test_malformed_raises_parse_error(text: str, line: int, reason: str) -> None:
    with pytest.raises(ParseError) as info:
        parse_drbdadm_dump(text, source="node1:drbd_dump")
    assert info.value.line == line
    assert reason in info.value.reason
    assert info.value.source == "node1:drbd_dump"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_truncated_inside_a_resource_raises_parse_error(name: str) -> None:
    text = (DRBD / name).read_text()
    cuts = [cut for cut in range(0, len(text), 7) if text[:cut].count("{") > text[:cut].count("}")]
    assert len(cuts) > 50
    for cut in cuts:
        with pytest.raises(ParseError):
            parse_drbdadm_dump(text[:cut])


# fmt: off
PIECES = st.sampled_from([
    "resource r0 ", "{", "}", ";", "\n", " on alice ", " floating ipv4 1.2.3.4:5 ",
    " stacked-on-top-of r0 ", " volume 0 ", " volume x ", " device ", "/dev/drbd1", " minor ", "7",
    "999999999999999999999999999999", " disk ", "\"", "\\", "# c\n", " skip ", "none", "\x00", "\r",
])
# fmt: on
GRAMMAR_SOUP = st.lists(st.one_of(PIECES, st.text(max_size=3)), max_size=40).map("".join)


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.text(), GRAMMAR_SOUP))
def test_random_text_raises_only_parse_error(text: str) -> None:
    with contextlib.suppress(ParseError):
        parse_drbdadm_dump(text)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_damaged_fixtures_raise_only_parse_error(data: st.DataObject) -> None:
    path: Path = data.draw(st.sampled_from(DUMPS))
    raw = path.read_bytes()
    cut = data.draw(st.integers(0, len(raw)))
    damaged = bytearray(raw[:cut] if data.draw(st.booleans()) else raw)
    for _ in range(data.draw(st.integers(0, 4))):
        if damaged:
            damaged[data.draw(st.integers(0, len(damaged) - 1))] = data.draw(st.integers(0, 255))
    with contextlib.suppress(ParseError):
        parse_drbdadm_dump(damaged.decode("utf-8", errors="replace"))
