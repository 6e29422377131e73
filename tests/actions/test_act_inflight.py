"""The in-flight marker: its id round trip, its commands, and that Pacemaker places nothing by it."""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from lxml import etree

from hatui.actions import commands as cmd
from hatui.actions.runner import is_read_only_argv
from hatui.errors import ActionRefused
from hatui.model.inflight import (
    NO_SUCH_NODE,
    InFlight,
    InFlightRegistry,
    inflight_from_constraints,
    marker_id,
    merge,
    parse_marker,
)
from hatui.model.pacemaker import Constraint
from hatui.parsers.constraints import parse_constraints

SAMPLES = Path("/work/shared/lab/samples")
LIVE_CIB = SAMPLES / "live-3node-cib.xml"
T0 = datetime(2026, 12, 5, 12, 0, 0, tzinfo=UTC)


def test_marker_id_round_trip() -> None:
    cid = marker_id("move_resource", T0, 329.5, 4242, "admin host.example")
    m = parse_marker(cid)
    assert m is not None
    assert (m.action, m.started_at, m.limit_s, m.pid, m.host) == (
        "move_resource",
        T0,
        330,
        4242,
        "admin_host.example",
    )
    assert m.by == "pid 4242 on admin_host.example"
    assert not m.stale(T0 + timedelta(seconds=330))
    assert m.stale(T0 + timedelta(seconds=331))


@pytest.mark.parametrize("cid", ["cli-prefer-vm1", "hatui-inflight-x", "hatui-inflight-Move-1-2-3-h", ""])
def test_other_ids_are_no_marker(cid: str) -> None:
    assert parse_marker(cid) is None


def test_marker_xml_parses_back_as_a_neutral_marker_constraint() -> None:
    cid = marker_id("ban_resource", T0, 120, 7, "adm")
    xml = f"<constraints>{cmd.marker_xml(cid, 'vm-web')}</constraints>"
    (c,) = parse_constraints(xml)
    assert (c.id, c.resource, c.node, c.score, c.leftover_kind) == (
        cid,
        "vm-web",
        NO_SUCH_NODE,
        "-INFINITY",
        "marker",
    )


def test_marker_is_valid_in_the_pacemaker_1_0_schema() -> None:
    rng = Path("/usr/share/pacemaker/pacemaker-1.0.rng")
    if not rng.exists():
        pytest.skip("no Pacemaker schemas installed")
    schema = etree.RelaxNG(etree.parse(str(rng)))
    cid = marker_id("move_resource", T0, 330, 1, "adm")
    doc = etree.fromstring(
        '<cib validate-with="pacemaker-1.0" admin_epoch="0" epoch="1" num_updates="0"><configuration>'
        '<crm_config/><nodes/><resources><primitive id="vm1" class="ocf" provider="heartbeat" type="Xen"/>'
        f"</resources><constraints>{cmd.marker_xml(cid, 'vm1')}</constraints></configuration><status/></cib>"
    )
    assert schema.validate(doc), schema.error_log


@pytest.mark.parametrize("shell", [cmd.PACEMAKER, cmd.CRMSH, cmd.PCS])
@pytest.mark.parametrize("sudo", [False, True])
def test_marker_commands_on_every_shell(shell: str, sudo: bool) -> None:
    tools = cmd.Tools(shell=shell, sudo=sudo)
    cid = marker_id("move_resource", T0, 330, 1, "adm")
    add = cmd.marker_add(cid, "vm1", run_on="n1", tools=tools)
    rm = cmd.marker_remove(cid, run_on="n1", tools=tools)
    head = ("sudo", "-n") if sudo else ()
    assert add.argv == (*head, "cibadmin", "-C", "-o", "constraints", "-X", cmd.marker_xml(cid, "vm1"))
    assert rm.argv == (*head, "cibadmin", "-D", "-o", "constraints", "-X", f'<rsc_location id="{cid}"/>')
    # A read-only cluster must refuse both: they write to the CIB.
    assert not is_read_only_argv(add.argv)
    assert not is_read_only_argv(rm.argv)


def test_marker_commands_refuse_what_is_no_marker() -> None:
    with pytest.raises(ActionRefused):
        cmd.marker_remove("cli-prefer-vm1", run_on="n1", tools=cmd.Tools())
    with pytest.raises(ActionRefused):
        cmd.marker_add(marker_id("move_resource", T0, 1, 1, "a"), "-rf", run_on="n1", tools=cmd.Tools())


def _constraints(now: datetime, limit: float = 330) -> tuple[Constraint, ...]:
    cid = marker_id("move_resource", now, limit, 4242, "adm")
    return (
        Constraint(cid, "location", "vm1", NO_SUCH_NODE, "-INFINITY"),
        Constraint("cli-prefer-vm1", "location", "vm1", "n2", "INFINITY"),
        Constraint("cli-ban-vm1-on-n1", "location", "vm1", "n1", "-INFINITY"),
        Constraint("cli-ban-other-on-n1", "location", "other", "n1", "-INFINITY"),
        Constraint("loc-vm1", "location", "vm1", "n1", "100"),
    )


def test_a_live_marker_is_an_action_in_flight_owning_its_resources_constraints() -> None:
    (f,) = inflight_from_constraints(_constraints(T0), T0 + timedelta(seconds=12))
    assert (f.action, f.target, f.started_at, f.by, f.resources) == (
        "move_resource",
        "vm1",
        T0,
        "pid 4242 on adm",
        ("vm1",),
    )
    assert set(f.constraint_ids) == {_constraints(T0)[0].id, "cli-prefer-vm1", "cli-ban-vm1-on-n1"}
    assert f.age_s(T0 + timedelta(seconds=12)) == 12


def test_a_stale_marker_is_no_action_in_flight() -> None:
    assert inflight_from_constraints(_constraints(T0, limit=60), T0 + timedelta(seconds=61)) == ()


def test_merge_keeps_the_consoles_own_action_once() -> None:
    seen = inflight_from_constraints(_constraints(T0), T0)
    own = InFlight("move_resource", "vm1", T0, "pid 1 on me", seen[0].constraint_ids[:1], ("vm1",))
    other = InFlight("ban_resource", "x", T0, "pid 2 on b", ("hatui-inflight-ban_resource-1-1-2-b",))
    assert merge([own], [*seen, other]) == (own, other)


def test_registry_forgets_an_ended_action() -> None:
    reg = InFlightRegistry()
    f = InFlight("move_resource", "vm1", T0, "pid 1 on me")
    token = reg.start(f)
    assert reg.current() == (f,)
    reg.end(token)
    assert reg.current() == ()


def test_an_action_this_console_ended_is_not_taken_for_another_hatuis_while_the_cib_shows_it() -> None:
    """The constraints poll comes every 30 s: for that long the CIB picture still holds the marker
    of a move this console has just ended. It is ours and over: not another hatui's move."""
    seen = inflight_from_constraints(_constraints(T0), T0)
    reg = InFlightRegistry()
    token = reg.start(InFlight("move_resource", "vm1", T0, "pid 4242 on adm", seen[0].constraint_ids[:1]))
    assert merge(reg.current(), seen, reg.ended_markers) == reg.current()
    reg.end(token)
    assert reg.ended_markers == {seen[0].constraint_ids[0]}
    assert merge(reg.current(), seen, reg.ended_markers) == ()
    assert merge(reg.current(), seen) == seen  # without it: "vm1 is being moved by hatui"


def _simulate(cib: Path) -> str:
    out = subprocess.run(
        ["crm_simulate", "-x", str(cib), "-S", "-s"], capture_output=True, text=True, check=True, timeout=60
    )
    return out.stdout


def _edit(cib: Path, *argv: str) -> None:
    env = {**os.environ, "CIB_file": str(cib)}
    subprocess.run(argv, env=env, capture_output=True, text=True, check=True, timeout=60)


@pytest.mark.skipif(shutil.which("crm_simulate") is None or not LIVE_CIB.exists(), reason="no crm_simulate")
@pytest.mark.parametrize("symmetric", ["false", "true"])
def test_the_marker_changes_no_placement(tmp_path: Path, symmetric: str) -> None:
    """crm_simulate places and scores everything alike with and without the marker (both cluster kinds)."""
    plain, marked = tmp_path / "plain.xml", tmp_path / "marked.xml"
    shutil.copy(LIVE_CIB, plain)
    _edit(plain, "crm_attribute", "-t", "crm_config", "-n", "symmetric-cluster", "-v", symmetric)
    shutil.copy(plain, marked)
    cid = marker_id("move_resource", T0, 330, 1, "adm")
    _edit(marked, *cmd.marker_add(cid, "vm1", run_on="n1", tools=cmd.Tools()).argv)
    assert cid in marked.read_text()
    assert _simulate(marked) == _simulate(plain)
    # And the removal leaves exactly no trace of it.
    _edit(marked, *cmd.marker_remove(cid, run_on="n1", tools=cmd.Tools()).argv)
    assert "hatui-inflight" not in marked.read_text()
    assert _simulate(marked) == _simulate(plain)
