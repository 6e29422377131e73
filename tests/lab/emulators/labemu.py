#!/usr/bin/python3
"""Provides the entry point of every lab emulator, chosen by the name it is called by.

``xm``, ``xl``, ``drbdadm``, ``drbdsetup``, the LVM stand-ins (``lvs``, ``vgs``, ``lvcreate``,
``lvremove``: ``lvmemu``) and ``iscsiadm`` (``iscsiemu``) are symlinks to this file inside each
node's ``/usr/local/sbin``. The ``cat`` and ``head`` wrappers there call ``labemu.py proc-drbd cat|head
ARGS`` when an argument is ``/proc/drbd``: procfs cannot hold a file the DRBD module did not
create, so the emulated status is rendered where it is read.
"""

from __future__ import annotations

import os
import sys

import drbdadm_cmd
import iscsiemu
import lvmemu
import xenemu
from drbdemu import render_proc_drbd
from emucommon import Context, EmuError, die


def _proc_drbd(ctx: Context, tool: str, args: list[str]) -> int:
    ctx.hang_if_asked("proc_drbd")
    lines_wanted: int | None = None
    files: list[str] = []
    it = iter(args)
    for a in it:
        if tool == "head" and a == "-n":
            lines_wanted = int(next(it, "10"))
        elif tool == "head" and a.startswith("-n"):
            lines_wanted = int(a[2:])
        elif tool == "head" and a.startswith("-") and a[1:].isdigit():
            lines_wanted = int(a[1:])
        elif not a.startswith("-"):
            files.append(a)
    if tool == "head" and lines_wanted is None:
        lines_wanted = 10
    rc = 0
    for f in files:
        if f == "/proc/drbd":
            text = render_proc_drbd(ctx)
        else:
            try:
                with open(f) as fh:
                    text = fh.read()
            except OSError as exc:
                sys.stderr.write(f"{tool}: {f}: {exc.strerror}\n")
                rc = 1
                continue
        if lines_wanted is not None:
            text = "".join(text.splitlines(keepends=True)[:lines_wanted])
        sys.stdout.write(text)
    return rc


def main(argv: list[str]) -> int:
    name = os.path.basename(argv[0])
    try:
        ctx = Context.load()
        if name in ("xm", "xl"):
            return xenemu.main(ctx, name, argv[1:])
        if name == "drbdadm":
            return drbdadm_cmd.main(ctx, argv[1:])
        if name == "drbdsetup":
            return drbdadm_cmd.drbdsetup_main(ctx, argv[1:])
        if name in lvmemu.TOOLS:
            return lvmemu.main(ctx, name, argv[1:])
        if name == "iscsiadm":
            return iscsiemu.main(ctx, argv[1:])
        if len(argv) >= 3 and argv[1] == "proc-drbd":
            return _proc_drbd(ctx, argv[2], argv[3:])
        return die(f"labemu: called as {name!r} with {argv[1:]!r}: nothing to emulate", 2)
    except EmuError as exc:
        return die(str(exc), exc.code)
    except BrokenPipeError:
        return 141


if __name__ == "__main__":
    sys.exit(main(sys.argv))
