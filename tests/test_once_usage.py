"""A ``--once`` command line hatui cannot parse is UNKNOWN (exit 3), not argparse's exit 2.

Nagios and Icinga read exit 2 as CRITICAL: a check with a typo in its command line would page
someone about a cluster nobody looked at. Real ``python -m hatui`` runs.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HEALTHY = str(ROOT / "tests" / "replays" / "healthy")


def hatui(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hatui", *args], capture_output=True, text=True, check=False, timeout=60
    )


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["--once", "--format", "xml", "--replay", HEALTHY], "invalid choice: 'xml'"),
        (["--once", "--replay", HEALTHY, "--bogus"], "unrecognized arguments: --bogus"),
        (["--once", "--replay", HEALTHY, "stray"], "invalid choice: 'stray'"),
        (["--on", "--demo", "--replay", HEALTHY], "not allowed with argument --demo"),
        (["--once=yes", "--demo"], "ignored explicit argument 'yes'"),
        (["--demo", "--once", "--config"], "expected one argument"),
    ],
)
def test_once_usage_error_is_unknown_with_the_usage_on_stderr(args: list[str], error: str) -> None:
    out = hatui(*args)
    assert out.returncode == 3, (out.returncode, out.stderr)
    assert out.stdout == ""
    assert out.stderr.startswith("usage: hatui ")
    assert "Traceback" not in out.stderr
    last = out.stderr.splitlines()[-1]
    assert last.startswith("hatui: error: ") and error in last


def test_usage_error_without_once_keeps_argparse_code() -> None:
    """Only a ``--once`` check is read by a monitoring system; the console keeps the usual code."""
    out = hatui("--format", "xml", "--demo")
    assert out.returncode == 2 and "invalid choice: 'xml'" in out.stderr


def test_once_after_the_end_of_options_is_not_a_once_request() -> None:
    out = hatui("--demo", "--", "--once")
    assert out.returncode == 2 and "hatui: error: " in out.stderr


def test_help_with_once_still_exits_0() -> None:
    out = hatui("--once", "--help")
    assert out.returncode == 0 and "--once" in out.stdout
