"""Provides ``parse_crm_mon_xml``: Pacemaker's crm_mon XML status in, a ``ClusterStatus`` out.

Both shapes crm_mon has printed are read, from Pacemaker 1.1 to 3.x: the legacy ``crm_mon --as-xml``
document (``<crm_mon version="1.1.20">``) and ``crm_mon --output-as=xml``
(``<pacemaker-result api-version="2.25">``, which ends with ``<status code=.. message=..>``).

Choices a reader of this output has to make, and the ones made here:

* Clone instances: crm_mon prints one ``<resource>`` per instance, all with the same id. Each is
  its own ``PcmkResource``; ``ClusterStatus.instances(id)`` gathers them.
* Cloned groups: crm_mon prints each instance as ``<group id="g:0">``, ``g:1``... They make ONE
  collection ``g`` (the configured id, instance suffix dropped) whose ``parent`` is the clone; their
  primitives get ``parent="g"`` and ``clone`` = the clone id. The clone's member is ``g``.
  Globally-unique clones print their instances as ``u:0``, ``u:1``: resources, failures and history
  report ``u``, the configured id that actions need (XML IDs cannot hold a colon, so nothing else
  is lost); ``FailedAction.op_key`` keeps the printed key.
* Bundles: the primitives of every ``<replica>`` get ``parent`` = the bundle id and no ``clone``.
* ``--group-by-node``: primitives printed under ``<nodes><node>`` are gathered; when they name no
  node, the node they sit under is theirs. crm_mon repeats in ``<resources>`` every collection that
  has an inactive instance; those repeats are kept (they carry the structure) and the copies under
  the nodes are dropped. A primitive printed only under a node carries no structure: it borrows
  ``parent``/``clone`` from another instance with the same id when there is one, else leaves None.
* Roles ``Master``/``Slave`` become Promoted/Unpromoted (``role_raw`` keeps the printed word);
  agents ``ocf::heartbeat:IPaddr2`` (Pacemaker <= 2.0) become ``ocf:heartbeat:IPaddr2``.
* Fail-counts, thresholds and ban weights: ``1000000`` and ``INFINITY`` are both ``INFINITY``.
* Failures are reported as printed. Pacemaker 2.1.5 leaves a failed start with fail-count INFINITY
  out of ``<failures>``; it is then only in ``history``, and no entry is invented for it.
* Lines printed before or after the document (stderr merged into stdout) and the ``<errors>`` of a
  successful run go to ``warnings``. A run that failed (non-zero status, or errors and nothing else)
  raises ParseError with crm_mon's own message.
"""

from __future__ import annotations

import re
from dataclasses import replace

from lxml import etree

from hatui.errors import ParseError
from hatui.model.pacemaker import (
    INFINITY,
    Ban,
    ClusterStatus,
    FailedAction,
    FenceEvent,
    PcmkCollection,
    PcmkNode,
    PcmkResource,
    ResourceHistory,
)
from hatui.model.words import ResourceRole
from hatui.parsers._xml import XmlDocument, as_int, attr, attr_bool, children, parse_document

_ROOTS = ("crm_mon", "pacemaker-result")
_INSTANCE_SUFFIX = re.compile(r":\d+$")
# Lazy resource part, so that ids with underscores keep them; two-word tasks listed first.
_OP_KEY = re.compile(r"(?P<rsc>.+?)_(?P<task>migrate_to|migrate_from|[^_]+)_(?P<interval>\d+)")

_Element = etree._Element


def parse_crm_mon_xml(data: bytes | str, source: str = "crm_mon.xml") -> ClusterStatus:
    """Parses crm_mon XML (``--as-xml`` or ``--output-as=xml``) into a ``ClusterStatus``.

    Raises ParseError (naming ``source``, the line and a snippet) for input that is empty, not
    well-formed XML, declares a DTD, has another root element, lacks an id or name crm_mon always
    prints, or reports that crm_mon itself failed.
    """
    document = parse_document(data, source, _ROOTS)
    try:
        return _Reader(document).read()
    except ParseError:
        raise
    except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
        # Callers are promised ParseError only: a shape nobody foresaw must not kill a poller.
        raise document.error(None, f"unreadable crm_mon XML ({type(exc).__name__}: {exc})") from exc


def _score(value: str | None) -> int | None:
    """Reads a Pacemaker score: ``INFINITY`` words and numbers beyond it are clamped to INFINITY."""
    if value is None:
        return None
    word = value.strip().upper()
    if word in ("INFINITY", "+INFINITY"):
        return INFINITY
    if word == "-INFINITY":
        return -INFINITY
    number = as_int(value)
    return None if number is None else max(-INFINITY, min(INFINITY, number))


def _configured(rid: str) -> str:
    """Drops a clone instance suffix (``g:0``, ``dummy:1``): configured ids are XML IDs, colon-free."""
    return _INSTANCE_SUFFIX.sub("", rid)


def _agent(value: str | None) -> str | None:
    return re.sub(r":{2,}", ":", value) if value else None


def _split_op_key(key: str, task: str | None) -> tuple[str, str, int | None]:
    """Splits ``dummy-2_monitor_10000`` into resource, operation and interval."""
    if task:
        match = re.fullmatch(rf"(.+)_{re.escape(task)}_(\d+)", key)
        if match:
            return match.group(1), task, as_int(match.group(2))
    match = _OP_KEY.fullmatch(key)
    if match:
        return match["rsc"], match["task"], as_int(match["interval"])
    return key, task or "", None


class _Reader:
    """Reads one parsed document; holds the resources and collections found so far."""

    def __init__(self, document: XmlDocument) -> None:
        self.doc = document
        self.root = document.root
        self.resources: list[PcmkResource] = []
        self.collections: dict[str, PcmkCollection] = {}
        self.members: dict[str, list[str]] = {}
        self.warnings: list[str] = list(document.noise)

    def read(self) -> ClusterStatus:
        summary = self.root.find("summary")
        if self.root.tag == "pacemaker-result":
            self._check_status(summary)
        by_node: list[tuple[str, _Element]] = []
        nodes = self._nodes(by_node)
        for child in children(self.root.find("resources")):
            self._walk(child, None, None, None)
        self._gather_by_node(by_node)
        collections = tuple(replace(c, members=tuple(self.members[c.id])) for c in self.collections.values())
        return replace(
            self._summary(summary),
            nodes=nodes,
            resources=tuple(self.resources),
            collections=collections,
            failed_actions=self._failures(),
            fence_events=self._fence_events(),
            bans=self._bans(),
            history=self._history(),
            warnings=tuple(self.warnings),
        )

    def _check_status(self, summary: _Element | None) -> None:
        disconnected = self.root.find("crm-mon-disconnected")
        if disconnected is not None and summary is None:
            why = attr(disconnected, "description") or attr(disconnected, "pacemakerd-state")
            raise self.doc.error(disconnected, f"crm_mon is not connected: {why or 'no reason given'}")
        status = self.root.find("status")
        if status is None:
            return
        code = as_int(status.get("code"))
        message = f"{status.get('code') or '?'} ({status.get('message') or 'no message'})"
        errors = [" ".join((e.text or "").split()) for e in status.iter("error")]
        errors = [e for e in errors if e]
        nothing_else = self.root.find("nodes") is None and self.root.find("resources") is None
        if summary is None and (code != 0 or (errors and nothing_else)):
            detail = "; ".join(errors)
            if code == 0:
                reason = "crm_mon printed errors instead of a cluster status"
            else:
                reason = f"crm_mon failed with status {message}"
            raise self.doc.error(status, f"{reason}: {detail}" if detail else reason)
        if code != 0:
            self.warnings.append(f"crm_mon status {message}")
        self.warnings.extend(errors)

    def _summary(self, summary: _Element | None) -> ClusterStatus:
        legacy = self.root.tag == "crm_mon"
        status = ClusterStatus(
            source_format="crm_mon" if legacy else "pacemaker-result",
            crm_mon_version=attr(self.root, "version" if legacy else "api-version"),
        )
        if summary is None:
            return status
        dc = summary.find("current_dc")
        options = summary.find("cluster_options")
        stonith = attr_bool(options, "fencing-enabled")
        configured = summary.find("resources_configured")
        return replace(
            status,
            stack=attr(summary.find("stack"), "type"),
            dc=None if attr_bool(dc, "present") is False else attr(dc, "name"),
            dc_version=attr(dc, "version"),
            quorum=attr_bool(dc, "with_quorum"),
            last_updated=attr(summary.find("last_update"), "time"),
            last_change=attr(summary.find("last_change"), "time"),
            nodes_configured=as_int(attr(summary.find("nodes_configured"), "number")),
            resources_configured=as_int(attr(configured, "number")),
            stonith_enabled=attr_bool(options, "stonith-enabled") if stonith is None else stonith,
            symmetric_cluster=attr_bool(options, "symmetric-cluster"),
            maintenance_mode=attr_bool(options, "maintenance-mode"),
            no_quorum_policy=attr(options, "no-quorum-policy"),
        )

    def _nodes(self, by_node: list[tuple[str, _Element]]) -> tuple[PcmkNode, ...]:
        attributes: dict[str, list[tuple[str, str]]] = {}
        for node in children(self.root.find("node_attributes"), "node"):
            pairs = attributes.setdefault(self.doc.required(node, "name"), [])
            for attribute in children(node, "attribute"):
                pairs.append((self.doc.required(attribute, "name"), attribute.get("value") or ""))
        nodes = []
        for node in children(self.root.find("nodes"), "node"):
            name = self.doc.required(node, "name")
            nodes.append(
                PcmkNode(
                    name=name,
                    id=attr(node, "id"),
                    online=attr_bool(node, "online"),
                    standby=attr_bool(node, "standby"),
                    standby_onfail=attr_bool(node, "standby_onfail"),
                    maintenance=attr_bool(node, "maintenance"),
                    pending=attr_bool(node, "pending"),
                    unclean=attr_bool(node, "unclean"),
                    shutdown=attr_bool(node, "shutdown"),
                    is_dc=attr_bool(node, "is_dc"),
                    resources_running=as_int(attr(node, "resources_running")),
                    type=attr(node, "type") or "member",
                    attributes=tuple(attributes.get(name, ())),
                )
            )
            by_node.extend((name, child) for child in children(node))
        return tuple(nodes)

    def _walk(self, element: _Element, parent: str | None, clone: str | None, here: str | None) -> str | None:
        """Reads one resource element and its children; returns the id it adds to its parent."""
        tag = element.tag
        if tag == "resource":
            resource = self._primitive(element, parent, clone, here)
            self.resources.append(resource)
            return resource.id
        if tag not in ("clone", "group", "bundle"):
            return None
        own = self.doc.required(element, "id")
        if tag == "clone":
            clone = own
        elif tag == "group" and clone is not None:
            own = _configured(own)
        if own not in self.collections:
            promotable = tag == "clone" and bool(
                attr_bool(element, "multi_state") or attr_bool(element, "promotable")
            )
            self.collections[own] = PcmkCollection(
                id=own,
                kind=str(tag),
                promotable=promotable,
                unique=attr_bool(element, "unique"),
                managed=attr_bool(element, "managed"),
                disabled=attr_bool(element, "disabled"),
                failed=attr_bool(element, "failed"),
                parent=parent,
            )
            self.members[own] = []
        kids = children(element)
        if tag == "bundle":
            kids = (kid for replica in children(element, "replica") for kid in children(replica))
        for child in kids:
            member = self._walk(child, own, clone, here)
            if member is not None and member not in self.members[own]:
                self.members[own].append(member)
        return own

    def _primitive(
        self, element: _Element, parent: str | None, clone: str | None, here: str | None
    ) -> PcmkResource:
        role_raw = element.get("role") or ""
        nodes = tuple(self.doc.required(n, "name") for n in children(element, "node"))
        if not nodes and here is not None:
            nodes = (here,)
        # 3.x prints removed= beside orphaned=; either one set means orphaned.
        flags = [f for f in (attr_bool(element, "orphaned"), attr_bool(element, "removed")) if f is not None]
        rid = self.doc.required(element, "id")
        return PcmkResource(
            id=_configured(rid) if clone is not None else rid,
            agent=_agent(attr(element, "resource_agent")),
            role=ResourceRole.from_word(role_raw),
            role_raw=role_raw,
            target_role=attr(element, "target_role"),
            nodes=nodes,
            managed=attr_bool(element, "managed"),
            failed=attr_bool(element, "failed"),
            failure_ignored=attr_bool(element, "failure_ignored"),
            orphaned=any(flags) if flags else None,
            blocked=attr_bool(element, "blocked"),
            active=attr_bool(element, "active"),
            pending=attr(element, "pending"),
            parent=parent,
            clone=clone,
        )

    def _gather_by_node(self, by_node: list[tuple[str, _Element]]) -> None:
        """Adds the primitives printed under nodes (``--group-by-node``) that are not known yet."""
        if not by_node:
            return
        seen = {(r.id, frozenset(r.nodes)) for r in self.resources}
        twins: dict[str, PcmkResource] = {}
        for resource in self.resources:
            twins.setdefault(resource.id, resource)
        start = len(self.resources)
        for node, element in by_node:
            self._walk(element, None, None, node)
        gathered, self.resources[start:] = self.resources[start:], []
        for resource in gathered:
            key = (resource.id, frozenset(resource.nodes))
            if key in seen:
                continue
            seen.add(key)
            twin = twins.get(resource.id)
            if resource.parent is None and twin is not None:
                resource = replace(resource, parent=twin.parent, clone=twin.clone)
            self.resources.append(resource)

    def _history(self) -> tuple[ResourceHistory, ...]:
        history = []
        for node in children(self.root.find("node_history"), "node"):
            name = self.doc.required(node, "name")
            for entry in children(node, "resource_history"):
                history.append(
                    ResourceHistory(
                        node=name,
                        resource=_configured(self.doc.required(entry, "id")),
                        fail_count=_score(attr(entry, "fail-count")),
                        migration_threshold=_score(attr(entry, "migration-threshold")),
                        last_failure=attr(entry, "last-failure"),
                    )
                )
        return tuple(history)

    def _failures(self) -> tuple[FailedAction, ...]:
        failures = []
        for failure in children(self.root.find("failures"), "failure"):
            key = attr(failure, "op_key") or self.doc.required(failure, "id")
            task = attr(failure, "task")
            resource, operation, interval = _split_op_key(key, task)
            exit_code = as_int(attr(failure, "exitcode"))
            explicit_interval = as_int(attr(failure, "interval"))
            failures.append(
                FailedAction(
                    resource=_configured(resource),
                    operation=operation,
                    node=attr(failure, "node"),
                    exit_code=as_int(attr(failure, "rc")) if exit_code is None else exit_code,
                    exit_status=attr(failure, "exitstatus"),
                    status=attr(failure, "status"),
                    call=as_int(attr(failure, "call")),
                    interval_ms=interval if explicit_interval is None else explicit_interval,
                    last_rc_change=attr(failure, "last-rc-change"),
                    exit_reason=attr(failure, "exitreason"),
                    op_key=key,
                )
            )
        return tuple(failures)

    def _fence_events(self) -> tuple[FenceEvent, ...]:
        return tuple(
            FenceEvent(
                target=self.doc.required(event, "target"),
                action=self.doc.required(event, "action"),
                # Legacy crm_mon says state="success"; the 2.x API says status="success".
                state=attr(event, "state") or attr(event, "status") or "",
                delegate=attr(event, "delegate"),
                client=attr(event, "client"),
                origin=attr(event, "origin"),
                completed=attr(event, "completed"),
                exit_reason=attr(event, "exit-reason") or attr(event, "exitreason"),
            )
            for event in children(self.root.find("fence_history"), "fence_event")
        )

    def _bans(self) -> tuple[Ban, ...]:
        return tuple(
            Ban(
                id=self.doc.required(ban, "id"),
                resource=self.doc.required(ban, "resource"),
                node=self.doc.required(ban, "node"),
                weight=_score(attr(ban, "weight")),
                promoted_only=bool(attr_bool(ban, "promoted-only") or attr_bool(ban, "master_only")),
            )
            for ban in children(self.root.find("bans"), "ban")
        )
