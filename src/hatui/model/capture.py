"""Provides the raw capture of one node: which outputs it gave, which failed, and when.

A capture is what the transport layer hands to the model, what ``--replay DIR`` reads from disk and
what ``hatui capture DIR`` writes. It holds text only; parsing happens in ``hatui.sources.parse``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

#: Replay/capture file names, one per source. The same names key ``NodeCapture.outputs``.
SOURCE_FILES: tuple[str, ...] = (
    "crm_mon.xml",
    "crm_mon.txt",
    "proc_drbd",
    "drbd_status.json",
    "drbdadm_status",
    "drbd_dump",
    "xm_list",
    "xl_list",
    "virsh_list",
    "corosync_cfgtool",
    "corosync_quorumtool",
    "constraints.xml",
)


@dataclass(frozen=True, slots=True)
class StackInfo:
    """What one node runs, as detected once per connection. None means not detected (yet)."""

    crm_mon: str | None = None
    """``output-as-xml``, ``as-xml``, ``text`` or ``absent``."""
    pacemaker_version: str | None = None
    drbd: str | None = None
    """``8`` (``/proc/drbd``), ``9-json``, ``9-drbdadm`` or ``absent``."""
    drbd_version: str | None = None
    vm_tool: str | None = None
    """``xl``, ``xm``, ``virsh`` or ``absent``."""
    corosync_tools: bool | None = None
    crm_shell: str | None = None
    """``crmsh``, ``pcs``, ``both`` or ``absent``."""

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
        return ", ".join(parts) if parts else "not detected"


@dataclass(frozen=True, slots=True)
class NodeCapture:
    """The outputs one node gave in one poll (or the reason it gave none)."""

    node: str
    outputs: dict[str, str] = field(default_factory=dict)
    """Source file name (see ``SOURCE_FILES``) to the command's standard output."""
    errors: dict[str, str] = field(default_factory=dict)
    """Source file name to why that source could not be read (non-zero exit, timeout...)."""
    unreachable: str | None = None
    """Why the node could not be reached at all; None when it answered."""
    unreachable_kind: str | None = None
    """What kind of failure ``unreachable`` is, for the health checks: ``host-key-changed``,
    ``host-key-revoked``, ``host-key-unknown``, or None for any other (refused, timed out...)."""
    collected_at: datetime | None = None
    """When this capture was taken (UTC); None when unknown (a replay without manifest)."""
    stack: StackInfo = field(default_factory=StackInfo)

    @property
    def reachable(self) -> bool:
        """True when the node answered."""
        return self.unreachable is None
