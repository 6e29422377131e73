"""Provides the demo's backup job: what hatui's wrapper (``sh -c SCRIPT hatui-backup ...``, see
``hatui.actions.backup_job``) would do on a node, since the demo's shell cannot run the script.

The words after ``hatui-backup`` are the wrapper's positional parameters: SNAP (``vg/snap``),
DEVICE, LIMIT_S, WARN, INTERVAL_S, VM, NODE, STAMP, COMMAND. The demo plays any site command as a
reader of the whole snapshot (at ``storage_sim.BACKUP_READ_BYTES_S`` of demo time) that writes a
compressed copy to ``/srv/backup``; a ``dd`` command prints dd's summary on stderr. The wrapper's
checks run as the script runs them, once per second of demo time: the command ended -> its status;
past LIMIT_S -> stopped, exit 124; every INTERVAL_S the snapshot's fill, at WARN % or more ->
stopped, exit 75, with the script's messages. The ``fail-backup`` fault makes the next job's command
fail half-way (gzip cannot write to the backup store).

The job runs to its end inside the one command: demo time moves forward by the job's length (the
whole cluster moves with it), so the job and the snapshot's fill agree with every later poll.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from hatui.demo import storage_sim as sim
from hatui.demo.commands import Outcome
from hatui.errors import TransportError

if TYPE_CHECKING:
    from hatui.demo.cluster import DemoCluster

#: What the wrapper calls itself (``$0``).
JOB_NAME = "hatui-backup"
#: What hatui's stop command for a job calls itself (``hatui.actions.backup_job.STOP_NAME``).
STOP_NAME = "hatui-backup-stop"
EXIT_FILLING, EXIT_TIME_LIMIT, EXIT_USAGE = 75, 124, 2
#: The longest job the demo plays (demo seconds): a bigger disk is read "faster".
LONGEST_S = 120.0


@dataclass(slots=True)
class _Job:
    node: str
    snap: str
    device: str
    limit_s: int
    warn: int
    every_s: int
    vm: str
    command: str
    duration_s: float
    fail_at_s: float | None
    start_t: float
    origin_bytes: int
    next_check_t: float


def is_job(argv: Sequence[str]) -> bool:
    """True when ``argv`` (after any ``sudo -n``) is hatui's wrapper: ``sh -c SCRIPT hatui-backup ...``."""
    words = list(argv)
    while words and words[0].rsplit("/", 1)[-1] in ("sudo", "-n"):
        words.pop(0)
    return (
        len(words) > 3 and words[0].rsplit("/", 1)[-1] == "sh" and words[1] == "-c" and words[3] == JOB_NAME
    )


def _start(c: DemoCluster, node: str, words: tuple[str, ...]) -> _Job | Outcome:
    if len(words) != 9 or not all(w.isdigit() for w in words[2:5]):
        return Outcome(
            EXIT_USAGE, "", f"{JOB_NAME}: usage: SNAP DEVICE LIMIT_S WARN INTERVAL_S VM NODE STAMP COMMAND\n"
        )
    snap, device, limit, warn, every, vm, _node, _stamp, command = words
    st = c.storage[node]
    vg, _, name = snap.partition("/")
    lv = st.lv(vg, name)
    if lv is None:
        reader = "dd" if command.lstrip().startswith("dd") else "sh"
        return Outcome(1, "", f"{reader}: failed to open '{device}': No such file or directory\n")
    origin = st.lv(vg, lv.origin or "")
    size = origin.size_bytes if origin is not None else lv.size_bytes
    duration = min(LONGEST_S, max(2.0, size / sim.BACKUP_READ_BYTES_S))
    fail_at = duration / 2 if st.fail_next_backup else None
    st.fail_next_backup = False
    c.log(f"backup: {node}: job for {vm} reading {device} started")
    return _Job(node, snap, device, int(limit), int(warn), max(1, int(every)), vm, command,
                duration, fail_at, c.t, size, c.t)  # fmt: skip


def _check(c: DemoCluster, job: _Job) -> Outcome | None:
    """One round of the wrapper's loop at demo time ``c.t``: the outcome once the job is over."""
    elapsed = c.t - job.start_t
    end = job.fail_at_s if job.fail_at_s is not None else job.duration_s
    if elapsed >= end:
        return _ended(c, job, elapsed)
    if elapsed >= job.limit_s:
        return _stopped(
            c, job, elapsed, EXIT_TIME_LIMIT, f"time limit of {job.limit_s}s reached: job stopped"
        )
    if c.t >= job.next_check_t:
        job.next_check_t = c.t + job.every_s
        fill = _fill(c, job)
        if fill is not None and int(fill) >= job.warn:
            why = f"snapshot {job.snap} is {fill:.2f}% full (stop level {job.warn}%): job stopped"
            return _stopped(c, job, elapsed, EXIT_FILLING, why)
    return None


def run(c: DemoCluster, node: str, words: tuple[str, ...]) -> Outcome:
    """Runs the wrapper (positional parameters ``words``: SNAP ... COMMAND) on ``node`` to its end."""
    job = _start(c, node, words)
    return _to_the_end(c, job) if isinstance(job, _Job) else job


def _to_the_end(c: DemoCluster, job: _Job) -> Outcome:
    """Moves demo time forward second by second until the job is over."""
    while True:
        done = _check(c, job)
        if done is not None:
            return done
        c.advance(1.0)


async def run_async(c: DemoCluster, node: str, argv: Sequence[str], timeout: float) -> Outcome:
    """Runs the wrapper as the demo's transport does: in the console's real time, so that polls (the
    snapshot's fill, the runner's progress) see the job while it runs. On a clock that does not move
    by itself (tests), demo time is moved as ``run`` moves it.

    Raises:
        TransportError: the job outlived the caller's ``timeout`` (real seconds).
    """
    words = tuple(argv)
    at = words.index(JOB_NAME)
    c.sync()
    job = _start(c, node, words[at + 1 :])
    before, began = c.t, time.monotonic()
    await asyncio.sleep(0.05)
    c.sync()
    if not isinstance(job, _Job):
        return job
    if c.t - before < 0.04:  # a frozen clock
        return _to_the_end(c, job)
    while True:
        done = _check(c, job)
        if done is not None:
            return done
        if time.monotonic() - began > timeout:
            raise TransportError(f"{node}: timed out after {timeout:g}s")
        await asyncio.sleep(min(1.0, max(0.0, timeout - (time.monotonic() - began))))
        c.sync()


def _fill(c: DemoCluster, job: _Job) -> float | None:
    vg, _, name = job.snap.partition("/")
    sim.refresh_rates(c)
    lv = c.storage[job.node].lv(vg, name)
    return sim.snap_percent(c, lv) if lv is not None and lv.snap is not None else None


def _read(job: _Job, elapsed: float) -> int:
    share = min(1.0, elapsed / job.duration_s) if job.duration_s else 1.0
    return int(job.origin_bytes * share) // (4 * sim.MIB) * (4 * sim.MIB)


def _dd_summary(c: DemoCluster, job: _Job, read: int, elapsed: float) -> str:
    if not job.command.lstrip().startswith("dd"):
        return ""
    blocks = read // (4 * sim.MIB)
    gb = read / 1e9
    rate = f"{read / max(elapsed, 0.001) / 1e9:.1f} GB/s"
    size = f"{gb:.0f} GB" if c.generation == "seed" else f"{gb:.0f} GB, {read / sim.GIB:.0f} GiB"
    copied = f"{read} bytes ({size}) copied, {elapsed:.1f} s, {rate}"
    return f"{blocks}+0 records in\n{blocks}+0 records out\n{copied}\n"


def _store(c: DemoCluster, job: _Job, written: int) -> None:
    for mount in c.storage[job.node].mounts:
        if mount.mountpoint == "/srv/backup":
            mount.used_bytes = min(mount.size_bytes, mount.used_bytes + written)


def _ended(c: DemoCluster, job: _Job, elapsed: float) -> Outcome:
    read = _read(job, elapsed)
    _store(c, job, int(read * sim.GZIP_RATIO))
    if job.fail_at_s is not None:
        c.log(f"backup: {job.node}: job for {job.vm} failed after {elapsed:.0f}s")
        err = "gzip: stdout: Input/output error\n" + _dd_summary(c, job, read, elapsed)
        return Outcome(1, "", err)
    c.log(f"backup: {job.node}: job for {job.vm} done in {elapsed:.0f}s")
    return Outcome(0, "", _dd_summary(c, job, read, elapsed))


def _stopped(c: DemoCluster, job: _Job, elapsed: float, status: int, why: str) -> Outcome:
    read = _read(job, elapsed)
    _store(c, job, int(read * sim.GZIP_RATIO))
    c.log(f"backup: {job.node}: job for {job.vm} stopped: {why}")
    return Outcome(status, "", f"{JOB_NAME}: {why}\n")
