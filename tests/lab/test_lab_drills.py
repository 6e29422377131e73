"""The drills on the lab, timed against the config's own limits: kill the node running a VM, freeze
a node, kill and restart a node's sshd. hatui's collectors poll every node over SSH meanwhile.

Measured timings are printed (``pytest -s`` shows them).
"""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from .harness import Lab
from .watching import (
    IGNORED,
    PERIOD,
    Seen,
    Watch,
    everyone,
    kinds,
    once,
    peer_link,
    report,
    runs_on,
    self_consistent,
)

pytestmark = pytest.mark.lab


async def test_drill_kill_the_node_running_a_vm(healthy_lab: Lab) -> None:
    lab = healthy_lab
    vm = lab.vms["vm1"]
    victim, survivor = vm.home, vm.spare
    victim_id = lab.nodes.index(victim) + 1
    watch = Watch.of(lab)
    limit = watch.cluster.connect_timeout + watch.poll_interval
    try:
        await watch.until("the cluster", lambda s: everyone(s) and runs_on(s.view, vm, victim), 10)
        t0 = time.monotonic()
        await asyncio.to_thread(lab.kill, victim)
        down = await watch.until("it unreachable", lambda s: not s.capture(victim).reachable, limit + 5)
        report(f"kill {victim}: unreachable in hatui (limit {limit:g}s)", down.done[victim] - t0)
        assert down.done[victim] - t0 <= limit
        reason = down.capture(victim).unreachable or ""
        assert f"{lab.addresses[victim]}:{lab.ssh_ports[victim]}" in reason, reason

        def failed_over(s: Seen) -> bool:
            pn = s.view.pacemaker.node(victim) if s.view.pacemaker else None
            link = peer_link(s, survivor, victim_id)
            return (
                pn is not None
                and pn.online is False
                and runs_on(s.view, vm, survivor)
                and link == "disconnected"
            )

        failover = await watch.until(f"{vm.name} failed over to {survivor}", failed_over, 40)
        report(f"kill {victim}: {vm.name} running on {survivor} in hatui", failover.at - t0)
        # The final picture: the dead node is offline and unreachable, the survivor's half of the DRBD
        # pair has no peer, and the survivor can no longer be lost (the VM it took may run nowhere else:
        # N+1 is gone until the dead node is back); nothing else. A dead peer is not a faulty corosync link.
        expected = {
            ("node-offline", victim),
            ("node-unreachable", victim),
            ("drbd-disconnected", vm.drbd),
            ("n-plus-one", survivor),
        }
        # The transition may still be finishing when the VM runs (a DRBD clone op pending): wait
        # for the picture to settle rather than catch it in passing.
        end = await watch.until(
            "the final picture", lambda s: {(p.code, p.subject) for p in s.health.problems} == expected, 30
        )
    finally:
        await watch.close()
        if not lab.alive(victim):
            await asyncio.to_thread(lab.restart, victim)

    events = watch.events(since=t0)
    assert ("node-unreachable", victim) in kinds(events, victim)
    assert ("node-offline", victim) in kinds(events, victim)
    rsc = kinds(events, vm.name)
    assert ("resource-moved", survivor) in rsc or ("resource-started", survivor) in rsc, rsc
    assert ("domain-appeared", survivor) in rsc, rsc
    assert f"{vm.drbd} on {survivor}: Secondary -> Primary" in [e.message for e in events]
    unreach = next(p for p in end.health.problems if p.code == "node-unreachable")
    assert "Pacemaker still says it is online" not in unreach.message
    assert [m for s in watch.rounds for m in self_consistent(s, vm)] == []


async def test_drill_freeze_a_node_and_the_others_stay_on_time(healthy_lab: Lab) -> None:
    lab = healthy_lab
    frozen = "vnode2"  # the spare: nothing fails over, only the node hangs
    watch = Watch.of(lab)
    limit = watch.cluster.command_timeout + watch.poll_interval
    on_time = watch.cluster.command_timeout / 2  # far below what waiting on a hung node would cost
    try:
        await watch.until("every node", everyone, 15)
        t_freeze = time.monotonic()
        await asyncio.to_thread(lab.freeze, frozen)
        down = await watch.until(
            f"{frozen} unreachable", lambda s: not s.capture(frozen).reachable, limit + 5
        )
        report(f"freeze {frozen}: unreachable in hatui (limit {limit:g}s)", down.done[frozen] - t_freeze)
        assert down.done[frozen] - t_freeze <= limit
        reason = down.capture(frozen).unreachable or ""
        assert "timed out" in reason or "lost" in reason, reason
        await asyncio.sleep(max(0.0, t_freeze + 8 - time.monotonic()))
        t_thaw = time.monotonic()
        await asyncio.to_thread(lab.thaw, frozen)
        back = await watch.until(f"{frozen} back", lambda s: s.capture(frozen).reachable, 20)
        report(f"thaw {frozen}: reachable again in hatui", back.done[frozen] - t_thaw)
    finally:
        if lab.frozen(frozen):
            await asyncio.to_thread(lab.thaw, frozen)
        await watch.close()

    for node in (n for n in lab.nodes if n != frozen):
        during = [(s, e, cap) for n, s, e, cap in watch.log if n == node and t_freeze <= s <= t_thaw]
        # Each poll that failed: when it started after the freeze, how long it took, and why.
        failed = [(round(s - t_freeze, 1), round(e - s, 1), cap.unreachable) for s, e, cap in during
                  if not cap.reachable]  # fmt: skip
        assert failed == [], (node, failed)
        took = sorted(e - s for s, e, _ in during)
        report(f"freeze {frozen}: slowest poll of {node} while frozen", took[-1])
        # A node that waited on the frozen one would wait in every poll. One slow poll is the CPU
        # the side-by-side test runs leave (a storage poll runs LVM and its stand-ins): the median
        # tells the two apart, the slowest does not.
        median = took[len(took) // 2]
        report(f"freeze {frozen}: median poll of {node} while frozen", median)
        assert median < on_time, (node, took)
        # Polling went on (how many polls fit depends on the CPU the other tests leave: half is enough
        # to tell a node that kept being polled from one that waited for the frozen one).
        assert len(during) >= int((t_thaw - t_freeze) / PERIOD) // 2, (node, len(during))


async def test_drill_kill_sshd_then_restart_it(healthy_lab: Lab) -> None:
    lab = healthy_lab
    node = "vnode1"
    watch = Watch.of(lab)
    limit = watch.cluster.connect_timeout + watch.poll_interval
    try:
        # Healing may have just moved a VM home: wait for its transition to finish (a DRBD clone op
        # pending, a resync) so that the only problem after the kill is the one the kill makes.
        await watch.until("every node, no problem", lambda s: everyone(s) and not s.health.problems, 30)
        t0 = time.monotonic()
        assert await asyncio.to_thread(lab.kill_sshd, node) >= 1
        down = await watch.until(f"{node} unreachable", lambda s: not s.capture(node).reachable, limit + 5)
        report(f"kill sshd of {node}: unreachable in hatui (limit {limit:g}s)", down.done[node] - t0)
        assert down.done[node] - t0 <= limit
        status = down.view.pacemaker
        assert status is not None and (pn := status.node(node)) is not None and pn.online is True
        reason = down.capture(node).unreachable
        assert len(down.health.problems) == 1, [p.message for p in down.health.problems]
        (problem,) = down.health.problems
        assert (problem.code, problem.subject) == ("node-unreachable", node)
        assert problem.message == f"{node} unreachable: {reason} (Pacemaker still says it is online)"

        # The command line says the same: exit 1 (WARNING), the reason on stderr and in the JSON.
        out = await asyncio.to_thread(once, lab, "--ignore", IGNORED)
        assert out.returncode == 1, out.stderr
        refused = f"connection refused by {lab.addresses[node]}:{lab.ssh_ports[node]}"
        assert out.stderr.startswith(f"{node}: unreachable: {refused}")
        data = json.loads(out.stdout)
        entry = next(n for n in data["nodes"] if n["name"] == node)
        assert (entry["reachable"], entry["online"]) == (False, True)
        assert [p["message"] for p in data["health"]["problems"]] == [
            f"{node} unreachable: {entry['unreachable_reason']} (Pacemaker still says it is online)"
        ]
        assert entry["unreachable_reason"].startswith(refused)

        await asyncio.to_thread(lab.start_sshd, node)  # returns once sshd listens again
        t1 = time.monotonic()
        back = await watch.until(f"{node} reachable again", lambda s: s.capture(node).reachable, 15)
        report(
            f"restart sshd of {node}: first good capture (after {t1 - t0:.1f}s down)", back.done[node] - t1
        )
        assert back.done[node] - t1 <= 5.0
        assert back.health.problems == (), [p.message for p in back.health.problems]
        assert ("node-reachable", node) in kinds(watch.events(since=t1), node)
    finally:
        await watch.close()
        if lab.alive(node) and not lab.sshd_listening(node):
            await asyncio.to_thread(lab.start_sshd, node)
