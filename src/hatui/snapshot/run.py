"""Provides ``run_once``: collect (or replay), judge, print, and return the exit code.

This path never imports Textual: it must start fast and work where no terminal exists.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, TextIO

from hatui.clock import Clock, SystemClock
from hatui.config import ClusterConfig
from hatui.model.backup_rule import SnapshotRule
from hatui.model.capture import NodeCapture
from hatui.model.health import Health, HealthStatus
from hatui.model.view import ClusterView
from hatui.plaintext import clean_line
from hatui.snapshot.data import dump_yaml, snapshot_dict
from hatui.sources.parse import build_report

if TYPE_CHECKING:
    from rich.console import Console


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
    tell_unread(view, health, err or sys.stderr)
    if fmt == "json":
        json.dump(snapshot_dict(view, health), out, indent=2)
        out.write("\n")
    elif fmt == "yaml":
        dump_yaml(snapshot_dict(view, health), out)
    else:
        from hatui.snapshot.text import print_text

        print_text(view, health, text_console(out))
    return health.status.exit_code


def tell_unread(view: ClusterView, health: Health, err: TextIO, prefix: str = "") -> None:
    """One stderr line per node that did not answer and per source that failed (``prefix``: the
    cluster's name, when several are printed), and a last one when no node could be read."""
    for r in view.reports:
        if not r.reachable:
            print(clean_line(f"{prefix}{r.node}: unreachable: {r.unreachable}"), file=err)
    for e in view.errors:
        print(clean_line(f"{prefix}{e.node}: {e.source}: {e.message}"), file=err)
    if health.status is HealthStatus.UNKNOWN and not view.reachable:
        print(clean_line(f"{prefix}no node could be read"), file=err)


def text_console(out: TextIO) -> Console:
    """The Rich console the text snapshot prints on: at least 120 columns, no emoji or highlighting."""
    from rich.console import Console

    return Console(file=out, width=max(120, Console(file=out).width), emoji=False, highlight=False)
