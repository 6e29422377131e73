"""The batch script: built from argv lists, run by a real POSIX sh (dash), split back per command."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hatui.errors import TransportError
from hatui.transport.base import CommandResult
from hatui.transport.batch import build_batch, quote_argv, single_command, split_batch

SH = shutil.which("dash") or "/bin/sh"

#: Arguments a shell would love to interpret.
HOSTILE = [
    "it's",
    '"double"',
    "$(touch /tmp/hatui-pwned)",
    "`id`",
    "$HOME",
    "*",
    "a b\tc",
    "line1\nline2",
    "cr\r",
    "crlf\r\n",
    "-n",
    "; rm -rf /",
    "\\",
    "%s%d",
    "",
    "ünïcødé",
]


def run_sh(script: str, timeout: float = 10) -> subprocess.CompletedProcess[str]:
    # Bytes, decoded by hand: text=True would turn a "\r" in an output into "\n".
    done = subprocess.run([SH, "-c", script], capture_output=True, timeout=timeout)
    return subprocess.CompletedProcess(
        done.args, done.returncode, done.stdout.decode(errors="replace"), done.stderr.decode(errors="replace")
    )


def run_batch(commands: dict[str, list[str]], timeout: float | None = 5) -> dict[str, CommandResult]:
    batch = build_batch(commands, timeout=timeout)
    done = run_sh(batch.script)
    return dict(split_batch(batch, done.stdout, stderr=done.stderr))


def test_outputs_statuses_and_stderr_come_back_per_name() -> None:
    results = run_batch(
        {
            "hello": ["echo", "hello world"],
            "fails": ["sh", "-c", "echo out; echo oops >&2; exit 3"],
            "missing": ["hatui-no-such-command"],
            "no-newline": ["printf", "%s", "tail"],
            "blank-lines": ["printf", "x\n\n\n"],
        }
    )
    hello, fails, missing, tail, blank = (results[k] for k in results)
    assert (hello.exit_status, hello.stdout, hello.stderr) == (0, "hello world\n", "")
    assert (fails.exit_status, fails.stdout, fails.stderr) == (3, "out\n", "oops")
    assert (missing.exit_status, missing.stdout) == (127, "")
    assert "hatui-no-such-command" in missing.stderr
    assert tail.stdout == "tail"
    assert blank.stdout == "x\n\n\n"


def test_hostile_arguments_reach_the_program_verbatim() -> None:
    results = run_batch({f"arg{i}": ["printf", "%s", arg] for i, arg in enumerate(HOSTILE)})
    for i, arg in enumerate(HOSTILE):
        r = results[f"arg{i}"]
        assert r.exit_status == 0, r
        assert r.stdout == arg
    assert not Path("/tmp/hatui-pwned").exists()


def test_the_script_never_holds_the_whole_marker() -> None:
    """A process listing shows the script; it must not let a command forge a section boundary."""
    batch = build_batch({"a": ["true"]}, timeout=5)
    assert batch.marker not in batch.script
    assert build_batch({"a": ["true"]}, timeout=5).marker != batch.marker


def test_a_command_printing_marker_lookalikes_cannot_confuse_the_splitter() -> None:
    batch = build_batch({"a": ["true"], "b": ["echo", "b"]}, timeout=5)
    fake = f"{batch.marker[:10]} S 0 0\n B 1\n"
    batch2 = build_batch({"a": ["printf", "%s", fake], "b": ["echo", "b"]}, timeout=5)
    done = run_sh(batch2.script)
    results = split_batch(batch2, done.stdout)
    assert results["a"].stdout == fake
    assert results["b"].stdout == "b\n"


def test_commands_do_not_read_the_scripts_stdin() -> None:
    batch = build_batch({"cat": ["cat"]}, timeout=5)
    done = subprocess.run([SH, "-c", batch.script], input="secret\n", capture_output=True, text=True)
    assert split_batch(batch, done.stdout)["cat"].stdout == ""


def test_the_node_side_timeout_kills_a_hung_command() -> None:
    if shutil.which("timeout") is None:
        pytest.skip("coreutils timeout absent")
    batch = build_batch({"hang": ["sleep", "30"], "after": ["echo", "after"]}, timeout=0.5)
    done = run_sh(batch.script, timeout=10)
    results = split_batch(batch, done.stdout)
    # timeout(1) says 124 when it had to stop the command; the next command still ran.
    assert results["hang"].exit_status == 124
    assert results["after"].stdout == "after\n"


def test_a_cut_short_batch_gives_no_result_instead_of_half_an_output() -> None:
    batch = build_batch({"a": ["echo", "a"], "b": ["echo", "b"]}, timeout=None)
    done = run_sh(batch.script)
    truncated = done.stdout[: done.stdout.index("\nb\n") + 2]
    results = split_batch(batch, truncated, stderr="sh: killed")
    assert results["a"].stdout == "a\n"
    assert results["b"].exit_status is None
    assert results["b"].stdout == ""
    assert "batch ended while this command ran" in results["b"].stderr
    assert "sh: killed" in results["b"].stderr
    # Cut before "b" began: it is told apart from the command that was running.
    results = split_batch(batch, done.stdout[: done.stdout.index("\na\n") + 3], stderr="sh: killed")
    assert "batch ended before this command started" in results["b"].stderr


def test_garbage_output_gives_no_result_for_everything() -> None:
    batch = build_batch({"a": ["echo", "a"]}, timeout=None)
    results = split_batch(batch, "Welcome to the node! motd...\n")
    assert results["a"].exit_status is None


@pytest.mark.parametrize(
    "argv",
    [[], ["echo", "nul\x00byte"], "echo hi", ["echo", 3]],
    ids=["empty", "nul", "string-not-list", "non-str"],
)
def test_unsafe_argv_is_refused(argv: object) -> None:
    with pytest.raises(TransportError):
        build_batch({"x": argv}, timeout=5)  # type: ignore[dict-item]
    with pytest.raises(TransportError):
        quote_argv(argv)  # type: ignore[arg-type]


def test_single_command_passes_argv_as_positional_parameters() -> None:
    line = single_command(["printf", "%s|", *HOSTILE], timeout=5)
    done = run_sh(line)
    assert done.stdout == "".join(f"{a}|" for a in HOSTILE)


def test_single_command_keeps_the_exit_status() -> None:
    assert run_sh(single_command(["sh", "-c", "exit 7"], timeout=5)).returncode == 7
    assert run_sh(single_command(["sh", "-c", "exit 7"], timeout=None)).returncode == 7


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.text(st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)), max_size=40),
        min_size=1,
        max_size=5,
    )
)
def test_any_text_argument_round_trips(args: list[str]) -> None:
    results = run_batch({f"a{i}": ["printf", "%s", a] for i, a in enumerate(args)})
    for i, a in enumerate(args):
        assert results[f"a{i}"].stdout == a
