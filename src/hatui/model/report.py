"""Provides ``NodeReport``: everything one node said in one poll, parsed, and ``SourceError``.

The parsing itself lives in ``hatui.sources.parse`` (``build_report``): the model holds the types
the parsers fill and depends on no parser.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from datetime import datetime

from hatui.model.capture import StackInfo
from hatui.model.corosync import QuorumStatus, RingStatus
from hatui.model.domains import Domain
from hatui.model.drbd import DrbdResourceConf, DrbdStatus
from hatui.model.host import DomainLoad, HostMemory
from hatui.model.pacemaker import ClusterOptions, ClusterStatus, Constraint
from hatui.model.storage import Filesystem, IscsiSession, LogicalVolume, PhysicalVolume, VolumeGroup

#: When crm_mon ran: the XML attribute, or the text layouts' ``Last updated:`` line. Two nodes of
#: one unchanged cluster, or one node polled twice, print the same but for it. Every crm_mon layout
#: prints it in its first lines, so only ``_HEAD`` characters are searched (a regex over a 700 KiB
#: XML cost more than parsing it once).
_WHEN = re.compile(r'<last_update time="[^"]*"|last_updated="[^"]*"|^.*Last updated:.*$', re.MULTILINE)
_HEAD = 4096


def when_stamp(text: str) -> tuple[str, int]:
    """(the text before crm_mon's when-stamp, where the text after it starts); ``("", 0)``: none."""
    found = _WHEN.search(text, 0, _HEAD)
    if found is None:
        return "", 0
    return text[: found.start()], found.end()


def same_but_when(a: str, b: str) -> bool:
    """True when crm_mon outputs ``a`` and ``b`` are equal but for their when-stamps."""
    if a is b:
        return True
    (before_a, after_a), (before_b, after_b) = when_stamp(a), when_stamp(b)
    return (
        after_a > 0
        and after_b > 0
        and len(a) - after_a == len(b) - after_b
        and before_a == before_b
        and a.endswith(b[after_b:])
    )


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
        """True when ``other`` says exactly what this report says, apart from when: ``collected_at``
        and crm_mon's own when-stamp in its raw output (its parsed ``last_updated`` still counts).

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
            if mine is not theirs and mine != theirs and not (name == "raw" and _same_raw(mine, theirs)):
                return False
        return True


def _same_raw(mine: dict[str, str], theirs: dict[str, str]) -> bool:
    # crm_mon prints when it ran: a live node's output differs on every poll while its parsed
    # picture (the same object, ``hatui.sources.parse``) does not, and that is not news.
    if mine.keys() != theirs.keys():
        return False
    return all(
        text is theirs[name]
        or text == theirs[name]
        or (name.startswith("crm_mon") and same_but_when(text, theirs[name]))
        for name, text in mine.items()
    )


#: Every field of ``NodeReport`` but the time it was collected, in declaration order (the cheap
#: scalar fields first, so that a node that changed state is told apart before its parts are).
_CONTENT_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(NodeReport) if f.name != "collected_at")
