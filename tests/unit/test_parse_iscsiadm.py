"""iscsiadm -m session (plain, -P 1, -P 3) from the storage corpus, one test per sample, and what
is not a session list."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hatui.errors import ParseError
from hatui.parsers.iscsiadm import parse_iscsiadm_session
from support import CORPUS, needs_shared

pytestmark = needs_shared
STORAGE = CORPUS / "storage"


def sample(name: str) -> str:
    return (STORAGE / name).read_text(encoding="utf-8")


def test_plain_session_of_open_iscsi_2_0_871_without_flash_suffix() -> None:
    (s,) = parse_iscsiadm_session(sample("iscsiadm_session_debian_2.0-871_blog.txt"))
    assert (s.target, s.portal, s.sid) == ("iqn.2018-11.com:BEAN", "10.16.172.247:3260,1", 2)
    assert (s.connection_state, s.session_state, s.logged_in) == (None, None, None)


def test_plain_sessions_of_the_readme_without_the_colon() -> None:
    sessions = parse_iscsiadm_session(sample("iscsiadm_session_openiscsi_readme_doc.txt"))
    assert [(s.sid, s.portal, s.target) for s in sessions] == [
        (2, "10.15.84.19:3260,2", "iqn.1992-08.com.netapp:sn.33615311"),
        (3, "10.15.85.19:3260,3", "iqn.1992-08.com.netapp:sn.33615311"),
    ]


def test_p3_with_tabs_null_hwaddress_and_its_disk() -> None:
    (s,) = parse_iscsiadm_session(sample("iscsiadm_session_P3_debian_2.0-871_tabs_blog.txt"))
    assert (s.target, s.portal, s.sid) == ("iqn.2018-11.com:BEAN", "10.16.172.247:3260,1", 2)
    assert (s.connection_state, s.session_state, s.internal_state) == ("LOGGED IN", "LOGGED_IN", "NO CHANGE")
    assert s.logged_in is True and s.devices == ("sde",)


def test_p1_sessions_in_recovery_with_ipv6_portals() -> None:
    first, second = parse_iscsiadm_session(sample("iscsiadm_session_P1_transport_wait_yast.txt"))
    assert first.target == "iqn.2013-10.de.suse:test_file1"
    # The portal connected to (Current), not the configured one (Persistent).
    assert first.portal == "10.13.67.182:3260,1"
    assert second.portal == "[2620:113:80c0:890:e051:56:73c7:9171]:3260,1"
    for s in (first, second):
        assert (s.sid, s.connection_state, s.session_state, s.internal_state) == (
            1, "TRANSPORT WAIT", "FREE", "REOPEN",
        )  # fmt: skip
        assert s.logged_in is False


def test_p1_of_2007_has_no_session_state_line_and_reads_the_connection_state() -> None:
    (s,) = parse_iscsiadm_session(sample("iscsiadm_session_P1_openiscsi_readme_doc.txt"))
    assert (s.target, s.portal, s.sid) == ("iqn.1992-08.com.netapp:sn.33615311", "10.15.85.19:3260,3", 7)
    assert (s.connection_state, s.session_state, s.internal_state) == ("LOGGED IN", None, "NO CHANGE")
    assert s.logged_in is True


@pytest.mark.parametrize(
    "name",
    [
        "iscsiadm_node_openiscsi_readme_doc.txt",
        "iscsiadm_node_P1_openiscsi_readme_doc.txt",
        "iscsiadm_node_P1_ipv6_multi_iface_yast.txt",
        "iscsiadm_discovery_sendtargets_debian_2.0-871_blog.txt",
    ],
)
def test_node_and_discovery_records_are_not_sessions(name: str) -> None:
    """Targets a node knows of are not sessions it has: never read as "no session"."""
    with pytest.raises(ParseError, match="not an iscsiadm -m session line|without a session|no session"):
        parse_iscsiadm_session(sample(name))


def test_every_iscsiadm_sample_is_covered_above() -> None:
    here = Path(__file__).read_text(encoding="utf-8")
    names = [p.name for p in STORAGE.glob("iscsiadm_*.txt") if not p.name.endswith(".source.txt")]
    assert len(names) == 9 and [n for n in names if n not in here] == []


@pytest.mark.parametrize("text", ["", "\n", "iscsiadm: No active sessions.\n"])
def test_no_session_is_an_empty_list(text: str) -> None:
    assert parse_iscsiadm_session(text) == ()


def test_several_sessions_of_one_target_and_a_newer_flash_suffix() -> None:
    text = (
        "Target: iqn.2026-01.vstor1:xen (non-flash)\n"
        "\tCurrent Portal: 10.0.0.9:3260,1\n\tPersistent Portal: 10.0.0.9:3260,1\n"
        "\t\tSID: 4\n\t\tiSCSI Connection State: LOGGED IN\n\t\tiSCSI Session State: LOGGED_IN\n"
        "\t\tInternal iscsid Session State: NO CHANGE\n"
        "\tCurrent Portal: 10.0.1.9:3260,1\n\tPersistent Portal: 10.0.1.9:3260,1\n"
        "\t\tSID: 5\n\t\tiSCSI Connection State: TRANSPORT WAIT\n\t\tiSCSI Session State: FAILED\n"
        "\t\tInternal iscsid Session State: REOPEN\n"
    )
    up, down = parse_iscsiadm_session(text)
    assert (up.target, up.portal, up.sid, up.logged_in) == (
        "iqn.2026-01.vstor1:xen",
        "10.0.0.9:3260,1",
        4,
        True,
    )
    assert (down.portal, down.sid, down.session_state, down.logged_in) == (
        "10.0.1.9:3260,1",
        5,
        "FAILED",
        False,
    )
    (plain,) = parse_iscsiadm_session("tcp: [4] 10.0.0.9:3260,1 iqn.2026-01.vstor1:xen (non-flash)\n")
    assert (plain.target, plain.sid) == ("iqn.2026-01.vstor1:xen", 4)


@pytest.mark.parametrize(
    "text",
    [
        "iscsiadm: could not read session targetname: 5\n",
        "Target: iqn.x\n\tCurrent Portal: 1.2.3.4:3260,1\n\t\tSID: four\n",
        "garbage\n",
    ],
)
def test_anything_else_is_a_parse_error(text: str) -> None:
    with pytest.raises(ParseError):
        parse_iscsiadm_session(text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("Target: SID\t\n[]0123456789.,iqnLOGED_IN*")), max_size=200))
def test_random_text_is_read_or_refused_never_a_crash(text: str) -> None:
    with contextlib.suppress(ParseError):
        parse_iscsiadm_session(text)
