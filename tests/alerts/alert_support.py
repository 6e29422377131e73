"""Helpers for the alert tests: small executable scripts, waiting for what they write, and rules
read from a config as the file would give them."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

import pytest

from hatui.alerts.rules import AlertRule
from hatui.config import parse_config
from hatui.errors import ConfigError


def script(tmp_path: Path, name: str, body: str) -> str:
    """An executable ``/bin/sh`` script ``name`` in ``tmp_path`` running ``body``; its path."""
    path = tmp_path / name
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)
    return str(path)


def written(path: Path) -> bool:
    return path.exists() and path.stat().st_size > 0


async def wait_for(path: Path) -> None:
    """Waits (bounded) until ``path`` is written: the behaviour is the file, not how long it took."""
    for _ in range(1000):
        if written(path):
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"{path} never appeared")


def alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie waiting for its parent counts as ended)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat").read_text()
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


async def ended(pid: int) -> bool:
    """Waits (bounded) for ``pid`` to end: a SIGKILL takes effect a moment after it is sent."""
    for _ in range(250):
        if not alive(pid):
            return True
        await asyncio.sleep(0.02)
    return False


def cluster_with(alerts: Any) -> dict[str, Any]:
    return {"clusters": {"prod": {"nodes": ["vnode1"], "alerts": alerts}}}


def rules(alerts: Any) -> tuple[AlertRule, ...]:
    return parse_config(cluster_with(alerts)).cluster("prod").alerts


def refused(alerts: Any) -> str:
    with pytest.raises(ConfigError) as err:
        rules(alerts)
    return str(err.value)
