"""Provides the stack cache: what each node's probes answered at its last detection.

With it the first poll on a connection is ONE round trip: the collector chooses the poll from the
cached answers and sends it behind a ``Guard`` that makes the node run it only when its fingerprint
of the fresh answers is still the cached one. The cache keeps the raw answers, not a ``StackInfo``:
``stack_from_probes`` reads them again every time, so a later hatui applies its own rules to them.

Entries live in memory for the process and, for nodes known by their SSH host identity, on disk at
``$XDG_CACHE_HOME/hatui/stacks.json`` (default ``~/.cache/hatui/``): written atomically, 0600 in a
0700 directory, bounded in size. The cache can only ever save a round trip: a file that is
missing, corrupt, foreign, not ours or too large is ignored, and a failed write is forgotten.

Writes are gathered: the detections of a 32-node fan-out land within moments of each other, and
writing the file for each (read, merge, dump ~0.6 MiB) held the event loop for 4 ms a node. Inside
an event loop a write waits ``FLUSH_DELAY_S`` for the others; ``flush()`` (the collector's close,
the interpreter's exit) writes what is still waiting.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import json
import os
import stat
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from hatui.transport.base import CommandResult

#: Marks a file as this cache (any other JSON is someone else's file and is left alone).
_FORMAT = "hatui-stacks/1"
#: The most nodes the file remembers; the least recently detected go first.
MAX_ENTRIES = 128
#: An entry whose answers are larger than this stays in memory only (a huge DRBD status).
MAX_ENTRY_CHARS = 256 * 1024
#: A file larger than this is not read at all.
MAX_FILE_BYTES = 16 * 1024 * 1024
#: How long a write inside an event loop waits for other nodes' detections to share it.
FLUSH_DELAY_S = 1.0


@dataclass(frozen=True, slots=True)
class CachedStack:
    """One node's probe answers (keyed like the probes) and its fingerprint of them."""

    probes: Mapping[str, CommandResult]
    fingerprint: str

    def fits(self, probes: Mapping[str, Sequence[str]]) -> bool:
        """True when these answers are to exactly ``probes`` (same names, same argv)."""
        return self.probes.keys() == probes.keys() and all(
            self.probes[name].argv == tuple(argv) for name, argv in probes.items()
        )


_memory: dict[str, CachedStack] = {}
_disk: dict[str, CachedStack] | None = None
#: Entries remembered but not yet written, and the timer that will write them.
_pending: dict[str, CachedStack] = {}
_timer: asyncio.TimerHandle | None = None
_timer_loop: asyncio.AbstractEventLoop | None = None


def cache_path() -> Path:
    """Where the cache file lives (``$XDG_CACHE_HOME/hatui/stacks.json``)."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    # The XDG spec: a relative value is invalid and must be ignored.
    root = Path(base) if os.path.isabs(base) else Path.home() / ".cache"
    return root / "hatui" / "stacks.json"


def lookup(key: str, probes: Mapping[str, Sequence[str]], *, persist: bool) -> CachedStack | None:
    """Returns what is cached for ``key`` if it answers exactly ``probes``; else None.

    ``persist`` also looks in the file (for keys that name a node the same way in every process).
    """
    entry = _memory.get(key)
    if entry is None and persist:
        entry = _load().get(key)
    return entry if entry is not None and entry.fits(probes) else None


def remember(key: str, entry: CachedStack, *, persist: bool) -> None:
    """Keeps ``entry`` for ``key``; ``persist`` also writes it to the file (soon, errors ignored)."""
    global _timer, _timer_loop
    _memory[key] = entry
    if not persist:
        return
    _load()[key] = entry
    _pending[key] = entry
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        loop = None
    if loop is None or (_timer is not None and _timer_loop is not loop):
        # No loop to wait in, or a timer left on a loop that has ended: write now.
        flush()
    elif _timer is None:
        _timer, _timer_loop = loop.call_later(FLUSH_DELAY_S, flush), loop


@atexit.register
def flush() -> None:
    """Writes the entries still waiting, in one go. Never raises."""
    global _timer
    if _timer is not None:
        _timer.cancel()
        _timer = None
    waiting = dict(_pending)
    _pending.clear()
    if waiting:
        with contextlib.suppress(OSError, ValueError):
            _write(waiting)


def forget() -> None:
    """Drops what this process holds, also what it has not written yet (the file stays); for tests."""
    global _disk, _timer
    if _timer is not None:
        _timer.cancel()
        _timer = None
    _pending.clear()
    _memory.clear()
    _disk = None


def _load() -> dict[str, CachedStack]:
    global _disk
    if _disk is None:
        _disk = {key: entry for key, raw in _read_nodes().items() if (entry := _decode(raw)) is not None}
    return _disk


def _read_nodes() -> dict[str, object]:
    """The file's raw node entries; empty for anything but our own well-formed file."""
    path = cache_path()
    try:
        with path.open("rb") as f:
            info = os.fstat(f.fileno())
            # Only our own regular file: answers planted by someone else would choose the commands.
            if not stat.S_ISREG(info.st_mode) or info.st_uid != os.getuid() or info.st_size > MAX_FILE_BYTES:
                return {}
            data = json.loads(f.read())
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("format") != _FORMAT or not isinstance(data.get("nodes"), dict):
        return {}
    return dict(data["nodes"])


def _decode(raw: object) -> CachedStack | None:
    if not isinstance(raw, dict) or not isinstance(raw.get("fingerprint"), str):
        return None
    probes = raw.get("probes")
    if not isinstance(probes, dict):
        return None
    results: dict[str, CommandResult] = {}
    for name, item in probes.items():
        if not (isinstance(item, list) and len(item) == 4):
            return None
        argv, status, stdout, stderr = item
        if not (
            isinstance(argv, list)
            and all(isinstance(a, str) for a in argv)
            and (status is None or (isinstance(status, int) and not isinstance(status, bool)))
            and isinstance(stdout, str)
            and isinstance(stderr, str)
        ):
            return None
        results[str(name)] = CommandResult(tuple(argv), status, stdout, stderr)
    return CachedStack(results, raw["fingerprint"])


def _encode(entry: CachedStack) -> dict[str, object]:
    return {
        "seen": time.time(),
        "fingerprint": entry.fingerprint,
        "probes": {
            name: [list(r.argv), r.exit_status, r.stdout, r.stderr] for name, r in entry.probes.items()
        },
    }


def _size(entry: CachedStack) -> int:
    return sum(len(r.stdout) + len(r.stderr) for r in entry.probes.values())


def _write(entries: Mapping[str, CachedStack]) -> None:
    """Adds ``entries`` to the file as it is NOW (another hatui may have written since), atomically."""
    # Here, not at the top: tempfile (shutil, random) is a cost every warm --once would pay.
    import tempfile

    path = cache_path()
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if path.parent.stat().st_mode & 0o077:
        path.parent.chmod(0o700)
    nodes = _read_nodes()
    nodes.update({key: _encode(entry) for key, entry in entries.items() if _size(entry) <= MAX_ENTRY_CHARS})
    if len(nodes) > MAX_ENTRIES:
        newest = sorted(nodes, key=lambda k: _seen(nodes[k]), reverse=True)[:MAX_ENTRIES]
        nodes = {k: nodes[k] for k in newest}
    text = json.dumps({"format": _FORMAT, "nodes": nodes}, separators=(",", ":"))
    # mkstemp creates the file 0600; the rename makes a reader see the old file or the new one.
    fd, tmp = tempfile.mkstemp(prefix=".stacks-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _seen(raw: object) -> float:
    seen = raw.get("seen") if isinstance(raw, dict) else None
    return float(seen) if isinstance(seen, int | float) else 0.0
