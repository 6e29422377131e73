"""The health verdict: every problem code, its severity, and the exit code it leads to."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from hatui.model.corosync import CorosyncLink, QuorumStatus, RingStatus
from hatui.model.domains import Domain
from hatui.model.drbd import DrbdDevice, DrbdPeer, DrbdResourceConf, DrbdStatus
from hatui.model.health import CRITICAL, WARNING, HealthStatus, evaluate
from hatui.model.pacemaker import (
    INFINITY,
    Ban,
    ClusterStatus,
    Constraint,
    FailedAction,
    FenceEvent,
    PcmkCollection,
    PcmkNode,
    PcmkResource,
    ResourceHistory,
)
from hatui.model.report import NodeReport
from hatui.model.view import ClusterView
from hatui.model.words import ConnState, DiskState, DomainState, DrbdRole, LinkStatus, ReplState, ResourceRole

NODES = ("vnode1", "vnode2", "vnode3")


def node(name: str, **kw: object) -> PcmkNode:
    base: dict[str, object] = {"online": True, "standby": False, "maintenance": False, "unclean": False}
    base.update(kw)
    return PcmkNode(name=name, is_dc=name == "vnode1", **base)  # type: ignore[arg-type]


def xen(rid: str, *nodes: str, role: ResourceRole = ResourceRole.STARTED, **kw: object) -> PcmkResource:
    return PcmkResource(
        id=rid,
        agent="ocf:heartbeat:Xen",
        role=role,
        role_raw=role.value,
        nodes=nodes,
        managed=True,
        failed=False,
        **kw,
    )  # type: ignore[arg-type]


def status(**kw: object) -> ClusterStatus:
    base: dict[str, object] = {
        "source_format": "pacemaker-result",
        "dc": "vnode1",
        "quorum": True,
        "stonith_enabled": True,
        "maintenance_mode": False,
        "nodes": tuple(node(n) for n in NODES),
        "resources": (xen("sentinel", "vnode1"),),
    }
    base.update(kw)
    return ClusterStatus(**base)  # type: ignore[arg-type]


def peer(conn: str = "Connected", role: str = "Secondary", disk: str = "UpToDate", **kw: object) -> DrbdPeer:
    return DrbdPeer(
        name=None,
        connection=ConnState.from_word(conn),
        connection_raw=conn,
        role=DrbdRole.from_word(role),
        role_raw=role,
        disk=DiskState.from_word(disk),
        disk_raw=disk,
        **kw,
    )  # type: ignore[arg-type]


def dev(minor: int, role: str, disk: str, p: DrbdPeer) -> DrbdDevice:
    return DrbdDevice(
        resource=None,
        minor=minor,
        volume=None,
        role=DrbdRole.from_word(role),
        role_raw=role,
        disk=DiskState.from_word(disk),
        disk_raw=disk,
        peers=(p,),
    )


CONF = (DrbdResourceConf("sentinel-root", (("vnode1", 1), ("vnode2", 1))),)


def drbd_pair(a: DrbdDevice, b: DrbdDevice) -> dict[str, DrbdStatus]:
    return {"vnode1": DrbdStatus("proc_drbd", devices=(a,)), "vnode2": DrbdStatus("proc_drbd", devices=(b,))}


def view(
    pcmk: ClusterStatus | None = None,
    *,
    per_node: dict[str, ClusterStatus] | None = None,
    unreachable: dict[str, str] | None = None,
    drbd: dict[str, DrbdStatus] | None = None,
    domains: dict[str, tuple[Domain, ...]] | None = None,
    constraints: tuple[Constraint, ...] | None = None,
    rings: dict[str, RingStatus] | None = None,
    quorum: dict[str, QuorumStatus] | None = None,
) -> ClusterView:
    pcmk = pcmk or status()
    reports = []
    for n in NODES:
        if unreachable and n in unreachable:
            reports.append(NodeReport(node=n, unreachable=unreachable[n]))
            continue
        reports.append(
            NodeReport(
                node=n,
                pacemaker=(per_node or {}).get(n, pcmk),
                drbd=(drbd or {}).get(n),
                drbd_conf=CONF,
                domains=(domains or {}).get(n),  # None: no domain list read
                constraints=constraints,
                rings=(rings or {}).get(n),
                quorum=(quorum or {}).get(n),
            )
        )
    return ClusterView("test", tuple(reports), datetime(2026, 1, 1, tzinfo=UTC), configured_nodes=NODES)


def codes(v: ClusterView, ignore: tuple[str, ...] = ()) -> dict[str, str]:
    """Code -> its worst severity among the problems found."""
    out: dict[str, str] = {}
    for p in evaluate(v, ignore).problems:
        if out.get(p.code) != CRITICAL:
            out[p.code] = p.severity
    return out


def test_healthy_cluster_is_ok_and_exit_0() -> None:
    h = evaluate(view())
    assert h.problems == ()
    assert h.status is HealthStatus.OK and h.status.exit_code == 0


def test_nothing_reachable_is_unknown_exit_3() -> None:
    v = view(unreachable=dict.fromkeys(NODES, "connection refused"))
    h = evaluate(v)
    assert h.status is HealthStatus.UNKNOWN and h.status.exit_code == 3
    assert [p.code for p in h.problems] == ["node-unreachable"] * 3


def test_unreachable_node_pacemaker_still_online_is_a_warning_saying_so() -> None:
    h = evaluate(view(unreachable={"vnode3": "connection refused"}))
    assert h.status is HealthStatus.WARNING
    (p,) = h.problems
    assert (p.code, p.severity, p.subject) == ("node-unreachable", WARNING, "vnode3")
    assert "connection refused" in p.message and "Pacemaker still says it is online" in p.message


@pytest.mark.parametrize(
    ("change", "code", "severity"),
    [
        ({"quorum": False}, "no-quorum", CRITICAL),
        ({"maintenance_mode": True}, "maintenance-mode", WARNING),
        ({"stonith_enabled": False}, "stonith-disabled", WARNING),
        (
            {"fence_events": (FenceEvent("vnode3", "reboot", "failed", delegate="vnode2"),)},
            "fence-failed",
            CRITICAL,
        ),
        ({"nodes": (node("vnode1"), node("vnode2"), node("vnode3", online=False))}, "node-offline", CRITICAL),
        ({"nodes": (node("vnode1"), node("vnode2"), node("vnode3", unclean=True))}, "node-unclean", CRITICAL),
        ({"nodes": (node("vnode1"), node("vnode2", standby=True), node("vnode3"))}, "node-standby", WARNING),
        (
            {"nodes": (node("vnode1"), node("vnode2", maintenance=True), node("vnode3"))},
            "node-maintenance",
            WARNING,
        ),
        ({"resources": (replace(xen("sentinel", "vnode1"), failed=True),)}, "resource-failed", CRITICAL),
        ({"resources": (xen("sentinel", "vnode1", "vnode2"),)}, "resource-multi-active", CRITICAL),
        ({"resources": (xen("sentinel", role=ResourceRole.STOPPED),)}, "resource-stopped", CRITICAL),
        (
            {"failed_actions": (FailedAction("sentinel", "monitor", "vnode1", 7, "not running"),)},
            "failed-action",
            WARNING,
        ),
        ({"history": (ResourceHistory("vnode1", "sentinel", 2, 3),)}, "fail-count", WARNING),
        ({"history": (ResourceHistory("vnode1", "sentinel", INFINITY, 3),)}, "fail-count", CRITICAL),
        (
            {"bans": (Ban("cli-ban-sentinel-on-vnode1", "sentinel", "vnode1", -INFINITY),)},
            "constraint-leftover",
            WARNING,
        ),
    ],
)
def test_pacemaker_problem_codes(change: dict[str, object], code: str, severity: str) -> None:
    found = codes(view(status(**change)))
    assert found.get(code) == severity, found
    expected = HealthStatus.CRITICAL if severity == CRITICAL else HealthStatus.WARNING
    assert evaluate(view(status(**change))).status is expected


def test_disabled_resource_is_not_stopped_problem() -> None:
    r = xen("sentinel", role=ResourceRole.STOPPED, target_role="Stopped")
    assert "resource-stopped" not in codes(view(status(resources=(r,))))


def test_stopped_clone_instance_on_asymmetric_cluster_is_normal() -> None:
    inst = [
        PcmkResource(
            "drbd", "ocf:linbit:drbd", ResourceRole.PROMOTED, "Promoted", nodes=("vnode1",), clone="ms"
        ),
        PcmkResource(
            "drbd", "ocf:linbit:drbd", ResourceRole.UNPROMOTED, "Unpromoted", nodes=("vnode2",), clone="ms"
        ),
        PcmkResource("drbd", "ocf:linbit:drbd", ResourceRole.STOPPED, "Stopped", clone="ms"),
    ]
    coll = (PcmkCollection("ms", "clone", promotable=True, members=("drbd",)),)
    assert codes(view(status(resources=tuple(inst), collections=coll))) == {}
    all_stopped = tuple(replace(i, role=ResourceRole.STOPPED, nodes=()) for i in inst)
    assert codes(view(status(resources=all_stopped, collections=coll)))["resource-stopped"] == CRITICAL


def test_ignore_silences_a_code_and_the_verdict() -> None:
    v = view(status(stonith_enabled=False))
    assert evaluate(v).status is HealthStatus.WARNING
    h = evaluate(v, ignore=("stonith-disabled",))
    assert h.status is HealthStatus.OK and h.problems == ()


def test_partition_when_nodes_disagree_on_dc() -> None:
    split = status(
        dc="vnode3",
        quorum=False,
        nodes=(node("vnode1", online=False), node("vnode2", online=False), node("vnode3")),
    )
    found = codes(view(per_node={"vnode3": split}))
    assert found["partition"] == CRITICAL


def test_leftover_constraint_from_cib() -> None:
    c = (
        Constraint("cli-prefer-sentinel", "location", resource="sentinel", node="vnode2", score="INFINITY"),
        Constraint("loc-sentinel", "location", resource="sentinel", node="vnode1", score="100"),
    )
    h = evaluate(view(constraints=c))
    (p,) = h.problems
    assert (p.code, p.subject, p.node) == ("constraint-leftover", "sentinel", "vnode2")


def test_drbd_healthy_pair_has_no_problem() -> None:
    a = dev(1, "Primary", "UpToDate", peer())
    b = dev(1, "Secondary", "UpToDate", peer(role="Primary"))
    assert codes(view(drbd=drbd_pair(a, b))) == {}


def test_drbd_syncing_is_warning_with_percent() -> None:
    a = dev(
        1,
        "Primary",
        "UpToDate",
        peer(
            "SyncSource",
            disk="Inconsistent",
            replication=ReplState.SYNC_SOURCE,
            replication_raw="SyncSource",
            sync_percent=41.2,
            sync_eta_s=300,
        ),
    )
    b = dev(
        1,
        "Secondary",
        "Inconsistent",
        peer(
            "SyncTarget",
            role="Primary",
            replication=ReplState.SYNC_TARGET,
            replication_raw="SyncTarget",
            sync_percent=41.2,
        ),
    )
    h = evaluate(view(drbd=drbd_pair(a, b)))
    assert {p.code for p in h.problems} == {"drbd-syncing"}
    assert h.status is HealthStatus.WARNING
    assert any("sentinel-root" in p.subject and "41.2%" in p.message for p in h.problems)


def test_drbd_split_brain_both_standalone() -> None:
    a = dev(1, "Primary", "UpToDate", peer("StandAlone", role="Unknown", disk="DUnknown"))
    b = dev(1, "Primary", "UpToDate", peer("StandAlone", role="Unknown", disk="DUnknown"))
    found = codes(view(drbd=drbd_pair(a, b)))
    assert found == {"drbd-split-brain": CRITICAL}


def test_drbd_standalone_one_side_waiting_other() -> None:
    # What `drbdadm disconnect` on the Primary leaves: the Secondary outdated itself and waits.
    a = dev(1, "Primary", "UpToDate", peer("StandAlone", role="Unknown", disk="DUnknown"))
    b = dev(1, "Secondary", "Outdated", peer("WFConnection", role="Unknown", disk="DUnknown"))
    found = codes(view(drbd=drbd_pair(a, b)))
    assert found["drbd-standalone"] == WARNING
    assert found["drbd-disconnected"] == WARNING
    assert "drbd-split-brain" not in found


def test_drbd_local_diskless_primary_is_critical() -> None:
    a = dev(1, "Primary", "Diskless", peer())
    b = dev(1, "Secondary", "UpToDate", peer(role="Primary", disk="Diskless"))
    assert codes(view(drbd=drbd_pair(a, b)))["drbd-degraded"] == CRITICAL


def _dom(name: str, state: str = "-b----", dom_state: DomainState = DomainState.BLOCKED) -> Domain:
    return Domain(name=name, id=3, state=dom_state, state_raw=state, memory_mib=1024, vcpus=1)


def test_domain_on_two_nodes_is_critical() -> None:
    d = {"vnode1": (_dom("sentinel"),), "vnode2": (_dom("sentinel"),)}
    found = codes(view(domains=d))
    assert found["domain-multi-active"] == CRITICAL
    assert found["domain-unmanaged-move"] == CRITICAL  # vnode2 runs it, Pacemaker says vnode1


def test_domain_crashed() -> None:
    d = {"vnode1": (_dom("sentinel", "----c-", DomainState.CRASHED),)}
    assert codes(view(domains=d))["domain-crashed"] == CRITICAL


def test_domain_where_pacemaker_says_stopped_is_a_warning() -> None:
    d = {"vnode3": (_dom("sentinel"),)}
    pcmk = status(resources=(xen("sentinel", role=ResourceRole.STOPPED, target_role="Stopped"),))
    assert codes(view(pcmk, domains=d)) == {"domain-unmanaged-move": WARNING}


def test_domain0_and_matching_domains_are_fine() -> None:
    d = {"vnode1": (Domain("Domain-0", 0, DomainState.RUNNING, "r-----"), _dom("sentinel"))}
    assert codes(view(domains=d)) == {}


def test_faulty_ring_and_corosync_quorum() -> None:
    rings = {
        "vnode2": RingStatus(
            2,
            None,
            (
                CorosyncLink(0, "10.0.0.2", LinkStatus.OK, "ok"),
                CorosyncLink(1, "10.1.0.2", LinkStatus.FAULTY, "FAULTY"),
            ),
        )
    }
    found = codes(view(rings=rings, quorum={"vnode3": QuorumStatus(quorate=False)}))
    assert found == {"ring-faulty": WARNING, "no-quorum": CRITICAL}


def test_problems_sorted_worst_first() -> None:
    pcmk = status(stonith_enabled=False, nodes=(node("vnode1"), node("vnode2"), node("vnode3", online=False)))
    sev = [p.severity for p in evaluate(view(pcmk)).problems]
    assert sev == sorted(sev, key=lambda s: s != CRITICAL)
    assert sev[0] == CRITICAL
