"""judge's age rule: a cross-node claim older than the newest evidence against it is not counted."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from test_health import _dom, dev, drbd_pair, peer, status, view, xen

from hatui.model.health_types import CRITICAL, SETTLING, HealthStatus, Problem
from hatui.model.verdict import judge
from hatui.model.view import ClusterView

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def aged(v: ClusterView, **offsets: float) -> ClusterView:
    """``v`` with each node's report collected ``offsets[node]`` seconds after T0."""
    reports = tuple(
        replace(r, collected_at=T0 + timedelta(seconds=offsets.get(r.node, 0.0))) for r in v.reports
    )
    return replace(v, reports=reports, generated_at=T0 + timedelta(seconds=10))


def problem(v: ClusterView, code: str) -> Problem:
    return next(p for p in judge(v).problems if p.code == code)


def _failed_over() -> ClusterView:
    """sentinel moved vnode1 -> vnode2: Pacemaker (DC vnode2) and vnode2's list say vnode2,
    vnode1's list still shows it."""
    pcmk = status(dc="vnode2", resources=(xen("sentinel", "vnode2"),))
    return view(pcmk, domains={"vnode1": (_dom("sentinel"),), "vnode2": (_dom("sentinel"),)})


def test_an_older_domain_list_than_pacemakers_picture_does_not_make_a_vm_run_on_two_nodes() -> None:
    v = aged(_failed_over(), vnode1=0, vnode2=4, vnode3=4)
    h = judge(v)
    multi = problem(v, "domain-multi-active")
    assert multi.severity == SETTLING
    assert "vnode1's list is 4s older than Pacemaker's picture" in multi.message
    stray = problem(v, "domain-unmanaged-move")
    assert stray.severity == SETTLING and "vnode1's list is 4s older" in stray.message
    assert h.status is HealthStatus.WARNING  # nobody is paged for a list from before the move


def test_data_of_one_moment_or_a_newer_list_still_pages() -> None:
    # Same moment (one --once pass, batches finishing within a second): a real double run.
    assert problem(aged(_failed_over(), vnode1=0, vnode2=0.8), "domain-multi-active").severity == CRITICAL
    # vnode1's list is the newest word: the VM is really there too.
    newer = aged(_failed_over(), vnode1=6, vnode2=2, vnode3=2)
    assert problem(newer, "domain-multi-active").severity == CRITICAL
    assert judge(newer).status is HealthStatus.CRITICAL


def test_two_fresh_lists_beat_an_old_one() -> None:
    pcmk = status(dc="vnode2", resources=(xen("sentinel", "vnode2"),))
    d = {n: (_dom("sentinel"),) for n in ("vnode1", "vnode2", "vnode3")}
    v = aged(view(pcmk, domains=d), vnode1=0, vnode2=4, vnode3=5)
    # vnode1's claim drops, vnode2 and vnode3 are still two nodes running it: critical.
    assert problem(v, "domain-multi-active").severity == CRITICAL


def test_a_missing_domain_on_an_older_list_than_pacemakers_picture_is_unconfirmed() -> None:
    # Pacemaker (newer, from vnode1) just started sentinel on vnode2; vnode2's list predates it.
    pcmk = status(resources=(xen("sentinel", "vnode2"),))
    v = aged(view(pcmk, domains={"vnode2": ()}), vnode1=5, vnode2=2, vnode3=5)
    p = problem(v, "vm-no-domain")
    assert p.severity == SETTLING and "vnode2's list is 3s older than Pacemaker's picture" in p.message
    same = aged(view(pcmk, domains={"vnode2": ()}), vnode1=5, vnode2=5, vnode3=5)
    assert problem(same, "vm-no-domain").severity == CRITICAL


def _dual(a_role: str, a_peer: str, b_role: str, b_peer: str) -> ClusterView:
    a = dev(1, a_role, "UpToDate", peer(role=a_peer))
    b = dev(1, b_role, "UpToDate", peer(role=b_peer))
    return view(drbd=drbd_pair(a, b))


def test_a_newer_report_from_the_peer_showing_it_secondary_beats_an_older_one_showing_primary() -> None:
    # vnode1 (older) saw itself and vnode2 Primary; vnode2 (4 s later) says it is Secondary.
    v = aged(_dual("Primary", "Primary", "Secondary", "Primary"), vnode1=0, vnode2=4)
    p = problem(v, "drbd-dual-primary")
    assert p.severity == SETTLING
    assert "vnode1's DRBD data is 4s older than vnode2's showing vnode2 Secondary" in p.message
    # The other way round the newest word is vnode1's: both Primary, not softened.
    fresh = aged(_dual("Primary", "Primary", "Secondary", "Primary"), vnode1=4, vnode2=0)
    assert problem(fresh, "drbd-dual-primary").severity != SETTLING


def test_two_primaries_seen_by_both_ends_at_their_own_times_stay_a_problem() -> None:
    v = aged(_dual("Primary", "Primary", "Primary", "Primary"), vnode1=0, vnode2=4)
    assert all(p.severity != SETTLING for p in judge(v).problems if p.code == "drbd-dual-primary")
