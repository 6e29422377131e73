"""Provides the demo's ``drbdadm`` and ``drbdsetup`` as DRBD 8.3.7's userland behaves.

8.3 takes backend options between ``--`` and the command (``drbdadm -- --discard-my-data connect
r0``); the 8.4 spelling after the command is refused. Kernel refusals are printed the way 8.3's
drbdsetup prints them, followed by drbdadm's ``Command '...' terminated with exit code N``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hatui.demo import drbd_sim
from hatui.demo.commands import Handler, Outcome
from hatui.demo.render_drbd import BUILD_TAG, drbdadm_dump

if TYPE_CHECKING:
    from hatui.demo.cluster import DemoCluster

RESOURCE_COMMANDS = (
    "up",
    "down",
    "connect",
    "disconnect",
    "primary",
    "secondary",
    "invalidate",
    "verify",
    "pause-sync",
    "resume-sync",
    "role",
    "cstate",
    "dstate",
    "adjust",
)


def _failed(minor: int, setup: str, message: str, code: int) -> Outcome:
    return Outcome(
        code,
        "",
        f"{message}\nCommand 'drbdsetup /dev/drbd{minor} {setup}' terminated with exit code {code}\n",
    )


def _state_failed(minor: int, setup: str, reason: str) -> Outcome:
    return _failed(minor, setup, f"/dev/drbd{minor}: State change failed: {reason}", 11)


def drbdadm(c: DemoCluster, node: str, args: tuple[str, ...], stdin: str | None) -> Outcome:
    """``drbdadm [--] [backend options] command resource...``."""
    words = list(args)
    backend: list[str] = []
    while words and words[0].startswith("-"):
        opt = words.pop(0)
        if opt in ("-V", "--version"):
            tag = BUILD_TAG.format(node=node).replace(" ", "\\ ").replace(",", "\\,")
            return Outcome(
                0,
                f"DRBDADM_BUILDTAG={tag}\nDRBDADM_API_VERSION=88\nDRBD_KERNEL_VERSION_CODE=0x080307\n"
                "DRBDADM_VERSION_CODE=0x080307\nDRBDADM_VERSION=8.3.7\n",
            )
        if opt == "--":
            while words and words[0].startswith("--"):
                backend.append(words.pop(0))
            break
        return Outcome(20, "", f"drbdadm: unrecognized option '{opt}'\n")
    if not words:
        return Outcome(20, "", "USAGE: drbdadm COMMAND [OPTION...] {all|RESOURCE...}\n")
    command, names = words[0], words[1:]
    if command == "dump":
        return Outcome(0, drbdadm_dump(c, node))
    stray = [w for w in names if w.startswith("-")]
    if stray:
        return Outcome(20, "", f"drbdadm: unrecognized option '{stray[0]}'\n")
    if command not in RESOURCE_COMMANDS:
        return Outcome(20, "", f"Unknown command '{command}'.\n")
    if not names:
        return Outcome(20, "", f"USAGE: drbdadm {command} [OPTION...] {{all|RESOURCE...}}\n")
    targets = [d.name for d in c.topo.disks] if names == ["all"] else names
    out, err, status = "", "", 0
    for name in targets:
        if name not in c.drbd:
            return Outcome(3, out, err + f"'{name}' not defined in your config.\n")
        res = _one(c, node, command, name, backend)
        out, err = out + res.stdout, err + res.stderr
        status = status or res.status
    c.changed()
    return Outcome(status, out, err)


def _one(c: DemoCluster, node: str, command: str, name: str, backend: list[str]) -> Outcome:
    rt = c.drbd[name]
    side = rt.sides[node]
    peer = rt.sides[drbd_sim.peer_of(c, node)]
    minor = c.disk_def(name).minor
    linked = rt.connected
    if command == "role":
        return Outcome(
            0, f"{side.role}/{peer.role if linked else 'Unknown'}\n" if side.up else "Unconfigured\n"
        )
    if command == "cstate":
        return Outcome(0, drbd_sim.conn_state(c, rt, node) + "\n")
    if command == "dstate":
        return Outcome(
            0, f"{side.disk}/{peer.disk if linked else 'DUnknown'}\n" if side.up else "Unconfigured\n"
        )
    if command in ("up", "adjust"):
        if side.up and command == "up":
            return _failed(
                minor, "disk", "Failure: (124) Device is attached to a disk (use detach first)", 10
            )
        side.up, side.allocated, side.want_connect = True, True, True
        return Outcome(0)
    if not side.up:
        return _failed(minor, command, "Failure: (127) Device minor not allocated", 10)
    vm = c.topo.vm_of_disk(name)
    in_use = vm is not None and vm.name in c.nodes[node].domains
    if command == "down":
        if in_use:
            return _state_failed(minor, "down", "(-12) Device is held open by someone")
        side.up, side.role = False, "Secondary"
    elif command == "connect":
        if side.want_connect:
            return _failed(minor, "net", "Failure: (125) Device has a net-config (use disconnect first)", 10)
        side.want_connect = True
        side.discard = "--discard-my-data" in backend
    elif command == "disconnect":
        side.want_connect = False
        drbd_sim.refresh(c, rt)
    elif command == "primary":
        return _primary(c, node, name, backend)
    elif command == "secondary":
        if in_use:
            return _state_failed(minor, "secondary", "(-12) Device is held open by someone")
        side.role = "Secondary"
    elif command in ("invalidate", "verify"):
        if not linked or rt.sync is not None:
            return _state_failed(minor, command, "(-15) Need a connection to start verify or resync")
        if command == "invalidate":
            drbd_sim.start_full_resync(c, rt, node)
        else:
            drbd_sim.start_verify(c, rt, node)
    elif command == "pause-sync":
        if side.user_paused:
            return _failed(minor, "pause-sync", "Failure: (134) Sync-pause flag is already set", 10)
        side.user_paused = True
    elif command == "resume-sync":
        if not side.user_paused:
            return _failed(minor, "resume-sync", "Failure: (135) Sync-pause flag is already cleared", 10)
        side.user_paused = False
    return Outcome(0)


def _primary(c: DemoCluster, node: str, name: str, backend: list[str]) -> Outcome:
    rt = c.drbd[name]
    side = rt.sides[node]
    peer = rt.sides[drbd_sim.peer_of(c, node)]
    minor = c.disk_def(name).minor
    force = "--overwrite-data-of-peer" in backend
    if rt.connected and peer.role == "Primary":
        return _state_failed(minor, "primary", "(-1) Multiple primaries not allowed by config")
    good_data = side.disk == "UpToDate" or (rt.connected and peer.disk == "UpToDate")
    if not good_data and not force:
        return _state_failed(minor, "primary", "(-2) Need access to UpToDate data")
    side.role = "Primary"
    if force and side.disk != "UpToDate":
        side.disk = "UpToDate"
    return Outcome(0)


_DRBDSETUP_USAGE = """
USAGE: drbdsetup device command arguments options

Device is usually /dev/drbdX or /dev/drbd/X.
General options: --create-device, --set-defaults

Commands are:
 primary [opts...]                       secondary
 disk [args...] [opts...]                detach
 net [args...] [opts...]                 disconnect
 resize [opts...]                        syncer [opts...]
 invalidate                              invalidate-remote
 pause-sync                              resume-sync
 suspend-io                              resume-io
 outdate                                 verify [opts...]
 down                                    role
 state                                   cstate
 dstate                                  show-gi
 get-gi                                  show
 events [opts...]                        wait-connect [opts...]
 wait-sync [opts...]                     new-current-uuid [opts...]


To get more details about a command issue 'drbdsetup help cmd'.

"""


def drbdsetup(c: DemoCluster, node: str, args: tuple[str, ...], stdin: str | None) -> Outcome:
    """8.3's ``drbdsetup DEVICE COMMAND``: anything else (``status --json``) gets its usage and 20."""
    return Outcome(20, _DRBDSETUP_USAGE + "\ninvalid command\n")


HANDLERS: dict[str, Handler] = {"drbdadm": drbdadm, "drbdsetup": drbdsetup}
