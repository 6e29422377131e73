"""Provides InFlight: an action hatui is running on a cluster, as the verdict needs to know it.

A move adds ``cli-prefer``/``cli-ban`` constraints and leaves the cluster in transition for a few
seconds; the verdict shows the resources it moves as "moving (hatui, 12s)" and does not count its
constraints as leftovers while it runs (``hatui.model.verdict``).

Another hatui process (a second console, a ``--once`` check run by Nagios) learns of the action
from the CIB itself: before its first change, a move writes a MARKER, a location constraint whose
id says who started what and when, and removes it at the end whatever happened::

    hatui-inflight-move_resource-1733400000-330-4242-adminhost
                   action        start (s)  limit pid  host

The marker's rule (``#uname eq hatui-inflight-no-such-node``, score -INFINITY) matches no node,
so it changes no placement, in a symmetric or an asymmetric cluster alike (a score-0 location
would ENABLE a node in ``symmetric-cluster=false``). Every poll reads the constraints, so every
process sees it. A marker older than its own time limit belongs to an action that never ended (a
killed console): it is no longer in flight, and the leftover rule reports it.

``InFlightRegistry`` is the console's own list of the actions it runs (known before any poll sees
the marker, with every constraint the action makes).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from hatui.model.pacemaker import Constraint

#: Every marker id starts so; nothing else in a CIB should.
MARKER_PREFIX = "hatui-inflight-"
#: The node name in the marker's rule: no node may be called so, so the rule never matches.
NO_SUCH_NODE = "hatui-inflight-no-such-node"

_MARKER = re.compile(
    r"^hatui-inflight-(?P<action>[a-z][a-z0-9_]*)-(?P<start>\d{1,12})-(?P<limit>\d{1,7})"
    r"-(?P<pid>\d{1,10})-(?P<host>[A-Za-z0-9._-]+)$"
)
_HOST_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


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
    """The constraints it added (``cli-prefer-...``, ``cli-ban-...``, its marker)."""
    resources: tuple[str, ...] = ()
    """The resources it is moving (shown as settling)."""
    limit_s: int | None = None
    """How long the action may take at most; past it, its marker is a leftover."""

    def age_s(self, now: datetime) -> int:
        """Whole seconds since it started (0 when the starting host's clock is ahead)."""
        return max(0, int((now - self.started_at).total_seconds()))


@dataclass(frozen=True, slots=True)
class Marker:
    """What a marker id says."""

    id: str
    action: str
    started_at: datetime
    limit_s: int
    pid: int
    host: str

    @property
    def by(self) -> str:
        """``pid 4242 on adminhost``."""
        return f"pid {self.pid} on {self.host}"

    def stale(self, now: datetime) -> bool:
        """True once the action has outlived its own time limit: it will not remove the marker."""
        return now - self.started_at > timedelta(seconds=self.limit_s)


def marker_id(action: str, started_at: datetime, limit_s: float, pid: int, host: str) -> str:
    """The marker id for an action; ``host`` is reduced to XML-id characters (``_`` for the rest)."""
    safe_host = _HOST_UNSAFE.sub("_", host)[:63] or "unknown"
    cid = f"{MARKER_PREFIX}{action}-{int(started_at.timestamp())}-{int(limit_s + 0.999)}-{pid}-{safe_host}"
    if _MARKER.match(cid) is None:
        raise ValueError(f"cannot make a marker id for action {action!r}")
    return cid


def parse_marker(cid: str) -> Marker | None:
    """The marker an id names, or None for any other constraint id."""
    m = _MARKER.match(cid)
    if m is None:
        return None
    started = datetime.fromtimestamp(int(m["start"]), UTC)
    return Marker(cid, m["action"], started, int(m["limit"]), int(m["pid"]), m["host"])


def is_marker(c: Constraint) -> bool:
    """True for a hatui in-flight marker (live or stale)."""
    return c.kind == "location" and c.id.startswith(MARKER_PREFIX)


def inflight_from_constraints(constraints: Iterable[Constraint], now: datetime) -> tuple[InFlight, ...]:
    """The actions in flight that any process can see: one per live marker in ``constraints``.

    Each owns its marker and the ``cli-prefer``/``cli-ban`` constraints of the resource it names.
    A stale marker (older than its limit) is left out: the leftover rule reports it.
    """
    listed = tuple(constraints)
    out = []
    for c in listed:
        marker = parse_marker(c.id) if c.kind == "location" else None
        if marker is None or c.resource is None or marker.stale(now):
            continue
        steering = tuple(
            k.id for k in listed if k.resource == c.resource and k.leftover_kind in ("prefer", "ban")
        )
        out.append(
            InFlight(
                marker.action,
                c.resource,
                marker.started_at,
                marker.by,
                (c.id, *steering),
                (c.resource,),
                marker.limit_s,
            )
        )
    return tuple(out)


def merge(
    own: Iterable[InFlight], seen: Iterable[InFlight], ended: Iterable[str] = ()
) -> tuple[InFlight, ...]:
    """The console's own actions, then those seen in the CIB that are not the same action.

    ``ended`` are the markers of actions this process has ended: the constraints poll comes less
    often than the others, so for up to its interval the CIB picture still shows them, and this
    process would otherwise take its own finished move for another hatui's.
    """
    mine = tuple(own)
    known = {cid for f in mine for cid in f.constraint_ids if cid.startswith(MARKER_PREFIX)}
    known.update(ended)
    return mine + tuple(f for f in seen if not known.intersection(f.constraint_ids))


class InFlightRegistry:
    """The actions this process runs, keyed by a token the runner holds until the action ends."""

    def __init__(self, on_change: Callable[[tuple[InFlight, ...]], None] | None = None) -> None:
        self._running: dict[int, InFlight] = {}
        self._next = 0
        self.ended_markers: frozenset[str] = frozenset()
        """Markers of the actions this process has ended (see ``merge``)."""
        self.on_change = on_change
        """Called with ``current()`` after every start and end (the console hands it to its state)."""

    def start(self, flight: InFlight) -> int:
        """Records ``flight``; returns the token ``end`` takes."""
        self._next += 1
        self._running[self._next] = flight
        self._changed()
        return self._next

    def end(self, token: int | None) -> None:
        """Forgets the action (done, failed or cancelled); None (never started) is ignored."""
        flight = self._running.pop(token, None) if token is not None else None
        if flight is not None:
            mine = {cid for cid in flight.constraint_ids if cid.startswith(MARKER_PREFIX)}
            self.ended_markers = self.ended_markers | mine
            self._changed()

    def current(self) -> tuple[InFlight, ...]:
        """Every action still running, oldest first."""
        return tuple(self._running.values())

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change(self.current())
