"""Provides ``Dispatcher``: runs alert commands and ``sendmail`` in the background, never on the poll.

``submit`` only queues (the poll that decided the alert goes on at once); a few worker tasks run the
jobs, each under its rule's time limit. What goes wrong is logged, one line per alert, and never
raised: a command that is missing, fails, or hangs (killed at its limit with everything it
started: it runs in a process group of its own). The queue is bounded, so a dead mail relay cannot
make hatui hold alerts without end: past ``MAX_PENDING`` an alert is dropped and logged.

A command's standard output is discarded (in the console it would scribble over the screen); the
end of its standard error is kept for the log line, cleaned (it is the command's text, not ours).
What came of each alert is also handed to the ``done`` callback given with it (the journal notes it
beside the alert: ``hatui.alerts.history`` names the outcomes).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import Callable
from dataclasses import dataclass, field

from hatui.alerts.engine import Alert
from hatui.alerts.history import DELIVERED, DROPPED, FAILED, TIMED_OUT
from hatui.alerts.payload import alert_json, mail_message
from hatui.plaintext import clean_line

Log = Callable[[str], None]
#: Told what came of one alert: its outcome and, unless delivered, why.
Done = Callable[[str, str | None], None]

#: Alerts waiting for a worker; more are dropped (and logged).
MAX_PENDING = 100
#: Jobs run side by side: a hung command holds one worker until its time limit, not the others.
WORKERS = 4
#: How much of a command's standard error is kept for the log line.
STDERR_TAIL = 400


@dataclass(frozen=True, slots=True)
class Job:
    """One alert to deliver: what to run and what it reads."""

    alert: Alert
    argv: tuple[str, ...]
    stdin: bytes
    done: Done | None = field(default=None, compare=False)

    @property
    def label(self) -> str:
        p = self.alert.problem
        return clean_line(f"alert {self.alert.rule.name} ({self.alert.state} {p.code} {p.subject})")


def job_for(alert: Alert, cluster: str, host: str, done: Done | None = None) -> Job:
    """The command (argv, JSON on stdin) or the ``sendmail -t -oi`` run of one alert."""
    rule = alert.rule
    if rule.mail is not None:
        message = mail_message(alert, cluster, host, rule.mail)
        return Job(alert, (rule.mail.sendmail, "-t", "-oi"), message, done)
    assert rule.command is not None
    return Job(alert, rule.command, alert_json(alert, cluster, host), done)


class Dispatcher:
    """Delivers alerts from worker tasks of its own, started on the running loop when first needed."""

    def __init__(self, cluster: str, host: str, log: Log) -> None:
        self.cluster = cluster
        self.host = host
        self.log = log
        self._queue: asyncio.Queue[Job] | None = None
        self._workers: list[asyncio.Task[None]] = []
        self._closed = False
        self._running: list[Job] = []
        self.delivered = 0
        self.failed = 0

    def submit(self, alert: Alert, done: Done | None = None) -> None:
        """Queues ``alert``; returns at once. Needs a running event loop (the poller's). ``done``
        is told what came of it (from a worker, or at once when it cannot be queued)."""
        job = job_for(alert, self.cluster, self.host, done)
        if self._closed:
            self._end(job, DROPPED, "not sent, hatui is stopping")
            return
        try:
            queue = self._start()
        except RuntimeError:
            self._end(job, DROPPED, "not sent, no event loop to run it on")
            return
        try:
            queue.put_nowait(job)
        except asyncio.QueueFull:
            self.failed += 1
            self._end(job, DROPPED, f"dropped, {MAX_PENDING} alerts are already waiting to be sent")

    def _end(self, job: Job, outcome: str, reason: str | None) -> None:
        """Logs what went wrong with ``job`` (nothing when delivered) and tells its ``done``."""
        if reason is not None:
            self.log(f"{job.label}: {reason}")
        if job.done is not None:
            try:
                job.done(outcome, reason)
            except Exception as exc:  # noting the outcome must not stop the delivery of others
                self.log(f"{job.label}: its outcome was not noted: {exc}")

    def _start(self) -> asyncio.Queue[Job]:
        if self._queue is None:
            loop = asyncio.get_running_loop()
            self._queue = asyncio.Queue(MAX_PENDING)
            self._workers = [loop.create_task(self._work(self._queue)) for _ in range(WORKERS)]
        return self._queue

    async def _work(self, queue: asyncio.Queue[Job]) -> None:
        while True:
            job = await queue.get()
            self._running.append(job)
            try:
                await self._deliver(job)
            except Exception as exc:  # a bug here must not end the worker
                self.failed += 1
                self._end(job, FAILED, f"not sent: {exc!r}")
            finally:
                self._running.remove(job)
                queue.task_done()

    async def _deliver(self, job: Job) -> None:
        limit = job.alert.rule.time_limit_s
        what = clean_line(job.argv[0])
        try:
            rc, err = await run_with_limit(job.argv, job.stdin, limit)
        except OSError as exc:
            self.failed += 1
            self._end(job, FAILED, f"cannot run {what}: {exc.strerror or exc}")
            return
        if rc is None:
            self.failed += 1
            self._end(job, TIMED_OUT, f"{what} still running after {limit:g}s, killed{_tail(err)}")
        elif rc != 0:
            self.failed += 1
            self._end(job, FAILED, f"{what} failed with exit status {rc}{_tail(err)}")
        else:
            self.delivered += 1
            self._end(job, DELIVERED, None)

    async def aclose(self, grace_s: float) -> None:
        """Lets queued alerts go out for up to ``grace_s`` seconds, then stops what still runs."""
        self._closed = True
        if self._queue is None:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._queue.join(), grace_s)
        unsent = [*self._running]
        while not self._queue.empty():
            unsent.append(self._queue.get_nowait())
        left = len(unsent)
        for task in self._workers:
            task.cancel()
        await asyncio.gather(*self._workers, return_exceptions=True)
        self._workers = []
        for job in unsent:  # one log line for them all, below; each outcome noted
            if job.done is not None:
                with contextlib.suppress(Exception):
                    job.done(DROPPED, f"not sent: hatui stopped first (within {grace_s:g}s)")
        if left:
            self.failed += left
            self.log(
                f"{left} alert(s) of cluster {clean_line(self.cluster)} not sent: hatui stopped first "
                f"(what still ran after {grace_s:g}s was killed)"
            )


async def run_with_limit(argv: tuple[str, ...], data: bytes, limit_s: float) -> tuple[int | None, bytes]:
    """Runs ``argv`` with ``data`` on stdin; (exit status, or None when killed at ``limit_s``; the
    end of its stderr). Raises OSError when it cannot be started (missing, not executable)."""
    proc = await asyncio.create_subprocess_exec(
        *argv,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
        start_new_session=True,  # its own process group: a time-out kills what it started too
    )
    tail = bytearray()

    async def feed() -> None:
        assert proc.stdin is not None
        # A command that does not read its input is its own business, not a failure to report.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            proc.stdin.write(data)
            await proc.stdin.drain()
        proc.stdin.close()

    async def read_tail() -> None:
        assert proc.stderr is not None
        while chunk := await proc.stderr.read(4096):
            tail.extend(chunk)
            del tail[:-STDERR_TAIL]

    try:
        await asyncio.wait_for(asyncio.gather(feed(), read_tail(), proc.wait()), limit_s)
    except TimeoutError:
        _kill_group(proc.pid)
        await proc.wait()
        return None, bytes(tail)
    finally:
        if proc.returncode is None:  # cancelled (hatui stopping): leave nothing behind
            _kill_group(proc.pid)
            with contextlib.suppress(BaseException):
                await asyncio.shield(proc.wait())
    return proc.returncode, bytes(tail)


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


def _tail(err: bytes) -> str:
    lines = [ln for ln in err.decode("utf-8", "replace").splitlines() if ln.strip()]
    return f": {clean_line(lines[-1].strip())}" if lines else ""
