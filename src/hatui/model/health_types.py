"""Provides the Problem record and severity words shared by the health checks.

Severities, worst first: ``critical`` pages someone; ``warning`` wants a look; ``settling`` is a
state the cluster is still moving out of (a transition inside its settle window, see
``hatui.model.verdict``): it counts as a warning for the status, never as critical; ``info`` says
something worth knowing ("moving (hatui, 12s)") and does not change the status.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hatui.model.view import ClusterView

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


class HealthStatus(str, Enum):
    """The verdict; its exit code is what ``hatui --once`` returns."""

    OK = "OK"
    WARNING = "WARNING"
    CRITICAL = "CRITICAL"
    UNKNOWN = "UNKNOWN"

    @property
    def exit_code(self) -> int:
        """0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (the Nagios convention)."""
        return {"OK": 0, "WARNING": 1, "CRITICAL": 2, "UNKNOWN": 3}[self.value]


@dataclass(frozen=True, slots=True)
class Health:
    """The verdict and its problems, worst first."""

    status: HealthStatus
    problems: tuple[Problem, ...]


def verdict(view: ClusterView, problems: Iterable[Problem]) -> Health:
    """The verdict for ``problems`` found in ``view`` (deduplicated, worst first).

    ``settling`` counts as a warning, ``info`` does not count.
    """
    problems = list(dict.fromkeys(problems))
    problems.sort(key=lambda p: (p.rank, p.code, p.subject, p.node or ""))
    if any(p.severity == CRITICAL for p in problems):
        # Even with nothing read: a changed host key or a split-brain seen on one node must page.
        status = HealthStatus.CRITICAL
    elif not view.reachable or view.pacemaker is None:
        # Nothing answered, or nodes answered but none said anything about Pacemaker: nothing to
        # vouch for, and a warning about DRBD or the VMs must not pass for a verdict on the
        # cluster. The node-unreachable and pacemaker-unread problems say why.
        status = HealthStatus.UNKNOWN
    elif any(p.severity != INFO for p in problems):
        status = HealthStatus.WARNING
    else:
        status = HealthStatus.OK
    return Health(status, tuple(problems))
