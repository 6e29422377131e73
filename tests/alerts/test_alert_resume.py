"""Alerts after a restart, for what the alerts sent do not show: a real Journal written by one run
of a recorder's listeners and read by the next (``AlertListener`` restoring from the problems open
at the journal's last poll), real page commands, a FrozenClock. A rule told only of clearing still
sends it when the problem clears soon after the restart; a debounce under way at the stop goes on
from the problem's first sighting; a problem gone at the first verdict after the restart that was
never sent is forgotten without a word."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from alert_support import script
from recording_support import Run, cluster, paged, pages

from hatui.alerts.rules import AlertRule
from hatui.clock import FrozenClock
from hatui.journal.store import Journal


@pytest.fixture(autouse=True)
def _own_audit_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


def page_rule(tmp_path: Path, on: tuple[str, ...], debounce_s: float) -> AlertRule:
    """A rule following ``node-unreachable`` that pages into ``tmp_path/spool`` (one file each)."""
    spool = tmp_path / "spool"
    spool.mkdir()
    page = script(tmp_path, "page", f'cat > "{spool}/$(date +%s%N)"\n')
    return AlertRule(
        "page",
        command=(page,),
        on=frozenset(on),
        debounce_s=debounce_s,
        codes=frozenset({"node-unreachable"}),
    )


async def stopped_with_vnode3_down(rule: AlertRule, where: Path, clock: FrozenClock, for_s: int) -> datetime:
    """A first run: all well, then vnode3 unreachable at polls every 5 s over ``for_s`` seconds, then
    stopped. When vnode3 was first seen down."""
    first = Run(cluster(rule), where, clock)
    first.round()
    clock.advance(5)
    down_at = clock.now()
    first.round("vnode3")
    for _ in range(for_s // 5):
        clock.advance(5)
        first.round("vnode3")
    await first.close()
    assert first.log == []
    return down_at


@pytest.mark.parametrize("polls_down_after_restart", [0, 2])
async def test_a_rule_told_only_of_clearing_sends_it_when_the_problem_clears_soon_after_a_restart(
    tmp_path: Path, polls_down_after_restart: int
) -> None:
    rule = page_rule(tmp_path, ("cleared",), debounce_s=30)
    clock, where = FrozenClock(), tmp_path / "journal"
    down_at = await stopped_with_vnode3_down(rule, where, clock, for_s=40)  # past its debounce
    assert pages(tmp_path / "spool") == []  # the rule is not told of new problems

    clock.advance(5)
    second = Run(cluster(rule), where, clock)
    assert second.alerts.restored == 1
    for _ in range(polls_down_after_restart):  # still down at the first verdicts after the restart
        second.round("vnode3")
        clock.advance(5)
    second.round()  # back well inside the debounce counted from the restart
    for _ in range(3):
        clock.advance(30)
        second.round()
    await second.close()

    [doc] = paged(tmp_path / "spool")
    assert (doc["state"], doc["problem"]["subject"]) == ("cleared", "vnode3")
    assert datetime.fromisoformat(doc["since"]) == down_at  # seen first before the restart
    with Journal.open(where) as journal:
        assert [(r.state, r.problem.subject) for r in journal.alerts()] == [("cleared", "vnode3")]


async def test_a_debounce_under_way_at_the_stop_goes_on_from_the_first_sighting(tmp_path: Path) -> None:
    rule = page_rule(tmp_path, ("new", "cleared"), debounce_s=60)
    clock, where = FrozenClock(), tmp_path / "journal"
    down_at = await stopped_with_vnode3_down(rule, where, clock, for_s=20)  # 20 s into 60 s

    clock.advance(5)  # restarted 5 s later; vnode3 still down
    second = Run(cluster(rule), where, clock)
    assert second.alerts.restored == 1
    for _ in range(12):  # one minute after the restart
        second.round("vnode3")
        clock.advance(5)
    await second.close()

    [doc] = paged(tmp_path / "spool")
    assert (doc["state"], doc["problem"]["subject"]) == ("new", "vnode3")
    assert datetime.fromisoformat(doc["at"]) == down_at + timedelta(seconds=60)  # not restart + 60 s
    assert datetime.fromisoformat(doc["since"]) == down_at


async def test_a_recorder_down_longer_than_a_restart_debounces_afresh(tmp_path: Path) -> None:
    rule = page_rule(tmp_path, ("new",), debounce_s=60)
    clock, where = FrozenClock(), tmp_path / "journal"
    await stopped_with_vnode3_down(rule, where, clock, for_s=20)

    clock.advance(3600)  # down an hour: nothing says vnode3 stayed down all that time
    second = Run(cluster(rule), where, clock)
    restart = clock.now()
    for _ in range(13):
        second.round("vnode3")
        clock.advance(5)
    await second.close()

    [doc] = paged(tmp_path / "spool")
    assert datetime.fromisoformat(doc["at"]) == restart + timedelta(seconds=60)


async def test_a_problem_open_at_the_stop_but_gone_after_the_restart_is_never_sent(tmp_path: Path) -> None:
    rule = page_rule(tmp_path, ("new",), debounce_s=60)
    clock, where = FrozenClock(), tmp_path / "journal"
    await stopped_with_vnode3_down(rule, where, clock, for_s=20)

    clock.advance(5)
    second = Run(cluster(rule), where, clock)
    assert second.alerts.restored == 1  # followed: the first verdict is awaited
    for _ in range(20):
        second.round()
        clock.advance(5)
    await second.close()

    assert pages(tmp_path / "spool") == []
    with Journal.open(where) as journal:
        assert journal.alerts() == []
