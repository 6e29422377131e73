"""Provides the mutable runtime state of the demo cluster: nodes, domains, DRBD and Pacemaker's CIB.

The Pacemaker part is kept the way Pacemaker keeps it: configuration (properties, node attributes,
constraints, per-resource meta attributes) and, per node, the resource operation history (``lrm``)
that crm_mon derives every role from. Renderers read this state; the engine and the command
handlers change it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

#: Pacemaker's INFINITY score.
INFINITY = 1_000_000


def add_scores(a: int, b: int) -> int:
    """Adds two Pacemaker scores: -INFINITY wins over INFINITY, sums clip at +-INFINITY."""
    if a <= -INFINITY or b <= -INFINITY:
        return -INFINITY
    if a >= INFINITY or b >= INFINITY:
        return INFINITY
    return max(-INFINITY, min(INFINITY, a + b))


def score_text(score: int) -> str:
    """Renders a score the way the CIB spells it."""
    if score >= INFINITY:
        return "INFINITY"
    if score <= -INFINITY:
        return "-INFINITY"
    return str(score)


def parse_score(text: str) -> int | None:
    """Reads ``INFINITY``, ``+INFINITY``, ``-INFINITY``, ``inf`` or an integer; None if it is neither."""
    word = text.strip().lower()
    if word in ("infinity", "+infinity", "inf", "+inf"):
        return INFINITY
    if word in ("-infinity", "-inf"):
        return -INFINITY
    try:
        return max(-INFINITY, min(INFINITY, int(word)))
    except ValueError:
        return None


@dataclass(slots=True)
class Domain:
    """A running Xen domain on one node (a row of ``xm list``)."""

    name: str
    domid: int
    mem_mib: int
    vcpus: int
    load: float
    started_at: float
    cpu_at_start: float = 0.0


@dataclass(slots=True)
class NodeRt:
    """One node at run time."""

    name: str
    node_id: int
    power: str = "up"
    """``up``, ``down`` (killed) or ``frozen`` (hung: commands never answer)."""
    member: bool = True
    """In the corosync membership, as the other nodes see it."""
    domains: dict[str, Domain] = field(default_factory=dict)
    next_domid: int = 1
    booted_at: float = 0.0
    ring_faulty: set[int] = field(default_factory=set)
    calls: int = 20
    """The executor's call-id counter (probes used the first ones at start-up)."""


@dataclass(slots=True)
class DrbdSide:
    """One node's half of a DRBD resource."""

    up: bool = True
    """Configured and attached; False after ``drbdadm down`` (the clone instance stopped)."""
    allocated: bool = True
    """The minor exists in the module (it shows ``cs:Unconfigured`` when down); a reboot clears it."""
    role: str = "Secondary"
    disk: str = "UpToDate"
    want_connect: bool = True
    """False after ``drbdadm disconnect`` or a split-brain: the device is StandAlone."""
    discard: bool = False
    """``--discard-my-data`` was given with the last connect (the split-brain victim)."""
    user_paused: bool = False
    wrote_alone: bool = False
    """Written to as Primary while not connected: the peers' data diverged if both did."""
    oos_kib: float = 0.0
    counters: dict[str, float] = field(
        default_factory=lambda: dict.fromkeys(("ns", "nr", "dw", "dr", "al", "bm"), 0.0)
    )


@dataclass(slots=True)
class SyncRt:
    """A resync or an online verify in progress between two sides."""

    kind: str
    """``resync`` or ``verify``."""
    source: str
    target: str
    total_kib: float
    left_kib: float
    started_at: float
    paused_s: float = 0.0
    base_kib_s: float = 36_000.0
    mark_at: float = 0.0
    mark_left_kib: float = 0.0
    prev_mark_at: float = 0.0
    prev_mark_left_kib: float = 0.0


@dataclass(slots=True)
class DrbdRt:
    """One DRBD resource: its two sides and what runs between them."""

    name: str
    sides: dict[str, DrbdSide]
    connected: bool = True
    split_brain: bool = False
    sync: SyncRt | None = None


@dataclass(slots=True)
class Op:
    """One ``lrm_rsc_op`` record."""

    op_id: str
    task: str
    interval_ms: int
    call: int
    rc: int
    target_rc: int
    changed: int
    """``last-rc-change``, seconds since the epoch."""
    exec_ms: int
    queue_ms: int = 0
    transition: int = 1
    action: int = 1


@dataclass(slots=True)
class Constraint:
    """One constraint of the CIB, kept as its XML tag and ordered attributes.

    A move or ban given a ``--lifetime`` is a rule instead of a plain node/score pair: it then
    holds the node and score in ``rule_node``/``rule_score`` and the end of its lifetime.
    """

    tag: str
    attrs: dict[str, str]
    rule_node: str | None = None
    rule_score: str | None = None
    expires: datetime | None = None
    xml: str | None = None
    """The element as ``cibadmin -C`` was given it (kept verbatim); None for crm_resource's own."""

    @property
    def id(self) -> str:
        """The constraint id."""
        return self.attrs["id"]


@dataclass(slots=True)
class Cib:
    """Pacemaker's configuration and status."""

    properties: dict[str, str]
    node_attrs: dict[str, dict[str, str]]
    """Permanent node attributes (``standby``, ``maintenance``) per node name."""
    constraints: list[Constraint]
    meta: dict[str, dict[str, str]]
    """Per-resource meta attributes (``target-role``)."""
    lrm: dict[str, dict[str, dict[str, Op]]]
    """node -> resource -> op id -> op, in the order Pacemaker first recorded them."""
    fail_counts: dict[str, dict[str, tuple[int, int]]] = field(default_factory=dict)
    """node -> ``R#monitor_10000`` -> (count, last failure epoch)."""
    node_attr_sets: set[str] = field(default_factory=set)
    """Nodes whose ``<instance_attributes>`` element exists (it stays, empty, after a delete)."""
    epoch: int = 42
    num_updates: int = 0
    dc: str = "vnode1"
    last_written: int = 0
    last_origin: str = "vnode1"
    last_client: str = "crmd"
    last_user: str = "hacluster"
    transition: int = 118
    ring_seq: int = 116

    def touch(self, now_epoch: int, origin: str, client: str, user: str = "root") -> None:
        """Records a configuration change (``Last change:`` of crm_mon)."""
        self.epoch += 1
        self.num_updates = 0
        self.last_written = now_epoch
        self.last_origin = origin
        self.last_client = client
        self.last_user = user

    def ops(self, node: str, rsc: str) -> dict[str, Op]:
        """Returns (creating it) the op history of ``rsc`` on ``node``."""
        return self.lrm.setdefault(node, {}).setdefault(rsc, {})
