"""Provides the Problems pane: only what is wrong, worst first (the health verdict's list)."""

from __future__ import annotations

from typing import ClassVar

from rich.style import Style

from hatui.model.health_types import Problem
from hatui.ui.cells import cell, fmt_age, no_problems_word, severity_cell
from hatui.ui.details import DetailInfo, flatten
from hatui.ui.widgets.table_pane import Row, TablePane
from hatui.watch.state import Snapshot


def problem_key(code: str, subject: str, node: str | None) -> str:
    """Stable key of a problem row."""
    return f"{code}|{subject}|{node or ''}"


class ProblemsPane(TablePane):
    """The health verdict's problems, critical first."""

    TITLE = "Problems"
    EMPTY = "waiting for the first poll"
    COLUMNS: ClassVar[tuple[tuple[str, str], ...]] = (
        ("severity", "Sev"),
        ("subject", "Subject"),
        ("node", "Node"),
        ("message", "Problem"),
        ("code", "Code"),
        ("since", "Since"),
    )
    HELP = """\
## Problems
Only what is wrong, worst first: `✖ CRIT` pages someone, `▲ WARN` wants a look, `↻ SETTLING` is
a transition still in progress (it counts as a warning), `· info` says what hatui itself is doing.
**Since** is how long ago the console first saw it. Codes listed under `health.ignore` in the
config are left out. **Enter** shows the problem and its history.
"""

    def shows_ages(self, snap: Snapshot) -> bool:
        """See ``TablePane.shows_ages``."""
        return bool(snap.health.problems or snap.stale)  # "since 30s ago"

    def build_rows(self, snap: Snapshot) -> list[Row]:
        p = self.palette
        self.empty = no_problems_word(snap.health.status.value)
        rows = []
        for i, prob in enumerate(snap.health.problems):
            stale = snap.is_stale(prob.node)
            dim = p.stale if stale else Style()
            rows.append(
                Row(
                    key=problem_key(prob.code, prob.subject, prob.node),
                    cells=(
                        severity_cell(prob.severity, p),
                        cell(prob.subject, Style(bold=True) + dim),
                        cell(prob.node or "", dim),
                        cell(prob.message, dim),
                        cell(prob.code, dim),
                        cell(_since(prob, snap), dim, sort=-(prob.since.timestamp()) if prob.since else None),
                    ),
                    order=(i,),
                    stale=stale,
                    attention=prob.severity == "critical",
                )
            )
        return rows

    def detail(self, key: str, snap: Snapshot) -> DetailInfo | None:
        for prob in snap.health.problems:
            if problem_key(prob.code, prob.subject, prob.node) == key:
                subjects = (
                    prob.subject,
                    *([prob.node] if prob.node and prob.code.startswith("node") else []),
                )
                fields = [(k, ", ".join(sorted(prob.affects)) or "-") if k == "affects" else (k, v)
                          for k, v in flatten(prob)]  # fmt: skip
                return DetailInfo(f"Problem: {prob.message}", tuple(fields), (), subjects)
        return None


def _since(prob: Problem, snap: Snapshot) -> str:
    """``3m05s ago``: how long the console has seen the problem (empty when it does not know)."""
    if prob.since is None:
        return ""
    return f"{fmt_age(max(0.0, (snap.now - prob.since).total_seconds()))} ago"
