"""Provides DRBD 9.2 outputs for the modern demo: ``/proc/drbd``, ``drbdsetup status`` and ``drbdadm``.

The layouts are those of drbd-utils 9.22's ``drbdsetup.c`` (``status_cmd`` and its ``*_status`` /
``*_status_json`` printers) with a 9.2.8 kernel module: the JSON keeps drbdsetup's own spacing
(``"connection-state": "Connected", `` with its stray blank), statistics are in KiB (sectors / 2)
and resync figures in sectors. The text ``status`` is ``render_drbd9_status``'s. A resource that is
down does not exist for DRBD 9, so it is left out.

The demo keeps one state per resource for both generations (``drbd_sim``); this module words it the
DRBD 9 way: ``Connecting`` where 8.3 says WFConnection, ``Established``/``Off`` replication states.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from hatui.demo import drbd_sim

if TYPE_CHECKING:
    from hatui.demo.cluster import DemoCluster
    from hatui.demo.state import DrbdRt, SyncRt

KERNEL_VERSION = "9.2.8"
PROC_HEADER = (
    f"version: {KERNEL_VERSION} (api:2/proto:86-122)\n"
    "GIT-hash: e163b05a76254c0f51f999970e861d72bb16409a build by root@{node}, 2024-04-03 09:04:15\n"
    f"Transports (api:20): tcp ({KERNEL_VERSION})\n"
)
UTILS_VERSION = "9.22.0"
UTILS_BUILDTAG = "GIT-hash: 409097fe02187f83790b88ac3e0d94f3c167adab reproducible build, 2023-01-09 14:51:18"
#: drbdsetup's "cannot estimate" ETA.
NO_ETA = 987654321
#: The kernel's default ov-stop-sector (ULLONG_MAX), which drbdsetup prints as a signed number.
OV_STOP_ALL = -1


def proc_drbd(node: str) -> str:
    """``/proc/drbd`` of a DRBD 9 node: the version, the build and the loaded transports only."""
    return PROC_HEADER.format(node=node)


def drbdadm_version() -> str:
    """``drbdadm --version`` with the 9.2.8 module loaded."""
    tag = UTILS_BUILDTAG.replace(" ", "\\ ").replace(",", "\\,")
    major, minor, sub = (int(p) for p in KERNEL_VERSION.split("."))
    umajor, uminor, usub = (int(p) for p in UTILS_VERSION.split("."))
    return (
        f"DRBDADM_BUILDTAG={tag}\nDRBDADM_API_VERSION=2\n"
        f"DRBD_KERNEL_VERSION_CODE=0x{major:02x}{minor:02x}{sub:02x}\nDRBD_KERNEL_VERSION={KERNEL_VERSION}\n"
        f"DRBDADM_VERSION_CODE=0x{umajor:02x}{uminor:02x}{usub:02x}\nDRBDADM_VERSION={UTILS_VERSION}\n"
    )


def node_id(c: DemoCluster, node: str) -> int:
    """The ``node-id`` of ``node`` in every resource's configuration (its place among the DRBD nodes)."""
    return c.topo.drbd_nodes.index(node)


@dataclass(frozen=True, slots=True)
class SyncFigures:
    """A running resync or verify in drbdsetup's units (sectors, milliseconds)."""

    verify: bool
    total: int
    to_go: int
    dt_start_ms: int
    paused_ms: int
    dt0_ms: int
    db0: int
    dt1_ms: int
    db1: int
    want_kib_s: float

    @property
    def done_percent(self) -> float:
        """drbdsetup's ``done:`` / ``percent-resync-done``."""
        return 100.0 * (self.total - self.to_go) / self.total if self.total else 0.0

    @property
    def eta_s(self) -> float:
        """Seconds left at the recent rate (``db1/dt1``)."""
        return self.dt1_ms * 1e-3 * self.to_go / self.db1 if self.db1 > 0 else float(NO_ETA)


@dataclass(frozen=True, slots=True)
class PeerView:
    """The one connection of a resource, as one node sees it."""

    name: str
    node_id: int
    connection: str
    role: str
    replication: str
    disk: str
    resync_suspended: str
    received_kib: int
    sent_kib: int
    oos_kib: int
    sync: SyncFigures | None


@dataclass(frozen=True, slots=True)
class ResourceView:
    """One resource on one node, with its single volume (0) and its single peer."""

    name: str
    node_id: int
    role: str
    minor: int
    disk: str
    size_kib: int
    backing_dev: str
    read_kib: int
    written_kib: int
    al_writes: int
    bm_writes: int
    peer: PeerView


def resource_views(c: DemoCluster, node: str) -> list[ResourceView]:
    """Every resource that is up on ``node``, sorted by name as drbdsetup sorts them."""
    views = [resource_view(c, rt, node) for rt in c.drbd.values() if rt.sides[node].up]
    return sorted(views, key=lambda v: v.name)


def resource_view(c: DemoCluster, rt: DrbdRt, node: str) -> ResourceView:
    """What DRBD 9 on ``node`` knows of ``rt`` (which must be up there)."""
    side = rt.sides[node]
    peer_node = drbd_sim.peer_of(c, node)
    peer = rt.sides[peer_node]
    disk = c.disk_def(rt.name)
    cs = drbd_sim.conn_state(c, rt, node)
    connection = {"StandAlone": "StandAlone", "WFConnection": "Connecting"}.get(cs, "Connected")
    linked = connection == "Connected"
    suspended = [w for w, on in (("user", side.user_paused), ("peer", linked and peer.user_paused)) if on]
    k = side.counters
    pv = PeerView(
        name=peer_node,
        node_id=node_id(c, peer_node),
        connection=connection,
        role=peer.role if linked else "Unknown",
        replication=("Established" if cs == "Connected" else cs) if linked else "Off",
        disk=peer.disk if linked else "DUnknown",
        resync_suspended=",".join(suspended) or "no",
        received_kib=int(k["nr"]),
        sent_kib=int(k["ns"]),
        oos_kib=int(side.oos_kib) // 4 * 4,
        sync=_figures(rt.sync, c.t) if linked and rt.sync is not None else None,
    )
    return ResourceView(
        name=rt.name,
        node_id=node_id(c, node),
        role=side.role,
        minor=disk.minor,
        disk=side.disk,
        size_kib=disk.size_kib,
        backing_dev=f"/dev/{disk.vg}/{rt.name}",
        read_kib=int(k["dr"]),
        written_kib=int(k["dw"]),
        al_writes=int(k["al"]),
        bm_writes=int(k["bm"]),
        peer=pv,
    )


def _figures(sync: SyncRt, now: float) -> SyncFigures:
    mark_at, mark_left = sync.prev_mark_at, sync.prev_mark_left_kib
    if now - mark_at < 1.0:
        mark_at, mark_left = sync.started_at, sync.total_kib
    left = int(sync.left_kib) * 2
    return SyncFigures(
        verify=sync.kind == "verify",
        total=int(sync.total_kib) * 2,
        to_go=left,
        dt_start_ms=int((now - sync.started_at) * 1000),
        paused_ms=int(sync.paused_s * 1000),
        dt0_ms=int((now - sync.started_at) * 1000),
        db0=int(sync.total_kib) * 2 - left,
        dt1_ms=int((now - mark_at) * 1000),
        db1=max(0, int(mark_left) * 2 - left),
        want_kib_s=sync.base_kib_s,
    )


# -- drbdsetup status --json ----------------------------------------------------------------------


def _b(value: bool) -> str:
    return "true" if value else "false"


def status_json(views: list[ResourceView]) -> str:
    """``drbdsetup status --json`` of these resources."""
    # drbdsetup puts the comma between two resources on a line of its own.
    return "[\n" + ",\n".join(_resource_json(v) + "\n" for v in views) + "]\n\n"


def _resource_json(v: ResourceView) -> str:
    p = v.peer
    return (
        "{\n"
        f'  "name": "{v.name}",\n'
        f'  "node-id": {v.node_id},\n'
        f'  "role": "{v.role}",\n'
        '  "suspended": false,\n'
        '  "suspended-user": false,\n'
        '  "suspended-no-data": false,\n'
        '  "suspended-fencing": false,\n'
        '  "suspended-quorum": false,\n'
        '  "force-io-failures": false,\n'
        '  "write-ordering": "flush",\n'
        '  "devices": [\n'
        "    {\n"
        '      "volume": 0,\n'
        f'      "minor": {v.minor},\n'
        f'      "disk-state": "{v.disk}",\n'
        '      "client": false,\n'
        '      "quorum": true,\n'
        f'      "size": {v.size_kib},\n'
        f'      "read": {v.read_kib},\n'
        f'      "written": {v.written_kib},\n'
        f'      "al-writes": {v.al_writes},\n'
        f'      "bm-writes": {v.bm_writes},\n'
        '      "upper-pending": 0,\n'
        '      "lower-pending": 0\n'
        "    } ],\n"
        '  "connections": [\n'
        "    {\n"
        f'      "peer-node-id": {p.node_id},\n'
        f'      "name": "{p.name}",\n'
        f'      "connection-state": "{p.connection}", \n'
        '      "congested": false,\n'
        f'      "peer-role": "{p.role}",\n'
        '      "ap-in-flight": 0,\n'
        f'      "rs-in-flight": {8192 if p.sync is not None and not p.sync.verify else 0},\n'
        '      "peer_devices": [\n'
        f"{_peer_device_json(v, p)} ]\n"
        "    } ]\n"
        "}"
    )


def _peer_device_json(v: ResourceView, p: PeerView) -> str:
    s = p.sync
    in_sync = 100 * (1 - p.oos_kib / v.size_kib) if v.size_kib else 0.0
    lines = [
        "        {",
        '          "volume": 0,',
        f'          "replication-state": "{p.replication}",',
        f'          "peer-disk-state": "{p.disk}",',
        '          "peer-client": false,',
        f'          "resync-suspended": "{p.resync_suspended}",',
        f'          "received": {p.received_kib},',
        f'          "sent": {p.sent_kib},',
        f'          "out-of-sync": {p.oos_kib},',
        '          "pending": 0,',
        '          "unacked": 0,',
        f'          "has-sync-details": {_b(s is not None)},',
        f'          "has-online-verify-details": {_b(s is not None and s.verify)},',
        f'          "percent-in-sync": {in_sync:.2f}{"," if s is not None else ""}',
    ]
    if s is not None:
        lines += [
            f'          "rs-total": {s.total},',
            f'          "rs-dt-start-ms": {s.dt_start_ms},',
            f'          "rs-paused-ms": {s.paused_ms},',
            f'          "rs-dt0-ms": {s.dt0_ms},',
            f'          "rs-db0-sectors": {s.db0},',
            f'          "rs-dt1-ms": {s.dt1_ms},',
            f'          "rs-db1-sectors": {s.db1},',
        ]
        if s.verify:
            lines += [
                '          "ov-start-sector": 0,',
                f'          "ov-stop-sector": {OV_STOP_ALL},',
                f'          "ov-position": {s.total - s.to_go},',
                f'          "ov-left": {s.to_go},',
                '          "ov-skipped": 0,',
            ]
        else:
            lines += ['          "rs-failed": 0,', '          "rs-same-csum": 0,']
        rate0 = s.db0 / (s.dt0_ms or 1) * 1000.0 / 2048.0
        rate1 = s.db1 / (s.dt1_ms or 1) * 1000.0 / 2048.0
        overall = (s.total - s.to_go) / ((s.dt_start_ms - s.paused_ms) or 1) * 1000.0 / 2048.0
        lines += [
            f'          "want": {s.want_kib_s / 1024.0:.2f},',
            f'          "db0/dt0 [MiB/s]": {rate0:.2f},',
            f'          "db1/dt1 [MiB/s]": {rate1:.2f},',
            f'          "estimated-seconds-to-finish": {s.eta_s:.0f},',
            f'          "db/dt [MiB/s]": {overall:.2f},',
            f'          "percent-resync-done": {s.done_percent:.2f}',
        ]
    return "\n".join(lines) + "\n        }"


# -- drbdadm dump ---------------------------------------------------------------------------------


def drbdadm_dump(c: DemoCluster, node: str) -> str:
    """``drbdadm dump all`` on ``node``: drbd-utils 9's layout of /etc/drbd.conf and its .res files."""
    lines = [
        "# /etc/drbd.conf",
        "global {",
        "    usage-count no;",
        "}",
        "",
        "common {",
        "    net {",
        "        protocol           C;",
        "        verify-alg       sha1;",
        "    }",
        "}",
        "",
    ]
    for disk in sorted(c.topo.disks, key=lambda d: d.name):
        lines += [
            f"# resource {disk.name} on {node}: not ignored, not stacked",
            f"# defined at /etc/drbd.d/{disk.name}.res:1",
            f"resource {disk.name} {{",
        ]
        for host in c.topo.drbd_nodes:
            ndef = c.topo.node(host)
            lines += [
                f"    on {host} {{",
                f"        node-id {node_id(c, host)};",
                "        volume 0 {",
                f"            device       /dev/drbd{disk.minor} minor {disk.minor};",
                f"            disk         /dev/{disk.vg}/{disk.name};",
                "            meta-disk    internal;",
                "        }",
                f"        address          ipv4 {ndef.ring0 if ndef else ''}:{disk.port};",
                "    }",
            ]
        lines += ["}", ""]
    return "\n".join(lines) + "\n"
