"""Provides ``NodeReport``: everything one node said in one poll, parsed, and ``SourceError``.

The parsing itself lives in ``hatui.sources.parse`` (``build_report``): the model holds the types
the parsers fill and depends on no parser.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime

from hatui.model.capture import StackInfo
from hatui.model.corosync import QuorumStatus, RingStatus
from hatui.model.domains import Domain
from hatui.model.drbd import DrbdResourceConf, DrbdStatus
from hatui.model.host import DomainLoad, HostMemory
from hatui.model.pacemaker import ClusterOptions, ClusterStatus, Constraint
from hatui.model.storage import Filesystem, IscsiSession, LogicalVolume, PhysicalVolume, VolumeGroup


@dataclass(frozen=True, slots=True)
class SourceError:
    """A source that could not be read or parsed on one node."""

    node: str
    source: str
    message: str


@dataclass(frozen=True, slots=True)
class NodeReport:
    """Everything one node said in one poll, parsed."""

    node: str
    unreachable: str | None = None
    unreachable_kind: str | None = None
    """See ``NodeCapture.unreachable_kind``."""
    collected_at: datetime | None = None
    stack: StackInfo = field(default_factory=StackInfo)
    pacemaker: ClusterStatus | None = None
    drbd: DrbdStatus | None = None
    drbd_conf: tuple[DrbdResourceConf, ...] = ()
    domains: tuple[Domain, ...] | None = None
    """With each one's CPU% where xentop gave it; from xentop alone when no domain list was read."""
    memory: HostMemory | None = None
    loads: tuple[DomainLoad, ...] | None = None
    """``xentop``'s rows (Domain-0 included)."""
    rings: RingStatus | None = None
    quorum: QuorumStatus | None = None
    constraints: tuple[Constraint, ...] | None = None
    cluster_options: ClusterOptions | None = None
    """Pacemaker 1.0 only (its crm_mon shows none): already merged into ``pacemaker``."""
    physical_volumes: tuple[PhysicalVolume, ...] | None = None
    volume_groups: tuple[VolumeGroup, ...] | None = None
    logical_volumes: tuple[LogicalVolume, ...] | None = None
    """One per LV (an LV printed once per segment is merged), hidden ones included."""
    iscsi_sessions: tuple[IscsiSession, ...] | None = None
    filesystems: tuple[Filesystem, ...] | None = None
    """None = not read (the source failed or does not apply); ``()`` = read, and none there."""
    errors: tuple[SourceError, ...] = ()
    raw: dict[str, str] = field(default_factory=dict)

    @property
    def reachable(self) -> bool:
        """True when the node answered."""
        return self.unreachable is None

    def same_content(self, other: NodeReport | None) -> bool:
        """True when ``other`` says exactly what this report says, apart from ``collected_at``.

        Cheap when nothing changed: a poll whose capture did not change reuses the previous
        report's parts (``hatui.sources.parse``), so each part is the same object and the identity
        check settles it without walking 1,000 resources.
        """
        if other is None:
            return False
        if other is self:
            return True
        for name in _CONTENT_FIELDS:
            mine = getattr(self, name)
            theirs = getattr(other, name)
            if mine is not theirs and mine != theirs:
                return False
        return True


#: Every field of ``NodeReport`` but the time it was collected, in declaration order (the cheap
#: scalar fields first, so that a node that changed state is told apart before its parts are).
_CONTENT_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(NodeReport) if f.name != "collected_at")
