"""A wall whose pipe to the server closes (the browser left, the server died) ends at once and
quietly: exit 0, no crash file. Before, its next screen write raised BrokenPipeError, the console
saved a traceback as for a crash, and the process stayed until the server's kill."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from hatui.ui.base import screen_gone


def _wall_env(state: Path) -> dict[str, str]:
    # What textual-serve's AppService gives the process it starts (its _build_environment).
    return {
        **os.environ,
        "TEXTUAL_DRIVER": "textual.drivers.web_driver:WebDriver",
        "TEXTUAL_FPS": "60",
        "TEXTUAL_COLOR_SYSTEM": "truecolor",
        "COLUMNS": "120",
        "ROWS": "40",
        "XDG_STATE_HOME": str(state),
    }


def test_a_wall_whose_pipe_closes_ends_quietly(tmp_path: Path) -> None:
    wall = subprocess.Popen(
        [sys.executable, "-m", "hatui.serve.wall", "--demo", "seed"],
        env=_wall_env(tmp_path),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert wall.stdout is not None and wall.stdin is not None
        assert wall.stdout.read(2000)  # it draws (the clock ticks: it writes again within a second)
        wall.stdout.close()
        wall.stdin.close()
        code = wall.wait(timeout=30)
    finally:
        if wall.poll() is None:
            wall.kill()
            wall.wait()
    stderr = wall.stderr.read().decode() if wall.stderr else ""
    assert code == 0, stderr
    assert "Traceback" not in stderr and "internal error" not in stderr
    assert not list(tmp_path.rglob("hatui-crash-*")), "a crash file for a browser that left"


def test_only_a_closed_screen_counts_as_gone() -> None:
    def raised(error: Exception, where: str) -> Exception:
        code = compile("raise error", where, "exec")
        try:
            exec(code, {"error": error})
        except Exception as caught:
            return caught
        raise AssertionError("not raised")

    assert screen_gone(raised(BrokenPipeError(32, "Broken pipe"), "/x/textual/drivers/web_driver.py"))
    assert screen_gone(raised(ConnectionResetError(104, "reset"), "/x/textual/drivers/linux_driver.py"))
    # A broken pipe elsewhere (an alert command's stdin, hatui's own code) is a real error.
    assert not screen_gone(raised(BrokenPipeError(32, "Broken pipe"), "/x/hatui/alerts/dispatch.py"))
    assert not screen_gone(raised(ValueError("x"), "/x/textual/drivers/web_driver.py"))
