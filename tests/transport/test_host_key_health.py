"""A refused host key travels as a kind, from a real sshd through the collector to its own problem code."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from hatui.clock import FrozenClock
from hatui.config import ClusterConfig
from hatui.model.capture import NodeCapture
from hatui.model.health import CRITICAL, WARNING, HealthStatus, evaluate
from hatui.model.view import ClusterView
from hatui.sources.collector import NodeCollector
from hatui.sources.parse import build_report
from hatui.transport.ssh import SSHTransport
from support.sshd import SshdServer, sshd_factory  # noqa: F401 - the fixture

MakeServer = Callable[..., SshdServer]


@pytest.fixture(autouse=True)
def _no_agent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)


def collector_for(server: SshdServer, known_hosts: Path | None = None) -> NodeCollector:
    node = server.node_config("n1")
    cfg = ClusterConfig(name="c", nodes=(node,), known_hosts=str(known_hosts) if known_hosts else None)
    return NodeCollector(node, cfg, SSHTransport.from_config(node, cfg), clock=FrozenClock())


def verdict_of(capture: NodeCapture) -> tuple[HealthStatus, list[tuple[str, str]]]:
    view = ClusterView("c", (build_report(capture),), datetime(2026, 1, 1, tzinfo=UTC))
    h = evaluate(view)
    return h.status, [(p.code, p.severity) for p in h.problems]


async def test_unknown_host_key_is_its_own_problem_and_stays_so_during_backoff(
    sshd_factory: MakeServer,  # noqa: F811
) -> None:
    collector = collector_for(sshd_factory("n1"))
    try:
        first = await collector.poll()
        assert first.unreachable_kind == "host-key-unknown"
        assert verdict_of(first) == (HealthStatus.UNKNOWN, [("host-key-unknown", WARNING)])
        # The next poll falls in the reconnect back-off: the kind must not decay to "unreachable".
        again = await collector.poll()
        assert again.unreachable is not None and "next attempt in" in again.unreachable
        assert again.unreachable_kind == "host-key-unknown"
    finally:
        await collector.close()


async def test_changed_host_key_is_critical_not_a_rebooting_node(
    sshd_factory: MakeServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    server = sshd_factory("n1")
    known = tmp_path / "cluster_known_hosts"
    server.trust(known)
    server.new_host_key()
    server.restart()
    collector = collector_for(server, known)
    try:
        capture = await collector.poll()
        assert capture.unreachable is not None and "HOST KEY CHANGED" in capture.unreachable
        assert capture.unreachable_kind == "host-key-changed"
        # CRITICAL beats UNKNOWN: a possible man-in-the-middle must page even with nothing read.
        assert verdict_of(capture) == (HealthStatus.CRITICAL, [("host-key-changed", CRITICAL)])
    finally:
        await collector.close()


async def test_refused_connection_has_no_kind(sshd_factory: MakeServer) -> None:  # noqa: F811
    server = sshd_factory("n1")
    server.stop()
    collector = collector_for(server)
    try:
        capture = await collector.poll()
        assert capture.unreachable is not None and capture.unreachable_kind is None
        assert verdict_of(capture)[1] == [("node-unreachable", WARNING)]
    finally:
        await collector.close()
