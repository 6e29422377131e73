"""Provides ``AlertRecord``: one alert as it was sent, the way the journal keeps it (pure).

A recorder writes every alert it decides into its journal (``hatui.journal.store_alerts``): when,
which rule, the problem, the state, how it went out and what came of it. Started again, it hands
these records to ``AlertEngine.restore``, so a problem that lasts through the restart is not sent
as new a second time, and ``hatui events`` lists what paged.

``outcome`` is one of ``OUTCOMES``: ``queued`` until the delivery is known (a recorder killed before
it learned leaves it so), then ``delivered``, ``failed`` (the command's or sendmail's exit status,
or it could not be run), ``timed-out`` (killed at the rule's time limit), ``rate-limited`` (the rule
had sent its ``rate_limit``: never handed over) or ``dropped`` (too many waiting, or hatui was
stopping). ``reason`` says why for the last four.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from hatui.model.health_types import Problem

QUEUED = "queued"
DELIVERED = "delivered"
FAILED = "failed"
TIMED_OUT = "timed-out"
RATE_LIMITED = "rate-limited"
DROPPED = "dropped"
OUTCOMES = (QUEUED, DELIVERED, FAILED, TIMED_OUT, RATE_LIMITED, DROPPED)
#: How an alert goes out: a rule's command, or a mail through sendmail.
DELIVERIES = ("command", "mail")


@dataclass(frozen=True, slots=True)
class AlertRecord:
    """One alert a rule decided: sent, or held back by its rate limit."""

    at: datetime
    rule: str
    state: str
    """``new``, ``reminder`` or ``cleared``."""
    problem: Problem
    """The problem as the alert told it; ``since`` is the alert's ``since``."""
    delivery: str
    """``command`` or ``mail``."""
    outcome: str = QUEUED
    reason: str | None = None
    id: int | None = None
    """Its row in the journal (None until written)."""

    @property
    def told(self) -> bool:
        """True when the alert was handed over for sending (a rate-limited one never was)."""
        return self.outcome != RATE_LIMITED

    def describe(self) -> str:
        """One line for an event list: ``page-admins new critical node-offline vnode2: <message>
        (command: delivered)``; the problem's words are the cluster's (clean them to print)."""
        p = self.problem
        how = f"{self.delivery}: {self.outcome}" + (f", {self.reason}" if self.reason else "")
        return f"{self.rule} {self.state} {p.severity} {p.code} {p.subject}: {p.message} ({how})"
