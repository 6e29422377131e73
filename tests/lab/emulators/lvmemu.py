"""Provides the LVM stand-in: ``lvs``, ``vgs``, ``lvcreate`` and ``lvremove`` over the node's real LVM,
with the snapshots device-mapper would keep.

The node's volume group is real (``tests.lab.storage``), but this kernel has no device-mapper, and
LVM refuses a snapshot without it. ``lvcreate -s -L SIZE -n NAME VG/LV`` therefore makes a real
plain LV of the snapshot's size (so the VG's free space shrinks as it would) and records it as a
snapshot of LV in ``<state>/lvm/<node>.json``. ``lvs`` runs the real ``lvs`` and rewrites those rows
as LVM prints a thick snapshot (``swi-a-s---``, its origin, its fill in ``snap_percent`` and
``data_percent``; ``swi-I-s---`` at 100 %: invalid) and marks the origin ``o``; ``vgs`` counts the
snapshots in ``snap_count``. With no snapshot recorded both are the real tools, untouched.
``lvremove`` is the real one (removing an origin takes its snapshots too) and forgets what went.

A snapshot fills at the rate in ``<state>/faults/<node>/snapshot-fill`` (``{"rate": percent per
second, "since": epoch}``; no file: it stays empty), counted from its creation or from ``since``,
whichever is later. ``pvs`` is the real tool (no stand-in).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import lvmreport
from emucommon import Context, EmuError, locked, read_json, write_json

TOOLS = ("lvs", "vgs", "lvcreate", "lvremove")
REAL = "/usr/sbin/lvm" if Path("/usr/sbin/lvm").exists() else "/sbin/lvm"
#: What the real tools say on a kernel without device-mapper; a node "with" one never says it.
DM_NOISE = ("/dev/mapper/control", "Failure to communicate with kernel", "Check that device-mapper",
            "Incompatible libdevmapper", "WARNING: Activation disabled", "not zeroed.")  # fmt: skip


def _real(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([REAL, *argv], capture_output=True, text=True, check=False,
                          stdin=subprocess.DEVNULL)  # fmt: skip


def _exec_real(tool: str, argv: list[str]) -> int:
    os.execv(REAL, [tool, *argv])
    return 127  # not reached


def _quiet(text: str) -> str:
    return "".join(ln for ln in text.splitlines(keepends=True) if not any(n in ln for n in DM_NOISE))


class Snapshots:
    """The snapshots recorded on this node: ``"vg/name" -> {"origin": lv, "created": epoch}``."""

    def __init__(self, ctx: Context) -> None:
        self.path = ctx.state / "lvm" / f"{ctx.node}.json"
        self.lock = ctx.state / "lvm" / f"{ctx.node}.lock"
        self.fill_file = ctx.state / "faults" / ctx.node / "snapshot-fill"

    def load(self) -> dict[str, dict[str, Any]]:
        data: dict[str, dict[str, Any]] = read_json(self.path, {}).get("snapshots", {})
        return data

    def save(self, snaps: dict[str, dict[str, Any]]) -> None:
        write_json(self.path, {"snapshots": snaps})

    def fill(self, rec: dict[str, Any], now: float) -> float:
        fault = read_json(self.fill_file, None)
        if not fault:
            return 0.0
        start = max(float(rec["created"]), float(fault.get("since", 0.0)))
        return min(100.0, max(0.0, float(fault["rate"]) * (now - start)))


def _lv_key(name: str) -> str:
    return name.removeprefix("/dev/").strip("/")


def report(ctx: Context, tool: str, argv: list[str]) -> int:
    """``lvs`` / ``vgs``: the real report, with the recorded snapshots as device-mapper would show them."""
    ctx.hang_if_asked(tool)
    store = Snapshots(ctx)
    snaps = store.load()
    if not snaps:
        return _exec_real(tool, argv)
    req = lvmreport.parse(tool, argv)
    proc = _real(*req.real_argv(["lv_name", "vg_name"] if tool == "lvs" else ["vg_name"]))
    if proc.returncode != 0:
        return _exec_real(tool, argv)  # the real tool's own error, as it prints it
    rows = lvmreport.rows_of(tool, proc.stdout)
    now = time.time()
    if tool == "lvs":
        origins = {f"{key.split('/')[0]}/{rec['origin']}" for key, rec in snaps.items()}
        for row in rows:
            key = f"{row.get('vg_name')}/{row.get('lv_name')}"
            if key in snaps:
                pct = store.fill(snaps[key], now)
                row.update(lv_attr=f"swi-{'I' if pct >= 100.0 else 'a'}-s---", origin=snaps[key]["origin"],
                           snap_percent=f"{pct:.2f}", data_percent=f"{pct:.2f}")  # fmt: skip
            elif key in origins and row.get("lv_attr"):
                row["lv_attr"] = "o" + row["lv_attr"][1:]
    else:
        for row in rows:
            row["snap_count"] = str(sum(1 for key in snaps if key.split("/")[0] == row.get("vg_name")))
    sys.stderr.write(proc.stderr)
    sys.stdout.write(lvmreport.render(req, rows))
    return 0


def _lvcreate_args(argv: list[str]) -> tuple[str | None, str | None, list[str]]:
    size = name = None
    positional = []
    it = iter(argv)
    for arg in it:
        opt, eq, inline = arg.partition("=") if arg.startswith("--") else (arg, "", "")
        if opt in ("-L", "--size"):
            size = inline if eq else next(it, "")
        elif opt in ("-n", "--name"):
            name = inline if eq else next(it, "")
        elif arg.startswith(("-L", "-n")) and not arg.startswith("--"):
            size, name = (arg[2:], name) if arg[1] == "L" else (size, arg[2:])
        elif not arg.startswith("-"):
            positional.append(arg)
    return size, name, positional


def lvcreate(ctx: Context, argv: list[str]) -> int:
    """``lvcreate -s -L SIZE -n NAME VG/LV``: a real LV of that size, recorded as a snapshot of LV.

    Any other ``lvcreate`` is the real one, inactive (``-an``): nothing here can be activated.
    """
    if not any(a in ("-s", "--snapshot") for a in argv):
        return _exec_real("lvcreate", ["--driverloaded", "n", "-an", *argv])
    size, name, positional = _lvcreate_args(argv)
    if not size or not name or len(positional) != 1 or "/" not in _lv_key(positional[0]):
        raise EmuError("lvcreate: the lab's snapshot stand-in takes -s -L SIZE -n NAME VG/LV", 3)
    origin_key = _lv_key(positional[0])
    vg, origin = origin_key.split("/", 1)
    store = Snapshots(ctx)
    with locked(store.lock):
        snaps = store.load()
        if origin_key in snaps:
            raise EmuError("  Snapshots of snapshots are not supported.", 5)
        found = _real("lvs", "--noheadings", "-o", "lv_name", origin_key)
        if found.returncode != 0:
            sys.stderr.write(_quiet(found.stderr))
            return found.returncode
        made = _real("lvcreate", "--driverloaded", "n", "-an", "-Zn", "-L", size, "-n", name, vg)
        if made.returncode != 0:
            sys.stderr.write(_quiet(made.stderr))
            return made.returncode
        snaps[f"{vg}/{name}"] = {"origin": origin, "created": time.time()}
        store.save(snaps)
    sys.stdout.write(f'  Logical volume "{name}" created.\n')
    return 0


def lvremove(ctx: Context, argv: list[str]) -> int:
    """The real ``lvremove``; an origin's snapshots go first (LVM removes them with it), and every
    recorded snapshot that no longer exists is forgotten."""
    targets = [_lv_key(a) for a in argv if not a.startswith("-")]
    options = [a for a in argv if a.startswith("-")]
    store = Snapshots(ctx)
    with locked(store.lock):
        snaps = store.load()
        children = [key for key, rec in snaps.items()
                    if f"{key.split('/')[0]}/{rec['origin']}" in targets and key not in targets]  # fmt: skip
        proc = _real("lvremove", *options, *children, *targets)
        sys.stdout.write(proc.stdout)
        sys.stderr.write(_quiet(proc.stderr))
        listed = _real("lvs", "--noheadings", "--separator", "/", "-o", "vg_name,lv_name")
        if listed.returncode == 0:
            existing = {line.strip() for line in listed.stdout.splitlines()}
            store.save({key: rec for key, rec in snaps.items() if key in existing})
    return proc.returncode


def main(ctx: Context, tool: str, argv: list[str]) -> int:
    if tool in ("lvs", "vgs"):
        return report(ctx, tool, argv)
    if tool == "lvcreate":
        return lvcreate(ctx, argv)
    return lvremove(ctx, argv)
