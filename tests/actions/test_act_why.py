"""Why a resource runs where it does, on both generations: ``crm_resource --why`` where it exists,
Pacemaker 1.0's scores and constraints composed elsewhere, checked on the REAL 1.0.9 tools."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from hatui.actions.commands import tools_for
from hatui.actions.plan import Phase, Plan
from hatui.actions.readonly import is_read_only_argv
from hatui.actions.results import ActionResult
from hatui.actions.why import (
    answer_text,
    compose_why,
    parse_locations,
    parse_scores,
    related_constraints,
    why_commands,
    why_sections,
)
from hatui.model.capture import StackInfo
from hatui.transport.base import CommandResult
from hatui.transport.local import LocalTransport
from support import SHARED
from support.seed import seed_path, seed_prefix

SAMPLES = SHARED / "seed-lab" / "samples"
SEED_CIB = SAMPLES / "live-cib.xml"
needs_seed_samples = pytest.mark.skipif(not SEED_CIB.is_file(), reason="../shared/seed-lab is absent")
SEED = tools_for(StackInfo(pacemaker_version="1.0.9"))
MODERN = tools_for(StackInfo(pacemaker_version="2.1.5"))


def sample(name: str) -> str:
    """A seed-lab sample without its ``$ command`` first line and ``rc=N`` last line."""
    lines = (SAMPLES / name).read_text().splitlines()
    return "\n".join(lines[1:-1]) + "\n"


def test_pacemaker_1_0_is_asked_three_read_only_questions_and_newer_ones_why() -> None:
    argvs = [c.argv for c in why_commands("vm1", run_on="vnode1", tools=SEED)]
    assert argvs == [
        ("ptest", "-L", "-s"),
        ("crm_resource", "-r", "vm1", "-a"),
        ("cibadmin", "-Q", "-o", "constraints"),
    ]
    assert all(is_read_only_argv(a) for a in argvs)
    [modern] = why_commands("vm1", run_on="vnode1", tools=MODERN)
    assert modern.argv == ("crm_resource", "--why", "-r", "vm1")


@needs_seed_samples
def test_the_answer_is_composed_from_the_real_1_0_9_outputs() -> None:
    scores = sample("ptest-L-s.txt")
    assert parse_scores(scores, "vm-beta") == {"node1": 1000000, "node2": 100}
    text = compose_why(
        "vm-alpha",
        scores=scores,
        locations=sample("crm_resource-a-vm-alpha_after_M.txt"),
        constraints=sample("cibadmin-Q-o-constraints_after_M.txt"),
    )
    assert text.splitlines() == [
        "vm-alpha: highest score on node1 (INFINITY)",
        "allocation scores (ptest -L -s):",
        "  node1: INFINITY",
        "  node2: 50",
        "location constraints of vm-alpha (crm_resource -a):",
        "  loc-alpha-node1: node1 = 100",
        "  loc-alpha-node2: node2 = 50",
        "  cli-standby-rule-vm-alpha: node1 = -INFINITY  (left by a move or ban: crm_resource -U removes it)",
    ]


def test_a_resource_no_node_may_run_says_so() -> None:
    scores = (
        "Allocation scores:\n"
        "native_color: vm1 allocation score on n1: -1000000\n"
        "native_color: vm1 allocation score on n2: -1000000\n"
    )
    assert compose_why("vm1", scores=scores, locations="", constraints="").splitlines()[0] == (
        "vm1 may run nowhere: every node scores below 0; forbidden on n1, n2"
    )
    assert compose_why("ghost", scores=scores, locations="", constraints="").startswith(
        "ghost: the scheduler printed no score"
    )
    assert parse_locations("* vm1\n+ 'loc-1': n1 = 100 \nnoise\n") == [("loc-1", "n1", "100")]


def test_colocations_and_orders_of_the_resource_are_listed() -> None:
    xml = """<constraints>
      <rsc_colocation id="col-vm1" score="INFINITY" rsc="vm1" with-rsc="ms_drbd_vm1" with-rsc-role="Master"/>
      <rsc_order id="ord-vm1" score="INFINITY" first="ms_drbd_vm1" first-action="promote"
                 then="vm1" then-action="start"/>
      <rsc_order id="ord-other" first="a" then="b"/>
    </constraints>"""
    assert related_constraints(xml, "vm1") == [
        "colocation col-vm1: vm1 with ms_drbd_vm1 (Master), INFINITY",
        "order ord-vm1: ms_drbd_vm1 promote then vm1 start, INFINITY",
    ]
    assert related_constraints("<not xml", "vm1") == []


def result_of(plan: Plan, results: list[CommandResult]) -> ActionResult:
    return ActionResult("1", plan, True, "answered", tuple(("node1", r) for r in results))


@needs_seed_samples
async def test_the_1_0_questions_run_on_the_real_1_0_9_tools_and_answer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    prefix = seed_prefix()
    copy = tmp_path / "cib.xml"
    shutil.copyfile(SEED_CIB, copy)
    monkeypatch.setenv("PATH", seed_path(prefix))
    monkeypatch.setenv("CIB_file", str(copy))
    node = LocalTransport("node1")
    moved = await node.run(("crm_resource", "-M", "-r", "vm-beta", "-N", "node2", "-f"), timeout=30)
    assert moved.ok, moved.stderr
    commands = why_commands("vm-beta", run_on="node1", tools=SEED)
    plan = Plan("why", "Why is vm-beta (not) running?", "vm-beta", "resource", (Phase("why", commands),))
    results = [await node.run(c.argv, timeout=30) for c in commands]
    assert all(r.ok for r in results), [r.stderr for r in results]
    text = answer_text(result_of(plan, results))
    assert text.splitlines()[0] == "vm-beta: highest score on node2 (INFINITY); forbidden on node1"
    assert (
        "  cli-prefer-rule-vm-beta: node2 = INFINITY  (left by a move or ban: crm_resource -U removes it)"
        in (text.splitlines())
    )
    titles = [t for t, _ in why_sections(result_of(plan, results))]
    assert titles == [
        "why (from Pacemaker 1.0's scores and constraints)",
        "ptest -L -s",
        "crm_resource -r vm-beta -a",
        "cibadmin -Q -o constraints",
    ]


def test_on_newer_pacemaker_the_answer_is_crm_resource_why_as_it_printed_it() -> None:
    [c] = why_commands("vm1", run_on="node1", tools=MODERN)
    plan = Plan("why", "Why?", "vm1", "resource", (Phase("why", (c,)),))
    out = CommandResult(c.argv, 0, "Resource vm1 is running on vnode1\n", "")
    assert answer_text(result_of(plan, [out])) == "Resource vm1 is running on vnode1\n"
    assert why_sections(result_of(plan, [out])) == (
        ("crm_resource --why -r vm1", "Resource vm1 is running on vnode1\n"),
    )
