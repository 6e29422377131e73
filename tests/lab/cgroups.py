"""Provides one freezer cgroup per lab node, on cgroup v2 (``cgroup.freeze``) or v1 (``freezer.state``).

Each node's init is placed in its cgroup before it execs, so every process of the node (daemons,
agents, sshd sessions) is in it: freezing it hangs the node the way a stuck machine hangs, and
``cgroup.procs`` tells whether a killed node has really gone. A v1-frozen task does not die
from SIGKILL until thawed, so ``thaw`` comes before any kill.
"""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

ROOT = Path("/sys/fs/cgroup")


def detect() -> str | None:
    """``v2``, ``v1`` or None when no freezer is available."""
    if (ROOT / "cgroup.controllers").exists():
        return "v2"
    if (ROOT / "freezer" / "freezer.state").exists() or (ROOT / "freezer" / "cgroup.procs").exists():
        return "v1"
    return None


class Freezer:
    """The freezer cgroup of one node; ``path`` is None when the machine has no freezer."""

    def __init__(self, name: str, version: str | None = None) -> None:
        self.version = version if version is not None else detect()
        if self.version == "v2":
            self.path: Path | None = ROOT / name
        elif self.version == "v1":
            self.path = ROOT / "freezer" / name
        else:
            self.path = None

    def create(self) -> None:
        if self.path is not None:
            self.path.mkdir(exist_ok=True)

    @property
    def procs_file(self) -> Path | None:
        return None if self.path is None else self.path / "cgroup.procs"

    def pids(self) -> list[int]:
        if self.path is None or not self.path.exists():
            return []
        try:
            return [int(x) for x in (self.path / "cgroup.procs").read_text().split()]
        except OSError:
            return []

    def frozen(self) -> bool:
        if self.path is None or not self.path.exists():
            return False
        if self.version == "v2":
            return "frozen 1" in (self.path / "cgroup.events").read_text()
        return (self.path / "freezer.state").read_text().strip() != "THAWED"

    def freeze(self, timeout: float = 5.0) -> None:
        self._set(True)
        deadline = time.monotonic() + timeout
        while not self._settled(True) and time.monotonic() < deadline:
            time.sleep(0.02)

    def thaw(self) -> None:
        if self.path is not None and self.path.exists():
            self._set(False)

    def _set(self, frozen: bool) -> None:
        if self.path is None:
            raise RuntimeError("no cgroup freezer on this machine (neither cgroup v2 nor a v1 freezer)")
        if self.version == "v2":
            (self.path / "cgroup.freeze").write_text("1" if frozen else "0")
        else:
            (self.path / "freezer.state").write_text("FROZEN" if frozen else "THAWED")

    def _settled(self, frozen: bool) -> bool:
        if self.version == "v2":
            return ("frozen 1" in (self.path / "cgroup.events").read_text()) == frozen  # type: ignore[operator]
        state = (self.path / "freezer.state").read_text().strip()  # type: ignore[operator]
        return state == ("FROZEN" if frozen else "THAWED")

    def remove(self, timeout: float = 5.0) -> bool:
        """Removes the cgroup once empty; False if processes are still in it after ``timeout``."""
        if self.path is None or not self.path.exists():
            return True
        self.thaw()
        deadline = time.monotonic() + timeout
        while self.pids() and time.monotonic() < deadline:
            time.sleep(0.05)
        with contextlib.suppress(OSError):
            self.path.rmdir()
        return not self.path.exists()
