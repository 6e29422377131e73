"""Provides measured "what if" prototypes of two changes to hatui's collection (bench only, not hatui):

- ``known stack``: a cold collection skips the detection batch because the node's stack is already
  known (as a cache of the last detection, or probes folded into the poll script, would give);
- ``parallel batch``: the poll script starts its commands at once on the node (``&`` + ``wait``,
  outputs in a temp dir) instead of one after the other, then prints them in the same framing,
  so ``hatui.transport.batch.split_batch`` reads it unchanged.

Both are applied by patching, for the duration of one measurement, what ``SSHTransport`` and
``NodeCollector`` use; the numbers say what the change would buy before anyone writes it for real.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import shlex
import time
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import hatui.transport.ssh as ssh_module
from hatui.config import ClusterConfig
from hatui.model.capture import NodeCapture, StackInfo
from hatui.sources.fanout import make_collectors, poll_all
from hatui.transport.batch import Batch, validate_argv


def parallel_batch(commands: Mapping[str, Sequence[str]], *, timeout: float | None) -> Batch:
    """Like ``hatui.transport.batch.build_batch``, but the commands run concurrently on the node."""
    names = list(commands)
    argvs = [validate_argv(a) for a in commands.values()]
    token = secrets.token_hex(16)
    head, tail = f"hatui-{token[:16]}", f"{token[16:]}-hatui"
    limit = max(1, int(timeout or 10)) + 1
    lines = [
        "LC_ALL=C; export LC_ALL",
        "PATH=$PATH:/usr/local/sbin:/usr/sbin:/sbin; export PATH",
        "unset IFS",
        f"_h={shlex.quote(head)}; _t={shlex.quote(tail)}",
        "_d=$(mktemp -d) || exit 1",
        f"if command -v timeout >/dev/null 2>&1; then _w='timeout -k 2 {limit}'; else _w=; fi",
    ]
    for i, argv in enumerate(argvs):
        lines.append(
            f'( $_w {shlex.join(argv)} >"$_d/{i}.o" 2>"$_d/{i}.e" </dev/null; echo $? >"$_d/{i}.s" ) &'
        )
    lines.append("wait")
    for i in range(len(argvs)):
        lines += [
            f'printf \'%s%s B {i}\\n\' "$_h" "$_t"',
            f'cat "$_d/{i}.o"',
            f'printf \'\\n%s%s S {i} %s\\n\' "$_h" "$_t" "$(cat "$_d/{i}.s")"',
            f'cat "$_d/{i}.e"',
            f'printf \'\\n%s%s E {i}\\n\' "$_h" "$_t"',
        ]
    lines += ['rm -rf "$_d"', "exit 0"]
    return Batch("\n".join(lines) + "\n", head + tail, tuple(names), tuple(argvs))


@contextlib.contextmanager
def parallel_batches() -> Iterator[None]:
    original = ssh_module.build_batch
    ssh_module.build_batch = parallel_batch  # type: ignore[assignment]
    try:
        yield
    finally:
        ssh_module.build_batch = original


async def collect(cluster: ClusterConfig, stacks: Mapping[str, StackInfo] | None) -> list[NodeCapture]:
    """A cold ``collect_once``, with the stacks given (no detection batch) when ``stacks`` is set."""
    collectors = make_collectors(cluster)
    if stacks:
        for c in collectors:
            c._set_stack(stacks[c.node.name])
    try:
        return await poll_all(collectors, force=True)
    finally:
        await asyncio.gather(*(c.close() for c in collectors), return_exceptions=True)


def measure(cluster: ClusterConfig, runs: int) -> dict[str, Any]:
    """In-process collection times: as hatui does it, with a known stack, and also with a parallel batch."""
    baseline = asyncio.run(collect(cluster, None))
    stacks = {c.node: c.stack for c in baseline}
    out: dict[str, list[float]] = {"as is": [], "known stack": [], "known stack + parallel batch": []}
    outputs_equal = True
    for _ in range(runs):
        for label in out:
            t0 = time.perf_counter()
            if label == "as is":
                caps = asyncio.run(collect(cluster, None))
            elif label == "known stack":
                caps = asyncio.run(collect(cluster, stacks))
            else:
                with parallel_batches():
                    caps = asyncio.run(collect(cluster, stacks))
                outputs_equal &= sorted(caps[0].outputs) == sorted(baseline[0].outputs)
            out[label].append(time.perf_counter() - t0)
    return {"times_s": out, "same_sources_read": outputs_equal}
