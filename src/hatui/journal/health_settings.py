"""Provides HealthSettings: what of the config the verdict depends on, kept in the journal.

A journal holds the raw captures; the verdict rebuilt from them also depends on the config the
recorder ran with: the codes it ignored (``health.ignore``), which DRBD resources a VM's disks use
(``vm_disks``: a VM's storage problems are its own) and the snapshot filling threshold
(``backup:``). The recorder writes them as one meta key (``HEALTH_KEY``, JSON) with its first poll
and again whenever they change, so a replay judges as the recorder did without the config file.
Only the latest settings are kept: a recorder started again with another config judges the whole
journal with the new ones when replayed. The settling windows are the model's own constants, not
config, so they need no keeping.

The JSON: ``{"ignore": [code...], "vm_disks": {vm: [resource...]}, "snapshot": {"percent",
"min_mib", "warn_percent"}}``. A value a newer hatui adds is ignored; a damaged one
(``from_json`` gives None) leaves the replay judged without the recorded settings.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from hatui.config import ClusterConfig, Config
from hatui.model.backup_rule import SnapshotRule

#: The journal's meta key holding the settings.
HEALTH_KEY = "health"


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


def _strings(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
