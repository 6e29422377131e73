"""Provides stack detection: which crm_mon, DRBD, VM and cluster tools a node runs.

The collector runs ``probe_commands()`` (``DETECT_COMMANDS``, with ``sudo -n`` where root is needed)
as the probes of a guarded batch; ``stack_from_probes`` is the pure part that reads their results,
so that it can be tested on recorded probe outputs of any version, and read the stack cache's
answers with today's rules.

Rules, in order of preference:

- crm_mon: ``--help-all`` (stdout or stderr: Pacemaker 1.1 prints its help on stderr when it does
  not know ``--help-all``) listing ``--output-as`` -> ``output-as-xml``, else ``--as-xml`` ->
  ``as-xml``, else any answer from crm_mon -> ``text``, else ``absent``. The version comes from
  ``crm_mon --version``.
- DRBD: ``/proc/drbd`` with a ``version: 8.`` line -> ``8``; else ``drbdsetup status --json`` giving
  a JSON list -> ``9-json``; else drbdadm reporting version 9 -> ``9-drbdadm``; else ``absent``.
  A ``/proc/drbd`` without any version line (DRBD 8.0 builds) also counts as ``8``. drbd-utils 9
  installed without the kernel module loaded (``DRBD_KERNEL_VERSION_CODE=0x000000``) is ``absent``.
- VM tool: ``xl`` over ``xm`` over ``virsh``; corosync tools; crmsh and/or pcs; xentop; and
  the whole list of programs found (``tools``: ptest or crm_simulate, crm_standby...).
- Corosync's version from ``corosync -v`` (``Corosync Cluster Engine, version '1.2.1'``).
- LVM: ``lvm version`` naming a version -> ``json`` from 2.02.158 (the first with
  ``--reportformat json``), ``columns`` before; a probe that ran and named no version -> ``absent``.
- ``crm_resource --help-all``: the long options it lists (Pacemaker 1.0.9 answers the unknown
  option with its whole help, which has no ``--ban``); the line naming the unknown option is not
  read as one of them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

from hatui.model.stack import CrmMonFlavour, CrmShell, DrbdFlavour, LvmFlavour, StackInfo, VmTool
from hatui.sources.commands import DETECT_COMMANDS
from hatui.transport.base import CommandResult

#: Probes that need root; the others read what any user may read (``--version``, /proc/drbd).
ROOT_PROBES: frozenset[str] = frozenset({"drbdsetup_json"})
#: Probes whose answer changes while the stack does not (``drbdsetup status --json`` prints the
#: DRBD states): left out of the node's fingerprint, which must stay the same while the tools do.
VOLATILE_PROBES: frozenset[str] = frozenset({"drbdsetup_json"})

#: Exit status of a shell (or ``timeout``) that did not find the command.
_NOT_FOUND = 127

_PCMK_VERSION = re.compile(r"^\s*(?:Pacemaker|crm_mon)\s+v?(\d[\w.+~:-]*)", re.MULTILINE)
_PROC_VERSION = re.compile(r"^version:\s*(\d[\w.+~-]*)", re.MULTILINE)
_COROSYNC_VERSION = re.compile(r"Corosync Cluster Engine,? version '?(\d[\w.+~-]*)'?")
_LONG_OPTION = re.compile(r"(?<![\w-])--([a-z][a-z0-9]*(?:-[a-z0-9]+)*)")
_LVM_VERSION = re.compile(r"LVM version:\s*(\d+\.\d+\.\d+)")
#: The first LVM2 with ``--reportformat json``.
_LVM_JSON_SINCE = (2, 2, 158)
_ADM_FIELD = re.compile(
    r"^(DRBD_KERNEL_VERSION_CODE|DRBD_KERNEL_VERSION|DRBDADM_VERSION)=(\S*)", re.MULTILINE
)


def probe_commands(*, sudo: bool = False) -> dict[str, tuple[str, ...]]:
    """Returns the detection probes, with ``sudo -n`` on those that need root when asked.

    The volatile probes come last: a warm detection leaves them out, and the node's fingerprint
    counts each section's place in the batch, which must be the same with them and without them.
    """
    order = sorted(DETECT_COMMANDS, key=lambda name: name in VOLATILE_PROBES)
    return {
        name: (("sudo", "-n", *argv) if sudo and name in ROOT_PROBES else argv)
        for name in order
        for argv in (DETECT_COMMANDS[name],)
    }


def stack_from_probes(results: Mapping[str, CommandResult]) -> StackInfo:
    """Reads probe results (keyed like ``DETECT_COMMANDS``) into a ``StackInfo``. Pure."""
    crm_mon, pcmk_version = _crm_mon(results.get("crm_mon_help"), results.get("crm_mon_version"))
    drbd, drbd_version = _drbd(
        results.get("proc_drbd_head"), results.get("drbdsetup_json"), results.get("drbdadm_version")
    )
    tools = _tools(results.get("which"))
    lvm, lvm_version = _lvm(results.get("lvm_version"))
    vm_tool: VmTool | None = None
    corosync: bool | None = None
    shell: CrmShell | None = None
    xentop: bool | None = None
    if tools is not None:
        xentop = "xentop" in tools
        vm_tool = next((t for t in (VmTool.XL, VmTool.XM, VmTool.VIRSH) if t.value in tools), VmTool.ABSENT)
        corosync = "corosync-cfgtool" in tools or "corosync-quorumtool" in tools
        crm, pcs = "crm" in tools, "pcs" in tools
        shell = CrmShell.BOTH if crm and pcs else CrmShell.CRMSH if crm else CrmShell.PCS if pcs else None
        shell = shell or CrmShell.ABSENT
    return StackInfo(
        crm_mon=crm_mon,
        pacemaker_version=pcmk_version,
        drbd=drbd,
        drbd_version=drbd_version,
        vm_tool=vm_tool,
        corosync_tools=corosync,
        crm_shell=shell,
        corosync_version=_corosync_version(results.get("corosync_version")),
        tools=frozenset(tools) if tools is not None else None,
        crm_resource_options=_crm_resource_options(results.get("crm_resource_help")),
        xentop=xentop,
        lvm=lvm,
        lvm_version=lvm_version,
    )


def _answered(result: CommandResult | None) -> bool:
    """True when the program exists and ran (whatever it thought of its arguments)."""
    return (
        result is not None
        and result.exit_status is not None
        and result.exit_status != _NOT_FOUND
        and bool(result.stdout.strip() or result.stderr.strip())
    )


def _crm_mon(
    help_: CommandResult | None, version: CommandResult | None
) -> tuple[CrmMonFlavour | None, str | None]:
    if help_ is None and version is None:
        return None, None
    help_text = f"{help_.stdout}\n{help_.stderr}" if help_ is not None and _answered(help_) else ""
    found: CrmMonFlavour | None = None
    if "--output-as" in help_text:
        found = CrmMonFlavour.OUTPUT_AS_XML
    elif "--as-xml" in help_text:
        found = CrmMonFlavour.AS_XML
    elif _answered(help_) or _answered(version):
        found = CrmMonFlavour.TEXT
    if found is None:
        # Both probes ran and neither found crm_mon; a missing result means "not detected".
        both_ran = help_ is not None and version is not None
        return (CrmMonFlavour.ABSENT if both_ran else None), None
    pcmk: str | None = None
    if version is not None and _answered(version):
        m = _PCMK_VERSION.search(version.stdout) or _PCMK_VERSION.search(version.stderr)
        pcmk = m.group(1) if m else None
    return found, pcmk


def _drbd(
    proc: CommandResult | None, setup: CommandResult | None, adm: CommandResult | None
) -> tuple[DrbdFlavour | None, str | None]:
    if proc is None and setup is None and adm is None:
        return None, None
    proc_text = proc.stdout if proc is not None and proc.ok else ""
    m = _PROC_VERSION.search(proc_text)
    proc_version = m.group(1) if m else None
    fields = dict(_ADM_FIELD.findall(adm.stdout)) if adm is not None and adm.ok else {}
    kernel = fields.get("DRBD_KERNEL_VERSION") or None
    if kernel == "0":
        kernel = None
    if proc_version is not None and proc_version.startswith("8."):
        return DrbdFlavour.PROC_8, proc_version
    if setup is not None and setup.ok and _is_json_list(setup.stdout):
        return DrbdFlavour.JSON_9, proc_version or kernel
    if proc_version is None and proc_text.strip():
        # /proc/drbd exists but has no version line: the DRBD 8.0 builds that drop it.
        return DrbdFlavour.PROC_8, None
    if proc_version is not None and proc_version.startswith("9."):
        return DrbdFlavour.DRBDADM_9, proc_version
    if fields.get("DRBD_KERNEL_VERSION_CODE", "").lower() in ("0x000000", "0x0", "0"):
        # drbd-utils installed, kernel module not loaded: nothing to watch.
        return DrbdFlavour.ABSENT, None
    major = (kernel or fields.get("DRBDADM_VERSION") or "").split(".", 1)[0]
    if major == "9":
        return DrbdFlavour.DRBDADM_9, kernel or fields.get("DRBDADM_VERSION")
    return DrbdFlavour.ABSENT, None


def _lvm(result: CommandResult | None) -> tuple[LvmFlavour | None, str | None]:
    if result is None:
        return None, None
    m = _LVM_VERSION.search(f"{result.stdout}\n{result.stderr}") if _answered(result) else None
    if m is None:
        # A probe that ran and named no version: no LVM. One cut short tells nothing.
        return (LvmFlavour.ABSENT if result.exit_status is not None else None), None
    version = m.group(1)
    numbers = tuple(int(n) for n in version.split("."))
    return (LvmFlavour.JSON if numbers >= _LVM_JSON_SINCE else LvmFlavour.COLUMNS), version


def _is_json_list(text: str) -> bool:
    try:
        return isinstance(json.loads(text), list)
    except ValueError:
        return False


def _tools(which: CommandResult | None) -> set[str] | None:
    if which is None or which.exit_status is None:
        return None
    return {line.strip() for line in which.stdout.splitlines() if line.strip()}


def _corosync_version(result: CommandResult | None) -> str | None:
    if result is None or not _answered(result):
        return None
    m = _COROSYNC_VERSION.search(result.stdout) or _COROSYNC_VERSION.search(result.stderr)
    return m.group(1) if m else None


def _crm_resource_options(result: CommandResult | None) -> frozenset[str] | None:
    """The long options of ``crm_resource``'s help; None when it did not answer with a help text."""
    if result is None or not _answered(result):
        return None
    found: set[str] = set()
    for line in f"{result.stdout}\n{result.stderr}".splitlines():
        if "unrecognized option" in line or "invalid option" in line:
            continue
        found.update(_LONG_OPTION.findall(line))
    # A help text names at least the resource option; anything else is an error page.
    return frozenset(found) if "resource" in found else None
