"""The audit log never tells a lie: a record is whole or absent, and a missing one is said plainly.

Failures are real: ``/dev/full`` gives ENOSPC on every write, and a file-size limit (RLIMIT_FSIZE,
set in a child process so nothing else of the test run is limited) gives a short write or EFBIG.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from actions_support import Bench, bench

from hatui.actions.audit import AuditLog, AuditWriteError, read_log
from hatui.actions.catalog import plan_action
from hatui.actions.move import plan_move
from hatui.errors import ActionRefused, TransportError
from hatui.transport.base import Transport

TESTS = Path(__file__).resolve().parent.parent
DEV_FULL = Path("/dev/full")
pytestmark = pytest.mark.skipif(not DEV_FULL.exists(), reason="no /dev/full on this system")


def switchable_log(tmp_path: Path, b: Bench) -> Callable[[], None]:
    """Points the runner's log at a symlink to a real file; the returned call turns it to /dev/full."""
    link = tmp_path / "audit-link.log"
    link.symlink_to(b.audit_path)
    b.runner.audit = AuditLog(link, user="tester")

    def disk_full() -> None:
        new = tmp_path / "audit-link.new"
        new.symlink_to(DEV_FULL)
        new.replace(link)

    return disk_full


def test_each_record_names_the_process_and_the_host(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.log", user="alice")
    log.refused("prod", "standby", "vnode1", "no quorum")
    (rec,) = read_log(tmp_path / "audit.log")
    assert rec["pid"] == os.getpid()
    assert rec["host"] == socket.gethostname()


async def test_a_full_disk_at_the_start_record_refuses_and_runs_nothing(tmp_path: Path) -> None:
    b = bench(tmp_path, fast=False)
    b.runner.audit = AuditLog(DEV_FULL, user="tester")
    plan = plan_action(await b.context(), "ban_resource", "vconf", "vnode1")
    with pytest.raises(ActionRefused, match="audit log /dev/full: No space left on device: nothing was run"):
        await b.runner.run(plan)
    assert b.writes() == []


async def test_a_full_disk_at_the_end_record_reports_the_real_outcome(tmp_path: Path) -> None:
    b = bench(tmp_path, generation="modern")
    disk_full = switchable_log(tmp_path, b)
    progress: list[str] = []

    def say(text: str) -> None:
        if not progress:
            disk_full()  # the start record is on disk; the end record will not be
        progress.append(text)

    result = await b.runner.run(plan_action(await b.context(), "ban_resource", "vconf", "vnode1"), say)
    assert [argv[:2] for _, argv in b.writes()] == [
        ("cibadmin", "-C"),
        ("crm_resource", "--ban"),
        ("cibadmin", "-D"),
    ], "the marker is written first and removed last"
    assert result.ok, "the ban ran and holds: the missing record does not make it a failure"
    assert result.outcome == "vconf is banned from vnode1"
    assert result.audit_missing is not None and "No space left on device" in result.audit_missing
    assert result.report == f"vconf is banned from vnode1; audit record missing: {result.audit_missing}"
    assert "refused" not in result.report
    assert [r["event"] for r in read_log(b.audit_path)] == ["start"]


async def test_a_cancelled_action_stays_cancelled_when_its_end_record_fails(tmp_path: Path) -> None:
    b = bench(tmp_path, fast=False)  # frozen demo time: the move never settles, so it is cancelled
    disk_full = switchable_log(tmp_path, b)
    progress: list[str] = []
    waiting = asyncio.Event()

    def say(text: str) -> None:
        progress.append(text)
        if text.startswith("waiting"):
            waiting.set()

    plan = plan_move(await b.context(), "sentinel", "vnode2")
    task = asyncio.create_task(b.runner.run(plan, say))
    await asyncio.wait_for(waiting.wait(), timeout=30)
    disk_full()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    last = progress[-1]
    # Cancelled, with what the undo did, and the missing record: never reported as refused.
    assert last.startswith("move_resource sentinel cancelled") and "refused" not in last
    assert "removed cli-prefer-sentinel" in last
    assert "audit record missing: " in last and "No space left on device" in last


async def test_a_console_session_whose_end_record_fails_says_so(tmp_path: Path) -> None:
    b = bench(tmp_path)
    disk_full = switchable_log(tmp_path, b)
    ctx = await b.context()
    plan = plan_action(ctx, "ban_resource", "vconf", "vnode1")

    async def session(_transport: Transport, _argv: object) -> int:
        disk_full()
        return 0

    done = await b.runner.interactive("vnode1", ("xl", "console", "vconf"), plan, session)
    assert done.status == 0 and done.outcome == "session closed (exit status 0)"
    assert done.audit_missing is not None and done.report.startswith(
        "session closed (exit status 0); audit record missing: cannot write the audit log"
    )

    async def never(_transport: Transport, _argv: object) -> int:
        raise AssertionError("a session started without its start record")

    with pytest.raises(ActionRefused, match="audit log .*No space left on device: nothing was run"):
        await b.runner.interactive("vnode1", None, plan, never)

    b.runner.audit = AuditLog(b.audit_path, user="tester")

    async def broken_late(_transport: Transport, _argv: object) -> int:
        b.runner.audit.path = DEV_FULL
        raise TransportError("vnode1: connection lost")

    with pytest.raises(TransportError) as caught:
        await b.runner.interactive("vnode1", None, plan, broken_late)
    assert caught.value.message.startswith("vnode1: connection lost; audit record missing: ")


# -- file-size limit (RLIMIT_FSIZE): in a child, so the limit binds nothing else ----------------------

FSIZE_CHILD = """
import json, os, resource, signal, sys
from pathlib import Path
from hatui.actions.audit import AuditLog, AuditWriteError, read_log

# CPython ignores SIGXFSZ at startup; the default (death) is what hatui must not rely on that for.
signal.signal(signal.SIGXFSZ, signal.SIG_DFL)

path, slack = Path(sys.argv[1]), int(sys.argv[2])
log = AuditLog(path, user="tester")
log.append({"event": "note", "n": 1})
before = path.stat().st_size
soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
resource.setrlimit(resource.RLIMIT_FSIZE, (before + slack, hard))
try:
    log.append({"event": "note", "n": 2, "pad": "x" * 500})
    error = None
except AuditWriteError as exc:
    error = exc.message
after = path.stat().st_size
resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
log.append({"event": "note", "n": 3})
lines = path.read_text().splitlines()
json.dump({"error": error, "before": before, "after": after, "lines": lines}, sys.stdout)
"""


@pytest.mark.parametrize(("slack", "why"), [(40, "short write (40 of "), (0, "File too large")])
def test_a_file_size_limit_refuses_the_record_and_leaves_no_half_line(
    tmp_path: Path, slack: int, why: str
) -> None:
    path = tmp_path / "audit.log"
    done = subprocess.run(
        [sys.executable, "-c", FSIZE_CHILD, str(path), str(slack)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    # Without SIGXFSZ ignored, the child is killed by the signal (returncode -25) on the write.
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["error"] is not None and why in out["error"] and "File too large" in out["error"]
    assert out["after"] == out["before"], "the partial line was cut back off"
    records = [json.loads(line) for line in out["lines"]]
    assert [r["n"] for r in records] == [1, 3], "the next record starts on a line of its own"


RUNNER_CHILD = """
import asyncio, json, resource, signal, sys
from pathlib import Path
from actions_support import bench
from hatui.actions.move import plan_move
from hatui.actions.catalog import plan_action
from hatui.errors import ActionRefused

async def main() -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_DFL)
    b = bench(Path(sys.argv[1]), fast=False)
    b.runner.audit.append({"event": "note"})
    size = b.audit_path.stat().st_size
    plan = plan_action(await b.context(), "ban_resource", "vconf", "vnode1")
    resource.setrlimit(resource.RLIMIT_FSIZE, (size + 20, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))
    try:
        await b.runner.run(plan)
        refusal = None
    except ActionRefused as exc:
        refusal = exc.message
    print(json.dumps({"refusal": refusal, "writes": b.writes(), "grew": b.audit_path.stat().st_size - size}))

asyncio.run(main())
"""


def test_the_runner_refuses_when_a_file_size_limit_cuts_the_start_record(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(TESTS), str(TESTS / "actions")])}
    done = subprocess.run(
        [sys.executable, "-c", RUNNER_CHILD, str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout.splitlines()[-1])
    assert out["writes"] == [], "no command ran"
    assert out["grew"] == 0
    assert "audit log" in out["refusal"] and "short write" in out["refusal"]
    assert out["refusal"].endswith("nothing was run")


def test_a_failed_append_raises_the_audit_error(tmp_path: Path) -> None:
    with pytest.raises(AuditWriteError, match=r"cannot write the audit log /dev/full: No space left"):
        AuditLog(DEV_FULL).append({"event": "start"})
