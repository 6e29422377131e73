#!/usr/bin/python3
"""Provides the seed lab's ``xentop`` (Xen 3.2) in batch mode, over the ``xm`` emulator's domains.

``xentop -b [-i N] [-d SEC]``: N blocks of a header and one row per domain (batch mode prints no
summary lines), columns and the state flag order d s b c p r of tools/xenstat/xentop/xentop.c.
CPU(%) is 0.0 in the first block, as the real one computes it from the previous sample; later
blocks give each running guest a steady figure derived from its name, Domain-0 a small one.
"""

from __future__ import annotations

import sys
import time
import zlib

from emucommon import Context, EmuError, die
from xenemu import DOM0_MEM, TOTAL_MEM, Xen

HEADER = ("      NAME  STATE   CPU(sec) CPU(%)     MEM(k) MEM(%)  MAXMEM(k) MAXMEM(%) VCPUS NETS "
          "NETTX(k) NETRX(k) VBDS   VBD_OO   VBD_RD   VBD_WR SSID")  # fmt: skip


def row(name: str, state: str, cpu_s: float, pct: float, mem_mib: int, vcpus: int) -> str:
    mem_k = mem_mib * 1024
    share = 100.0 * mem_mib / TOTAL_MEM
    nets, vbds = (0, 0) if name == "Domain-0" else (1, 1)
    return (f"{name:>10} {state:>6} {int(cpu_s):>10} {pct:>6.1f} {mem_k:>10} {share:>6.1f} "
            f"{mem_k:>10} {share:>9.1f} {vcpus:>5} {nets:>4} {0:>8} {0:>8} {vbds:>4} {0:>8} {0:>8} "
            f"{0:>8} {0:>4}")  # fmt: skip


def block(xen: Xen, first: bool) -> str:
    lines = [HEADER, row("Domain-0", "-----r", 5234.0, 0.0 if first else 1.5, DOM0_MEM, 2)]
    for dom in xen.all():
        paused = dom.get("paused")
        state = "---p--" if paused else "--b---"
        pct = 0.0 if first or paused else 2.0 + zlib.crc32(dom["name"].encode()) % 400 / 10
        lines.append(row(dom["name"], state, time.time() - float(dom.get("created", time.time())), pct,
                         int(dom["memory"]), int(dom.get("vcpus", 1))))  # fmt: skip
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    ctx = Context.load()
    ctx.hang_if_asked("xentop")
    iterations, delay, batch = 0, 3.0, False
    it = iter(argv)
    for a in it:
        if a in ("-b", "--batch"):
            batch = True
        elif a in ("-i", "--iterations"):
            iterations = int(next(it, "1"))
        elif a in ("-d", "--delay"):
            delay = float(next(it, "3"))
        else:
            raise EmuError(f"xentop: invalid option -- '{a.lstrip('-')[:1]}'", 1)
    if not batch:
        raise EmuError("seed lab: xentop runs in batch mode only (-b)", 1)
    xen = Xen(ctx, "xm")
    for n in range(max(iterations, 1)):
        if n:
            time.sleep(delay)
        sys.stdout.write(block(xen, first=n == 0))
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except EmuError as exc:
        sys.exit(die(str(exc), exc.code))
