"""judge: actions in flight, settling (Pacemaker acting, a fresh CIB change), since, the memory."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from test_health import status, view, xen

from hatui.model.health_types import CRITICAL, INFO, SETTLING, WARNING, HealthStatus
from hatui.model.inflight import InFlight
from hatui.model.pacemaker import ClusterStatus, Constraint
from hatui.model.verdict import SETTLE_S, VerdictMemory, judge, vm_state
from hatui.model.words import ResourceRole
from hatui.snapshot.data import snapshot_dict

WHEN = datetime(2026, 1, 1, tzinfo=UTC)  # test_health's views are made at this time
BAN = Constraint(id="cli-ban-sentinel-on-vnode1", kind="location", resource="sentinel", node="vnode1",
                 score="-INFINITY")  # fmt: skip


def stopped(pending: str | None = None, **clock: str) -> ClusterStatus:
    """sentinel Stopped while its target role is Started; ``clock``: last_change/last_updated."""
    return status(resources=(xen("sentinel", role=ResourceRole.STOPPED, pending=pending),), **clock)


def sev(health: object, code: str) -> str:
    return next(p.severity for p in health.problems if p.code == code)  # type: ignore[attr-defined]


def test_a_hatui_move_in_flight_is_moving_not_critical_and_its_ban_is_no_leftover() -> None:
    v = view(stopped(), constraints=(BAN,))
    before = judge(v)
    assert before.status is HealthStatus.CRITICAL
    assert sev(before, "resource-stopped") == CRITICAL and sev(before, "constraint-leftover") == WARNING
    move = InFlight("move_resource", "sentinel", v.generated_at - timedelta(seconds=12), "pid 4242 on admin",
                    constraint_ids=(BAN.id,), resources=("sentinel",))  # fmt: skip
    during = judge(v, inflight=[move])
    assert during.status is HealthStatus.WARNING  # --once exits 1, nobody is paged
    assert "constraint-leftover" not in {p.code for p in during.problems}
    assert sev(during, "resource-stopped") == SETTLING
    info = next(p for p in during.problems if p.code == "action-in-flight")
    assert info.severity == INFO and "moving (hatui, 12s)" in info.message
    # The VM row shows it too: its worst problem is the settling one, and the move is listed.
    assert [p.severity for p in vm_state(during.problems, "sentinel")] == [SETTLING, INFO]


def test_pacemaker_acting_on_a_resource_is_settling() -> None:
    h = judge(view(stopped(pending="Starting")))
    assert h.status is HealthStatus.WARNING
    assert sev(h, "resource-stopped") == SETTLING and sev(h, "resource-pending") == SETTLING
    assert "settling: Pacemaker: Starting" in next(
        p.message for p in h.problems if p.code == "resource-stopped"
    )


def test_a_fresh_cib_change_settles_placement_problems_for_the_window_only() -> None:
    young = view(stopped(last_change="Tue Nov 25 17:46:00 2026", last_updated="Tue Nov 25 17:46:20 2026"))
    assert sev(judge(young), "resource-stopped") == SETTLING
    old = view(stopped(last_change="Tue Nov 25 17:46:00 2026", last_updated="Tue Nov 25 17:48:00 2026"))
    assert sev(judge(old), "resource-stopped") == CRITICAL
    # A failure is never softened, however fresh the change.
    fresh = {"last_change": "Tue Nov 25 17:46:00 2026", "last_updated": "Tue Nov 25 17:46:05 2026"}
    failed = view(status(resources=(replace(xen("sentinel", "vnode1"), failed=True),), **fresh))
    assert sev(judge(failed), "resource-failed") == CRITICAL


def test_the_console_counts_the_window_from_first_sight_and_never_softens_a_shown_critical() -> None:
    memory = VerdictMemory()
    pcmk = stopped(last_change="Tue Nov 25 17:46:00 2026", last_updated="Tue Nov 25 17:46:20 2026")
    first = judge(view(pcmk), memory=memory)
    p = next(p for p in first.problems if p.code == "resource-stopped")
    assert p.severity == SETTLING and p.since == WHEN
    later = replace(view(pcmk), generated_at=WHEN + timedelta(seconds=SETTLE_S))
    h = judge(later, memory=memory)
    p = next(p for p in h.problems if p.code == "resource-stopped")
    assert p.severity == CRITICAL and p.since == WHEN  # outlived the window; first seen unchanged
    again = replace(view(pcmk), generated_at=WHEN + timedelta(seconds=SETTLE_S + 5))
    assert sev(judge(again, memory=memory), "resource-stopped") == CRITICAL
    assert snapshot_dict(later, h)["health"]["problems"][0]["since"] == "2026-01-01T00:00:00Z"


def test_the_memory_knows_when_a_fresh_cib_window_ends() -> None:
    memory = VerdictMemory()
    # The CIB changed 20 s before crm_mon ran: the window ends 40 s after the console first saw it.
    pcmk = stopped(last_change="Tue Nov 25 17:46:00 2026", last_updated="Tue Nov 25 17:46:20 2026")
    assert sev(judge(view(pcmk), memory=memory), "resource-stopped") == SETTLING
    assert memory.wake_at == WHEN + timedelta(seconds=SETTLE_S - 20) and not memory.waits_for_polls
    just_before = replace(view(pcmk), generated_at=memory.wake_at - timedelta(milliseconds=1))
    assert sev(judge(just_before, memory=memory), "resource-stopped") == SETTLING
    at = replace(view(pcmk), generated_at=WHEN + timedelta(seconds=SETTLE_S - 20))
    assert sev(judge(at, memory=memory), "resource-stopped") == CRITICAL
    assert memory.wake_at is None  # nothing left that time alone changes


def test_once_has_no_since_and_json_says_null() -> None:
    h = judge(view(stopped()))
    assert all(p.since is None for p in h.problems)
    assert {d["since"] for d in snapshot_dict(view(stopped()), h)["health"]["problems"]} == {None}


def test_problems_say_what_they_are_about() -> None:
    h = judge(view(stopped(), constraints=(BAN,)))
    stop = next(p for p in h.problems if p.code == "resource-stopped")
    assert stop.kind == "resource" and {"resource:sentinel", "vm:sentinel"} <= stop.keys
    ban = next(p for p in h.problems if p.code == "constraint-leftover")
    assert "constraint:cli-ban-sentinel-on-vnode1" in ban.keys and "node:vnode1" in ban.keys


def test_resource_states_the_panes_used_to_judge_are_problems() -> None:
    blocked = judge(view(status(resources=(xen("sentinel", "vnode1", blocked=True),))))
    assert sev(blocked, "resource-blocked") == CRITICAL
    unmanaged = judge(view(status(resources=(replace(xen("sentinel", "vnode1"), managed=False),))))
    assert sev(unmanaged, "resource-unmanaged") == WARNING
    in_maintenance = judge(view(status(resources=(replace(xen("sentinel", "vnode1"), managed=False),),
                                       maintenance_mode=True)))  # fmt: skip
    assert sev(in_maintenance, "resource-unmanaged") == INFO


def test_a_vm_pacemaker_places_where_the_domain_list_does_not_show_it_is_critical() -> None:
    h = judge(view(domains={"vnode1": ()}))  # vnode1's list was read: no sentinel in it
    assert sev(h, "vm-no-domain") == CRITICAL
    assert "vm:sentinel" in next(p for p in h.problems if p.code == "vm-no-domain").keys
    assert "vm-no-domain" not in {p.code for p in judge(view()).problems}  # no list read: no claim
