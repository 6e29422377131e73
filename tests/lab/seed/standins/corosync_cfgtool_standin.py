#!/usr/bin/python3
"""Provides the seed lab's ``corosync-cfgtool`` as Corosync 1.2.1 has it: ``-s`` with two rings, ``-r``.

Ring 0 is the node's lab address, ring 1 the same host on 127.0.3.0/24 (the reference cluster's
second, public ring). A ring is FAULTY while the harness's flag ``<state>/faults/ringN-faulty``
exists; ``-r`` removes the flags of every node, since 1.2.1 resets ring state cluster-wide.
Texts from corosync v1.2.1 (tools/corosync-cfgtool.c, exec/totemrrp.c, its "adminisrtative" typo
included); the local node ID is the ring 0 address read as a little-endian integer, as 1.2.1
derives it when corosync.conf sets none. Other options print the usage and fail.
"""

from __future__ import annotations

import ipaddress
import sys
from pathlib import Path

from emucommon import Context, EmuError, die

USAGE = (
    "usage:  corosync-cfgtool [-s] [-r] [-l] [-u] [-H] [service_name] [-v] [version] [-k] [nodeid] "
    "[-a] [nodeid]\n"
)
RING1_NET = "127.0.3.0"


def ring_addresses(ctx: Context) -> list[str]:
    ring0 = ipaddress.IPv4Address(ctx.layout["nodes"][ctx.node]["address"])
    ring1 = ipaddress.IPv4Address(RING1_NET) + int(ring0.packed[3])
    return [str(ring0), str(ring1)]


def flag(ctx: Context, ring: int) -> Path:
    return ctx.state / "faults" / f"ring{ring}-faulty"


def status(ctx: Context) -> str:
    addrs = ring_addresses(ctx)
    node_id = int.from_bytes(ipaddress.IPv4Address(addrs[0]).packed, "little")
    out = ["Printing ring status.", f"Local node ID {node_id}"]
    for ring, addr in enumerate(addrs):
        if flag(ctx, ring).exists():
            seq = flag(ctx, ring).read_text().strip() or "0"
            state = (f"Marking seqid {seq} ringid {ring} interface {addr} FAULTY - "
                     "adminisrtative intervention required.")  # fmt: skip
        else:
            state = f"ring {ring} active with no faults"
        out += [f"RING ID {ring}", f"\tid\t= {addr}", f"\tstatus\t= {state}"]
    return "\n".join(out) + "\n"


def main(argv: list[str]) -> int:
    ctx = Context.load()
    ctx.hang_if_asked("corosync-cfgtool")
    if argv == ["-s"]:
        sys.stdout.write(status(ctx))
        return 0
    if argv == ["-r"]:
        print("Re-enabling all failed rings.")
        for ring in (0, 1):
            flag(ctx, ring).unlink(missing_ok=True)
        return 0
    bad = next((a for a in argv if a not in ("-s", "-r", "-h", "-H")), None)
    if bad is not None and bad.startswith("-") and bad[1:2] not in "lukvac":
        sys.stderr.write(f"corosync-cfgtool: invalid option -- '{bad[1:2] or bad}'\n")
    sys.stdout.write(USAGE)
    return 1


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except EmuError as exc:
        sys.exit(die(str(exc), exc.code))
