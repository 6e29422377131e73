"""AlertEngine with a FrozenClock: debounce, reminders, clearing, rate limit, which problems match."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from hatui.alerts.engine import AlertEngine
from hatui.alerts.rules import AlertRule, RateLimit
from hatui.clock import FrozenClock
from hatui.model.health_types import CRITICAL, SETTLING, WARNING, Problem

DOWN = Problem(CRITICAL, "node-offline", "vnode2", "vnode2", "vnode2 is offline", kind="node")
FAILED = Problem(CRITICAL, "resource-failed", "www", "vnode3", "www failed on vnode3", kind="resource")
STANDBY = Problem(WARNING, "node-standby", "vnode1", "vnode1", "vnode1 is in standby", kind="node")


def rule(**kw: object) -> AlertRule:
    return AlertRule(name=str(kw.pop("name", "page")), command=("/bin/true",), **kw)  # type: ignore[arg-type]


def run(
    engine: AlertEngine, clock: FrozenClock, problems: list[Problem], status: str = "CRITICAL"
) -> list[str]:
    """Observes once; the alerts as ``state code subject`` words."""
    return [
        f"{a.state} {a.problem.code} {a.problem.subject}"
        for a in engine.observe(clock.now(), problems, status)
    ]


def test_a_problem_that_outlasts_the_debounce_is_sent_once() -> None:
    clock, engine = FrozenClock(), AlertEngine([rule(debounce_s=30)])
    assert run(engine, clock, [DOWN]) == []
    clock.advance(29)
    assert run(engine, clock, [DOWN]) == []
    assert engine.wake_at == clock.now() + timedelta(seconds=1)
    clock.advance(1)
    assert run(engine, clock, [DOWN]) == ["new node-offline vnode2"]
    for _ in range(10):  # it stays: no second alert without a reminder
        clock.advance(60)
        assert run(engine, clock, [DOWN]) == []
    assert engine.wake_at is None


def test_a_problem_that_clears_within_the_debounce_is_never_sent_nor_cleared() -> None:
    clock, engine = FrozenClock(), AlertEngine([rule(debounce_s=30)])
    assert run(engine, clock, [DOWN]) == []
    clock.advance(20)
    assert run(engine, clock, []) == []
    clock.advance(60)
    assert run(engine, clock, []) == []
    # It comes back: a new problem, its debounce counted afresh.
    assert run(engine, clock, [DOWN]) == []
    clock.advance(29)
    assert run(engine, clock, [DOWN]) == []
    clock.advance(1)
    assert run(engine, clock, [DOWN]) == ["new node-offline vnode2"]


def test_a_reminder_is_sent_while_it_stays_and_the_clearing_when_it_goes() -> None:
    clock, engine = FrozenClock(), AlertEngine([rule(debounce_s=10, reminder_s=3600)])
    run(engine, clock, [DOWN])
    clock.advance(10)
    assert run(engine, clock, [DOWN]) == ["new node-offline vnode2"]
    clock.advance(3599)
    assert run(engine, clock, [DOWN]) == []
    clock.advance(1)
    assert run(engine, clock, [DOWN]) == ["reminder node-offline vnode2"]
    clock.advance(1800)
    assert run(engine, clock, [DOWN]) == []
    clock.advance(1800)
    assert run(engine, clock, [DOWN]) == ["reminder node-offline vnode2"]
    clock.advance(5)
    alerts = engine.observe(clock.now(), [], "OK")
    assert [(a.state, a.problem.code, a.verdict) for a in alerts] == [("cleared", "node-offline", "OK")]
    # "since" is when the rule first saw it (the verdict's memory had no date for it here).
    assert alerts[0].since == clock.now() - timedelta(seconds=7215)


def test_the_verdicts_first_sighting_is_the_since_when_it_has_one() -> None:
    clock, engine = FrozenClock(), AlertEngine([rule(debounce_s=0)])
    seen = clock.now().replace(year=2025)
    [alert] = engine.observe(clock.now(), [replace(DOWN, since=seen)], "CRITICAL")
    assert (alert.state, alert.since, alert.at) == ("new", seen, clock.now())


def test_cleared_only_when_the_rule_is_told_of_clearing() -> None:
    clock, engine = FrozenClock(), AlertEngine([rule(debounce_s=0, on=frozenset({"new"}))])
    assert run(engine, clock, [DOWN]) == ["new node-offline vnode2"]
    clock.advance(1)
    assert run(engine, clock, []) == []


def test_a_rule_told_only_of_clearing_says_when_a_lasting_problem_went() -> None:
    clock, engine = FrozenClock(), AlertEngine([rule(debounce_s=30, on=frozenset({"cleared"}))])
    run(engine, clock, [DOWN, FAILED])
    clock.advance(5)
    assert run(engine, clock, [DOWN]) == []  # FAILED went within the debounce: nothing to clear
    clock.advance(30)
    assert run(engine, clock, [DOWN]) == []  # DOWN lasted, but new is not told
    clock.advance(5)
    assert run(engine, clock, []) == ["cleared node-offline vnode2"]


def test_rate_limit_per_rule_drops_and_counts_the_rest() -> None:
    limited = rule(name="limited", debounce_s=0, rate_limit=RateLimit(2, 3600))
    other = rule(name="other", debounce_s=0)
    clock, engine = FrozenClock(), AlertEngine([limited, other])
    flood = [replace(DOWN, subject=f"vnode{i}", node=f"vnode{i}") for i in range(5)]
    alerts = engine.observe(clock.now(), flood, "CRITICAL")
    assert [a.rule.name for a in alerts].count("limited") == 2
    assert [a.rule.name for a in alerts].count("other") == 5  # another rule's budget is its own
    assert engine.dropped_count("limited") == 3
    assert [(a.rule.name, a.state) for a in engine.dropped] == [("limited", "new")] * 3
    engine.dropped.clear()
    # The clearings of the two that were sent count against the same budget: still full.
    clock.advance(60)
    cleared = engine.observe(clock.now(), [], "OK")
    assert [a.rule.name for a in cleared] == ["other"] * 5
    # Two clearings dropped; of the three dropped news none is owed.
    assert engine.dropped_count("limited") == 5
    assert [a.state for a in engine.dropped] == ["cleared", "cleared"]
    # The window slides: an hour after the first two, there is room again.
    clock.advance(3540)
    assert run(engine, clock, [DOWN]) == ["new node-offline vnode2"] * 2


def test_a_problem_whose_new_was_dropped_is_told_by_its_reminder_and_then_cleared() -> None:
    clock = FrozenClock()
    engine = AlertEngine([rule(debounce_s=0, reminder_s=600, rate_limit=RateLimit(1, 300))])
    assert run(engine, clock, [FAILED, DOWN]) == ["new resource-failed www"]
    assert engine.dropped_count("page") == 1  # DOWN's new
    clock.advance(100)
    assert run(engine, clock, [DOWN]) == []  # FAILED's clearing: no room left in this window
    assert engine.dropped_count("page") == 2
    clock.advance(500)
    assert run(engine, clock, [DOWN]) == ["reminder node-offline vnode2"]
    clock.advance(300)
    assert run(engine, clock, []) == ["cleared node-offline vnode2"]
    assert engine.dropped_count("page") == 2


def test_severities_and_codes_choose_the_problems() -> None:
    clock = FrozenClock()
    critical_only = rule(name="crit", debounce_s=0, severities=frozenset({CRITICAL}))
    failures = rule(name="failures", debounce_s=0, codes=frozenset({"resource-failed"}))
    engine = AlertEngine([critical_only, failures])
    alerts = engine.observe(clock.now(), [DOWN, FAILED, STANDBY], "CRITICAL")
    assert sorted((a.rule.name, a.problem.code) for a in alerts) == [
        ("crit", "node-offline"),
        ("crit", "resource-failed"),
        ("failures", "resource-failed"),
    ]


def test_a_settling_problem_is_not_sent_until_the_verdict_calls_it_real() -> None:
    clock, engine = FrozenClock(), AlertEngine([rule(debounce_s=30)])
    settling = replace(FAILED, severity=SETTLING)
    for _ in range(4):
        assert run(engine, clock, [settling], "WARNING") == []
        clock.advance(20)
    # Real now: the debounce counts from here, not from the first settling sighting.
    assert run(engine, clock, [FAILED]) == []
    clock.advance(30)
    assert run(engine, clock, [FAILED]) == ["new resource-failed www"]


def test_wake_at_is_the_next_moment_something_may_be_due() -> None:
    clock, engine = FrozenClock(), AlertEngine([rule(debounce_s=30, reminder_s=100)])
    start = clock.now()
    run(engine, clock, [DOWN])
    assert engine.wake_at is not None and (engine.wake_at - start).total_seconds() == 30
    clock.advance(30)
    run(engine, clock, [DOWN])
    assert engine.wake_at is not None and (engine.wake_at - start).total_seconds() == 130
    run(engine, clock, [])
    assert engine.wake_at is None
