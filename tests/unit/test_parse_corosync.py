"""Tests for the corosync-cfgtool and corosync-quorumtool parsers.

Inputs: the shared corpus; outputs CAPTURED verbatim from the real corosync 3.1.7 tools (a loopback
knet cluster in a private network namespace: cap1..cap3, two links each, cap3 or cap2+cap3 down);
HAND-WRITTEN cases for what neither has (1.x/2.x rings, hex ids), after corpus/INDEX.md's grammar.
"""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hatui.errors import ParseError
from hatui.model.corosync import LinkPeer, QuorumMember
from hatui.model.words import LinkStatus
from hatui.parsers.corosync import parse_cfgtool, parse_quorumtool
from support import CORPUS, corpus_files, needs_shared

# --- corosync-cfgtool -s: corpus ---------------------------------------------------------------


@needs_shared
def test_cfgtool_knet_31_two_nodes() -> None:
    status = parse_cfgtool((CORPUS / "corosync_cfgtool" / "cfs-knet-2node.txt").read_text())
    assert (status.local_node_id, status.transport) == (1, "knet")
    (link,) = status.links
    assert (link.id, link.address, link.status) == (0, "192.168.122.101", LinkStatus.OK)
    assert link.peers == (LinkPeer(1, "localhost"), LinkPeer(2, "connected"))


@needs_shared
def test_cfgtool_30_link_status_mixed_indent() -> None:
    text = (CORPUS / "corosync_cfgtool" / "hace-3.0-link-status-mixed-indent.txt").read_text()
    status = parse_cfgtool(text)
    assert (status.local_node_id, status.transport) == (1084780051, None)
    assert [(link.id, link.address, link.status, link.status_raw) for link in status.links] == [
        (0, "10.0.0.1", LinkStatus.OK, "OK"),
        (1, "172.16.0.1", LinkStatus.OK, "OK"),
    ]
    assert all(link.peers == () for link in status.links)


# --- corosync-cfgtool -s: captured from corosync 3.1.7 -------------------------------------------

# CAPTURED: cap1 and cap2 up, cap3 down; both links see node 3 disconnected.
CFGTOOL_31_PEER_DOWN = (
    "Local node ID 1, transport knet\n"
    "LINK ID 0 udp\n"
    "\taddr\t= 127.0.0.1\n"
    "\tstatus:\n"
    "\t\tnodeid:          1:\tlocalhost\n"
    "\t\tnodeid:          2:\tconnected\n"
    "\t\tnodeid:          3:\tdisconnected\n"
    "LINK ID 1 udp\n"
    "\taddr\t= 127.0.1.1\n"
    "\tstatus:\n"
    "\t\tnodeid:          1:\tlocalhost\n"
    "\t\tnodeid:          2:\tconnected\n"
    "\t\tnodeid:          3:\tdisconnected\n"
)

# CAPTURED: cap1 alone in a two-node cluster.
CFGTOOL_31_ALONE = (
    "Local node ID 1, transport knet\n"
    "LINK ID 0 udp\n"
    "\taddr\t= 127.0.0.1\n"
    "\tstatus:\n"
    "\t\tnodeid:          1:\tlocalhost\n"
    "\t\tnodeid:          2:\tdisconnected\n"
    "LINK ID 1 udp\n"
    "\taddr\t= 127.0.0.5\n"
    "\tstatus:\n"
    "\t\tnodeid:          1:\tlocalhost\n"
    "\t\tnodeid:          2:\tdisconnected\n"
)


def test_cfgtool_31_captured_peer_down_is_faulty() -> None:
    status = parse_cfgtool(CFGTOOL_31_PEER_DOWN)
    assert (status.local_node_id, status.transport) == (1, "knet")
    assert [(link.id, link.address, link.status) for link in status.links] == [
        (0, "127.0.0.1", LinkStatus.FAULTY),
        (1, "127.0.1.1", LinkStatus.FAULTY),
    ]
    assert status.links[0].peers[2] == LinkPeer(3, "disconnected")
    assert "3: disconnected" in status.links[0].status_raw
    alone = parse_cfgtool(CFGTOOL_31_ALONE)
    assert [(link.address, link.status) for link in alone.links] == [
        ("127.0.0.1", LinkStatus.FAULTY),
        ("127.0.0.5", LinkStatus.FAULTY),
    ]


# --- corosync-cfgtool -s: hand-written 1.x / 2.x rings (absent from the corpus) --------------------

# HAND-WRITTEN: corosync 1.x (openais stack), one healthy ring.
CFGTOOL_1X = (
    "Printing ring status.\n"
    "Local node ID 1694608576\n"
    "RING ID 0\n"
    "\tid\t= 192.168.1.101\n"
    "\tstatus\t= ring 0 active with no faults\n"
)

# HAND-WRITTEN: corosync 2.x RRP with ring 1 marked faulty.
CFGTOOL_2X_RRP_FAULTY = (
    "Printing ring status.\n"
    "Local node ID 16777226\n"
    "RING ID 0\n"
    "\tid\t= 10.0.0.1\n"
    "\tstatus\t= ring 0 active with no faults\n"
    "RING ID 1\n"
    "\tid\t= 10.0.1.1\n"
    "\tstatus\t= Marking ringid 1 interface 10.0.1.1 FAULTY\n"
)


def test_cfgtool_1x_and_2x_rings() -> None:
    status = parse_cfgtool(CFGTOOL_1X)
    assert (status.local_node_id, status.transport) == (1694608576, None)
    (ring,) = status.links
    assert (ring.id, ring.address, ring.status) == (0, "192.168.1.101", LinkStatus.OK)
    assert ring.status_raw == "ring 0 active with no faults"
    rrp = parse_cfgtool(CFGTOOL_2X_RRP_FAULTY)
    assert rrp.local_node_id == 16777226
    assert [(r.id, r.address, r.status) for r in rrp.links] == [
        (0, "10.0.0.1", LinkStatus.OK),
        (1, "10.0.1.1", LinkStatus.FAULTY),
    ]
    assert rrp.links[1].status_raw == "Marking ringid 1 interface 10.0.1.1 FAULTY"


def test_cfgtool_unknown_status_words_keep_raw() -> None:
    status = parse_cfgtool("LINK ID 0\n  addr = \n  status = n33\n")
    (link,) = status.links
    assert (link.address, link.status, link.status_raw) == (None, LinkStatus.UNKNOWN, "n33")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Could not initialize corosync configuration API error 2\n",
        "Printing ring status.\nLocal node ID 1\n",  # no ring at all
        "Printing ring status.\nLocal node ID 1\nRING ID 0\n\tid\t= 10.0.0.1\n",  # truncated
        CFGTOOL_31_ALONE.split("\t\tnodeid")[0],  # status: without node lines
        "RING ID 0\n\tid = 1\n\tstatus = OK\nRING ID 0\n\tid = 2\n\tstatus = OK\n",  # repeated id
        "\t\tnodeid:          1:\tlocalhost\n",  # node line outside a link
        "LINK ID 0\n\taddr = 1\n\tnodeid: 1: localhost\n",  # node line without status:
    ],
)
def test_cfgtool_malformed(text: str) -> None:
    with pytest.raises(ParseError):
        parse_cfgtool(text)


# --- corosync-quorumtool -s: corpus ------------------------------------------------------------


@needs_shared
def test_quorumtool_24_two_node_qdevice() -> None:
    status = parse_quorumtool((CORPUS / "corosync_quorumtool" / "hace-2.4-qdevice.txt").read_text())
    assert status.quorate is True
    assert (status.expected_votes, status.total_votes, status.quorum) == (2, 2, 1)
    assert (status.node_id, status.ring_id) == (1084783375, "1084783375/40")
    assert status.flags == ("2Node", "Quorate")
    assert status.members == (
        QuorumMember(1084783375, 1, "stefanotorresi-hana01", local=True, qdevice="NR"),
        QuorumMember(1084783376, 1, "stefanotorresi-hana02", local=False, qdevice="A,V,NMW"),
        QuorumMember(0, 1, "Qdevice"),
    )


@needs_shared
def test_quorumtool_23_three_nodes_qdevice() -> None:
    status = parse_quorumtool((CORPUS / "corosync_quorumtool" / "pcs-2.3-3node-qdevice.txt").read_text())
    assert status.quorate is True
    assert (status.expected_votes, status.total_votes, status.quorum) == (10, 10, 6)
    assert (status.node_id, status.ring_id) == (1, "19860")
    assert status.flags == ("Quorate", "Qdevice")
    assert [(m.node_id, m.votes, m.name, m.local, m.qdevice) for m in status.members] == [
        (1, 3, "rh70-node1", False, "A,V,MNW"),
        (2, 2, "rh70-node2", True, "A,V,MNW"),
        (3, 1, "rh70-node3", False, "A,V,MNW"),
        (0, 4, "Qdevice", False, None),
    ]


@needs_shared
def test_quorumtool_pcs_status_corosync_membership_only() -> None:
    text = (CORPUS / "corosync_quorumtool" / "cfs-pcs-status-corosync-membership.txt").read_text()
    status = parse_quorumtool(text)
    assert status.quorate is None
    assert (status.expected_votes, status.quorum, status.ring_id, status.flags) == (None, None, None, ())
    assert status.members == (QuorumMember(1, 1, "pcmk-1", local=True), QuorumMember(2, 1, "pcmk-2"))


@needs_shared
def test_every_corpus_sample_is_covered() -> None:
    names = {p.name for p in corpus_files("corosync_cfgtool") + corpus_files("corosync_quorumtool")}
    assert names == {
        "cfs-knet-2node.txt",
        "hace-3.0-link-status-mixed-indent.txt",
        "cfs-pcs-status-corosync-membership.txt",
        "hace-2.4-qdevice.txt",
        "pcs-2.3-3node-qdevice.txt",
    }


# --- corosync-quorumtool: captured from corosync 3.1.7 -------------------------------------------

# CAPTURED: -s with two of three nodes up (note the trailing spaces after Quorum and Flags values).
QUORUM_31_TWO_OF_THREE = (
    "Quorum information\n"
    "------------------\n"
    "Date:             Wed Nov 25 18:28:47 2026\n"
    "Quorum provider:  corosync_votequorum\n"
    "Nodes:            2\n"
    "Node ID:          1\n"
    "Ring ID:          1.9\n"
    "Quorate:          Yes\n"
    "\n"
    "Votequorum information\n"
    "----------------------\n"
    "Expected votes:   3\n"
    "Highest expected: 3\n"
    "Total votes:      2\n"
    "Quorum:           2  \n"
    "Flags:            Quorate \n"
    "\n"
    "Membership information\n"
    "----------------------\n"
    "    Nodeid      Votes Name\n"
    "         1          1 cap1 (local)\n"
    "         2          1 cap2\n"
)

# CAPTURED: -s on cap1 alone in a two-node cluster (exit status 2): not quorate, empty Flags.
QUORUM_31_BLOCKED = (
    "Quorum information\n"
    "------------------\n"
    "Date:             Wed Nov 25 18:28:23 2026\n"
    "Quorum provider:  corosync_votequorum\n"
    "Nodes:            1\n"
    "Node ID:          1\n"
    "Ring ID:          1.5\n"
    "Quorate:          No\n"
    "\n"
    "Votequorum information\n"
    "----------------------\n"
    "Expected votes:   2\n"
    "Highest expected: 2\n"
    "Total votes:      1\n"
    "Quorum:           2 Activity blocked\n"
    "Flags:            \n"
    "\n"
    "Membership information\n"
    "----------------------\n"
    "    Nodeid      Votes Name\n"
    "         1          1 cap1 (local)\n"
)

# CAPTURED: -l (what pcs status corosync wraps), with its leading blank line.
QUORUM_31_LIST = (
    "\n"
    "Membership information\n"
    "----------------------\n"
    "    Nodeid      Votes Name\n"
    "         1          1 cap1 (local)\n"
    "         2          1 cap2\n"
)


def test_quorumtool_31_captured() -> None:
    status = parse_quorumtool(QUORUM_31_TWO_OF_THREE)
    assert status.quorate is True
    assert (status.expected_votes, status.total_votes, status.quorum) == (3, 2, 2)
    assert (status.node_id, status.ring_id, status.flags) == (1, "1.9", ("Quorate",))
    assert status.members == (QuorumMember(1, 1, "cap1", local=True), QuorumMember(2, 1, "cap2"))
    blocked = parse_quorumtool(QUORUM_31_BLOCKED)
    assert blocked.quorate is False
    assert (blocked.expected_votes, blocked.total_votes, blocked.quorum) == (2, 1, 2)
    assert (blocked.ring_id, blocked.flags) == ("1.5", ())
    assert [m.name for m in blocked.members] == ["cap1"]
    listed = parse_quorumtool(QUORUM_31_LIST)
    assert listed.quorate is None
    assert [(m.node_id, m.name, m.local) for m in listed.members] == [(1, "cap1", True), (2, "cap2", False)]
    # CAPTURED as above with -i (addresses instead of names); the IPv6 row is HAND-WRITTEN.
    text = QUORUM_31_TWO_OF_THREE.replace("cap1 (local)", "127.0.0.1 (local)").replace("cap2", "127.0.0.2")
    text += "         3          1 fd00:10::3\n"
    names = [m.name for m in parse_quorumtool(text).members]
    assert names == ["127.0.0.1", "127.0.0.2", "fd00:10::3"]


# HAND-WRITTEN: -H (hex node ids) with a qdevice that lost its vote: 0 votes, "(votes 1)" configured;
# trailing space after a name; Ring ID in the 2.4 a/b form.
QUORUM_HEX_NONVOTING_QDEVICE = (
    "Quorum information\n"
    "------------------\n"
    "Date:             Tue Mar  3 10:00:00 2020\n"
    "Quorum provider:  corosync_votequorum\n"
    "Nodes:            2\n"
    "Node ID:          0x00000001\n"
    "Ring ID:          1/8\n"
    "Quorate:          Yes\n"
    "\n"
    "Votequorum information\n"
    "----------------------\n"
    "Expected votes:   3\n"
    "Highest expected: 3\n"
    "Total votes:      2\n"
    "Quorum:           2\n"
    "Flags:            Quorate WaitForAll Qdevice\n"
    "\n"
    "Membership information\n"
    "----------------------\n"
    "    Nodeid      Votes    Qdevice Name\n"
    "0x00000001          1   A,NV,NMW 192.168.111.110 (local)\n"
    "0x00000002          1   A,NV,NMW 192.168.111.111 \n"
    "0x00000000          0            Qdevice (votes 1)\n"
)


def test_quorumtool_hex_ids_and_nonvoting_qdevice() -> None:
    status = parse_quorumtool(QUORUM_HEX_NONVOTING_QDEVICE)
    assert (status.node_id, status.ring_id) == (1, "1/8")
    assert status.flags == ("Quorate", "WaitForAll", "Qdevice")
    assert status.members == (
        QuorumMember(1, 1, "192.168.111.110", local=True, qdevice="A,NV,NMW"),
        QuorumMember(2, 1, "192.168.111.111", local=False, qdevice="A,NV,NMW"),
        QuorumMember(0, 0, "Qdevice"),
    )
    # A pseudo-row without a Votes cell takes its votes from "(votes N)".
    text = "Membership information\n-----\n Nodeid  Votes Name\n      0         Qdevice (votes 1)\n"
    assert parse_quorumtool(text).members == (QuorumMember(0, 1, "Qdevice"),)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Cannot initialize QUORUM service\n",
        QUORUM_31_TWO_OF_THREE.split("Membership")[0],  # truncated before the membership table
        QUORUM_31_TWO_OF_THREE.split("         1   ")[0],  # header without rows
        QUORUM_31_TWO_OF_THREE.replace("Quorate:          Yes\n", ""),  # Quorate line lost
        QUORUM_31_TWO_OF_THREE.replace("Quorate:          Yes", "Quorate:          Maybe"),
        QUORUM_31_TWO_OF_THREE.replace("    Nodeid      Votes Name", "    Id Name"),
        QUORUM_31_TWO_OF_THREE + "garbage after the table\n",
        QUORUM_31_TWO_OF_THREE.replace("         2          1 cap2", "         2          1"),
        QUORUM_31_LIST + QUORUM_31_LIST,  # membership table twice
    ],
)
def test_quorumtool_malformed(text: str) -> None:
    with pytest.raises(ParseError):
        parse_quorumtool(text)


def test_quorumtool_error_names_line() -> None:
    bad = QUORUM_31_TWO_OF_THREE.replace("Total votes:      2", "Total votes:      two")
    with pytest.raises(ParseError) as caught:
        parse_quorumtool(bad, source="node1/quorum")
    assert (caught.value.source, caught.value.line) == ("node1/quorum", 14)
    assert "Total votes" in caught.value.snippet


# --- property tests: only ParseError (or a result) may come out ------------------------------------

SAMPLES = [CFGTOOL_31_PEER_DOWN, CFGTOOL_31_ALONE, CFGTOOL_1X, CFGTOOL_2X_RRP_FAULTY, QUORUM_31_LIST]
SAMPLES += [QUORUM_31_TWO_OF_THREE, QUORUM_31_BLOCKED, QUORUM_HEX_NONVOTING_QDEVICE]
if CORPUS.is_dir():
    SAMPLES += [p.read_text() for p in corpus_files("corosync_cfgtool") + corpus_files("corosync_quorumtool")]


def _only_parse_errors(text: str) -> None:
    for parse in (parse_cfgtool, parse_quorumtool):
        with contextlib.suppress(ParseError):
            parse(text)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_fuzz_random_text(text: str) -> None:
    _only_parse_errors(text)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(SAMPLES), st.data())
def test_fuzz_truncations_and_mutations(sample: str, data: st.DataObject) -> None:
    cut = data.draw(st.integers(0, len(sample)))
    _only_parse_errors(sample[:cut])
    chars = list(sample)
    for position, char in data.draw(st.lists(st.tuples(st.integers(0, 10_000), st.characters()), max_size=8)):
        chars[position % len(chars)] = char
    _only_parse_errors("".join(chars))
    lines = sample.split("\n")
    dropped = data.draw(st.integers(0, len(lines) - 1))
    _only_parse_errors("\n".join(lines[:dropped] + lines[dropped + 1 :]))
