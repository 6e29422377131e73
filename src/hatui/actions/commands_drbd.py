"""Provides the PURE builders of the DRBD and VM commands, per DRBD syntax and VM tool.

DRBD 8.3 passes backend options between ``drbdadm --`` and the command (``drbdadm --
--discard-my-data connect r0``); 8.4 and 9 take them after the command (``drbdadm connect
--discard-my-data r0``); 9 addresses one connection or volume as ``r0:peer/1``. VM commands use
the node's own tool: ``xm`` (xend), ``xl`` (libxl) or ``virsh``.
"""

from __future__ import annotations

from hatui.actions.commands import Argv, Command, Danger, Tools, checked, make
from hatui.errors import ActionRefused
from hatui.model.stack import VmTool

#: Which drbdadm commands can address one peer connection (9) or one volume (9).
_PEER_VERBS = frozenset({"connect", "disconnect", "verify", "pause-sync", "resume-sync"})
_VOLUME_VERBS = frozenset({"verify", "pause-sync", "resume-sync", "invalidate"})


def drbd_object(resource: str, tools: Tools, *, peer: str | None = None, volume: int | None = None) -> str:
    """``r``, or on DRBD 9 ``r:peer``, ``r/vol`` or ``r:peer/vol``."""
    r = checked("DRBD resource", resource)
    if tools.drbd != "9":
        return r
    if ":" in r or "/" in r:
        raise ActionRefused(f"refusing DRBD resource name {r!r}: ':' and '/' address peers and volumes")
    obj = f"{r}:{checked('DRBD peer', peer)}" if peer else r
    return f"{obj}/{volume}" if volume is not None else obj


def _drbdadm(verb: str, obj: str, tools: Tools, options: Argv = ()) -> Argv:
    if not options:
        return ("drbdadm", verb, obj)
    if tools.drbd == "8.3":
        return ("drbdadm", "--", *options, verb, obj)
    return ("drbdadm", verb, *options, obj)


def drbd(
    verb: str,
    resource: str,
    *,
    node: str,
    tools: Tools,
    peer: str | None = None,
    volume: int | None = None,
) -> Command:
    """``connect``, ``disconnect``, ``primary``, ``secondary``, ``invalidate``, ``verify``,
    ``pause-sync`` or ``resume-sync`` of ``resource`` on ``node``.
    """
    if verb not in _PEER_VERBS | _VOLUME_VERBS | {"primary", "secondary"}:
        raise ValueError(f"unknown drbdadm verb {verb!r}")
    obj = drbd_object(
        resource,
        tools,
        peer=peer if verb in _PEER_VERBS else None,
        volume=volume if verb in _VOLUME_VERBS else None,
    )
    danger = Danger.DESTRUCTIVE if verb == "invalidate" else Danger.CHANGE
    summary = {
        "connect": f"connect {obj} on {node} to its peer",
        "disconnect": f"disconnect {obj} on {node} from its peer (replication stops)",
        "primary": f"make {obj} Primary on {node}",
        "secondary": f"make {obj} Secondary on {node}",
        "invalidate": f"discard {obj}'s data on {node} and resync all of it from the peer",
        "verify": f"start an online verify of {obj} from {node}",
        "pause-sync": f"pause the resync of {obj} on {node}",
        "resume-sync": f"resume the resync of {obj} on {node}",
    }[verb]
    return make(_drbdadm(verb, obj, tools), node, danger, summary, tools)


def drbd_discard_connect(resource: str, *, node: str, tools: Tools, peer: str | None = None) -> Command:
    """The split-brain victim's connect: its changes since the split are thrown away."""
    obj = drbd_object(resource, tools, peer=peer)
    argv = _drbdadm("connect", obj, tools, ("--discard-my-data",))
    summary = f"connect {obj} on {node} DISCARDING {node}'s changes since the split-brain"
    return make(argv, node, Danger.DESTRUCTIVE, summary, tools)


def drbd_force_primary(resource: str, *, node: str, tools: Tools) -> Command:
    """Primary even without UpToDate data: the peer's data is overwritten at the next connect."""
    obj = drbd_object(resource, tools)
    # The option by version (8.3.7 knows only --overwrite-data-of-peer; --force came in 8.3.8);
    # a Tools built by hand for 8.3 without a detected version takes the old one, known to all 8.x.
    options: Argv = ("--force",)
    if tools.drbd == "8.3":
        detected = tools.caps.drbd_force_primary if tools.caps.drbd_syntax == "8.3" else ()
        options = detected or ("--overwrite-data-of-peer",)
    argv = _drbdadm("primary", obj, tools, options)
    summary = f"FORCE {obj} Primary on {node} (its data overwrites the peer's)"
    return make(argv, node, Danger.DESTRUCTIVE, summary, tools)


# -- VMs ------------------------------------------------------------------------------------------


#: The console and free-memory argv per VM tool. ``VmTool.ABSENT`` (and anything unknown) has no
#: entry: a node without a VM tool gets no command, never ``("absent", "info")``.
_CONSOLE: dict[str, Argv] = {
    VmTool.XL: ("xl", "console"),
    VmTool.XM: ("xm", "console"),
    VmTool.VIRSH: ("virsh", "console"),
}
_MEMORY: dict[str, Argv] = {
    VmTool.XL: ("xl", "info"),
    VmTool.XM: ("xm", "info"),
    VmTool.VIRSH: ("virsh", "nodememstats"),
}


def vm_console(domain: str, *, node: str, tools: Tools) -> Command:
    """The VM's text console; Ctrl-] (the tools' own escape) leaves it.

    Raises:
        ActionRefused: the node has no xl, xm or virsh.
    """
    d = checked("domain", domain)
    base = _CONSOLE.get(tools.vm)
    if base is None:
        raise ActionRefused(f"{node} has no xl, xm or virsh: there is no VM console to open")
    return make((*base, d), node, Danger.CHANGE, f"open the console of {d} on {node}", tools)


def vm_free_memory(*, node: str, tools: Tools) -> Command | None:
    """What the node's hypervisor says about its memory (``free_memory`` in MiB for xm/xl).

    None when the node has no VM tool: there is nothing to ask.
    """
    argv = _MEMORY.get(tools.vm)
    if argv is None:
        return None
    return make(argv, node, Danger.READ, f"read the free memory of {node}", tools)


def parse_free_memory(text: str, tool: str) -> int | None:
    """Free memory in MiB from ``xm info``/``xl info`` (``free_memory : 7012``) or ``virsh nodememstats``."""
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if not sep:
            continue
        key, words = key.strip(), value.split()
        if not words or not words[0].isdigit():
            continue
        if tool != "virsh" and key == "free_memory":
            return int(words[0])
        if tool == "virsh" and key == "free":
            # virsh reports KiB.
            return int(words[0]) // 1024
    return None
