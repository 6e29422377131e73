"""Tests for the xm/xl list and virsh list parsers: corpus samples, hand-written gaps, malformed input."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hatui.errors import ParseError
from hatui.model.words import DomainState
from hatui.parsers.domain_list import parse_virsh_list, parse_xen_list
from support import CORPUS, corpus_files, needs_shared

# --- corpus samples ------------------------------------------------------------------------------


@needs_shared
def test_xm_list_ganeti_dom0_only() -> None:
    text = (CORPUS / "xen_list" / "ganeti-xm-4.0.1-dom0-only.txt").read_text()
    (dom0,) = parse_xen_list(text)
    assert dom0.name == "Domain-0"
    assert dom0.id == 0
    assert dom0.memory_mib == 1023
    assert dom0.vcpus == 1
    assert dom0.state is DomainState.RUNNING
    assert dom0.state_raw == "r-----"
    assert dom0.cpu_time_s == pytest.approx(121152.6)
    assert dom0.tool == "xm"
    assert dom0.is_host


@needs_shared
def test_xm_uptime_is_not_a_list() -> None:
    # The uptime table shares the corpus folder; its header must not be taken for a list.
    text = (CORPUS / "xen_list" / "ganeti-xm-uptime-4.0.1.txt").read_text()
    with pytest.raises(ParseError, match="header"):
        parse_xen_list(text)


@needs_shared
def test_every_xen_list_sample_is_covered() -> None:
    names = {p.name for p in corpus_files("xen_list")}
    assert names == {"ganeti-xm-4.0.1-dom0-only.txt", "ganeti-xm-uptime-4.0.1.txt"}


@needs_shared
def test_xm_list_long_sxp_is_refused() -> None:
    for path in corpus_files("xen_list_long_sxp"):
        with pytest.raises(ParseError):
            parse_xen_list(path.read_text())


@needs_shared
def test_virsh_list_libvirt_one_running() -> None:
    text = (CORPUS / "virsh_list" / "libvirt-test-one-running.txt").read_text()
    (dom,) = parse_virsh_list(text)
    assert (dom.name, dom.id, dom.state, dom.state_raw) == ("test", 1, DomainState.RUNNING, "running")
    assert dom.memory_mib is None
    assert dom.vcpus is None
    assert dom.cpu_time_s is None
    assert dom.tool == "virsh"
    assert not dom.is_host
    assert [p.name for p in corpus_files("virsh_list")] == ["libvirt-test-one-running.txt"]


# --- hand-written cases: the corpus has no xl list with these features (INDEX.md "Gaps") ----------

# HAND-WRITTEN: xl list with the TAB-separated header other public captures show, a name longer than
# the Name column, a dying "(null)" domain, a domid above 28000, and paused/crashed/shutdown flags.
XL_LIST = (
    "Name                                        ID   Mem VCPUs\tState\tTime(s)\n"
    "Domain-0                                     0  4096     4     r-----    8123.4\n"
    "web3106215069.example.com.very-long-name-here 12  2048     2     -b----     512.0\n"
    "(null)                                      27     0     1     --ps-d       3.2\n"
    "db1                                      28415  1024     1     -b----      10.7\n"
    "frozen                                      30   512     1     --p---       0.9\n"
    "broken                                      31   512     1     ----c-       1.0\n"
    "leaving                                     32   512     1     ---s--       2.5\n"
    "runnable                                    33   256     1     ------       0.1\n"
)


def test_xl_list_hand_written() -> None:
    domains = parse_xen_list(XL_LIST, tool="xl", source="xl_list")
    by_name = {d.name: d for d in domains}
    assert [d.name for d in domains][:3] == [
        "Domain-0",
        "web3106215069.example.com.very-long-name-here",
        "(null)",
    ]
    assert all(d.tool == "xl" for d in domains)
    long = by_name["web3106215069.example.com.very-long-name-here"]
    assert (long.id, long.memory_mib, long.vcpus, long.state) == (12, 2048, 2, DomainState.BLOCKED)
    assert long.cpu_time_s == pytest.approx(512.0)
    dying = by_name["(null)"]
    assert (dying.id, dying.memory_mib, dying.state, dying.state_raw) == (27, 0, DomainState.DYING, "--ps-d")
    assert by_name["db1"].id == 28415
    assert by_name["frozen"].state is DomainState.PAUSED
    assert by_name["broken"].state is DomainState.CRASHED
    assert by_name["leaving"].state is DomainState.SHUTDOWN
    assert by_name["runnable"].state is DomainState.RUNNING
    assert [d.name for d in domains if d.is_host] == ["Domain-0"]


# HAND-WRITTEN: xend-managed domains that are not running print no ID and no State; a name with a
# space is kept whole (xm accepts it), and a trailing blank line is ignored.
XM_MANAGED = (
    "Name                                        ID   Mem VCPUs      State   Time(s)\n"
    "Domain-0                                     0  1023     1     r----- 121152.6\n"
    "vm01                                             512     1                 0.0\n"
    "old guest 2                                 14   256     1     -b----     33.0\n"
    "\n"
)


def test_xm_list_managed_inactive_and_spaced_name() -> None:
    dom0, vm01, spaced = parse_xen_list(XM_MANAGED)
    assert dom0.is_host
    assert (vm01.name, vm01.id, vm01.state, vm01.state_raw) == ("vm01", None, DomainState.SHUT_OFF, "")
    assert (vm01.memory_mib, vm01.vcpus, vm01.cpu_time_s) == (512, 1, 0.0)
    assert not vm01.is_active
    assert (spaced.name, spaced.id, spaced.state) == ("old guest 2", 14, DomainState.BLOCKED)


def test_xen_list_header_only_is_empty_and_crlf_is_tolerated() -> None:
    header = "Name                                        ID   Mem VCPUs      State   Time(s)\r\n"
    assert parse_xen_list(header) == ()


# HAND-WRITTEN: virsh list --all of current libvirt (column width from the longest name), with the
# inactive "-" rows and the two-word states the corpus lacks.
VIRSH_ALL = (
    " Id   Name              State\n"
    "----------------------------------\n"
    " 1    web01             running\n"
    " 2    db01              paused\n"
    " 3    batch             in shutdown\n"
    " 5    sleeper           pmsuspended\n"
    " 6    oops              crashed\n"
    " 7    waiting           idle\n"
    " -    archive-2019      shut off\n"
    " -    template vm       shut off\n"
    "\n"
)


def test_virsh_list_all_hand_written() -> None:
    domains = parse_virsh_list(VIRSH_ALL)
    got = [(d.id, d.name, d.state, d.state_raw) for d in domains]
    assert got == [
        (1, "web01", DomainState.RUNNING, "running"),
        (2, "db01", DomainState.PAUSED, "paused"),
        (3, "batch", DomainState.SHUTDOWN, "in shutdown"),
        (5, "sleeper", DomainState.PMSUSPENDED, "pmsuspended"),
        (6, "oops", DomainState.CRASHED, "crashed"),
        (7, "waiting", DomainState.IDLE, "idle"),
        (None, "archive-2019", DomainState.SHUT_OFF, "shut off"),
        (None, "template vm", DomainState.SHUT_OFF, "shut off"),
    ]
    assert [d.is_active for d in domains].count(False) == 2
    assert not any(d.is_host for d in domains)


# HAND-WRITTEN: the old fixed layout (" %-5s %-30s %s", 52-char rule); a name longer than 30
# characters pushes State right, and an unknown (translated) state word falls back to the header
# column or the last word, kept raw.
VIRSH_OLD = (
    " Id    Name                           State\n"
    "----------------------------------------------------\n"
    " 4     a-very-long-domain-name-over-thirty-chars running\n"
    " 9     guest                          laufend\n"
    " -     guest2                         ausgeschaltet\n"
)


def test_virsh_list_old_fixed_layout() -> None:
    long, translated, off = parse_virsh_list(VIRSH_OLD)
    assert (long.id, long.name, long.state) == (
        4,
        "a-very-long-domain-name-over-thirty-chars",
        DomainState.RUNNING,
    )
    assert (translated.name, translated.state, translated.state_raw) == (
        "guest",
        DomainState.UNKNOWN,
        "laufend",
    )
    assert (off.id, off.name, off.state_raw) == (None, "guest2", "ausgeschaltet")


def test_virsh_list_header_only_is_empty() -> None:
    assert parse_virsh_list(" Id   Name   State\n-------------------\n\n") == ()
    assert parse_virsh_list(" Id    Name                           State\n" + "-" * 52 + "\n") == ()


# --- malformed input ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\n\n",
        "error: failed to connect to the hypervisor\n",
        "Name ID Mem VCPUs State\n",
        XL_LIST.splitlines()[0] + "\nDomain-0     0  4096     4",  # truncated mid-row
        XL_LIST.splitlines()[0] + "\nDomain-0   0  lots  4  r-----  1.0\n",
        XL_LIST.splitlines()[0] + "\nDomain-0   0  4096  4  r-----  8123\n",  # cut inside the time
        XL_LIST + "libxl: error: libxl.c:123: something\n",
    ],
)
def test_xen_list_malformed(text: str) -> None:
    with pytest.raises(ParseError):
        parse_xen_list(text)


def test_xen_list_error_names_source_and_line() -> None:
    text = XL_LIST.splitlines()[0] + "\nDomain-0     0  4096     4\n"
    with pytest.raises(ParseError) as caught:
        parse_xen_list(text, source="xl_list")
    assert caught.value.source == "xl_list"
    assert caught.value.line == 2
    assert caught.value.snippet.startswith("Domain-0")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "error: failed to connect to the hypervisor\n",
        " Id   Name   State\n",  # truncated before the rule
        " Id   Name   State\n 1    test   running\n",  # rule missing
        " Id   Name   State\n----------------\n x    test   running\n",
        " Id   Name   State\n----------------\n 1\n",
        " Id   Name   State\n----------------\n 1    running\n",
    ],
)
def test_virsh_list_malformed(text: str) -> None:
    with pytest.raises(ParseError):
        parse_virsh_list(text)


# --- property tests: only ParseError (or a result) may come out ------------------------------------

SAMPLES = [XL_LIST, XM_MANAGED, VIRSH_ALL, VIRSH_OLD]
if CORPUS.is_dir():
    SAMPLES += [p.read_text() for p in corpus_files("xen_list") + corpus_files("virsh_list")]


def _mutate(text: str, edits: list[tuple[int, str]]) -> str:
    chars = list(text)
    for position, char in edits:
        if chars:
            chars[position % len(chars)] = char
    return "".join(chars)


def _only_parse_errors(text: str) -> None:
    for parse in (parse_xen_list, parse_virsh_list):
        with contextlib.suppress(ParseError):
            parse(text)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text())
def test_fuzz_random_text(text: str) -> None:
    _only_parse_errors(text)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(SAMPLES), st.data())
def test_fuzz_truncations_and_mutations(sample: str, data: st.DataObject) -> None:
    cut = data.draw(st.integers(0, len(sample)))
    _only_parse_errors(sample[:cut])
    edits = data.draw(st.lists(st.tuples(st.integers(0, 10_000), st.characters()), max_size=8))
    _only_parse_errors(_mutate(sample, edits))
