"""Provides ``snapshot_dict``: the ``hatui.snapshot/1`` JSON/YAML contract for scripts, and ``dump_yaml``.

The shape is documented in the README and kept stable: fields are added, never renamed or removed.
Unknown values are ``null``, never guessed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, TextIO

from hatui.model.capacity import capacity
from hatui.model.drbd import DrbdPeer
from hatui.model.health import Health
from hatui.model.view import ClusterView
from hatui.model.words import ReplState
from hatui.plaintext import clean_block, has_unsafe
from hatui.snapshot.storage import storage_dict

SCHEMA = "hatui.snapshot/1"


def snapshot_dict(view: ClusterView, health: Health) -> dict[str, Any]:
    """Returns the snapshot as plain data (dicts, lists, str, int, float, bool, None)."""
    return {
        "schema": SCHEMA,
        "generated_at": _iso(view.generated_at),
        "health": {
            "status": health.status.value,
            "problems": problem_dicts(health),
        },
        "cluster": _cluster(view),
        "nodes": _nodes(view),
        "resources": _resources(view),
        "failed_actions": _failed_actions(view),
        "drbd": _drbd(view),
        "domains": [
            {
                "node": nd.node,
                "name": nd.domain.name,
                "id": nd.domain.id,
                "memory_mib": nd.domain.memory_mib,
                "vcpus": nd.domain.vcpus,
                "state": nd.domain.state_raw,
                "cpu_time_s": nd.domain.cpu_time_s,
                "cpu_percent": nd.domain.cpu_percent,
            }
            for nd in view.domains
        ],
        "corosync": _corosync(view),
        "errors": [{"node": e.node, "source": e.source, "message": e.message} for e in view.errors],
        "capacity": _capacity(view),
        "storage": storage_dict(view),
    }


def problem_dicts(health: Health) -> list[dict[str, Any]]:
    """The verdict's problems as the snapshot gives them (the flight recorder's journal keeps these)."""
    return [
        {
            "severity": p.severity,
            "code": p.code,
            "subject": p.subject,
            "node": p.node,
            "message": p.message,
            "kind": p.kind or None,
            "affects": sorted(p.affects),
            "since": _iso(p.since),
        }
        for p in health.problems
    ]


def _capacity(view: ClusterView) -> dict[str, Any]:
    cap = capacity(view)
    return {
        "n_plus_one": cap.n_plus_one,
        "stranded": [{"node": s.node, "vms": list(s.vms)} for s in cap.stranded],
        "reason": cap.reason,
    }


def _iso(when: datetime | None) -> str | None:
    """``2026-11-25T17:46:03Z`` (UTC), or None when unknown."""
    return when.isoformat().replace("+00:00", "Z") if when is not None else None


def _cluster(view: ClusterView) -> dict[str, Any]:
    s = view.pacemaker
    quorum = s.quorum if s else None
    if quorum is None:
        votes = [r.quorum.quorate for r in view.reachable if r.quorum and r.quorum.quorate is not None]
        quorum = all(votes) if votes else None
    return {
        "name": view.name,
        "stack": s.stack if s else None,
        "dc": s.dc if s else None,
        "quorum": quorum,
        "pacemaker_version": s.dc_version if s else None,
        "stonith_enabled": s.stonith_enabled if s else None,
        "symmetric_cluster": s.symmetric_cluster if s else None,
        "maintenance_mode": s.maintenance_mode if s else None,
    }


def _nodes(view: ClusterView) -> list[dict[str, Any]]:
    s = view.pacemaker
    out = []
    for name in view.node_names:
        pn = s.node(name) if s else None
        rep = view.report(name)
        out.append(
            {
                "name": name,
                "reachable": rep.reachable if rep else None,
                "online": pn.online if pn else None,
                "standby": pn.standby if pn else None,
                "maintenance": pn.maintenance if pn else None,
                "unclean": pn.unclean if pn else None,
                "is_dc": (s.dc == name) if s and s.dc else (pn.is_dc if pn else None),
                "type": pn.type if pn else None,
                "unreachable_reason": rep.unreachable if rep else None,
                "collected_at": rep.collected_at.isoformat() if rep and rep.collected_at else None,
                "detected_stack": rep.stack.describe() if rep else None,
                "memory_total_mib": rep.memory.total_mib if rep and rep.memory else None,
                "memory_free_mib": rep.memory.free_mib if rep and rep.memory else None,
            }
        )
    return out


def _resources(view: ClusterView) -> list[dict[str, Any]]:
    s = view.pacemaker
    if s is None:
        return []
    return [
        {
            "id": r.id,
            "agent": r.agent,
            "role": r.role.value if r.role.value != "Unknown" else r.role_raw,
            "target_role": r.target_role,
            "nodes": list(r.nodes),
            "managed": r.managed,
            "failed": r.failed,
            "parent": r.parent,
            "fail_counts": view.fail_counts(r.id),
        }
        for r in s.resources
    ]


def _failed_actions(view: ClusterView) -> list[dict[str, Any]]:
    s = view.pacemaker
    return [
        {
            "resource": f.resource,
            "operation": f.operation,
            "node": f.node,
            "exit_code": f.exit_code,
            "exit_status": f.exit_status,
            "status": f.status,
        }
        for f in (s.failed_actions if s else ())
    ]


def _drbd(view: ClusterView) -> list[dict[str, Any]]:
    out = []
    for nd in view.drbd:
        d = nd.device
        out.append(
            {
                "node": nd.node,
                "resource": nd.resource,
                "minor": d.minor,
                "volume": d.volume,
                "role": d.role_raw,
                "disk": d.disk_raw,
                "out_of_sync_kib": d.out_of_sync_kib,
                "peers": [
                    {
                        "name": p.name,
                        "connection": p.connection_raw,
                        "role": p.role_raw,
                        "disk": p.disk_raw,
                        "replication": _replication(p),
                        "sync_percent": p.sync_percent,
                        "sync_eta_s": p.sync_eta_s,
                        "sync_speed_kib_s": p.sync_speed_kib_s,
                    }
                    for p in d.peers
                ],
            }
        )
    return out


def _replication(p: DrbdPeer) -> str | None:
    """DRBD 9 words; for DRBD 8 the state derived from ``cs:`` (``Established`` when Connected)."""
    if p.replication is None:
        return None
    return p.replication_raw if p.replication is ReplState.UNKNOWN else p.replication.value


def _corosync(view: ClusterView) -> list[dict[str, Any]]:
    out = []
    for r in view.reachable:
        if r.rings is None and r.quorum is None:
            continue
        q = r.quorum
        out.append(
            {
                "node": r.node,
                "node_id": (
                    r.rings.local_node_id
                    if r.rings and r.rings.local_node_id is not None
                    else (q.node_id if q else None)
                ),
                "links": [
                    {"id": link.id, "address": link.address, "status": link.status.value}
                    for link in (r.rings.links if r.rings else ())
                ],
                "quorate": q.quorate if q else None,
                "expected_votes": q.expected_votes if q else None,
                "total_votes": q.total_votes if q else None,
            }
        )
    return out


def dump_yaml(data: Any, out: TextIO) -> None:
    """Writes ``data`` as YAML in which no string can act on a terminal, yet every string is exact.

    PyYAML escapes C0 and C1 controls but, with ``allow_unicode``, writes bidi controls (U+202E)
    as they are. Strings holding any control character are therefore double-quoted, and
    ``clean_block`` turns what is left raw into ``\\u202e``, a valid escape inside double quotes:
    a YAML reader gets the original string back.
    """
    import yaml

    class InertDumper(yaml.SafeDumper):
        pass

    def represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
        style = '"' if has_unsafe(value) else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    InertDumper.add_representer(str, represent_str)
    text = yaml.dump(data, Dumper=InertDumper, sort_keys=False, allow_unicode=True)
    out.write(clean_block(text))
