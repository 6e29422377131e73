"""AlertEngine.restore with a FrozenClock: what a restarted recorder takes up from the alerts its
journal holds. A problem told about is not sent as new again, its reminder comes due from the last
time it went out, its clearing is still owed (also when it cleared while nothing ran), and the rate
limit counts what went out before the restart."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from hatui.alerts.engine import AlertEngine
from hatui.alerts.history import DELIVERED, FAILED, RATE_LIMITED, AlertRecord
from hatui.alerts.rules import AlertRule, RateLimit
from hatui.clock import FrozenClock
from hatui.model.health_types import CRITICAL, SETTLING, Problem

DOWN = Problem(CRITICAL, "node-offline", "vnode2", "vnode2", "vnode2 is offline", kind="node")
FAILED_RSC = Problem(CRITICAL, "resource-failed", "www", "vnode3", "www failed on vnode3", kind="resource")


def rule(**kw: object) -> AlertRule:
    return AlertRule(name=str(kw.pop("name", "page")), command=("/bin/true",), **kw)  # type: ignore[arg-type]


def sent(
    at: datetime, state: str = "new", problem: Problem = DOWN, outcome: str = DELIVERED, name: str = "page"
) -> AlertRecord:
    return AlertRecord(
        at, name, state, replace(problem, since=at - timedelta(seconds=30)), "command", outcome
    )


def run(engine: AlertEngine, clock: FrozenClock, problems: list[Problem]) -> list[str]:
    return [
        f"{a.state} {a.problem.code} {a.problem.subject}"
        for a in engine.observe(clock.now(), problems, "CRITICAL")
    ]


def test_a_problem_told_before_the_restart_is_not_new_again_and_its_reminder_counts_from_then() -> None:
    clock = FrozenClock()
    told_at = clock.now()
    clock.advance(600)  # the recorder was down ten minutes
    engine = AlertEngine([rule(debounce_s=30, reminder_s=3600)])
    assert engine.restore([sent(told_at)]) == 1
    for _ in range(10):
        assert run(engine, clock, [DOWN]) == []
        clock.advance(60)
    assert engine.wake_at == told_at + timedelta(seconds=3600)
    clock.advance((engine.wake_at - clock.now()).total_seconds())
    assert run(engine, clock, [DOWN]) == ["reminder node-offline vnode2"]


def test_the_alerts_since_is_the_first_sighting_before_the_restart() -> None:
    clock = FrozenClock()
    first = sent(clock.now())
    clock.advance(60)
    engine = AlertEngine([rule(reminder_s=10)])
    engine.restore([first, sent(clock.now(), "reminder")])
    clock.advance(10)
    # The restarted verdict saw it first just now: the alert still says when it began.
    [alert] = engine.observe(clock.now(), [replace(DOWN, since=clock.now())], "CRITICAL")
    assert alert.state == "reminder" and alert.since == first.problem.since


def test_a_problem_that_cleared_while_nothing_ran_is_sent_as_cleared_at_the_first_verdict() -> None:
    clock = FrozenClock()
    engine = AlertEngine([rule()])
    engine.restore([sent(clock.now())])
    clock.advance(3600)
    assert run(engine, clock, [FAILED_RSC]) == ["cleared node-offline vnode2"]
    assert run(engine, clock, []) == []  # once


def test_a_problem_whose_clearing_went_out_is_followed_afresh() -> None:
    clock = FrozenClock()
    engine = AlertEngine([rule(debounce_s=30)])
    at = clock.now()
    assert engine.restore([sent(at), sent(at + timedelta(seconds=90), "cleared")]) == 0
    clock.advance(300)
    assert run(engine, clock, []) == []  # nothing owed
    assert run(engine, clock, [DOWN]) == []  # back: a new problem, debounced again
    clock.advance(30)
    assert run(engine, clock, [DOWN]) == ["new node-offline vnode2"]


def test_a_failed_delivery_still_counts_as_told_but_a_rate_limited_one_does_not() -> None:
    clock = FrozenClock()
    at = clock.now()
    failed, limited = AlertEngine([rule()]), AlertEngine([rule()])
    failed.restore([sent(at, outcome=FAILED)])
    limited.restore([sent(at, outcome=RATE_LIMITED)])
    clock.advance(60)
    # Both are followed as sent (no second new); only the one handed over owes its clearing.
    assert run(failed, clock, [DOWN]) == [] and run(limited, clock, [DOWN]) == []
    assert run(failed, clock, []) == ["cleared node-offline vnode2"]
    assert run(limited, clock, []) == []


def test_the_rate_limit_counts_the_alerts_sent_before_the_restart() -> None:
    clock = FrozenClock()
    engine = AlertEngine([rule(debounce_s=0, rate_limit=RateLimit(2, 3600))])
    engine.restore([sent(clock.now()), sent(clock.now(), problem=FAILED_RSC)])
    clock.advance(60)
    other = Problem(CRITICAL, "node-offline", "vnode1", "vnode1", "vnode1 is offline", kind="node")
    assert run(engine, clock, [DOWN, FAILED_RSC, other]) == []
    assert [a.problem.subject for a in engine.dropped] == ["vnode1"]
    clock.advance(3600)  # the window has passed
    third = Problem(CRITICAL, "node-offline", "vnode4", "vnode4", "vnode4 is offline", kind="node")
    assert run(engine, clock, [DOWN, FAILED_RSC, other, third]) == ["new node-offline vnode4"]


def test_a_restored_problem_that_reads_settling_again_is_held_neither_cleared_nor_new() -> None:
    """A verdict started afresh counts settle windows from its own first sighting."""
    clock = FrozenClock()
    engine = AlertEngine([rule(debounce_s=30)])
    engine.restore([sent(clock.now())])
    clock.advance(600)
    for _ in range(3):
        assert run(engine, clock, [replace(DOWN, severity=SETTLING)]) == []
        clock.advance(20)
    assert run(engine, clock, [DOWN]) == []  # real again: still the one told about
    assert run(engine, clock, []) == ["cleared node-offline vnode2"]


def test_records_of_rules_no_longer_configured_are_skipped() -> None:
    engine = AlertEngine([rule(name="mail-ops")])
    assert engine.restore([sent(FrozenClock().now(), name="page")]) == 0
