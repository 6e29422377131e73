"""Provides ``run_once``: collect (or replay), judge, print, and return the exit code.

This path never imports Textual: it must start fast and work where no terminal exists.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import TextIO

from hatui.clock import Clock, SystemClock
from hatui.config import ClusterConfig
from hatui.model.backup_rule import SnapshotRule
from hatui.model.capture import NodeCapture
from hatui.model.health import Health, HealthStatus
from hatui.model.view import ClusterView
from hatui.plaintext import clean_line
from hatui.snapshot.data import dump_yaml, snapshot_dict
from hatui.sources.parse import build_report


def make_view(
    name: str,
    captures: Sequence[NodeCapture],
    clock: Clock | None = None,
    cluster: ClusterConfig | None = None,
) -> ClusterView:
    """Parses ``captures`` into a ClusterView."""
    return ClusterView(
        name=name,
        reports=tuple(build_report(c) for c in captures),
        generated_at=(clock or SystemClock()).now(),
        configured_nodes=tuple(n.name for n in cluster.nodes) if cluster else (),
        vm_disks=dict(cluster.vm_disks) if cluster else {},
        snapshot_rule=cluster.backup.rule if cluster else SnapshotRule(),
    )


def emit(
    view: ClusterView,
    health: Health,
    fmt: str,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Prints the snapshot in ``fmt`` and one stderr line per unreachable node; returns the exit code."""
    out = out or sys.stdout
    err = err or sys.stderr
    for r in view.reports:
        if not r.reachable:
            print(clean_line(f"{r.node}: unreachable: {r.unreachable}"), file=err)
    for e in view.errors:
        print(clean_line(f"{e.node}: {e.source}: {e.message}"), file=err)
    if fmt == "json":
        json.dump(snapshot_dict(view, health), out, indent=2)
        out.write("\n")
    elif fmt == "yaml":
        dump_yaml(snapshot_dict(view, health), out)
    else:
        from rich.console import Console

        from hatui.snapshot.text import print_text

        print_text(
            view,
            health,
            Console(file=out, width=max(120, Console(file=out).width), emoji=False, highlight=False),
        )
    if health.status is HealthStatus.UNKNOWN and not view.reachable:
        print("no node could be read", file=err)
    return health.status.exit_code
