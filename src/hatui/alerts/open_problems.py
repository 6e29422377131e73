"""Provides ``OpenProblem`` and ``open_problems``: what a journal's last poll had open, and since when
(pure).

A rule told only of clearing sends nothing when a problem outlives its debounce, and a problem still
inside its debounce has sent nothing yet, so the journal's alerts table knows neither. The journal's
problems series does: it holds the verdict's problems after each poll (a row only where they
changed). A recorder started again reads its rows up to the last poll (``hatui.alerts.listener``),
and ``open_problems`` turns them into the problems open at that poll, each with how it read over the
unbroken run of polls it was seen in, for ``AlertEngine.resume`` to count each rule's debounce from
the first of them that the rule matches.

The rows are the snapshot's JSON dicts (``hatui.snapshot.data.problem_dicts``): a dict that is not a
problem (no code or subject, a damaged journal) is skipped, never a crash.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hatui.clock import recorded_time
from hatui.model.health_types import Problem
from hatui.model.verdict import Ident, ident


@dataclass(frozen=True, slots=True)
class OpenProblem:
    """A problem of the verdict at a journal's last poll, and how it read since it was first seen."""

    problem: Problem
    """As the last poll's verdict gave it (``since``: when that recorder first saw it, if it knew)."""
    readings: tuple[tuple[datetime, str], ...]
    """(from when, its severity) at each change of its severity over its unbroken run of polls up to
    the last poll, oldest first: the first is when the run began, or where the rows read begin."""


def open_problems(changes: Sequence[tuple[datetime, Sequence[Any]]]) -> list[OpenProblem]:
    """The problems open at the last of ``changes``: (from when, the problems' dicts) at each poll
    where the recorded problems changed, oldest first; the first row is the value in force where
    the rows read begin. A problem's run ends (going back) at the first row it is not in."""
    if not changes:
        return []
    rows = [(at, _by_ident(problems)) for at, problems in changes]
    found = []
    for key, problem in rows[-1][1].items():
        readings: list[tuple[datetime, str]] = []
        for at, problems in reversed(rows):
            seen = problems.get(key)
            if seen is None:
                break
            if readings and readings[-1][1] == seen.severity:
                readings[-1] = (at, seen.severity)  # the same reading began earlier
            else:
                readings.append((at, seen.severity))
        found.append(OpenProblem(problem, tuple(reversed(readings))))
    return found


def _by_ident(problems: Sequence[Any]) -> dict[Ident, Problem]:
    found = (problem_of(d) for d in problems)
    return {ident(p): p for p in found if p is not None}


def problem_of(d: Any) -> Problem | None:
    """The Problem a snapshot dict describes; None when it names no code or subject."""
    if not isinstance(d, Mapping):
        return None
    code, subject, node = d.get("code"), d.get("subject"), d.get("node")
    if not isinstance(code, str) or not isinstance(subject, str):
        return None
    affects = d.get("affects")
    return Problem(
        str(d.get("severity") or ""),
        code,
        subject,
        node if isinstance(node, str) else None,
        str(d.get("message") or ""),
        str(d.get("kind") or ""),
        frozenset(a for a in affects if isinstance(a, str)) if isinstance(affects, list) else frozenset(),
        since=recorded_time(d.get("since")),
    )
