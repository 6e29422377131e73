"""Provides a small reading of ``crm_mon --output-as=xml`` for the harness's own waits and checks.

Deliberately independent of hatui's parsers: the lab must be able to judge hatui, not trust it.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ClusterState:
    """What crm_mon said: node membership, the DC and where each resource instance is active."""

    online: dict[str, bool]
    """Node name -> online (as Pacemaker sees it)."""
    dc: str | None
    quorum: bool
    placements: dict[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)
    """Resource id (clone instances under their primitive id) -> ((node, role), ...) where active."""
    failed: tuple[str, ...] = ()
    """Resource ids with a failed or blocked instance."""

    @property
    def online_nodes(self) -> list[str]:
        return sorted(n for n, up in self.online.items() if up)

    def nodes_of(self, rsc: str, role: str | None = None) -> list[str]:
        """Nodes where ``rsc`` is active (in ``role`` if given: Started, Promoted, Unpromoted)."""
        return sorted(n for n, r in self.placements.get(rsc, ()) if role is None or r == role)

    def where(self, rsc: str) -> str | None:
        """The single node running ``rsc``, or None if it runs nowhere (or on several nodes)."""
        nodes = self.nodes_of(rsc)
        return nodes[0] if len(nodes) == 1 else None

    def promoted(self, primitive: str) -> str | None:
        nodes = self.nodes_of(primitive, "Promoted")
        return nodes[0] if len(nodes) == 1 else None


def parse_crm_mon(xml_text: str) -> ClusterState:
    root = ET.fromstring(xml_text)
    online = {n.get("name", "?"): n.get("online") == "true" for n in root.iter("node") if n.get("type")}
    dc_el = root.find("./summary/current_dc")
    dc = dc_el.get("name") if dc_el is not None and dc_el.get("present") == "true" else None
    quorum = dc_el is not None and dc_el.get("with_quorum") == "true"
    placements: dict[str, list[tuple[str, str]]] = {}
    failed: list[str] = []
    resources = root.find("resources")
    for rsc in resources.iter("resource") if resources is not None else ():
        rid = rsc.get("id", "?")
        if rsc.get("failed") == "true" or rsc.get("blocked") == "true":
            failed.append(rid)
        if rsc.get("active") != "true":
            placements.setdefault(rid, [])
            continue
        for node in rsc.findall("node"):
            placements.setdefault(rid, []).append((node.get("name", "?"), rsc.get("role", "?")))
    return ClusterState(
        online=online,
        dc=dc,
        quorum=quorum,
        placements={k: tuple(v) for k, v in placements.items()},
        failed=tuple(sorted(set(failed))),
    )
