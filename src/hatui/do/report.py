"""Provides ``PlanReport``: what ``hatui do`` prints of a plan, as text or as ``hatui.plan/1`` JSON.

Pure: a report is built from a ``Plan`` (or a refusal) and printed; nothing here runs or asks. The
JSON document is the schema scripts rely on, so its keys are fixed here and only here::

    {"schema": "hatui.plan/1", "action", "target", "cluster", "refused": null | reason,
     "warnings": [..], "steps": [{"node", "argv": [..], "wait": text | null}], "preview": [..],
     "outcome": null | {"ok", "message", "left_behind": [..]}}

Every string may come from a node (names, command output), so the text form passes each line
through ``clean_line`` and the JSON form escapes everything outside ASCII. The text form shows a
backup job's wrapper script as ``<hatui-backup wrapper>`` (the JSON has the whole argv).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from hatui.actions.backup_job import shown_words
from hatui.actions.plan import Plan
from hatui.plaintext import clean_line

SCHEMA = "hatui.plan/1"


@dataclass(frozen=True, slots=True)
class Step:
    """One command of the plan, and what is awaited after it (the last command of a phase)."""

    node: str
    argv: tuple[str, ...]
    wait: str | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    """How a run ended."""

    ok: bool
    message: str
    left_behind: tuple[str, ...] = ()


@dataclass(slots=True)
class PlanReport:
    """The plan of one ``hatui do``, filled in as the command goes (refusal, preview, outcome)."""

    action: str
    target: str
    cluster: str
    title: str = ""
    refused: str | None = None
    warnings: list[str] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    preview: list[str] = field(default_factory=list)
    outcome: Outcome | None = None
    answer: str = ""
    """The output of a read (``why``), printed after the outcome in text form."""

    def add_plan(self, plan: Plan) -> None:
        """Takes the title, steps and concerns of ``plan``."""
        self.title = plan.title
        self.steps = steps_of(plan)
        # What will stop leads: it is the outcome the admin did not ask for.
        lead = sorted(plan.concerns, key=lambda c: c.code != "stop")
        self.warnings += [c.message for c in lead]
        self.warnings += list(plan.notes)

    def as_json(self) -> dict[str, Any]:
        """The ``hatui.plan/1`` document."""
        out = self.outcome
        return {
            "schema": SCHEMA,
            "action": self.action,
            "target": self.target,
            "cluster": self.cluster,
            "refused": self.refused,
            "warnings": list(self.warnings),
            "steps": [{"node": s.node, "argv": list(s.argv), "wait": s.wait} for s in self.steps],
            "preview": list(self.preview),
            "outcome": None
            if out is None
            else {"ok": out.ok, "message": out.message, "left_behind": list(out.left_behind)},
        }

    def json_text(self) -> str:
        """The document as printed: ASCII only, so no remote byte reaches the terminal raw."""
        return json.dumps(self.as_json(), indent=2, ensure_ascii=True)

    def plan_lines(self) -> list[str]:
        """The plan for people: warnings first, then the commands, then the preview."""
        head = self.title or f"{self.action} {self.target}".strip()
        lines = [f"{head}  (cluster {self.cluster})"]
        lines += [f"⚠ {w}" for w in self.warnings]
        if self.steps:
            lines.append("commands:")
            for s in self.steps:
                lines.append(f"  [{s.node}] {shown_words(s.argv) or ' '.join(s.argv)}")
                if s.wait:
                    lines.append(f"      then wait: {s.wait}")
        if self.preview:
            lines.append("preview (Pacemaker's scheduler on a copy of the live CIB):")
            lines += [f"  {p}" for p in self.preview]
        return [clean_line(line) for line in lines]

    def end_lines(self) -> list[str]:
        """The refusal or the outcome, for people."""
        if self.refused is not None:
            return [clean_line(f"refused: {self.refused}")]
        if self.outcome is None:
            return []
        word = "done" if self.outcome.ok else "FAILED"
        lines = [f"{word}: {self.outcome.message}"]
        if self.outcome.left_behind:
            lines.append(f"left in the cluster: {', '.join(self.outcome.left_behind)}")
        lines = [clean_line(line) for line in lines]
        if self.answer:
            lines += [clean_line(line) for line in self.answer.splitlines()]
        return lines


def steps_of(plan: Plan) -> list[Step]:
    """Every command of ``plan`` in order; a phase's waits go with its last command."""
    steps: list[Step] = []
    for phase in plan.phases:
        waits = "; ".join(w.what for w in phase.waits) or None
        last = len(phase.commands) - 1
        steps += [
            Step(c.node, tuple(c.argv), waits if i == last else None) for i, c in enumerate(phase.commands)
        ]
    steps += [Step(c.node, tuple(c.argv)) for c in plan.finally_commands]
    return steps
