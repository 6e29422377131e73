"""A rule's ``codes`` are checked against every code hatui reports (``hatui.model.problem_codes``)."""

from __future__ import annotations

import pytest
from alert_support import refused, rules

from hatui.model.problem_codes import PROBLEM_CODES


def test_a_rule_may_name_every_code_hatui_reports() -> None:
    (rule,) = rules([{"name": "all", "command": ["/bin/true"], "codes": sorted(PROBLEM_CODES)}])
    assert rule.codes == PROBLEM_CODES


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
