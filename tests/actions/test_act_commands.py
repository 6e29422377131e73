"""The command builders give the exact argv each stack expects; no name can escape its argv item."""

from __future__ import annotations

import shlex

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hatui.actions import commands as cmd
from hatui.actions.commands import CRMSH, PACEMAKER, PCS, Danger, Tools, tools_for
from hatui.actions.commands_drbd import (
    drbd,
    drbd_discard_connect,
    drbd_force_primary,
    parse_free_memory,
    vm_console,
    vm_free_memory,
)
from hatui.errors import ActionRefused
from hatui.model.capture import StackInfo
from hatui.transport.batch import quote_argv

RAW, CRM, PCS_ = Tools(shell=PACEMAKER), Tools(shell=CRMSH), Tools(shell=PCS)
#: Cluster maintenance on through crm_attribute: the same words from Pacemaker 1.0.9 to 2.x.
MAINTENANCE_MODE_ON = ("crm_attribute", "-t", "crm_config", "-n", "maintenance-mode", "-v", "true")


@pytest.mark.parametrize(
    ("tools", "on", "argv"),
    [
        (RAW, True, ("crm_attribute", "-t", "nodes", "-N", "vnode2", "-n", "standby", "-v", "on")),
        (RAW, False, ("crm_attribute", "-t", "nodes", "-N", "vnode2", "-n", "standby", "-v", "off")),
        (CRM, True, ("crm", "node", "standby", "vnode2")),
        (CRM, False, ("crm", "node", "online", "vnode2")),
        (PCS_, True, ("pcs", "node", "standby", "vnode2")),
        (PCS_, False, ("pcs", "node", "unstandby", "vnode2")),
    ],
)
def test_standby_per_shell(tools: Tools, on: bool, argv: tuple[str, ...]) -> None:
    c = cmd.node_standby("vnode2", on, run_on="vnode1", tools=tools)
    assert (c.argv, c.node, c.danger) == (argv, "vnode1", Danger.CHANGE)
    # Whatever the shell, the preview applies the raw tool's edit to the CIB copy.
    assert c.sim == (
        ("crm_attribute", "-t", "nodes", "-N", "vnode2", "-n", "standby", "-v", "on" if on else "off"),
    )


def test_maintenance_per_shell() -> None:
    assert cmd.node_maintenance("n1", True, run_on="n2", tools=RAW).argv == (
        "crm_attribute",
        "-t",
        "nodes",
        "-N",
        "n1",
        "-n",
        "maintenance",
        "-v",
        "true",
    )
    assert cmd.node_maintenance("n1", False, run_on="n2", tools=CRM).argv == ("crm", "node", "ready", "n1")
    assert cmd.node_maintenance("n1", True, run_on="n2", tools=PCS_).argv == (
        "pcs",
        "node",
        "maintenance",
        "n1",
    )
    assert cmd.cluster_maintenance(True, run_on="n1", tools=RAW).argv == MAINTENANCE_MODE_ON
    assert cmd.cluster_maintenance(False, run_on="n1", tools=CRM).argv == (
        "crm",
        "configure",
        "property",
        "maintenance-mode=false",
    )
    assert cmd.cluster_maintenance(True, run_on="n1", tools=PCS_).argv == (
        "pcs",
        "property",
        "set",
        "maintenance-mode=true",
    )


def test_resource_commands_per_shell() -> None:
    assert cmd.ban("vm1", "n1", run_on="n2", tools=RAW).argv == (
        "crm_resource",
        "--ban",
        "-r",
        "vm1",
        "-N",
        "n1",
    )
    assert cmd.ban("vm1", "n1", run_on="n2", tools=CRM).argv == ("crm", "resource", "ban", "vm1", "n1")
    assert cmd.ban("vm1", "n1", run_on="n2", tools=PCS_).argv == ("pcs", "resource", "ban", "vm1", "n1")
    assert cmd.prefer("vm1", "n2", run_on="n2", tools=RAW).argv == (
        "crm_resource",
        "--move",
        "-r",
        "vm1",
        "-N",
        "n2",
    )
    assert cmd.prefer("vm1", "n2", run_on="n2", tools=CRM).argv == ("crm", "resource", "move", "vm1", "n2")
    # pcs 0.11's move waits and removes its own constraint: the prefer step stays crm_resource.
    assert cmd.prefer("vm1", "n2", run_on="n2", tools=PCS_).argv[0] == "crm_resource"
    assert cmd.clear("vm1", run_on="n1", tools=RAW).argv == ("crm_resource", "--clear", "-r", "vm1")
    assert cmd.clear("vm1", run_on="n1", tools=RAW, node="n2").argv == (
        "crm_resource",
        "--clear",
        "-r",
        "vm1",
        "-N",
        "n2",
    )
    assert cmd.clear("vm1", run_on="n1", tools=CRM).argv == ("crm", "resource", "clear", "vm1")
    assert cmd.clear("vm1", run_on="n1", tools=PCS_, node="n2").argv == (
        "pcs",
        "resource",
        "clear",
        "vm1",
        "n2",
    )
    start = cmd.target_role("vm1", True, run_on="n1", tools=RAW, danger=Danger.CHANGE)
    assert start.argv == ("crm_resource", "-r", "vm1", "--meta", "-p", "target-role", "-v", "Started")
    stop = cmd.target_role("vm1", False, run_on="n1", tools=CRM, danger=Danger.DESTRUCTIVE)
    assert (stop.argv, stop.danger) == (("crm", "resource", "stop", "vm1"), Danger.DESTRUCTIVE)
    assert cmd.target_role("vm1", False, run_on="n1", tools=PCS_, danger=Danger.CHANGE).argv == (
        "pcs",
        "resource",
        "disable",
        "vm1",
    )
    assert cmd.why("vm1", run_on="n1", tools=CRM).argv == ("crm_resource", "--why", "-r", "vm1")


def test_cleanup_and_its_cib_file_workaround() -> None:
    assert cmd.cleanup(None, run_on="n1", tools=RAW).argv == ("crm_resource", "--cleanup")
    assert cmd.cleanup("vm1", run_on="n1", tools=RAW, node="n2").argv == (
        "crm_resource",
        "--cleanup",
        "-r",
        "vm1",
        "-N",
        "n2",
    )
    assert cmd.cleanup("vm1", run_on="n1", tools=CRM).argv == ("crm", "resource", "cleanup", "vm1")
    assert cmd.cleanup("vm1", run_on="n1", tools=PCS_, node="n2").argv == (
        "pcs",
        "resource",
        "cleanup",
        "vm1",
        "node=n2",
    )
    # crm_resource --cleanup segfaults on a CIB file (2.1.5): the preview deletes what it clears.
    sim = cmd.cleanup("vm1", run_on="n1", tools=RAW).sim
    assert sim == (
        (
            "cibadmin",
            "-D",
            "--xpath",
            "//node_state//nvpair[starts-with(@name,'fail-count-vm1#') or "
            "starts-with(@name,'last-failure-vm1#')]",
        ),
        ("cibadmin", "-D", "--xpath", "//node_state//lrm_rsc_op[@id='vm1_last_failure_0']"),
    )


def test_sudo_wraps_every_command() -> None:
    c = cmd.ban("vm1", "n1", run_on="n2", tools=Tools(sudo=True))
    assert c.argv == ("sudo", "-n", "crm_resource", "--ban", "-r", "vm1", "-N", "n1")
    assert c.sim == (("crm_resource", "--ban", "-r", "vm1", "-N", "n1"),), "the local preview never uses sudo"


@pytest.mark.parametrize(
    ("flavour", "discard", "force", "verify"),
    [
        (
            "8.3",
            ("drbdadm", "--", "--discard-my-data", "connect", "r0"),
            ("drbdadm", "--", "--overwrite-data-of-peer", "primary", "r0"),
            ("drbdadm", "verify", "r0"),
        ),
        (
            "8.4",
            ("drbdadm", "connect", "--discard-my-data", "r0"),
            ("drbdadm", "primary", "--force", "r0"),
            ("drbdadm", "verify", "r0"),
        ),
        (
            "9",
            ("drbdadm", "connect", "--discard-my-data", "r0:alpha"),
            ("drbdadm", "primary", "--force", "r0"),
            ("drbdadm", "verify", "r0:alpha/1"),
        ),
    ],
)
def test_drbd_syntax_per_version(
    flavour: str, discard: tuple[str, ...], force: tuple[str, ...], verify: tuple[str, ...]
) -> None:
    t = Tools(drbd=flavour)
    victim = drbd_discard_connect("r0", node="beta", tools=t, peer="alpha")
    assert (victim.argv, victim.danger, victim.node) == (discard, Danger.DESTRUCTIVE, "beta")
    assert drbd_force_primary("r0", node="beta", tools=t).argv == force
    assert drbd("verify", "r0", node="beta", tools=t, peer="alpha", volume=1).argv == verify
    assert drbd("primary", "r0", node="beta", tools=t, peer="alpha", volume=1).argv == (
        "drbdadm",
        "primary",
        "r0",
    )
    inval = drbd("invalidate", "r0", node="beta", tools=t, volume=0)
    assert inval.argv == ("drbdadm", "invalidate", "r0/0" if flavour == "9" else "r0")
    assert inval.danger is Danger.DESTRUCTIVE
    pause = drbd("pause-sync", "r0", node="beta", tools=t, peer="alpha")
    assert pause.argv == ("drbdadm", "pause-sync", "r0:alpha" if flavour == "9" else "r0")


@pytest.mark.parametrize(
    ("tool", "console", "info"),
    [
        ("xm", ("xm", "console", "vm1"), ("xm", "info")),
        ("xl", ("xl", "console", "vm1"), ("xl", "info")),
        ("virsh", ("virsh", "console", "vm1"), ("virsh", "nodememstats")),
    ],
)
def test_vm_tools(tool: str, console: tuple[str, ...], info: tuple[str, ...]) -> None:
    t = Tools(vm=tool)
    assert vm_console("vm1", node="n1", tools=t).argv == console
    assert vm_free_memory(node="n1", tools=t).argv == info


def test_free_memory_is_read_from_xm_info_and_virsh() -> None:
    assert parse_free_memory("host : vnode1\ntotal_memory : 16378\nfree_memory : 7012\n", "xm") == 7012
    assert parse_free_memory("total  :  16384000 KiB\nfree   :   2048000 KiB\n", "virsh") == 2000
    assert parse_free_memory("nothing here", "xl") is None


@pytest.mark.parametrize(
    ("stack", "shell", "want"),
    [
        (
            StackInfo(drbd="8", drbd_version="8.3.7", vm_tool="xm", crm_shell="crmsh"),
            "crmsh",
            Tools(CRMSH, "8.3", "xm"),
        ),
        (
            StackInfo(drbd="8", drbd_version="8.4.11", vm_tool="xl", crm_shell="both"),
            "pcs",
            Tools(PCS, "8.4", "xl"),
        ),
        (
            StackInfo(drbd="9-json", vm_tool="virsh", crm_shell="absent"),
            "crmsh",
            Tools(PACEMAKER, "9", "virsh"),
        ),
        (
            StackInfo(drbd="8", drbd_version=None, vm_tool="xl", crm_shell="crmsh"),
            "auto",
            Tools(PACEMAKER, "8.3", "xl"),
        ),
    ],
)
def test_tools_for_detected_stacks(stack: StackInfo, shell: str, want: Tools) -> None:
    got = tools_for(stack, shell=shell)
    assert (got.shell, got.drbd, got.vm, got.sudo) == (want.shell, want.drbd, want.vm, want.sudo)


@pytest.mark.parametrize("bad", ["-r", "--force", "", " vm", "vm\n", "a\x00b", "x\x1b[31m"])
def test_option_like_or_control_names_are_refused(bad: str) -> None:
    with pytest.raises(ActionRefused, match="refusing"):
        cmd.ban(bad, "n1", run_on="n1", tools=RAW)


HOSTILE = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters="\x00"), min_size=1
).filter(lambda s: not s.startswith("-") and s.strip() == s) | st.sampled_from(
    [
        "vm; rm -rf /",
        "$(reboot)",
        "`id`",
        "a b",
        "it's",
        'say "hi"',
        "x|y&z",
        "*",
        "~root",
        "$HOME",
        "r0;halt",
    ]
)


@given(name=HOSTILE, node=HOSTILE)
def test_hostile_names_stay_one_argument_through_every_builder(name: str, node: str) -> None:
    builders = [
        cmd.node_standby(node, True, run_on="n1", tools=RAW),
        cmd.node_maintenance(node, True, run_on="n1", tools=PCS_),
        cmd.cleanup(name, run_on="n1", tools=PCS_, node=node),
        cmd.target_role(name, False, run_on="n1", tools=RAW, danger=Danger.CHANGE),
        cmd.ban(name, node, run_on="n1", tools=PCS_),
        cmd.prefer(name, node, run_on="n1", tools=RAW),
        cmd.clear(name, run_on="n1", tools=PCS_, node=node),
        cmd.why(name, run_on="n1", tools=RAW),
        vm_console(name, node="n1", tools=Tools(vm="xm")),
    ]
    for c in builders:
        assert name in c.argv or node in c.argv or f"node={node}" in c.argv
        # What the SSH transport sends is one shell line; it must split back into the same argv.
        assert shlex.split(quote_argv(c.argv)) == list(c.argv)
        for edit in c.sim:
            assert shlex.split(quote_argv(edit)) == list(edit)
    if ":" not in name and "/" not in name:
        c = drbd_discard_connect(name, node="n1", tools=Tools(drbd="8.3"))
        assert c.argv[-1] == name and shlex.split(quote_argv(c.argv)) == list(c.argv)


def test_the_action_layer_never_imports_textual() -> None:
    import subprocess
    import sys

    code = (
        "import sys, hatui.actions.runner, hatui.actions.move, hatui.actions.splitbrain, "
        "hatui.actions.preview, hatui.actions.plans_drbd, hatui.actions.console; "
        "assert 'textual' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_write_actions_are_the_catalogs_writing_actions() -> None:
    from hatui.actions.catalog import CATALOG
    from hatui.ui.modes import WRITE_ACTIONS

    assert {name for name, spec in CATALOG.items() if spec.writes} == WRITE_ACTIONS
    assert "why_resource" not in WRITE_ACTIONS
    assert {"move_resource", "standby", "vm_console", "node_shell", "drbd_split_brain"} <= WRITE_ACTIONS


# -- crmsh re-splits its arguments ------------------------------------------------------------------


def crm_builders(name: str, node: str) -> list[tuple[cmd.Command, list[str]]]:
    """Every crmsh command with a name in it, and the words crmsh must end up with."""
    return [
        (cmd.node_standby(node, True, run_on="n1", tools=CRM), ["node", "standby", node]),
        (cmd.node_maintenance(node, False, run_on="n1", tools=CRM), ["node", "ready", node]),
        (cmd.cleanup(name, run_on="n1", tools=CRM, node=node), ["resource", "cleanup", name, node]),
        (
            cmd.target_role(name, True, run_on="n1", tools=CRM, danger=Danger.CHANGE),
            ["resource", "start", name],
        ),
        (cmd.ban(name, node, run_on="n1", tools=CRM), ["resource", "ban", name, node]),
        (cmd.prefer(name, node, run_on="n1", tools=CRM), ["resource", "move", name, node]),
        (cmd.clear(name, run_on="n1", tools=CRM), ["resource", "clear", name]),
    ]


def crmsh_reads(args: list[str], *, add_quotes: bool = True) -> list[str]:
    """crmsh 4.x's reading of its argv (main.add_quotes, ' '.join, ui_context shlex.split)."""
    if add_quotes:
        args = [f"{q}{a}{q}" if " " in a and (q := "'" if '"' in a else '"') not in a else a for a in args]
    return shlex.split(" ".join(args))


@given(name=HOSTILE, node=HOSTILE)
def test_crmsh_reads_back_each_name_as_one_word_or_the_name_is_refused(name: str, node: str) -> None:
    if " " in name or " " in node:
        with pytest.raises(ActionRefused, match="crm re-splits its arguments at spaces"):
            crm_builders(name, node)
        return
    for c, words in crm_builders(name, node):
        assert c.argv[0] == "crm"
        assert crmsh_reads(list(c.argv[1:])) == words
        assert crmsh_reads(list(c.argv[1:]), add_quotes=False) == words


def test_plain_names_stay_unquoted_for_crmsh_and_odd_ones_are_quoted() -> None:
    assert cmd.ban("ms_drbd_vm1", "vnode-2.lab", run_on="n1", tools=CRM).argv == (
        "crm",
        "resource",
        "ban",
        "ms_drbd_vm1",
        "vnode-2.lab",
    )
    assert cmd.clear("vm#1", run_on="n1", tools=CRM).argv == ("crm", "resource", "clear", "'vm#1'")
    assert cmd.clear("it's", run_on="n1", tools=CRM).argv[-1] == "'it'\"'\"'s'"
    # Other shells get the name as it is: only crmsh re-parses its argv.
    assert cmd.clear("vm#1", run_on="n1", tools=PCS_).argv[-1] == "vm#1"
    assert cmd.node_standby("a b", True, run_on="n1", tools=RAW).argv[4] == "a b"
    with pytest.raises(ActionRefused, match="refusing node name 'a b' for crmsh"):
        cmd.node_standby("a b", True, run_on="n1", tools=CRM)


CRMSH_SPLIT = """
import json, shlex, sys
import crmsh.config, crmsh.main, inspect, crmsh.ui_context
# The test below relies on these two steps being how crmsh reads a command line.
assert "shlex.split(line)" in inspect.getsource(crmsh.ui_context.Context.run)
argvs, out = json.load(sys.stdin), []
for setting in (True, False):
    crmsh.config.core.add_quotes = setting
    out.append([shlex.split(" ".join(crmsh.main.add_quotes(a))) for a in argvs])
json.dump(out, sys.stdout)
"""


def test_installed_crmsh_splits_the_argv_into_the_intended_words() -> None:
    import json
    import subprocess
    from pathlib import Path

    python = Path("/usr/bin/python3")
    probe = subprocess.run([python, "-c", "import crmsh.main"], capture_output=True, check=False)
    if not python.exists() or probe.returncode != 0:
        pytest.skip("crmsh is not installed for /usr/bin/python3 (tests/run_all.sh installs it)")
    names = ["vm-web", "ms_drbd_vm1", "vm#1", "it's", 'say"hi"', "x|y&z", "$HOME", "ünï", "a'b\"c"]
    cases = [(c, words) for n in names for c, words in crm_builders(n, n)]
    done = subprocess.run(
        [python, "-c", CRMSH_SPLIT],
        input=json.dumps([list(c.argv[1:]) for c, _ in cases]),
        capture_output=True,
        text=True,
        check=True,
        cwd="/",
    )
    with_quotes, without = json.loads(done.stdout)
    assert with_quotes == without == [words for _, words in cases]
