"""The batch script runs its commands side by side, in a private directory it always removes.

Run by real shells (dash, bash, bash --posix, busybox sh) as a node would. "Side by side" is shown
by behaviour, never by a stopwatch: a command that waits for a file another command makes later
in the batch can only finish when both run at the same time.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from hatui.transport.base import CommandResult
from hatui.transport.batch import build_batch, split_batch
from support.shells import SHELLS

#: A command that waits (at most about 10 s) for ``path`` to appear, then says so.
WAIT_FOR = 'i=0; while [ ! -e "$1" ]; do i=$((i+1)); [ $i -gt 200 ] && exit 9; sleep 0.05; done; echo saw it'


def run_script(
    shell: Sequence[str],
    commands: Mapping[str, Sequence[str]],
    *,
    tmpdir: Path,
    timeout: float | None = 5,
) -> dict[str, CommandResult]:
    batch = build_batch(commands, timeout=timeout)
    env = dict(os.environ, TMPDIR=str(tmpdir))
    done = subprocess.run([*shell, "-c", batch.script], capture_output=True, timeout=60, env=env)
    return split_batch(
        batch, done.stdout.decode(errors="replace"), stderr=done.stderr.decode(errors="replace")
    )


@pytest.fixture
def tmpdir_(tmp_path: Path) -> Path:
    """The node's TMPDIR: empty before the batch, and it must be empty again after."""
    path = tmp_path / "node-tmp"
    path.mkdir()
    return path


@pytest.mark.parametrize("shell", SHELLS)
def test_commands_run_side_by_side(shell: list[str], tmpdir_: Path, tmp_path: Path) -> None:
    flag = tmp_path / "made-by-the-second"
    results = run_script(
        shell,
        {
            # First in the batch, and it can only end well once the LAST command has run.
            "waits": ["sh", "-c", WAIT_FOR, "sh", str(flag)],
            "middle": ["echo", "middle"],
            "makes": ["sh", "-c", 'sleep 0.2; : > "$1"; echo made', "sh", str(flag)],
        },
        tmpdir=tmpdir_,
    )
    assert (results["waits"].exit_status, results["waits"].stdout) == (0, "saw it\n")
    assert results["middle"].stdout == "middle\n"
    assert results["makes"].stdout == "made\n"
    assert list(tmpdir_.iterdir()) == []


@pytest.mark.parametrize("shell", SHELLS)
def test_interleaved_outputs_are_kept_apart(shell: list[str], tmpdir_: Path) -> None:
    talker = 'for i in 1 2 3 4 5; do echo "$1 out $i"; echo "$1 err $i" >&2; sleep 0.02; done; exit $2'
    results = run_script(
        shell,
        {name: ["sh", "-c", talker, "sh", name, str(n)] for n, name in enumerate("abcd")},
        tmpdir=tmpdir_,
    )
    for n, name in enumerate("abcd"):
        r = results[name]
        assert r.exit_status == n
        assert r.stdout == "".join(f"{name} out {i}\n" for i in range(1, 6))
        # As the sequential script gave it: no trailing newline on stderr.
        assert r.stderr == "\n".join(f"{name} err {i}" for i in range(1, 6))


@pytest.mark.parametrize("shell", SHELLS)
def test_large_outputs_come_back_whole(shell: list[str], tmpdir_: Path) -> None:
    # 3 MiB each, lines numbered so that a lost or doubled block shows.
    big = 'seq -f "$1 line %.0f of a large output" 1 100000'
    results = run_script(
        shell, {name: ["sh", "-c", big, "sh", name] for name in ("x", "y", "z")}, tmpdir=tmpdir_
    )
    for name in ("x", "y", "z"):
        lines = results[name].stdout.splitlines()
        assert len(lines) == 100000
        assert lines[0] == f"{name} line 1 of a large output"
        assert lines[-1] == f"{name} line 100000 of a large output"
    assert list(tmpdir_.iterdir()) == []


@pytest.mark.parametrize("shell", SHELLS)
def test_a_hung_command_is_cut_by_the_node_side_timeout_while_the_others_report(
    shell: list[str], tmpdir_: Path
) -> None:
    if shutil.which("timeout") is None:
        pytest.skip("coreutils timeout absent")
    results = run_script(
        shell,
        {"hang": ["sleep", "30"], "fine": ["echo", "fine"], "fails": ["sh", "-c", "echo no >&2; exit 4"]},
        tmpdir=tmpdir_,
        timeout=0.5,
    )
    assert results["hang"].exit_status == 124  # timeout(1): it had to stop the command
    assert results["fine"].stdout == "fine\n"
    assert (results["fails"].exit_status, results["fails"].stderr) == (4, "no")
    assert list(tmpdir_.iterdir()) == []


@pytest.mark.parametrize("shell", SHELLS)
def test_outputs_are_readable_only_by_their_owner_while_they_sit_on_the_node(
    shell: list[str], tmpdir_: Path
) -> None:
    """A ``drbdadm dump`` holds the shared secrets: its file must not be readable by others."""
    own = 'f=$(readlink "/proc/$$/fd/1"); stat -c %a "${f%/*}" "$f"'
    results = run_script(shell, {"me": ["sh", "-c", own], "other": ["true"]}, tmpdir=tmpdir_)
    assert results["me"].stdout == "700\n600\n"  # the directory, then the file


@pytest.mark.parametrize("shell", SHELLS)
def test_without_a_temporary_directory_the_commands_run_one_after_the_other(
    shell: list[str], tmp_path: Path
) -> None:
    missing = tmp_path / "no-such-dir"  # mktemp -d fails: a full or read-only /tmp
    results = run_script(
        shell,
        {
            "first": [
                "sh",
                "-c",
                'echo one; echo err >&2; : > "$1"; exit 2',
                "sh",
                str(tmp_path / "first-ran"),
            ],
            # Would wait in vain if it ran beside "first": proves the order, not only the outputs.
            "second": ["sh", "-c", WAIT_FOR, "sh", str(tmp_path / "first-ran")],
        },
        tmpdir=missing,
    )
    assert (results["first"].exit_status, results["first"].stdout, results["first"].stderr) == (
        2,
        "one\n",
        "err",
    )
    assert (results["second"].exit_status, results["second"].stdout) == (0, "saw it\n")
    assert not missing.exists()


@pytest.mark.parametrize("shell", SHELLS)
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_a_killed_batch_removes_its_directory_and_its_commands_end_by_their_timeout(
    shell: list[str], sig: signal.Signals, tmpdir_: Path, tmp_path: Path
) -> None:
    pidfile = tmp_path / "sleeper.pid"
    batch = build_batch(
        {"sleeper": ["sh", "-c", 'echo $$ > "$1"; exec sleep 30', "sh", str(pidfile)], "quick": ["true"]},
        timeout=0.5,  # 2 s on the node
    )
    env = dict(os.environ, TMPDIR=str(tmpdir_))
    proc = subprocess.Popen([*shell, "-c", batch.script], stdout=subprocess.PIPE, env=env)
    try:
        deadline = time.monotonic() + 10
        while not (pidfile.exists() and pidfile.read_text().strip()) and time.monotonic() < deadline:
            time.sleep(0.02)
        sleeper = int(pidfile.read_text())
        assert len(list(tmpdir_.iterdir())) == 1  # the batch's private directory, while it runs
        proc.send_signal(sig)  # the shell only, as sshd or a terminal would signal it
        proc.wait(timeout=10)
        assert list(tmpdir_.iterdir()) == []
        # Left running, as by the sequential script when its connection closed: the node-side
        # timeout ends it.
        deadline = time.monotonic() + 10
        while _alive(sleeper) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not _alive(sleeper)
    finally:
        if pidfile.exists() and pidfile.read_text().strip() and _alive(int(pidfile.read_text())):
            os.kill(int(pidfile.read_text()), signal.SIGKILL)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        assert proc.stdout is not None
        proc.stdout.close()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not yet reaped by its parent) is as good as gone.
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except FileNotFoundError:  # reaped between the two looks
        return False
    return state != "Z"


@pytest.mark.parametrize("shell", SHELLS)
def test_a_runaway_output_does_not_fill_the_nodes_disk(shell: list[str], tmpdir_: Path) -> None:
    cap = 256 * 1024
    batch = build_batch(
        {"runaway": ["sh", "-c", "yes runaway | head -c 50000000"], "after": ["echo", "after"]},
        timeout=None,
        max_output=cap,
    )
    env = dict(os.environ, TMPDIR=str(tmpdir_))
    done = subprocess.run([*shell, "-c", batch.script], capture_output=True, timeout=60, env=env)
    results = split_batch(batch, done.stdout.decode())
    # Its file stopped at the size limit, well past the cap (so the transport reports a cut)
    # and far short of the 50 MB it wanted to write; its section is cut short (no result).
    # (bash outside POSIX mode counts ulimit -f in KiB, not 512-byte blocks: twice as far.)
    assert 2 * cap < len(done.stdout) < 5 * cap
    assert results["runaway"].exit_status is None
    assert results["after"].stdout == "after\n"
    assert list(tmpdir_.iterdir()) == []
