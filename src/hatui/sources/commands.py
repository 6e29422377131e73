"""Provides the probes that detect a node's stack, and (from the source table) what each source runs.

The argv per source lives in ``hatui.sources.table``; ``commands_for`` is re-exported here for the
callers that look for it beside the probes.
"""

from __future__ import annotations

from hatui.sources.table import commands_for

__all__ = ["DETECT_COMMANDS", "PROBED_TOOLS", "commands_for"]

#: The programs the ``which`` probe looks for (``StackInfo.tools``).
PROBED_TOOLS: tuple[str, ...] = (
    "xl",
    "xm",
    "virsh",
    "xentop",
    "corosync-cfgtool",
    "corosync-quorumtool",
    "crm",
    "pcs",
    "drbdadm",
    "ptest",
    "crm_simulate",
    "crm_standby",
    "crm_failcount",
    "crm_node",
    "lvs",
    "iscsiadm",
    "df",
)

#: Probes run once per connection to detect the stack. Each prints something harmless or fails.
DETECT_COMMANDS: dict[str, tuple[str, ...]] = {
    "crm_mon_version": ("crm_mon", "--version"),
    "crm_mon_help": ("crm_mon", "--help-all"),
    "proc_drbd_head": ("head", "-n", "2", "/proc/drbd"),
    "drbdsetup_json": ("drbdsetup", "status", "--json"),
    "drbdadm_version": ("drbdadm", "--version"),
    "corosync_version": ("corosync", "-v"),
    # Every LVM2 since 2005 prints "LVM version:     2.03.16(2) (2022-05-18)"; no root needed.
    "lvm_version": ("lvm", "version"),
    # --help-all: Pacemaker 2's --help lists only a summary; 1.0 and 1.1 answer the unknown option
    # with their whole help, which lists every option they have.
    "crm_resource_help": ("crm_resource", "--help-all"),
    "which": (
        "sh",
        "-c",
        f"for t in {' '.join(PROBED_TOOLS)}; do command -v $t >/dev/null 2>&1 && echo $t; done; true",
    ),
}
