"""Tests for the constraints parser.

The fixtures in tests/fixtures/constraints/ are real ``cibadmin -Q --scope constraints`` outputs that
``generate.sh`` there produces with the installed Pacemaker tools (crm_resource --move/--ban,
--lifetime, --promoted/--master, crmsh, schema-checked cibadmin -C). The lab CIBs come from
../shared; a few HAND-WRITTEN cases cover older layouts and broken input.
"""

from __future__ import annotations

import contextlib
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hatui.errors import ParseError
from hatui.model.pacemaker import Constraint
from hatui.parsers.constraints import parse_constraints
from support import FIXTURES, LAB_SAMPLES, needs_shared

CONSTRAINTS = FIXTURES / "constraints"
# crm_resource writes the expiry as "YYYY-MM-DD HH:MM:SSZ"; the value depends on when generate.sh ran.
EXPIRY = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}Z$")


def _load(name: str) -> dict[str, Constraint]:
    constraints = parse_constraints((CONSTRAINTS / name).read_bytes(), source=name)
    by_id = {c.id: c for c in constraints}
    assert len(by_id) == len(constraints), "constraint ids must be unique"
    return by_id


# --- generated fixtures --------------------------------------------------------------------------


def test_empty_constraints() -> None:
    assert parse_constraints((CONSTRAINTS / "empty.xml").read_text()) == ()


def test_move_and_ban_leftovers() -> None:
    got = _load("move-ban.xml")
    assert got == {
        "cli-prefer-dummy1": Constraint(
            "cli-prefer-dummy1",
            "location",
            resource="dummy1",
            node="vnode2",
            score="INFINITY",
            role="Started",
        ),
        "cli-ban-dummy2-on-vnode1": Constraint(
            "cli-ban-dummy2-on-vnode1",
            "location",
            resource="dummy2",
            node="vnode1",
            score="-INFINITY",
            role="Started",
        ),
    }
    assert got["cli-prefer-dummy1"].leftover_kind == "prefer"
    assert got["cli-ban-dummy2-on-vnode1"].leftover_kind == "ban"


def test_lifetime_rules() -> None:
    got = _load("lifetime.xml")
    ban, prefer = got["cli-ban-dummy1-on-vnode1"], got["cli-prefer-dummy2"]
    assert (ban.resource, ban.node, ban.score, ban.leftover_kind) == ("dummy1", "vnode1", "-INFINITY", "ban")
    assert (prefer.resource, prefer.node, prefer.score, prefer.leftover_kind) == (
        "dummy2",
        "vnode3",
        "INFINITY",
        "prefer",
    )
    assert ban.lifetime is not None
    assert EXPIRY.match(ban.lifetime)
    assert prefer.lifetime is not None
    assert EXPIRY.match(prefer.lifetime)
    # --lifetime PT1H for the ban, P1D for the move: the move expires later.
    assert prefer.lifetime > ban.lifetime


def test_promoted_move_and_master_ban() -> None:
    got = _load("promoted.xml")
    prefer, ban = got["cli-prefer-ms_stateful"], got["cli-ban-ms_stateful-on-vnode3"]
    assert (prefer.role, prefer.node, prefer.score, prefer.leftover_kind) == (
        "Promoted",
        "vnode2",
        "INFINITY",
        "prefer",
    )
    assert (ban.role, ban.node, ban.score, ban.leftover_kind) == ("Promoted", "vnode3", "-INFINITY", "ban")


def test_crmsh_move_and_ban() -> None:
    path = CONSTRAINTS / "crmsh-move-ban.xml"
    if not path.exists():
        pytest.skip("crmsh was not installed when the fixtures were generated")
    got = _load("crmsh-move-ban.xml")
    assert got["cli-ban-dummy1-on-vnode3"].leftover_kind == "ban"
    assert got["cli-ban-dummy1-on-vnode3"].node == "vnode3"
    prefer = got["cli-prefer-dummy2"]
    assert (prefer.node, prefer.leftover_kind) == ("vnode3", "prefer")
    assert prefer.lifetime is not None
    assert EXPIRY.match(prefer.lifetime)


def test_mixed_constraint_kinds() -> None:
    got = _load("mixed.xml")
    assert [c.kind for c in got.values()] == ["location"] * 4 + ["colocation"] * 2 + ["order"] * 2 + [
        "ticket"
    ] * 2
    assert all(c.leftover_kind is None for c in got.values())
    assert got["loc-dummy1-vnode1"] == Constraint(
        "loc-dummy1-vnode1", "location", resource="dummy1", node="vnode1", score="100"
    )
    assert got["loc-ms-promoted-vnode1"].role == "Promoted"
    rack = got["loc-dummy2-rack"]  # a rule on a node attribute: no single node, the rule's score
    assert (rack.resource, rack.node, rack.score, rack.lifetime) == ("dummy2", None, "-INFINITY", None)
    assert got["loc-pattern"].resource == "dummy.*"
    col = got["col-dummy3-with-promoted"]
    assert (col.resource, col.with_resource, col.score, col.role) == (
        "dummy3",
        "ms_stateful",
        "INFINITY",
        None,
    )
    apart = got["col-dummy1-apart-dummy2"]
    assert (apart.resource, apart.with_resource, apart.score, apart.role) == (
        "dummy1",
        "dummy2",
        "-500",
        "Started",
    )
    order = got["ord-promote-then-dummy3"]
    assert (order.resource, order.with_resource, order.score) == ("ms_stateful", "dummy3", None)
    sets = got["ord-set"]
    assert (sets.resource, sets.with_resource) == ("dummy1 dummy2", "dummy3")
    assert (got["ticket-dummy3"].resource, got["ticket-dummy3"].role) == ("dummy3", None)
    assert (got["ticket-ms-promoted"].resource, got["ticket-ms-promoted"].role) == ("ms_stateful", "Promoted")


def test_whole_cib_fixture() -> None:
    got = _load("whole-cib.xml")
    assert [(c.id, c.node, c.leftover_kind) for c in got.values()] == [
        ("cli-prefer-dummy3", "vnode2", "prefer"),
        ("cli-ban-dummy1-on-vnode2", "vnode2", "ban"),
    ]


def test_every_fixture_is_covered() -> None:
    names = {p.name for p in CONSTRAINTS.glob("*.xml")}
    expected = {"empty.xml", "move-ban.xml", "lifetime.xml", "promoted.xml", "mixed.xml", "whole-cib.xml"}
    assert expected <= names <= expected | {"crmsh-move-ban.xml"}


# --- lab CIBs (whole documents) ------------------------------------------------------------------


@needs_shared
def test_live_three_node_cib() -> None:
    constraints = parse_constraints((LAB_SAMPLES / "live-3node-cib.xml").read_bytes())
    assert len(constraints) == 12
    assert [c.kind for c in constraints].count("location") == 10
    col = constraints[0]
    assert (col.id, col.kind, col.resource, col.with_resource, col.score) == (
        "col-vm1-on-promoted",
        "colocation",
        "vm1",
        "ms_stateful_vm1",
        "INFINITY",
    )
    order = constraints[1]
    assert (order.kind, order.resource, order.with_resource) == ("order", "ms_stateful_vm1", "vm1")
    prefs = {(c.resource, c.node): c.score for c in constraints if c.kind == "location"}
    assert prefs[("dummy1", "vnode1")] == "100"
    assert prefs[("vm1", "vnode2")] == "50"
    assert all(c.leftover_kind is None for c in constraints)


@needs_shared
def test_offline_cib_live() -> None:
    constraints = parse_constraints((LAB_SAMPLES / "offline-cib-live.xml").read_text())
    assert len(constraints) == 14
    xen = [c for c in constraints if c.resource == "xen_vm1"]
    assert [(c.kind, c.node, c.score, c.with_resource) for c in xen] == [
        ("location", "vnode1", "100", None),
        ("location", "vnode2", "50", None),
        ("colocation", None, "INFINITY", "ms_drbd_vm1"),
    ]
    (order,) = [c for c in constraints if c.kind == "order"]
    assert (order.id, order.resource, order.with_resource) == (
        "ord-drbd-promote-then-xen_vm1",
        "ms_drbd_vm1",
        "xen_vm1",
    )


# --- hand-written variants -----------------------------------------------------------------------


def test_hand_written_old_layouts() -> None:
    # HAND-WRITTEN: Pacemaker 1.0's crm_resource --migrate left cli-standby-* (move away) without a
    # role, a <lifetime> element held the expiry, and stderr warnings may precede the XML.
    text = (
        "WARNING: something on stderr\n"
        '<constraints>\n  <rsc_location id="cli-standby-vm1" rsc="vm1">\n'
        '    <rule id="cli-standby-rule-vm1" score="-INFINITY" boolean-op="and">\n'
        '      <expression id="e1" attribute="#uname" operation="eq" value="node1" type="string"/>\n'
        "    </rule>\n"
        '    <lifetime id="cli-standby-lifetime-vm1">\n'
        '      <rule id="lt"><date_expression id="lt-e" operation="lt" end="2010-05-01 12:00:00Z"/></rule>\n'
        "    </lifetime>\n  </rsc_location>\n"
        "  <!-- a comment -->\n"
        '  <rsc_location id="loc-or" rsc="vm2"><rule id="r" score="10" boolean-op="or">'
        '<expression id="a" attribute="#uname" operation="eq" value="n1"/>'
        '<expression id="b" attribute="#uname" operation="eq" value="n2"/></rule></rsc_location>\n'
        '  <rsc_colocation id="col-set" score="INFINITY"><resource_set id="s1"><resource_ref id="a"/>'
        '</resource_set><resource_set id="s2"><resource_ref id="b"/><resource_ref id="c"/>'
        "</resource_set></rsc_colocation>\n"
        '  <rsc_future id="f1" rsc="vm3"/>\n'
        "</constraints>\n"
    )
    standby, either, col, future = parse_constraints(text)
    assert (standby.node, standby.score, standby.role, standby.lifetime) == (
        "node1",
        "-INFINITY",
        None,
        "2010-05-01 12:00:00Z",
    )
    assert standby.leftover_kind == "ban"
    assert (either.node, either.score) == (None, "10")  # an "or" of nodes pins no single node
    assert (col.resource, col.with_resource) == ("a", "b c")
    assert (future.kind, future.resource) == ("future", "vm3")


def test_configuration_scope_is_accepted() -> None:
    text = (
        '<configuration><constraints><rsc_location id="l" rsc="r" node="n" score="1"/>'
        "</constraints></configuration>"
    )
    assert parse_constraints(text) == (Constraint("l", "location", resource="r", node="n", score="1"),)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        "",
        "Signon to CIB failed: Transport endpoint is not connected\n",
        "<constraints>\n  <rsc_location id=",  # truncated
        (CONSTRAINTS / "mixed.xml").read_text()[:-20] if (CONSTRAINTS / "mixed.xml").exists() else "<a",
        "<resources/>",  # wrong scope
        "<cib><status/></cib>",  # a CIB without configuration
        "<cib><configuration><nodes/></configuration></cib>",  # without constraints
        '<constraints><rsc_location rsc="r" node="n" score="1"/></constraints>',  # no id
        '<constraints><rsc_location id="l" node="n" score="1"/></constraints>',  # no resource
        '<!DOCTYPE x [<!ENTITY a "b">]><constraints/>',  # entity declarations are refused
        b"\xff\xfe<\x00c\x00",
    ],
)
def test_malformed(data: bytes | str) -> None:
    with pytest.raises(ParseError):
        parse_constraints(data)


def test_error_names_source_and_line() -> None:
    text = '<constraints>\n  <rsc_location id="l" score="1"/>\n</constraints>\n'
    with pytest.raises(ParseError) as caught:
        parse_constraints(text, source="node1/constraints")
    assert (caught.value.source, caught.value.line) == ("node1/constraints", 2)
    assert "rsc_location" in caught.value.snippet


# --- property tests: only ParseError (or a result) may come out ------------------------------------

SAMPLES = [p.read_text() for p in sorted(CONSTRAINTS.glob("*.xml"))]
if LAB_SAMPLES.is_dir():
    SAMPLES += [(LAB_SAMPLES / n).read_text() for n in ("live-3node-cib.xml", "offline-cib-live.xml")]


def _only_parse_errors(data: bytes | str) -> None:
    with contextlib.suppress(ParseError):
        parse_constraints(data)


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.binary(), st.text()))
def test_fuzz_random_input(data: bytes | str) -> None:
    _only_parse_errors(data)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(SAMPLES), st.data())
def test_fuzz_truncations_and_mutations(sample: str, data: st.DataObject) -> None:
    cut = data.draw(st.integers(0, len(sample)))
    _only_parse_errors(sample[:cut])
    _only_parse_errors(sample[:cut].encode())
    chars = list(sample)
    for position, char in data.draw(
        st.lists(st.tuples(st.integers(0, 100_000), st.characters()), max_size=8)
    ):
        chars[position % len(chars)] = char
    _only_parse_errors("".join(chars))
