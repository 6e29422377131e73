"""Provides the VM (domain) model built from ``xm list``, ``xl list``, ``virsh list --all`` and ``xentop``."""

from __future__ import annotations

from dataclasses import dataclass

from hatui.model.words import DomainState


@dataclass(frozen=True, slots=True)
class Domain:
    """One row of a domain list."""

    name: str
    id: int | None
    """None for an inactive domain (virsh ``-``)."""
    state: DomainState
    state_raw: str
    """As printed: xm/xl flags (``-b----``) or the virsh words (``shut off``)."""
    memory_mib: int | None = None
    vcpus: int | None = None
    cpu_time_s: float | None = None
    tool: str = "xm"
    """``xm``, ``xl``, ``virsh`` or ``xentop`` (a node whose only domain list is xentop)."""
    cpu_percent: float | None = None
    """From ``xentop`` (``hatui.model.host``); None where xentop is not read."""

    @property
    def is_host(self) -> bool:
        """True for Domain-0 (Xen's control domain), which is not a guest."""
        return self.name == "Domain-0" or (self.tool != "virsh" and self.id == 0)

    @property
    def is_active(self) -> bool:
        """True when the domain holds resources on this node (anything but shut off)."""
        return self.state is not DomainState.SHUT_OFF


def state_from_xen_flags(flags: str) -> DomainState:
    """Reduces an xm/xl ``rbpscd`` flag string to one state, worst flag first."""
    f = flags.strip()
    if len(f) != 6:
        return DomainState.UNKNOWN
    if f[5] == "d":
        return DomainState.DYING
    if f[4] == "c":
        return DomainState.CRASHED
    if f[3] == "s":
        return DomainState.SHUTDOWN
    if f[2] == "p":
        return DomainState.PAUSED
    if f[0] == "r":
        return DomainState.RUNNING
    if f[1] == "b":
        return DomainState.BLOCKED
    if f == "------":
        # Xen prints all dashes for a domain that is runnable but not scheduled at this instant.
        return DomainState.RUNNING
    return DomainState.UNKNOWN
