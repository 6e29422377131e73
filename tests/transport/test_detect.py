"""Stack detection: the pure reading of probe outputs, and one detection batch on a fake node."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hatui.model.capture import StackInfo
from hatui.sources.commands import DETECT_COMMANDS, commands_for
from hatui.sources.detect import ROOT_PROBES, probe_commands, stack_from_probes
from hatui.transport.base import CommandResult
from hatui.transport.local import LocalTransport
from support import CORPUS, corpus_files, needs_shared


def res(stdout: str = "", status: int | None = 0, stderr: str = "") -> CommandResult:
    return CommandResult(argv=("probe",), exit_status=status, stdout=stdout, stderr=stderr)


NOT_FOUND = res("", 127, "sh: 1: crm_mon: not found")

# Pacemaker 2.1.5 (the lab), as the binary prints it (extract of --help-all).
HELP_21 = """Usage:
  crm_mon [OPTION?]

Output Options:
  --output-as=FORMAT                Specify output format as one of: console (default), html, text, xml
  --output-to=DEST                  Specify file name for output (or "-" for stdout)

Deprecated Options:
  -X, --as-xml                      Write cluster status as XML to stdout. This will enable one-shot mode.
                                    Use --output-as=xml instead.
"""
VERSION_21 = "Pacemaker 2.1.5\nWritten by Andrew Beekhof and the Pacemaker project contributors\n"
# Pacemaker 1.1 does not know --help-all; crm_help() prints its option table (tools/crm_mon.c).
HELP_11 = """crm_mon: unrecognized option '--help-all'
crm_mon - Provides a summary of cluster's current state.

Usage: crm_mon mode [options]
Options:
 -?, --help \t\tThis text
 -$, --version \t\tVersion information
Modes (mutually exclusive):
 -h, --as-html=value\tWrite cluster status to the named html file
 -X, --as-xml \t\tWrite cluster status as xml to stdout. This will enable one-shot mode.
"""
VERSION_11 = (
    "Pacemaker 1.1.20-5.el7_7.2 (Build: 3c4c782f70)\n"
    " Supporting v3.0.14:  generated-manpages agent-manpages\n"
)
# Pacemaker 1.0: neither XML option.
HELP_10 = "crm_mon: unrecognized option '--help-all'\nusage: crm_mon [-V] [-p|-h|-X] [-i interval] ...\n"

# drbd-utils 9.22 on this Debian 12 test machine, without the kernel module.
ADM_NO_MODULE = """DRBDADM_BUILDTAG=GIT-hash:\\ 409097fe02187f83790b88ac3e0d94f3c167adab\\ reproducible
DRBDADM_API_VERSION=2
DRBD_KERNEL_VERSION_CODE=0x000000
DRBD_KERNEL_VERSION=0
DRBDADM_VERSION_CODE=0x091600
DRBDADM_VERSION=9.22.0
"""
ADM_9 = ADM_NO_MODULE.replace("0x000000", "0x090205").replace("VERSION=0\n", "VERSION=9.2.5\n")
PROC_9 = (
    "version: 9.2.5 (api:2/proto:86-122)\nGIT-hash: 7ab9d12c7e3e2bb7ab2e5b7b7c6e84b3b0c1ce19 build by x@y\n"
)
DRBD_9_JSON = '[\n{\n  "name": "r0",\n  "node-id": 0,\n  "role": "Primary"\n}\n]\n'
NO_PROC = res("", 1, "head: cannot open '/proc/drbd' for reading: No such file or directory")
NO_SETUP = res("", 20, "Failed to modprobe drbd (No such file or directory)")


def probes(**overrides: CommandResult) -> dict[str, CommandResult]:
    """A node with nothing installed, then the overrides."""
    base = {
        "crm_mon_version": NOT_FOUND,
        "crm_mon_help": NOT_FOUND,
        "proc_drbd_head": NO_PROC,
        "drbdsetup_json": res("", 127, "drbdsetup: not found"),
        "drbdadm_version": res("", 127, "drbdadm: not found"),
        "which": res(""),
    }
    base.update(overrides)
    return base


def test_bare_node_detects_everything_absent() -> None:
    stack = stack_from_probes(probes())
    assert stack == StackInfo(
        crm_mon="absent",
        pacemaker_version=None,
        drbd="absent",
        drbd_version=None,
        vm_tool="absent",
        corosync_tools=False,
        crm_shell="absent",
        tools=frozenset(),
        xentop=False,
    )
    assert commands_for(stack) == {}


@pytest.mark.parametrize(
    ("help_", "version", "flavour", "pcmk"),
    [
        (res(HELP_21), res(VERSION_21), "output-as-xml", "2.1.5"),
        (res("", 0, HELP_11), res(VERSION_11), "as-xml", "1.1.20-5.el7_7.2"),
        (res(HELP_11, 64), res(VERSION_11), "as-xml", "1.1.20-5.el7_7.2"),
        (res("", 64, HELP_10), res("crm_mon 1.0.5 (Build: 462f1569a437)\n"), "text", "1.0.5"),
        (NOT_FOUND, NOT_FOUND, "absent", None),
    ],
    ids=["2.1-output-as", "1.1-help-on-stderr", "1.1-exit-64", "1.0-text", "absent"],
)
def test_crm_mon_flavour_and_version(
    help_: CommandResult, version: CommandResult, flavour: str, pcmk: str | None
) -> None:
    stack = stack_from_probes(probes(crm_mon_help=help_, crm_mon_version=version))
    assert (stack.crm_mon, stack.pacemaker_version) == (flavour, pcmk)


def test_crm_mon_flavour_picks_the_status_command() -> None:
    xml = commands_for(stack_from_probes(probes(crm_mon_help=res(HELP_21))))
    assert xml["crm_mon.xml"][:2] == ("crm_mon", "--output-as=xml")
    legacy = commands_for(stack_from_probes(probes(crm_mon_help=res("", 0, HELP_11))))
    assert "--as-xml" in legacy["crm_mon.xml"]
    text = commands_for(stack_from_probes(probes(crm_mon_help=res("", 64, HELP_10))))
    assert "crm_mon.txt" in text
    assert "crm_mon.xml" not in text


@needs_shared
@pytest.mark.parametrize("sample", corpus_files("proc_drbd"), ids=lambda p: p.name)
def test_proc_drbd_8_from_every_corpus_header(sample: Path) -> None:
    head = "".join(sample.read_text().splitlines(keepends=True)[:2])
    stack = stack_from_probes(probes(proc_drbd_head=res(head), drbdadm_version=res(ADM_9)))
    assert stack.drbd == "8"
    # The file names carry the version the header shows (cfs-8.3.11-..., ganeti-8.0.12-...).
    named = re.search(r"-(8\.\d+\.\d+)", sample.name)
    assert named is not None
    if "no-version-line" in sample.name:
        assert stack.drbd_version is None
    else:
        assert stack.drbd_version is not None
        assert stack.drbd_version.startswith(named.group(1))


@pytest.mark.parametrize(
    ("proc", "setup", "adm", "drbd", "version"),
    [
        (res(PROC_9), res(DRBD_9_JSON), res(ADM_9), "9-json", "9.2.5"),
        (res(PROC_9), res("", 20, "unknown option --json"), res(ADM_9), "9-drbdadm", "9.2.5"),
        (NO_PROC, res("[]\n"), res(ADM_9), "9-json", "9.2.5"),
        (NO_PROC, NO_SETUP, res(ADM_9), "9-drbdadm", "9.2.5"),
        # drbd-utils 9 installed, no kernel module (this very test machine): nothing to watch.
        (NO_PROC, NO_SETUP, res(ADM_NO_MODULE), "absent", None),
        (NO_PROC, NO_SETUP, res("", 127, "not found"), "absent", None),
        # A JSON-looking error text is not a status.
        (res(PROC_9), res("{not json"), res(ADM_9), "9-drbdadm", "9.2.5"),
    ],
    ids=["9-json", "9-old-drbdsetup", "9-json-no-proc", "9-drbdadm", "utils-only", "none", "bad-json"],
)
def test_drbd_9_and_absent(
    proc: CommandResult, setup: CommandResult, adm: CommandResult, drbd: str, version: str | None
) -> None:
    stack = stack_from_probes(probes(proc_drbd_head=proc, drbdsetup_json=setup, drbdadm_version=adm))
    assert (stack.drbd, stack.drbd_version) == (drbd, version)


@pytest.mark.parametrize(
    ("which", "vm", "corosync", "shell"),
    [
        ("xl\nxm\nvirsh\ncorosync-cfgtool\ncorosync-quorumtool\ncrm\npcs\ndrbdadm\n", "xl", True, "both"),
        ("xm\nvirsh\ncorosync-cfgtool\ncrm\n", "xm", True, "crmsh"),
        ("virsh\ncorosync-quorumtool\npcs\n", "virsh", True, "pcs"),
        ("drbdadm\n", "absent", False, "absent"),
    ],
)
def test_tools_from_the_which_probe(which: str, vm: str, corosync: bool, shell: str) -> None:
    stack = stack_from_probes(probes(which=res(which)))
    assert (stack.vm_tool, stack.corosync_tools, stack.crm_shell) == (vm, corosync, shell)


def test_missing_probe_results_mean_not_detected() -> None:
    assert stack_from_probes({}) == StackInfo()
    cut = probes()
    cut["which"] = res("", None, "no result: the batch ended")
    stack = stack_from_probes(cut)
    assert (stack.vm_tool, stack.corosync_tools, stack.crm_shell) == (None, None, None)


def test_sudo_goes_only_on_probes_that_need_root() -> None:
    plain = probe_commands()
    assert plain == DETECT_COMMANDS
    with_sudo = probe_commands(sudo=True)
    for name, argv in with_sudo.items():
        if name in ROOT_PROBES:
            assert argv == ("sudo", "-n", *DETECT_COMMANDS[name])
        else:
            assert argv == DETECT_COMMANDS[name]


@needs_shared
async def test_probes_run_as_one_batch_on_a_fake_node(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from support.sshd import install_stack_tools

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    calls = tmp_path / "calls.log"
    install_stack_tools(bin_dir, calls)
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    # As the collector detects: one batch of probes, read by the pure part.
    stack = stack_from_probes(await LocalTransport("n1").run_batch(probe_commands(), timeout=10))
    assert stack.crm_mon == "output-as-xml"
    assert stack.pacemaker_version == "2.1.5"
    assert (stack.drbd, stack.drbd_version) == ("9-json", "9.2.5")
    assert stack.vm_tool == "xl"
    assert stack.corosync_tools is True
    assert stack.crm_shell in ("crmsh", "both")
    assert "crm_mon --help-all" in calls.read_text()
    assert CORPUS.is_dir()
