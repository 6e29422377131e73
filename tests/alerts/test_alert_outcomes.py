"""What the dispatcher tells of each alert it was given (the outcome the journal notes beside it),
with real processes: delivered, failed with the command's last stderr line, timed out, dropped when
hatui stops before a hung command ends or before a queued one starts."""

from __future__ import annotations

import asyncio
import os
from datetime import UTC, datetime
from pathlib import Path

from alert_support import script

from hatui.alerts.dispatch import WORKERS, Dispatcher, Done
from hatui.alerts.engine import Alert
from hatui.alerts.history import DELIVERED, DROPPED, FAILED, TIMED_OUT
from hatui.alerts.rules import AlertRule
from hatui.model.health_types import CRITICAL, Problem

AT = datetime(2026, 12, 5, 3, 12, 4, tzinfo=UTC)


def alert(rule: AlertRule, subject: str = "vnode2") -> Alert:
    problem = Problem(CRITICAL, "node-offline", subject, subject, f"{subject} is offline", kind="node")
    return Alert(rule, "new", problem, AT, AT, "CRITICAL")


def running(tmp_path: Path) -> int:
    """How many hung commands have started (each leaves a file)."""
    return sum(name.startswith("started.") for name in os.listdir(tmp_path))


class Outcomes:
    """Collects what ``done`` is told, by the alert's subject."""

    def __init__(self) -> None:
        self.told: dict[str, tuple[str, str | None]] = {}

    def of(self, subject: str) -> Done:
        def done(outcome: str, reason: str | None) -> None:
            assert subject not in self.told, "told twice"
            self.told[subject] = (outcome, reason)

        return done


async def test_each_alert_is_told_its_outcome_once(tmp_path: Path) -> None:
    ok = AlertRule("ok", command=(script(tmp_path, "ok", "cat >/dev/null\n"),))
    bad = AlertRule("bad", command=(script(tmp_path, "bad", "echo 'relay down' >&2\nexit 2\n"),))
    slow = AlertRule("slow", command=(script(tmp_path, "slow", "sleep 30\n"),), time_limit_s=0.5)
    missing = AlertRule("missing", command=(str(tmp_path / "nope"),))
    outcomes = Outcomes()
    dispatcher = Dispatcher("prod", "monitor1", lambda line: None)
    for rule in (ok, bad, slow, missing):
        dispatcher.submit(alert(rule, rule.name), outcomes.of(rule.name))
    await dispatcher.aclose(grace_s=30)
    told = outcomes.told
    assert told["ok"] == (DELIVERED, None)
    assert told["bad"][0] == FAILED and told["bad"][1] is not None
    assert told["bad"][1].endswith("failed with exit status 2: relay down")
    assert told["slow"][0] == TIMED_OUT and "still running after 0.5s, killed" in str(told["slow"][1])
    assert told["missing"][0] == FAILED and "cannot run" in str(told["missing"][1])


async def test_alerts_cut_short_by_a_stop_are_told_dropped(tmp_path: Path) -> None:
    started = tmp_path / "started"
    hang = AlertRule("hang", command=(script(tmp_path, "hang", f"touch {started}.$$\nsleep 30\n"),))
    outcomes = Outcomes()
    dispatcher = Dispatcher("prod", "monitor1", lambda line: None)
    subjects = [f"vnode{i}" for i in range(WORKERS + 2)]  # every worker hangs; two wait in the queue
    for subject in subjects:
        dispatcher.submit(alert(hang, subject), outcomes.of(subject))
    for _ in range(500):  # bounded: every worker has started its command
        if running(tmp_path) == WORKERS:
            break
        await asyncio.sleep(0.02)
    assert running(tmp_path) == WORKERS
    await dispatcher.aclose(grace_s=0.2)
    assert sorted(outcomes.told) == sorted(subjects)
    assert {o for o, _ in outcomes.told.values()} == {DROPPED}
    assert all("hatui stopped first" in str(r) for _, r in outcomes.told.values())
    # A stopped dispatcher refuses new alerts, and says so to ``done`` too.
    dispatcher.submit(alert(hang, "late"), outcomes.of("late"))
    assert outcomes.told["late"] == (DROPPED, "not sent, hatui is stopping")
