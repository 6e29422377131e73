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
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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


async def until(pilot: Any, holds: Callable[[], bool], what: str, within: float = 30.0) -> None:
    """Lets an app under test run until ``holds()`` (bounded: a shared CI machine is slow, never stuck)."""
    deadline = time.monotonic() + within
    while not holds():
        if time.monotonic() > deadline:
            raise AssertionError(f"not reached in {within}s: {what}")
        await pilot.pause(0.05)


def spy_on_commands(app: Any) -> list[tuple[str, str, tuple[str, ...]]]:
    """Every command the simulated nodes of ``app``'s demo clusters run from now: (cluster, node, argv)."""
    reached: list[tuple[str, str, tuple[str, ...]]] = []
    for session in app.sessions:
        demo = session.poller.demo

        def spy(node: str, argv: Sequence[str], stdin: str | None = None, *, _run: Any = demo.execute,
                _name: str = session.cluster.name) -> Any:  # fmt: skip
            reached.append((_name, node, tuple(argv)))
            return _run(node, argv, stdin)

        demo.execute = spy
    return reached


async def every_door_refuses(pilot: Any, app: Any, reached: list[tuple[str, str, tuple[str, ...]]]) -> None:
    """Asserts the cluster ``app`` shows runs no action: not from a key, not from the UI's request, not
    even a plan built as if for an operator handed to its runner; and no command of one reached a node."""
    import dataclasses

    import pytest

    from hatui.actions.catalog import plan_action
    from hatui.errors import ActionRefused
    from hatui.ui.actions_glue import Request
    from hatui.ui.modes import WRITE_ACTIONS

    assert app.monitor and app.read_only
    assert not any(app.check_action(a, ()) for a in WRITE_ACTIONS)
    polled = len(reached)
    await pilot.press("2", "S", "x", "m")  # a passer-by at the kiosk's keyboard
    # The UI's door: a request from a key or the palette.
    app.actions.request(Request("standby", "vnode1"))
    await until(
        pilot,
        lambda: any("monitor mode runs no actions" in n.message for n in app._notifications),
        "the refusal shown",
    )
    # Below the UI: a plan built as if the console were an operator's, handed to the wall's runner.
    ctx = dataclasses.replace(app.actions.context(), monitor=False, read_only=False)
    with pytest.raises(ActionRefused, match="monitor mode runs no actions"):
        await app.actions.runner().run(plan_action(ctx, "standby", "vnode1"))
    writes = [a for _c, _n, a in reached[polled:] if "standby" in " ".join(a) or "-v" in a]
    assert writes == [], "no command of an action reached a node"


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
