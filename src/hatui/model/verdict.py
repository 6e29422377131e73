"""Provides ``judge``: the one verdict every surface shows (panes, badge, node strip, wall, ``--once``).

The rules that find problems live in ``health*.py``; ``judge`` runs them over a ``ClusterView`` and
then applies what it knows of time and of hatui's own actions:

- Subjects. Each problem says what it is about (``kind``) and which other subjects it concerns
  (``affects``: ``vm:sentinel``, ``resource:sentinel``, ``drbd:sentinel-root``, ``node:vnode1``;
  ``hatui.model.verdict_subjects``). A pane shows beside a row the problems whose keys hold that
  row's key, and a row's state is the worst of them; no pane judges on its own.
- Ages. The view holds only what nodes said on their last good poll; a node that stopped answering
  keeps its data on screen ("last seen 42s ago") but never in the verdict, so a dead node's last
  domain list cannot make a VM "run on two nodes". Nodes are polled on their own loops, so two
  live nodes' data can be a poll apart: a problem that compares nodes (``CROSS_NODE_CODES``) is
  ``settling`` until every node that answers has answered again since it was first seen. And
  whatever the memory, a claim older than newer evidence against it is not counted
  (``hatui.model.verdict_ages``): a problem that rests on one is ``settling``, its age in the message.
- Settling. A cluster in transition is not a broken cluster. A problem about a resource Pacemaker
  is acting on (a pending operation, a Starting/Stopping/Migrating/Promoting/Demoting role) is
  ``settling`` for as long as Pacemaker says so (its operation timeouts bound that: a stuck
  operation fails, and a failure is never softened). Right after a change of the CIB (crm_mon's
  ``last_change`` younger than ``SETTLE_S`` by its own ``last_update`` clock), placement problems
  (stopped, on the wrong node, on two nodes) are ``settling`` too; one that outlives the window is
  the real problem again. The console and ``--once`` use the same rule; the console also counts
  the window from when it first saw the problem, and a problem it has once shown at full severity
  is never softened again while it lasts. While the verdict is CRITICAL, a critical cross-node
  problem is not held back either: that would only make the badge flap (CRITICAL -> WARNING ->
  CRITICAL, as when a frozen node comes back running VMs that failed over meanwhile).
- Actions in flight (``hatui.model.inflight``): the resources an action moves show "moving (hatui,
  12s)" (``info``), their placement problems are ``settling``, and the constraints it added are
  not leftovers while it runs.
- ``since``: when the console first saw each problem (None in ``--once``: one look has no past).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from hatui.model.health import CROSS_NODE_CODES, find_problems
from hatui.model.health_types import CRITICAL, INFO, SETTLING, Health, HealthStatus, Problem, verdict
from hatui.model.inflight import InFlight
from hatui.model.pacemaker import ClusterStatus
from hatui.model.verdict_ages import superseded
from hatui.model.verdict_subjects import SubjectIndex
from hatui.model.view import ClusterView
from hatui.model.vms import VmRow, vm_rows
from hatui.model.words import ResourceRole

#: Seconds a change of the CIB counts as "just made": long enough for Pacemaker to stop, move and
#: start a VM and promote its disks (a failover in the reference cluster takes 10-30 s), short
#: enough that a VM that did not come back pages within a minute.
SETTLE_S = 60.0

#: Every code given here rather than by the rules of ``health*.py``: hatui's own actions in flight.
VERDICT_CODES = frozenset({"action-in-flight"})

#: Placement problems: what a cluster in transition shows for a moment.
PLACEMENT_CODES = frozenset(
    {
        "resource-stopped",
        "resource-multi-active",
        "domain-multi-active",
        "domain-unmanaged-move",
        "vm-no-domain",
        "vm-disk-not-primary",
        "drbd-dual-primary",
    }
)

#: Placement problems a fresh CIB change excuses. Pacemaker itself saying a resource is active on
#: two nodes is not one of them: that only settles while Pacemaker is acting on the resource.
_YOUNG_CIB_CODES = PLACEMENT_CODES - {"resource-multi-active"}

_MOVING_ROLES = {
    ResourceRole.STARTING,
    ResourceRole.STOPPING,
    ResourceRole.MIGRATING,
    ResourceRole.PROMOTING,
    ResourceRole.DEMOTING,
}

Ident = tuple[str, str, str | None]


def ident(p: Problem) -> Ident:
    """What makes a problem the same one from poll to poll."""
    return (p.code, p.subject, p.node)


@dataclass
class VerdictMemory:
    """What the console remembers between polls: first sightings and each node's data generation."""

    first_seen: dict[Ident, datetime] = field(default_factory=dict)
    confirmed: set[Ident] = field(default_factory=set)
    """Problems already shown at full severity (never softened again while they last)."""
    generation: dict[str, int] = field(default_factory=dict)
    """Node -> how many distinct reports it gave."""
    was_critical: bool = False
    """The last verdict was CRITICAL: a cross-node problem is then not held back (see ``_settle``)."""
    wake_at: datetime | None = None
    """The earliest moment a settling problem's window ends: the verdict changes then with no new
    data (None: no window is running). Set by each ``judge``."""
    waits_for_polls: bool = False
    """Some problem is held back until every node answers again: a new poll counts even when it
    says what the last one said. Set by each ``judge``."""
    _last: dict[str, object] = field(default_factory=dict)
    _waiting: dict[Ident, dict[str, int]] = field(default_factory=dict)

    def wake_no_later_than(self, at: datetime) -> None:
        """Notes a moment the verdict may change by time alone (the earliest one wins)."""
        if self.wake_at is None or at < self.wake_at:
            self.wake_at = at

    def observe(self, view: ClusterView) -> None:
        """Counts a node's report as new when its collection time (or, without one, the object) changed."""
        for r in view.reachable:
            # Without a collection time (hand-made captures) each poll's report is a new object.
            last, mark = self._last.get(r.node), r.collected_at or r
            new = last is not mark if r.collected_at is None else last != mark
            if new:
                self._last[r.node] = mark
                self.generation[r.node] = self.generation.get(r.node, 0) + 1

    def answered_again(self, key: Ident, view: ClusterView) -> bool:
        """True once every node that answers gave new data since ``key`` was first seen."""
        first = self._waiting.setdefault(key, dict(self.generation))
        return all(self.generation.get(r.node, 0) > first.get(r.node, 0) for r in view.reachable)

    def forget_except(self, keep: set[Ident]) -> None:
        """Drops what it knew of problems that are gone (a problem that comes back is new)."""
        for table in (self.first_seen, self._waiting):
            for key in set(table) - keep:
                del table[key]
        self.confirmed &= keep


def judge(
    view: ClusterView,
    *,
    ignore: Iterable[str] = (),
    inflight: Iterable[InFlight] = (),
    memory: VerdictMemory | None = None,
) -> Health:
    """The verdict on ``view``: every problem with its subjects, ages and settling applied.

    Codes in ``ignore`` are left out and do not count; ``memory`` is the console's (None in ``--once``).
    """
    now = view.generated_at
    skip = set(ignore)
    actions = tuple(inflight)
    index = SubjectIndex(vm_rows(view))
    found = [index.tag(p) for p in find_problems(view) if p.code not in skip]
    found = _without_own_constraints(found, actions)
    if "action-in-flight" not in skip:
        found += [index.tag(p) for p in _inflight_problems(actions, now)]
    if memory is not None:
        memory.observe(view)
        memory.wake_at, memory.waits_for_polls = None, False
    moving = _moving_resources(view.pacemaker, actions)
    young = _cib_age_s(view.pacemaker)
    out = []
    for p in found:
        out.append(_settle(p, index, moving, young, now, memory, view))
    if memory is not None:
        seen = {ident(p) for p in out}
        memory.forget_except(seen)
        stamped = []
        for p in out:
            first = memory.first_seen.setdefault(ident(p), now)
            if p.severity not in (SETTLING, INFO):
                memory.confirmed.add(ident(p))
            stamped.append(replace(p, since=first))
        out = stamped
    health = verdict(view, out)
    if memory is not None:
        memory.was_critical = health.status is HealthStatus.CRITICAL
    return health


def _settle(
    p: Problem,
    index: SubjectIndex,
    moving: dict[str, str],
    cib_age: float | None,
    now: datetime,
    memory: VerdictMemory | None,
    view: ClusterView,
) -> Problem:
    """``p`` as settling when the cluster is still moving (module docstring), else unchanged."""
    if p.severity in (SETTLING, INFO):
        return p
    key = ident(p)
    if memory is not None and key in memory.confirmed:
        return p
    first = memory.first_seen.get(key, now) if memory is not None else now
    age = (now - first).total_seconds()
    # Data older than the newest evidence against it is not counted, whatever else holds.
    why = superseded(p, view) if p.code in CROSS_NODE_CODES else None
    if why is None and p.code in PLACEMENT_CODES:
        acting = [moving[r] for r in index.resources_of(p) if r in moving]
        if acting:
            why = acting[0]
        elif p.code in _YOUNG_CIB_CODES and cib_age is not None and cib_age + age < SETTLE_S:
            why = f"the cluster changed {int(cib_age)}s ago"
            if memory is not None:
                memory.wake_no_later_than(first + timedelta(seconds=SETTLE_S - cib_age))
    # Holding back a cross-node problem avoids a false alarm from data a poll apart; while the
    # cluster is already CRITICAL it would only make the badge flap (healing a frozen node: its
    # node-offline goes as its duplicate VMs and split-brains appear, one poll apart).
    soft = why is None and p.code in CROSS_NODE_CODES and memory is not None and age < SETTLE_S
    soft = soft and memory is not None and not (memory.was_critical and p.severity == CRITICAL)
    if soft and memory is not None and not memory.answered_again(key, view):
        why = "waiting for every node's next poll"
        memory.waits_for_polls = True
        memory.wake_no_later_than(first + timedelta(seconds=SETTLE_S))
    if why is None:
        return p
    return replace(p, severity=SETTLING, message=f"{p.message} (settling: {why})")


def _moving_resources(s: ClusterStatus | None, actions: tuple[InFlight, ...]) -> dict[str, str]:
    """Resource id -> why it is in transition: hatui moves it, or Pacemaker is acting on it."""
    out: dict[str, str] = {}
    for r in s.resources if s else ():
        if r.pending:
            out.setdefault(r.id, f"Pacemaker: {r.pending}")
        elif r.role in _MOVING_ROLES:
            out.setdefault(r.id, f"Pacemaker: {r.role.value}")
    for a in actions:
        for rid in a.resources or (a.target,):
            out[rid] = f"{_verb(a)} (hatui)"
    return out


def _verb(a: InFlight) -> str:
    return "moving" if "move" in a.action or "migrate" in a.action else a.action.replace("_", " ")


def _inflight_problems(actions: tuple[InFlight, ...], now: datetime) -> list[Problem]:
    out = []
    for a in actions:
        secs = max(0, int((now - a.started_at).total_seconds()))
        for rid in a.resources or (a.target,):
            text = f"{rid}: {_verb(a)} (hatui, {secs}s) by {a.by}"
            out.append(Problem(INFO, "action-in-flight", rid, None, text, kind="resource"))
    return out


def _without_own_constraints(found: list[Problem], actions: tuple[InFlight, ...]) -> list[Problem]:
    """Drops the leftover-constraint problems of constraints an action in flight added."""
    own = {f"constraint:{cid}" for a in actions for cid in a.constraint_ids}
    if not own:
        return found
    return [p for p in found if not (p.code == "constraint-leftover" and p.affects & own)]


def _cib_age_s(s: ClusterStatus | None) -> float | None:
    """Seconds between the CIB's last change and the crm_mon run, both by the node's own clock."""
    if s is None:
        return None
    changed, updated = _ctime(s.last_change), _ctime(s.last_updated)
    if changed is None or updated is None:
        return None
    return max(0.0, (updated - changed).total_seconds())


def _ctime(text: str | None) -> datetime | None:
    """``Tue Feb 25 20:08:36 2020`` (what every crm_mon prints, local time), else None."""
    if not text:
        return None
    words = text.split()
    for n, fmt in ((5, "%a %b %d %H:%M:%S %Y"), (2, "%Y-%m-%d %H:%M:%S")):
        try:
            # Naive on purpose: both times come from one crm_mon run, in the node's own zone.
            return datetime.strptime(" ".join(words[:n]), fmt)  # noqa: DTZ007
        except ValueError:
            continue
    return None


def vm_state(problems: Iterable[Problem], vm: str) -> tuple[Problem, ...]:
    """The problems a VM row shows (those whose keys hold ``vm:<name>``), worst first."""
    return for_subject(problems, f"vm:{vm}")


def for_subject(problems: Iterable[Problem], key: str) -> tuple[Problem, ...]:
    """The problems whose keys hold ``key`` (``resource:www``, ``drbd:www-root``), worst first."""
    if isinstance(problems, tuple):
        return _by_key(problems).get(key, ())
    return tuple(sorted((p for p in problems if key in p.keys), key=lambda p: p.rank))


#: The last problem list indexed by subject key: every pane asks once per row, and a pane of
#: 8,000 resources scanning a long problem list per row would be quadratic.
_INDEXED: list[object] = [None, {}]


def _by_key(problems: tuple[Problem, ...]) -> dict[str, tuple[Problem, ...]]:
    if _INDEXED[0] is not problems:
        index: dict[str, list[Problem]] = {}
        for p in sorted(problems, key=lambda p: p.rank):
            for k in p.keys:
                index.setdefault(k, []).append(p)
        _INDEXED[:] = [problems, {k: tuple(v) for k, v in index.items()}]
    found: dict[str, tuple[Problem, ...]] = _INDEXED[1]  # type: ignore[assignment]
    return found


def fine_because(row: VmRow) -> str:
    """Why a VM with no problem is fine, in one sentence the row can show."""
    doms = sorted(set(row.domain_nodes))
    if row.resource is None:
        return "not managed by Pacemaker"
    if not row.pcmk_nodes and not doms:
        return f"stopped, as its target role {row.target_role or 'Stopped'} asks"
    where = ", ".join(doms) or ", ".join(row.pcmk_nodes)
    disks = " and its disks are Primary there" if row.disks else ""
    return f"Pacemaker and the domain list agree on {where}{disks}"


__all__ = [
    "CROSS_NODE_CODES",
    "PLACEMENT_CODES",
    "SETTLE_S",
    "VERDICT_CODES",
    "Health",
    "VerdictMemory",
    "for_subject",
    "fine_because",
    "judge",
    "vm_state",
]
