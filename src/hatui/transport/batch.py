"""Provides the batch script: several named commands run by ONE POSIX ``sh``, and its splitter.

A poll must be one remote command, not one round trip per source. ``build_batch`` turns named argv
lists into a single ``sh`` script; ``split_batch`` turns the script's standard output back into one
``CommandResult`` per name. The same pair serves the SSH and the local transport.

Layout of the script's standard output, per command ``i`` (``M`` is the per-run marker)::

    M B i\\n<stdout of i>\\nM S i <exit status>\\n<stderr of i>\\nM E i\\n

The command's stdout passes straight through; its stderr is captured by a command substitution
(``e=$(cmd 2>&1 1>&3)``, fd 3 being the real stdout), so no temporary file is needed on the node.
The marker is random per run and is never written whole in the script text (it is printed from two
halves), so neither a command's output nor a process listing showing the script can forge it.
"""

from __future__ import annotations

import math
import secrets
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from hatui.errors import TransportError
from hatui.transport.base import CommandResult

#: Extra grace, in seconds, between the node-side ``timeout`` and its ``-k`` SIGKILL.
_KILL_AFTER_S = 2


@dataclass(frozen=True, slots=True)
class Batch:
    """A built batch: the script to hand to ``sh -c``, and what ``split_batch`` needs to read it."""

    script: str
    marker: str
    names: tuple[str, ...]
    argvs: tuple[tuple[str, ...], ...]


def validate_argv(argv: Sequence[str]) -> tuple[str, ...]:
    """Returns ``argv`` as a tuple after checking that it can be passed to a program safely.

    Raises:
        TransportError: the list is empty, an item is not a string or holds a NUL byte.
    """
    if isinstance(argv, str):
        # A bare string would be split into characters by tuple(); it is a caller bug.
        raise TransportError(f"refusing to run {argv!r}: a command must be an argument list")
    items = tuple(argv)
    if not items:
        raise TransportError("refusing to run an empty command")
    for item in items:
        if not isinstance(item, str):
            raise TransportError(f"refusing to run {items!r}: argument {item!r} is not a string")
        if "\x00" in item:
            raise TransportError(f"refusing to run {items!r}: an argument holds a NUL byte")
    return items


def quote_argv(argv: Sequence[str]) -> str:
    """Returns ``argv`` as one POSIX shell line, every argument validated and quoted."""
    return shlex.join(validate_argv(argv))


def single_command(argv: Sequence[str], *, timeout: float | None) -> str:
    """Returns the shell line that runs ONE command on a node, bounded there by ``timeout`` too.

    The argv goes to ``sh`` as positional parameters (``"$@"``), never re-parsed as shell text.
    ``timeout`` (coreutils) is used when the node has it, so that a hung command does not outlive
    the poll that gave up on it.
    """
    args = quote_argv(argv)
    if timeout is None:
        return f"exec {args}"
    limit = _node_limit(timeout)
    body = (
        "if command -v timeout >/dev/null 2>&1; then "
        f'exec timeout -k {_KILL_AFTER_S} {limit} "$@"; else exec "$@"; fi'
    )
    return f"sh -c {shlex.quote(body)} sh {args}"


def build_batch(commands: Mapping[str, Sequence[str]], *, timeout: float | None) -> Batch:
    """Builds the script that runs ``commands`` one after the other in a single ``sh``.

    ``timeout`` bounds each command on the node (through ``timeout`` when the node has it; None
    leaves that to the caller, as the local transport does by killing the process group).

    Raises:
        TransportError: a name or an argv is not acceptable (see ``validate_argv``).
    """
    names: list[str] = []
    argvs: list[tuple[str, ...]] = []
    for name, argv in commands.items():
        if not isinstance(name, str) or not name:
            raise TransportError(f"refusing batch entry {name!r}: names must be non-empty strings")
        names.append(name)
        argvs.append(validate_argv(argv))
    token = secrets.token_hex(16)
    half = len(token) // 2
    head, tail = f"hatui-{token[:half]}", f"{token[half:]}-hatui"
    lines = [
        # C locale: stable output for the parsers and untranslated sudo messages.
        "LC_ALL=C; export LC_ALL",
        # Cluster tools live in sbin, which a non-root login PATH often lacks.
        "PATH=$PATH:/usr/local/sbin:/usr/sbin:/sbin; export PATH",
        "unset IFS",
        "exec 3>&1",
        f"_h={shlex.quote(head)}; _t={shlex.quote(tail)}",
    ]
    if timeout is None:
        lines.append("_w=")
    else:
        limit = _node_limit(timeout)
        lines.append(
            "if command -v timeout >/dev/null 2>&1; "
            f"then _w='timeout -k {_KILL_AFTER_S} {limit}'; else _w=; fi"
        )
    for i, argv in enumerate(argvs):
        lines += [
            f'printf \'%s%s B {i}\\n\' "$_h" "$_t"',
            # $_w is unquoted on purpose: it is our own fixed words (or nothing).
            f"_e=$($_w {shlex.join(argv)} 2>&1 1>&3 3>&- </dev/null)",
            "_s=$?",
            f'printf \'\\n%s%s S {i} %s\\n%s\\n%s%s E {i}\\n\' "$_h" "$_t" "$_s" "$_e" "$_h" "$_t"',
        ]
    lines.append("exit 0")
    return Batch(script="\n".join(lines) + "\n", marker=head + tail, names=tuple(names), argvs=tuple(argvs))


def split_batch(
    batch: Batch, stdout: str, *, stderr: str = "", duration_s: float = 0.0
) -> dict[str, CommandResult]:
    """Splits the script's ``stdout`` into one ``CommandResult`` per name.

    A command whose section is missing or cut short (the script died, the output was truncated)
    gets ``exit_status=None`` and a ``stderr`` saying so, plus whatever the script printed on its
    own stderr. The node does not time each command, so ``duration_s`` is the whole batch's.
    """
    results: dict[str, CommandResult] = {}
    pos = 0
    m = batch.marker
    for i, (name, argv) in enumerate(zip(batch.names, batch.argvs, strict=True)):
        begin = f"{m} B {i}\n"
        start = stdout.find(begin, pos)
        status_at = stdout.find(f"\n{m} S {i} ", start) if start >= 0 else -1
        if status_at < 0:
            # A cut-short section is not kept: half an XML document is worse than none.
            results[name] = _missing(argv, stderr, duration_s, began=start >= 0)
            continue
        out = stdout[start + len(begin) : status_at]
        status_line_at = status_at + len(f"\n{m} S {i} ")
        eol = stdout.find("\n", status_line_at)
        end = stdout.find(f"\n{m} E {i}\n", eol) if eol >= 0 else -1
        try:
            status: int | None = int(stdout[status_line_at:eol]) if eol >= 0 else None
        except ValueError:
            status = None
        if eol < 0:
            err = ""
        else:
            err = stdout[eol + 1 : end] if end >= 0 else stdout[eol + 1 :]
        results[name] = CommandResult(
            argv=argv, exit_status=status, stdout=out, stderr=err, duration_s=duration_s
        )
        pos = end + 1 if end >= 0 else status_line_at
    return results


def _missing(argv: tuple[str, ...], stderr: str, duration_s: float, *, began: bool) -> CommandResult:
    # Told apart so that, after a cut, the command that was running (the one that printed too
    # much, or hung) stands out from those that never started.
    if began:
        why = "no result: the batch ended while this command ran"
    else:
        why = "no result: the batch ended before this command started"
    detail = f"{why}: {stderr.strip()}" if stderr.strip() else why
    return CommandResult(argv=argv, exit_status=None, stdout="", stderr=detail, duration_s=duration_s)


def _node_limit(timeout: float) -> int:
    # One second beyond the caller's own timeout, so that the caller reports "timed out" first
    # and the node-side limit only cleans up.
    return max(1, math.ceil(timeout)) + 1
