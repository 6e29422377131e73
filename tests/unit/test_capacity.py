"""The N+1 rule (``hatui.model.capacity``) on built views: first-fit, placement rules, missing figures."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from hatui.actions import safety
from hatui.model.capacity import capacity, free_mib, stranded_if_lost
from hatui.model.domains import Domain
from hatui.model.host import HostMemory
from hatui.model.pacemaker import ClusterStatus, Constraint, PcmkNode, PcmkResource
from hatui.model.report import NodeReport
from hatui.model.stack import DrbdFlavour, StackInfo
from hatui.model.view import ClusterView
from hatui.model.words import DomainState, ResourceRole

NODES = ("vnode1", "vnode2", "vnode3")


def _node(name: str, **kw: object) -> PcmkNode:
    base: dict[str, object] = {"online": True, "standby": False, "maintenance": False, "unclean": False}
    base.update(kw)
    return PcmkNode(name=name, is_dc=name == "vnode1", **base)  # type: ignore[arg-type]


def _vm(rid: str, node: str) -> PcmkResource:
    return PcmkResource(
        id=rid, agent="ocf:heartbeat:Xen", role=ResourceRole.STARTED, role_raw="Started", nodes=(node,),
        managed=True, failed=False,
    )  # fmt: skip


def _dom(name: str, mib: int | None) -> Domain:
    return Domain(name, 3, DomainState.BLOCKED, "-b----", memory_mib=mib, vcpus=1, cpu_time_s=1.0)


def view(
    vms: dict[str, tuple[str, int | None]],
    free: dict[str, int | None],
    *,
    nodes: dict[str, dict[str, object]] | None = None,
    constraints: tuple[Constraint, ...] = (),
    symmetric: bool = True,
) -> ClusterView:
    """``vms``: VM -> (node, memory MiB); ``free``: node -> free MiB (absent: no xm info read)."""
    status = ClusterStatus(
        source_format="pacemaker-result", dc="vnode1", quorum=True, stonith_enabled=False,
        maintenance_mode=False, symmetric_cluster=symmetric,
        nodes=tuple(_node(n, **(nodes or {}).get(n, {})) for n in NODES),
        resources=tuple(_vm(v, n) for v, (n, _) in vms.items()),
    )  # fmt: skip
    reports = []
    for n in NODES:
        doms = tuple(_dom(v, mib) for v, (on, mib) in vms.items() if on == n)
        memory = HostMemory(16384, free[n], "xm info") if n in free else None
        reports.append(NodeReport(n, pacemaker=status, domains=doms, memory=memory, constraints=constraints))
    return ClusterView("t", tuple(reports), datetime(2026, 1, 1, tzinfo=UTC), configured_nodes=NODES)


def test_the_spare_holds_every_nodes_vms_n_plus_one_holds() -> None:
    v = view({"vm1": ("vnode1", 1024), "vm2": ("vnode3", 2048)}, {"vnode1": 500, "vnode2": 4096, "vnode3": 0})
    cap = capacity(v)
    assert (cap.n_plus_one, cap.stranded, cap.reason) == (True, (), None)
    assert free_mib(v, "vnode2") == 4096 and cap.memory["vnode2"].total_mib == 16384


def test_first_fit_decreasing_strands_what_fits_nowhere() -> None:
    # vnode1's loss: 3000 goes to vnode2 (3500 free), 2000 then fits nowhere (500 left, vnode3 1500).
    vms = {"big": ("vnode1", 3000), "mid": ("vnode1", 2000), "small": ("vnode1", 1000), "x": ("vnode3", 100)}
    v = view(vms, {"vnode1": 0, "vnode2": 3500, "vnode3": 1500})
    assert stranded_if_lost(v, "vnode1") == (("mid",), ())
    cap = capacity(v)
    assert cap.n_plus_one is False
    assert [(s.node, s.vms) for s in cap.stranded] == [("vnode1", ("mid",))]


def test_asymmetric_cluster_counts_only_the_nodes_a_constraint_allows() -> None:
    allow = (
        Constraint("loc-vm1-1", "location", "vm1", "vnode1", "INFINITY"),
        Constraint("loc-vm1-2", "location", "vm1", "vnode2", "100"),
        Constraint("loc-vm2-3", "location", "vm2", "vnode3", "INFINITY"),
        Constraint("loc-vm2-2", "location", "vm2", "vnode2", "100"),
    )
    # vnode1 is down: vm1 runs on the spare; the spare's loss leaves vm1 nowhere (vnode3 not allowed),
    # however much vnode3 has free.
    v = view(
        {"vm1": ("vnode2", 1024), "vm2": ("vnode3", 1024)},
        {"vnode2": 4096, "vnode3": 8192},
        nodes={"vnode1": {"online": False}},
        constraints=allow,
        symmetric=False,
    )
    cap = capacity(v)
    assert cap.n_plus_one is False
    assert [(s.node, s.vms) for s in cap.stranded] == [("vnode2", ("vm1",))]
    # The same layout in a symmetric cluster: vnode3 may take vm1.
    assert capacity(view({"vm1": ("vnode2", 1024)}, {"vnode2": 0, "vnode3": 8192},
                         nodes={"vnode1": {"online": False}})).n_plus_one is True  # fmt: skip


def test_a_ban_and_a_standby_node_take_nothing() -> None:
    ban = (Constraint("cli-ban-vm1-on-vnode2", "location", "vm1", "vnode2", "-INFINITY"),)
    v = view(
        {"vm1": ("vnode1", 1024)},
        {"vnode1": 0, "vnode2": 4096, "vnode3": 4096},
        nodes={"vnode3": {"standby": True}},
        constraints=ban,
    )
    assert capacity(v).stranded[0].vms == ("vm1",)


def test_missing_free_memory_leaves_it_open_and_says_which() -> None:
    v = view({"vm1": ("vnode1", 1024)}, {"vnode1": 0, "vnode3": 4096})
    cap = capacity(v)
    assert cap.n_plus_one is None and cap.stranded == ()
    assert cap.reason is not None and "free memory of vnode2" in cap.reason


def test_missing_vm_memory_leaves_it_open() -> None:
    cap = capacity(view({"vm1": ("vnode1", None)}, {"vnode1": 0, "vnode2": 4096, "vnode3": 4096}))
    assert cap.n_plus_one is None and cap.reason is not None and "memory of vm1" in cap.reason


def test_a_vm_no_node_may_take_is_stranded_whatever_the_figures() -> None:
    v = view({"vm1": ("vnode1", None)}, {}, nodes={"vnode2": {"online": False}, "vnode3": {"online": False}})
    cap = capacity(v)
    assert cap.n_plus_one is False and cap.stranded[0].vms == ("vm1",)


def test_no_pacemaker_picture_is_unknown() -> None:
    v = ClusterView("t", (NodeReport("vnode1"),), datetime(2026, 1, 1, tzinfo=UTC))
    cap = capacity(v)
    assert cap.n_plus_one is None and cap.reason and "Pacemaker" in cap.reason
    assert free_mib(v, "vnode1") is None and free_mib(v, "nowhere") is None


def test_standby_and_move_checks_read_the_badges_figures() -> None:
    # vnode1's VMs: big fits on vnode2, mid fits nowhere (the badge strands it too).
    vms = {"big": ("vnode1", 3000), "mid": ("vnode1", 2000), "x": ("vnode3", 100)}
    v = view(vms, {"vnode1": 0, "vnode2": 3500, "vnode3": 1500})
    assert v.pacemaker is not None
    concerns = safety.standby_concerns(v, v.pacemaker, "vnode1", {"big": (), "mid": ()})
    assert [(c.code, c.subject) for c in concerns] == [("memory", "mid")]
    assert "mid (2000 MiB) would have nowhere to run" in concerns[0].message
    assert capacity(v).stranded[0].vms == ("mid",)
    # A move of big to vnode3 (1500 MiB free) is a concern; to vnode2 (3500) none.
    (c,) = safety.vm_memory_on(v, "big", "vnode3")
    assert c.code == "memory" and c.message == (
        "vnode3 has 1500 MiB free and big uses 3000 MiB: Xen cannot start it there"
    )
    assert safety.vm_memory_on(v, "big", "vnode2") == []
    # Unknown figures are no concern: the preview says what it could not read.
    assert safety.vm_memory_on(view(vms, {}), "big", "vnode3") == []
    assert safety.memory_concerns(view(vms, {}), v.pacemaker, "vnode1") == []


def test_a_node_without_drbd_holds_no_copy_of_a_vms_disks() -> None:
    v = view({"vm1": ("vnode1", 512)}, {"vnode1": 0, "vnode2": 0, "vnode3": 4096})
    disks = {"vm1": ("vm1-root",)}
    drbd_absent = replace(v.reports[2], stack=StackInfo(drbd=DrbdFlavour.ABSENT))
    v = ClusterView("t", (*v.reports[:2], drbd_absent), v.generated_at, NODES, vm_disks=disks)
    assert stranded_if_lost(v, "vnode1") == (("vm1",), ())
    # DRBD not read there (no stack detected): not ruled out, the memory decides.
    unread_report = replace(drbd_absent, stack=StackInfo())
    unread = ClusterView("t", (*v.reports[:2], unread_report), v.generated_at, NODES, vm_disks=disks)
    assert stranded_if_lost(unread, "vnode1") == ((), ())


def test_capacity_indexes_the_resources_once_per_view(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """ClusterStatus.instances scans every resource: called per VM per node it made 8,500 VMs take
    seconds. The location rules index the resources and constraints once per view instead."""
    calls = []
    original = ClusterStatus.instances

    def counting(self: ClusterStatus, rid: str) -> tuple[PcmkResource, ...]:
        calls.append(rid)
        return original(self, rid)

    monkeypatch.setattr(ClusterStatus, "instances", counting)
    vms = {f"vm{i:04d}": (NODES[i % 3], 512) for i in range(600)}
    bans = tuple(Constraint(f"ban-{v}", "location", v, "vnode2", "-INFINITY") for v in list(vms)[::2])
    v = view(vms, dict.fromkeys(NODES, 10**6), constraints=bans)
    cap = capacity(v)
    assert cap.n_plus_one is True and calls == []
    assert capacity(v) is cap  # once per view


def test_placements_carry_over_to_the_next_view_only_while_their_constraints_are_the_same() -> None:
    ban = (Constraint("cli-ban-vm1-on-vnode2", "location", "vm1", "vnode2", "-INFINITY"),)
    layout: dict[str, tuple[str, int | None]] = {"vm1": ("vnode1", 1024)}
    free: dict[str, int | None] = {"vnode1": 0, "vnode2": 4096, "vnode3": 0}
    banned = view(layout, free, constraints=ban)
    assert capacity(banned).stranded[0].vms == ("vm1",)
    # The next poll: the same constraints, another view: the same answer.
    assert capacity(view(layout, free, constraints=ban)).stranded[0].vms == ("vm1",)
    # The ban is cleared: vnode2 may take vm1 again (no answer worked out for the old CIB is kept).
    assert capacity(view(layout, free)).n_plus_one is True
    assert capacity(view(layout, free, constraints=ban)).n_plus_one is False
    # The ban names a group the VM is in: the same constraints, but which group holds it changed.
    group_ban = (Constraint("cli-ban-g1-on-vnode2", "location", "g1", "vnode2", "-INFINITY"),)
    assert capacity(view(layout, free, constraints=group_ban)).n_plus_one is True
    grouped = view(layout, free, constraints=group_ban)
    status = grouped.pacemaker
    assert status is not None
    in_group = replace(status, resources=tuple(replace(r, parent="g1") for r in status.resources))
    reports = tuple(replace(r, pacemaker=in_group) for r in grouped.reports)
    assert capacity(replace(grouped, reports=reports)).stranded[0].vms == ("vm1",)
