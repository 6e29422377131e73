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

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from hatui.config import Family
from hatui.model.stack import CrmMonFlavour, DrbdFlavour, LvmFlavour, StackInfo, VmTool
from hatui.parsers.lvm import LV_FIELDS, PV_FIELDS, VG_FIELDS

Argv = tuple[str, ...]
Flavour = CrmMonFlavour | DrbdFlavour | VmTool | LvmFlavour | bool


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
    empty_statuses: frozenset[int] = frozenset()
    """Exit statuses that mean "nothing to list" (iscsiadm's 21, ``No active sessions.`` on
    stderr): the empty stdout is the output, not an error."""

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


def _parser(module: str, name: str, *args: str) -> Callable[[str, str], object]:
    """``hatui.parsers.<module>.<name>(text, *args, source)``, the module imported on first use.

    A node answers only some of the sources (a 2010 stack has no DRBD 9 JSON, today's no crm_mon
    text): ``hatui --once`` imports the parsers of the outputs it reads, not all of them.
    """

    def parse(text: str, source: str) -> object:
        found = getattr(importlib.import_module(f"hatui.parsers.{module}"), name)
        return found(text, *args, source)

    parse.__qualname__ = parse.__name__ = name
    return parse


def _xen(tool: str) -> Callable[[str, str], object]:
    return _parser("domain_list", "parse_xen_list", tool)


def _xen_info(tool: str) -> Callable[[str, str], object]:
    return _parser("xen_info", "parse_xen_info", tool)


# virsh has no one command for the host's total and free memory: both run into one output.
_VIRSH_MEMORY: Argv = ("sh", "-c", "virsh nodeinfo && virsh freecell")
# Two samples one second apart: the first sample's CPU% is always 0.0.
_XENTOP: Argv = ("xentop", "-b", "-i", "2", "-d", "1")


def _lvm(tool: str, fields: tuple[str, ...], *extra: str) -> Mapping[Flavour, Argv]:
    """``pvs``/``vgs``/``lvs`` in bytes: the JSON report where LVM has it (2.02.158+), else
    ``;``-separated columns without heading in ``fields`` order (the parser's default order).

    The fd warning LVM prints when its caller leaks descriptors is noise in every report. LVM
    before 2.02.89 has neither ``data_percent`` nor ``lv_time``: the columns form asks for the
    fields before them only.
    """
    env = ("env", "LVM_SUPPRESS_FD_WARNINGS=1", tool)
    old = tuple(f for f in fields if f not in ("data_percent", "lv_time"))
    return {
        LvmFlavour.JSON: (*env, "--reportformat", "json", "--units", "b", "--nosuffix", *extra,
                          "-o", ",".join(fields)),
        LvmFlavour.COLUMNS: (*env, "--noheadings", "--units", "b", "--nosuffix", "--separator", ";",
                             *extra, "-o", ",".join(old)),
    }  # fmt: skip


# DRBD 9's dump has the same "on host { disk ...; }" blocks the LV join reads.
_DRBD_DUMP: Argv = ("drbdadm", "dump", "all")
#: iscsiadm exits 21 (ISCSI_ERR_NO_OBJS_FOUND) when there is no session, saying so on stderr.
_ISCSI_NO_SESSIONS = frozenset({21})


#: Every source, in the order their outputs are parsed (the first that parses fills its field).
SOURCES: tuple[SourceSpec, ...] = (
    SourceSpec(
        "crm_mon.xml", Family.PACEMAKER, "crm_mon", _CRM_XML, _parser("crm_mon_xml", "parse_crm_mon_xml"),
        "pacemaker", "crm_mon (XML)", shared=True,
    ),
    SourceSpec(
        "crm_mon.txt", Family.PACEMAKER, "crm_mon", _CRM_TEXT, _parser("crm_mon_text", "parse_crm_mon_text"),
        "pacemaker", "crm_mon (text)", shared=True,
    ),
    SourceSpec(
        "proc_drbd", Family.DRBD, "drbd", {DrbdFlavour.PROC_8: ("cat", "/proc/drbd")},
        _parser("proc_drbd", "parse_proc_drbd"), "drbd", "/proc/drbd",
    ),
    SourceSpec(
        "drbd_status.json", Family.DRBD, "drbd",
        {DrbdFlavour.JSON_9: ("drbdsetup", "status", "--json")}, _parser("drbd9", "parse_drbdsetup_json"),
        "drbd",
        "drbdsetup status --json",
    ),
    SourceSpec(
        "drbdadm_status", Family.DRBD, "drbd", {DrbdFlavour.DRBDADM_9: ("drbdadm", "status")},
        _parser("drbd9", "parse_drbdadm_status"), "drbd", "drbdadm status",
    ),
    # The configuration changes rarely: read it with the constraints.
    SourceSpec(
        "drbd_dump", Family.CONSTRAINTS, "drbd",
        dict.fromkeys((DrbdFlavour.PROC_8, DrbdFlavour.JSON_9, DrbdFlavour.DRBDADM_9), _DRBD_DUMP),
        _parser("drbd_dump", "parse_drbdadm_dump"), "drbd_conf", "drbdadm dump all",
    ),
    SourceSpec(
        "xm_list", Family.DOMAINS, "vm_tool", {VmTool.XM: ("xm", "list")}, _xen("xm"), "domains", "xm list",
    ),
    SourceSpec(
        "xl_list", Family.DOMAINS, "vm_tool", {VmTool.XL: ("xl", "list")}, _xen("xl"), "domains", "xl list",
    ),
    SourceSpec(
        "virsh_list", Family.DOMAINS, "vm_tool", {VmTool.VIRSH: ("virsh", "list", "--all")},
        _parser("domain_list", "parse_virsh_list"), "domains", "virsh list --all",
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
        "virsh_nodeinfo", Family.DOMAINS, "vm_tool", {VmTool.VIRSH: _VIRSH_MEMORY},
        _parser("virsh_nodeinfo", "parse_virsh_nodeinfo"), "memory", "virsh nodeinfo && virsh freecell",
    ),
    SourceSpec(
        "xentop", Family.DOMAINS, "xentop", {True: _XENTOP}, _parser("xentop", "parse_xentop"), "loads",
        "xentop -b -i 2 -d 1",
    ),
    SourceSpec(
        "corosync_cfgtool", Family.COROSYNC, "corosync_tools", {True: ("corosync-cfgtool", "-s")},
        _parser("corosync", "parse_cfgtool"), "rings", "corosync-cfgtool -s",
    ),
    SourceSpec(
        # Corosync 1.x is "always quorate" without a quorum provider: Pacemaker's DC line tells it.
        "corosync_quorumtool", Family.COROSYNC, "corosync_quorum", {True: ("corosync-quorumtool", "-s")},
        _parser("corosync", "parse_quorumtool"), "quorum", "corosync-quorumtool -s",
    ),
    SourceSpec(
        "constraints.xml", Family.CONSTRAINTS, "crm_mon",
        dict.fromkeys((CrmMonFlavour.OUTPUT_AS_XML, CrmMonFlavour.AS_XML, CrmMonFlavour.TEXT), _CIBADMIN),
        _parser("constraints", "parse_constraints"), "constraints", "cibadmin -Q --scope constraints",
        shared=True,
    ),
    # Pacemaker 1.0's crm_mon text shows no cluster options (symmetric-cluster, maintenance-mode).
    SourceSpec(
        "crm_config.xml", Family.CONSTRAINTS, "crm_mon", {CrmMonFlavour.TEXT: _CRM_CONFIG},
        _parser("cluster_options", "parse_cluster_options"), "cluster_options",
        "cibadmin -Q --scope crm_config", shared=True,
    ),
    SourceSpec(
        "pvs", Family.STORAGE, "lvm", _lvm("pvs", PV_FIELDS), _parser("lvm", "parse_pvs"), "physical_volumes",
        "pvs",
    ),
    SourceSpec(
        "vgs", Family.STORAGE, "lvm", _lvm("vgs", VG_FIELDS), _parser("lvm", "parse_vgs"), "volume_groups",
        "vgs",
    ),
    # -a: snapshots were hidden LVs in 2005's LVM; pool data and mirror images are shown too.
    SourceSpec(
        "lvs", Family.STORAGE, "lvm", _lvm("lvs", LV_FIELDS, "-a"), _parser("lvm", "parse_lvs"),
        "logical_volumes", "lvs -a",
    ),
    SourceSpec(
        # -P 3 (not 1): the same session lines, plus the disks each session provides, which the
        # join follows to the PVs and filesystems on them.
        "iscsiadm_session", Family.STORAGE, "iscsiadm", {True: ("iscsiadm", "-m", "session", "-P", "3")},
        _parser("iscsiadm", "parse_iscsiadm_session"), "iscsi_sessions", "iscsiadm -m session -P 3",
        empty_statuses=_ISCSI_NO_SESSIONS,
    ),
    SourceSpec(
        "df", Family.STORAGE, "df", {True: ("df", "-P", "-T", "-B1")}, _parser("df", "parse_df"),
        "filesystems", "df -P -T -B1",
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
