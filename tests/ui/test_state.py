"""ClusterState (no terminal needed): last good data kept, staleness, transitions, the event log."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from ui_cluster import NODES, capture, unreachable

from hatui.clock import FrozenClock
from hatui.model.corosync import CorosyncLink, RingStatus
from hatui.model.health import HealthStatus
from hatui.model.verdict import SETTLE_S, judge
from hatui.model.words import LinkStatus
from hatui.sources.parse import build_report
from hatui.ui.cells import fmt_age, fmt_eta, fmt_speed, progress_bar
from hatui.ui.themes import DEFAULT_THEME, load_theme_file, load_themes, theme_dirs
from hatui.ui.widgets.header import links, versions
from hatui.watch.state import ClusterState


def fed(clock: FrozenClock) -> ClusterState:
    state = ClusterState("ref", NODES, clock)
    for n in NODES:
        state.record(build_report(capture(n)))
    return state


def test_no_snapshot_before_the_first_poll() -> None:
    assert ClusterState("ref", NODES, FrozenClock()).snapshot() is None


def test_unreachable_node_keeps_last_good_data_for_display_but_not_for_health() -> None:
    clock = FrozenClock()
    state = fed(clock)
    clock.advance(42)
    rec = state.record(build_report(unreachable("vnode3", "connection refused")))
    assert rec.transition == "down"
    assert [e.message for e in rec.events] == ["vnode3 unreachable: connection refused"]
    snap = state.snapshot()
    assert snap is not None
    # Health sees the node as unreachable...
    assert snap.health.status is HealthStatus.WARNING
    assert "node-unreachable" in {p.code for p in snap.health.problems}
    assert {d.node for d in snap.view.drbd} == {"vnode1", "vnode2"}
    # ...while the panes still show its last known DRBD devices and domains.
    assert ("www-root", "vnode3") in {(d.label, d.node) for d in snap.display.drbd}
    assert "www" in {d.domain.name for d in snap.display.domains if d.node == "vnode3"}
    assert snap.stale_note("vnode3") == "last seen 42s ago: connection refused"
    assert snap.stale["vnode3"].age_s(snap.now) == 42
    report = snap.view.report("vnode3")
    assert report is not None
    assert "proc_drbd" in report.raw  # the raw output it came from stays one key away
    # A second failed poll is no new transition; coming back is.
    assert state.record(build_report(unreachable("vnode3", "connection refused"))).transition is None
    back = state.record(build_report(capture("vnode3")))
    assert back.transition == "up"
    assert "vnode3 reachable again" in [e.message for e in back.events]
    assert state.snapshot() is not None
    assert not state.stale()


def test_node_that_never_answered_is_unreachable_from_the_first_poll() -> None:
    state = ClusterState("ref", NODES, FrozenClock())
    assert state.record(build_report(unreachable("vnode1", "no route to host"))).transition == "down"
    assert state.stale()["vnode1"].last_good is None


def test_stale_dc_does_not_stand_for_the_cluster_picture() -> None:
    state = fed(FrozenClock())
    state.record(build_report(unreachable("vnode1", "timeout")))  # vnode1 is the DC in the fixture
    snap = state.snapshot()
    assert snap is not None
    src = snap.display.pacemaker_source
    assert src is not None
    assert src.node != "vnode1"


def test_event_log_numbers_events_and_keeps_history_per_subject() -> None:
    state = fed(FrozenClock())
    for n in NODES:
        state.record(build_report(capture(n, "standby")))
    # The layers disagree (xm list still shows sentinel on vnode1) after the move, but a problem
    # that compares nodes is a soft state until every node has answered once more.
    assert [le.event.message for le in state.history(["sentinel"])] == ["sentinel moved vnode1 -> vnode2"]
    for n in NODES:
        state.record(build_report(capture(n, "standby")))
    seqs = [le.seq for le in state.events]
    assert seqs == list(range(1, len(seqs) + 1))
    hist = state.history(["sentinel"])
    # Newest first: still disagreeing after a full round, so it is reported.
    assert [le.event.message for le in hist] == [
        "VM sentinel runs on vnode1 but Pacemaker says it is on vnode2",
        "sentinel moved vnode1 -> vnode2",
    ]


def test_formatting_helpers() -> None:
    assert fmt_age(42) == "42s"
    assert fmt_age(303) == "5m03s"
    assert fmt_age(7800) == "2h10m"
    assert fmt_eta(300) == "ETA 0:05:00"
    assert fmt_speed(59392) == "58 MiB/s"
    assert fmt_speed(1320) == "1.3 MiB/s"
    assert fmt_speed(800) == "800 KiB/s"
    assert progress_bar(41.3, 10) == "████░░░░░░ 41.3%"


def test_repo_themes_load_and_define_the_state_colours() -> None:
    themes, problems = load_themes(theme_dirs())
    assert problems == []
    for name in ("hatui-dark", "hatui-light", "hatui-wall"):
        assert name in themes
        assert {"hatui-ok", "hatui-degraded", "hatui-failed", "hatui-stale"} <= set(themes[name].variables)
    assert themes["hatui-light"].dark is False


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("name: x\nprimary: '#123456'\nbackgorund: '#000'\n", "unknown key 'backgorund'"),
        ("name: x\nprimary: 'not-a-colour'\n", "'primary': 'not-a-colour' is not a colour"),
        ("name: x\n", "'primary' is required"),
        ("- a list\n", "expected a mapping"),
        ("name: [unclosed\n", "not valid YAML"),
        ("name: x\nprimary: '#123456'\ndark: maybe\n", "'dark' must be true or false"),
    ],
)
def test_bad_theme_files_say_why(tmp_path: Path, text: str, reason: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ValueError, match=re.escape(reason)):
        load_theme_file(path)
    themes, problems = load_themes([tmp_path])
    assert set(themes) == {DEFAULT_THEME}
    assert str(problems[0]).startswith(str(path))


def test_header_lines_for_versions_and_corosync_links() -> None:
    state = fed(FrozenClock())
    snap = state.snapshot()
    assert snap is not None
    assert versions(snap.view) == "Pacemaker 2.1.5 · DRBD 8.3.7 · xm"
    assert links(snap.view, snap.health.problems) == ""  # no corosync output captured
    ok = CorosyncLink(0, "10.0.0.1", LinkStatus.OK, "connected")
    down = CorosyncLink(1, "10.1.0.1", LinkStatus.FAULTY, "disconnected")
    rings = RingStatus(1, "knet", (ok, down))
    report = snap.view.report("vnode1")
    assert report is not None
    view = replace(snap.view, reports=(replace(report, rings=rings),))
    # The marks are the verdict's: a faulty link is a warning (▲), not a raw "faulty" cross.
    assert links(view, judge(view).problems) == "links vnode1 0✔ 1▲"


def test_a_settling_problem_is_logged_when_its_window_ends_without_a_poll() -> None:
    clock = FrozenClock(datetime(2026, 11, 25, 17, 46, 3, tzinfo=UTC))
    state = ClusterState("ref", NODES, clock)
    both = {"vnode1": (("sentinel", 3, 1024),), "vnode2": (("sentinel", 9, 1024),), "vnode3": ()}
    for n in NODES:
        state.record(build_report(capture(n, guests=both[n])))
    assert state.health is not None and state.health.status is HealthStatus.WARNING  # held back
    builds = state.builds
    # Until the window ends the once-a-second refresh has nothing to do: no re-judge.
    clock.advance(SETTLE_S - 1)
    assert state.refresh() is None and state.builds == builds
    clock.advance(1)
    rec = state.refresh()
    assert rec is not None and rec.changed
    assert state.health.status is HealthStatus.CRITICAL
    assert "VM sentinel is running on 2 nodes: vnode1, vnode2" in [e.message for e in rec.events]
    assert [e.event.message for e in state.events][-len(rec.events) :] == [e.message for e in rec.events]
    # Settled: later ticks re-judge nothing.
    clock.advance(1)
    assert state.refresh() is None
