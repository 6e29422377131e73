"""Provides ``TuiProcess``: the hatui console running in a pseudo-terminal, observed from outside.

The console is a child process (``bench.tui_child``) on a 160x50 pty whose output is drained by a
thread, as a terminal emulator would. CPU time and memory are read from ``/proc/<pid>``; counts of
polls and remote commands come from the child on SIGUSR1.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import pty
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from pathlib import Path
from typing import Any

from bench.common import ROOT

TICK = os.sysconf("SC_CLK_TCK")


class TuiProcess:
    """``start()``, observe (``cpu_s``, ``rss_kib``, ``counts``), ``stop()``."""

    def __init__(
        self,
        args: list[str],
        cols: int = 160,
        rows: int = 50,
        *,
        src: Path | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        """``src``: a hatui source tree to run instead of the installed one (``before`` profiles);
        ``env``: extra environment (``bench.tui_child``'s instruments)."""
        self.args = args
        self.cols, self.rows = cols, rows
        self.src = src
        self.extra_env = env or {}
        self.proc: subprocess.Popen[bytes] | None = None
        self._master = -1
        self._drained = 0
        self._last_output = time.monotonic()
        self._reader: threading.Thread | None = None
        self._counts = Path(tempfile.mkstemp(prefix="hatui-bench-counts-", suffix=".json")[1])

    def start(self) -> TuiProcess:
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", self.rows, self.cols, 0, 0))
        env = {
            **os.environ,
            "TERM": "xterm-256color",
            "COLORTERM": "truecolor",
            "HATUI_BENCH_COUNTS": str(self._counts),
            "PYTHONPATH": os.pathsep.join([*([str(self.src)] if self.src else []), str(ROOT)]),
            **self.extra_env,
        }
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bench.tui_child", *self.args],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            cwd=ROOT,
            start_new_session=True,
        )
        os.close(slave)
        self._master = master
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()
        return self

    def _drain(self) -> None:
        while True:
            try:
                data = os.read(self._master, 65536)
            except OSError:
                return
            if not data:
                return
            self._drained += len(data)
            self._last_output = time.monotonic()

    def send(self, keys: bytes) -> None:
        """Types ``keys`` into the console's terminal."""
        os.write(self._master, keys)

    def first_output_after(self, keys: bytes, timeout: float = 10.0) -> float | None:
        """Types ``keys`` and returns the seconds until the console writes its first byte after
        that (None: nothing within ``timeout``)."""
        before = self._drained
        t0 = time.monotonic()
        self.send(keys)
        while time.monotonic() - t0 < timeout:
            if self._drained != before:
                return time.monotonic() - t0
            time.sleep(0.0005)
        return None

    def settled_after(self, keys: bytes, settle: float = 0.1, timeout: float = 10.0) -> float | None:
        """Types ``keys`` and returns the seconds until the console's last write before a quiet
        spell of ``settle`` seconds, counting from its first write after the keys (None: no
        answer, or never quiet, within ``timeout``)."""
        before = self._drained
        t0 = time.monotonic()
        self.send(keys)
        while time.monotonic() - t0 < timeout:
            time.sleep(0.002)
            last = self._last_output
            if self._drained != before and last >= t0 and time.monotonic() - last >= settle:
                return last - t0
        return None

    def wait_quiet(self, settle: float = 0.3, timeout: float = 30.0) -> bool:
        """Waits until the console has written something, then nothing for ``settle`` seconds."""
        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout:
            if self._drained and time.monotonic() - self._last_output >= settle:
                return True
            time.sleep(0.01)
        return False

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    @property
    def output_bytes(self) -> int:
        """Bytes the console has written to its terminal so far."""
        return self._drained

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def cpu_s(self) -> float:
        """User + system CPU seconds the console has used so far."""
        stat = Path(f"/proc/{self.pid}/stat").read_text()
        fields = stat[stat.rindex(")") + 2 :].split()
        return (int(fields[11]) + int(fields[12])) / TICK

    def memory_kib(self) -> dict[str, int]:
        """VmRSS and VmHWM (peak RSS) in KiB."""
        out = {}
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            key = line.split(":", 1)[0]
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(line.split()[1])
        return out

    def counts(self, wait_s: float = 2.0) -> dict[str, Any]:
        """Polls and remote commands per node so far (asks the child with SIGUSR1)."""
        if not self._drained:
            # Not drawn yet, so perhaps not yet listening: SIGUSR1 would end it.
            return {"polls": {}, "commands": {}}
        before = self._counts.stat().st_mtime_ns
        os.kill(self.pid, signal.SIGUSR1)
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline and self._counts.stat().st_mtime_ns == before:
            time.sleep(0.02)
        with contextlib.suppress(ValueError, OSError):
            data: dict[str, Any] = json.loads(self._counts.read_text())
            return data
        return {"polls": {}, "commands": {}}

    def stop(self, timeout: float = 10.0) -> int | None:
        """Quits the console with ``q`` (as a person would), then SIGTERM, then SIGKILL, by PID."""
        if self.proc is None:
            return None
        if self.alive():
            with contextlib.suppress(OSError):
                os.write(self._master, b"q")
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.terminate()
                try:
                    self.proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait(timeout=5)
        with contextlib.suppress(OSError):
            os.close(self._master)
        self._counts.unlink(missing_ok=True)
        Path(f"{self._counts}.tmp").unlink(missing_ok=True)
        return self.proc.returncode
