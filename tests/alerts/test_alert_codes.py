"""The problem codes a rule may name: the README's list, and every code the health rules spell out."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from alert_support import refused

from hatui.alerts.codes import PROBLEM_CODES

ROOT = Path(__file__).resolve().parents[2]


def test_the_set_is_the_readmes_list() -> None:
    readme = (ROOT / "README.md").read_text()
    listed = readme[readme.index("Problem codes: ") : readme.index("(the storage rules")]
    assert set(re.findall(r"`([a-z0-9-]+)`", listed)) == PROBLEM_CODES


def test_every_code_the_health_rules_spell_out_is_in_the_set() -> None:
    spelled: set[str] = set()
    for path in (ROOT / "src" / "hatui" / "model").glob("*.py"):
        text = path.read_text()
        spelled |= set(re.findall(r'Problem\(\s*\w+,\s*"([a-z0-9-]+)"', text))
        # Codes chosen from a table first: ``code, sev = "snapshot-invalid", ...``, ``(WARNING, "x")``.
        spelled |= set(re.findall(r'code, sev = "([a-z0-9-]+)"', text))
        spelled |= set(re.findall(r'\((?:CRITICAL|WARNING|SETTLING|INFO), "([a-z0-9-]+)"', text))
    assert len(spelled) > 30  # the scan found the rules
    assert spelled <= PROBLEM_CODES, sorted(spelled - PROBLEM_CODES)


@pytest.mark.parametrize(
    ("code", "words"),
    [
        (
            "node-unreachble",
            "'node-unreachble' is not a problem code hatui reports (did you mean node-unreachable?)",
        ),
        ("zzz", "'zzz' is not a problem code hatui reports (README: How hatui decides lists them)"),
    ],
)
def test_a_code_hatui_never_reports_is_refused_with_the_nearest(code: str, words: str) -> None:
    message = refused([{"name": "p", "command": ["/bin/true"], "codes": ["node-offline", code]}])
    assert message.endswith(f"clusters.prod.alerts[0].codes: {words}")
