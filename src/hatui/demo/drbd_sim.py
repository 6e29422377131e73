"""Provides DRBD 8.3 behaviour for the demo: connection handshakes, resync, verify and split-brain.

Each resource has two sides (vnode1, vnode2). The sides connect whenever both are up, both want to
and the network lets them; the handshake then decides, as DRBD does from its generation UUIDs,
whether the data diverged (split-brain: both go StandAlone), whether one side must resync from the
other, or whether they are simply Connected.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from hatui.demo.state import DrbdRt, DrbdSide, SyncRt
from hatui.demo.topology import BIT_KIB, DiskDef

if TYPE_CHECKING:
    from hatui.demo.cluster import DemoCluster

#: Activity-log extents a crashed Primary always resyncs, whatever was written (4 MiB each).
AL_RESYNC_KIB = 16 * 4096
VERIFY_KIB_S = 52_000.0


def peer_of(c: DemoCluster, node: str) -> str:
    """Returns the other DRBD node."""
    a, b = c.topo.drbd_nodes
    return b if node == a else a


def node_alive(c: DemoCluster, node: str) -> bool:
    """True when the node's kernel runs (DRBD answers its peer)."""
    return c.nodes[node].power == "up"


def conn_state(c: DemoCluster, rt: DrbdRt, node: str) -> str:
    """Returns the ``cs:`` word this side's /proc/drbd shows."""
    side = rt.sides[node]
    if not side.up:
        return "Unconfigured"
    if not side.want_connect:
        return "StandAlone"
    if not rt.connected:
        return "WFConnection"
    sync = rt.sync
    if sync is None:
        return "Connected"
    if sync.kind == "verify":
        return "VerifyS" if sync.source == node else "VerifyT"
    paused = any(s.user_paused for s in rt.sides.values())
    if sync.source == node:
        return "PausedSyncS" if paused else "SyncSource"
    return "PausedSyncT" if paused else "SyncTarget"


def refresh(c: DemoCluster, rt: DrbdRt) -> bool:
    """Connects or disconnects ``rt`` as its sides and the network allow; True if anything changed."""
    a, b = c.topo.drbd_nodes
    sa, sb = rt.sides[a], rt.sides[b]
    can = sa.up and sb.up and sa.want_connect and sb.want_connect and node_alive(c, a) and node_alive(c, b)
    if rt.connected and not can:
        _drop(rt)
        return True
    if not rt.connected and can:
        _handshake(c, rt, a, b)
        return True
    return False


def _drop(rt: DrbdRt) -> None:
    rt.connected = False
    sync = rt.sync
    if sync is not None and sync.kind == "resync":
        # What was not resynced stays marked out of sync, and the target stays Inconsistent.
        for side in rt.sides.values():
            side.oos_kib = max(side.oos_kib, sync.left_kib)
    rt.sync = None


def _handshake(c: DemoCluster, rt: DrbdRt, a: str, b: str) -> None:
    sa, sb = rt.sides[a], rt.sides[b]
    diverged = (sa.wrote_alone and sb.wrote_alone) or (sa.role == "Primary" and sb.role == "Primary")
    if diverged and sa.discard == sb.discard:
        # after-sb-*pri disconnect (8.3 default): both sides drop to StandAlone.
        rt.split_brain = True
        sa.want_connect = sb.want_connect = False
        c.log(f"drbd {rt.name}: Split-Brain detected, dropping connection!")
        return
    rt.connected = True
    rt.split_brain = False
    # Both bitmaps mark the same blocks unless both sides wrote on their own: then they add up.
    both = sa.oos_kib + sb.oos_kib if diverged else max(sa.oos_kib, sb.oos_kib)
    union = min(float(c.disk_def(rt.name).size_kib), both)
    if diverged:
        victim = a if sa.discard else b
        _start(c, rt, source=peer_of(c, victim), target=victim, total=union + AL_RESYNC_KIB)
    elif sa.disk != "UpToDate" or sb.disk != "UpToDate":
        target = a if sa.disk != "UpToDate" else b
        _start(c, rt, source=peer_of(c, target), target=target, total=max(union, AL_RESYNC_KIB))
    elif sa.wrote_alone or sb.wrote_alone:
        source = a if sa.wrote_alone else b
        _start(c, rt, source=source, target=peer_of(c, source), total=union + AL_RESYNC_KIB)
    for side in (sa, sb):
        side.wrote_alone = False
        side.discard = False


def _start(
    c: DemoCluster, rt: DrbdRt, *, source: str, target: str, total: float, kind: str = "resync"
) -> None:
    now = c.t
    rate = VERIFY_KIB_S if kind == "verify" else 30_000.0 + 12_000.0 * c.rng.random()
    rt.sync = SyncRt(kind, source, target, total, total, now, 0.0, rate, now, total, now, total)
    if kind == "resync":
        rt.sides[target].disk = "Inconsistent"
        for side in rt.sides.values():
            side.oos_kib = total


@dataclass(frozen=True, slots=True)
class Refusal:
    """The kernel's answer to a drbdadm command it refuses: DRBD's return code and its text."""

    code: int
    """Above 100 an ``ERR_*`` code (``Failure:``), at or below 0 an ``SS_*`` state-change code."""
    text: str

    @property
    def message(self) -> str:
        """The line drbdsetup prints (after the object name, where it prints one)."""
        if self.code > 100:
            return f"Failure: ({self.code}) {self.text}"
        return f"State change failed: ({self.code}) {self.text}"

    @property
    def exit_status(self) -> int:
        """drbdsetup's exit status (print_config_error, the same rule in 8.3 and 9)."""
        if self.code > 100:
            return 10
        # SS_NO_UP_TO_DATE_DISK, SS_NO_LOCAL_DISK and SS_LOWER_THAN_OUTDATED have their own.
        return {-2: 17, -4: 16, -16: 5}.get(self.code, 11)


def admin(
    c: DemoCluster, node: str, name: str, command: str, *, force: bool = False, discard: bool = False
) -> Refusal | None:
    """Applies ``drbdadm COMMAND name`` to ``node``'s side, or says why the kernel refuses it.

    The rules are the kernel's and the same in 8.3 and 9; how a refusal is printed, and which
    spelling of ``force`` (8.3's ``--overwrite-data-of-peer``, 9's ``--force``) and ``discard`` a
    command line needs, is each generation's drbdadm's business. The side must be up, except for
    ``up``/``adjust``.
    """
    rt = c.drbd[name]
    side, peer = rt.sides[node], rt.sides[peer_of(c, node)]
    vm = c.topo.vm_of_disk(name)
    in_use = vm is not None and vm.name in c.nodes[node].domains
    if command in ("up", "adjust"):
        side.up, side.allocated, side.want_connect = True, True, True
    elif command in ("down", "secondary"):
        if in_use:
            return Refusal(-12, "Device is held open by someone")
        if command == "down":
            side.up = False
        side.role = "Secondary"
    elif command == "connect":
        if side.want_connect:
            return Refusal(125, "Device has a net-config (use disconnect first)")
        if discard and side.role == "Primary":
            return Refusal(123, "--discard-my-data not allowed when primary.")
        side.want_connect, side.discard = True, discard
    elif command == "disconnect":
        side.want_connect = False
    elif command == "primary":
        if rt.connected and peer.role == "Primary":
            return Refusal(-1, "Multiple primaries not allowed by config")
        if not (force or side.disk == "UpToDate" or (rt.connected and peer.disk == "UpToDate")):
            return Refusal(-2, "Need access to UpToDate data")
        side.role = "Primary"
        side.disk = "UpToDate" if force else side.disk
    elif command in ("invalidate", "verify"):
        if not rt.connected or rt.sync is not None:
            return Refusal(-15, "Need a connection to start verify or resync")
        if command == "invalidate":
            start_full_resync(c, rt, node)
        else:
            start_verify(c, rt, node)
    elif command in ("pause-sync", "resume-sync"):
        pause = command == "pause-sync"
        if side.user_paused == pause:
            return (
                Refusal(134, "Sync-pause flag is already set")
                if pause
                else Refusal(135, "Sync-pause flag is already cleared")
            )
        side.user_paused = pause
    else:
        raise ValueError(f"drbd_sim.admin: no kernel rule for {command!r}")
    refresh(c, rt)
    return None


def start_full_resync(c: DemoCluster, rt: DrbdRt, target: str) -> None:
    """``drbdadm invalidate`` on ``target``: every block comes again from the peer."""
    _start(c, rt, source=peer_of(c, target), target=target, total=float(c.disk_def(rt.name).size_kib))


def start_verify(c: DemoCluster, rt: DrbdRt, source: str) -> None:
    """``drbdadm verify`` on ``source``."""
    _start(
        c,
        rt,
        source=source,
        target=peer_of(c, source),
        total=float(c.disk_def(rt.name).size_kib),
        kind="verify",
    )


def sync_speed(sync: SyncRt, second: int) -> float:
    """KiB/s during one whole second: the syncer rate wobbles with competing application I/O."""
    phase = (sum(map(ord, sync.source)) % 7) + sync.started_at
    wobble = 0.16 * math.sin(second / 3.1 + phase) + 0.07 * math.sin(second / 0.9 + 2 * phase)
    return sync.base_kib_s * (1.0 + wobble)


def flow(c: DemoCluster, rt: DrbdRt, t0: float, t1: float) -> bool:
    """Moves ``rt`` from ``t0`` to ``t1`` (one or ten seconds later); True when a sync just ended."""
    dt = t1 - t0
    disk = c.disk_def(rt.name)
    for node, side in rt.sides.items():
        if side.up and side.role == "Primary" and c.vm_domain_running(disk, node):
            _write(rt, side, peer=rt.sides[peer_of(c, node)], disk=disk, dt=dt)
    sync = rt.sync
    if sync is None or not rt.connected:
        return False
    if any(s.user_paused for s in rt.sides.values()) and sync.kind == "resync":
        sync.paused_s += dt
        return False
    done = min(sync.left_kib, sync_speed(sync, int(t0)) * dt)
    sync.left_kib -= done
    src, dst = rt.sides[sync.source], rt.sides[sync.target]
    src.counters["ns"] += done
    src.counters["dr"] += done
    dst.counters["nr"] += done
    if sync.kind == "resync":
        dst.counters["dw"] += done
        for side in rt.sides.values():
            side.oos_kib = sync.left_kib
    if t1 - sync.mark_at >= 3.0:
        # /proc/drbd's "speed" is measured against sync marks taken every few seconds.
        sync.prev_mark_at, sync.prev_mark_left_kib = sync.mark_at, sync.mark_left_kib
        sync.mark_at, sync.mark_left_kib = t1, sync.left_kib
    if sync.left_kib > 0.5:
        return False
    rt.sync = None
    if sync.kind == "resync":
        dst.disk = "UpToDate"
        for side in rt.sides.values():
            side.oos_kib = 0.0
    c.log(f"drbd {rt.name}: {sync.kind} finished ({sync.source} -> {sync.target})")
    return True


def _write(rt: DrbdRt, side: DrbdSide, *, peer: DrbdSide, disk: DiskDef, dt: float) -> None:
    written = disk.write_kib_s * dt
    side.counters["dw"] += written
    side.counters["dr"] += written * 0.7
    side.counters["al"] += written / 4096.0
    if rt.connected:
        side.counters["ns"] += written
        peer.counters["nr"] += written
        peer.counters["dw"] += written
        return
    # Rewrites of hot blocks do not add to the bitmap: only part of the writes are new blocks.
    side.oos_kib = min(float(disk.size_kib), side.oos_kib + written * 0.35)
    side.counters["bm"] += written / 65536.0
    side.wrote_alone = True


def progress(sync: SyncRt, now: float) -> tuple[int, int, int, int, int]:
    """Returns what 8.3.7 prints: (per-mille done, left KiB, ETA s, speed KiB/s, average KiB/s)."""
    total_bits = int(sync.total_kib) // BIT_KIB
    left_bits = int(sync.left_kib) // BIT_KIB
    per_mil = 1000 - (left_bits >> 10) * 1000 // ((total_bits >> 10) + 1)
    mark_at, mark_left = sync.prev_mark_at, sync.prev_mark_left_kib
    if now - mark_at < 1.0:
        mark_at, mark_left = sync.started_at, sync.total_kib
    dt = max(1, int(now - mark_at))
    db = max(0, int(mark_left) // BIT_KIB - left_bits)
    eta = (dt * (left_bits // (db // 100 + 1))) // 100
    speed = (db // dt) * BIT_KIB
    dt_all = max(1, int(now - sync.started_at - sync.paused_s))
    average = ((total_bits - left_bits) // dt_all) * BIT_KIB
    return per_mil, left_bits * BIT_KIB, eta, speed, average
