"""LocalTransport: real subprocesses, timeouts that kill the whole process group."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import pytest

from hatui.errors import TransportError
from hatui.transport.base import Transport
from hatui.transport.local import LocalTransport


def children() -> set[str]:
    """PIDs of the live children of the test process."""
    me = os.getpid()
    kids = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2 :].split()
            if int(fields[1]) == me and fields[0] != "Z":
                kids.add(entry.name)
    return kids


#: Children that other modules' session fixtures (the lab, sshd servers) had started before this one.
BEFORE: set[str] = set()


@pytest.fixture(autouse=True, scope="module")
def _children_before() -> None:
    BEFORE.update(children())


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


async def gone(pid: int, within: float = 2.0) -> bool:
    # Polling /proc: there is no event to wait on for a process that is not our child.
    for _ in range(int(within / 0.05)):
        if not alive(pid):
            return True
        await asyncio.sleep(0.05)
    return not alive(pid)


async def test_it_is_a_transport() -> None:
    assert isinstance(LocalTransport("n1"), Transport)


async def test_run_returns_status_outputs_and_stdin() -> None:
    t = LocalTransport("n1")
    r = await t.run(["sh", "-c", "cat; echo err >&2; exit 5"], timeout=5, stdin="fed\n")
    assert (r.exit_status, r.stdout, r.stderr) == (5, "fed\n", "err\n")
    assert r.argv == ("sh", "-c", "cat; echo err >&2; exit 5")
    assert r.duration_s > 0


async def test_run_without_stdin_gives_eof() -> None:
    r = await LocalTransport("n1").run(["cat"], timeout=5)
    assert (r.exit_status, r.stdout) == (0, "")


async def test_missing_program_is_exit_127_not_an_exception() -> None:
    r = await LocalTransport("n1").run(["hatui-no-such-program"], timeout=5)
    assert r.exit_status == 127
    assert "not found" in r.stderr


async def test_commands_run_in_the_c_locale() -> None:
    r = await LocalTransport("n1").run(["sh", "-c", "echo $LC_ALL"], timeout=5)
    assert r.stdout == "C\n"


async def test_timeout_kills_the_process_group(tmp_path: Path) -> None:
    pidfile = tmp_path / "child.pid"
    t = LocalTransport("n1")
    started = time.monotonic()
    with pytest.raises(TransportError, match=r"timed out after 0\.5s"):
        await t.run(["sh", "-c", f"sleep 30 & echo $! > {pidfile}; wait"], timeout=0.5)
    assert time.monotonic() - started < 3
    # The grandchild (not only the shell) is gone.
    assert await gone(int(pidfile.read_text()))


async def test_batch_round_trip_and_kill_on_timeout(tmp_path: Path) -> None:
    t = LocalTransport("n1")
    results = await t.run_batch(
        {"a": ["echo", "a"], "b": ["sh", "-c", "echo b >&2; exit 2"], "c": ["printf", "%s", "$HOME"]},
        timeout=5,
    )
    assert results["a"].stdout == "a\n"
    assert (results["b"].exit_status, results["b"].stderr) == (2, "b")
    assert results["c"].stdout == "$HOME"

    pidfile = tmp_path / "pid"
    with pytest.raises(TransportError, match="timed out"):
        await t.run_batch({"hang": ["sh", "-c", f"echo $$ > {pidfile}; exec sleep 30"]}, timeout=0.5)
    assert await gone(int(pidfile.read_text()))


async def test_refuses_unsafe_argv() -> None:
    with pytest.raises(TransportError):
        await LocalTransport("n1").run(["echo", "a\x00b"], timeout=5)


async def test_close_is_idempotent() -> None:
    t = LocalTransport("n1")
    await t.close()
    await t.close()
    assert (await t.run(["true"], timeout=5)).ok


def test_no_leftover_children() -> None:
    """Nothing this module started is still a child of the test process."""
    assert children() - BEFORE == set()
