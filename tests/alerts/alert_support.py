"""Helpers for the alert tests: small executable scripts, waiting for what they write, rules read
from a config as the file would give them, and the config of a recorder watching a real sshd node
beside one that never answers."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from hatui.alerts.rules import AlertRule
from hatui.config import parse_config
from hatui.errors import ConfigError
from support.sshd import SshdServer, free_port, install_stack_tools


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


def unreachable_rule(name: str, how: str, *more: str) -> str:
    """The YAML of a rule following ``node-unreachable`` with a 1 s debounce, sent ``how``
    (``command: [...]`` or ``mail: {...}``), with ``more`` keys (``reminder: 8s``)."""
    keys = ["codes: [node-unreachable]", "debounce: 1s", *more, how]
    return f"      - name: {name}\n" + "".join(f"        {k}\n" for k in keys)


def lab_config(tmp_path: Path, sshd_factory: Callable[..., SshdServer], alerts: str) -> Path:
    """A config (0600) of cluster ``lab``: vnode1 a real sshd serving the lab's outputs, vnode2 a
    port nothing listens on (``node-unreachable vnode2`` at every poll); ``alerts`` is the YAML of
    its ``alerts:`` list, indented by six spaces."""
    server = sshd_factory("vnode1", start=False)
    install_stack_tools(server.bin_dir, tmp_path / "calls")
    server.start()
    known = tmp_path / "known_hosts"
    server.trust(known)
    vnode1 = f"{{name: vnode1, host: {server.host}, port: {server.port}, user: root, "
    vnode1 += f"identity_file: {server.client_key}}}"
    config = tmp_path / "hatui.yaml"
    config.write_text(
        f"""clusters:
  lab:
    known_hosts: {known}
    connect_timeout: 2
    nodes:
      - {vnode1}
      - {{name: vnode2, host: 127.0.0.1, port: {free_port()}}}
    alerts:
{alerts}"""
    )
    config.chmod(0o600)
    return config
