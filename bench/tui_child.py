"""Runs ``hatui`` (any arguments) with counters on polls and remote commands, for the live benchmarks.

``python -m bench.tui_child --config PATH`` is the console an admin starts, plus two counters:
polls per node (``NodeCollector._poll``, one per poll actually run) and remote commands per node
(``SSHTransport._run_line``, one per exec channel, which is one sshd session on the node). On
SIGUSR1 it writes them as JSON to ``$HATUI_BENCH_COUNTS``; the parent reads that file.

More instruments, each switched on by the environment (so a console without them is the console
an admin runs):

- ``HATUI_BENCH_TIMING=1``: the console times each key and each poll that brings a change, from
  the key event's creation (the moment the driver read the bytes) or the ``NodePolled`` dispatch to
  the last screen write (``App._display``) after it was handled that is followed by 50 ms without
  writes (so a render the console defers to a timer or to after a refresh is counted; a console
  that never goes quiet is cut at 2 s). The times go into the counts file: ``key_ms`` ([key, ms]
  per key) and ``apply_ms``.
- ``HATUI_BENCH_ALTERNATE=DIR`` (with ``--replay``; implies the timing): the first node's polls
  alternate between its replay capture and the one in replay dir ``DIR`` (which differs in one
  resource), so every second poll of it brings a change.
- ``HATUI_BENCH_PROFILE=PATH``: the whole run under pyinstrument; its text report (top frames) is
  written to ``PATH`` when the console exits.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from hatui.cli import main
from hatui.sources.collector import NodeCollector
from hatui.sources.poller import ReplayPoller
from hatui.transport.ssh import SSHTransport

POLLS: Counter[str] = Counter()
COMMANDS: Counter[str] = Counter()
APPLY_MS: list[float] = []
#: Per changed poll timed: every screen write (ms after the dispatch) up to the quiet that ended it.
APPLY_WRITES: list[list[float]] = []
#: [key, ms] per key press: from the key event's creation to the screen written (as APPLY_MS).
KEY_MS: list[list[Any]] = []
#: Reports (by id) that bring a change; the dispatch wrapper times only those.
CHANGED: set[int] = set()
FLIPS: Counter[str] = Counter()
TASKS: set[asyncio.Task[None]] = set()
#: A change is on the screen once the console has written it and then nothing for this long.
QUIET_S = 0.05
#: The longest a change is waited for.
CAP_S = 2.0


def _install() -> None:
    poll, run_line = NodeCollector._poll, SSHTransport._run_line

    async def counted_poll(self: NodeCollector, force: bool) -> Any:
        POLLS[self.node.name] += 1
        return await poll(self, force)

    async def counted_run_line(self: SSHTransport, *args: Any, **kwargs: Any) -> Any:
        COMMANDS[self.node] += 1
        return await run_line(self, *args, **kwargs)

    NodeCollector._poll = counted_poll  # type: ignore[method-assign]
    SSHTransport._run_line = counted_run_line  # type: ignore[method-assign]
    replay_poll = ReplayPoller.poll

    async def counted_replay_poll(self: ReplayPoller, node: str) -> Any:
        POLLS[node] += 1
        return await replay_poll(self, node)

    ReplayPoller.poll = counted_replay_poll  # type: ignore[method-assign]


def _install_alternate(alt_dir: Path) -> None:
    """The first node of the replay flips between its capture and the one in ``alt_dir``."""
    from hatui.replay import read_replay_dir

    alt = {c.node: c for c in read_replay_dir(alt_dir)}
    flips = FLIPS
    poll = ReplayPoller.poll

    async def alternating_poll(self: ReplayPoller, node: str) -> Any:
        first = next(iter(self._captures))
        if node == first and node in alt:
            if not hasattr(self, "_bench_original"):
                self._bench_original = self._captures[node]  # type: ignore[attr-defined]
            flips[node] += 1
            self._captures[node] = alt[node] if flips[node] % 2 == 0 else self._bench_original  # type: ignore[attr-defined]
            report = await poll(self, node)
            if flips[node] > 1:  # the first poll is the start-up, not a change
                CHANGED.add(id(report))
            return report
        return await poll(self, node)

    ReplayPoller.poll = alternating_poll  # type: ignore[method-assign]


def _install_timing() -> None:
    """Times, inside the console, how long a key and a changed poll take to reach the screen."""
    from textual import events
    from textual.app import App

    from hatui.ui.messages import NodePolled

    dispatch, display = App._dispatch_message, App._display
    last_write = [0.0]
    writes: list[float] = []  # the latest writes' times, for APPLY_WRITES

    def noted_display(self: App[Any], *args: Any, **kwargs: Any) -> None:
        last_write[0] = time.monotonic()
        writes.append(last_write[0])
        del writes[:-64]
        display(self, *args, **kwargs)

    #: id(message) -> when its latest dispatch ended (a key event is dispatched more than once:
    #: to the app, then on to the screen); the timing counts from the last.
    handled_at: dict[int, float] = {}

    async def settle(into: list[Any], label: str | None, t0: float, mid: int) -> None:
        # The screen is up to date once it has been written after the message was handled and
        # nothing more was written for QUIET_S (a console that never goes quiet: cut at CAP_S).
        took = CAP_S
        while time.monotonic() - t0 < CAP_S:
            await asyncio.sleep(0.005)
            now, last = time.monotonic(), last_write[0]
            if last >= handled_at[mid] and now - last >= QUIET_S:
                took = last - t0
                break
        del handled_at[mid]
        into.append(took * 1000 if label is None else [label, took * 1000])
        if label is None:
            APPLY_WRITES.append([round((w - t0) * 1000, 1) for w in writes if t0 <= w <= t0 + took])

    async def timed_dispatch(self: App[Any], message: Any) -> None:
        mid = id(message)
        if mid in handled_at:
            await dispatch(self, message)
            handled_at[mid] = time.monotonic()
            return
        if isinstance(message, NodePolled) and id(message.report) in CHANGED:
            CHANGED.discard(id(message.report))
            into, label, t0 = APPLY_MS, None, time.monotonic()
        elif isinstance(message, events.Key):
            # From the moment the terminal's bytes became a key event (the driver's thread).
            into, label, t0 = KEY_MS, message.key, message.time
        else:
            await dispatch(self, message)
            return
        handled_at[mid] = float("inf")
        await dispatch(self, message)
        handled_at[mid] = time.monotonic()
        task = asyncio.get_running_loop().create_task(settle(into, label, t0, mid))
        TASKS.add(task)
        task.add_done_callback(TASKS.discard)

    App._display = noted_display  # type: ignore[method-assign]
    App._dispatch_message = timed_dispatch  # type: ignore[method-assign]


def _dump(_signum: int, _frame: object) -> None:
    path = os.environ.get("HATUI_BENCH_COUNTS")
    if path:
        tmp = f"{path}.tmp"
        with open(tmp, "w") as f:
            json.dump({"polls": dict(POLLS), "commands": dict(COMMANDS), "apply_ms": APPLY_MS,
                       "key_ms": KEY_MS, "flips": FLIPS, "apply_writes_ms": APPLY_WRITES}, f)  # fmt: skip
        os.replace(tmp, path)


def _run(argv: list[str]) -> int:
    profile_to = os.environ.get("HATUI_BENCH_PROFILE")
    if not profile_to:
        return main(argv)
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.001, async_mode="disabled")
    profiler.start()
    try:
        return main(argv)
    finally:
        profiler.stop()
        text = profiler.output_text(unicode=False, color=False, show_all=False)
        Path(profile_to).write_text(text)


if __name__ == "__main__":
    _install()
    alternate = os.environ.get("HATUI_BENCH_ALTERNATE")
    if alternate:
        _install_alternate(Path(alternate))
    if alternate or os.environ.get("HATUI_BENCH_TIMING"):
        _install_timing()
    signal.signal(signal.SIGUSR1, _dump)
    sys.exit(_run(sys.argv[1:]))
