"""Provides ``NodeCollector``: polls one node and turns what it said into a ``NodeCapture``.

One collector per node. It detects the node's stack once per connection (again after a reconnect
or after the node was unreachable), runs the sources that are due as ONE batch, and never raises:
a node that cannot be read becomes a capture with ``unreachable`` set.

Detection and the first poll share one round trip when the stack cache
(:mod:`hatui.sources.stack_cache`) knows the node: the poll chosen from the cached probe answers
goes behind a ``Guard``, and the node runs it only when its fingerprint of the fresh answers is the
cached one. Otherwise (nothing cached, the tools changed) the probes alone run, the cache learns
the new answers and the poll follows as a second batch: a command chosen for a node's old tools is
never sent to its new ones.

Per-source intervals: each source belongs to a family (its ``SourceSpec.family``) whose interval comes from
``ClusterConfig.intervals``. A poll runs only the sources that are due; the capture it returns
still holds every source, the others with their last output (or error) from this connection, so
that one capture always describes the whole node. When Pacemaker's output changed since the last
poll, the other sources are read again in the same poll: kept outputs would contradict the new
picture (a VM shown running where Pacemaker has just stopped it, a ban that was just cleared).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime

from hatui.clock import Clock, SystemClock
from hatui.config import DEFAULT_INTERVALS, ClusterConfig, Family, NodeConfig
from hatui.errors import TransportError
from hatui.model.capture import NodeCapture, StackInfo
from hatui.sources import stack_cache
from hatui.sources.detect import VOLATILE_PROBES, probe_commands, stack_from_probes
from hatui.sources.table import BY_NAME, commands_for
from hatui.transport.base import FINGERPRINT, CommandResult, Guard, Transport

#: What sudo prints when it would need a password or a terminal (``LC_ALL=C`` on the node).
_SUDO_REFUSALS = (
    "a password is required",
    "a terminal is required",
    "no tty present",
    "is not allowed to execute",
    "is not in the sudoers file",
    "may not run sudo",
)
_NOT_FOUND = 127
#: What crm_mon prints differently on every call (when it ran), not a change in the cluster.
_VOLATILE = re.compile(r"last[ _]updated?\b.*$", re.IGNORECASE | re.MULTILINE)


def _settled(text: str | None) -> str | None:
    return None if text is None else _VOLATILE.sub("", text)


def _family(name: str) -> Family:
    spec = BY_NAME.get(name)
    return spec.family if spec is not None else Family.PACEMAKER


class NodeCollector:
    """Polls one node through its transport; see the module docstring."""

    def __init__(
        self,
        node: NodeConfig,
        cluster: ClusterConfig,
        transport: Transport,
        *,
        clock: Clock | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.node = node
        self.cluster = cluster
        self.transport = transport
        self._clock: Clock = clock or SystemClock()
        self._monotonic = monotonic
        self._stack: StackInfo | None = None
        self._detected_generation: int | None = None
        self._last_run: dict[str, float] = {}
        self._cache: dict[str, tuple[str | None, str | None]] = {}
        self._last_good: datetime | None = None
        self._inflight: asyncio.Task[NodeCapture] | None = None

    @property
    def stack(self) -> StackInfo | None:
        """What the node was detected to run; None until detected (or after it was lost)."""
        return self._stack

    @property
    def last_good_at(self) -> datetime | None:
        """When the node last answered a poll; None if it never did."""
        return self._last_good

    @property
    def busy(self) -> bool:
        """True while a poll is in flight."""
        return self._inflight is not None and not self._inflight.done()

    async def poll(self, *, force: bool = False) -> NodeCapture:
        """Polls the node once and returns its capture. Never raises (except on cancellation).

        ``force`` runs every source, due or not. A call made while a poll is in flight does not
        start a second one: it waits for that poll and returns its capture.
        """
        if self._inflight is None or self._inflight.done():
            self._inflight = asyncio.create_task(self._poll(force), name=f"poll {self.node.name}")
        # Shielded: a caller that gives up (a UI tick cancelled) must not kill the poll that another
        # caller may be waiting for; the node-side and transport timeouts bound it anyway.
        return await asyncio.shield(self._inflight)

    async def close(self) -> None:
        """Stops a poll in flight and closes the transport."""
        task, self._inflight = self._inflight, None
        if task is not None and not task.done():
            task.cancel()
            # Closing must not fail, whatever the poll was doing.
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        # A transport that fails to close is closed enough.
        with contextlib.suppress(Exception):
            await self.transport.close()
        # What this run learnt about the nodes is written before hatui may exit.
        stack_cache.flush()

    async def _poll(self, force: bool) -> NodeCapture:
        try:
            return await self._poll_inner(force)
        except TransportError as exc:
            return self._unreachable(exc.message, exc.kind)
        except Exception as exc:  # one node's bug must not take the console down
            return self._unreachable(f"internal error while polling: {exc!r}")

    async def _poll_inner(self, force: bool) -> NodeCapture:
        timeout = self.cluster.command_timeout
        now = self._monotonic()
        polled: dict[str, CommandResult] | None = None
        if self._needs_detection():
            polled = await self._detect(force, now, timeout)
            self._last_good = self._clock.now()
        stack = self._stack or StackInfo()
        commands = commands_for(stack)
        if polled is not None:
            # The guarded batch ran the due sources along with the probes: that was the poll.
            due = {name: commands[name] for name in polled}
            changed = self._take(due, polled, now)
        else:
            due = {name: argv for name, argv in commands.items() if force or self._is_due(name, now)}
            changed = await self._run(due, now, timeout) if due else False
        if due:
            rest = {name: argv for name, argv in commands.items() if name not in due}
            if changed and rest:
                # The cluster changed (a VM moved, a ban came or went): the slower sources kept
                # from earlier polls would contradict the new Pacemaker picture in this capture
                # (a VM "running" where Pacemaker just stopped it), so they are read again now.
                await self._run(rest, now, timeout)
            self._last_good = self._clock.now()
        if self._generation() != self._detected_generation:
            # The transport reconnected during this poll: the node may have changed under us
            # (upgraded, reinstalled), so the next poll detects again before it trusts the stack.
            self._detected_generation = None
        # With nothing due nothing new was learnt: the capture keeps the time of the last answer.
        outputs = {n: out for n, (out, _) in self._cache.items() if out is not None and n in commands}
        errors = {n: err for n, (_, err) in self._cache.items() if err is not None and n in commands}
        return NodeCapture(
            node=self.node.name,
            outputs=outputs,
            errors=errors,
            unreachable=None,
            collected_at=self._last_good,
            stack=stack,
        )

    async def _detect(self, force: bool, now: float, timeout: float) -> dict[str, CommandResult] | None:
        """Detects the stack; returns the due sources' results when the cached stack still held
        (they ran in the same batch), else None."""
        probes = probe_commands(sudo=self.node.sudo)
        key, persist = await self._cache_key()
        cached = stack_cache.lookup(key, probes, persist=persist)
        guess = stack_from_probes(cached.probes) if cached is not None else None
        sources: dict[str, tuple[str, ...]] = {}
        if guess is not None:
            # After a reconnect to the same stack only the due sources go (a fresh stack: all).
            known = guess == self._stack
            sources = {
                name: argv
                for name, argv in commands_for(guess).items()
                if force or not known or self._is_due(name, now)
            }
        # Warm, only the fingerprinted probes go: a volatile answer (the DRBD states) decides
        # nothing the fingerprinted ones do not already pin (the DRBD flavour follows /proc/drbd's
        # and drbdadm's versions), so the cached one stands in while the fingerprint holds.
        sent = {n: a for n, a in probes.items() if cached is None or n not in VOLATILE_PROBES}
        guard = Guard(
            sent,
            fingerprinted=frozenset(sent) - VOLATILE_PROBES,
            expect=cached.fingerprint if cached is not None else None,
        )
        results = await self.transport.run_batch(
            {name: self._wrap(argv) for name, argv in sources.items()}, timeout=timeout, guard=guard
        )
        mark = results.get(FINGERPRINT)
        fingerprint = mark.stdout if mark is not None and mark.ok else None
        if cached is not None and fingerprint == cached.fingerprint:
            results = {**{n: cached.probes[n] for n in probes.keys() - sent.keys()}, **results}
        elif unsent := {n: a for n, a in probes.items() if n not in sent}:
            # The tools changed (or the answer was cut): the volatile probes are asked afresh.
            results = {**results, **await self.transport.run_batch(unsent, timeout=timeout)}
        # Kept under the argv asked for, which is what the cache compares with the next probes.
        answers = {name: replace(results[name], argv=probes[name]) for name in probes if name in results}
        stack = stack_from_probes(answers)
        self._set_stack(stack)
        if (
            cached is not None
            and fingerprint == cached.fingerprint
            and stack == guess
            and all(name in results for name in sources)
        ):
            return {name: results[name] for name in sources}
        # A probe cut short says nothing for sure: such a detection is used, never remembered.
        complete = answers.keys() == probes.keys() and all(
            r.exit_status is not None for r in answers.values()
        )
        if fingerprint is not None and complete:
            stack_cache.remember(key, stack_cache.CachedStack(answers, fingerprint), persist=persist)
        return None

    async def _cache_key(self) -> tuple[str, bool]:
        """The node's key in the stack cache, and whether it may go to disk.

        The host identity (address and host key) names the node the same way in every process; a
        transport without one is known by cluster and node name, in this process's memory only.
        The user and sudo are part of the key: the probes answer what that login may see.
        """
        login = f"{self.node.user or ''} sudo={int(self.node.sudo)}"
        identify = getattr(self.transport, "host_identity", None)
        if callable(identify):
            identity = await identify()
            if isinstance(identity, str):
                return f"{identity} {login}", True
        return f"{type(self.transport).__name__} {self.cluster.name}/{self.node.name} {login}", False

    async def _run(self, sources: dict[str, tuple[str, ...]], now: float, timeout: float) -> bool:
        """Runs ``sources`` as one batch into the cache; True if Pacemaker's output changed."""
        wrapped = {name: self._wrap(argv) for name, argv in sources.items()}
        return self._take(sources, await self.transport.run_batch(wrapped, timeout=timeout), now)

    def _take(
        self, sources: dict[str, tuple[str, ...]], results: dict[str, CommandResult], now: float
    ) -> bool:
        """Keeps the ``results`` of ``sources``; True if Pacemaker's output changed."""
        changed = False
        for name, argv in sources.items():
            before = self._cache.get(name, (None, None))[0]
            spec = BY_NAME.get(name)
            self._cache[name] = self._judge(
                argv, results.get(name), spec.empty_statuses if spec else frozenset()
            )
            self._last_run[name] = now
            if _family(name) is Family.PACEMAKER and before is not None:
                changed |= _settled(before) != _settled(self._cache[name][0])
        return changed

    def _needs_detection(self) -> bool:
        return self._stack is None or self._generation() != self._detected_generation

    def _set_stack(self, stack: StackInfo) -> None:
        if stack != self._stack:
            self._cache.clear()
            self._last_run.clear()
        self._stack = stack
        self._detected_generation = self._generation()

    def _stack_lost(self) -> None:
        self._stack = None
        self._detected_generation = None
        self._cache.clear()
        self._last_run.clear()

    def _generation(self) -> int | None:
        # SSH transports count their connections; the others stay the same "connection" forever.
        value = getattr(self.transport, "connection_generation", None)
        return value if isinstance(value, int) else None

    def _is_due(self, name: str, now: float) -> bool:
        last = self._last_run.get(name)
        if last is None:
            return True
        family = _family(name)
        interval = self.cluster.intervals.get(family, DEFAULT_INTERVALS[family])
        # A poller ticking every 2 s reaches a 10 s source at 9.99 s: do not make it wait 12 s.
        slack = min(0.5, interval * 0.1)
        return now - last >= interval - slack

    def _wrap(self, argv: Sequence[str]) -> tuple[str, ...]:
        return ("sudo", "-n", *argv) if self.node.sudo else tuple(argv)

    def _judge(
        self, argv: Sequence[str], result: CommandResult | None, empty: frozenset[int] = frozenset()
    ) -> tuple[str | None, str | None]:
        """Returns (output, error) for one source; output wins whenever there is any. An exit
        status in ``empty`` is the tool saying it has nothing to list (``SourceSpec.empty_statuses``)."""
        if result is None:
            return None, "no result for this source in the batch"
        # corosync-quorumtool exits 2 when not quorate and crm_mon non-zero on some warnings:
        # their output is still the truth to show.
        if result.stdout.strip():
            return result.stdout, None
        if result.exit_status == 0 or result.exit_status in empty:
            return result.stdout, None
        return None, self._explain(argv, result)

    def _explain(self, argv: Sequence[str], result: CommandResult) -> str:
        cmd = " ".join(argv)
        err = result.stderr.strip()
        first = err.splitlines()[0] if err else ""
        if self.node.sudo and any(text in err for text in _SUDO_REFUSALS):
            return (
                f"sudo -n refused to run `{cmd}` ({first}): the user has no password-less sudo "
                f"right for it; add a NOPASSWD sudoers rule, or set sudo: false for {self.node.name}"
            )
        if result.exit_status is None:
            reason = first.removeprefix("no result: ") or "killed or cut short"
            return f"`{cmd}` gave no result: {reason}"
        if result.exit_status == _NOT_FOUND:
            return f"`{cmd}`: command not found (exit 127){': ' + first if first else ''}"
        detail = f": {first}" if first else " and printed nothing"
        return f"`{cmd}` exited {result.exit_status}{detail}"

    def _unreachable(self, reason: str, kind: str | None = None) -> NodeCapture:
        stack = self._stack or StackInfo()
        # Whatever the node said before is no longer current; start afresh when it comes back.
        self._stack_lost()
        return NodeCapture(
            node=self.node.name,
            unreachable=reason,
            unreachable_kind=kind,
            collected_at=self._clock.now(),
            stack=stack,
        )
