"""Provides ``BackupConfig``: the ``backup:`` section of a cluster, and its strict reader.

hatui invents no backup format: the site says what reads a snapshot (``dd | gzip``, ``borg
create``, ``rsync``...) in ``command``, a shell line run on the node that holds the snapshot, with
the snapshot's device and names in its environment (see ``hatui.actions.backup``). The snapshot
size rule (``snapshot_percent`` of the origin, at least ``snapshot_min_mib``) is the one the
``vg-space-low`` warning applies (``hatui.model.backup_rule``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from hatui.model.backup_rule import SnapshotRule

if TYPE_CHECKING:
    from hatui.config_reader import Reader

#: The keys ``backup:`` accepts.
BACKUP_KEYS = {
    "command",
    "time_limit",
    "snapshot_percent",
    "snapshot_min_mib",
    "warn_percent",
    "node",
    "check_interval",
}


@dataclass(frozen=True, slots=True)
class BackupConfig:
    """How snapshots are sized and what a backup job runs."""

    command: str | None = None
    """The site's backup command (a shell line); None: backup jobs are refused, snapshots are not."""
    time_limit_s: float = 3600.0
    """A job still running after this is stopped (and its snapshot removed)."""
    snapshot_percent: float = 20.0
    """A snapshot's copy-on-write space, as a percentage of its origin's size."""
    snapshot_min_mib: float = 256.0
    """The smallest snapshot hatui makes, in MiB (a small origin still takes writes)."""
    warn_percent: float = 80.0
    """A snapshot this full warns (``snapshot-filling``) and stops a running job."""
    node: str = "secondary"
    """Where a snapshot is taken by default: ``secondary`` (the DRBD peer) or ``primary``."""
    check_interval_s: float = 5.0
    """How often a running job's snapshot fill is checked on the node."""

    @property
    def rule(self) -> SnapshotRule:
        """The size and filling rule the model applies (``hatui.model.backup_rule``)."""
        return SnapshotRule(self.snapshot_percent, self.snapshot_min_mib, self.warn_percent)


def read_backup(r: Reader, value: Any, key: str) -> BackupConfig:
    """Reads ``backup:`` (absent = the defaults); raises ``ConfigError`` naming the key."""
    m: Mapping[str, Any] = r.mapping(value, key, BACKUP_KEYS)
    if not m:
        return BackupConfig()
    d = BackupConfig()
    command = r.opt(m, "command", key, str)
    if command is not None and not command.strip():
        raise r.fail(f"{key}.command", "an empty command; leave the key out to have no backup jobs")
    node = r.opt(m, "node", key, str) or d.node
    r.choice(node, f"{key}.node", ("secondary", "primary"))
    percent = r.positive(
        m.get("snapshot_percent", d.snapshot_percent), f"{key}.snapshot_percent", unit="percent", most=100
    )
    warn = r.positive(m.get("warn_percent", d.warn_percent), f"{key}.warn_percent", unit="percent", most=99)
    return BackupConfig(
        command=command,
        time_limit_s=r.positive(m.get("time_limit", d.time_limit_s), f"{key}.time_limit"),
        snapshot_percent=percent,
        snapshot_min_mib=r.positive(
            m.get("snapshot_min_mib", d.snapshot_min_mib), f"{key}.snapshot_min_mib", unit="MiB", most=None
        ),
        warn_percent=warn,
        node=node,
        check_interval_s=r.positive(m.get("check_interval", d.check_interval_s), f"{key}.check_interval"),
    )
