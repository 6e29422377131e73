"""Provides what every lab emulator shares: which node it runs on, the lab layout, liveness and faults.

Each lab node has a private ``/run``; the node's init writes ``/run/hatui-lab/node.json`` there
(``{"node": ..., "state": ..., "boot": ...}``), so an emulator knows which node it runs on even
when it is started by Pacemaker, by sshd or by nsenter. ``HATUI_LAB_NODE_FILE`` overrides the
path (the emulator unit tests run outside any node). Everything that both members of a pair must
agree on lives under the lab state directory, which every node sees at the same path.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

NODE_FILE = "/run/hatui-lab/node.json"

# A hung command stays hung for at most this long even if nobody lifts the flag.
MAX_HANG_S = 3600.0


class EmuError(Exception):
    """A failure the emulated tool reports on stderr with the given exit code."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


class Context:
    """The node this emulator runs on and the lab it belongs to."""

    def __init__(self, node: str, state: Path, boot: str, run_dir: Path) -> None:
        self.node = node
        self.state = state
        self.boot = boot
        self.run_dir = run_dir
        self.layout: dict[str, Any] = json.loads((state / "layout.json").read_text())

    @classmethod
    def load(cls) -> Context:
        path = Path(os.environ.get("HATUI_LAB_NODE_FILE", NODE_FILE))
        try:
            info = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            raise EmuError(f"not inside a hatui lab node ({path}: {exc})", 127) from exc
        return cls(info["node"], Path(info["state"]), info["boot"], Path(info.get("run", "/run")))

    # -- liveness -------------------------------------------------------------------------------

    def node_alive(self, node: str) -> bool:
        """True while the node's init holds its liveness lock and the node is not frozen.

        The init takes an exclusive flock for its whole life; the kernel drops it when the
        namespace is killed. A shared non-blocking probe fails exactly while it is held, and two
        probes never disturb each other.
        """
        if node == self.node:
            return True
        nodes = self.state / "nodes"
        if (nodes / f"{node}.frozen").exists():
            return False
        try:
            fd = os.open(nodes / f"{node}.alive", os.O_RDONLY)
        except OSError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        finally:
            os.close(fd)
        return False

    def current_boot(self, node: str) -> str | None:
        if node == self.node:
            return self.boot
        try:
            return (self.state / "nodes" / f"{node}.boot").read_text().strip()
        except OSError:
            return None

    # -- faults ---------------------------------------------------------------------------------

    def hang_if_asked(self, command: str) -> None:
        """Blocks while a hang flag for this node and command (or for all commands) exists.

        ``HATUI_LAB_NO_HANG`` (set by the harness for its own checks) bypasses the flags.
        """
        if os.environ.get("HATUI_LAB_NO_HANG"):
            return
        faults = self.state / "faults" / self.node
        flags = (faults / f"hang-{command}", faults / "hang-all")
        deadline = time.monotonic() + MAX_HANG_S
        while any(f.exists() for f in flags) and time.monotonic() < deadline:
            time.sleep(0.2)


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Holds an exclusive flock on ``path`` (created if missing) for the duration."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def read_json(path: Path, default: Any) -> Any:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return default


def write_json(path: Path, data: Any) -> None:
    """Replaces ``path`` atomically so a reader on another node never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w") as f:
        json.dump(data, f, indent=1, sort_keys=True)
    os.replace(tmp, path)


def die(message: str, code: int = 1) -> int:
    sys.stderr.write(message if message.endswith("\n") else message + "\n")
    return code


def thousands(n: float) -> str:
    """DRBD prints speeds with a thousands separator: ``1,436``."""
    return f"{int(n):,}"
