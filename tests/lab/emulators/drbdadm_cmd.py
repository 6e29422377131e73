"""Provides the emulated ``drbdadm`` (and a minimal 8.3 ``drbdsetup``) on top of ``drbdemu``.

Commands: up, down, attach, detach, connect (``-- --discard-my-data``), disconnect, primary
(``-- --overwrite-data-of-peer``), secondary, invalidate, invalidate-remote, verify, role/state,
cstate, dstate, dump, sh-resources. Messages and exit codes follow DRBD 8.3.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from drbdemu import Resource, domains_holding, drbd_version, local_resources, open_resource
from emucommon import Context, EmuError, locked

USAGE = "\nUSAGE: drbdadm COMMAND [OPTION...] {all|RESOURCE...}\n\nVersion: 8.3.11 (api:88)\n"


def _usage(ctx: Context) -> str:
    return USAGE.replace("8.3.11", drbd_version(ctx))


def _state_change_failed(res: Resource, op: str, code: int, why: str) -> EmuError:
    return EmuError(
        f"{res.minor}: State change failed: ({code}) {why}\n"
        f"Command 'drbdsetup {res.minor} {op}' terminated with exit code 11",
        11,
    )


def _not_allocated(res: Resource, op: str) -> EmuError:
    return EmuError(
        f"{res.minor}: Failure: (127) Device minor not allocated\n"
        f"Command 'drbdsetup {res.minor} {op}' terminated with exit code 10",
        10,
    )


def _up(res: Resource, opts: set[str]) -> str:
    me = res.side(res.me)
    if not res.allocated:
        me["boot"] = res.ctx.current_boot(res.me)
        me["allocated"] = True
    if not me["up"]:
        me["up"] = True
        me["role"] = "Secondary"
    me["want_connect"] = True
    return ""


def _down(res: Resource, opts: set[str]) -> str:
    if res.up:
        if res.side(res.me)["role"] == "Primary" and domains_holding(res.ctx, res.name):
            raise _state_change_failed(res, "down", -12, "Device is held open by someone")
        me = res.side(res.me)
        me["up"] = False
        me["role"] = "Secondary"
        me["want_connect"] = False
    return ""


def _connect(res: Resource, opts: set[str]) -> str:
    if not res.up:
        raise _not_allocated(res, "net")
    me = res.side(res.me)
    if me["want_connect"]:
        return ""
    me["want_connect"] = True
    me["discard"] = "--discard-my-data" in opts
    return ""


def _disconnect(res: Resource, opts: set[str]) -> str:
    if res.up:
        res.side(res.me)["want_connect"] = False
    return ""


def _primary(res: Resource, opts: set[str]) -> str:
    if "--force" in opts and drbd_version(res.ctx) == "8.3.7":
        # drbdsetup 8.3.7 knows only -o/--overwrite-data-of-peer; --force came in 8.3.8.
        raise EmuError(f"drbdsetup {res.minor} primary: unrecognized option '--force'", 20)
    if not res.up:
        raise _not_allocated(res, "primary")
    me = res.side(res.me)
    if me["role"] == "Primary":
        return ""
    if res.st["link_up"] and res.roles()[1] == "Primary":
        raise _state_change_failed(res, "primary", -1, "Multiple primaries not allowed by config")
    force = "--overwrite-data-of-peer" in opts or "--force" in opts
    if me["disk"] != "UpToDate" and not force:
        raise _state_change_failed(res, "primary", -2, "Need access to UpToDate data")
    me["role"] = "Primary"
    if force and me["disk"] != "UpToDate":
        me["disk"] = "UpToDate"
        if res.st["link_up"]:
            res.start_sync(res.me, res.size_kb)
    elif res.st["link_up"] and res.st["last_primary"] == res.peer and res.st["sync"] is None:
        kb = int(res.ctx.layout.get("switchover_resync_kb", 0))
        if kb > 0:
            res.start_sync(res.me, kb)
    res.st["last_primary"] = res.me
    return ""


def _secondary(res: Resource, opts: set[str]) -> str:
    if not res.up:
        raise _not_allocated(res, "secondary")
    if domains_holding(res.ctx, res.name):
        raise _state_change_failed(res, "secondary", -12, "Device is held open by someone")
    res.side(res.me)["role"] = "Secondary"
    return ""


def _need_connected(res: Resource, op: str) -> None:
    if not res.up:
        raise _not_allocated(res, op)
    if res.cstate() != "Connected":
        raise _state_change_failed(res, op, -15, "Need a connection to start verify or resync")


def _invalidate(res: Resource, opts: set[str]) -> str:
    _need_connected(res, "invalidate")
    res.start_sync(res.peer, res.size_kb)
    return ""


def _invalidate_remote(res: Resource, opts: set[str]) -> str:
    _need_connected(res, "invalidate-remote")
    res.start_sync(res.me, res.size_kb)
    return ""


def _verify(res: Resource, opts: set[str]) -> str:
    _need_connected(res, "verify")
    res.start_sync(res.me, res.size_kb, kind="verify")
    return ""


def _role(res: Resource, opts: set[str]) -> str:
    return "/".join(res.roles()) if res.up else "Unconfigured"


def _cstate(res: Resource, opts: set[str]) -> str:
    return res.cstate()


def _dstate(res: Resource, opts: set[str]) -> str:
    return "/".join(res.disks()) if res.up else "Unconfigured"


def _attach(res: Resource, opts: set[str]) -> str:
    return _up(res, opts) if not res.up else ""


def _detach(res: Resource, opts: set[str]) -> str:
    if res.up:
        res.side(res.me)["disk"] = "Diskless"
    return ""


WRITERS: dict[str, Callable[[Resource, set[str]], str]] = {
    "up": _up, "down": _down, "connect": _connect, "disconnect": _disconnect, "primary": _primary,
    "secondary": _secondary, "invalidate": _invalidate, "invalidate-remote": _invalidate_remote,
    "verify": _verify, "attach": _attach, "detach": _detach, "adjust": _up,
}  # fmt: skip
READERS: dict[str, Callable[[Resource, set[str]], str]] = {
    "role": _role, "state": _role, "cstate": _cstate, "dstate": _dstate,
}  # fmt: skip


def dump(ctx: Context, names: list[str]) -> str:
    """``drbdadm dump``: the configuration of the given resources, as drbdadm 8.3 prints it."""
    out = ["# /etc/drbd.conf", "common {", "    syncer {", "        rate             100M;", "    }", "}", ""]
    for name in names:
        conf = ctx.layout["drbd"][name]
        out.append(f"# resource {name} on {ctx.node}: not ignored, not stacked")
        out.append(f"resource {name} {{")
        out.append("    protocol               C;")
        for node in conf["nodes"]:
            addr = ctx.layout["nodes"][node]["address"]
            out += [
                f"    on {node} {{",
                f"        device           /dev/drbd{conf['minor']} minor {conf['minor']};",
                f"        disk             {conf['disk']};",
                f"        address          ipv4 {addr}:{conf['port']};",
                "        meta-disk        internal;",
                "    }",
            ]
        out += ["}", ""]
    return "\n".join(out)


def main(ctx: Context, argv: list[str]) -> int:
    ctx.hang_if_asked("drbdadm")
    opts = {a for a in argv if a.startswith("--") and a != "--"}
    words = [a for a in argv if not a.startswith("-")]
    if "--version" in opts or "-V" in argv or not words:
        sys.stdout.write(_usage(ctx))
        return 0 if "--version" in opts else 20
    cmd, targets = words[0], words[1:]
    local = local_resources(ctx)
    if cmd == "sh-resources":
        print(" ".join(local))
        return 0
    if not targets:
        raise EmuError(f"USAGE: drbdadm {cmd} [OPTION...] {{all|RESOURCE...}}", 20)
    names = local if targets == ["all"] else targets
    for name in names:
        if name not in local:
            raise EmuError(f"'{name}' not defined in your config (for this host).", 10)
    if cmd == "dump":
        sys.stdout.write(dump(ctx, names))
        return 0
    if cmd in READERS:
        for name in names:
            print(READERS[cmd](open_resource(ctx, name), opts))
        return 0
    if cmd not in WRITERS:
        raise EmuError(f"Unknown command '{cmd}'.{_usage(ctx)}", 20)
    for name in names:
        res = Resource(ctx, name)
        with locked(res.lock):
            res.load()
            try:
                WRITERS[cmd](res, opts)
            finally:
                res.save()
    return 0


def drbdsetup_main(ctx: Context, argv: list[str]) -> int:
    """8.3 ``drbdsetup DEVICE role|cstate|dstate``; anything else fails like 8.3 does (no status/json)."""
    if (
        len(argv) >= 2
        and argv[0].startswith("/dev/drbd")
        and argv[1] in ("role", "state", "cstate", "dstate")
    ):
        minor = argv[0].removeprefix("/dev/drbd")
        for name in local_resources(ctx):
            if str(ctx.layout["drbd"][name]["minor"]) == minor:
                print(READERS[argv[1]](open_resource(ctx, name), set()))
                return 0
        raise EmuError(f"{argv[0]}: No such device or address", 20)
    raise EmuError(
        "USAGE: drbdsetup device command arguments options\n\n"
        "Device is usually /dev/drbdX or /dev/drbd/X.\n"
        f"'{argv[0] if argv else ''}' is not a DRBD device",
        20,
    )
