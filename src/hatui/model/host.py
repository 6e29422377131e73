"""Provides what a hypervisor host says about itself: its memory, and each domain's load.

``HostMemory`` comes from ``xm info`` / ``xl info`` (``total_memory``, ``free_memory``, MiB) or
``virsh nodeinfo`` + ``virsh freecell`` (KiB); ``DomainLoad`` is one row of ``xentop -b``. Both
feed the capacity model (``hatui.model.capacity``) and the panes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from hatui.model.domains import Domain, state_from_xen_flags


@dataclass(frozen=True, slots=True)
class HostMemory:
    """A host's memory in MiB; a figure the tool did not print is None."""

    total_mib: int | None
    free_mib: int | None
    """What the hypervisor has not given to any domain: what a domain arriving here can get."""
    source: str
    """The command that said it (``xm info``, ``xl info``, ``virsh nodeinfo``)."""


@dataclass(frozen=True, slots=True)
class DomainLoad:
    """One domain in the last block of ``xentop -b``."""

    name: str
    """As xentop prints it: without ``-f`` cut to 10 characters (see ``load_for``)."""
    state_raw: str
    """xentop's flags, in ITS order ``dsbcpr`` (xm's is ``rbpscd``)."""
    cpu_time_s: float
    cpu_percent: float | None
    """None when the output held one sample only: xentop's first sample is always 0.0."""
    memory_kib: int
    vcpus: int | None

    @property
    def xm_flags(self) -> str:
        """The flags in xm's order (``rbpscd``), so that one rule reads both."""
        f = self.state_raw
        return f[5] + f[2] + f[4] + f[1] + f[3] + f[0] if len(f) == 6 else f

    def as_domain(self) -> Domain:
        """The domain-list row this load stands for (a node whose only domain list is xentop)."""
        return Domain(
            name=self.name,
            id=0 if self.name == "Domain-0" else None,
            state=state_from_xen_flags(self.xm_flags),
            state_raw=self.xm_flags,
            memory_mib=self.memory_kib // 1024,
            vcpus=self.vcpus,
            cpu_time_s=self.cpu_time_s,
            cpu_percent=self.cpu_percent,
            tool="xentop",
        )


#: xentop (without ``-f``) prints at most this many characters of a name.
XENTOP_NAME_WIDTH = 10


def load_for(name: str, loads: tuple[DomainLoad, ...]) -> DomainLoad | None:
    """The xentop row of domain ``name``: same name, or the one cut to 10 characters from it.

    A cut name that two domains share is ambiguous: no row is returned for either.
    """
    exact = [d for d in loads if d.name == name]
    if exact:
        return exact[0]
    if len(name) <= XENTOP_NAME_WIDTH:
        return None
    cut = [d for d in loads if len(d.name) == XENTOP_NAME_WIDTH and name.startswith(d.name)]
    return cut[0] if len(cut) == 1 else None


def with_loads(domains: tuple[Domain, ...], loads: tuple[DomainLoad, ...]) -> tuple[Domain, ...]:
    """``domains`` with each one's CPU% from ``loads``; names cut to 10 characters are matched too."""
    out = []
    for d in domains:
        load = load_for(d.name, loads)
        out.append(replace(d, cpu_percent=load.cpu_percent) if load is not None else d)
    return tuple(out)


def domains_with_loads(
    domains: tuple[Domain, ...] | None, loads: tuple[DomainLoad, ...] | None
) -> tuple[Domain, ...] | None:
    """A node's domains with CPU% from xentop; xentop's own rows when no domain list was read.

    xentop is a domain list in its own right: a node where only it answered still shows its domains.
    """
    if loads is None:
        return domains
    if domains is None:
        return tuple(d.as_domain() for d in loads)
    return with_loads(domains, loads)
