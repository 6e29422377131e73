"""The source table holds every source together, and no absent tool ever becomes a command."""

from __future__ import annotations

import inspect
import itertools
from dataclasses import fields
from enum import StrEnum
from pathlib import Path

import pytest

from hatui.actions.commands import tools_for
from hatui.actions.commands_drbd import vm_console, vm_free_memory
from hatui.config import DEFAULT_INTERVALS, Family
from hatui.errors import ActionRefused
from hatui.model.capture import NodeCapture
from hatui.model.report import NodeReport
from hatui.model.stack import FLAVOURS, CrmMonFlavour, DrbdFlavour, LvmFlavour, StackInfo, VmTool
from hatui.sources.parse import build_report
from hatui.sources.table import SOURCE_NAMES, SOURCES, commands_for
from hatui.ui.details import (
    COROSYNC_SOURCES,
    DOMAIN_SOURCES,
    DRBD_SOURCES,
    PACEMAKER_SOURCES,
    STORAGE_SOURCES,
)

REPLAYS = Path(__file__).resolve().parent.parent / "replays"
REPORT_FIELDS = {f.name for f in fields(NodeReport)}
#: A flavour value no command may be built for: not detected (None), detected absent, tool missing.
NO_TOOL = (None, False, *(e.ABSENT for e in FLAVOURS.values()))  # type: ignore[attr-defined]


def _every_stack() -> list[StackInfo]:
    """Every combination of flavours a node can be detected with (ABSENT and None included)."""
    choices = [[None, *FLAVOURS[f]] for f in ("crm_mon", "drbd", "vm_tool", "lvm")]
    tools = (None, frozenset(), frozenset({"iscsiadm", "df"}))
    stacks = []
    for crm, drbd, vm, lvm, coro, found in itertools.product(*choices, (None, False, True), tools):
        stacks.append(
            StackInfo(crm_mon=crm, drbd=drbd, vm_tool=vm, lvm=lvm, corosync_tools=coro, tools=found)
        )
    return stacks


@pytest.mark.parametrize("spec", SOURCES, ids=lambda s: s.name)
def test_every_entry_has_all_its_parts(spec) -> None:  # type: ignore[no-untyped-def]
    assert spec.name and "/" not in spec.name
    assert isinstance(spec.family, Family) and spec.family in DEFAULT_INTERVALS
    assert spec.report_field in REPORT_FIELDS - {"node", "stack", "errors", "raw"}
    assert spec.label.strip()
    assert callable(spec.parse) and len(inspect.signature(spec.parse).parameters) >= 2
    # A field, or a property derived from fields (``corosync_quorum``).
    derived = isinstance(getattr(StackInfo, spec.stack_field, None), property)
    assert spec.stack_field in {f.name for f in fields(StackInfo)} or derived
    assert spec.commands, f"{spec.name} has no command for any flavour"
    flavour_type = FLAVOURS.get(spec.stack_field, bool)
    for flavour, argv in spec.commands.items():
        assert isinstance(flavour, flavour_type), (spec.name, flavour)
        assert argv and all(isinstance(a, str) and a for a in argv)
    # Each detail screen shows the raw output of the sources behind it.
    shown = PACEMAKER_SOURCES + DRBD_SOURCES + DOMAIN_SOURCES + COROSYNC_SOURCES + STORAGE_SOURCES
    assert spec.name in shown


def test_the_readme_lists_every_replay_file() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Replay and capture", 1)[1]
    assert [n for n in SOURCE_NAMES if f"`{n}`" not in section] == []


def test_names_are_unique_and_every_family_is_polled() -> None:
    assert len(SOURCE_NAMES) == len(set(SOURCE_NAMES))
    assert {s.family for s in SOURCES} == set(Family)


def test_no_absent_or_undetected_flavour_yields_a_command() -> None:
    for spec in SOURCES:
        for flavour in NO_TOOL:
            assert flavour not in spec.commands, (spec.name, flavour)
            # Also a lookup with the old plain string: "absent" finds nothing either.
            if flavour is not None and flavour is not False:
                assert spec.commands.get(str(flavour)) is None  # type: ignore[call-overload]
    nothing = StackInfo(
        crm_mon=CrmMonFlavour.ABSENT,
        drbd=DrbdFlavour.ABSENT,
        vm_tool=VmTool.ABSENT,
        corosync_tools=False,
        lvm=LvmFlavour.ABSENT,
        tools=frozenset(),
    )
    assert commands_for(nothing) == {}
    assert commands_for(StackInfo()) == {}


def test_each_detected_flavour_polls_exactly_one_source_per_field() -> None:
    """A node with a tool reads one output per report field, never two competing ones."""
    for stack in _every_stack():
        names = commands_for(stack)
        per_field: dict[str, list[str]] = {}
        for spec in SOURCES:
            if spec.name in names and spec.report_field != "constraints":
                per_field.setdefault(spec.report_field, []).append(spec.name)
        assert all(len(v) == 1 for v in per_field.values()), (stack, per_field)
        if isinstance(stack.crm_mon, CrmMonFlavour) and stack.crm_mon is not CrmMonFlavour.ABSENT:
            assert "pacemaker" in per_field and "constraints.xml" in names
        if stack.vm_tool in (None, VmTool.ABSENT):
            assert "domains" not in per_field


def test_a_node_without_a_vm_tool_gets_no_memory_or_console_command() -> None:
    """It used to get ``("absent", "info")`` and ``("xl", "console", ...)``."""
    tools = tools_for(StackInfo(vm_tool=VmTool.ABSENT))
    assert vm_free_memory(node="n1", tools=tools) is None
    with pytest.raises(ActionRefused, match="no xl, xm or virsh"):
        vm_console("vm1", node="n1", tools=tools)
    for tool in (VmTool.XL, VmTool.XM, VmTool.VIRSH):
        t = tools_for(StackInfo(vm_tool=tool))
        memory = vm_free_memory(node="n1", tools=t)
        assert memory is not None and memory.argv[0] == tool.value
        assert vm_console("vm1", node="n1", tools=t).argv == (tool.value, "console", "vm1")


def test_stack_reads_old_manifest_strings_and_writes_them_back() -> None:
    old = {"crm_mon": "as-xml", "drbd": "8", "vm_tool": "xm", "crm_shell": "crmsh", "corosync_tools": True}
    stack = StackInfo.from_json({**old, "from_a_newer_hatui": "x"})
    assert stack.crm_mon is CrmMonFlavour.AS_XML and stack.vm_tool is VmTool.XM
    assert stack.crm_mon == "as-xml"  # still equal to the old string
    assert {k: v for k, v in stack.to_json().items() if v is not None} == old
    assert all(not isinstance(v, StrEnum) for v in stack.to_json().values())
    with pytest.raises(ValueError, match="kvm"):
        StackInfo.from_json({"vm_tool": "kvm"})


def test_table_parsers_read_the_replays() -> None:
    """Each entry's parser, called as build_report calls it, fills its field from the replays' files."""
    seen: set[str] = set()
    for spec in SOURCES:
        sample = next((p for p in sorted(REPLAYS.rglob(spec.name)) if p.is_file()), None)
        if sample is None:
            continue
        report = build_report(NodeCapture("n1", outputs={spec.name: sample.read_text(errors="replace")}))
        assert getattr(report, spec.report_field) is not None, (spec.name, sample, report.errors)
        seen.add(spec.name)
    assert {
        "crm_mon.xml",
        "proc_drbd",
        "xm_list",
        "drbd_dump",
        "corosync_cfgtool",
        "corosync_quorumtool",
        "xm_info",
        "xentop",
    } <= seen, seen
