"""Pacemaker 1.0.9's move constraints (rule form, ``cli-standby-R``) read as a move's leftovers."""

from __future__ import annotations

import pytest

from hatui.actions.commands_seed import prefer_xml, standby_xml
from hatui.parsers.constraints import parse_constraints
from support import SHARED


def test_the_real_1_0_9_constraints_after_m_n_f() -> None:
    sample = SHARED / "seed-lab" / "samples" / "cibadmin-Q-o-constraints_after_M.txt"
    if not sample.is_file():
        pytest.skip("../shared/seed-lab is absent")
    lines = sample.read_text().splitlines()
    assert lines[0].startswith("$ ") and lines[-1].startswith("rc=")
    by_id = {c.id: c for c in parse_constraints("\n".join(lines[1:-1]))}
    standby, prefer = by_id["cli-standby-vm-beta"], by_id["cli-prefer-vm-beta"]
    assert (standby.resource, standby.node, standby.leftover_kind) == ("vm-beta", "node1", "ban")
    assert (prefer.resource, prefer.node, prefer.leftover_kind) == ("vm-beta", "node2", "prefer")
    assert by_id["loc-beta-node1"].leftover_kind is None


def test_what_hatui_writes_for_1_0_reads_back_the_same_way() -> None:
    xml = f"<constraints>{prefer_xml('vm1', 'vnode2')}{standby_xml('vm1', 'vnode1')}</constraints>"
    got = {(c.id, c.node, c.score, c.leftover_kind) for c in parse_constraints(xml)}
    assert got == {
        ("cli-prefer-vm1", "vnode2", "INFINITY", "prefer"),
        ("cli-standby-vm1", "vnode1", "-INFINITY", "ban"),
    }


def test_a_1_0_move_in_flight_owns_its_cli_standby() -> None:
    from datetime import UTC, datetime

    from hatui.actions.commands import marker_xml
    from hatui.model.inflight import inflight_from_constraints, marker_id

    now = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
    marker = marker_id("move_resource", now, 300, 4242, "admin")
    parts = (marker_xml(marker, "vm1"), prefer_xml("vm1", "vnode2"), standby_xml("vm1", "vnode1"))
    xml = f"<constraints>{''.join(parts)}</constraints>"
    (flight,) = inflight_from_constraints(parse_constraints(xml), now)
    assert set(flight.constraint_ids) == {marker, "cli-prefer-vm1", "cli-standby-vm1"}
