"""Provides the DRBD model built from /proc/drbd (8.x), drbdsetup status --json and drbdadm status (9)."""

from __future__ import annotations

from dataclasses import dataclass

from hatui.model.words import ConnState, DiskState, DrbdRole, ReplState


@dataclass(frozen=True, slots=True)
class DrbdPeer:
    """The peer side of one volume: DRBD 8 has exactly one, with ``name=None``."""

    name: str | None
    connection: ConnState
    connection_raw: str
    role: DrbdRole
    role_raw: str
    disk: DiskState
    disk_raw: str
    replication: ReplState | None = None
    """DRBD 9 ``replication:``; for DRBD 8 the ``cs:`` word while syncing, ``Established`` when Connected."""
    replication_raw: str | None = None
    sync_percent: float | None = None
    """Set only while a resync or verify runs."""
    sync_eta_s: int | None = None
    sync_speed_kib_s: int | None = None
    out_of_sync_kib: int | None = None


@dataclass(frozen=True, slots=True)
class DrbdDevice:
    """One DRBD volume on one node (a ``/proc/drbd`` minor, or a DRBD 9 resource volume)."""

    resource: str | None
    """Resource name; None in /proc/drbd, which shows minors only (a drbdadm dump maps them)."""
    minor: int | None
    volume: int | None
    role: DrbdRole
    role_raw: str
    disk: DiskState
    disk_raw: str
    peers: tuple[DrbdPeer, ...] = ()
    protocol: str | None = None
    out_of_sync_kib: int | None = None
    flags: str | None = None
    """The 8.x I/O flag field (``r-----``, ``r---n-``)."""
    suspended: bool = False

    @property
    def label(self) -> str:
        """The name a person uses: the resource name (with ``/volume`` on DRBD 9) or ``minor N``."""
        if self.resource is not None:
            return self.resource if self.volume in (None, 0) else f"{self.resource}/{self.volume}"
        return f"minor {self.minor}"


@dataclass(frozen=True, slots=True)
class DrbdStatus:
    """All DRBD devices one node reported."""

    source_format: str
    """``proc_drbd``, ``drbdsetup-json`` or ``drbdadm-status``."""
    version: str | None = None
    """Kernel module version (``8.3.7``) where the output says it."""
    devices: tuple[DrbdDevice, ...] = ()
    unconfigured_minors: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class DrbdResourceConf:
    """One resource from ``drbdadm dump all``: its name and the minor/device per host."""

    name: str
    minors: tuple[tuple[str, int], ...]
    """``(host, minor)`` pairs from the ``on HOST { device /dev/drbdN; }`` blocks."""
    disks: tuple[tuple[str, str], ...] = ()
    """``(host, backing disk)`` pairs."""

    def minor_on(self, host: str) -> int | None:
        """Returns this resource's minor on ``host`` (or the only minor configured), else None."""
        for h, minor in self.minors:
            if h == host:
                return minor
        distinct = {m for _, m in self.minors}
        return distinct.pop() if len(distinct) == 1 else None
