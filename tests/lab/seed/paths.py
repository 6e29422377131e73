"""Provides where the seed stack (real Pacemaker 1.0.9 over heartbeat 3.0.6) is built, and the wait for it.

``build.sh`` installs under ``$HATUI_SEED_ROOT`` (``/var/tmp/hatui-seed``): ``prefix`` (the tools
and daemons), ``lab`` (compiled in as ``--localstatedir=lab/var``, so it cannot move) and
``build.status`` ("building PID", "ok HASH" or "failed RC"; a "building" whose PID is gone is
not waited on: the build was killed). The run starts the build in the background;
``wait_for_build`` is what a seed test waits on.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

SEED_ROOT = Path(os.environ.get("HATUI_SEED_ROOT", "/var/tmp/hatui-seed"))
PREFIX = Path(os.environ.get("HATUI_SEED_PREFIX", str(SEED_ROOT / "prefix")))
#: The compiled-in state root: each node binds its own copy over ``LAB / "var"``.
LAB = SEED_ROOT / "lab"
STATUS = SEED_ROOT / "build.status"
BUILD_LOG = SEED_ROOT / "build.log"


def built() -> bool:
    return (PREFIX / "sbin" / "ptest").exists() and (LAB / "var.template").is_dir()


def _alive(pid: list[str]) -> bool:
    return bool(pid) and pid[0].isdigit() and Path(f"/proc/{pid[0]}").exists()


def wait_for_build(timeout: float = 900.0) -> str | None:
    """Waits while the background build runs; returns why the stack is unusable, or None when it is ready."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            status = STATUS.read_text().split()
        except OSError:
            status = []
        if status[:1] == ["failed"]:
            return f"the seed stack build failed (exit {' '.join(status[1:])}); see {BUILD_LOG}"
        if status[:1] != ["building"] or not _alive(status[1:]):
            break
        if time.monotonic() >= deadline:
            return f"the seed stack build did not end within {timeout:.0f}s; see {BUILD_LOG}"
        time.sleep(2)
    if not built():
        return f"no seed stack in {PREFIX} (run tests/lab/seed/build.sh; its log: {BUILD_LOG})"
    return None
