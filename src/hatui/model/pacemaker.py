"""Provides the Pacemaker status model that the crm_mon parsers (XML and text) build.

Fields a given crm_mon version or layout does not print are ``None``: unknown values are never
guessed (the text layouts of Pacemaker 1.0 say nothing of ``managed`` or fail-counts, for example).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TypeVar

from hatui.model.words import ResourceRole

#: Pacemaker's INFINITY score, as crm_mon prints fail-counts that reached it.
INFINITY = 1_000_000


def fail_count_text(count: int) -> str:
    """A fail-count as Pacemaker prints it: ``INFINITY`` from 1000000 up."""
    return "INFINITY" if count >= INFINITY else str(count)


@dataclass(frozen=True, slots=True)
class PcmkNode:
    """One node as Pacemaker sees it (``<nodes><node>`` or a ``Node List`` line)."""

    name: str
    id: str | None = None
    online: bool | None = None
    standby: bool | None = None
    standby_onfail: bool | None = None
    maintenance: bool | None = None
    pending: bool | None = None
    unclean: bool | None = None
    shutdown: bool | None = None
    is_dc: bool | None = None
    resources_running: int | None = None
    type: str = "member"
    """``member``, ``remote`` (remote and guest nodes) or ``ping``; as crm_mon prints it."""
    attributes: tuple[tuple[str, str], ...] = ()
    """Transient node attributes (``<node_attributes>``), name and value, in printed order."""


@dataclass(frozen=True, slots=True)
class PcmkResource:
    """One primitive instance: a clone prints one per instance with the same id."""

    id: str
    agent: str | None
    """Single-colon form, ``ocf:heartbeat:Xen``, whatever the Pacemaker version printed."""
    role: ResourceRole
    role_raw: str
    target_role: str | None = None
    nodes: tuple[str, ...] = ()
    managed: bool | None = None
    failed: bool | None = None
    failure_ignored: bool | None = None
    orphaned: bool | None = None
    blocked: bool | None = None
    active: bool | None = None
    pending: str | None = None
    """An operation in flight (``pending="Monitoring"``), else None."""
    parent: str | None = None
    """Id of the innermost clone, group or bundle that holds this primitive (as printed)."""
    clone: str | None = None
    """Id of the enclosing clone, when the primitive is inside one (possibly through a group)."""
    reason: str | None = None
    """A text-layout suffix such as ``Not installed`` or ``disabled``."""


@dataclass(frozen=True, slots=True)
class PcmkCollection:
    """A clone, group or bundle: the structure the UI groups resources by."""

    id: str
    kind: str
    """``clone``, ``group`` or ``bundle``."""
    promotable: bool = False
    unique: bool | None = None
    managed: bool | None = None
    disabled: bool | None = None
    failed: bool | None = None
    parent: str | None = None
    """A group inside a clone names the clone here."""
    members: tuple[str, ...] = ()
    """Ids of direct children (primitives or groups), first-seen order, no repeats."""


@dataclass(frozen=True, slots=True)
class FailedAction:
    """One entry of ``<failures>`` or of ``Failed Resource Actions:``."""

    resource: str
    operation: str
    node: str | None
    exit_code: int | None = None
    exit_status: str | None = None
    status: str | None = None
    call: int | None = None
    interval_ms: int | None = None
    last_rc_change: str | None = None
    exit_reason: str | None = None
    op_key: str | None = None


@dataclass(frozen=True, slots=True)
class FenceEvent:
    """One ``<fence_history>`` entry."""

    target: str
    action: str
    state: str
    delegate: str | None = None
    client: str | None = None
    origin: str | None = None
    completed: str | None = None
    exit_reason: str | None = None


@dataclass(frozen=True, slots=True)
class Ban:
    """A negative location constraint listed by crm_mon (``<bans>``)."""

    id: str
    resource: str
    node: str
    weight: int | None = None
    promoted_only: bool = False


@dataclass(frozen=True, slots=True)
class ResourceHistory:
    """A resource's history on one node (``<node_history>`` / ``Migration Summary``).

    Fail-counts come from here too: Pacemaker 2.1.5 left a start failure with fail-count INFINITY
    out of ``<failures>``, and only node history showed it.
    """

    node: str
    resource: str
    fail_count: int | None = None
    """``INFINITY`` (1000000) when the count reached Pacemaker's INFINITY."""
    migration_threshold: int | None = None
    last_failure: str | None = None


@dataclass(frozen=True, slots=True)
class ClusterOptions:
    """The cluster options of the CIB's ``crm_config`` (``cibadmin -Q --scope crm_config``).

    Read where crm_mon does not show them: Pacemaker 1.0's text output has no ``cluster_options``,
    and placement (``symmetric-cluster=false``) and the maintenance toggle need them.
    """

    symmetric_cluster: bool | None = None
    maintenance_mode: bool | None = None
    stonith_enabled: bool | None = None
    no_quorum_policy: str | None = None


_T = TypeVar("_T")


def _first(value: _T | None, fallback: _T | None) -> _T | None:
    return value if value is not None else fallback


@dataclass(frozen=True, slots=True)
class ClusterStatus:
    """Everything one crm_mon run reported, from XML or text."""

    source_format: str
    """``pacemaker-result`` (``--output-as=xml``), ``crm_mon`` (legacy ``--as-xml``) or ``text``."""
    crm_mon_version: str | None = None
    """Version of the crm_mon binary (legacy XML root) or XML api-version; None for text."""
    stack: str | None = None
    dc: str | None = None
    dc_version: str | None = None
    quorum: bool | None = None
    last_updated: str | None = None
    last_change: str | None = None
    nodes_configured: int | None = None
    resources_configured: int | None = None
    stonith_enabled: bool | None = None
    symmetric_cluster: bool | None = None
    maintenance_mode: bool | None = None
    no_quorum_policy: str | None = None
    nodes: tuple[PcmkNode, ...] = ()
    resources: tuple[PcmkResource, ...] = ()
    collections: tuple[PcmkCollection, ...] = ()
    failed_actions: tuple[FailedAction, ...] = ()
    fence_events: tuple[FenceEvent, ...] = ()
    bans: tuple[Ban, ...] = ()
    history: tuple[ResourceHistory, ...] = ()
    warnings: tuple[str, ...] = field(default=())
    """Lines the tool printed as warnings (pcs ``WARNINGS:`` block, stderr noise before the XML)."""

    def node(self, name: str) -> PcmkNode | None:
        """Returns the node called ``name``, or None."""
        return next((n for n in self.nodes if n.name == name), None)

    def with_options(self, options: ClusterOptions) -> ClusterStatus:
        """This picture with the cluster options it lacks (crm_mon text shows none) filled in."""
        return replace(
            self,
            stonith_enabled=_first(self.stonith_enabled, options.stonith_enabled),
            symmetric_cluster=_first(self.symmetric_cluster, options.symmetric_cluster),
            maintenance_mode=_first(self.maintenance_mode, options.maintenance_mode),
            no_quorum_policy=_first(self.no_quorum_policy, options.no_quorum_policy),
        )

    def instances(self, resource_id: str) -> tuple[PcmkResource, ...]:
        """Returns every instance of the primitive ``resource_id``."""
        return tuple(r for r in self.resources if r.id == resource_id)


#: The id prefix of the constraint a pinned move leaves (``hatui.actions.move``).
PIN_PREFIX = "hatui-pin-"


@dataclass(frozen=True, slots=True)
class Constraint:
    """One constraint from ``cibadmin -Q --scope constraints``."""

    id: str
    kind: str
    """``location``, ``colocation``, ``order`` or ``ticket``."""
    resource: str | None = None
    node: str | None = None
    score: str | None = None
    role: str | None = None
    with_resource: str | None = None
    """The other resource of a colocation, or the ``then`` of an order."""
    with_role: str | None = None
    """The role the other resource of a colocation must have (``Promoted`` for a DRBD clone)."""
    lifetime: str | None = None
    """An ``expires`` date or lifetime rule, when the constraint has one."""

    @property
    def pinned_to(self) -> str | None:
        """The node a pinned move (``hatui-pin-...``) keeps the resource on; None for other constraints.

        A pin is meant to stay (the cluster's rules alone would move the resource): not a leftover.
        """
        return self.node if self.id.startswith(PIN_PREFIX) else None

    @property
    def leftover_kind(self) -> str | None:
        """``prefer`` or ``ban`` for constraints a move/ban/migrate left behind, else None.

        ``marker`` for hatui's in-flight marker (``hatui.model.inflight``): a leftover unless the
        action that wrote it is still in flight.
        """
        if self.id.startswith("hatui-inflight-"):
            return "marker"
        if self.id.startswith("cli-prefer-"):
            return "prefer"
        if self.id.startswith("cli-ban-") or self.id.startswith("cli-standby-"):
            return "ban"
        return None
