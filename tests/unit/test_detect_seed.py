"""Detection on what the real Pacemaker 1.0.9 tools print, and on today's tools.

The 1.0.9 outputs are our own captures of the real build (``tests/fixtures/seed``, each with a
header saying how it was made) and the seed lab's samples (read in place from ../shared).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from hatui.model.capabilities import Generation, capabilities
from hatui.sources.commands import DETECT_COMMANDS, PROBED_TOOLS
from hatui.sources.detect import stack_from_probes
from hatui.transport.base import CommandResult
from support import FIXTURES, SHARED

SEED_FIXTURES = FIXTURES / "seed"


def captured(path: Path) -> tuple[str, int]:
    """The text and exit status of a capture: ``# `` header lines, ``$ command``, output, ``rc=N``."""
    lines = [ln for ln in path.read_text().splitlines(keepends=True) if not ln.startswith("# ")]
    assert lines[0].startswith("$ ") and lines[-1].startswith("rc=")
    return "".join(lines[1:-1]), int(lines[-1].strip()[3:])


def stderr_of(path: Path) -> CommandResult:
    text, rc = captured(path)
    return CommandResult(("probe",), rc, "", text)


def stdout_of(path: Path) -> CommandResult:
    text, rc = captured(path)
    return CommandResult(("probe",), rc, text, "")


def res(stdout: str, rc: int = 0) -> CommandResult:
    return CommandResult(("probe",), rc, stdout, "")


SEED_WHICH = "xm\nxentop\ncorosync-cfgtool\ncorosync-quorumtool\ncrm\ndrbdadm\nptest\ncrm_standby\n"


def seed_probes() -> dict[str, CommandResult]:
    return {
        "crm_mon_version": stdout_of(SEED_FIXTURES / "crm_mon--version.txt"),
        "crm_mon_help": stderr_of(SEED_FIXTURES / "crm_mon--help-all.txt"),
        "crm_resource_help": stderr_of(SEED_FIXTURES / "crm_resource--help-all.txt"),
        "corosync_version": res(
            "Corosync Cluster Engine, version '1.2.1'\nCopyright (c) 2006-2009 Red Hat, Inc.\n"
        ),
        "proc_drbd_head": res(
            "version: 8.3.7 (api:88/proto:86-91)\n"
            "GIT-hash: ea9e28dbff98e331a62bcbcc63a6135808fe2917 build by root@vnode1, 2010-02-01 12:00:00\n"
        ),
        "drbdsetup_json": CommandResult(("probe",), 20, "", "drbdsetup: unknown command 'status'"),
        "drbdadm_version": CommandResult(("probe",), 20, "", "drbdadm: unknown option '--version'"),
        "which": res(SEED_WHICH),
    }


def test_the_seed_node_is_detected_as_pacemaker_1_0_9() -> None:
    stack = stack_from_probes(seed_probes())
    assert (stack.crm_mon, stack.pacemaker_version) == ("text", "1.0.9")
    assert stack.corosync_version == "1.2.1"
    assert stack.tools == frozenset(SEED_WHICH.split())
    assert stack.xentop is True
    opts = stack.crm_resource_options
    assert opts is not None
    assert {"move", "un-move", "force", "cleanup", "meta", "resource", "node"} <= opts
    # The line "crm_resource: unrecognized option '--help-all'" names no option the tool has.
    assert not opts & {"ban", "clear", "restart", "why", "wait", "output-as", "help-all"}
    caps = capabilities(stack)
    assert caps.generation is Generation.V1_0
    assert (caps.scheduler, caps.crm_shell, caps.quorum_from) == ("ptest", "crm-1.0", "pacemaker")
    assert caps.drbd_force_primary == ("--overwrite-data-of-peer",)


def test_the_seed_lab_sample_of_the_help_agrees() -> None:
    sample = SHARED / "seed-lab" / "samples" / "crm_resource--ban.txt"
    if not sample.is_file():
        pytest.skip("../shared/seed-lab is absent")
    # The sample is 1.0.9 answering --ban: its help, after the line naming the unknown option.
    text, rc = captured(sample)
    stack = stack_from_probes({"crm_resource_help": CommandResult(("probe",), rc, "", text)})
    assert stack.crm_resource_options is not None
    assert "ban" not in stack.crm_resource_options
    assert "move" in stack.crm_resource_options


def test_todays_crm_resource_help_lists_ban_clear_why() -> None:
    try:
        run = subprocess.run(("crm_resource", "--help-all"), capture_output=True, text=True, timeout=30)
    except FileNotFoundError:
        pytest.skip("Pacemaker 2 tools are not installed here")
    stack = stack_from_probes(
        {"crm_resource_help": CommandResult(("p",), run.returncode, run.stdout, run.stderr)}
    )
    opts = stack.crm_resource_options
    assert opts is not None and {"ban", "clear", "restart", "why", "wait", "output-as"} <= opts
    caps = capabilities(stack)
    assert caps.ban_clear and caps.why and caps.restart and caps.wait


def test_corosync_3_and_no_answers() -> None:
    three = stack_from_probes({"corosync_version": res("Corosync Cluster Engine, version '3.1.7'\n")})
    assert three.corosync_version == "3.1.7"
    missing = CommandResult(("p",), 127, "", "sh: corosync: not found")
    assert stack_from_probes({"corosync_version": missing}).corosync_version is None
    assert stack_from_probes({"crm_resource_help": missing}).crm_resource_options is None
    # Nothing ran: nothing detected (not "absent").
    empty = stack_from_probes({})
    assert empty.tools is None and empty.xentop is None and empty.corosync_version is None


def test_the_which_probe_looks_for_every_tool_the_capabilities_read() -> None:
    script = DETECT_COMMANDS["which"][-1]
    for tool in ("xentop", "ptest", "crm_simulate", "crm_standby", "crm_failcount", "crm_node", "crm", "pcs"):
        assert tool in PROBED_TOOLS
        assert f" {tool} " in script.replace(";", " ")
    found = subprocess.run(("sh", "-c", script), capture_output=True, text=True, check=True).stdout.split()
    assert set(found) <= set(PROBED_TOOLS)
