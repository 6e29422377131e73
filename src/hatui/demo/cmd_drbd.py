"""Provides the demo's ``drbdadm`` and ``drbdsetup``: DRBD 8.3.7's userland on the seed generation.

The modern generation's nodes run drbd-utils 9 instead (``cmd_drbd9``); ``HANDLERS`` picks by
``DemoCluster.generation``.

8.3 takes backend options between ``--`` and the command (``drbdadm -- --discard-my-data connect
r0``); the 8.4 spelling after the command is refused. Kernel refusals are printed the way 8.3's
drbdsetup prints them, followed by drbdadm's ``Command '...' terminated with exit code N``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hatui.demo import cmd_drbd9, drbd_sim
from hatui.demo.commands import Handler, Outcome
from hatui.demo.render_drbd import BUILD_TAG, drbdadm_dump, drbdadm_status

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
    if command == "status":  # the one command that needs no resource name: all of them
        unknown = [n for n in names if n != "all" and n not in c.drbd]
        if unknown:
            return Outcome(3, "", f"'{unknown[0]}' not defined in your config.\n")
        return Outcome(0, drbdadm_status(c, node, names))
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
    if command == "up" and side.up:
        return _failed(minor, "disk", "Failure: (124) Device is attached to a disk (use detach first)", 10)
    if not side.up and command not in ("up", "adjust"):
        return _failed(minor, command, "Failure: (127) Device minor not allocated", 10)
    force = "--overwrite-data-of-peer" in backend
    refusal = drbd_sim.admin(c, node, name, command, force=force, discard="--discard-my-data" in backend)
    if refusal is None:
        return Outcome(0)
    setup = "net" if command == "connect" else command
    # 8.3's drbdsetup names the device on a state-change failure only.
    line = refusal.message if refusal.code > 100 else f"/dev/drbd{minor}: {refusal.message}"
    return _failed(minor, setup, line, refusal.exit_status)


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


def _by_generation(seed: Handler, modern: Handler) -> Handler:
    def run(c: DemoCluster, node: str, args: tuple[str, ...], stdin: str | None) -> Outcome:
        return (modern if c.generation == "modern" else seed)(c, node, args, stdin)

    return run


HANDLERS: dict[str, Handler] = {
    "drbdadm": _by_generation(drbdadm, cmd_drbd9.drbdadm),
    "drbdsetup": _by_generation(drbdsetup, cmd_drbd9.drbdsetup),
}
