"""Every 1.0 argv the builders make was accepted by the real Pacemaker 1.0.9 tools and crm shell.

``tests/fixtures/seed/raw-tools-1.0.9.txt`` and ``crm-shell-1.0.9-grammar.txt`` are our own
transcripts of the real 1.0.9 build run offline on a CIB_file copy (their headers say how): each
block is ``$ command``, its output, ``rc=N``. The builders are asked for the same names
(``vm-alpha`` on ``node1``, ``node2``) and each argv must be a block that exited 0; the options and
shell words 1.0.9 lacks are blocks that failed.
"""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
from test_act_seed import CRM10, RAW10

from hatui.actions import commands as cmd
from hatui.actions.commands import Danger, Tools

SEED_FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "seed"


def transcript(name: str) -> dict[tuple[str, ...], int]:
    """argv -> exit status of every block of a transcript."""
    out: dict[tuple[str, ...], int] = {}
    argv: tuple[str, ...] | None = None
    for line in (SEED_FIXTURES / name).read_text().splitlines():
        if line.startswith("# "):
            continue
        if line.startswith("$ "):
            argv = tuple(shlex.split(line[2:]))
        elif line.startswith("rc=") and argv is not None:
            out[argv] = int(line[3:])
            argv = None
    return out


RAW = transcript("raw-tools-1.0.9.txt")
CRM = transcript("crm-shell-1.0.9-grammar.txt")


def built(tools: Tools) -> list[tuple[str, ...]]:
    r, here, other = "vm-alpha", "node1", "node2"
    commands = [
        cmd.node_standby(other, True, run_on=here, tools=tools),
        cmd.node_standby(other, False, run_on=here, tools=tools),
        cmd.move_forced(r, other, here, run_on=here, tools=tools),
        cmd.prefer(r, other, run_on=here, tools=tools),
        cmd.ban(r, here, run_on=here, tools=tools, runs_on=(here,)),
        cmd.ban(r, other, run_on=here, tools=tools, runs_on=(here,)),
        cmd.clear(r, run_on=here, tools=tools),
        cmd.steer_remove(f"cli-ban-{r}-on-{other}", run_on=here, tools=tools),
        cmd.target_role(r, False, run_on=here, tools=tools, danger=Danger.CHANGE),
        cmd.target_role(r, True, run_on=here, tools=tools, danger=Danger.CHANGE),
        cmd.failcount_delete(r, here, run_on=here, tools=tools),
        cmd.cluster_maintenance(True, run_on=here, tools=tools),
    ]
    return [c.argv for c in commands]


@pytest.mark.parametrize("tools", [RAW10, CRM10], ids=["raw", "crm-shell"])
def test_every_1_0_argv_was_accepted_by_the_real_1_0_9_tools(tools: Tools) -> None:
    known = {**RAW, **CRM}
    for argv in built(tools):
        assert argv in known, f"not in the 1.0.9 transcripts: {shlex.join(argv)}"
        assert known[argv] == 0, f"1.0.9 refused: {shlex.join(argv)}"


def test_the_crm_shell_is_used_where_the_table_says() -> None:
    crm = [a for a in built(CRM10) if a[0] == "crm"]
    # All but the forced move (-f), which only the raw tool can pass, and the removal by id.
    assert len(crm) == len(built(CRM10)) - 3


def test_what_1_0_9_lacks_failed_in_the_transcripts() -> None:
    for option in ("--ban", "--clear", "--restart", "--why", "--wait", "--output-as=xml"):
        assert RAW[("crm_resource", option, "-r", "vm-alpha")] == 1
    for words in (("resource", "ban", "vm-alpha", "node1"), ("resource", "clear", "vm-alpha")):
        assert CRM[("crm", *words)] == 1
    assert CRM[("crm", "node", "maintenance", "node2")] == 1
    # The shell's move has no force: "force" is read as a lifetime.
    assert CRM[("crm", "resource", "move", "vm-alpha", "node2", "force")] == 1
