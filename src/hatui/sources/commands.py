"""Provides the argv each source runs, chosen by what the node was detected to run.

Keys are the replay file names (``hatui.model.capture.SOURCE_FILES``), so a poll's results, a
capture directory and a replay directory all share one vocabulary.
"""

from __future__ import annotations

from hatui.model.capture import StackInfo

#: Source file name -> interval family (``hatui.config.DEFAULT_INTERVALS`` keys).
SOURCE_FAMILY: dict[str, str] = {
    "crm_mon.xml": "pacemaker",
    "crm_mon.txt": "pacemaker",
    "proc_drbd": "drbd",
    "drbd_status.json": "drbd",
    "drbdadm_status": "drbd",
    "drbd_dump": "constraints",
    "xm_list": "domains",
    "xl_list": "domains",
    "virsh_list": "domains",
    "corosync_cfgtool": "corosync",
    "corosync_quorumtool": "corosync",
    "constraints.xml": "constraints",
}

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


def commands_for(stack: StackInfo) -> dict[str, tuple[str, ...]]:
    """Returns the argv per source file name for a node running ``stack``."""
    cmds: dict[str, tuple[str, ...]] = {}
    if stack.crm_mon == "output-as-xml":
        cmds["crm_mon.xml"] = ("crm_mon", "--output-as=xml", "--one-shot", "--inactive", "--include=all")
    elif stack.crm_mon == "as-xml":
        cmds["crm_mon.xml"] = ("crm_mon", "--as-xml", "--one-shot", "--inactive", "--operations")
    elif stack.crm_mon == "text":
        # Pacemaker 1.0 has no XML output; -r shows inactive resources, -f fail-counts.
        cmds["crm_mon.txt"] = ("crm_mon", "-1", "-r", "-f")
    if stack.crm_mon not in (None, "absent"):
        cmds["constraints.xml"] = ("cibadmin", "-Q", "--scope", "constraints")
    if stack.drbd == "8":
        cmds["proc_drbd"] = ("cat", "/proc/drbd")
        cmds["drbd_dump"] = ("drbdadm", "dump", "all")
    elif stack.drbd == "9-json":
        cmds["drbd_status.json"] = ("drbdsetup", "status", "--json")
    elif stack.drbd == "9-drbdadm":
        cmds["drbdadm_status"] = ("drbdadm", "status")
    if stack.vm_tool == "xl":
        cmds["xl_list"] = ("xl", "list")
    elif stack.vm_tool == "xm":
        cmds["xm_list"] = ("xm", "list")
    elif stack.vm_tool == "virsh":
        cmds["virsh_list"] = ("virsh", "list", "--all")
    if stack.corosync_tools:
        cmds["corosync_cfgtool"] = ("corosync-cfgtool", "-s")
        cmds["corosync_quorumtool"] = ("corosync-quorumtool", "-s")
    return cmds
