"""Provides HealthSettings: what of the config the verdict depends on, kept in the journal, and
SettingsHistory: which of them judged each poll.

A journal holds the raw captures; the verdict rebuilt from them also depends on the config the
recorder ran with: the codes it ignored (``health.ignore``), which DRBD resources a VM's disks use
(``vm_disks``: a VM's storage problems are its own) and the snapshot filling threshold
(``backup:``). The recorder writes them (JSON) with its first poll and again whenever they change,
each change with the first poll judged with it (the ``health_settings`` table,
``hatui.journal.store_schema``), so a replay judges every poll as the recorder did then, without
the config file: a recorder started again with ``health.ignore: [n-plus-one]`` does not hide last
night's n-plus-one problems from their replay. A journal of an older hatui holds only the latest
settings (meta key ``HEALTH_KEY``): they judge its whole replay, as that hatui did. The settling
windows are the model's own constants, not config, so they need no keeping.

The JSON: ``{"ignore": [code...], "vm_disks": {vm: [resource...]}, "snapshot": {"percent",
"min_mib", "warn_percent"}}``. A value a newer hatui adds is ignored; a damaged one
(``from_json`` gives None) leaves the polls it judged replayed without recorded settings.
"""

from __future__ import annotations

import bisect
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from hatui.config import ClusterConfig, Config
from hatui.model.backup_rule import SnapshotRule


@dataclass(frozen=True, slots=True)
class HealthSettings:
    """The verdict's settings from the config (module docstring)."""

    ignore: frozenset[str] = frozenset()
    vm_disks: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """VM to the DRBD resources of its disks, sorted by VM (hashable, so two compare by value)."""
    snapshot: SnapshotRule = field(default_factory=SnapshotRule)

    @classmethod
    def of(cls, ignore: Iterable[str], cluster: ClusterConfig | None) -> HealthSettings:
        """The settings a ClusterState judges with (its ``ignore`` and ``cluster``)."""
        if cluster is None:
            return cls(frozenset(ignore))
        disks = tuple(sorted((vm, tuple(res)) for vm, res in cluster.vm_disks.items()))
        return cls(frozenset(ignore), disks, cluster.backup.rule)

    def to_json(self) -> str:
        rule = self.snapshot
        return json.dumps(
            {
                "ignore": sorted(self.ignore),
                "vm_disks": {vm: list(res) for vm, res in self.vm_disks},
                "snapshot": {
                    "percent": rule.percent,
                    "min_mib": rule.min_mib,
                    "warn_percent": rule.warn_percent,
                },
            },
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str | None) -> HealthSettings | None:
        """The settings in ``text``; None when there are none or they are damaged."""
        if not text:
            return None
        try:
            doc = json.loads(text)
        except ValueError:
            return None
        if not isinstance(doc, dict):
            return None
        ignore = doc.get("ignore", [])
        disks = doc.get("vm_disks", {})
        snap = doc.get("snapshot", {})
        if not (_strings(ignore) and isinstance(disks, dict) and isinstance(snap, dict)):
            return None
        if not all(_strings(res) for res in disks.values()):
            return None
        default = SnapshotRule()
        numbers = [snap.get(k, getattr(default, k)) for k in ("percent", "min_mib", "warn_percent")]
        if not all(_number(n) for n in numbers):
            return None
        rule = SnapshotRule(*(float(n) for n in numbers))
        vm_disks = tuple(sorted((str(vm), tuple(res)) for vm, res in disks.items()))
        return cls(frozenset(ignore), vm_disks, rule)

    def apply(self, config: Config, cluster: ClusterConfig) -> tuple[Config, ClusterConfig]:
        """``config`` and its ``cluster`` judging with these settings (the cluster replaced in it)."""
        rule = self.snapshot
        backup = replace(
            cluster.backup,
            snapshot_percent=rule.percent,
            snapshot_min_mib=rule.min_mib,
            warn_percent=rule.warn_percent,
        )
        judged = replace(cluster, vm_disks=dict(self.vm_disks), backup=backup)
        clusters: Mapping[str, ClusterConfig] = {**config.clusters, cluster.name: judged}
        return replace(config, clusters=clusters, health_ignore=self.ignore), judged


@dataclass(frozen=True, slots=True)
class SettingsHistory:
    """The recorder's settings over a journal: each change with the first poll id judged with it."""

    starts: tuple[int, ...] = ()
    settings: tuple[HealthSettings | None, ...] = ()
    """None: damaged (the polls it judged are replayed without recorded settings)."""

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[int, str]]) -> SettingsHistory:
        """From ``Journal.health_settings`` (oldest first)."""
        kept = sorted(rows)
        return cls(tuple(p for p, _ in kept), tuple(HealthSettings.from_json(t) for _, t in kept))

    def index_at(self, poll_id: int) -> int:
        """The change in force at the poll ``poll_id``: the last at or before it (-1: none)."""
        return bisect.bisect_right(self.starts, poll_id) - 1

    def at(self, poll_id: int) -> HealthSettings | None:
        """The settings in force at the poll ``poll_id`` (None: none, or damaged)."""
        index = self.index_at(poll_id)
        return self.settings[index] if index >= 0 else None


def _strings(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
