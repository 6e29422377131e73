"""Every problem code has one owner: the module whose rules give it declares it beside them.

The scan reads each model module's source for the ways its rules spell a code (a severity, then the
code: ``Problem(CRITICAL, "x", ...)``, ``(WARNING, "x")`` in a table, ``Problem(sev, "x", ...)``;
or ``code, sev = "x", ...``). A rule given a new code fails here until its module's set holds it;
a set entry no rule gives any more fails too, and so does a module giving codes without a set.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hatui.model.health import HEALTH_CODES
from hatui.model.health_drbd import DRBD_CODES
from hatui.model.health_pacemaker import MEMBERSHIP_CODES
from hatui.model.health_storage import STORAGE_CODES
from hatui.model.health_vms import VM_CODES
from hatui.model.problem_codes import PROBLEM_CODES
from hatui.model.verdict import VERDICT_CODES

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "src" / "hatui" / "model"

#: Model module -> the set of codes it declares.
OWNERS = {
    "health.py": HEALTH_CODES,
    "health_drbd.py": DRBD_CODES,
    "health_pacemaker.py": MEMBERSHIP_CODES,
    "health_storage.py": STORAGE_CODES,
    "health_vms.py": VM_CODES,
    "verdict.py": VERDICT_CODES,
}

_GIVEN = (
    re.compile(r'\b(?:CRITICAL|WARNING|SETTLING|INFO|sev),\s*"([a-z0-9-]+)"'),
    re.compile(r'\bcode, sev = "([a-z0-9-]+)"'),
)


def given(source: str) -> set[str]:
    """The codes ``source`` gives in the ways the rules spell them."""
    return {code for pattern in _GIVEN for code in pattern.findall(source)}


def test_the_scan_finds_each_way_a_rule_spells_a_code() -> None:
    source = """
X_CODES = frozenset({"in-a-set"})
\"\"\"``in-a-docstring`` WARNING: told about, not given.\"\"\"
out.append(Problem(CRITICAL, "one-line", r.id, None, text))
out.append(
    Problem(
        sev,
        "split-over-lines",
        r.id,
    )
)
_KINDS = {"k": (WARNING, "from-a-table")}
found.append((SETTLING, "from-a-tuple", text))
code, sev = "chosen-first", CRITICAL
"""
    assert given(source) == {"one-line", "split-over-lines", "from-a-table", "from-a-tuple", "chosen-first"}


@pytest.mark.parametrize("module", sorted(OWNERS))
def test_a_module_declares_exactly_the_codes_its_rules_give(module: str) -> None:
    spelled = given((MODEL / module).read_text())
    declared = OWNERS[module]
    assert spelled - declared == set(), f"{module} gives codes its set does not declare"
    assert declared - spelled == set(), f"{module} declares codes no rule of it gives"


def test_a_module_without_a_set_gives_no_code() -> None:
    strays = {
        path.name: sorted(given(path.read_text()))
        for path in sorted(MODEL.glob("*.py"))
        if path.name not in OWNERS
    }
    assert {name: codes for name, codes in strays.items() if codes} == {}
    assert len(strays) > 10  # the scan read the rest of the model


def test_the_union_is_every_owners_set() -> None:
    assert frozenset().union(*OWNERS.values()) == PROBLEM_CODES


def test_the_union_is_the_readmes_list() -> None:
    readme = (ROOT / "README.md").read_text()
    listed = readme[readme.index("Problem codes: ") : readme.index("(the storage rules")]
    assert set(re.findall(r"`([a-z0-9-]+)`", listed)) == PROBLEM_CODES
