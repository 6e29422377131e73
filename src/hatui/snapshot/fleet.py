"""Provides ``once_fleet`` (``hatui --once --all``): every cluster of the config, polled side by side.

Every cluster is asked at the same time in one event loop, each with its own connect and command
timeouts, so a slow or unreachable cluster delays no other beyond its own timeouts. Each is judged
as ``hatui --once --cluster NAME`` would judge it; then:

- text: one line per cluster (``hatui.model.fleet.FleetRow``: verdict, worst problem, nodes, VMs,
  N+1), then each cluster's snapshot in config order;
- JSON/YAML: a list with one ``hatui.snapshot/1`` object per cluster, in config order;
- stderr: the lines ``--once`` prints for nodes and sources that did not answer, each behind its
  cluster's name.

The exit code is the worst cluster's, by ``hatui.model.fleet.worst_code`` (CRITICAL > UNKNOWN >
WARNING > OK). This path never imports Textual.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TextIO

from hatui.config import ClusterConfig, Config
from hatui.errors import HatuiError
from hatui.model.capture import NodeCapture
from hatui.model.fleet import FleetRow, fleet_row, worst_code
from hatui.model.health import Health, HealthStatus
from hatui.model.view import ClusterView
from hatui.plaintext import clean_line
from hatui.snapshot.once import (
    EXIT_UNKNOWN,
    SourceChoice,
    import_while_nodes_answer,
    print_error,
    resolve_fleet,
)


@dataclass(frozen=True, slots=True)
class Judged:
    """One cluster of the fleet, read and judged."""

    cluster: ClusterConfig
    view: ClusterView
    health: Health
    error: str | None = None
    """Why the cluster could not be asked at all (its nodes were then never polled)."""

    @property
    def row(self) -> FleetRow:
        """Its fleet row; every node's data is as old as this one look."""
        now = self.view.generated_at
        good = {r.node: r.collected_at or now for r in self.view.reachable}
        return fleet_row(self.cluster, self.view, self.health, now=now, last_good=good)


def once_fleet(choice: SourceChoice, fmt: str, ignore: frozenset[str]) -> int:
    """Prints every cluster in ``fmt`` and returns the worst exit code (``run_once``'s guard is around it)."""
    try:
        config, clusters = resolve_fleet(choice)
    except HatuiError as exc:
        print_error(exc)
        return EXIT_UNKNOWN
    if not choice.demo:
        # Every cluster's transports load before the collection, the printer while it waits.
        import_while_nodes_answer(
            replace(clusters[0], nodes=tuple(n for c in clusters for n in c.nodes)), fmt
        )
    answers = asyncio.run(_collect_all(clusters, choice.demo))
    judged = [_judge(config, c, a, ignore) for c, a in zip(clusters, answers, strict=True)]
    emit_fleet(judged, fmt)
    return worst_code(j.health.status.exit_code for j in judged)


async def _collect_all(
    clusters: Sequence[ClusterConfig], demo: bool | str | None
) -> list[list[NodeCapture] | HatuiError]:
    """Every cluster's captures, asked side by side; a cluster that cannot be asked gives its error."""
    from hatui.sources.make import collect

    async def one(cluster: ClusterConfig) -> list[NodeCapture] | HatuiError:
        try:
            return await collect(cluster, demo=demo)
        except HatuiError as exc:
            return exc

    return list(await asyncio.gather(*(one(c) for c in clusters)))


def _judge(
    config: Config, cluster: ClusterConfig, answer: list[NodeCapture] | HatuiError, ignore: frozenset[str]
) -> Judged:
    from hatui.model.inflight import inflight_from_constraints
    from hatui.model.verdict import judge
    from hatui.snapshot import run

    captures, error = (
        (answer, None) if isinstance(answer, list) else ([], f"{answer.title}: {answer.message}")
    )
    view = run.make_view(cluster.display_name or cluster.name, captures, cluster=cluster)
    # A move another hatui announces in the CIB (its in-flight marker) is moving, not failing.
    flights = inflight_from_constraints(view.constraints, view.generated_at)
    health = judge(view, ignore=config.health_ignore | ignore, inflight=flights)
    return Judged(cluster, view, health, error)


def emit_fleet(
    judged: Sequence[Judged], fmt: str, out: TextIO | None = None, err: TextIO | None = None
) -> None:
    """Prints the fleet in ``fmt`` (see the module docstring) and the stderr lines of every cluster."""
    from hatui.snapshot.run import tell_unread

    out = out or sys.stdout
    err = err or sys.stderr
    for j in judged:
        if j.error is not None:
            print(clean_line(f"{j.cluster.name}: {j.error}"), file=err)
        tell_unread(j.view, j.health, err, prefix=f"{j.cluster.name}: ")
    if fmt in ("json", "yaml"):
        from hatui.snapshot.data import dump_yaml, snapshot_dict

        data = [snapshot_dict(j.view, j.health) for j in judged]
        if fmt == "json":
            json.dump(data, out, indent=2)
            out.write("\n")
        else:
            dump_yaml(data, out)
        return
    _print_text(judged, out)


def summary_lines(rows: Sequence[FleetRow]) -> list[str]:
    """The fleet summary: a head line, then one line per cluster (remote text made inert)."""
    code = worst_code(r.status.exit_code if r.status else EXIT_UNKNOWN for r in rows)
    worst = next(s for s in HealthStatus if s.exit_code == code)
    lines = [f"fleet: {len(rows)} clusters, worst {worst.value}"]
    width = max((len(r.status_word) for r in rows), default=0)
    for r in rows:
        parts = [r.problem_words or "no problems", r.nodes_words, r.vms_words, r.capacity]
        lines.append(clean_line(f"{r.status_word:<{width}}  {r.title} ({r.mode})  " + " · ".join(parts)))
    return lines


def _print_text(judged: Sequence[Judged], out: TextIO) -> None:
    from rich.text import Text

    from hatui.snapshot.run import text_console
    from hatui.snapshot.text import print_text

    console = text_console(out)
    for line in summary_lines([j.row for j in judged]):
        console.print(Text(line), soft_wrap=True)
    for j in judged:
        console.print()
        print_text(j.view, j.health, console)
