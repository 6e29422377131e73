"""Provides the storage layer under the VMs: LVM volume groups, logical and physical volumes, iSCSI
sessions and mounted filesystems, as one node reported them.

The parsers (``hatui.parsers.lvm``, ``iscsiadm``, ``df``) fill these types from every format LVM2
(2005-2.03), open-iscsi and df print; the join to DRBD resources and VMs is
``hatui.model.storage_join``, the health rules ``hatui.model.health_storage``.

Sizes are bytes (``None`` when the output did not say). LVM's attribute strings are kept as
printed (5 to 10 characters depending on the LVM version) and read by position through the
properties here, so that one rule reads every version.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

#: What hatui puts between the origin's name and the time stamp in its snapshots' names
#: (``vm1-root-hatui-20260305T091500``, UTC), so that they are told from DRBD's
#: ``*-before-resync`` and the site's own.
OWN_MARK = "-hatui-"
_STAMP = "%Y%m%dT%H%M%S"


def stamp(when: datetime) -> str:
    """``20260305T091500``: the UTC time a snapshot's name and a backup job's ``HATUI_STAMP`` carry."""
    return when.astimezone(UTC).strftime(_STAMP)


def own_snapshot_time(name: str) -> datetime | None:
    """When hatui took the snapshot called ``name`` (its name says it), None if hatui did not name it."""
    head, sep, tail = name.rpartition(OWN_MARK)
    if not (head and sep) or len(tail) != 15 or tail[8] != "T" or not (tail[:8] + tail[9:]).isdigit():
        return None
    try:
        return datetime.strptime(tail, _STAMP).replace(tzinfo=UTC)
    except ValueError:
        return None


def is_own_snapshot(name: str) -> bool:
    """True for a snapshot hatui made (``vm1-root-hatui-20260305T091500``)."""
    return own_snapshot_time(name) is not None


@dataclass(frozen=True, slots=True)
class PhysicalVolume:
    """One row of ``pvs``."""

    name: str
    """The device (``/dev/sdb1``), or ``[unknown]`` for a PV LVM knows of but cannot find."""
    vg: str | None
    """Its volume group; None for an orphan PV."""
    size_bytes: int | None
    free_bytes: int | None
    attr: str = ""
    """``pv_attr`` as printed: ``a--`` (2 characters before LVM 2.02.86: ``a-``); ``m`` third = missing."""

    @property
    def missing(self) -> bool:
        """LVM cannot find the device: ``[unknown]`` or the ``m`` flag."""
        return self.name == "[unknown]" or (len(self.attr) >= 3 and self.attr[2] == "m")


@dataclass(frozen=True, slots=True)
class VolumeGroup:
    """One row of ``vgs``."""

    name: str
    size_bytes: int | None
    free_bytes: int | None
    pv_count: int | None = None
    lv_count: int | None = None
    snapshot_count: int | None = None
    attr: str = ""
    """``vg_attr`` as printed: ``wz--n-`` (5 characters in 2005's LVM); 4th ``p`` = partial."""
    extent_bytes: int | None = None
    """``vg_extent_size``, when asked for: what an LV's size is rounded up to."""

    @property
    def partial(self) -> bool:
        """One or more of its PVs is missing (``vg_attr`` 4th character ``p``)."""
        return len(self.attr) >= 4 and self.attr[3] == "p"

    @property
    def clustered(self) -> bool:
        """Clustered (clvmd, 6th character ``c``) or shared (lvmlockd, ``s``)."""
        return len(self.attr) >= 6 and self.attr[5] in "cs"


@dataclass(frozen=True, slots=True)
class LogicalVolume:
    """One logical volume (one row of ``lvs``; an LV printed once per segment is one LV)."""

    vg: str
    name: str
    """Without the brackets ``lvs -a`` puts around hidden LVs (see ``hidden``)."""
    size_bytes: int | None
    attr: str
    """``lv_attr`` as printed, 6 to 10 characters (see the properties)."""
    origin: str | None = None
    """The LV a snapshot is of (thick or thin); None for anything else."""
    snapshot_percent: float | None = None
    """How full a thick snapshot's copy-on-write space is; None for anything else or when inactive."""
    data_percent: float | None = None
    """A thin pool's or thin volume's data usage (``Data%`` on a thin row); not a snapshot's fill."""
    created: datetime | None = None
    """``lv_time``, where the LVM version has it (it does not before 2.02.89)."""
    hidden: bool = False
    """Listed in ``[brackets]`` by ``lvs -a`` (mirror images, pool metadata, old LVM's snapshots)."""

    @property
    def made_at(self) -> datetime | None:
        """When it was made: ``lv_time``, else (LVM before 2.02.89 has none) the time stamp in the
        name of a snapshot hatui took; None when neither tells."""
        return self.created or own_snapshot_time(self.name)

    @property
    def path(self) -> str:
        """``vg/lv``: how LVM's tools and hatui's problems name it."""
        return f"{self.vg}/{self.name}"

    @property
    def device(self) -> str:
        """``/dev/vg/lv``: the device node udev makes for it."""
        return f"/dev/{self.vg}/{self.name}"

    @property
    def is_thick_snapshot(self) -> bool:
        """A classic copy-on-write snapshot (type ``s``, or ``S`` while merging or, before LVM
        2.02.97, when invalid): the only kind that fills up and dies."""
        return bool(self.attr) and self.attr[0] in "sS"

    @property
    def is_snapshot(self) -> bool:
        """Any snapshot: thick, or a thin volume with an origin."""
        return self.is_thick_snapshot or (self.attr[:1] == "V" and self.origin is not None)

    @property
    def is_thin_pool(self) -> bool:
        """A thin pool: its ``Data%`` is the pool's usage."""
        return self.attr[:1] == "t"

    @property
    def invalid(self) -> bool:
        """A thick snapshot the kernel marked invalid (state ``I`` or ``S``), or one 100 % full."""
        if not self.is_thick_snapshot:
            return False
        state = self.attr[4] if len(self.attr) >= 5 else "-"
        return state in ("I", "S") or (self.snapshot_percent or 0.0) >= 100.0

    @property
    def active(self) -> bool | None:
        """True when active (state ``a``), False when inactive (``-``), None when LVM could not tell."""
        state = self.attr[4] if len(self.attr) >= 5 else "X"
        if state == "-":
            return False
        return None if state == "X" else True


@dataclass(frozen=True, slots=True)
class IscsiSession:
    """One session of ``iscsiadm -m session -P 1`` (or a line of ``-m session``)."""

    target: str
    """The target's IQN."""
    portal: str
    """``ip:port,tpgt`` (IPv6 addresses in brackets)."""
    sid: int | None
    connection_state: str | None = None
    """``iSCSI Connection State``: ``LOGGED IN``, ``TRANSPORT WAIT``, ``FREE``... as printed."""
    session_state: str | None = None
    """``iSCSI Session State``: the kernel's word, ``LOGGED_IN``, ``FAILED``, ``FREE``... None when the
    output has no such line (``-m session`` without ``-P``, the 2007 README's ``-P 1``)."""
    internal_state: str | None = None
    """``Internal iscsid Session State``: ``NO CHANGE``, ``REOPEN``..."""
    devices: tuple[str, ...] = ()
    """The disks the session provides (``sdb``), where ``-P 3`` lists them."""

    @property
    def logged_in(self) -> bool | None:
        """True when the session is up; None when the output does not say."""
        if self.session_state is not None:
            return self.session_state == "LOGGED_IN"
        if self.connection_state is not None:
            return self.connection_state == "LOGGED IN"
        return None


@dataclass(frozen=True, slots=True)
class Filesystem:
    """One mounted filesystem (a row of ``df -P -T``)."""

    device: str
    mountpoint: str
    fstype: str | None
    size_bytes: int | None
    used_bytes: int | None
    available_bytes: int | None = None

    @property
    def used_percent(self) -> float | None:
        """Used space as df counts it (used / (used + available)), None when unknown."""
        if self.used_bytes is None:
            return None
        room = (
            (self.used_bytes + self.available_bytes) if self.available_bytes is not None else self.size_bytes
        )
        if not room:
            return None
        return 100.0 * self.used_bytes / room
