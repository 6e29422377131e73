"""Provides the Problem record and severity words shared by the health checks.

Severities, worst first: ``critical`` pages someone; ``warning`` wants a look; ``settling`` is a
state the cluster is still moving out of (a transition inside its settle window, see
``hatui.model.verdict``): it counts as a warning for the status, never as critical; ``info`` says
something worth knowing ("moving (hatui, 12s)") and does not change the status.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

CRITICAL = "critical"
WARNING = "warning"
SETTLING = "settling"
INFO = "info"

#: Severity -> rank, 0 worst: how every surface orders and compares problems.
RANK = {CRITICAL: 0, WARNING: 1, SETTLING: 2, INFO: 3}


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong; ``subject`` is a node, resource, DRBD resource, domain or ``link N``."""

    severity: str
    code: str
    subject: str
    node: str | None
    message: str
    kind: str = ""
    """What ``subject`` is: ``cluster``, ``node``, ``resource``, ``vm``, ``drbd``, ``link``, ``source``."""
    affects: frozenset[str] = frozenset()
    """More subjects it concerns, as keys (``vm:sentinel``, ``drbd:sentinel-root``, ``node:vnode1``)."""
    since: datetime | None = field(default=None, compare=False)
    """When it was first seen (the console's memory, or the data's own clock); None when unknown."""

    @property
    def keys(self) -> frozenset[str]:
        """Every subject key it concerns: its own (``kind:subject``) and ``affects``."""
        own = f"{self.kind}:{self.subject}" if self.kind else self.subject
        return self.affects | {own}

    @property
    def rank(self) -> int:
        """0 for critical ... 3 for info."""
        return RANK.get(self.severity, 3)
