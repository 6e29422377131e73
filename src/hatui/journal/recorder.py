"""Provides ``hatui record``: the flight recorder, the console's polling without a screen.

It polls exactly as the console does (``make_poller``: the same sources, intervals and
connections; one task per node that sleeps ``poller.interval(node)`` after each poll; the same
ClusterState, re-judged once a second so a settling problem comes due on time) and hands every
poll to the cluster's listeners (``build_listeners``: the journal, the alert rules). It writes one
line per change to stderr (what the console's event log shows: nodes lost and back, problems new
and cleared, resources moved), which is what a service manager keeps. SIGTERM or SIGINT ends it
cleanly: the polls stop, the connections close, the journal's last transaction is committed, and
the exit status is 0.

Textual is not imported here (a recorder runs where no terminal exists).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import sys
from dataclasses import dataclass
from pathlib import Path

from hatui.clock import Clock, SystemClock
from hatui.config import ClusterConfig, Config
from hatui.errors import HatuiError
from hatui.model.capture import NodeCapture
from hatui.model.events import ClusterEvent
from hatui.model.report import NodeReport
from hatui.plaintext import clean_line
from hatui.snapshot.once import EXIT_UNKNOWN, SourceChoice, print_error, resolve
from hatui.sources.poller import Poller
from hatui.watch.listeners import Log, PollListener, build_listeners, close_all, notify_all
from hatui.watch.state import ClusterState

#: Seconds between two re-judgements of the verdict between polls (as the console's ticker).
TICK_S = 1.0
#: Seconds the connections get to close at the end.
CLOSE_S = 5.0
_SIZE_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}


def default_dir(cluster: str) -> Path:
    """``$XDG_STATE_HOME/hatui/journal/<cluster>`` (default ``~/.local/state/hatui/journal/<cluster>``)."""
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "hatui" / "journal" / cluster


def parse_size(text: str) -> int:
    """Bytes in ``500M``, ``2G``, ``256MiB``, ``1.5g`` or a plain number of bytes.

    Raises:
        ValueError: anything else; the message says what is accepted.
    """
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*", text.lower())
    if m is None or float(m.group(1)) <= 0:
        raise ValueError(f"expected a size such as 500M, 2G or 1048576 (bytes), got {text!r}")
    return int(float(m.group(1)) * _SIZE_UNITS[m.group(2)])


def stderr_log(line: str) -> None:
    """One clean line on stderr, flushed (a service manager reads it as it comes)."""
    sys.stderr.write(clean_line(line) + "\n")
    sys.stderr.flush()


def event_line(event: ClusterEvent) -> str:
    """``2026-12-05T03:12:04Z critical node-unreachable vnode2: ...``: one change, one line."""
    at = event.at.strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"{at} {event.severity} {event.kind.value} {event.subject}: {event.message}"


class Recorder:
    """Polls one cluster until told to stop, and hands each poll to the listeners."""

    def __init__(
        self,
        cluster: ClusterConfig,
        poller: Poller,
        state: ClusterState,
        listeners: list[PollListener],
        *,
        log: Log = stderr_log,
    ) -> None:
        self.cluster = cluster
        self.poller = poller
        self.state = state
        self.listeners = listeners
        self.log = log
        self.stop = asyncio.Event()
        self.polls = 0

    async def run(self) -> None:
        """Polls every node until ``stop`` is set, then closes the connections and the listeners."""
        tasks = [asyncio.create_task(self._poll(node), name=f"poll:{node}") for node in self.poller.nodes]
        tasks.append(asyncio.create_task(self._tick(), name="tick"))
        try:
            await self.stop.wait()
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.poller.close(), timeout=CLOSE_S)
            await close_all(self.listeners, self.log)

    async def _poll(self, node: str) -> None:
        while not self.stop.is_set():
            try:
                report = await self.poller.poll(node)
                capture = self.poller.last_capture(node)
            except Exception as exc:  # a poller bug must not stop this node's polling
                # No capture: the last one is an earlier poll's, not what this one saw.
                report, capture = NodeReport(node=node, unreachable=f"poll failed: {exc!r}"), None
            self.took(report, capture)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stop.wait(), timeout=self.poller.interval(node))

    def took(self, report: NodeReport, capture: NodeCapture | None) -> None:
        """One finished poll: into the state, its changes on stderr, then to every listener."""
        self.polls += 1
        recorded = self.state.record(report)
        for event in recorded.events:
            self.log(event_line(event))
        notify_all(self.listeners, capture, report, self.state, recorded, self.log)

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(TICK_S)
            recorded = self.state.refresh()
            for event in recorded.events if recorded is not None else ():
                self.log(event_line(event))


@dataclass(frozen=True)
class RecordArgs:
    """What ``hatui record`` was asked for."""

    choice: SourceChoice
    dir: Path | None = None
    max_size: int | None = None
    max_age_s: float | None = None


def run_record(args: RecordArgs, *, clock: Clock | None = None) -> int:
    """Runs the recorder until SIGTERM/SIGINT; returns the exit status (0 after a clean stop)."""
    from hatui.journal.store import Bounds
    from hatui.sources.make import make_poller

    try:
        config, cluster = resolve(args.choice)
        record_dir = args.dir or default_dir(cluster.name)
        defaults = Bounds()
        bounds = Bounds(
            max_bytes=args.max_size or defaults.max_bytes, max_age_s=args.max_age_s or defaults.max_age_s
        )
        listeners = build_listeners(config, cluster, record_dir=record_dir, log=stderr_log, bounds=bounds)
    except HatuiError as exc:
        print_error(exc)
        return EXIT_UNKNOWN
    poller = make_poller(config, cluster, demo=args.choice.demo, replay=args.choice.replay)
    state = _state(config, cluster, poller, clock or SystemClock())
    recorder = Recorder(cluster, poller, state, listeners)
    asyncio.run(
        _until_signalled(recorder, f"recording {cluster.name} ({len(poller.nodes)} nodes) into {record_dir}")
    )
    stderr_log(f"stopped: {recorder.polls} polls recorded")
    return 0


def _state(config: Config, cluster: ClusterConfig, poller: Poller, clock: Clock) -> ClusterState:
    name = cluster.display_name or cluster.name
    return ClusterState(name, poller.nodes, clock, cluster=cluster, ignore=config.health_ignore)


async def _until_signalled(recorder: Recorder, started: str) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, recorder.stop.set)
    stderr_log(started)  # said once the signals are ours: from here on SIGTERM is a clean stop
    try:
        await recorder.run()
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
