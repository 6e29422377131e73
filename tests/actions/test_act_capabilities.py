"""Capabilities: what each generation's tools accept, read from a detected stack."""

from __future__ import annotations

import pytest

from hatui.actions.commands import CRMSH, PACEMAKER, PCS, tools_for
from hatui.model.capabilities import MODERN, Generation, capabilities, quorum_from, version_tuple
from hatui.model.stack import StackInfo

SEED_OPTIONS = frozenset(
    {"resource", "list", "locate", "move", "un-move", "node", "force", "meta", "cleanup", "fail"}
)
MODERN_OPTIONS = SEED_OPTIONS | {"ban", "clear", "restart", "why", "wait", "output-as"}

#: The reference cluster's node as detected: Pacemaker 1.0.9 with its crm shell, Corosync 1.2.1,
#: DRBD 8.3.7 and xm.
SEED = StackInfo(
    crm_mon="text",
    pacemaker_version="1.0.9",
    drbd="8",
    drbd_version="8.3.7",
    vm_tool="xm",
    corosync_tools=True,
    crm_shell="crmsh",
    corosync_version="1.2.1",
    tools=frozenset({"xm", "xentop", "corosync-cfgtool", "corosync-quorumtool", "crm", "drbdadm", "ptest"}),
    crm_resource_options=SEED_OPTIONS,
    xentop=True,
)
TODAY = StackInfo(
    crm_mon="output-as-xml",
    pacemaker_version="2.1.5",
    drbd="9-json",
    drbd_version="9.2.5",
    vm_tool="xl",
    corosync_tools=True,
    crm_shell="both",
    corosync_version="3.1.7",
    tools=frozenset({"xl", "corosync-cfgtool", "corosync-quorumtool", "crm", "pcs", "crm_simulate"}),
    crm_resource_options=MODERN_OPTIONS,
)


def test_the_seed_node_lacks_what_pacemaker_1_0_9_lacks() -> None:
    c = capabilities(SEED)
    assert c.generation is Generation.V1_0
    assert not (c.ban_clear or c.restart or c.why or c.wait or c.node_maintenance)
    assert (c.scheduler, c.crm_shell, c.pcs) == ("ptest", "crm-1.0", False)
    assert (c.drbd_syntax, c.drbd_force_primary) == ("8.3", ("--overwrite-data-of-peer",))
    assert (c.corosync_major, c.quorum_from) == (1, "pacemaker")
    assert c.lacks("node_maintenance") == "Pacemaker 1.0.9 has no per-node maintenance"
    assert c.lacks("ban_clear") == "Pacemaker 1.0.9 has no crm_resource --ban/--clear"


def test_a_modern_node_has_everything() -> None:
    c = capabilities(TODAY)
    assert c.generation is Generation.V2
    assert c.ban_clear and c.restart and c.why and c.wait and c.node_maintenance
    assert (c.scheduler, c.crm_shell, c.pcs) == ("crm_simulate", "crmsh", True)
    assert (c.drbd_syntax, c.drbd_force_primary) == ("9", ("--force",))
    assert (c.corosync_major, c.quorum_from) == (3, "corosync")


def test_nothing_detected_reads_as_todays_tools() -> None:
    c = capabilities(StackInfo())
    assert c == MODERN
    assert c.generation is Generation.UNKNOWN
    assert c.ban_clear and c.restart and c.why and c.wait and c.node_maintenance
    assert c.quorum_from == "corosync"
    assert c.lacks("why") == "this node's Pacemaker has no crm_resource --why"


def test_the_help_text_settles_what_the_version_alone_would_guess() -> None:
    # A 1.1.10 that lists --ban in its help has it, whatever the release table says.
    assert capabilities(StackInfo(pacemaker_version="1.1.7", crm_resource_options=MODERN_OPTIONS)).ban_clear
    assert not capabilities(StackInfo(pacemaker_version="2.1.5", crm_resource_options=SEED_OPTIONS)).why
    # Without a help text, the version decides.
    old11 = capabilities(StackInfo(pacemaker_version="1.1.7"))
    assert old11.generation is Generation.V1_1 and not old11.ban_clear and not old11.why
    new11 = capabilities(StackInfo(pacemaker_version="1.1.20-5.el7_7.2"))
    assert new11.ban_clear and new11.restart and new11.why and new11.node_maintenance


def test_a_text_only_crm_mon_without_version_is_pacemaker_1_0() -> None:
    c = capabilities(StackInfo(crm_mon="text"))
    assert c.generation is Generation.V1_0
    assert not c.ban_clear
    assert c.lacks("node_maintenance") == "Pacemaker 1.0 has no per-node maintenance"


@pytest.mark.parametrize(
    ("version", "drbd", "option"),
    [
        ("8.3.7", "8", "--overwrite-data-of-peer"),
        ("8.3.8", "8", "--force"),
        ("8.3.11", "8", "--force"),
        (None, "8", "--overwrite-data-of-peer"),
        ("8.4.11", "8", "--force"),
        ("9.2.5", "9-json", "--force"),
    ],
)
def test_drbd_force_primary_option_by_version(version: str | None, drbd: str, option: str) -> None:
    assert capabilities(StackInfo(drbd=drbd, drbd_version=version)).drbd_force_primary == (option,)


@pytest.mark.parametrize(
    ("stack", "want"),
    [
        (StackInfo(corosync_version="1.2.1", pacemaker_version="1.1.20"), "pacemaker"),
        (StackInfo(corosync_version="2.4.5", pacemaker_version="1.1.20"), "corosync"),
        (StackInfo(pacemaker_version="1.0.9"), "pacemaker"),
        (StackInfo(pacemaker_version="2.1.5"), "corosync"),
    ],
)
def test_quorum_comes_from_corosync_only_from_corosync_2(stack: StackInfo, want: str) -> None:
    assert quorum_from(stack) == want


def test_the_quorumtool_source_runs_only_where_corosync_tells_the_quorum() -> None:
    from hatui.sources.commands import commands_for

    assert "corosync_quorumtool" not in commands_for(SEED)
    assert "corosync_cfgtool" in commands_for(SEED)
    assert "corosync_quorumtool" in commands_for(TODAY)
    assert "corosync_quorumtool" in commands_for(StackInfo(corosync_tools=True))


def test_version_tuple() -> None:
    assert version_tuple("1.0.9-74392a28b7f31d7ddc86689598bd23114f58978b") == (1, 0, 9)
    assert version_tuple("1.1.20-5.el7_7.2") == (1, 1, 20)
    assert version_tuple("") is None
    assert version_tuple("unknown") is None


@pytest.mark.parametrize(
    ("shell", "want"),
    [("auto", CRMSH), ("crmsh", CRMSH), ("pacemaker", PACEMAKER), ("pcs", PACEMAKER)],
)
def test_auto_on_pacemaker_1_0_is_its_crm_shell(shell: str, want: str) -> None:
    tools = tools_for(SEED, shell=shell)
    assert tools.shell == want
    assert tools.v1_0
    assert tools.caps.crm_shell == "crm-1.0"


def test_auto_on_a_modern_node_stays_the_raw_tools() -> None:
    assert tools_for(TODAY, shell="auto").shell == PACEMAKER
    assert tools_for(TODAY, shell="pcs").shell == PCS
    assert tools_for(TODAY, shell="crmsh").shell == CRMSH
    # 1.0 without its shell installed: the raw 1.0 tools.
    bare = StackInfo(pacemaker_version="1.0.9", crm_shell="absent", tools=frozenset({"ptest"}))
    assert tools_for(bare, shell="auto").shell == PACEMAKER


def test_manifest_round_trip_keeps_the_new_fields_sorted() -> None:
    data = SEED.to_json()
    assert data["tools"] == sorted(SEED.tools or ())
    assert data["crm_resource_options"] == sorted(SEED_OPTIONS)
    assert data["corosync_version"] == "1.2.1"
    assert data["xentop"] is True
    assert StackInfo.from_json(data) == SEED
    # A manifest written before these fields reads them as not detected.
    old = StackInfo.from_json({"crm_mon": "text", "pacemaker_version": "1.0.9"})
    assert old.tools is None and old.crm_resource_options is None and old.corosync_version is None
