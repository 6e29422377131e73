"""Provides the ``iscsiadm`` stand-in: every node logged in to the lab's vstor1 target.

A session needs the kernel's iSCSI initiator, which the lab cannot load. The stand-in prints
open-iscsi's formats (the corpus' ``-P 1`` and ``-P 3`` layouts with TABs): ``-m session`` with
``-P 0``, ``1`` or ``3``, ``-m node`` and ``--version``, as the release in ``layout.json``
(``iscsi_version``: 2.1.8 of Debian 12 unless the seed lab says 2.0.870 of lenny) prints them:
``(non-flash)`` after the target since 2.0.874, ``(null)`` for an unset interface field before
``<empty>``/``default``. The target and portal come from ``layout.json`` (``iscsi``).

Faults (``<state>/faults/<node>/``): ``iscsi-recovery`` puts the node's session in recovery as
open-iscsi shows a lost connection (``TRANSPORT WAIT`` / ``FAILED`` / ``REOPEN``, disk
``transport-offline``); ``iscsi-logout`` leaves the node without sessions
(``iscsiadm: No active sessions.``, exit status 21 as open-iscsi's ISCSI_ERR_NO_OBJS_FOUND).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from emucommon import Context, EmuError

MODERN = "2.1.8"
NO_OBJS_FOUND = 21
INVALID_ARGS = 7


@dataclass(frozen=True)
class Session:
    target: str
    portal: str
    sid: int
    initiator: str
    address: str
    recovering: bool
    flash: str
    """`` (non-flash)`` after the target name, or nothing (before 2.0.874)."""
    unset: str
    """What an unset interface field shows: ``default``, or ``(null)`` before 2.0.874."""

    @property
    def states(self) -> tuple[str, str, str]:
        """Connection, session (the kernel's word) and iscsid's internal state."""
        if self.recovering:
            return ("TRANSPORT WAIT", "FAILED", "REOPEN")
        return ("LOGGED IN", "LOGGED_IN", "NO CHANGE")


def sessions(ctx: Context) -> list[Session]:
    faults = ctx.state / "faults" / ctx.node
    if (faults / "iscsi-logout").exists():
        return []
    conf = ctx.layout["iscsi"]
    number = sorted(ctx.layout["nodes"]).index(ctx.node) + 1
    initiator = f"iqn.1993-08.org.debian:01:{ctx.node}"
    address = ctx.layout["nodes"][ctx.node]["address"]
    recovering = (faults / "iscsi-recovery").exists()
    old = _release(version(ctx)) < (2, 0, 874)
    flash, unset = ("", "(null)") if old else (" (non-flash)", "default")
    return [Session(conf["target"], conf["portal"], number, initiator, address, recovering, flash, unset)]


def version(ctx: Context) -> str:
    return str(ctx.layout.get("iscsi_version", MODERN))


def _release(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(".") if part.isdigit())


def _block(s: Session, level: int) -> str:
    conn, sess, internal = s.states
    lines = [
        f"Target: {s.target}{s.flash}", f"\tCurrent Portal: {s.portal}",
        f"\tPersistent Portal: {s.portal}",
        "\t\t**********", "\t\tInterface:", "\t\t**********", "\t\tIface Name: default",
        "\t\tIface Transport: tcp", f"\t\tIface Initiatorname: {s.initiator}",
        f"\t\tIface IPaddress: {'<empty>' if s.recovering else s.address}",
        f"\t\tIface HWaddress: {s.unset}", f"\t\tIface Netdev: {s.unset}", f"\t\tSID: {s.sid}",
        f"\t\tiSCSI Connection State: {conn}", f"\t\tiSCSI Session State: {sess}",
        f"\t\tInternal iscsid Session State: {internal}",
    ]  # fmt: skip
    if level >= 3:
        host = s.sid + 1
        lines += [
            "\t\t************************", "\t\tAttached SCSI devices:", "\t\t************************",
            f"\t\tHost Number: {host}\tState: running", f"\t\tscsi{host} Channel 00 Id 0 Lun: 1",
            f"\t\t\tAttached scsi disk sdb\t\tState: {'transport-offline' if s.recovering else 'running'}",
        ]  # fmt: skip
    return "\n".join(lines) + "\n"


def _options(argv: list[str]) -> dict[str, str]:
    opts: dict[str, str] = {}
    it = iter(argv)
    for arg in it:
        name, eq, inline = arg.partition("=") if arg.startswith("--") else (arg, "", "")
        key = {"-m": "mode", "--mode": "mode", "-P": "print", "--print": "print"}.get(name)
        if key:
            opts[key] = inline if eq else next(it, "")
        elif arg.startswith("-P") and arg[2:].isdigit():
            opts["print"] = arg[2:]
        elif name in ("-V", "--version"):
            opts["version"] = "yes"
        else:
            raise EmuError(f"iscsiadm: the lab's stand-in does not know {arg!r}", INVALID_ARGS)
    return opts


def main(ctx: Context, argv: list[str]) -> int:
    ctx.hang_if_asked("iscsiadm")
    opts = _options(argv)
    if "version" in opts:
        print(f"iscsiadm version {version(ctx)}")
        return 0
    mode, level = opts.get("mode"), int(opts.get("print") or 0)
    if mode not in ("session", "node"):
        raise EmuError("iscsiadm: the lab's stand-in answers -m session and -m node only", INVALID_ARGS)
    found = sessions(ctx)
    if mode == "node":
        conf = ctx.layout["iscsi"]
        print(f"{conf['portal']} {conf['target']}")
        return 0
    if not found:
        raise EmuError("iscsiadm: No active sessions.", NO_OBJS_FOUND)
    if level == 0:
        sys.stdout.write("".join(f"tcp: [{s.sid}] {s.portal} {s.target}{s.flash}\n" for s in found))
        return 0
    if level >= 3:
        sys.stdout.write(f"iSCSI Transport Class version 2.0-870\nversion {version(ctx)}\n")
    sys.stdout.write("".join(_block(s, level) for s in found))
    return 0
