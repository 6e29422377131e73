"""The preview on a Pacemaker 1.0 CIB: edited in its own schema, simulated by crm_simulate here or
by the node's own ptest, checked against the REAL 1.0.9 tools (``tests/support/seed.py``).

The CIB is the seed lab's capture (``shared/seed-lab/samples/live-cib.xml``: heartbeat node UUIDs,
vm-alpha and vm-beta on node1, stickiness INFINITY); the ptest logs under ``tests/fixtures/seed/``
are the real 1.0.9 ptest's, each file saying how it was made.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

import pytest
from lxml import etree

from hatui.actions.commands import Command, Danger, Tools
from hatui.actions.plan import Phase, Plan
from hatui.actions.preview import preview_plan, simulate_stages
from hatui.actions.preview_cib10 import CibEditError, apply_edits, is_cib10
from hatui.actions.preview_ptest import PTEST_ARGV, PtestOutputError, dc_version, parse_ptest_actions
from hatui.actions.preview_result import SimAction
from hatui.actions.preview_transition import TransitionError, after_transition
from hatui.transport.local import LocalTransport
from support import FIXTURES, LAB_SAMPLES, SHARED
from support.seed import seed_path, seed_prefix

SEED_CIB = SHARED / "seed-lab" / "samples" / "live-cib.xml"
needs_seed_samples = pytest.mark.skipif(not SEED_CIB.is_file(), reason="../shared/seed-lab is absent")
needs_crm_simulate = pytest.mark.skipif(
    shutil.which("crm_simulate") is None, reason="crm_simulate (pacemaker-cli-utils) is not installed"
)


def _rule(kind: str, rsc: str, node: str, score: str) -> str:
    """The rule-form location 1.0.9's ``crm_resource -M`` writes (seed-stack-cli.md §1.1)."""
    return (
        f'<rsc_location id="cli-{kind}-{rsc}" rsc="{rsc}">'
        f'<rule id="cli-{kind}-rule-{rsc}" score="{score}" boolean-op="and">'
        f'<expression id="cli-{kind}-expr-{rsc}" attribute="#uname" operation="eq" value="{node}"'
        ' type="string"/>'
        "</rule></rsc_location>"
    )


def move_edits(rsc: str, source: str, dest: str) -> list[tuple[str, ...]]:
    """``crm_resource -M -r R -N dest -f`` as the I-3 sim forms: cli-prefer-R and cli-standby-R."""
    return [  # in the order 1.0.9 writes them
        ("cibadmin", "-C", "-o", "constraints", "-X", _rule("standby", rsc, source, "-INFINITY")),
        ("cibadmin", "-C", "-o", "constraints", "-X", _rule("prefer", rsc, dest, "INFINITY")),
    ]


def unmove_edits(rsc: str) -> list[tuple[str, ...]]:
    """``crm_resource -U -r R`` as the sim forms."""
    return [
        ("cibadmin", "-D", "-o", "constraints", "-X", f'<rsc_location id="cli-{kind}-{rsc}"/>')
        for kind in ("prefer", "standby")
    ]


def plan_of(*phases: tuple[str, Sequence[tuple[str, ...]]]) -> Plan:
    commands = [
        Phase(label, (Command(("true",), "node1", Danger.CHANGE, label, tuple(sim)),))
        for label, sim in phases
    ]
    return Plan("move_resource", "Move vm-beta?", "vm-beta", "resource", tuple(commands))


def canonical(xml: str) -> bytes:
    """The CIB without what the tools bump on every write (epoch, num_updates), whitespace aside."""
    root = etree.fromstring(xml.encode(), etree.XMLParser(remove_blank_text=True))
    for counter in ("epoch", "num_updates", "admin_epoch", "cib-last-written"):
        root.attrib.pop(counter, None)
    # The order of the constraints means nothing to the scheduler (1.0.9's -M -f writes
    # cli-standby before cli-prefer; the plan's edits may add them the other way round).
    for section in root.iterfind("configuration/constraints"):
        section[:] = sorted(section, key=lambda e: e.get("id") or "")
    return etree.tostring(root, method="c14n")


def ptest_fixture(name: str) -> str:
    return (FIXTURES / "seed" / f"ptest-{name}.txt").read_text()


# -- the ptest log parser (pure, on the real 1.0.9 logs) ----------------------------------------


@pytest.mark.parametrize(
    ("name", "want"),
    [
        ("move", ["will move vm-beta node1 → node2"]),
        ("stop", ["will stop vm-alpha on node1"]),
        ("standby", ["will move vm-alpha node1 → node2", "will move vm-beta node1 → node2"]),
        ("start-ms", ["will start d:0 on node1", "will start d:1 on node2"]),
        (
            "standby-ms",
            [
                "will move vm-alpha node1 → node2",
                "will move vm-beta node1 → node2",
                "will demote d:0 on node1",
                "will stop d:0 on node1",
            ],
        ),
        ("recover", ["will recover vm-beta on node1"]),
        ("restart", ["will restart vm-beta on node1"]),
    ],
)
def test_ptest_logs_read_as_the_actions_of_the_transition(name: str, want: list[str]) -> None:
    actions = parse_ptest_actions(ptest_fixture(name))
    assert [a.describe() for a in actions] == want


def test_ptest_actions_carry_roles_and_primitives() -> None:
    demote, stop = parse_ptest_actions(ptest_fixture("standby-ms"))[2:]
    assert (demote.action, demote.role, demote.next_role, demote.node) == (
        "demote",
        "Master",
        "Stopped",
        "node1",
    )
    assert (stop.action, stop.primitive, stop.node) == ("stop", "d", "node1")
    [move] = parse_ptest_actions(ptest_fixture("move"))
    assert (move.source, move.dest, move.role) == ("node1", "node2", "Started")


def test_the_ptest_run_on_a_node_is_a_read_a_read_only_cluster_allows() -> None:
    from hatui.actions.readonly import is_read_only_argv

    assert is_read_only_argv(PTEST_ARGV) and is_read_only_argv(("sudo", "-n", *PTEST_ARGV))


def test_a_log_without_logactions_or_with_an_unknown_one_is_refused() -> None:
    with pytest.raises(PtestOutputError, match="no LogActions"):
        parse_ptest_actions("Allocation scores:\nnative_color: vm1 allocation score on n1: 0\n")
    with pytest.raises(PtestOutputError, match="does not know"):
        parse_ptest_actions("ptest[1]: x notice: LogActions: Teleport resource vm1\t(n1)\n")
    assert parse_ptest_actions("ptest[1]: notice: LogActions: Leave resource vm1\t(Stopped)\n") == ()


# -- the 1.0 CIB editor ----------------------------------------------------------------------------


@needs_seed_samples
def test_a_cib_in_the_1_0_schema_is_recognised() -> None:
    assert is_cib10(SEED_CIB.read_text())
    assert is_cib10('<cib validate-with="pacemaker-0.7"/>') and is_cib10("<cib/>")
    assert not is_cib10('<cib validate-with="pacemaker-3.9"/>')
    assert not is_cib10('<cib validate-with="pacemaker-1.2"/>')
    if (LAB_SAMPLES / "live-3node-cib.xml").is_file():
        assert not is_cib10((LAB_SAMPLES / "live-3node-cib.xml").read_text())
    assert dc_version(SEED_CIB.read_text()) == "1.0.9"


EDITS = [
    [("crm_resource", "-r", "vm-alpha", "--meta", "-p", "target-role", "-v", "Stopped")],
    [
        ("crm_resource", "-r", "vm-alpha", "--meta", "-p", "target-role", "-v", "Stopped"),
        ("crm_resource", "-r", "vm-alpha", "--meta", "-p", "target-role", "-v", "Started"),
    ],
    [("crm_attribute", "-t", "nodes", "-N", "node1", "-n", "standby", "-v", "on")],
    [
        ("crm_attribute", "-t", "nodes", "-N", "node1", "-n", "standby", "-v", "on"),
        ("crm_attribute", "-t", "nodes", "-N", "node1", "-n", "standby", "-D"),
    ],
    [("crm_attribute", "-t", "crm_config", "-n", "maintenance-mode", "-v", "true")],
    [("crm_attribute", "-t", "crm_config", "-n", "symmetric-cluster", "-v", "true")],
    [("crm_attribute", "-t", "status", "-N", "node1", "-n", "fail-count-vm-alpha", "-v", "3")],
    [("crm_attribute", "-t", "rsc_defaults", "-n", "resource-stickiness", "-v", "100")],
    [("crm_standby", "-N", "node2", "-v", "on"), ("crm_standby", "-N", "node2", "-D")],
    [
        (
            "cibadmin",
            "-C",
            "-o",
            "constraints",
            "-X",
            '<rsc_location id="cli-ban-vm-alpha-on-node2" rsc="vm-alpha" node="node2" score="-INFINITY"/>',
        )
    ],
    [("cibadmin", "-D", "-o", "constraints", "-X", '<rsc_location id="loc-alpha-node1"/>')],
    [("cibadmin", "-D", "-o", "constraints", "-X", '<rsc_location id="not-there"/>')],
]


@needs_seed_samples
@pytest.mark.parametrize("edits", EDITS, ids=lambda e: " + ".join(" ".join(x[:7]) for x in e)[:80])
def test_the_editor_writes_exactly_what_the_real_1_0_9_tools_write(
    edits: list[tuple[str, ...]], tmp_path: Path
) -> None:
    prefix = seed_prefix()
    copy = tmp_path / "cib.xml"
    shutil.copyfile(SEED_CIB, copy)
    env = dict(os.environ, CIB_file=str(copy), PATH=seed_path(prefix))
    for edit in edits:
        subprocess.run(edit, env=env, check=True, capture_output=True)
    assert canonical(apply_edits(SEED_CIB.read_text(), edits)) == canonical(copy.read_text())


@needs_seed_samples
def test_the_move_forms_equal_what_crm_resource_M_f_writes(tmp_path: Path) -> None:
    prefix = seed_prefix()
    copy = tmp_path / "cib.xml"
    shutil.copyfile(SEED_CIB, copy)
    env = dict(os.environ, CIB_file=str(copy), PATH=seed_path(prefix))
    subprocess.run(
        ("crm_resource", "-M", "-r", "vm-beta", "-N", "node2", "-f"), env=env, check=True, capture_output=True
    )
    moved = apply_edits(SEED_CIB.read_text(), move_edits("vm-beta", "node1", "node2"))
    assert canonical(moved) == canonical(copy.read_text())
    subprocess.run(("crm_resource", "-U", "-r", "vm-beta"), env=env, check=True, capture_output=True)
    assert canonical(apply_edits(moved, unmove_edits("vm-beta"))) == canonical(copy.read_text())


@needs_seed_samples
def test_edits_the_editor_cannot_do_are_refused_not_skipped() -> None:
    cib = SEED_CIB.read_text()
    cases = [
        (("crm_resource", "--ban", "-r", "vm-beta", "-N", "node1"), "unknown"),
        (("crm_simulate", "-x", "f"), "not an edit"),
        (
            ("crm_attribute", "-t", "nodes", "-N", "nodeX", "-n", "standby", "-v", "on"),
            "no node called nodeX",
        ),
        (("crm_resource", "-r", "ghost", "--meta", "-p", "target-role", "-v", "Stopped"), "ghost not found"),
        (
            ("cibadmin", "-C", "-o", "constraints", "-X", '<rsc_location id="loc-alpha-node1"/>'),
            "already exists",
        ),
        (("cibadmin", "-C", "-o", "constraints", "-X", "<broken"), "does not parse"),
    ]
    for edit, why in cases:
        with pytest.raises(CibEditError, match=why):
            apply_edits(cib, [edit])
    with pytest.raises(CibEditError, match="not a CIB"):
        apply_edits("<constraints/>", [])


# -- the preview on a 1.0 CIB ---------------------------------------------------------------------


class CibTransport:
    """Answers ``cibadmin -Q`` with a CIB, as a node would; anything else is not expected."""

    def __init__(self, node: str, cib: str) -> None:
        self.node = node
        self.cib = cib
        self.calls: list[tuple[str, ...]] = []

    async def run(self, argv: Sequence[str], *, timeout: float, stdin: str | None = None) -> object:
        from hatui.transport.base import CommandResult

        self.calls.append(tuple(argv))
        assert tuple(argv) == ("cibadmin", "-Q")
        return CommandResult(tuple(argv), 0, self.cib, "")


MOVE_PLAN = plan_of(
    ("prefer node2, ban node1", move_edits("vm-beta", "node1", "node2")),
    ("clear the constraints the move made", unmove_edits("vm-beta")),
)


@needs_seed_samples
@needs_crm_simulate
async def test_a_1_0_cib_is_simulated_by_crm_simulate_here_in_both_phases() -> None:
    transport = CibTransport("node1", SEED_CIB.read_text())
    preview = await preview_plan(MOVE_PLAN, transport, tools=Tools())  # type: ignore[arg-type]
    lines = preview.lines()
    assert lines[0].startswith("preview: crm_simulate 2.") and lines[0].endswith(" (this machine)")
    assert lines[1:] == [
        "prefer node2, ban node1:",
        "  will move vm-beta node1 → node2",
        "clear the constraints the move made:",
        "  no change",
    ]


@needs_seed_samples
@needs_crm_simulate
async def test_a_prefer_alone_moves_nothing_on_1_0_either() -> None:
    [stage] = await simulate_stages(
        SEED_CIB.read_text(), [("prefer", move_edits("vm-beta", "node1", "node2")[1:])], cib10=True
    )
    assert stage.actions == ()


RESTART_PLAN = plan_of(
    ("stop vm-alpha", [("crm_resource", "-r", "vm-alpha", "--meta", "-p", "target-role", "-v", "Stopped")]),
    ("start vm-alpha", [("crm_resource", "-r", "vm-alpha", "--meta", "-p", "target-role", "-v", "Started")]),
)
STANDBY_PLAN = plan_of(
    ("standby node1", [("crm_attribute", "-t", "nodes", "-N", "node1", "-n", "standby", "-v", "on")]),
    ("online node1", [("crm_attribute", "-t", "nodes", "-N", "node1", "-n", "standby", "-D")]),
)
PTEST_LINES = {
    "move": [
        "prefer node2, ban node1:",
        "  will move vm-beta node1 → node2",
        "clear the constraints the move made:",
        "  no change",
    ],
    "restart": [
        "stop vm-alpha:",
        "  will stop vm-alpha on node1",
        "start vm-alpha:",
        "  will start vm-alpha on node1",
    ],
    "standby": [
        "standby node1:",
        "  will move vm-alpha node1 → node2",
        "  will move vm-beta node1 → node2",
        "online node1:",
        "  no change",
    ],
}


@needs_seed_samples
@pytest.mark.parametrize(
    ("name", "plan"), [("move", MOVE_PLAN), ("restart", RESTART_PLAN), ("standby", STANDBY_PLAN)]
)
async def test_without_crm_simulate_here_the_nodes_own_ptest_previews_every_phase_of_a_1_0_plan(
    name: str, plan: Plan, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    prefix = seed_prefix()
    copy = tmp_path / "cib.xml"
    shutil.copyfile(SEED_CIB, copy)
    # This process is the node: its PATH has the 1.0.9 tools and not this machine's crm_simulate.
    monkeypatch.setenv("PATH", seed_path(prefix, with_local_pacemaker=False))
    monkeypatch.setenv("CIB_file", str(copy))
    assert shutil.which("crm_simulate") is None
    preview = await preview_plan(plan, LocalTransport("node1"), tools=Tools())
    # A later phase starts from the status the earlier transition leaves (ptest writes none): the
    # restart's start is a start, not a restart for a changed definition; nothing moves back.
    assert preview.lines() == ["preview: ptest 1.0.9 on node1", *PTEST_LINES[name]]
    assert "cli-prefer" not in copy.read_text() and "standby" not in copy.read_text(), (
        "the CIB is never edited"
    )


@needs_seed_samples
@needs_crm_simulate
@pytest.mark.parametrize(
    ("name", "plan"), [("move", MOVE_PLAN), ("restart", RESTART_PLAN), ("standby", STANDBY_PLAN)]
)
async def test_crm_simulate_here_and_ptest_there_agree_on_a_1_0_plan(name: str, plan: Plan) -> None:
    preview = await preview_plan(plan, CibTransport("node1", SEED_CIB.read_text()), tools=Tools())  # type: ignore[arg-type]
    # ptest's log gives no reasons; crm_simulate's XML does ("due to node availability").
    assert [line.split(" (due to ")[0] for line in preview.lines()[1:]] == PTEST_LINES[name]


def test_a_transition_on_a_node_without_status_cannot_be_carried_over() -> None:
    cib = '<cib validate-with="pacemaker-1.0"><configuration/><status/></cib>'
    with pytest.raises(TransitionError, match="no status for node n1"):
        after_transition(cib, [SimAction("start", "vm1", node="n1")])


@needs_seed_samples
async def test_a_node_without_ptest_gives_no_preview_and_says_why(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")

    class NoPtest(CibTransport):
        async def run(self, argv: Sequence[str], *, timeout: float, stdin: str | None = None) -> object:
            from hatui.transport.base import CommandResult

            if tuple(argv) == ("cibadmin", "-Q"):
                return CommandResult(tuple(argv), 0, self.cib, "")
            assert stdin is not None and "cli-prefer-vm-beta" in stdin or "cli-" not in (stdin or "")
            return CommandResult(tuple(argv), 127, "", "ptest: command not found")

    preview = await preview_plan(MOVE_PLAN, NoPtest("node1", SEED_CIB.read_text()), tools=Tools())  # type: ignore[arg-type]
    assert preview.stages == ()
    assert preview.lines() == ["preview: ptest 1.0.9 on node1", "no preview: node1 has no ptest"]


# -- the plans' own 1.0 edits, against what their real commands do ---------------------------------


def seed_builder_cases() -> list[tuple[str, list[Command]]]:
    from hatui.actions import commands as cmd
    from hatui.model.capture import StackInfo

    t = cmd.tools_for(StackInfo(pacemaker_version="1.0.9"))
    assert t.v1_0 and t.shell == "pacemaker"
    kw = {"run_on": "node1", "tools": t}
    marker = "hatui-inflight-move_resource-1796484997-570-3388-vm"
    count: tuple[str, ...] = (
        "crm_attribute",
        "-t",
        "status",
        "-N",
        "node1",
        "-n",
        "fail-count-vm-alpha",
        "-v",
        "3",
    )
    failed = Command(count, "node1", Danger.CHANGE, "a fail-count to delete", (count,))
    return [
        ("standby, online", [cmd.node_standby("node1", True, **kw), cmd.node_standby("node1", False, **kw)]),
        ("cluster maintenance", [cmd.cluster_maintenance(True, **kw)]),
        ("stop", [cmd.target_role("vm-alpha", False, danger=Danger.CHANGE, **kw)]),
        ("ban where it runs", [cmd.ban("vm-beta", "node1", runs_on=("node1",), **kw)]),
        ("ban elsewhere", [cmd.ban("vm-beta", "node2", runs_on=("node1",), **kw)]),
        ("move, clear", [cmd.move_forced("vm-beta", "node2", "node1", **kw), cmd.clear("vm-beta", **kw)]),
        ("prefer", [cmd.prefer("vm-beta", "node2", **kw)]),
        ("marker", [cmd.marker_add(marker, "vm-beta", **kw), cmd.marker_remove(marker, **kw)]),
        ("fail-count delete", [failed, cmd.failcount_delete("vm-alpha", "node1", **kw)]),
    ]


@needs_seed_samples
@pytest.mark.parametrize("case", range(9))
def test_each_1_0_builders_sim_edits_equal_what_its_real_command_does(case: int, tmp_path: Path) -> None:
    prefix = seed_prefix()
    label, commands = seed_builder_cases()[case]
    copy = tmp_path / "cib.xml"
    shutil.copyfile(SEED_CIB, copy)
    env = dict(os.environ, CIB_file=str(copy), PATH=seed_path(prefix))
    simulated = SEED_CIB.read_text()
    for c in commands:
        done = subprocess.run(c.argv, env=env, capture_output=True, text=True, check=False)
        assert done.returncode == 0, f"{label}: {c.line}: {done.stderr}"
        # The in-flight marker has no sim edit (it places nothing): its own cibadmin argv is one.
        simulated = apply_edits(simulated, c.sim or (c.argv,))
        assert canonical(simulated) == canonical(copy.read_text()), f"{label}: {c.line}"
