"""Provides the batch script: several named commands run side by side by ONE POSIX ``sh``.

A poll must be one remote command, not one round trip per source, and the node should not run
its commands one after the other. ``build_batch`` turns named argv lists into a single ``sh``
script; ``split_batch`` turns the script's standard output back into one ``CommandResult`` per
name. The same pair serves the SSH and the local transport.

The script makes a private directory (``mktemp -d``: mode 0700, and ``umask 077`` for its files,
so that no other user of the node reads an output such as ``drbdadm dump``'s secrets), starts
every command's section in the background, each into a file of its own, ``wait``s, and prints the
files in order with ONE ``cat``: the same output as the sequential script, which stays as the
fallback where ``mktemp -d`` fails (a full or read-only /tmp). A ``trap`` removes the directory on
exit and on HUP, INT, PIPE and TERM; a command still running then ends by its node-side timeout,
as it did when the sequential script lost its connection. ``ulimit -f`` keeps a runaway command
from filling the node's disk: its file stops at about twice the transport's output cap.

Layout of the script's standard output, per command ``i`` (``M`` is the per-run marker)::

    M B i\\n<stdout of i>\\nM S i <exit status>\\n<stderr of i>\\nM E i\\n

The command's stdout passes straight through; its stderr is captured by a command substitution
(``e=$(cmd 2>&1 1>&3)``, fd 3 being the section's stdout).

With a ``Guard`` (``hatui.transport.base``), the probes' sections come first, then the line
``M F <1 if the commands ran, else 0> <fingerprint>``, then the commands' sections if they ran.
The fingerprint is the ``cksum`` of the fingerprinted probes' sections (in name order) without
their marker: index, stdout, exit status and stderr. The sequential fallback takes no fingerprint
(an empty one, which never matches) and never runs a guarded batch's commands.

The marker is random per run and is never written whole in the script text (it is printed from two
halves), so neither a command's output nor a process listing showing the script can forge it.
(It is in the sections' files too, where only the batch's own user, and so its own commands,
could read it: it guards against text, not against the commands hatui chose to run.)
"""

from __future__ import annotations

import math
import secrets
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from hatui.errors import TransportError
from hatui.transport.base import FINGERPRINT, CommandResult, Guard
from hatui.transport.capped import CHUNK

#: Extra grace, in seconds, between the node-side ``timeout`` and its ``-k`` SIGKILL.
_KILL_AFTER_S = 2
#: ``ulimit -f`` counts 512-byte blocks (bash outside POSIX mode: KiB, a limit twice as far).
_BLOCK = 512


@dataclass(frozen=True, slots=True)
class Batch:
    """A built batch: the script to hand to ``sh -c``, and what ``split_batch`` needs to read it.

    ``names``/``argvs`` list the probes (the first ``probes`` of them) and then the commands.
    ``guarded`` says the output holds a fingerprint line after the probes.
    """

    script: str
    marker: str
    names: tuple[str, ...]
    argvs: tuple[tuple[str, ...], ...]
    probes: int = 0
    guarded: bool = False


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


def build_batch(
    commands: Mapping[str, Sequence[str]],
    *,
    timeout: float | None,
    guard: Guard | None = None,
    max_output: int | None = None,
) -> Batch:
    """Builds the script that runs ``commands`` side by side in a single ``sh``.

    ``timeout`` bounds each command on the node (through ``timeout`` when the node has it; None
    leaves that to the caller, as the local transport does by killing the process group).
    ``guard`` makes the batch two-phase (see ``Guard``); with ``expect`` None the commands are
    not even sent. ``max_output`` bounds each output file on the node (``ulimit -f``).

    Raises:
        TransportError: a name or an argv is not acceptable (see ``validate_argv``), a name is
            both a probe's and a command's, or ``fingerprinted`` names no probe.
    """
    probes = _checked(guard.probes if guard else {})
    runs = _checked(commands if guard is None or guard.expect else {})
    if both := sorted(set(probes) & set(runs)):
        raise TransportError(f"refusing batch: {', '.join(both)} named both a probe and a command")
    if guard is not None and (unknown := sorted(set(guard.fingerprinted) - set(probes))):
        raise TransportError(f"refusing batch: fingerprinted {', '.join(unknown)} is not a probe")
    names = (*probes, *runs)
    argvs = (*probes.values(), *runs.values())
    token = secrets.token_hex(16)
    half = len(token) // 2
    head, tail = f"hatui-{token[:half]}", f"{token[half:]}-hatui"
    lines = [
        # C locale: stable output for the parsers and untranslated sudo messages.
        "LC_ALL=C; export LC_ALL",
        # Cluster tools live in sbin, which a non-root login PATH often lacks.
        "PATH=$PATH:/usr/local/sbin:/usr/sbin:/sbin; export PATH",
        "unset IFS",
        "umask 077",
        f"_h={shlex.quote(head)}; _t={shlex.quote(tail)}",
    ]
    if timeout is None:
        lines.append("_w=")
    else:
        lines.append(
            "if command -v timeout >/dev/null 2>&1; "
            f"then _w='timeout -k {_KILL_AFTER_S} {_node_limit(timeout)}'; else _w=; fi"
        )
    first = range(len(probes)) if guard else range(len(names))
    then = range(len(probes), len(names)) if guard else range(0)
    lines += ["_d=$(mktemp -d 2>/dev/null) || _d=", 'if [ -n "$_d" ] && [ -d "$_d" ]; then']
    lines += _side_by_side(names, argvs, first, then, guard, max_output)
    # The fallback without a temporary directory: one after the other, a guarded batch's
    # commands never (it takes no fingerprint: an empty one, which never matches).
    lines += ["else", "exec 3>&1", *_sections(argvs, first, into_files=False)]
    if guard is not None:
        lines += ["_f=", _FINGERPRINT_LINE.format(ran=0)]
    lines += ["fi", "exit 0"]
    return Batch(
        script="\n".join(lines) + "\n",
        marker=head + tail,
        names=names,
        argvs=argvs,
        probes=len(probes) if guard else 0,
        guarded=guard is not None,
    )


def _checked(commands: Mapping[str, Sequence[str]]) -> dict[str, tuple[str, ...]]:
    checked: dict[str, tuple[str, ...]] = {}
    for name, argv in commands.items():
        if not isinstance(name, str) or not name or name == FINGERPRINT:
            raise TransportError(f"refusing batch entry {name!r}: names must be non-empty strings")
        checked[name] = validate_argv(argv)
    return checked


def _side_by_side(
    names: Sequence[str],
    argvs: Sequence[tuple[str, ...]],
    first: range,
    then: range,
    guard: Guard | None,
    max_output: int | None,
) -> list[str]:
    """The script's main path: every command in the background, each section in a file of its own."""
    lines = [
        "trap 'rm -rf \"$_d\"' EXIT",
        # Background commands of a non-interactive shell ignore INT; those still running when the
        # batch is killed end by their node-side timeout, as in the sequential script.
        "trap 'exit 129' HUP INT PIPE TERM",
    ]
    if max_output is not None:
        # Past twice the cap plus a read chunk: a command cut there still overflows the
        # transport's cap (which keeps up to one chunk beyond it), so it is reported as cut.
        lines.append(f"ulimit -f {(2 * max_output + CHUNK) // _BLOCK + 1} 2>/dev/null")
    lines += [*_sections(argvs, first, into_files=True), "wait"]
    if guard is None:
        lines.append(_print(first))
        return lines
    picked = sorted((i for i in first if names[i] in guard.fingerprinted), key=lambda i: names[i])
    files = " ".join(f'"$_d/{i}"' for i in picked) or "/dev/null"
    # The sections without their marker, the rest kept (index, stdout, status, stderr). Every
    # probe has ended and no command has started: no command of the batch can see the marker in
    # sed's arguments.
    lines += [f'_f=$(sed "s/$_h$_t//" {files} | cksum)', _print(first)]
    if not then:
        lines.append(_FINGERPRINT_LINE.format(ran=0))
        return lines
    assert guard.expect  # commands are only sent with an expected fingerprint
    return [
        *lines,
        f'if [ "$_f" = {shlex.quote(guard.expect)} ]; then',
        _FINGERPRINT_LINE.format(ran=1),
        *_sections(argvs, then, into_files=True),
        "wait",
        _print(then),
        "else",
        _FINGERPRINT_LINE.format(ran=0),
        "fi",
    ]


_FINGERPRINT_LINE = 'printf \'%s%s F {ran} %s\\n\' "$_h" "$_t" "$_f"'


def _print(indices: range) -> str:
    files = " ".join(f'"$_d/{i}"' for i in indices)
    return f"cat {files}" if indices else ":"


def _sections(argvs: Sequence[tuple[str, ...]], indices: range, *, into_files: bool) -> list[str]:
    """Each command's section: its stdout passes through, its stderr is captured on the side.

    ``into_files``: each section is written by a background subshell into a file of its own (fd 3
    and its stdout both the file); else they are printed one after the other on the real stdout.
    """
    lines = []
    for i in indices:
        # $_w is unquoted on purpose: it is our own fixed words (or nothing).
        section = [
            f'printf \'%s%s B {i}\\n\' "$_h" "$_t"',
            f"_e=$($_w {shlex.join(argvs[i])} 2>&1 1>&3 3>&- </dev/null)",
            "_s=$?",
            f'printf \'\\n%s%s S {i} %s\\n%s\\n%s%s E {i}\\n\' "$_h" "$_t" "$_s" "$_e" "$_h" "$_t"',
        ]
        if into_files:
            lines.append(f'{{ {"; ".join(section)}; }} 3>"$_d/{i}" >&3 &')
        else:
            lines += section
    return lines


def split_batch(
    batch: Batch, stdout: str, *, stderr: str = "", duration_s: float = 0.0
) -> dict[str, CommandResult]:
    """Splits the script's ``stdout`` into one ``CommandResult`` per name.

    A command whose section is missing or cut short (the script died, the output was truncated)
    gets ``exit_status=None`` and a ``stderr`` saying so, plus whatever the script printed on its
    own stderr. The node does not time each command, so ``duration_s`` is the whole batch's.
    A guarded batch's result also holds ``FINGERPRINT``, and its commands only when they ran.
    """
    results: dict[str, CommandResult] = {}
    pos = 0
    m = batch.marker
    ran = not batch.guarded
    for i, (name, argv) in enumerate(zip(batch.names, batch.argvs, strict=True)):
        if batch.guarded and i == batch.probes:
            pos, ran = _fingerprint(batch, stdout, pos, stderr, duration_s, results)
            if not ran:
                break
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
    if batch.guarded and batch.probes == len(batch.names):
        _fingerprint(batch, stdout, pos, stderr, duration_s, results)
    return results


def _fingerprint(
    batch: Batch, stdout: str, pos: int, stderr: str, duration_s: float, into: dict[str, CommandResult]
) -> tuple[int, bool]:
    """Reads the fingerprint line into ``into``; returns where it ended and if the commands ran."""
    line = f"{batch.marker} F "
    at = stdout.find(line, pos)
    eol = stdout.find("\n", at) if at >= 0 else -1
    if eol < 0:
        into[FINGERPRINT] = _missing((FINGERPRINT,), stderr, duration_s, began=at >= 0)
        return pos, False
    ran, _, value = stdout[at + len(line) : eol].partition(" ")
    into[FINGERPRINT] = CommandResult((FINGERPRINT,), 0, value, "", duration_s)
    return eol + 1, ran == "1"


def _missing(argv: tuple[str, ...], stderr: str, duration_s: float, *, began: bool) -> CommandResult:
    # Told apart so that, after a cut, the command whose output was cut (the one that printed too
    # much, or hung) stands out from those whose output never came.
    if began:
        why = "no result: the batch ended while this command ran"
    else:
        why = "no result: the batch ended before this command started (or sent its output)"
    detail = f"{why}: {stderr.strip()}" if stderr.strip() else why
    return CommandResult(argv=argv, exit_status=None, stdout="", stderr=detail, duration_s=duration_s)


def _node_limit(timeout: float) -> int:
    # One second beyond the caller's own timeout, so that the caller reports "timed out" first
    # and the node-side limit only cleans up.
    return max(1, math.ceil(timeout)) + 1
