"""A real ``hatui serve`` in a subprocess for the tests: started in its own session, so that every
process it starts (a wall per browser) can be found, and ended with it whatever the test did."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

URL_LINE = re.compile(r"at (http://\S+/) \(")
WALL_LINE = re.compile(r"wall (\d+) started")


@dataclass
class Served:
    process: subprocess.Popen[str]
    url: str = ""
    log: list[str] = field(default_factory=list)
    """The server's stderr lines so far (a thread reads them, so a silent server blocks nothing)."""

    def __post_init__(self) -> None:
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.log.append(line)

    @property
    def session_processes(self) -> list[int]:
        """Every live process of the server's session but the server itself (its walls)."""
        return [p for p in session_members(self.process.pid) if p != self.process.pid]

    def read_log(self, pattern: re.Pattern[str], within: float = 30.0, skip: int = 0) -> re.Match[str]:
        """The first match of ``pattern`` in the log after ``skip`` matches."""
        deadline = time.monotonic() + within
        while True:
            found = [m for line in list(self.log) if (m := pattern.search(line))]
            if len(found) > skip:
                return found[skip]
            if time.monotonic() > deadline:
                raise AssertionError(f"no line matching {pattern.pattern!r} in the server's log: {self.log}")
            time.sleep(0.05)


def session_members(sid: int) -> list[int]:
    """The pids of the live (not zombie) processes whose session id is ``sid``."""
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        state, session = fields[0], int(fields[3])
        if session == sid and state != "Z":
            out.append(int(entry.name))
    return out


def wait_until(predicate: object, within: float, what: str) -> None:
    deadline = time.monotonic() + within
    while not predicate():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"not in {within}s: {what}")
        time.sleep(0.1)


@contextmanager
def served(args: Sequence[str], env: dict[str, str] | None = None) -> Iterator[Served]:
    """Runs ``hatui serve --port 0 ARGS`` until the block ends; then ends its whole session."""
    process = subprocess.Popen(
        [sys.executable, "-m", "hatui", "serve", "--port", "0", *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        env={**os.environ, **(env or {})},
    )
    try:
        s = Served(process)
        s.url = s.read_log(URL_LINE).group(1)
        yield s
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        # Walls the server left behind (only when the test already failed: it checks there are none).
        for pid in session_members(process.pid):
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
