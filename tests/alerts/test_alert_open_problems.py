"""The problems open at a journal's last poll, read from its problems rows (``open_problems``, pure),
and what ``AlertEngine.resume`` makes of them with a FrozenClock: each rule counts from the first
reading it matches, a settling one between is held, one it does not match ends the run; what the
alerts sent say (``restore``) comes first."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from hatui.alerts.engine import AlertEngine
from hatui.alerts.history import DELIVERED, AlertRecord
from hatui.alerts.open_problems import OpenProblem, open_problems, problem_of
from hatui.alerts.rules import AlertRule
from hatui.clock import FrozenClock
from hatui.model.health_types import CRITICAL, SETTLING, WARNING, Health, HealthStatus, Problem
from hatui.snapshot.data import problem_dicts

DOWN = Problem(CRITICAL, "node-offline", "vnode2", "vnode2", "vnode2 is offline", kind="node")
T0 = FrozenClock().now()


def rule(**kw: Any) -> AlertRule:
    return AlertRule(name=str(kw.pop("name", "page")), command=("/bin/true",), **kw)


def dicts(*problems: Problem) -> list[dict[str, Any]]:
    return problem_dicts(Health(HealthStatus.CRITICAL, problems))


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_a_problems_run_is_read_back_to_the_first_row_it_is_missing_from() -> None:
    other = replace(DOWN, subject="vnode1", node="vnode1")
    changes = [
        (at(0), dicts(DOWN)),
        (at(10), dicts()),  # gone: the run of DOWN begins after this
        (at(20), dicts(replace(DOWN, severity=WARNING), other)),
        (at(30), dicts(replace(DOWN, severity=WARNING, message="still"), other)),  # same reading
        (at(40), dicts(DOWN, other)),
    ]
    found = {p.problem.subject: p for p in open_problems(changes)}
    assert found["vnode2"].readings == ((at(20), WARNING), (at(40), CRITICAL))
    assert found["vnode2"].problem == DOWN
    assert found["vnode1"].readings == ((at(20), CRITICAL),)
    assert open_problems([]) == []


def test_damaged_rows_are_skipped_not_a_crash() -> None:
    good = {**dicts(DOWN)[0], "since": at(5).isoformat()}
    rows: list[Any] = [None, 3, {"code": 1}, {"subject": "x"}, {**good, "since": "yesterday"}, good]
    [found] = open_problems([(at(0), rows)])
    assert found.problem == DOWN and found.problem.since == at(5)
    assert problem_of({**good, "affects": "vm:x", "node": 7}) == replace(DOWN, node=None)


def run(engine: AlertEngine, clock: FrozenClock, problems: list[Problem]) -> list[str]:
    return [f"{a.state} {a.problem.subject}" for a in engine.observe(clock.now(), problems, "CRITICAL")]


def test_a_rule_counts_from_the_first_reading_it_matches_passing_over_settling_ones() -> None:
    readings = ((at(0), WARNING), (at(20), CRITICAL), (at(30), SETTLING), (at(40), CRITICAL))
    critical_only = rule(name="crit", severities=frozenset({CRITICAL}), debounce_s=30)
    both = rule(name="both", debounce_s=60)
    engine = AlertEngine([critical_only, both])
    assert engine.resume(at(45), [OpenProblem(DOWN, readings)]) == 2
    clock = FrozenClock(at(49))
    assert run(engine, clock, [DOWN]) == []
    clock.advance(1)  # 30 s after its first critical reading (20 s), not after the settling one
    assert run(engine, clock, [DOWN]) == ["new vnode2"]
    assert engine.wake_at == at(60)  # the warning at 0 s counts for the rule of both severities
    clock.advance(10)
    assert [a.rule.name for a in engine.observe(clock.now(), [DOWN], "CRITICAL")] == ["both"]


def test_a_reading_the_rule_does_not_match_ends_its_run() -> None:
    readings = ((at(0), CRITICAL), (at(10), WARNING), (at(20), CRITICAL))
    engine = AlertEngine([rule(severities=frozenset({CRITICAL}), debounce_s=30)])
    engine.resume(at(25), [OpenProblem(DOWN, readings)])
    clock = FrozenClock(at(45))
    assert run(engine, clock, [DOWN]) == []
    clock.advance(5)
    assert run(engine, clock, [DOWN]) == ["new vnode2"]


def test_a_rule_told_new_with_no_record_of_it_sends_it_at_the_first_verdict() -> None:
    """It outlived the debounce, but nothing says it was sent (the rule is new in the config)."""
    engine = AlertEngine([rule(debounce_s=30)])
    engine.resume(at(100), [OpenProblem(DOWN, ((at(0), CRITICAL),))])
    clock = FrozenClock(at(110))
    assert run(engine, clock, [DOWN]) == ["new vnode2"]


def test_what_the_alerts_sent_say_comes_before_the_open_problems() -> None:
    engine = AlertEngine([rule(debounce_s=30, reminder_s=600)])
    record = AlertRecord(at(30), "page", "new", replace(DOWN, since=at(0)), "command", DELIVERED)
    engine.restore([record])
    assert engine.resume(at(100), [OpenProblem(DOWN, ((at(0), CRITICAL),))]) == 1
    clock = FrozenClock(at(110))
    assert run(engine, clock, [DOWN]) == []  # not new again
    assert engine.wake_at == at(630)  # its reminder, from the new sent


def test_a_rule_not_told_new_owes_the_clearing_of_a_problem_gone_when_it_restarts() -> None:
    engine = AlertEngine([rule(on=frozenset({"cleared"}), debounce_s=30)])
    engine.resume(at(40), [OpenProblem(DOWN, ((at(0), CRITICAL),))])
    clock = FrozenClock(at(4000))  # any gap: it was real, and now it is gone
    [alert] = engine.observe(clock.now(), [], "OK")
    assert (alert.state, alert.since) == ("cleared", at(0))
    assert run(engine, clock, []) == []


def test_a_problem_sent_then_gone_by_the_last_poll_is_new_again_for_a_rule_not_told_of_clearing() -> None:
    """Its clearing went unsaid (the rule does not want it), so no record shows it cleared."""
    new_only = rule(name="new-only", on=frozenset({"new"}), debounce_s=0)
    both = rule(name="both", debounce_s=0)
    engine = AlertEngine([new_only, both])
    sent = [
        AlertRecord(at(0), name, "new", replace(DOWN, since=at(0)), "command", DELIVERED)
        for name in ("new-only", "both")
    ]
    assert engine.restore(sent) == 2
    assert engine.resume(at(100), []) == 1  # gone at the last poll: only "both" still owes its clearing
    clock = FrozenClock(at(200))
    alerts = engine.observe(clock.now(), [DOWN], "CRITICAL")  # back after the restart
    assert [(a.rule.name, a.state) for a in alerts] == [("new-only", "new")]
