"""Provides ``answer_batch``: a batch answered inside this process, with the guard's rules.

The SSH and local transports hand a batch to the node's ``sh`` (``hatui.transport.batch``); a
transport that answers in this process (the demo cluster, and the scripted nodes of the tests)
follows the same rules here: the probes first, then the fingerprint of the answers the guard
names, then the commands only when it equals the one expected. One place for those rules outside
the shell script, so that every in-process node treats a guard alike.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence

from hatui.errors import TransportError
from hatui.transport.base import FINGERPRINT, CommandResult, Guard
from hatui.transport.batch import validate_argv

#: Runs one named command and returns what it gave.
Execute = Callable[[str, tuple[str, ...]], CommandResult]


def answer_batch(
    execute: Execute, commands: Mapping[str, Sequence[str]], guard: Guard | None
) -> dict[str, CommandResult]:
    """Runs ``commands`` through ``execute`` as ``Guard`` says; the probes' results come first.

    Raises:
        TransportError: an argv is not acceptable, or the guard fingerprints a probe it lacks.
    """
    checked = {name: validate_argv(argv) for name, argv in commands.items()}
    probes = {name: validate_argv(argv) for name, argv in (guard.probes if guard else {}).items()}
    if guard is not None and not guard.fingerprinted <= probes.keys():
        raise TransportError(f"refusing batch: fingerprinted names a probe not in {sorted(probes)}")
    results = {name: execute(name, items) for name, items in probes.items()}
    if guard is not None:
        fingerprint = fingerprint_of(results, guard.fingerprinted)
        results[FINGERPRINT] = CommandResult((FINGERPRINT,), 0, fingerprint, "")
        if guard.expect is None or guard.expect != fingerprint:
            return results
    results.update((name, execute(name, items)) for name, items in checked.items())
    return results


def fingerprint_of(results: Mapping[str, CommandResult], names: frozenset[str]) -> str:
    """A hash of the named probes' answers (status, stdout, stderr) in name order."""
    digest = hashlib.sha256()
    for name in sorted(names):
        r = results[name]
        digest.update(repr((name, r.exit_status, r.stdout, r.stderr)).encode())
    return digest.hexdigest()[:32]
