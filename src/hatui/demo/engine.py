"""Provides the demo's Pacemaker: where each resource should run, and the jobs that move it there.

``plan`` compares where the operation history says resources run with where the constraints,
stickiness, node states and DRBD allow them to run, and starts jobs for the differences. A job is
a list of steps (stop the VM, demote DRBD, promote on the other node, start the VM), each taking a
second or two of demo time, like the operations of a real transition.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from hatui.demo import drbd_sim
from hatui.demo.lrm import PROMOTED_MONITOR_MS, UNPROMOTED_MONITOR_MS, VM_MONITOR_MS
from hatui.demo.state import INFINITY, Domain, add_scores
from hatui.demo.topology import VmDef

if TYPE_CHECKING:
    from hatui.demo.cluster import DemoCluster

#: Seconds each operation takes in demo time.
STOP_VM_S = 2.0
START_VM_S = 2.0
DRBD_OP_S = 1.0


class StepAbortedError(Exception):
    """A step found the cluster changed under it (its node died): the job is dropped and replanned."""


@dataclass(slots=True)
class Step:
    """One operation of a job; ``run`` applies its result when its duration has passed."""

    seconds: float
    label: str
    run: Callable[[], None]


@dataclass(slots=True)
class Job:
    """A sequence of steps for one VM (and its disks) or one DRBD resource."""

    keys: frozenset[str]
    steps: deque[Step]
    due: float
    labels: list[str] = field(default_factory=list)


def drbd_rsc(disk: str) -> str:
    """The primitive id of the DRBD clone for ``disk``."""
    return f"drbd_{disk}"


def ms_rsc(disk: str) -> str:
    """The promotable clone id for ``disk``."""
    return f"ms_drbd_{disk}"


def location_scores(c: DemoCluster, rsc: str) -> dict[str, int]:
    """Sums every location constraint of ``rsc`` per node (an asymmetric cluster's allow-list)."""
    scores: dict[str, int] = {}
    for node, score in c.location_entries(rsc):
        scores[node] = add_scores(scores.get(node, 0), score)
    return scores


def promotable(c: DemoCluster, disk: str, node: str) -> bool:
    """True when the DRBD agent would give ``node`` a master score for ``disk``."""
    rt = c.drbd[disk]
    side = rt.sides.get(node)
    if side is None or not side.up or side.disk != "UpToDate":
        return False
    if location_scores(c, ms_rsc(disk)).get(node, -INFINITY) <= -INFINITY:
        return False
    return c.pcmk_online(node) and c.lrm.state(node, drbd_rsc(disk)).active


def choose_node(c: DemoCluster, vm: VmDef, current: list[str], load: dict[str, int]) -> str | None:
    """Returns where ``vm`` should run, or None; ties keep it where it is (stickiness INFINITY)."""
    if c.cib.meta.get(vm.name, {}).get("target-role") == "Stopped":
        return None
    best: tuple[int, int, int, int] | None = None
    chosen: str | None = None
    for order, (node, score) in enumerate(location_scores(c, vm.name).items()):
        if not c.available(node):
            continue
        if node in current:
            score = add_scores(score, c.stickiness())
        if any(not promotable(c, d.name, node) for d in vm.disks):
            score = -INFINITY
        if score < 0:
            continue
        key = (score, int(node in current), -load.get(node, 0), -order)
        if best is None or key > best:
            best, chosen = key, node
    return chosen


def plan(c: DemoCluster) -> list[Job]:
    """Returns the jobs that bring the cluster from what runs to what should run."""
    if c.maintenance_mode():
        return []
    busy = set().union(*(j.keys for j in c.jobs)) if c.jobs else set()
    online = [n.name for n in c.topo.nodes if c.pcmk_online(n.name)]
    jobs: list[Job] = []
    load: dict[str, int] = {}
    for vm in c.topo.vms:
        current = c.lrm.running_on(vm.name, online)
        target = choose_node(c, vm, current, load)
        if target is not None:
            load[target] = load.get(target, 0) + 1
        keys = frozenset({f"vm:{vm.name}"} | {f"drbd:{d.name}" for d in vm.disks})
        if keys & busy:
            continue
        if any(c.node_in_maintenance(n) for n in current):
            # Unmanaged on a node in maintenance: neither stopped nor moved, whatever it should do.
            busy |= keys
            continue
        failed = any(c.lrm.state(n, vm.name).failed for n in current)
        if current == ([target] if target else []) and not failed:
            continue
        steps = _vm_steps(c, vm, current, target)
        if steps:
            jobs.append(_job(c, keys, steps))
            busy |= keys
    for disk in c.topo.disks:
        if f"drbd:{disk.name}" in busy:
            continue
        steps = _instance_steps(c, disk.name)
        if steps:
            jobs.append(_job(c, frozenset({f"drbd:{disk.name}"}), steps))
    return jobs


def _job(c: DemoCluster, keys: frozenset[str], steps: list[Step]) -> Job:
    return Job(keys, deque(steps), c.t + steps[0].seconds, [s.label for s in steps])


def _vm_steps(c: DemoCluster, vm: VmDef, current: list[str], target: str | None) -> list[Step]:
    steps: list[Step] = []
    for node in current:
        if node != target or c.lrm.state(node, vm.name).failed:
            steps.append(Step(STOP_VM_S, f"stop {vm.name} on {node}", _bind(stop_vm, c, vm, node)))
    if target is None:
        return steps
    disks = [d.name for d in vm.disks]
    for node in c.topo.drbd_nodes:
        demote_here = [
            d
            for d in disks
            if node != target and c.pcmk_online(node) and c.lrm.state(node, drbd_rsc(d)).role == "Promoted"
        ]
        if demote_here:
            label = f"demote {', '.join(demote_here)} on {node}"
            steps.append(Step(DRBD_OP_S, label, _bind(_each, demote, c, demote_here, node)))
    promote_here = [d for d in disks if c.lrm.state(target, drbd_rsc(d)).role != "Promoted"]
    if promote_here:
        label = f"promote {', '.join(promote_here)} on {target}"
        steps.append(Step(DRBD_OP_S, label, _bind(_each, promote, c, promote_here, target)))
    steps.append(Step(START_VM_S, f"start {vm.name} on {target}", _bind(start_vm, c, vm, target)))
    return steps


def _instance_steps(c: DemoCluster, disk: str) -> list[Step]:
    vm = c.topo.vm_of_disk(disk)
    online = [n for n in c.topo.drbd_nodes if c.pcmk_online(n)]
    vm_nodes = c.lrm.running_on(vm.name, online) if vm else []
    steps: list[Step] = []
    promoted_somewhere = False
    for node in c.topo.drbd_nodes:
        if not c.pcmk_online(node) or c.node_in_maintenance(node):
            continue
        state = c.lrm.state(node, drbd_rsc(disk))
        want = c.available(node) and location_scores(c, ms_rsc(disk)).get(node, -INFINITY) > -INFINITY
        if state.active and not want and node not in vm_nodes:
            if state.role == "Promoted":
                steps.append(Step(DRBD_OP_S, f"demote {disk} on {node}", _bind(demote, c, disk, node)))
            steps.append(
                Step(DRBD_OP_S, f"stop {drbd_rsc(disk)} on {node}", _bind(stop_instance, c, disk, node))
            )
        elif not state.active and want:
            steps.append(
                Step(DRBD_OP_S, f"start {drbd_rsc(disk)} on {node}", _bind(start_instance, c, disk, node))
            )
        promoted_somewhere |= state.role == "Promoted" and want
    if not steps and not promoted_somewhere and not vm_nodes:
        # promoted-max=1 is filled even while the VM is stopped, on the best UpToDate copy.
        for node in c.topo.drbd_nodes:
            if c.available(node) and promotable(c, disk, node):
                return [Step(DRBD_OP_S, f"promote {disk} on {node}", _bind(promote, c, disk, node))]
    return steps


def _bind(fn: Callable[..., None], *args: object) -> Callable[[], None]:
    return lambda: fn(*args)


def _each(fn: Callable[[DemoCluster, str, str], None], c: DemoCluster, disks: list[str], node: str) -> None:
    for disk in disks:
        fn(c, disk, node)


def _need_up(c: DemoCluster, node: str) -> None:
    if not c.pcmk_online(node) or c.nodes[node].power != "up":
        raise StepAbortedError(node)


def stop_vm(c: DemoCluster, vm: VmDef, node: str) -> None:
    """Stops ``vm`` on ``node`` (xm shutdown, then destroy) and records the stop."""
    _need_up(c, node)
    c.nodes[node].domains.pop(vm.name, None)
    c.record(node, vm.name, "stop", slow=True)
    c.monitors.pop((vm.name, node), None)


def start_vm(c: DemoCluster, vm: VmDef, node: str) -> None:
    """Starts ``vm`` on ``node`` (xm create) and records the start and its monitor."""
    _need_up(c, node)
    for disk in vm.disks:
        # Xen's block-drbd script promotes a Secondary itself, unless the peer holds Primary.
        rt_disk = c.drbd[disk.name]
        peer = rt_disk.sides[drbd_sim.peer_of(c, node)]
        if rt_disk.sides[node].role != "Primary" and rt_disk.connected and peer.role == "Primary":
            raise StepAbortedError(disk.name)
        rt_disk.sides[node].role = "Primary"
    rt = c.nodes[node]
    if vm.name not in rt.domains:
        rt.domains[vm.name] = Domain(vm.name, rt.next_domid, vm.mem_mib, vm.vcpus, vm.load, c.t)
        rt.next_domid += 1
    c.record(node, vm.name, "start", slow=True)
    c.lrm.drop_monitors(node, vm.name)
    c.record(node, vm.name, "monitor", interval_ms=VM_MONITOR_MS)
    c.monitors[(vm.name, node)] = c.t + VM_MONITOR_MS / 1000


def promote(c: DemoCluster, disk: str, node: str) -> None:
    """``drbdadm primary`` through the agent, and the promoted-role monitor."""
    _need_up(c, node)
    rt = c.drbd[disk]
    peer = rt.sides[drbd_sim.peer_of(c, node)]
    if rt.connected and peer.role == "Primary":
        raise StepAbortedError(disk)
    rt.sides[node].role = "Primary"
    c.record(node, drbd_rsc(disk), "promote")
    c.lrm.drop_monitors(node, drbd_rsc(disk))
    c.record(node, drbd_rsc(disk), "monitor", rc=8, target_rc=8, interval_ms=PROMOTED_MONITOR_MS)


def demote(c: DemoCluster, disk: str, node: str) -> None:
    """``drbdadm secondary`` through the agent, and the unpromoted-role monitor."""
    _need_up(c, node)
    c.drbd[disk].sides[node].role = "Secondary"
    c.record(node, drbd_rsc(disk), "demote")
    c.lrm.drop_monitors(node, drbd_rsc(disk))
    c.record(node, drbd_rsc(disk), "monitor", interval_ms=UNPROMOTED_MONITOR_MS)


def start_instance(c: DemoCluster, disk: str, node: str) -> None:
    """``drbdadm up`` through the agent: attach, connect, Secondary."""
    _need_up(c, node)
    side = c.drbd[disk].sides[node]
    side.up, side.role, side.want_connect, side.allocated = True, "Secondary", True, True
    c.record(node, drbd_rsc(disk), "start")
    c.lrm.drop_monitors(node, drbd_rsc(disk))
    c.record(node, drbd_rsc(disk), "monitor", interval_ms=UNPROMOTED_MONITOR_MS)
    drbd_sim.refresh(c, c.drbd[disk])


def stop_instance(c: DemoCluster, disk: str, node: str) -> None:
    """``drbdadm down`` through the agent."""
    _need_up(c, node)
    side = c.drbd[disk].sides[node]
    if side.role == "Primary":
        raise StepAbortedError(disk)
    side.up = False
    c.record(node, drbd_rsc(disk), "stop")
    drbd_sim.refresh(c, c.drbd[disk])


def check_monitors(c: DemoCluster) -> bool:
    """Runs the VM monitors that are due; True when one failed (a recovery must be planned)."""
    failed = False
    for (vm_name, node), due in list(c.monitors.items()):
        if due > c.t:
            continue
        c.monitors[(vm_name, node)] = due + VM_MONITOR_MS / 1000
        if not c.pcmk_online(node) or c.nodes[node].power != "up":
            continue
        state = c.lrm.state(node, vm_name)
        if state.role != "Started" or state.failed or c.maintenance_mode():
            continue
        if vm_name in c.nodes[node].domains:
            continue
        c.record(node, vm_name, "monitor", rc=7, target_rc=0, interval_ms=VM_MONITOR_MS)
        c.lrm.add_failure(node, vm_name, f"monitor_{VM_MONITOR_MS}", c.epoch_now())
        c.log(f"pacemaker: {vm_name}_monitor_{VM_MONITOR_MS} on {node} returned 'not running' (7)")
        failed = True
    return failed
