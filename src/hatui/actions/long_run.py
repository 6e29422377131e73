"""Provides ``run_long``: one long command (a backup job) run with its own time limit and progress.

Most commands end within the cluster's command timeout; a backup job reads a whole disk. Such a
command carries ``Command.timeout_s`` (its limit) and may carry ``Command.watch``, the snapshot
(``vg/lv``) it reads. While it runs, the runner's actions panel and ``hatui do`` are told how long it
has run against its limit and, from the observer's polls (every ``PROGRESS_EVERY_S``), how full the
snapshot is on its node. The limit and the fill level are enforced on the node by the job's wrapper
(``hatui.actions.backup_job``); the transport's timeout here is only the backstop past them. When the
run ends without a result (a cancel, a dropped connection), the wrapper is stopped on the node
before anything else runs: the snapshot's removal comes next, and LVM refuses it while a job reads it.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable

from hatui.actions.backup_job import stop_argv
from hatui.actions.commands import Command
from hatui.actions.observer import Observer
from hatui.actions.running import Running
from hatui.model.view import ClusterView
from hatui.transport.base import CommandResult, Transport

#: Seconds between two progress polls of a long command: a whole-cluster poll is not free.
PROGRESS_EVERY_S = 5.0
#: Seconds the stop of a job hatui lost sight of may take (the script waits up to 20 s).
STOP_TIMEOUT_S = 30.0


def is_long(c: Command) -> bool:
    """True for a command that has its own time limit (the runner reports its progress)."""
    return c.timeout_s is not None


def shown(c: Command) -> str:
    """How the runner names ``c`` in progress and failures: its shell line, or for a long command
    (a wrapper script of a thousand characters) its summary."""
    return c.summary if is_long(c) else c.line


def snapshot_fill(view: ClusterView, node: str, path: str) -> float | None:
    """How full snapshot ``path`` (``vg/lv``) is on ``node`` as ``view`` shows it (None: not shown)."""
    rep = view.report(node)
    lvs = rep.logical_volumes if rep is not None else None
    lv = next((v for v in lvs or () if v.path == path), None)
    return lv.snapshot_percent if lv is not None else None


async def _fill(observer: Observer | None, c: Command) -> float | None:
    """The watched snapshot's fill from a fresh poll; None when unknown. A poll that fails is only
    progress not shown: it must not end the job (an exception here would stop it on the node)."""
    if observer is None or c.watch is None:
        return None
    try:
        view = await observer.observe()
    except Exception:  # any failure: see the docstring
        return None
    return snapshot_fill(view, c.node, c.watch)


def progress_line(c: Command, elapsed: float, fill: float | None) -> str:
    """``waiting 12s / 3690s for …: snapshot vg/lv 14% full``: the line the panel and ``hatui do`` show.

    It starts with ``waiting`` so that ``hatui do`` prints it at its pace for waits.
    """
    limit = f" / {c.timeout_s:.0f}s" if c.timeout_s is not None else ""
    # The summary names the node; its parenthesis (the limits) is what the numbers here say.
    line = f"waiting {elapsed:.0f}s{limit} for {c.summary.split(' (')[0]}"
    if c.watch is not None:
        line += f": snapshot {c.watch} " + (f"{fill:.0f}% full" if fill is not None else "fill not read yet")
    return line


async def run_long(
    transport: Transport,
    c: Command,
    observer: Observer | None,
    me: Running | None,
    say: Callable[[str], None],
    results: list[tuple[str, CommandResult]],
    *,
    every: float | None = None,
    monotonic: Callable[[], float] = time.monotonic,
) -> CommandResult:
    """Runs ``c`` through ``transport`` and reports its progress until it ends.

    ``every``: seconds between progress polls (None: ``PROGRESS_EVERY_S`` as it is now).
    ``results``: the action's results, where the stop sent to the node goes when the run ends
    without a result (the command's own result is returned, the caller records it).

    Raises:
        TransportError: as ``Transport.run`` (the backstop timeout among them).
    """
    assert c.timeout_s is not None
    every = every or PROGRESS_EVERY_S
    start = monotonic()
    task = asyncio.ensure_future(transport.run(c.argv, timeout=c.timeout_s))
    try:
        while True:
            done, _ = await asyncio.wait({task}, timeout=every)
            if done:
                return task.result()
            fill = await _fill(observer, c)
            line = progress_line(c, monotonic() - start, fill)
            if me is not None:
                me.doing = line
            say(line)
    except BaseException:
        # Cancelled, or the connection failed: the wrapper may still run on the node, reading the
        # snapshot that is about to be removed. It is told to stop first (and waited for).
        if not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        stop = stop_argv(tuple(c.argv))
        if stop is not None:
            say(f"[{c.node}] stop the backup job reading {c.watch} (hatui lost sight of it)")
            stopping = asyncio.ensure_future(transport.run(stop, timeout=STOP_TIMEOUT_S))
            with contextlib.suppress(asyncio.CancelledError, Exception):
                results.append((c.node, await asyncio.shield(stopping)))
        raise
