"""events.diff: what an admin reads in the event log when the cluster changes between two polls.

Pacemaker transitions use real crm_mon output (tests/fixtures/crm_mon, a reference-shaped cluster
produced with crm_simulate); DRBD and domain changes use model objects.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from hatui.model.capture import NodeCapture
from hatui.model.domains import Domain
from hatui.model.drbd import DrbdDevice, DrbdPeer, DrbdResourceConf, DrbdStatus
from hatui.model.events import ClusterEvent, EventKind, diff
from hatui.model.report import NodeReport
from hatui.model.view import ClusterView
from hatui.model.words import ConnState, DiskState, DomainState, DrbdRole, ReplState
from hatui.snapshot.run import make_view

CRM_MON = Path(__file__).resolve().parent.parent / "fixtures" / "crm_mon"
NODES = ("vnode1", "vnode2", "vnode3")
AT = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def pcmk_view(name: str, *, down: dict[str, str] | None = None) -> ClusterView:
    caps = []
    for n in NODES:
        if down and n in down:
            caps.append(NodeCapture(node=n, unreachable=down[n]))
        else:
            caps.append(NodeCapture(node=n, outputs={"crm_mon.xml": (CRM_MON / f"{name}.xml").read_text()}))
    return make_view("t", caps)


def messages(events: list[ClusterEvent]) -> list[str]:
    return [e.message for e in events]


def test_first_view_gives_no_events() -> None:
    assert diff(None, pcmk_view("healthy")) == []


def test_same_view_gives_no_events() -> None:
    assert diff(pcmk_view("healthy"), pcmk_view("healthy")) == []


def test_standby_moves_sentinel_and_says_so() -> None:
    events = diff(pcmk_view("healthy"), pcmk_view("standby"))
    assert messages(events) == [
        "vnode1 in standby",
        "drbd_sentinel stopped on vnode1",
        "drbd_sentinel Unpromoted -> Promoted on vnode2",
        "sentinel moved vnode1 -> vnode2",
    ]
    moved = events[-1]
    assert (moved.kind, moved.subject, moved.node, moved.severity) == (
        EventKind.RESOURCE_MOVED, "sentinel", "vnode2", "info"
    )  # fmt: skip
    assert events[0].severity == "warning"


def test_back_from_standby() -> None:
    events = diff(pcmk_view("standby"), pcmk_view("healthy"))
    assert "vnode1 out of standby" in messages(events)
    assert "drbd_sentinel started on vnode1 (Promoted)" in messages(events)
    assert "sentinel moved vnode2 -> vnode1" in messages(events)


def test_node_failure_dc_change_and_offline() -> None:
    events = diff(pcmk_view("healthy"), pcmk_view("node-failed"))
    by_kind = {e.kind: e for e in events}
    assert by_kind[EventKind.DC_CHANGED].message == "DC moved vnode1 -> vnode2"
    assert by_kind[EventKind.NODE_OFFLINE].message == "vnode1 went OFFLINE"
    assert by_kind[EventKind.NODE_OFFLINE].severity == "critical"


def test_failed_stop_is_critical_with_fail_count_and_failed_action() -> None:
    events = diff(pcmk_view("healthy"), pcmk_view("failed-stop"))
    assert messages(events) == [
        "mail FAILED on vnode3",
        "mail fail-count on vnode3: 0 -> 1",
        "mail stop failed on vnode3: error rc=1",
    ]
    assert [e.severity for e in events] == ["critical", "warning", "warning"]
    assert events[2].kind is EventKind.PROBLEM_NEW


def test_start_failure_reads_infinity() -> None:
    events = diff(pcmk_view("healthy"), pcmk_view("failed-start"))
    assert "mail moved vnode3 -> vnode1" in messages(events)
    assert "mail fail-count on vnode3: 0 -> INFINITY" in messages(events)


def test_node_unreachable_and_back_with_reason() -> None:
    ok = pcmk_view("healthy")
    down = pcmk_view("healthy", down={"vnode3": "connection refused"})
    (ev,) = diff(ok, down)
    assert (ev.kind, ev.message, ev.severity) == (
        EventKind.NODE_UNREACHABLE, "vnode3 unreachable: connection refused", "warning"
    )  # fmt: skip
    (back,) = diff(down, ok)
    assert back.message == "vnode3 reachable again"


def test_problems_of_a_node_gone_quiet_are_not_reported_as_resolved() -> None:
    old = pcmk_view("failed-stop")
    new = pcmk_view("failed-stop", down={"vnode3": "timeout"})
    assert not [e for e in diff(old, new) if e.kind is EventKind.PROBLEM_GONE]


def test_ignored_codes_give_no_problem_events() -> None:
    events = diff(pcmk_view("healthy"), pcmk_view("failed-stop"), ignore=("failed-action",))
    assert not [e for e in events if e.kind is EventKind.PROBLEM_NEW]


# -- DRBD and domains -----------------------------------------------------------------------------

CONF = (DrbdResourceConf("r1", (("vnode1", 1), ("vnode2", 1))),)


def peer(conn: str = "Connected", disk: str = "UpToDate", pct: float | None = None) -> DrbdPeer:
    repl = ReplState.from_word(conn) if pct is not None else ReplState.ESTABLISHED
    return DrbdPeer(name=None, connection=ConnState.from_word(conn), connection_raw=conn,
                    role=DrbdRole.PRIMARY, role_raw="Primary", disk=DiskState.from_word(disk), disk_raw=disk,
                    replication=repl, replication_raw=conn if pct is not None else "Established",
                    sync_percent=pct)  # fmt: skip


def dev(role: str = "Secondary", disk: str = "UpToDate", p: DrbdPeer | None = None) -> DrbdDevice:
    return DrbdDevice(resource=None, minor=1, volume=None, role=DrbdRole.from_word(role), role_raw=role,
                      disk=DiskState.from_word(disk), disk_raw=disk, peers=(p or peer(),))  # fmt: skip


def dom(name: str, state: DomainState, flags: str = "r-----") -> Domain:
    return Domain(name=name, id=3, state=state, state_raw=flags, memory_mib=1024, vcpus=1)


def node_view(
    device: DrbdDevice | None = None, domains: tuple[Domain, ...] = (), unreachable: str | None = None
) -> ClusterView:
    report = NodeReport(
        node="vnode2",
        unreachable=unreachable,
        drbd=DrbdStatus("proc_drbd", devices=(device,)) if device else None,
        drbd_conf=CONF,
        domains=domains,
    )
    return ClusterView("t", (report,), AT, configured_nodes=("vnode2",))


def test_drbd_sync_start_milestones_and_end() -> None:
    base = node_view(dev())
    syncing = [
        node_view(dev(disk="Inconsistent", p=peer("SyncTarget", pct=pct))) for pct in (3.0, 8.5, 41.2, 44.0)
    ]
    start = diff(base, syncing[0])
    assert "r1 SyncTarget started on vnode2 3%" in messages(start)
    assert "r1 on vnode2: disk UpToDate -> Inconsistent" in messages(start)
    assert diff(syncing[0], syncing[1]) == []  # still below 10%
    (milestone,) = diff(syncing[1], syncing[2])
    assert (milestone.kind, milestone.message) == (EventKind.DRBD_SYNC, "r1 SyncTarget 41% on vnode2")
    assert diff(syncing[2], syncing[3]) == []  # 41 -> 44 passes no step
    end = diff(syncing[3], base)
    assert "r1 SyncTarget finished on vnode2" in messages(end)
    assert "r1 on vnode2: disk Inconsistent -> UpToDate" in messages(end)


def test_drbd_role_and_connection_changes() -> None:
    events = diff(node_view(dev()), node_view(dev(role="Primary", p=peer("WFConnection", disk="DUnknown"))))
    assert "r1 on vnode2: Secondary -> Primary" in messages(events)
    conn = next(e for e in events if e.kind is EventKind.DRBD_CONNECTION)
    assert (conn.message, conn.severity) == ("r1 on vnode2: Connected -> WFConnection", "warning")


def test_unreachable_node_hides_its_drbd_changes() -> None:
    events = diff(node_view(dev()), node_view(dev(role="Primary"), unreachable="timeout"))
    assert [e.kind for e in events] == [EventKind.NODE_UNREACHABLE]


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        ((), (dom("sentinel", DomainState.RUNNING),), ["domain sentinel appeared on vnode2 (running)"]),
        ((dom("sentinel", DomainState.RUNNING),), (), ["domain sentinel gone from vnode2"]),
        ((dom("sentinel", DomainState.RUNNING),), (dom("sentinel", DomainState.BLOCKED, "-b----"),), []),
        ((dom("sentinel", DomainState.RUNNING),), (dom("sentinel", DomainState.PAUSED, "--p---"),),
         ["domain sentinel on vnode2: running -> paused"]),
    ],
)  # fmt: skip
def test_domain_changes(before: tuple[Domain, ...], after: tuple[Domain, ...], expected: list[str]) -> None:
    assert messages(diff(node_view(domains=before), node_view(domains=after))) == expected


def test_crashed_domain_is_critical() -> None:
    (ev,) = [e for e in diff(node_view(domains=(dom("www", DomainState.RUNNING),)),
                             node_view(domains=(dom("www", DomainState.CRASHED, "----c-"),)))
             if e.kind is EventKind.DOMAIN_STATE]  # fmt: skip
    assert ev.severity == "critical"


def test_events_carry_the_new_views_time() -> None:
    old = node_view(dev())
    new = replace(node_view(dev(role="Primary")), generated_at=AT.replace(hour=13))
    assert {e.at for e in diff(old, new)} == {AT.replace(hour=13)}


def with_resources(view: ClusterView, change: dict[str, dict[str, object]]) -> ClusterView:
    """``view`` with some resources' fields changed in every node's crm_mon picture."""
    status = view.pacemaker
    assert status is not None
    changed = tuple(replace(r, **change[r.id]) if r.id in change else r for r in status.resources)  # type: ignore[arg-type]
    new = replace(status, resources=changed)
    return replace(view, reports=tuple(replace(r, pacemaker=new) for r in view.reports))


def test_only_the_resources_that_changed_give_events_among_unchanged_ones() -> None:
    healthy = pcmk_view("healthy")
    status = healthy.pacemaker
    assert status is not None
    sentinel = next(r for r in status.resources if r.id == "sentinel")
    assert sentinel.nodes == ("vnode1",)
    # Every other resource is the same object or an equal copy (a poll parses crm_mon afresh).
    moved = with_resources(healthy, {"sentinel": {"nodes": ("vnode2",)}})
    assert messages(diff(healthy, moved)) == ["sentinel moved vnode1 -> vnode2"]
    copies = with_resources(moved, {r.id: {} for r in status.resources if r.id != "sentinel"})
    assert messages(diff(healthy, copies)) == ["sentinel moved vnode1 -> vnode2"]
    role = with_resources(healthy, {"sentinel": {"role_raw": "Stopping"}})
    assert messages(diff(healthy, role)) == ["sentinel Started -> Stopping on vnode1"]
    # Lists that do not line up (a resource added) are compared resource by resource: the same events.
    extra = replace(sentinel, id="newvm", nodes=("vnode3",))
    grown_status = replace(moved.pacemaker, resources=(extra, *moved.pacemaker.resources))  # type: ignore[union-attr]
    grown = replace(moved, reports=tuple(replace(r, pacemaker=grown_status) for r in moved.reports))
    assert messages(diff(healthy, grown)) == ["sentinel moved vnode1 -> vnode2"]
    assert diff(moved, moved) == []
