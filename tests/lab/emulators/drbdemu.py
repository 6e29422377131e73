"""Provides the DRBD 8.3 emulation: a shared per-resource state machine, ``drbdadm`` and ``/proc/drbd``.

Both members of a pair read and write one JSON file per resource under ``<state>/drbd/`` (with a
flock), so they always agree. What a real kernel would know by itself is derived on every call:

* a side belongs to one boot of its node (``<state>/nodes/<node>.boot``); after a kill and
  restart the node's minor is gone until ``drbdadm up``, but its disk state (the on-disk
  metadata) survives;
* the link is up while both sides want it and both nodes are alive and not frozen; a side that
  is Primary while the link is down has "diverged", and the next handshake resyncs from it (an
  activity-log sized resync) or, when both diverged, detects split brain (both StandAlone);
* a resync progresses with wall-clock time at the configured rate while the link is up.

Lab simplification: ``drbdadm primary`` on a connected pair whose last Primary was the peer
starts a small resync towards the peer (``switchover_resync_kb`` in the layout, 0 turns it off),
so that a planned switchover shows a resync as a crash would.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from emucommon import Context, EmuError, locked, read_json, thousands, write_json

VERSION_HEADER = "version: 8.3.11 (api:88/proto:86-96)\nsrcversion: 0D2B62DEDB020A425130935 \n"
#: The seed lab's layout says ``"drbd_version": "8.3.7"``: the reference cluster's release, whose
#: /proc/drbd names its build by GIT hash (drbd/Makefile of drbd-8.3.7).
VERSION_HEADERS = {
    "8.3.11": VERSION_HEADER,
    "8.3.7": "version: 8.3.7 (api:88/proto:86-91)\n"
    "GIT-hash: ea9e28dbff98e331a62bcbcc63a6135808fe2917 build by root@vnode1, 2010-02-01 12:00:00\n",
}


def drbd_version(ctx: Context) -> str:
    """The DRBD release this lab emulates (8.3.11 unless the layout names another)."""
    return str(ctx.layout.get("drbd_version", "8.3.11"))


def _fresh_side() -> dict[str, Any]:
    return {
        "boot": None, "allocated": False, "up": False, "role": "Secondary", "disk": "UpToDate",
        "want_connect": False, "discard": False, "diverged": False,
        "ns": 0, "nr": 0, "dw": 0, "dr": 0, "al": 0, "bm": 0,
    }  # fmt: skip


def initial_state(nodes: list[str]) -> dict[str, Any]:
    """The state a resource starts in: both disks UpToDate, nothing configured yet."""
    return {
        "sides": {n: _fresh_side() for n in nodes},
        "link_up": False,
        "split_brain": False,
        "last_primary": None,
        "sync": None,
    }


class Resource:
    """One DRBD resource seen from the node the emulator runs on."""

    def __init__(self, ctx: Context, name: str) -> None:
        conf = ctx.layout["drbd"].get(name)
        if conf is None or ctx.node not in conf["nodes"]:
            raise EmuError(f"'{name}' not defined in your config (for this host).", 10)
        self.ctx = ctx
        self.name = name
        self.conf = conf
        self.minor: int = conf["minor"]
        self.me = ctx.node
        self.peer: str = next(n for n in conf["nodes"] if n != ctx.node)
        self.path = ctx.state / "drbd" / f"{name}.json"
        self.lock = ctx.state / "drbd" / f"{name}.lock"
        self.size_kb: int = conf["size_kb"]
        self.rate: int = ctx.layout["sync_rate_kb"]
        self.st: dict[str, Any] = {}
        self.now = 0.0

    # -- state machine ----------------------------------------------------------------------

    def load(self) -> None:
        self.now = time.time()
        self.st = read_json(self.path, None) or initial_state(self.conf["nodes"])
        self._normalize()

    def save(self) -> None:
        write_json(self.path, self.st)

    def side(self, node: str) -> dict[str, Any]:
        s: dict[str, Any] = self.st["sides"][node]
        return s

    def _present(self, node: str) -> bool:
        s = self.side(node)
        return s["boot"] is not None and s["boot"] == self.ctx.current_boot(node)

    def _wants_link(self, node: str) -> bool:
        s = self.side(node)
        return self._present(node) and s["up"] and s["want_connect"] and self.ctx.node_alive(node)

    def sync_done(self) -> float:
        sync = self.st["sync"]
        if sync is None:
            return 0.0
        done = float(sync["done"])
        if sync["since"] is not None:
            done += (self.now - sync["since"]) * sync["rate"]
        return min(done, float(sync["total"]))

    def start_sync(self, source: str, total: int, kind: str = "sync") -> None:
        """Starts a resync (or an online verify) from ``source`` towards the other side."""
        target = next(n for n in self.conf["nodes"] if n != source)
        if kind == "sync":
            self.side(target)["disk"] = "Inconsistent"
        self.st["sync"] = {
            "kind": kind, "source": source, "target": target, "total": max(4, int(total)),
            "done": 0, "since": self.now, "rate": self.rate,
        }  # fmt: skip

    def _normalize(self) -> None:
        for node in self.conf["nodes"]:
            s = self.side(node)
            if s["boot"] is not None and not self._present(node):
                # The node rebooted: its kernel state is gone, its disk metadata is not.
                disk = s["disk"]
                s.clear()
                s.update(_fresh_side())
                s["disk"] = disk
        a, b = self.conf["nodes"]
        link = self._wants_link(a) and self._wants_link(b)
        if link and not self.st["link_up"]:
            link = self._handshake(a, b)
        elif not link and self.st["link_up"]:
            self.st["link_up"] = False
            sync = self.st["sync"]
            if sync is not None and sync["kind"] == "verify":
                self.st["sync"] = None  # an online verify does not survive a disconnect
            elif sync is not None:
                sync["done"] = self.sync_done()
                sync["since"] = None
        if self.st["link_up"]:
            self._advance_sync()
        else:
            for node in (a, b):
                s = self.side(node)
                if self._present(node) and s["up"] and s["role"] == "Primary":
                    s["diverged"] = True

    def _handshake(self, a: str, b: str) -> bool:
        sa, sb = self.side(a), self.side(b)
        victim = next((n for n, s in ((a, sa), (b, sb)) if s["discard"] and s["role"] == "Secondary"), None)
        sa["discard"] = sb["discard"] = False
        if self.st["split_brain"] or (sa["diverged"] and sb["diverged"]):
            if victim is None:
                self.st["split_brain"] = True
                sa["want_connect"] = sb["want_connect"] = False
                return False
            self.st["split_brain"] = False
            sa["diverged"] = sb["diverged"] = False
            self.st["link_up"] = True
            self.start_sync(b if victim == a else a, self.ctx.layout["al_resync_kb"])
            return True
        self.st["link_up"] = True
        source = a if sa["diverged"] else b if sb["diverged"] else None
        sa["diverged"] = sb["diverged"] = False
        sync = self.st["sync"]
        if sync is not None and sync["kind"] == "sync" and source in (None, sync["source"]):
            sync["since"] = self.now  # resume where it paused
        elif source is not None:
            target = b if source == a else a
            total = self.size_kb if self.side(target)["disk"] == "Inconsistent" else 0
            self.start_sync(source, max(total, self.ctx.layout["al_resync_kb"]))
        else:
            self.st["sync"] = None
            for x, y in ((a, b), (b, a)):
                if self.side(x)["disk"] == "Inconsistent" and self.side(y)["disk"] == "UpToDate":
                    self.start_sync(y, self.size_kb)
        return True

    def _advance_sync(self) -> None:
        sync = self.st["sync"]
        if sync is None:
            return
        if sync["since"] is None:
            sync["since"] = self.now
        if self.sync_done() < sync["total"]:
            return
        src, dst = self.side(sync["source"]), self.side(sync["target"])
        if sync["kind"] == "sync":
            dst["disk"] = "UpToDate"
            src["ns"] += sync["total"]
            dst["nr"] += sync["total"]
            dst["dw"] += sync["total"]
        else:
            src["dr"] += sync["total"]
            dst["dr"] += sync["total"]
        self.st["sync"] = None

    # -- views --------------------------------------------------------------------------------

    @property
    def allocated(self) -> bool:
        return self._present(self.me) and self.side(self.me)["allocated"]

    @property
    def up(self) -> bool:
        return self.allocated and self.side(self.me)["up"]

    def cstate(self) -> str:
        if not self.up:
            return "Unconfigured"
        s = self.side(self.me)
        if not s["want_connect"]:
            return "StandAlone"
        if not self.st["link_up"]:
            return "WFConnection"
        sync = self.st["sync"]
        if sync is None:
            return "Connected"
        suffix = "S" if sync["source"] == self.me else "T"
        if sync["kind"] == "verify":
            return f"Verify{suffix}"
        return "SyncSource" if suffix == "S" else "SyncTarget"

    def roles(self) -> tuple[str, str]:
        peer = self.side(self.peer)["role"] if self.st["link_up"] else "Unknown"
        return self.side(self.me)["role"], peer

    def disks(self) -> tuple[str, str]:
        peer = self.side(self.peer)["disk"] if self.st["link_up"] else "DUnknown"
        return self.side(self.me)["disk"], peer

    def out_of_sync_kb(self) -> int:
        sync = self.st["sync"]
        if sync is not None and sync["kind"] == "sync" and self.st["link_up"]:
            return int(sync["total"] - self.sync_done())
        if self.side(self.me)["diverged"]:
            return int(self.ctx.layout["al_resync_kb"])
        return 0

    def proc_lines(self) -> list[str]:
        """This minor's lines in /proc/drbd (8.3.11 layout), or none when the minor is not allocated."""
        if not self.allocated:
            return []
        if not self.up:
            return [f"{self.minor:2d}: cs:Unconfigured"]
        cs = self.cstate()
        ro, ds = "/".join(self.roles()), "/".join(self.disks())
        proto = " " if cs == "StandAlone" else "C"
        s = self.side(self.me)
        counters = dict(s)
        sync = self.st["sync"]
        done = int(self.sync_done()) if sync is not None else 0
        if sync is not None and self.st["link_up"]:
            if sync["source"] == self.me:
                counters["ns"] += done if sync["kind"] == "sync" else 0
            else:
                counters["nr"] += done if sync["kind"] == "sync" else 0
                counters["dw"] += done if sync["kind"] == "sync" else 0
            counters["dr"] += done if sync["kind"] == "verify" or sync["source"] == self.me else 0
        lines = [
            f"{self.minor:2d}: cs:{cs} ro:{ro} ds:{ds} {proto} r-----",
            "    ns:{ns} nr:{nr} dw:{dw} dr:{dr} al:{al} bm:{bm} lo:0 pe:0 ua:0 ap:0 ep:1 wo:f".format(
                **counters
            )
            + f" oos:{self.out_of_sync_kb()}",
        ]
        if cs in ("SyncSource", "SyncTarget"):
            lines += self._progress_lines(cs == "SyncTarget")
        elif cs in ("VerifyS", "VerifyT") and sync is not None:
            total_bits = sync["total"] // 4
            done_bits = done // 4
            pct = done_bits // (total_bits // 100 + 1)
            lines.append(f"\t{pct:3d}%      {done_bits}/{total_bits}")
        return lines

    def _progress_lines(self, target: bool) -> list[str]:
        sync = self.st["sync"]
        total_kb = int(sync["total"])
        left_kb = total_kb - int(self.sync_done())
        # DRBD counts 4 KiB bitmap bits and rounds through >>10 (the samples agree with this).
        left_bits, total_bits = left_kb // 4, total_kb // 4
        res = 1000 - (left_bits >> 10) * 1000 // ((total_bits >> 10) + 1)
        x = res // 50
        bar = "=" * max(0, x - 1) + ">" + "." * (20 - x)
        rate = int(sync["rate"])
        secs = int(left_kb / rate) if rate else 0
        want = f" want: {thousands(rate)}" if target else ""
        return [
            f"\t[{bar}] sync'ed:{res // 10:3d}.{res % 10}% ({left_kb}/{total_kb})K",
            f"\tfinish: {secs // 3600}:{secs // 60 % 60:02d}:{secs % 60:02d} speed: "
            f"{thousands(rate)} ({thousands(rate)}){want} K/sec",
        ]


def local_resources(ctx: Context) -> list[str]:
    """The resources this node takes part in, by minor."""
    names = [n for n, c in ctx.layout["drbd"].items() if ctx.node in c["nodes"]]
    return sorted(names, key=lambda n: int(ctx.layout["drbd"][n]["minor"]))


def open_resource(ctx: Context, name: str) -> Resource:
    """Loads a resource under its lock and saves what the derivation changed; for read-only views."""
    res = Resource(ctx, name)
    with locked(res.lock):
        res.load()
        res.save()
    return res


def render_proc_drbd(ctx: Context) -> str:
    """The whole /proc/drbd of this node: header, then allocated minors, a blank line per hole."""
    out = VERSION_HEADERS[drbd_version(ctx)].rstrip("\n").split("\n")
    minors = {int(c["minor"]): n for n, c in ctx.layout["drbd"].items() if ctx.node in c["nodes"]}
    hole = False
    for minor in range(0, max(minors, default=-1) + 1):
        lines = open_resource(ctx, minors[minor]).proc_lines() if minor in minors else []
        if not lines:
            hole = True
            continue
        if hole:
            out.append("")
            hole = False
        out.extend(lines)
    return "\n".join(out) + "\n"


def domains_holding(ctx: Context, resource: str) -> list[str]:
    """Names of local Xen domains whose disks use ``resource`` (an open device cannot demote)."""
    holders = []
    for path in sorted(Path(ctx.run_dir, "xen-emu", "domains").glob("*.json")):
        dom = read_json(path, {})
        if resource in dom.get("drbd", []):
            holders.append(str(dom.get("name", path.stem)))
    return holders
