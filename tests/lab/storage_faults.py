"""Provides ``StorageMixin``: the lab's storage made at ``up``, read back, and its faults.

The volume groups are real (``storage``); snapshots and iSCSI sessions are the stand-ins'
(``emulators/lvmemu.py``, ``emulators/iscsiemu.py``), whose files this mixin writes: a snapshot's
fill rate in ``<state>/faults/<node>/snapshot-fill``, the iSCSI faults as flags beside it. Every
fault flag goes with ``ensure_healthy`` (it empties ``faults/``); ``remove_snapshots`` takes away
the snapshots a test left.
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

from . import cleanup, storage

if TYPE_CHECKING:
    from .harness import Lab

NO_HANG = {"HATUI_LAB_NO_HANG": "1", "LVM_SUPPRESS_FD_WARNINGS": "1", "LC_ALL": "C"}


class StorageMixin:
    """The lab's LVM and iSCSI, as tests see them; mixed into ``harness.Lab``."""

    def make_storage(self: Lab) -> None:
        """Each node's loop device, PV, VG and LVs (``storage.create_node``), recorded in ``lab.json``.

        Where that cannot be done, the nodes have no volume group (``storage_unavailable`` says why),
        and still their own lvm.conf, which scans nothing: never the host's or another node's disks.
        """
        record: dict[str, str] = {}
        self.runtime["storage"] = record
        for node in self.nodes:
            storage.write_node_conf(self.layout, node)
        why = storage.available()
        try:
            for node in self.nodes if why is None else ():
                storage.create_node(self.layout, node, record)
        except storage.StorageError as exc:
            why = str(exc)
        finally:
            if why is not None:
                self.runtime["storage_unavailable"] = why
            cleanup.write_runtime(self.state_dir, self.runtime)

    @property
    def storage_unavailable(self: Lab) -> str | None:
        """Why the nodes have no volume group (None: they have one)."""
        why: str | None = self.runtime.get("storage_unavailable")
        return why

    # -- reading it back (the real LVM inside the node, not the stand-ins) --------------------------

    def lvm_rows(self: Lab, node: str, tool: str, *fields: str) -> list[dict[str, str]]:
        """The real ``lvs``/``vgs``/``pvs`` of ``node`` as JSON rows, sizes in bytes."""
        out = self.run(node, [storage.LVM, tool, "--reportformat", "json", "--units", "b", "--nosuffix",
                              "-o", ",".join(fields)], check=True, env=NO_HANG).stdout  # fmt: skip
        rows: list[dict[str, str]] = []
        for group in json.loads(out)["report"]:
            rows += next(iter(group.values()), [])
        return rows

    def snapshots(self: Lab, node: str) -> dict[str, dict[str, Any]]:
        """The snapshots the stand-in keeps on ``node``: ``"vg/name" -> {"origin", "created"}``."""
        path = self.state_dir / "lvm" / f"{node}.json"
        if not path.exists():
            return {}
        data: dict[str, dict[str, Any]] = json.loads(path.read_text()).get("snapshots", {})
        return data

    # -- faults -------------------------------------------------------------------------------------

    def set_snapshot_fill(self: Lab, node: str, rate: float | None) -> None:
        """Snapshots on ``node`` fill at ``rate`` percent per second from now (None: they stay as empty)."""
        flag = self.state_dir / "faults" / node / "snapshot-fill"
        if rate is None:
            flag.unlink(missing_ok=True)
        else:
            flag.write_text(json.dumps({"rate": rate, "since": time.time()}))

    def iscsi_fault(self: Lab, node: str, fault: str | None) -> None:
        """``recovery`` (session in TRANSPORT WAIT / FAILED), ``logout`` (no session) or None (logged in)."""
        faults = self.state_dir / "faults" / node
        for name in ("recovery", "logout"):
            (faults / f"iscsi-{name}").unlink(missing_ok=True)
        if fault is not None:
            if fault not in ("recovery", "logout"):
                raise ValueError(f"no iSCSI fault {fault!r}: recovery or logout")
            (faults / f"iscsi-{fault}").write_text("")

    def remove_snapshots(self: Lab) -> None:
        """Removes every snapshot the stand-in keeps, on every running node (a test's leftovers)."""
        for node in self.nodes:
            names = list(self.snapshots(node))
            if names and self.alive(node):
                self.run(node, ["lvremove", "-f", *names], check=True, env=NO_HANG)
