"""Provides InFlight: an action hatui is running on a cluster, as the verdict needs to know it.

A move adds ``cli-prefer``/``cli-ban`` constraints and leaves the cluster in transition for a few
seconds; the verdict shows the resources it moves as "moving (hatui, 12s)" and does not count its
constraints as leftovers while it runs (``hatui.model.verdict``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class InFlight:
    """One action in flight."""

    action: str
    """Catalog id, ``move_resource``."""
    target: str
    """Resource, node or DRBD name."""
    started_at: datetime
    """UTC."""
    by: str
    """``pid 4242 on adminhost``."""
    constraint_ids: tuple[str, ...] = ()
    """The constraints it added (``cli-prefer-...``, ``cli-ban-...``)."""
    resources: tuple[str, ...] = ()
    """The resources it is moving (shown as settling)."""
