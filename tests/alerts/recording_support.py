"""A recording hatui's listeners fed by hand: a real Journal, a real ClusterState fed the reference
captures of ``tests/ui/ui_cluster`` at the times of a FrozenClock, and the listeners
``build_listeners`` gives a recorder (the journal's and the alert rules')."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ui_cluster import NODES, capture, unreachable

from hatui.alerts.listener import AlertListener
from hatui.alerts.rules import AlertRule
from hatui.clock import FrozenClock
from hatui.config import ClusterConfig, Config, NodeConfig
from hatui.model.capture import NodeCapture
from hatui.sources.parse import build_report
from hatui.watch.listeners import PollListener, build_listeners, close_all, notify_all
from hatui.watch.state import ClusterState


def cluster(*rules: AlertRule) -> ClusterConfig:
    return ClusterConfig(name="ref", nodes=tuple(NodeConfig(n, n) for n in NODES), alerts=rules)


class Run:
    """One recording run: a fresh ClusterState and the listeners of a recorder on ``journal_dir``."""

    def __init__(self, config: ClusterConfig, journal_dir: Path, clock: FrozenClock) -> None:
        self.clock = clock
        self.state = ClusterState("ref", NODES, clock, cluster=config, ignore={"stonith-disabled"})
        self.log: list[str] = []
        self.listeners: list[PollListener] = build_listeners(
            Config(clusters={"ref": config}), config, record_dir=journal_dir, log=self.log.append
        )
        alerts = [x for x in self.listeners if isinstance(x, AlertListener)]
        self.alerts = alerts[0]

    def poll(self, cap: NodeCapture) -> None:
        report = build_report(cap)
        recorded = self.state.record(report)
        notify_all(self.listeners, cap, report, self.state, recorded, self.log.append)

    def round(self, *down: str) -> None:
        for node in NODES:
            self.poll(unreachable(node) if node in down else capture(node))

    async def close(self) -> None:
        await close_all(self.listeners, self.log.append)


def paged(spool: Path) -> list[dict[str, Any]]:
    """The ``hatui.alert/1`` documents a page command wrote into ``spool``, one file each, in time."""
    return sorted((json.loads(p.read_text()) for p in spool.iterdir()), key=lambda d: (d["at"], d["state"]))


def pages(spool: Path) -> list[tuple[str, str]]:
    """(state, subject) of each alert paged into ``spool``, in time."""
    return [(d["state"], d["problem"]["subject"]) for d in paged(spool)]
