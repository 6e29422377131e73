"""Provides the DRBD health checks, which compare both ends of each resource.

No output hatui reads says "split-brain": the kernel writes "Split-Brain detected, dropping
connection!" to its log, and /proc/drbd, ``drbdsetup status`` and ``drbdadm status`` only show the
resource StandAlone (on one or both ends, the other waiting in WFConnection). An admin's
``drbdadm disconnect`` leaves exactly the same states, so StandAlone alone proves nothing. The rule:

- ``drbd-split-brain`` CRITICAL when the connection is down on every end seen (at least one
  StandAlone, the others StandAlone or waiting) and the copies have evidently diverged:
  * both ends are Primary (two writers, nothing kept them apart), or
  * every end holds changes the other lacks: its out-of-sync counter is above zero on both ends.
    A Secondary cannot be written to, so after a disconnect on purpose only the Primary's counter
    grows; a Secondary with blocks of its own out of sync was a writer too (promoted while apart).
  With one end seen, the only tell is a StandAlone Primary whose peer was last seen Primary.
- ``drbd-standalone`` WARNING otherwise: disconnected on purpose or not, it does not replicate and
  will not reconnect by itself until someone runs ``drbdadm connect``; the data on each side is
  still consistent. Where the counters are not printed (DRBD 8.0, ``drbdadm status`` without
  statistics) and the roles do not prove divergence, hatui says StandAlone, not split-brain.
"""

from __future__ import annotations

from collections import defaultdict

from hatui.model.health_types import CRITICAL, WARNING, Problem
from hatui.model.view import ClusterView, NodeDrbd
from hatui.model.words import ConnState, DiskState, DrbdRole, ReplState

#: Every code the rules here give.
DRBD_CODES = frozenset(
    {
        "drbd-split-brain",
        "drbd-standalone",
        "drbd-disconnected",
        "drbd-syncing",
        "drbd-degraded",
        "drbd-dual-primary",
    }
)

_WAITING = {
    ConnState.WF_CONNECTION,
    ConnState.CONNECTING,
    ConnState.UNCONNECTED,
    ConnState.TIMEOUT,
    ConnState.BROKEN_PIPE,
    ConnState.NETWORK_FAILURE,
    ConnState.WF_REPORT_PARAMS,
}
_SYNCING = {
    ReplState.SYNC_SOURCE,
    ReplState.SYNC_TARGET,
    ReplState.PAUSED_SYNC_S,
    ReplState.PAUSED_SYNC_T,
    ReplState.STARTING_SYNC_S,
    ReplState.STARTING_SYNC_T,
    ReplState.WF_BITMAP_S,
    ReplState.WF_BITMAP_T,
    ReplState.WF_SYNC_UUID,
    ReplState.VERIFY_S,
    ReplState.VERIFY_T,
}
_BAD_DISKS = {
    DiskState.DISKLESS,
    DiskState.FAILED,
    DiskState.OUTDATED,
    DiskState.INCONSISTENT,
    DiskState.D_UNKNOWN,
}


def drbd_problems(view: ClusterView) -> list[Problem]:
    """Problems of every DRBD device on every reachable node."""
    out: list[Problem] = []
    by_name: dict[str, list[NodeDrbd]] = defaultdict(list)
    for nd in view.drbd:
        by_name[nd.label].append(nd)
    split = {label for label, ends in by_name.items() if _split_brain(ends)}
    for label in sorted(split):
        ends = by_name[label]
        sides = ", ".join(
            f"{e.node} {e.device.role_raw}/{e.device.disk_raw} {e.device.peers[0].connection_raw}"
            for e in ends
            if e.device.peers
        )
        out.append(Problem(CRITICAL, "drbd-split-brain", label, None, f"DRBD {label} split-brain: {sides}"))
    primaries = {
        label: [e.node for e in ends if e.device.role is DrbdRole.PRIMARY] for label, ends in by_name.items()
    }
    for nd in view.drbd:
        if nd.label in split:
            continue
        out += _device(nd, len(primaries.get(nd.label, [])))
    return out


def _split_brain(ends: list[NodeDrbd]) -> bool:
    if len(ends) < 2:
        # One end seen: StandAlone with a peer that was Primary too is the only tell.
        e = ends[0]
        return bool(e.device.peers) and all(
            p.connection is ConnState.STANDALONE
            and e.device.role is DrbdRole.PRIMARY
            and p.role is DrbdRole.PRIMARY
            for p in e.device.peers
        )
    conns = [p.connection for e in ends for p in e.device.peers]
    if ConnState.STANDALONE not in conns or not all(
        c is ConnState.STANDALONE or c in _WAITING for c in conns
    ):
        return False
    both_primary = sum(e.device.role is DrbdRole.PRIMARY for e in ends) > 1
    both_wrote = all((_out_of_sync(e) or 0) > 0 for e in ends)
    return both_primary or both_wrote


def _out_of_sync(e: NodeDrbd) -> int | None:
    """KiB this end holds that its peer lacks (8.x ``oos:``, DRBD 9 per peer); None if not printed."""
    dev = e.device
    counts = [dev.out_of_sync_kib] + [p.out_of_sync_kib for p in dev.peers]
    known = [c for c in counts if c is not None]
    return max(known) if known else None


def _device(nd: NodeDrbd, primaries: int) -> list[Problem]:
    out = []
    dev, label, node = nd.device, nd.label, nd.node
    for p in dev.peers:
        peer = p.name or "peer"
        if p.connection is ConnState.STANDALONE:
            out.append(
                Problem(
                    WARNING,
                    "drbd-standalone",
                    label,
                    node,
                    f"DRBD {label} on {node} is StandAlone: not replicating, and it will not "
                    "reconnect by itself (drbdadm connect)",
                )
            )
        elif p.connection in _WAITING:
            out.append(
                Problem(
                    WARNING,
                    "drbd-disconnected",
                    label,
                    node,
                    f"DRBD {label} on {node}: {p.connection_raw}, no replication to {peer}",
                )
            )
        if p.replication in _SYNCING:
            pct = f" {p.sync_percent:.1f}%" if p.sync_percent is not None else ""
            eta = f", ETA {p.sync_eta_s}s" if p.sync_eta_s is not None else ""
            out.append(
                Problem(
                    WARNING,
                    "drbd-syncing",
                    label,
                    node,
                    f"DRBD {label} on {node}: {p.replication_raw}{pct}{eta}",
                )
            )
        elif (
            p.disk in _BAD_DISKS and p.connection not in _WAITING and p.connection is not ConnState.STANDALONE
        ):
            out.append(
                Problem(
                    WARNING, "drbd-degraded", label, node, f"DRBD {label} on {node}: peer disk {p.disk_raw}"
                )
            )
        if (
            dev.role is DrbdRole.PRIMARY
            and p.role is DrbdRole.PRIMARY
            and p.connection is ConnState.CONNECTED
        ):
            out.append(
                Problem(
                    WARNING,
                    "drbd-dual-primary",
                    label,
                    node,
                    f"DRBD {label} is Primary on {node} and on {peer}",
                )
            )
    syncing = any(p.replication in _SYNCING for p in dev.peers)
    if dev.disk in _BAD_DISKS and not syncing:
        sev = (
            CRITICAL
            if dev.role is DrbdRole.PRIMARY and dev.disk in (DiskState.DISKLESS, DiskState.FAILED)
            else WARNING
        )
        out.append(
            Problem(sev, "drbd-degraded", label, node, f"DRBD {label} on {node}: local disk {dev.disk_raw}")
        )
    if (
        primaries > 1
        and dev.role is DrbdRole.PRIMARY
        and not any(p.role is DrbdRole.PRIMARY and p.connection is ConnState.CONNECTED for p in dev.peers)
    ):
        out.append(
            Problem(
                WARNING, "drbd-dual-primary", label, node, f"DRBD {label} is Primary on {primaries} nodes"
            )
        )
    return out
