"""Tests for the host parsers: xm/xl info, virsh nodeinfo + freecell and xentop (corpus, gaps, bad input)."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hatui.errors import ParseError
from hatui.model.capture import NodeCapture
from hatui.model.host import DomainLoad, load_for
from hatui.model.words import DomainState
from hatui.parsers.virsh_nodeinfo import parse_virsh_nodeinfo
from hatui.parsers.xen_info import parse_xen_info
from hatui.parsers.xentop import parse_xentop
from hatui.sources.parse import build_report
from support import CORPUS, corpus_files, needs_shared

XENTOP_HEADER = (
    "      NAME  STATE   CPU(sec) CPU(%)     MEM(k) MEM(%)  MAXMEM(k) MAXMEM(%) VCPUS NETS NETTX(k) "
    "NETRX(k) VBDS   VBD_OO   VBD_RD   VBD_WR SSID"
)


def _xentop_row(name: str, flags: str, cpu: float, mem_k: int) -> str:
    rest = "     1    0 0 0 0 0 0 0 0"
    return f"{name:>10} {flags}      22157 {cpu:6.1f} {mem_k:10d}    2.3 {mem_k:10d}       2.3{rest}"


# --- corpus ------------------------------------------------------------------------------------


@needs_shared
def test_xm_info_xen_4_0_1() -> None:
    mem = parse_xen_info((CORPUS / "xen_info" / "ganeti-xm-info-4.0.1.txt").read_text())
    assert (mem.total_mib, mem.free_mib, mem.source) == (16378, 8004, "xm info")


@needs_shared
def test_xl_info_debian_12() -> None:
    (path,) = corpus_files("storage", "xl_info_*.txt")
    mem = parse_xen_info(path.read_text(), "xl", "xl_info")
    assert (mem.total_mib, mem.free_mib, mem.source) == (4063, 2995, "xl info")


@needs_shared
def test_virsh_nodeinfo_test_driver_with_freecell() -> None:
    (path,) = corpus_files("storage", "virsh_nodeinfo_*.txt")
    alone = parse_virsh_nodeinfo(path.read_text())
    assert (alone.total_mib, alone.free_mib) == (3072, None)
    # The source prints freecell after nodeinfo; KiB both.
    mem = parse_virsh_nodeinfo(path.read_text() + "Total: 2097152 KiB\n")
    assert (mem.total_mib, mem.free_mib, mem.source) == (3072, 2048, "virsh nodeinfo")


@needs_shared
def test_xentop_one_sample_repeated_headers_and_names_with_spaces() -> None:
    (path,) = corpus_files("storage", "xentop_batch_i1_*.txt")
    loads = {d.name: d for d in parse_xentop(path.read_text())}
    assert {"Domain-0", "h-vm-03-sample", "r-vm-06 proxy", "s-vm 007", "xvm"} <= set(loads)
    assert len(loads) == 9
    # One sample only: its CPU% is xentop's meaningless first 0.0, so there is none.
    assert all(d.cpu_percent is None for d in loads.values())
    vm = loads["s-vm 007"]
    assert (vm.memory_kib, vm.vcpus, vm.cpu_time_s, vm.state_raw) == (8388596, 4, 40174.0, "--b---")
    assert vm.as_domain().state is DomainState.BLOCKED


@needs_shared
def test_xentop_xen3_columns_keeps_the_last_of_eight_samples() -> None:
    (path,) = corpus_files("storage", "xentop_batch_xen3x_*.txt")
    (dom0,) = parse_xentop(path.read_text())
    assert dom0.name == "Domain-0" and dom0.cpu_percent == 0.5 and dom0.cpu_time_s == 22158.0
    assert dom0.as_domain().is_host and dom0.as_domain().state is DomainState.RUNNING


@needs_shared
def test_xentop_interactive_screen_skips_the_summary_and_reads_no_limit() -> None:
    (path,) = corpus_files("storage", "xentop_interactive_*.txt")
    dom0, vm = parse_xentop(path.read_text())
    assert (dom0.name, dom0.memory_kib) == ("Domain-0", 1048576)
    assert (vm.name, vm.memory_kib, vm.as_domain().memory_mib) == ("virtual1", 31457280, 30720)


# --- written gaps -----------------------------------------------------------------------------


def test_xentop_two_samples_cpu_percent_from_the_second_and_xentop_flag_order() -> None:
    text = "\n".join(
        [
            XENTOP_HEADER,
            _xentop_row("Domain-0", "-----r", 0.0, 524288),
            _xentop_row("sentinel", "--b---", 0.0, 524288),
            _xentop_row("very-long-", "-----r", 0.0, 1048576),
            XENTOP_HEADER,
            _xentop_row("Domain-0", "-----r", 3.1, 524288),
            _xentop_row("sentinel", "--b---", 12.5, 524288),
            _xentop_row("very-long-", "----p-", 40.0, 1048576),
        ]
    )
    loads = parse_xentop(text)
    assert [(d.name, d.cpu_percent) for d in loads] == [
        ("Domain-0", 3.1),
        ("sentinel", 12.5),
        ("very-long-", 40.0),
    ]
    # xentop's flags are d s b c p r: "----p-" is paused, "-----r" running (xm's order differs).
    assert loads[2].as_domain().state is DomainState.PAUSED
    assert loads[0].as_domain().state is DomainState.RUNNING
    # Without -f xentop cuts names to 10 characters: the cut row still belongs to its domain.
    assert load_for("very-long-name", loads) is loads[2]
    assert load_for("sentinel2", loads) is None


def test_a_cut_name_two_domains_share_is_nobodys() -> None:
    a = DomainLoad("webserver-", "--b---", 1.0, 5.0, 1024, 1)
    b = DomainLoad("webserver-", "--b---", 1.0, 7.0, 1024, 1)
    assert load_for("webserver-one", (a, b)) is None


def test_virsh_freecell_per_cell_lines_are_summed_and_old_kb_is_read() -> None:
    text = "CPU(s):              4\nMemory size:         8388608 kB\n\n"
    text += "    0:     1048576 KiB\n    1:     1048576 KiB\n"
    assert parse_virsh_nodeinfo(text).free_mib == 2048
    total = text + "--------------------\nTotal:     3145728 KiB\n"
    assert parse_virsh_nodeinfo(total).free_mib == 3072


def test_xentop_only_node_lists_its_domains_with_cpu() -> None:
    text = "\n".join(
        [
            XENTOP_HEADER,
            _xentop_row("Domain-0", "-----r", 0.0, 524288),
            _xentop_row("vm1", "--b---", 0.0, 1048576),
        ]
        + [
            XENTOP_HEADER,
            _xentop_row("Domain-0", "-----r", 1.0, 524288),
            _xentop_row("vm1", "--b---", 9.5, 1048576),
        ]
    )
    report = build_report(NodeCapture("n1", outputs={"xentop": text}))
    assert report.domains is not None
    guests = [d for d in report.domains if not d.is_host]
    assert [(d.name, d.memory_mib, d.cpu_percent, d.tool) for d in guests] == [("vm1", 1024, 9.5, "xentop")]


def test_xm_list_domains_get_cpu_percent_from_xentop() -> None:
    xm = "Name   ID   Mem VCPUs      State   Time(s)\nDomain-0  0  512  1  r-----  10.0\n"
    xm += "sentinel-long-name  3  512  1  -b----  8.0\n"
    top = "\n".join(
        [XENTOP_HEADER, _xentop_row("sentinel-l", "--b---", 0.0, 524288)]
        + [XENTOP_HEADER, _xentop_row("sentinel-l", "--b---", 22.0, 524288)]
    )
    report = build_report(
        NodeCapture("n1", outputs={"xm_list": xm, "xentop": top, "xm_info": "free_memory : 7\n"})
    )
    assert report.domains is not None and report.errors == ()
    assert [(d.name, d.cpu_percent, d.tool) for d in report.domains] == [
        ("Domain-0", None, "xm"),
        ("sentinel-long-name", 22.0, "xm"),
    ]
    assert report.memory is not None and report.memory.free_mib == 7 and report.memory.total_mib is None


# --- bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "",
        "host : x\nrelease : 3.2\n",
        "total_memory : lots\n",
        "this line has no colon\ntotal_memory : 5\n",
    ],
)
def test_xen_info_bad_input(text: str) -> None:
    with pytest.raises(ParseError):
        parse_xen_info(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "CPU(s): 4\n",
        "Memory size: many\n",
        "Memory size: 1024 KiB\nnonsense line\n",
        "Memory size: 10 MiB\n",
    ],
)
def test_virsh_nodeinfo_bad_input(text: str) -> None:
    with pytest.raises(ParseError):
        parse_virsh_nodeinfo(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Domain-0 -----r 1 0.0 5\n",
        XENTOP_HEADER + "\n  Domain-0 -----r\n",
        XENTOP_HEADER + "\n" + _xentop_row("vm1", "running", 0.0, 5),
        XENTOP_HEADER + "\n" + _xentop_row("vm1", "--b---", 0.0, 5).replace(" 0.0 ", " x.y "),
    ],
)
def test_xentop_bad_input(text: str) -> None:
    with pytest.raises(ParseError):
        parse_xentop(text)


def test_xentop_header_without_rows_is_no_domains() -> None:
    assert parse_xentop(XENTOP_HEADER + "\n") == ()


@given(st.text(max_size=300))
def test_parsers_never_raise_anything_but_parse_error(text: str) -> None:
    for parse in (parse_xen_info, parse_virsh_nodeinfo, parse_xentop):
        with contextlib.suppress(ParseError):
            parse(text)
