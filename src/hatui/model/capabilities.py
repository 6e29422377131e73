"""Provides ``Capabilities``: what a node's cluster tools accept, read from its detected ``StackInfo``.

Every command builder asks these questions instead of assuming today's tools, so that a command
a node's tools lack is never sent: Pacemaker 1.0.9's ``crm_resource`` has no ``--ban``/``--clear``/
``--restart``/``--why``/``--wait``, its nodes have no ``maintenance`` attribute, DRBD 8.3.7's
force-primary option is ``--overwrite-data-of-peer`` and Corosync 1.x's quorumtool says "always
quorate" while Pacemaker's openais plugin decides the quorum.

The Pacemaker version comes first (it names the generation); what ``crm_resource --help`` listed
and what the ``which`` probe found settle the rest where they were detected. A stack with nothing
detected (a hand-built ``Tools()``, a replay without manifest) reads as today's tools.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from hatui.model.stack import CrmMonFlavour, CrmShell, DrbdFlavour, StackInfo, VmTool


class Generation(StrEnum):
    """Pacemaker's generation, as far as command syntax goes."""

    V1_0 = "1.0"
    V1_1 = "1.1"
    V2 = "2"
    UNKNOWN = "unknown"


#: ``crm_resource`` options and the first version that has them (1.1 releases; 2.x has all).
_SINCE: dict[str, tuple[int, ...]] = {
    "ban_clear": (1, 1, 9),
    "restart": (1, 1, 11),
    "wait": (1, 1, 11),
    "why": (1, 1, 17),
    "node_maintenance": (1, 1, 8),
}

#: Feature name -> what a node without it lacks, for ``Capabilities.lacks``.
_LACKS: dict[str, str] = {
    "ban_clear": "crm_resource --ban/--clear",
    "restart": "crm_resource --restart",
    "why": "crm_resource --why",
    "wait": "crm_resource --wait",
    "node_maintenance": "per-node maintenance",
    "scheduler": "scheduler simulator (crm_simulate or ptest)",
    "crm_shell": "crm shell",
    "pcs": "pcs",
}

_NUMBERS = re.compile(r"\d+")


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What one node's tools accept (see the module docstring)."""

    pacemaker_version: str | None
    generation: Generation
    ban_clear: bool
    """``crm_resource --ban`` / ``--clear``."""
    restart: bool
    """``crm_resource --restart``."""
    why: bool
    """``crm_resource --why``."""
    wait: bool
    """``crm_resource --wait``."""
    node_maintenance: bool
    """The per-node ``maintenance`` attribute exists (not on 1.0)."""
    scheduler: str | None
    """What the NODE has: ``crm_simulate``, ``ptest`` or None."""
    crm_shell: str | None
    """``crm-1.0`` (the shell inside Pacemaker 1.0, 1.0.9 grammar), ``crmsh`` or None."""
    pcs: bool
    drbd_syntax: str
    """``8.3`` (backend options after ``drbdadm --``), ``8.4`` or ``9``."""
    drbd_force_primary: tuple[str, ...]
    """``("--overwrite-data-of-peer",)`` up to 8.3.7, ``("--force",)`` from 8.3.8."""
    corosync_major: int | None
    quorum_from: str
    """``corosync`` (corosync-quorumtool: Corosync 2+) or ``pacemaker`` (crm_mon's DC line)."""
    vm_tool: VmTool | None

    def lacks(self, feature: str) -> str:
        """Why a feature cannot be used here: ``Pacemaker 1.0.9 has no per-node maintenance``."""
        what = _LACKS.get(feature, feature.replace("_", " "))
        if feature in ("crm_shell", "pcs"):
            return f"this node has no {what}"
        if feature == "scheduler":
            return f"this node has no {what}"
        who = f"Pacemaker {self.pacemaker_version}" if self.pacemaker_version else _generation_words(self)
        return f"{who} has no {what}"


def _generation_words(caps: Capabilities) -> str:
    if caps.generation is Generation.UNKNOWN:
        return "this node's Pacemaker"
    return f"Pacemaker {caps.generation.value}"


def version_tuple(version: str | None) -> tuple[int, ...] | None:
    """``"1.0.9-74392a"`` -> ``(1, 0, 9)``; None when no number leads it."""
    if not version:
        return None
    head = version.split("-", 1)[0]
    nums = tuple(int(n) for n in _NUMBERS.findall(head)[:3])
    return nums or None


def generation(stack: StackInfo) -> Generation:
    """Pacemaker's generation from its version; a text-only crm_mon without a version is 1.0."""
    v = version_tuple(stack.pacemaker_version)
    if v is None:
        return Generation.V1_0 if stack.crm_mon is CrmMonFlavour.TEXT else Generation.UNKNOWN
    if v[:2] <= (1, 0):
        return Generation.V1_0
    if v[:2] == (1, 1):
        return Generation.V1_1
    return Generation.V2


def corosync_major(stack: StackInfo) -> int | None:
    """Corosync's major version from ``corosync -v``, None when not detected."""
    v = version_tuple(stack.corosync_version)
    return v[0] if v else None


def quorum_from(stack: StackInfo) -> str:
    """``corosync`` when corosync-quorumtool tells the quorum (Corosync 2+), else ``pacemaker``.

    Corosync 1.x without a ``quorum { provider }`` section is "always quorate": Pacemaker's openais
    plugin decides, and crm_mon's DC line says it. With the Corosync version unknown, Pacemaker 1.0
    (which only ran on Corosync 1 or heartbeat) reads it from Pacemaker, anything else from Corosync.
    """
    major = corosync_major(stack)
    if major is not None:
        return "corosync" if major >= 2 else "pacemaker"
    return "pacemaker" if generation(stack) is Generation.V1_0 else "corosync"


def drbd_syntax(stack: StackInfo) -> str:
    """``8.3``, ``8.4`` or ``9``: which drbdadm syntax the node's DRBD speaks."""
    if stack.drbd in (DrbdFlavour.JSON_9, DrbdFlavour.DRBDADM_9):
        return "9"
    version = stack.drbd_version or ""
    if version.startswith("8.4"):
        return "8.4"
    if version.startswith("9"):
        return "9"
    if stack.drbd is None and not version:
        # Nothing detected: today's default spelling.
        return "8.4"
    # 8.0-8.3, and a /proc/drbd without a version line (8.0 builds), take the 8.3 spelling.
    return "8.3"


def drbd_force_primary(stack: StackInfo, syntax: str) -> tuple[str, ...]:
    """The option that forces Primary: ``--force`` arrived in DRBD 8.3.8; before, only the old one."""
    if syntax != "8.3":
        return ("--force",)
    v = version_tuple(stack.drbd_version)
    if v is not None and len(v) >= 3 and v >= (8, 3, 8):
        return ("--force",)
    return ("--overwrite-data-of-peer",)


def _has(stack: StackInfo, gen: Generation, feature: str, *options: str) -> bool:
    """A ``crm_resource`` feature: the help text decides when read, else the version does."""
    if stack.crm_resource_options is not None and (
        # A help text that lists nothing useful (an error page) settles nothing.
        "resource" in stack.crm_resource_options
    ):
        return all(o in stack.crm_resource_options for o in options)
    return _by_version(stack, gen, feature)


def _by_version(stack: StackInfo, gen: Generation, feature: str) -> bool:
    if gen is Generation.V1_0:
        return False
    if gen is Generation.V1_1:
        v = version_tuple(stack.pacemaker_version) or (1, 1)
        return v >= _SINCE[feature]
    return True


def _scheduler(stack: StackInfo) -> str | None:
    if stack.tools is None:
        return None
    if "crm_simulate" in stack.tools:
        return "crm_simulate"
    return "ptest" if "ptest" in stack.tools else None


def _crm_shell(stack: StackInfo, gen: Generation) -> str | None:
    has_crm = stack.crm_shell in (CrmShell.CRMSH, CrmShell.BOTH) or (
        stack.tools is not None and "crm" in stack.tools
    )
    if not has_crm:
        return None
    return "crm-1.0" if gen is Generation.V1_0 else "crmsh"


def capabilities(stack: StackInfo) -> Capabilities:
    """What the node running ``stack`` accepts. Pure."""
    gen = generation(stack)
    syntax = drbd_syntax(stack)
    pcs = stack.crm_shell in (CrmShell.PCS, CrmShell.BOTH) or (
        stack.tools is not None and "pcs" in stack.tools
    )
    return Capabilities(
        pacemaker_version=stack.pacemaker_version,
        generation=gen,
        ban_clear=_has(stack, gen, "ban_clear", "ban", "clear"),
        restart=_has(stack, gen, "restart", "restart"),
        why=_has(stack, gen, "why", "why"),
        wait=_has(stack, gen, "wait", "wait"),
        node_maintenance=_by_version(stack, gen, "node_maintenance"),
        scheduler=_scheduler(stack),
        crm_shell=_crm_shell(stack, gen),
        pcs=pcs,
        drbd_syntax=syntax,
        drbd_force_primary=drbd_force_primary(stack, syntax),
        corosync_major=corosync_major(stack),
        quorum_from=quorum_from(stack),
        vm_tool=stack.vm_tool,
    )


#: What a stack with nothing detected accepts: today's tools.
MODERN = capabilities(StackInfo())
