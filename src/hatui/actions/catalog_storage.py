"""Provides the catalog entries of the snapshot and backup actions (``hatui.actions.backup``).

``hatui.actions.catalog`` splices them into its one table, so they get bindings, palette commands,
the read-only filter and ``hatui do`` ids like every other action. ``snapshot_create`` and
``backup_run`` act on a VM and may be told the node (``Request.node``; without it the planner
chooses per ``backup.node``); ``snapshot_remove`` acts on one snapshot (``vg/lv``) on one node.
"""

from __future__ import annotations

from hatui.actions.backup import plan_backup_run, plan_snapshot_create, plan_snapshot_remove
from hatui.actions.spec import HAS_NODE, WRITABLE, ActionSpec

STORAGE_SPECS = (
    ActionSpec(
        "snapshot_create",
        "Snapshot disks of {}",
        "vm",
        "n",
        plan_snapshot_create,
        (WRITABLE,),
        node_optional=True,
        description="LVM snapshot of the VM's backing LVs (default: on the DRBD Secondary)",
    ),
    ActionSpec(
        "backup_run",
        "Back up {}",
        "vm",
        "B",
        plan_backup_run,
        (WRITABLE,),
        node_optional=True,
        description="Snapshot, run backup.command on it (time limit, fill level), remove the snapshot",
    ),
    ActionSpec(
        "snapshot_remove",
        "Remove snapshot {}",
        "snapshot",
        "X",
        plan_snapshot_remove,
        (WRITABLE, HAS_NODE),
        description="lvremove of one snapshot (never of an LV that is not one)",
    ),
)

#: ``hatui do`` ids of these actions (``hatui do snapshot VM``, ``backup VM``, ``snapshot-remove VG/LV``).
STORAGE_IDS = {"snapshot": "snapshot_create", "backup": "backup_run", "snapshot-remove": "snapshot_remove"}
