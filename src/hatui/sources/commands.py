"""Provides the probes that detect a node's stack, and (from the source table) what each source runs.

The argv per source lives in ``hatui.sources.table``; ``commands_for`` is re-exported here for the
callers that look for it beside the probes.
"""

from __future__ import annotations

from hatui.sources.table import commands_for

__all__ = ["DETECT_COMMANDS", "commands_for"]

#: Probes run once per connection to detect the stack. Each prints something harmless or fails.
DETECT_COMMANDS: dict[str, tuple[str, ...]] = {
    "crm_mon_version": ("crm_mon", "--version"),
    "crm_mon_help": ("crm_mon", "--help-all"),
    "proc_drbd_head": ("head", "-n", "2", "/proc/drbd"),
    "drbdsetup_json": ("drbdsetup", "status", "--json"),
    "drbdadm_version": ("drbdadm", "--version"),
    "which": (
        "sh",
        "-c",
        "for t in xl xm virsh corosync-cfgtool corosync-quorumtool crm pcs drbdadm; "
        "do command -v $t >/dev/null 2>&1 && echo $t; done; true",
    ),
}
