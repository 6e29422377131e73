"""Provides ``SOURCES``: the one table of what hatui reads from a node, and how.

Each ``SourceSpec`` says everything about one source: its replay file name (also the key of
``NodeCapture.outputs`` and of a poll's batch), its interval family (``hatui.config.Family``), the
command it runs for each flavour of the stack field that picks it, the parser that reads it, the
``NodeReport`` field it fills and its label on the detail screen. Nothing else lists sources:
polling (``commands_for``), parsing (``hatui.sources.parse``), replay and capture
(``hatui.replay``) and the detail screens (``hatui.ui.details``) all read this table, and
``tests/unit/test_source_table.py`` checks that every entry has all its parts.

A flavour with no command (``ABSENT``, ``None`` = not detected, ``False``) simply has no entry in
``commands``: no lookup can turn it into a command.

Adding a data source (LVM, say) touches these files:

1. ``sources/table.py``: one ``SourceSpec`` (and, if it needs its own flavour, a ``StackInfo``
   field in ``model/stack.py`` with detection in ``sources/detect.py``);
2. ``parsers/<source>.py``: the parser, text in, model types out;
3. ``model/<source>.py``: those types, plus their field on ``NodeReport`` (``model/report.py``);
4. ``ui/widgets/<source>.py``: the pane that shows them (``SOURCES`` = the table names it shows).

A new interval family is one more ``Family`` member (``config.py``); an existing one needs nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from hatui.config import Family
from hatui.model.stack import CrmMonFlavour, DrbdFlavour, StackInfo, VmTool
from hatui.parsers.cluster_options import parse_cluster_options
from hatui.parsers.constraints import parse_constraints
from hatui.parsers.corosync import parse_cfgtool, parse_quorumtool
from hatui.parsers.crm_mon_text import parse_crm_mon_text
from hatui.parsers.crm_mon_xml import parse_crm_mon_xml
from hatui.parsers.domain_list import parse_virsh_list, parse_xen_list
from hatui.parsers.drbd9 import parse_drbdadm_status, parse_drbdsetup_json
from hatui.parsers.drbd_dump import parse_drbdadm_dump
from hatui.parsers.proc_drbd import parse_proc_drbd
from hatui.parsers.virsh_nodeinfo import parse_virsh_nodeinfo
from hatui.parsers.xen_info import parse_xen_info
from hatui.parsers.xentop import parse_xentop

Argv = tuple[str, ...]
Flavour = CrmMonFlavour | DrbdFlavour | VmTool | bool


@dataclass(frozen=True, slots=True)
class SourceSpec:
    """One source: see the module docstring."""

    name: str
    """Replay file name; the key of ``NodeCapture.outputs``, ``errors.json`` and the poll batch."""
    family: Family
    stack_field: str
    """The ``StackInfo`` field whose value picks the command (``crm_mon``, ``drbd``...)."""
    commands: Mapping[Flavour, Argv]
    """The argv for each flavour that has one; a flavour missing here runs nothing."""
    parse: Callable[[str, str], object]
    """``parse(text, source_name)``: raises ``ParseError`` on bad text."""
    report_field: str
    """The ``NodeReport`` field it fills. Several sources may fill one: the first that parses wins."""
    label: str
    """What the detail screen calls its raw output."""
    shared: bool = False
    """Every node prints the same cluster-wide text: parsed once per distinct text."""

    def command(self, stack: StackInfo) -> Argv | None:
        """The argv for a node running ``stack``, or None when this source does not apply."""
        flavour = getattr(stack, self.stack_field)
        if flavour is None:
            return None
        return self.commands.get(flavour)


_CRM_XML: Mapping[Flavour, Argv] = {
    CrmMonFlavour.OUTPUT_AS_XML: ("crm_mon", "--output-as=xml", "--one-shot", "--inactive", "--include=all"),
    CrmMonFlavour.AS_XML: ("crm_mon", "--as-xml", "--one-shot", "--inactive", "--operations"),
}
# Pacemaker 1.0 has no XML output; -r shows inactive resources, -f fail-counts.
_CRM_TEXT: Mapping[Flavour, Argv] = {CrmMonFlavour.TEXT: ("crm_mon", "-1", "-r", "-f")}
_CIBADMIN: Argv = ("cibadmin", "-Q", "--scope", "constraints")
_CRM_CONFIG: Argv = ("cibadmin", "-Q", "--scope", "crm_config")


def _xen(tool: str) -> Callable[[str, str], object]:
    return lambda text, source: parse_xen_list(text, tool, source)


def _xen_info(tool: str) -> Callable[[str, str], object]:
    return lambda text, source: parse_xen_info(text, tool, source)


# virsh has no one command for the host's total and free memory: both run into one output.
_VIRSH_MEMORY: Argv = ("sh", "-c", "virsh nodeinfo && virsh freecell")
# Two samples one second apart: the first sample's CPU% is always 0.0.
_XENTOP: Argv = ("xentop", "-b", "-i", "2", "-d", "1")


#: Every source, in the order their outputs are parsed (the first that parses fills its field).
SOURCES: tuple[SourceSpec, ...] = (
    SourceSpec(
        "crm_mon.xml", Family.PACEMAKER, "crm_mon", _CRM_XML, parse_crm_mon_xml, "pacemaker",
        "crm_mon (XML)", shared=True,
    ),
    SourceSpec(
        "crm_mon.txt", Family.PACEMAKER, "crm_mon", _CRM_TEXT, parse_crm_mon_text, "pacemaker",
        "crm_mon (text)", shared=True,
    ),
    SourceSpec(
        "proc_drbd", Family.DRBD, "drbd", {DrbdFlavour.PROC_8: ("cat", "/proc/drbd")},
        parse_proc_drbd, "drbd", "/proc/drbd",
    ),
    SourceSpec(
        "drbd_status.json", Family.DRBD, "drbd",
        {DrbdFlavour.JSON_9: ("drbdsetup", "status", "--json")}, parse_drbdsetup_json, "drbd",
        "drbdsetup status --json",
    ),
    SourceSpec(
        "drbdadm_status", Family.DRBD, "drbd", {DrbdFlavour.DRBDADM_9: ("drbdadm", "status")},
        parse_drbdadm_status, "drbd", "drbdadm status",
    ),
    # The configuration changes rarely: read it with the constraints.
    SourceSpec(
        "drbd_dump", Family.CONSTRAINTS, "drbd", {DrbdFlavour.PROC_8: ("drbdadm", "dump", "all")},
        parse_drbdadm_dump, "drbd_conf", "drbdadm dump all",
    ),
    SourceSpec(
        "xm_list", Family.DOMAINS, "vm_tool", {VmTool.XM: ("xm", "list")}, _xen("xm"), "domains", "xm list",
    ),
    SourceSpec(
        "xl_list", Family.DOMAINS, "vm_tool", {VmTool.XL: ("xl", "list")}, _xen("xl"), "domains", "xl list",
    ),
    SourceSpec(
        "virsh_list", Family.DOMAINS, "vm_tool", {VmTool.VIRSH: ("virsh", "list", "--all")},
        parse_virsh_list, "domains", "virsh list --all",
    ),
    SourceSpec(
        "xm_info", Family.DOMAINS, "vm_tool", {VmTool.XM: ("xm", "info")}, _xen_info("xm"), "memory",
        "xm info",
    ),
    SourceSpec(
        "xl_info", Family.DOMAINS, "vm_tool", {VmTool.XL: ("xl", "info")}, _xen_info("xl"), "memory",
        "xl info",
    ),
    SourceSpec(
        "virsh_nodeinfo", Family.DOMAINS, "vm_tool", {VmTool.VIRSH: _VIRSH_MEMORY}, parse_virsh_nodeinfo,
        "memory", "virsh nodeinfo && virsh freecell",
    ),
    SourceSpec(
        "xentop", Family.DOMAINS, "xentop", {True: _XENTOP}, parse_xentop, "loads", "xentop -b -i 2 -d 1",
    ),
    SourceSpec(
        "corosync_cfgtool", Family.COROSYNC, "corosync_tools", {True: ("corosync-cfgtool", "-s")},
        parse_cfgtool, "rings", "corosync-cfgtool -s",
    ),
    SourceSpec(
        # Corosync 1.x is "always quorate" without a quorum provider: Pacemaker's DC line tells it.
        "corosync_quorumtool", Family.COROSYNC, "corosync_quorum", {True: ("corosync-quorumtool", "-s")},
        parse_quorumtool, "quorum", "corosync-quorumtool -s",
    ),
    SourceSpec(
        "constraints.xml", Family.CONSTRAINTS, "crm_mon",
        dict.fromkeys((CrmMonFlavour.OUTPUT_AS_XML, CrmMonFlavour.AS_XML, CrmMonFlavour.TEXT), _CIBADMIN),
        parse_constraints, "constraints", "cibadmin -Q --scope constraints", shared=True,
    ),
    # Pacemaker 1.0's crm_mon text shows no cluster options (symmetric-cluster, maintenance-mode).
    SourceSpec(
        "crm_config.xml", Family.CONSTRAINTS, "crm_mon", {CrmMonFlavour.TEXT: _CRM_CONFIG},
        parse_cluster_options, "cluster_options", "cibadmin -Q --scope crm_config", shared=True,
    ),
)  # fmt: skip

#: Source name -> its spec.
BY_NAME: Mapping[str, SourceSpec] = {s.name: s for s in SOURCES}
#: Every replay file name, in table order.
SOURCE_NAMES: tuple[str, ...] = tuple(BY_NAME)


def commands_for(stack: StackInfo) -> dict[str, Argv]:
    """The argv per source name for a node running ``stack`` (sources that do not apply left out)."""
    return {s.name: argv for s in SOURCES if (argv := s.command(stack)) is not None}


def names_filling(*report_fields: str) -> tuple[str, ...]:
    """The names of the sources that fill any of ``report_fields``, in table order."""
    return tuple(s.name for s in SOURCES if s.report_field in report_fields)
