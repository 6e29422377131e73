"""Provides the Problem record and severity words shared by the health checks."""

from __future__ import annotations

from dataclasses import dataclass

CRITICAL = "critical"
WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong; ``subject`` is a node, resource, DRBD resource, domain or ``link N``."""

    severity: str
    code: str
    subject: str
    node: str | None
    message: str
