"""The backup job's wrapper run for real: ``/bin/sh`` (dash here), a stand-in ``lvs`` on PATH.

The stand-in prints what a file says (a snapshot's fill as lvs prints it, with its padding, or a
decimal comma), so each test sets the fill and runs the exact argv ``backup_job`` builds. Each
asserts the exit status, the message on stderr, how long it took, that the site command saw its
environment, and that a stopped command's whole pipeline is gone (not left reading the snapshot).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from hatui.actions.backup_job import (
    EXIT_FILLING,
    EXIT_TIME_LIMIT,
    SCRIPT,
    STOP_NAME,
    STOP_SCRIPT,
    backup_job,
    stop_argv,
)
from hatui.actions.commands import Tools

WHEN = datetime(2026, 3, 5, 9, 15, 0, tzinfo=UTC)
SNAP = "vg2/www-root-hatui-20260305T091500"

LVS = """#!/bin/sh
# Stand-in for lvs: records its arguments, prints the fill the test set.
echo "$*" >> "$LVS_LOG"
cat "$LVS_FILL"
"""


@pytest.fixture
def node(tmp_path: Path) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    lvs = bin_dir / "lvs"
    lvs.write_text(LVS)
    lvs.chmod(0o755)
    (tmp_path / "fill").write_text("  12.50\n")
    return tmp_path


def job(command: str, *, limit: float = 20, warn: float = 80) -> tuple[str, ...]:
    """The argv ``backup_job`` builds for ``command`` (checked to be the wrapper)."""
    c = backup_job(
        "vg2",
        SNAP.split("/")[1],
        vm="www",
        node="vnode2",
        when=WHEN,
        command=command,
        limit_s=limit,
        warn_percent=warn,
        interval_s=1,
        tools=Tools(),
    )
    assert c.argv[:3] == ("sh", "-c", SCRIPT)
    return ("/bin/sh", *c.argv[1:])


def node_env(node: Path) -> dict[str, str]:
    """The environment: the stand-in lvs first on PATH, where it reads the fill and logs its words."""
    return {
        **os.environ,
        "PATH": f"{node / 'bin'}:{os.environ['PATH']}",
        "LVS_FILL": str(node / "fill"),
        "LVS_LOG": str(node / "lvs.log"),
        "OUT": str(node),
    }


def run(node: Path, command: str, *, limit: float = 20, warn: float = 80) -> tuple[int, str, str, float]:
    """Runs the job with /bin/sh; (status, stdout, stderr, seconds)."""
    t0 = time.monotonic()
    # Its own session: the wrapper's kills must not depend on the test's process group.
    p = subprocess.run(
        job(command, limit=limit, warn=warn),
        capture_output=True,
        text=True,
        env=node_env(node),
        timeout=60,
        start_new_session=True,
    )
    return p.returncode, p.stdout, p.stderr, time.monotonic() - t0


def gone(pid: int) -> bool:
    """True when ``pid`` no longer runs (a zombie waiting for a reaper counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return True
    return state in ("Z", "X")


def wait_gone(pid: int, within: float = 5.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if gone(pid):
            return True
        time.sleep(0.05)
    return gone(pid)


def test_the_script_is_one_line_of_posix_sh() -> None:
    assert "\n" not in SCRIPT
    check = subprocess.run(["/bin/sh", "-n", "-c", SCRIPT], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr


def test_a_command_that_succeeds_exits_0_with_its_environment_set(node: Path) -> None:
    status, out, err, took = run(
        node, 'sleep 1; echo "$HATUI_SNAPSHOT|$HATUI_DEVICE|$HATUI_VM|$HATUI_NODE|$HATUI_STAMP|$HATUI_LV"'
    )
    assert (status, err) == (0, "")
    assert out == f"{SNAP}|/dev/{SNAP}|www|vnode2|20260305T091500|www-root\n"
    assert took < 5
    # The fill was read while it ran, with the exact lvs words.
    log = (node / "lvs.log").read_text().splitlines()
    assert log[0] == f"--noheadings --units b --nosuffix -o snap_percent {SNAP}"


def test_a_command_failing_half_way_gives_its_own_status_and_output(node: Path) -> None:
    status, out, err, _ = run(node, 'echo "first half" > "$OUT/part"; echo oops >&2; exit 3')
    assert (status, out, err) == (3, "", "oops\n")
    assert (node / "part").read_text() == "first half\n"


def test_a_filling_snapshot_stops_the_whole_pipeline_with_75(node: Path) -> None:
    (node / "fill").write_text("  12.00\n")
    # The pipeline writes its pids, then would run for a minute; the fill passes 80 % meanwhile.
    command = 'sleep 60 & echo $! > "$OUT/pid1"; sleep 60 | cat & echo $! > "$OUT/pid2"; wait'
    proc_start = time.monotonic()

    def fill_up() -> None:
        while not (node / "pid2").exists() and time.monotonic() - proc_start < 10:
            time.sleep(0.05)
        (node / "fill").write_text("  81,52\n")  # a decimal comma, as some locales print it

    threading.Thread(target=fill_up).start()
    status, out, err, took = run(node, command)
    assert status == EXIT_FILLING
    assert err == f"hatui-backup: snapshot {SNAP} is 81,52% full (stop level 80%): job stopped\n"
    assert took < 10
    for name in ("pid1", "pid2"):
        assert wait_gone(int((node / name).read_text())), f"{name} still runs"


def test_a_snapshot_already_full_at_the_start_stops_at_once(node: Path) -> None:
    (node / "fill").write_text("100.00\n")
    status, _, err, took = run(node, "sleep 60")
    assert status == EXIT_FILLING and "is 100.00% full (stop level 80%)" in err
    assert took < 5


def test_past_the_time_limit_the_job_is_stopped_with_124(node: Path) -> None:
    status, out, err, took = run(node, 'sleep 60 & echo $! > "$OUT/pid"; wait', limit=2)
    assert status == EXIT_TIME_LIMIT
    assert err == "hatui-backup: time limit of 2s reached: job stopped\n"
    assert 2 <= took < 8
    assert wait_gone(int((node / "pid").read_text()))


def test_an_unreadable_fill_is_not_a_stop(node: Path) -> None:
    # lvs printing nothing (an inactive snapshot) or a warning: the job goes on.
    (node / "fill").write_text("  WARNING: something\n")
    status, out, _, _ = run(node, "sleep 1; echo done")
    assert (status, out) == (0, "done\n")


def start_a_long_job(node: Path) -> tuple[tuple[str, ...], subprocess.Popen[str]]:
    """A job of a minute started in the background, once its command runs (its pid in ``pid``)."""
    argv = job('sleep 60 & echo $! > "$OUT/pid"; wait', limit=60)
    p = subprocess.Popen(argv, env=node_env(node), stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.monotonic() + 10
    while not (node / "pid").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    return argv, p


def test_a_signal_to_the_wrapper_stops_the_job_too(node: Path) -> None:
    _, p = start_a_long_job(node)
    p.terminate()  # what timeout(1) around it, or a closed session, sends
    _, err = p.communicate(timeout=20)
    assert p.returncode == 143
    assert err == "hatui-backup: stopped by a signal: job stopped\n"
    assert wait_gone(int((node / "pid").read_text()))


def test_the_stop_ends_a_running_job_and_never_itself(node: Path) -> None:
    argv, p = start_a_long_job(node)
    stop = stop_argv(("sh", *argv[1:]))
    assert stop is not None and stop[3:] == (STOP_NAME, f"[h]atui-backup {SNAP} /dev/{SNAP}")
    t0 = time.monotonic()
    done = subprocess.run(
        ["/bin/sh", *stop[1:]], capture_output=True, text=True, timeout=40, start_new_session=True
    )
    assert done.returncode == 0 and time.monotonic() - t0 < 10
    _, err = p.communicate(timeout=20)
    assert (p.returncode, err) == (143, "hatui-backup: stopped by a signal: job stopped\n")
    assert wait_gone(int((node / "pid").read_text()))
    # Nothing left to stop: it says nothing and exits 0 at once.
    again = subprocess.run(["/bin/sh", *stop[1:]], capture_output=True, text=True, timeout=10)
    assert (again.returncode, again.stdout, again.stderr) == (0, "", "")


def test_the_stop_pattern_brackets_what_a_regular_expression_would_read() -> None:
    argv = ("sudo", "-n", "sh", "-c", SCRIPT, "hatui-backup", "vg.0/a+b-hatui-20260305T091500", "/dev/vg.0/x")
    assert stop_argv(argv) == (
        "sudo", "-n", "sh", "-c", STOP_SCRIPT, STOP_NAME,
        "[h]atui-backup vg[.]0/a[+]b-hatui-20260305T091500 /dev/vg[.]0/x",
    )  # fmt: skip
    assert stop_argv(("env", "LVM_SUPPRESS_FD_WARNINGS=1", "lvremove", "-f", "vg/x")) is None


@pytest.mark.parametrize("shell", [("bash",), ("busybox", "sh")], ids=["bash", "busybox"])
def test_other_shells_run_it_alike(node: Path, shell: tuple[str, ...]) -> None:
    if shutil.which(shell[0]) is None:
        pytest.skip(f"{shell[0]} is not installed")

    def with_shell(command: str, limit: float) -> subprocess.CompletedProcess[str]:
        argv = (*shell, *job(command, limit=limit)[1:])
        return subprocess.run(
            argv, capture_output=True, text=True, env=node_env(node), timeout=60, start_new_session=True
        )

    ok = with_shell('sleep 1; echo "$HATUI_LV $HATUI_STAMP"; exit 4', 20)
    assert (ok.returncode, ok.stdout, ok.stderr) == (4, "www-root 20260305T091500\n", "")
    late = with_shell('sleep 60 & echo $! > "$OUT/pid"; wait', 2)
    assert (late.returncode, late.stderr) == (
        EXIT_TIME_LIMIT,
        "hatui-backup: time limit of 2s reached: job stopped\n",
    )
    assert wait_gone(int((node / "pid").read_text()))
    (node / "fill").write_text("  90.00\n")
    full = with_shell("sleep 60", 20)
    assert full.returncode == EXIT_FILLING and "is 90.00% full (stop level 80%)" in full.stderr
