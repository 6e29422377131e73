"""Provides the demo cluster's state at the moment the demo starts.

The cluster has been up for days: the HA VMs run on vnode1 with their DRBD disks Primary there,
vnode2 (the spare) was rebooted for a kernel update 25 minutes ago and is resyncing all of
``mail-root`` (its copy was invalidated), and vnode3 runs its two local VMs. The operation
history and the CIB look like that story: probes everywhere at cluster start, then starts,
promotions and monitors.
"""

from __future__ import annotations

import random

from hatui.demo.engine import drbd_rsc, ms_rsc
from hatui.demo.lrm import PROMOTED_MONITOR_MS, UNPROMOTED_MONITOR_MS, VM_MONITOR_MS, Lrm
from hatui.demo.state import Cib, Constraint, Domain, DrbdRt, DrbdSide, NodeRt, SyncRt
from hatui.demo.topology import Topology

#: Seconds before the demo starts (demo time 0) at which things happened.
CLUSTER_UP_AGO = 3 * 86400 + 4 * 3600 + 17 * 60
SPARE_REBOOT_AGO = 25 * 60
#: The resync still running at start: an admin invalidated vnode2's copy of mail-root after a
#: verify found differences, so the whole disk is coming again; 31 % of it is done.
RESYNC_DONE = 0.31
RESYNC_KIB_S = 36_000.0

PROPERTIES = {
    "have-watchdog": "false",
    "dc-version": "2.1.5-a3f44794f94",
    "cluster-infrastructure": "corosync",
    "cluster-name": "csifi",
    "stonith-enabled": "false",
    "symmetric-cluster": "false",
    "no-quorum-policy": "stop",
}


def initial_nodes(topo: Topology) -> dict[str, NodeRt]:
    """Returns the nodes, with the VMs running where the reference cluster runs them."""
    nodes: dict[str, NodeRt] = {}
    for n in topo.nodes:
        booted = -SPARE_REBOOT_AGO if n.name == "vnode2" else -CLUSTER_UP_AGO - 240.0
        nodes[n.name] = NodeRt(n.name, n.node_id, booted_at=booted)
    domid = {"vnode1": 3, "vnode3": 7}
    for vm in topo.vms:
        rt = nodes[vm.preferred]
        started = -CLUSTER_UP_AGO + 40.0 + 3.0 * len(rt.domains)
        rt.domains[vm.name] = Domain(vm.name, domid[vm.preferred], vm.mem_mib, vm.vcpus, vm.load, started)
        domid[vm.preferred] += 1
        rt.next_domid = domid[vm.preferred]
    return nodes


def initial_drbd(topo: Topology) -> dict[str, DrbdRt]:
    """Returns every DRBD resource Connected Primary/Secondary, but mail-root still resyncing."""
    drbd: dict[str, DrbdRt] = {}
    first, spare = topo.drbd_nodes
    for disk in topo.disks:
        primary = DrbdSide(role="Primary")
        secondary = DrbdSide()
        for side, factor in ((primary, 1.0), (secondary, 0.0)):
            written = disk.write_kib_s * CLUSTER_UP_AGO
            side.counters.update(
                ns=written * factor,
                nr=written * (1 - factor),
                dw=written,
                dr=written * 0.7 * factor,
                al=written / 4096.0 * factor,
                bm=float(disk.minor * 3),
            )
        rt = DrbdRt(disk.name, {first: primary, spare: secondary})
        drbd[disk.name] = rt
    mail = drbd["mail-root"]
    total = float(next(d.size_kib for d in topo.disks if d.name == "mail-root"))
    left = total * (1 - RESYNC_DONE)
    elapsed = total * RESYNC_DONE / RESYNC_KIB_S
    mail.sync = SyncRt("resync", first, spare, total, left, -elapsed, 0.0, RESYNC_KIB_S)
    mail.sync.mark_at = mail.sync.prev_mark_at = -elapsed
    mail.sync.mark_left_kib = mail.sync.prev_mark_left_kib = total
    mail.sides[spare].disk = "Inconsistent"
    for side in mail.sides.values():
        side.oos_kib = left
    return drbd


def initial_constraints(topo: Topology) -> list[Constraint]:
    """Returns the configured constraints: location preferences, colocations and orders."""
    cons: list[Constraint] = []
    for vm in topo.vms:
        cons.append(
            _loc(f"loc-{vm.name}-{vm.preferred}", vm.name, "200" if vm.fallback else "100", vm.preferred)
        )
        if vm.fallback:
            cons.append(_loc(f"loc-{vm.name}-{vm.fallback}", vm.name, "100", vm.fallback))
        for disk in vm.disks:
            ms = ms_rsc(disk.name)
            for node in topo.drbd_nodes:
                cons.append(_loc(f"loc-{ms}-{node}", ms, "100", node))
            cons.append(
                Constraint(
                    "rsc_colocation",
                    {
                        "id": f"col-{vm.name}-with-{disk.name}",
                        "score": "INFINITY",
                        "rsc": vm.name,
                        "with-rsc": ms,
                        "with-rsc-role": "Promoted",
                    },
                )
            )
            cons.append(
                Constraint(
                    "rsc_order",
                    {
                        "id": f"ord-{disk.name}-before-{vm.name}",
                        "kind": "Mandatory",
                        "first": ms,
                        "first-action": "promote",
                        "then": vm.name,
                        "then-action": "start",
                    },
                )
            )
    return cons


def seed_config(cib: Cib, topo: Topology) -> None:
    """Makes the configuration the reference cluster's own (its ``crm configure show``).

    Pacemaker 1.0.9 over openais: its properties (``expected-quorum-votes``, no ``cluster-name``)
    and ``standby="off"`` written on every node.
    """
    from hatui.demo.seed_cib import seed_properties

    cib.properties = seed_properties()
    for n in topo.nodes:
        cib.node_attrs[n.name] = {"standby": "off"}
        cib.node_attr_sets.add(n.name)


def _loc(cid: str, rsc: str, score: str, node: str) -> Constraint:
    return Constraint("rsc_location", {"id": cid, "rsc": rsc, "score": score, "node": node})


def initial_cib(topo: Topology, nodes: dict[str, NodeRt], epoch0: int, rng: random.Random) -> Cib:
    """Returns the CIB: configuration plus the operation history that led to the initial state."""
    cib = Cib(
        properties=dict(PROPERTIES),
        node_attrs={n.name: {} for n in topo.nodes},
        constraints=initial_constraints(topo),
        meta={vm.name: {"target-role": "Started"} for vm in topo.vms},
        lrm={},
    )
    cib.last_written = epoch0 - SPARE_REBOOT_AGO + 95
    cib.last_origin, cib.last_client, cib.last_user = "vnode1", "crmd", "hacluster"
    lrm = Lrm(cib, rng)
    for n in topo.nodes:
        up = epoch0 - (SPARE_REBOOT_AGO if n.name == "vnode2" else CLUSTER_UP_AGO)
        calls = [2]
        for vm in topo.vms:
            lrm.record(n.name, calls, vm.name, "monitor", when=up, rc=7, target_rc=7)
        for disk in topo.disks:
            lrm.record(n.name, calls, drbd_rsc(disk.name), "monitor", when=up, rc=7, target_rc=7)
        for disk in topo.disks if n.drbd else ():
            rsc = drbd_rsc(disk.name)
            lrm.record(n.name, calls, rsc, "start", when=up + 2)
            if n.name == "vnode1":
                lrm.record(n.name, calls, rsc, "promote", when=up + 4)
                lrm.record(
                    n.name,
                    calls,
                    rsc,
                    "monitor",
                    when=up + 4,
                    rc=8,
                    target_rc=8,
                    interval_ms=PROMOTED_MONITOR_MS,
                )
            else:
                lrm.record(n.name, calls, rsc, "monitor", when=up + 2, interval_ms=UNPROMOTED_MONITOR_MS)
        for vm in topo.vms:
            if vm.preferred == n.name:
                lrm.record(n.name, calls, vm.name, "start", when=up + 40, slow=True)
                lrm.record(n.name, calls, vm.name, "monitor", when=up + 42, interval_ms=VM_MONITOR_MS)
        nodes[n.name].calls = calls[0]
    return cib
