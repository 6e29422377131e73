"""The catalog is the one place that says how each action is planned, checked and run."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from actions_support import bench

from hatui.actions.catalog import CATALOG, WRITES, Ask, Flow
from hatui.actions.plan import Request
from hatui.actions.spec import NOT_IN_FLIGHT, WRITABLE
from hatui.errors import ActionRefused

SRC = Path(__file__).resolve().parents[2] / "src" / "hatui"


def test_every_action_names_a_planner_and_its_checks() -> None:
    for spec in CATALOG.values():
        assert callable(spec.planner), spec.name
        assert spec.checks, f"{spec.name} names no safety check"
        if spec.writes:
            assert WRITABLE in spec.checks, f"{spec.name} writes but is not checked for read-only mode"
    steering = {n for n, s in CATALOG.items() if NOT_IN_FLIGHT in s.checks}
    assert steering == {"move_resource", "migrate_resource", "ban_resource", "clear_resource"}
    assert {n for n, s in CATALOG.items() if s.flow is Flow.SESSION} == {"vm_console", "node_shell"}
    assert {n for n, s in CATALOG.items() if s.ask is Ask.NODE} == {
        "move_resource",
        "migrate_resource",
        "ban_resource",
        "failcount_delete",
    }
    assert {n for n, s in CATALOG.items() if s.writes} == WRITES


async def test_a_read_only_cluster_refuses_every_writing_action_before_its_planner(tmp_path: Path) -> None:
    b = bench(tmp_path, fast=False)
    ctx = await b.context(read_only=True)
    for spec in CATALOG.values():
        if not spec.writes:
            continue
        with pytest.raises(ActionRefused, match="read-only"):
            spec.plan(ctx, Request(spec.name, "sentinel", "vnode2", victim="vnode1"))


def _is_action(e: ast.expr) -> bool:
    """``action``, ``req.action``, ``plan.action``, ``spec.name``: what holds an action name."""
    return (isinstance(e, ast.Name) and e.id == "action") or (
        isinstance(e, ast.Attribute) and e.attr in ("action", "name")
    )


def _compared_names(path: Path) -> list[str]:
    """Catalog action names that ``path`` compares an action with (``==``, ``in (...)``...)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.Compare):
            continue
        sides = (node.left, *node.comparators)
        if not any(_is_action(e) for e in sides):
            continue
        for side in sides:
            items = side.elts if isinstance(side, ast.Tuple | ast.List | ast.Set) else [side]
            found += [i.value for i in items if isinstance(i, ast.Constant) and i.value in CATALOG]
    return found


def test_nothing_dispatches_on_action_names() -> None:
    offenders = {
        str(p.relative_to(SRC)): names
        for p in SRC.rglob("*.py")
        if p.name != "catalog.py" and (names := _compared_names(p))
    }
    assert offenders == {}
