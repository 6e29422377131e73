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

from dataclasses import dataclass
from typing import TYPE_CHECKING

from hatui.demo import storage_sim as sim
from hatui.demo.commands import Outcome

if TYPE_CHECKING:
    from hatui.demo.cluster import DemoCluster

#: What the wrapper calls itself (``$0``).
JOB_NAME = "hatui-backup"
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


def run(c: DemoCluster, node: str, words: tuple[str, ...]) -> Outcome:
    """Runs the wrapper with its positional parameters ``words`` (SNAP ... COMMAND) on ``node``."""
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
    duration = min(LONGEST_S, max(2.0, lv.size_bytes / sim.BACKUP_READ_BYTES_S))
    origin = st.lv(vg, lv.origin or "")
    if origin is not None:
        duration = min(LONGEST_S, max(2.0, origin.size_bytes / sim.BACKUP_READ_BYTES_S))
    fail_at = duration / 2 if st.fail_next_backup else None
    st.fail_next_backup = False
    job = _Job(
        node, snap, device, int(limit), int(warn), max(1, int(every)), vm, command, duration, fail_at, c.t
    )
    c.log(f"backup: {node}: job for {vm} reading {device} started")
    return _drive(c, job, origin.size_bytes if origin is not None else lv.size_bytes)


def _drive(c: DemoCluster, job: _Job, origin_bytes: int) -> Outcome:
    next_check = c.t
    while True:
        elapsed = c.t - job.start_t
        end = job.fail_at_s if job.fail_at_s is not None else job.duration_s
        if elapsed >= end:
            return _ended(c, job, origin_bytes, elapsed)
        if elapsed >= job.limit_s:
            why = f"time limit of {job.limit_s}s reached: job stopped"
            return _stopped(c, job, origin_bytes, elapsed, EXIT_TIME_LIMIT, why)
        if c.t >= next_check:
            next_check = c.t + job.every_s
            fill = _fill(c, job)
            if fill is not None and int(fill) >= job.warn:
                why = f"snapshot {job.snap} is {fill:.2f}% full (stop level {job.warn}%): job stopped"
                return _stopped(c, job, origin_bytes, elapsed, EXIT_FILLING, why)
        c.advance(1.0)


def _fill(c: DemoCluster, job: _Job) -> float | None:
    vg, _, name = job.snap.partition("/")
    sim.refresh_rates(c)
    lv = c.storage[job.node].lv(vg, name)
    return sim.snap_percent(c, lv) if lv is not None and lv.snap is not None else None


def _read(job: _Job, origin_bytes: int, elapsed: float) -> int:
    share = min(1.0, elapsed / job.duration_s) if job.duration_s else 1.0
    return int(origin_bytes * share) // (4 * sim.MIB) * (4 * sim.MIB)


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


def _ended(c: DemoCluster, job: _Job, origin_bytes: int, elapsed: float) -> Outcome:
    read = _read(job, origin_bytes, elapsed)
    _store(c, job, int(read * sim.GZIP_RATIO))
    if job.fail_at_s is not None:
        c.log(f"backup: {job.node}: job for {job.vm} failed after {elapsed:.0f}s")
        err = "gzip: stdout: Input/output error\n" + _dd_summary(c, job, read, elapsed)
        return Outcome(1, "", err)
    c.log(f"backup: {job.node}: job for {job.vm} done in {elapsed:.0f}s")
    return Outcome(0, "", _dd_summary(c, job, read, elapsed))


def _stopped(c: DemoCluster, job: _Job, origin_bytes: int, elapsed: float, status: int, why: str) -> Outcome:
    read = _read(job, origin_bytes, elapsed)
    _store(c, job, int(read * sim.GZIP_RATIO))
    c.log(f"backup: {job.node}: job for {job.vm} stopped: {why}")
    return Outcome(status, "", f"{JOB_NAME}: {why}\n")
