"""Provides ``StackInfo``, what one node runs, and the flavours it is made of, as Enums.

Each flavour has an ``ABSENT`` value: detection ran and found no such tool. ``None`` in a
``StackInfo`` field means not detected (yet). Neither is a flavour any source or action can build a
command for: the source table (``hatui.sources.table``) has no command under them, and a test holds
every builder to that.

The Enums are ``StrEnum``s whose values are the strings the replay manifest has always held
(``"output-as-xml"``, ``"9-json"``, ``"xm"``...), so a manifest written before them reads the same
and a flavour still compares equal to its old string.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from enum import StrEnum
from typing import Any


class CrmMonFlavour(StrEnum):
    """Which output crm_mon gives: XML (two spellings of the option) or text only (Pacemaker 1.0)."""

    OUTPUT_AS_XML = "output-as-xml"
    AS_XML = "as-xml"
    TEXT = "text"
    ABSENT = "absent"


class DrbdFlavour(StrEnum):
    """Where DRBD's state is read: ``/proc/drbd`` (8.x), ``drbdsetup status --json`` or ``drbdadm status``."""

    PROC_8 = "8"
    JSON_9 = "9-json"
    DRBDADM_9 = "9-drbdadm"
    ABSENT = "absent"


class VmTool(StrEnum):
    """The hypervisor's command-line tool that lists domains."""

    XL = "xl"
    XM = "xm"
    VIRSH = "virsh"
    ABSENT = "absent"


class CrmShell(StrEnum):
    """The cluster shells installed beside the raw Pacemaker tools."""

    CRMSH = "crmsh"
    PCS = "pcs"
    BOTH = "both"
    ABSENT = "absent"


class LvmFlavour(StrEnum):
    """How ``pvs``/``vgs``/``lvs`` report: JSON (LVM 2.02.158+) or separated columns (older)."""

    JSON = "json"
    COLUMNS = "columns"
    ABSENT = "absent"


#: StackInfo field -> its flavour Enum (the fields not listed hold plain strings or booleans).
FLAVOURS: dict[str, type[StrEnum]] = {
    "crm_mon": CrmMonFlavour,
    "drbd": DrbdFlavour,
    "vm_tool": VmTool,
    "crm_shell": CrmShell,
    "lvm": LvmFlavour,
}


@dataclass(frozen=True, slots=True)
class StackInfo:
    """What one node runs, as detected once per connection. None means not detected (yet)."""

    crm_mon: CrmMonFlavour | None = None
    pacemaker_version: str | None = None
    drbd: DrbdFlavour | None = None
    drbd_version: str | None = None
    vm_tool: VmTool | None = None
    corosync_tools: bool | None = None
    crm_shell: CrmShell | None = None
    corosync_version: str | None = None
    """From ``corosync -v`` (``Corosync Cluster Engine, version '1.2.1'``)."""
    tools: frozenset[str] | None = None
    """The programs the ``which`` probe found on the node's PATH."""
    crm_resource_options: frozenset[str] | None = None
    """The long options ``crm_resource`` lists in its help, without dashes (``ban``, ``move``...)."""
    xentop: bool | None = None
    """True when ``xentop`` is installed (the xentop source keys on it)."""
    lvm: LvmFlavour | None = None
    """How the LVM reports are read (from ``lvm version``); ``absent`` where LVM is not installed."""
    lvm_version: str | None = None
    """``2.03.16`` from ``LVM version:     2.03.16(2) (2022-05-18)``."""

    def __post_init__(self) -> None:
        # A plain string (a test, an old caller) becomes its flavour; an unknown one is refused here
        # rather than turning into a command nobody can build.
        for name, enum in FLAVOURS.items():
            value = getattr(self, name)
            if value is not None and not isinstance(value, enum):
                object.__setattr__(self, name, enum(value))
        # A manifest holds sets as lists: they come back as frozensets.
        for name in SET_FIELDS:
            value = getattr(self, name)
            if value is not None and not isinstance(value, frozenset):
                object.__setattr__(self, name, frozenset(str(v) for v in value))

    @property
    def corosync_quorum(self) -> bool | None:
        """True when ``corosync-quorumtool`` tells the quorum (Corosync 2+; 1.x is "always quorate").

        The source table keys the quorumtool source on it; the rule is ``capabilities.quorum_from``.
        """
        if not self.corosync_tools:
            return self.corosync_tools
        from hatui.model.capabilities import quorum_from

        return quorum_from(self) == "corosync"

    @property
    def iscsiadm(self) -> bool | None:
        """True when ``iscsiadm`` is installed (the iSCSI session source keys on it)."""
        return None if self.tools is None else "iscsiadm" in self.tools

    @property
    def df(self) -> bool | None:
        """True when ``df`` is installed (the filesystem source keys on it)."""
        return None if self.tools is None else "df" in self.tools

    def to_json(self) -> dict[str, Any]:
        """The manifest form: every field, flavours as their strings, sets as sorted lists."""
        return {f.name: _plain(getattr(self, f.name)) for f in fields(self)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> StackInfo:
        """Reads the manifest form; unknown keys are ignored (a newer hatui's manifest).

        Raises:
            ValueError: a flavour is not one hatui knows.
        """
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    def describe(self) -> str:
        """One line for people: ``crm_mon output-as-xml (2.1.5), DRBD 8 (8.3.7), xm, crmsh``."""
        parts = []
        if self.crm_mon:
            v = f" ({self.pacemaker_version})" if self.pacemaker_version else ""
            parts.append(f"crm_mon {self.crm_mon}{v}")
        if self.drbd:
            v = f" ({self.drbd_version})" if self.drbd_version else ""
            parts.append(f"DRBD {self.drbd}{v}")
        if self.vm_tool:
            parts.append(f"VMs {self.vm_tool}")
        if self.corosync_tools is not None:
            parts.append("corosync tools" if self.corosync_tools else "no corosync tools")
        if self.crm_shell:
            parts.append(f"shell {self.crm_shell}")
        if self.corosync_version:
            parts.append(f"corosync {self.corosync_version}")
        if self.lvm:
            v = f" ({self.lvm_version})" if self.lvm_version else ""
            parts.append(f"LVM {self.lvm}{v}")
        return ", ".join(parts) if parts else "not detected"


#: The StackInfo fields that hold sets of words (a manifest holds them as sorted lists of strings).
SET_FIELDS = frozenset({"tools", "crm_resource_options"})
#: The StackInfo fields that hold True/False.
BOOL_FIELDS = frozenset({"corosync_tools", "xentop"})


def _plain(value: object) -> object:
    if isinstance(value, frozenset):
        return sorted(value)
    return value.value if isinstance(value, StrEnum) else value
