"""Provides ``SnapshotRule``: how big a backup snapshot is, and when one is filling up.

One rule, read by the backup actions (``hatui.actions.backup``: the size ``lvcreate -s`` asks for,
and the refusal when the volume group cannot hold it) and by the health rules
(``hatui.model.health_storage``: ``vg-space-low`` when a volume group could not hold the snapshot of
its largest VM disk, ``snapshot-filling`` at ``warn_percent``).

The size: ``percent`` of the origin LV, at least ``min_mib``, rounded up to the volume group's
extent (4 MiB, LVM's default, when unknown). 20 % is what a night's backup window of a
moderately busy VM writes at most in the sources LVM's own documentation and LINBIT's snapshot
handler (10 % + 10 MiB for a resync) suggest; a site with busier VMs raises it in ``backup:``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

MIB = 1024 * 1024
#: LVM's default physical extent: what a size is rounded up to when the VG's extent is unknown.
DEFAULT_EXTENT = 4 * MIB


@dataclass(frozen=True, slots=True)
class SnapshotRule:
    """The snapshot size rule and the filling threshold (from ``backup:`` in the config)."""

    percent: float = 20.0
    min_mib: float = 256.0
    warn_percent: float = 80.0

    def size_bytes(self, origin_bytes: int, extent_bytes: int | None = None) -> int:
        """The copy-on-write space hatui gives a snapshot of an LV of ``origin_bytes``."""
        extent = extent_bytes or DEFAULT_EXTENT
        want = max(origin_bytes * self.percent / 100.0, self.min_mib * MIB)
        return int(math.ceil(want / extent) * extent)

    def filling(self, percent: float | None) -> bool:
        """True when a snapshot this full needs attention (and a running job must stop)."""
        return percent is not None and percent >= self.warn_percent
