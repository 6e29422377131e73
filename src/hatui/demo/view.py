"""Provides what Pacemaker derives from the demo's state, shared by the crm_mon and CIB renderers.

Both renderers must agree (crm_mon run on the CIB the demo prints must give the demo's crm_mon
output), so every derived value (node attributes, clone instances, counts) is computed here once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

from hatui.demo.engine import drbd_rsc, ms_rsc
from hatui.demo.lrm import RscState

if TYPE_CHECKING:
    from hatui.demo.cluster import DemoCluster

FEATURE_SET = "3.16.1"
PCMK_VERSION = "2.1.5"
DC_VERSION = "2.1.5-a3f44794f94"
API_VERSION = "2.25"
DC_UUID = "5f3c2a1e-8d4b-4c6f-9a2e-7b1d0c9e4f21"


@dataclass(frozen=True, slots=True)
class RscDef:
    """A configured resource as crm_mon lists it: a primitive, or a promotable clone of one."""

    id: str
    primitive: str
    agent: tuple[str, str, str]
    """(class, provider, type)."""
    clone: bool


def resources(c: DemoCluster) -> list[RscDef]:
    """The configured resources in CIB order: the Xen VMs, then one promotable clone per disk."""
    out = [RscDef(vm.name, vm.name, ("ocf", "heartbeat", "Xen"), False) for vm in c.topo.vms]
    out += [RscDef(ms_rsc(d.name), drbd_rsc(d.name), ("ocf", "linbit", "drbd"), True) for d in c.topo.disks]
    return out


def status_order(c: DemoCluster) -> list[str]:
    """The order of ``<node_state>`` entries: the order the nodes first joined the cluster."""
    return [n.name for n in c.topo.nodes]


def state_on(c: DemoCluster, node: str, rsc: str) -> RscState:
    """The role of ``rsc`` on ``node``; nothing runs on a node the cluster counts as offline."""
    if not c.pcmk_online(node):
        return RscState("Stopped")
    return c.lrm.state(node, rsc)


@dataclass(frozen=True, slots=True)
class Instance:
    """One instance of a clone, numbered as Pacemaker numbers them while reading the history."""

    node: str | None
    state: RscState
    orphaned: bool = False


def clone_instances(c: DemoCluster, rsc: RscDef, clone_max: int = 2) -> list[Instance]:
    """The clone's instances in instance-number order, orphans last.

    Pacemaker reads the node histories in status order and gives each one an instance: an active
    history takes the first instance not yet active anywhere; an inactive one (a probe) reuses a
    free instance if there is one and otherwise becomes an orphan, which crm_mon lists as
    ``Stopped`` with ``orphaned="true"``.
    """
    slots: list[Instance | None] = [None] * clone_max
    orphans: list[Instance] = []
    for node in status_order(c):
        if not c.pcmk_online(node) or rsc.primitive not in c.cib.lrm.get(node, {}):
            continue
        st = state_on(c, node, rsc.primitive)
        free = next((i for i, slot in enumerate(slots) if slot is None), None)
        if st.active and free is not None:
            slots[free] = Instance(
                node, RscState("Unpromoted" if st.role == "Started" else st.role, st.failed)
            )
        elif free is None:
            orphans.append(Instance(None, RscState("Stopped"), orphaned=True))
    return [slot or Instance(None, RscState("Stopped")) for slot in slots] + orphans


def resources_running(c: DemoCluster, node: str) -> int:
    """How many resource instances are active on ``node``."""
    return sum(1 for r in resources(c) if state_on(c, node, r.primitive).active)


def managed(c: DemoCluster, node: str | None) -> bool:
    """False in cluster maintenance mode, or for what runs on a node in maintenance."""
    if c.maintenance_mode():
        return False
    attrs = c.cib.node_attrs.get(node or "", {})
    return attrs.get("maintenance", "off") not in ("on", "true")


def master_scores(c: DemoCluster, node: str) -> dict[str, str]:
    """The ``master-<rsc>`` attributes the DRBD agent keeps on ``node`` (UpToDate copies only)."""
    scores: dict[str, str] = {}
    if not c.pcmk_online(node) or node not in c.topo.drbd_nodes:
        return scores
    for disk in c.topo.disks:
        side = c.drbd[disk.name].sides[node]
        if not side.up or side.disk != "UpToDate" or not state_on(c, node, drbd_rsc(disk.name)).active:
            continue
        scores[f"master-{drbd_rsc(disk.name)}"] = "10000" if side.role == "Primary" else "1000"
    return scores


def transient_attributes(c: DemoCluster, node: str) -> list[tuple[str, str]]:
    """Every transient attribute of ``node``, in the order the attribute manager wrote them."""
    if not c.pcmk_online(node):
        return []
    attrs = [("#feature-set", FEATURE_SET)]
    attrs += sorted(master_scores(c, node).items())
    for key, (count, when) in c.cib.fail_counts.get(node, {}).items():
        attrs.append((f"fail-count-{key}", str(count)))
        attrs.append((f"last-failure-{key}", str(when)))
    return attrs


def ctime(when: int | float | datetime) -> str:
    """Formats like C's ctime() without the newline: ``Wed Nov  5 17:46:03 2026``."""
    d = when if isinstance(when, datetime) else datetime.fromtimestamp(when, UTC)
    return f"{d:%a %b} {d.day:2d} {d:%H:%M:%S %Y}"


def iso(when: int | float | datetime) -> str:
    """Formats like Pacemaker's ISO 8601 stamps: ``2026-11-25 17:47:27Z``."""
    d = when if isinstance(when, datetime) else datetime.fromtimestamp(when, UTC)
    return f"{d:%Y-%m-%d %H:%M:%S}Z"


def attrs(pairs: list[tuple[str, str]]) -> str:
    """Renders XML attributes as libxml2 does (double quotes, ``&quot;`` inside)."""
    return "".join(f' {k}="{escape(v, {chr(34): "&quot;"})}"' for k, v in pairs)


def element(
    indent: int, tag: str, pairs: list[tuple[str, str]], children: list[str] | None = None
) -> list[str]:
    """Renders one element as lines: self-closed when it has no children."""
    pad = "  " * indent
    if not children:
        return [f"{pad}<{tag}{attrs(pairs)}/>"]
    return [f"{pad}<{tag}{attrs(pairs)}>", *children, f"{pad}</{tag}>"]
