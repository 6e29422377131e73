"""Provides ``fleet_row``: one summary row per cluster, and ``worst_code``: the fleet's exit code.

A console, wall or ``--once --all`` watching several clusters shows one row per cluster. The row
is made here, once, from what the cluster's own surfaces already show: the verdict
(``hatui.model.verdict.judge``), the N+1 words (``hatui.model.capacity``) and each node's
freshness. No surface judges a cluster on its own: the fleet screen, the ``--once --all`` summary
and the wall all print these rows.

The worst problem is the first by severity (critical, warning, settling), then the one seen first:
among problems of one severity the oldest is most likely the cause of the others (a node goes
offline, then its VMs fail over). ``info`` problems (hatui's own moves) are not problems of the
cluster and never stand for it, as they do not count in the verdict.

The fleet's exit code is the worst cluster's, ranked CRITICAL > UNKNOWN > WARNING > OK (see
``worst_code``). Pure: no I/O, no clock (``now`` is passed in).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from hatui.durations import fmt_age
from hatui.model.capacity import Capacity, capacity
from hatui.model.health_types import INFO, Health, HealthStatus, Problem
from hatui.model.view import ClusterView
from hatui.model.vms import vm_rows

if TYPE_CHECKING:
    # Only read, never built: the model does not depend on how the config is loaded.
    from hatui.config import ClusterConfig

__all__ = ["EXIT_RANK", "FleetRow", "fleet_row", "worst_code"]

#: ``--once`` exit code -> its place in the fleet's verdict, 0 worst. A cluster nobody could read
#: (UNKNOWN, 3) may be down, which is worse than a warning; a cluster known to be critical comes
#: first. Any other code counts as UNKNOWN.
EXIT_RANK = {2: 0, 3: 1, 1: 2, 0: 3}

#: What a fleet row says of a cluster not polled yet (no verdict to show).
_NOT_POLLED = Capacity(None, (), {}, "not polled yet")


@dataclass(frozen=True, slots=True)
class FleetRow:
    """One cluster at a glance; every field comes from the model (see the module docstring)."""

    cluster: str
    """The cluster's name in the config."""
    title: str
    """Its display name, else its name."""
    mode: str
    """``operator`` or ``read-only``: the cluster's config mode."""
    accent: str | None
    status: HealthStatus | None
    """The verdict; None before the first poll came in."""
    worst: Problem | None
    """The worst problem (severity, then the oldest); None when there is none."""
    worst_age_s: float | None
    """Seconds since ``worst`` was first seen, when known (the console knows, one look does not)."""
    nodes_up: int
    """Nodes that answered their last poll."""
    nodes_total: int
    """Configured nodes."""
    vms_running: int
    """VMs whose domain runs on a node that answered (what the hypervisors say, not Pacemaker)."""
    vms_total: int
    capacity: str
    """The N+1 words, as the header's badge shows them (``Capacity.words``)."""
    capacity_ok: bool | None
    """N+1 holds (True), is lost (False) or is unknown (None)."""
    oldest_data_s: float | None
    """Age of the oldest node data shown, in seconds; None when nothing came in yet."""
    unreachable: tuple[str, ...]
    """Nodes that did not answer their last poll, in config order."""
    problems: tuple[Problem, ...] = ()
    """Every problem that counts (not ``info``), worst first: ``worst`` is the first."""

    @property
    def status_word(self) -> str:
        """``OK``, ``WARNING``, ``CRITICAL``, ``UNKNOWN``, or ``waiting`` before the first poll."""
        return self.status.value if self.status is not None else "waiting"

    @property
    def problem_words(self) -> str:
        """``critical: vnode2 is offline (5m03s)``, or an empty string when nothing is wrong."""
        if self.worst is None:
            return ""
        age = f" ({fmt_age(self.worst_age_s)})" if self.worst_age_s is not None else ""
        return f"{self.worst.severity}: {self.worst.message}{age}"

    def problem_lines(self, limit: int = 3) -> list[tuple[str, str]]:
        """(severity, words) of the first ``limit`` problems, worst first (the worst with its age),
        then ``… and N more`` (severity ``info``) when there are more."""
        lines = [(p.severity, f"{p.severity}: {p.message}") for p in self.problems[:limit]]
        if lines:
            lines[0] = (lines[0][0], self.problem_words)
        if len(self.problems) > limit:
            lines.append((INFO, f"… and {len(self.problems) - limit} more"))
        return lines

    @property
    def nodes_words(self) -> str:
        """``nodes 2/3 up``, naming the ones that do not answer: ``nodes 2/3 up (vnode3 unreachable)``."""
        down = f" ({', '.join(self.unreachable)} unreachable)" if self.unreachable else ""
        return f"nodes {self.nodes_up}/{self.nodes_total} up{down}"

    @property
    def vms_words(self) -> str:
        """``VMs 5/6 running``."""
        return f"VMs {self.vms_running}/{self.vms_total} running"

    @property
    def freshness_words(self) -> str:
        """``data 4s old`` (the oldest node data shown), or ``no data yet``."""
        if self.oldest_data_s is None:
            return "no data yet"
        return f"data {fmt_age(self.oldest_data_s)} old"


def fleet_row(
    cluster: ClusterConfig,
    view: ClusterView | None,
    health: Health | None,
    *,
    now: datetime,
    last_good: Mapping[str, datetime],
) -> FleetRow:
    """The fleet row of ``cluster``: ``view`` and ``health`` as its console has them (None before
    the first poll), ``last_good`` node -> when its last good data came in."""
    status = health.status if health is not None else None
    counted = _worst_first(health.problems) if health is not None else ()
    worst = counted[0] if counted else None
    age = None
    if worst is not None and worst.since is not None:
        age = max(0.0, (now - worst.since).total_seconds())
    cap = capacity(view) if view is not None else _NOT_POLLED
    configured = tuple(n.name for n in cluster.nodes)
    ours = set(configured) | ({r.node for r in view.reports} if view is not None else set())
    ages = [(now - at).total_seconds() for node, at in last_good.items() if node in ours]
    return FleetRow(
        cluster=cluster.name,
        title=cluster.display_name or cluster.name,
        mode=cluster.mode,
        accent=cluster.accent,
        status=status,
        worst=worst,
        worst_age_s=age,
        nodes_up=len(view.reachable) if view is not None else 0,
        nodes_total=len(configured) or (len({r.node for r in view.reports}) if view is not None else 0),
        vms_running=sum(1 for r in vm_rows(view) if r.domain_nodes) if view is not None else 0,
        vms_total=len(vm_rows(view)) if view is not None else 0,
        capacity=cap.words,
        capacity_ok=cap.n_plus_one,
        oldest_data_s=max(0.0, max(ages)) if ages else None,
        unreachable=_unreachable(view, configured),
        problems=counted,
    )


def _worst_first(problems: Iterable[Problem]) -> tuple[Problem, ...]:
    """The problems that count, worst first: severity, then the one seen first (unknown: last)."""
    counted = [p for p in problems if p.severity != INFO]
    # Stable: problems of one severity and no ``since`` keep the verdict's order.
    return tuple(
        sorted(counted, key=lambda p: (p.rank, p.since is None, p.since.timestamp() if p.since else 0.0))
    )


def _unreachable(view: ClusterView | None, configured: tuple[str, ...]) -> tuple[str, ...]:
    if view is None:
        return ()
    down = {r.node for r in view.reports if not r.reachable}
    order = {n: i for i, n in enumerate(configured)}
    return tuple(sorted(down, key=lambda n: (order.get(n, len(order)), n)))


def worst_code(codes: Iterable[int]) -> int:
    """The fleet's ``--once`` exit code: the worst of ``codes``, ranked CRITICAL (2) > UNKNOWN (3) >
    WARNING (1) > OK (0); an unexpected code counts as UNKNOWN, and no code at all (nothing was
    checked) is UNKNOWN."""
    ranked = [c if c in EXIT_RANK else 3 for c in codes]
    if not ranked:
        return 3
    return min(ranked, key=lambda c: EXIT_RANK[c])
