"""Provides the PURE builders of the LVM snapshot commands: names, ``lvcreate -s`` and ``lvremove``.

hatui's own snapshots are named ``<origin>-hatui-<YYYYmmddTHHMMSS>`` (UTC), so that they can be
told from DRBD's ``*-before-resync`` snapshots and from the site's own. Every LVM command runs
under ``env LVM_SUPPRESS_FD_WARNINGS=1``: LVM warns on stderr about every file descriptor it
inherits ("File descriptor 3 leaked"), which an SSH session or a wrapper easily leaves open.
"""

from __future__ import annotations

from datetime import datetime

from hatui.actions.commands import Argv, Command, Danger, Tools, checked, make
from hatui.errors import ActionRefused
from hatui.model.backup_rule import MIB
from hatui.model.storage import OWN_MARK, is_own_snapshot, stamp

__all__ = ["OWN_MARK", "is_own_snapshot", "lvcreate_snapshot", "lvremove_snapshot", "snapshot_name", "stamp"]

#: LVM refuses longer LV names (``NAME_LEN`` 128, with the terminating NUL).
LV_NAME_MAX = 127
LVM_ENV: Argv = ("env", "LVM_SUPPRESS_FD_WARNINGS=1")


def snapshot_name(origin: str, when: datetime) -> str:
    """The name of hatui's snapshot of LV ``origin`` taken at ``when``.

    Raises:
        ActionRefused: the name would be longer than LVM allows.
    """
    name = f"{checked('logical volume', origin)}{OWN_MARK}{stamp(when)}"
    if len(name) > LV_NAME_MAX:
        raise ActionRefused(
            f"the snapshot of {origin} would be named {name}: longer than LVM's {LV_NAME_MAX}"
        )
    return name


def _lv_path(vg: str, lv: str) -> str:
    for what, name in (("volume group", vg), ("logical volume", lv)):
        if "/" in checked(what, name):
            raise ActionRefused(f"refusing {what} name {name!r}: '/' separates a VG from its LV")
    return f"{vg}/{lv}"


def size_mib(size_bytes: int) -> int:
    """Bytes as whole MiB for ``-L``, rounded up (the rule's sizes are whole extents anyway)."""
    return -(-size_bytes // MIB)


def lvcreate_snapshot(
    vg: str, origin: str, name: str, size_bytes: int, *, node: str, tools: Tools
) -> Command:
    """``lvcreate -s -L <MiB>M -n <name> <vg>/<origin>``: a copy-on-write snapshot of ``origin``."""
    path = _lv_path(vg, origin)
    checked("snapshot", name)
    mib = size_mib(size_bytes)
    argv = (*LVM_ENV, "lvcreate", "-s", "-L", f"{mib}M", "-n", name, path)
    summary = f"snapshot {path} on {node} as {vg}/{name} ({mib} MiB of copy-on-write space)"
    return make(argv, node, Danger.CHANGE, summary, tools)


def lvremove_snapshot(vg: str, name: str, *, node: str, tools: Tools, own: bool = False) -> Command:
    """``lvremove -f <vg>/<name>``: the snapshot and what it holds are gone.

    ``own``: the snapshot is the plan's own (a backup job's): removing it is part of the job, not a
    loss (``Danger.CHANGE`` instead of ``DESTRUCTIVE``).
    """
    path = _lv_path(vg, name)
    argv = (*LVM_ENV, "lvremove", "-f", path)
    danger = Danger.CHANGE if own else Danger.DESTRUCTIVE
    return make(argv, node, danger, f"remove snapshot {path} on {node}", tools)
