"""Provides ``run_once`` (``hatui --once``) and the source choice every mode shares.

``SourceChoice`` is what the command line says to watch (a config file and cluster, ``--demo`` or
``--replay`` a capture directory or a journal, ``--at`` a moment of the journal); ``resolve`` turns
it into the config and cluster, ``collect`` asks every node once (or reads the replay).
``run_once`` adds the snapshot: judge, print, return the health exit code (0 OK, 1 WARNING,
2 CRITICAL, 3 UNKNOWN).

A monitoring system reads any exit code as a verdict, so ``run_once`` never lets an error escape as
a traceback (Python's exit 1 would read as WARNING): everything hatui cannot do ends as exit 3 with
one line on stderr. This path never imports Textual: it must start fast and work where no terminal
exists.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import pkgutil
import sys
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from hatui.config import ClusterConfig, Config, discover_config_path, load_config
from hatui.errors import HatuiError
from hatui.model.capture import NodeCapture
from hatui.plaintext import clean_line

EXIT_UNKNOWN = 3


@dataclass(frozen=True, slots=True)
class SourceChoice:
    """Where the cluster's state comes from, as the command line chose it."""

    config: Path | None = None
    cluster: str | None = None
    demo: bool | str | None = None
    """The demo generation (``seed``/``modern``; True = the default one), or None: no demo."""
    replay: Path | None = None
    at: datetime | None = None
    """With a journal as ``replay``: the moment to show (None: its last poll)."""
    fleet: bool = False
    """Every cluster of the config (``--all``); with ``demo``, the demo fleet
    (``hatui.sources.demo_fleet``)."""

    @property
    def journal(self) -> bool:
        """True when ``replay`` is a journal (``hatui record``), not a capture directory."""
        from hatui.journal.store import Journal

        return self.replay is not None and Journal.is_journal(self.replay)


def print_error(exc: HatuiError) -> None:
    """Prints ``exc`` as the one stderr line a user (or a monitoring system) reads."""
    print(f"{exc.title}: {clean_line(exc.message)}", file=sys.stderr)


def resolve(choice: SourceChoice) -> tuple[Config, ClusterConfig]:
    """Returns the config and the cluster to watch for ``choice``; raises HatuiError."""
    if choice.demo:
        from hatui.sources.make import demo_config

        config = demo_config()
        return config, config.cluster()
    if choice.replay is not None:
        from dataclasses import replace

        from hatui.replay import replay_config

        if choice.journal:
            from hatui.journal.timeline_find import open_journal_config

            config = open_journal_config(choice.replay)
        else:
            config = replay_config(choice.replay)
        if choice.config:
            # A replay judged with the health settings of the cluster it came from (a journal's
            # own, kept by its recorder, and the codes --config ignores).
            config = replace(config, health_ignore=config.health_ignore | _load(choice.config).health_ignore)
        return config, config.cluster()
    config = config_file(choice)
    return config, config.cluster(choice.cluster)


def config_file(choice: SourceChoice) -> Config:
    """The config file ``choice`` names (``--config``, ``$HATUI_CONFIG``, the default path), read;
    raises HatuiError."""
    path = discover_config_path(str(choice.config) if choice.config else None)
    if path is None:
        raise HatuiError(
            "no config file: pass --config PATH, set $HATUI_CONFIG or write ~/.config/hatui/config.yaml "
            "(start from the example: hatui --example-config > ~/.config/hatui/config.yaml), "
            "or try --demo",
            "config error",
        )
    return _load(path)


def resolve_fleet(choice: SourceChoice) -> tuple[Config, tuple[ClusterConfig, ...]]:
    """The config and every cluster of it, in its order (``--all``): the demo fleet with ``--demo``;
    raises HatuiError."""
    if choice.demo:
        from hatui.sources.demo_fleet import demo_fleet_config

        config = demo_fleet_config()
    elif choice.replay is not None:
        raise HatuiError("a replay is one cluster: --all does not go with --replay", "usage")
    else:
        config = config_file(choice)
    return config, tuple(config.clusters.values())


def collect(choice: SourceChoice, cluster: ClusterConfig) -> list[NodeCapture]:
    """Asks every node of ``cluster`` once (or the demo, or the replay source); raises HatuiError."""
    if choice.replay is not None:
        from hatui.sources.make import read_replay

        return read_replay(choice.replay, at=choice.at)  # files only: no event loop, no transport
    import asyncio

    from hatui.sources.make import collect as collect_from

    return asyncio.run(collect_from(cluster, demo=choice.demo))


def run_once(choice: SourceChoice, fmt: str = "text", ignore: Iterable[str] = ()) -> int:
    """Prints one snapshot in ``fmt`` and returns the health exit code; never raises.

    The guard is the last resort: a monitoring system reads exit 1 (Python's code for an uncaught
    exception) as WARNING, so whatever goes wrong must end as UNKNOWN with one line.
    """
    try:
        return _once(choice, fmt, frozenset(ignore))
    except BrokenPipeError:
        # The reader left (``hatui --once | head -1``); Python would flush stdout again at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_UNKNOWN
    except Exception as exc:  # the guard's whole point
        print(f"hatui: internal error: {type(exc).__name__}: {clean_line(str(exc))}", file=sys.stderr)
        return EXIT_UNKNOWN


def _once(choice: SourceChoice, fmt: str, ignore: frozenset[str]) -> int:
    if choice.fleet:
        from hatui.snapshot.fleet import once_fleet

        return once_fleet(choice, fmt, ignore)
    try:
        config, cluster = resolve(choice)
        if choice.replay is None and not choice.demo:
            import_while_nodes_answer(cluster, fmt)
        if choice.journal:
            return _once_journal(choice, config, cluster, fmt, ignore)
        captures = collect(choice, cluster)
    except HatuiError as exc:
        print_error(exc)
        return EXIT_UNKNOWN
    from hatui.model.inflight import inflight_from_constraints
    from hatui.model.verdict import judge
    from hatui.snapshot import run  # looked up at call time, so a test can make the model fail

    name = cluster.display_name or cluster.name
    # A replay's nodes are the ones captured, not the ones a config file lists.
    view = run.make_view(name, captures, cluster=None if choice.replay else cluster)
    # A move another hatui announces in the CIB (its in-flight marker) is moving, not failing.
    flights = inflight_from_constraints(view.constraints, view.generated_at)
    return run.emit(view, judge(view, ignore=config.health_ignore | ignore, inflight=flights), fmt)


def _once_journal(
    choice: SourceChoice, config: Config, cluster: ClusterConfig, fmt: str, ignore: frozenset[str]
) -> int:
    """The moment ``choice.at`` of a journal (its last poll without one), judged as the console had
    it then (settling, since) with every age counted from that moment; raises HatuiError."""
    from hatui.journal.timeline import moment
    from hatui.snapshot import run

    assert choice.replay is not None
    view, health = moment(choice.replay, cluster, at=choice.at, ignore=config.health_ignore | ignore)
    newest = max((r.collected_at for r in view.reports if r.collected_at), default=None)
    if newest is not None and (view.generated_at - newest).total_seconds() > _RECORDING_GAP_S:
        # The recorder was not running then: what is printed is the last moment it saw.
        print(f"hatui: nothing recorded between {newest:%Y-%m-%d %H:%M:%S} UTC (the last poll) and "
              f"{view.generated_at:%Y-%m-%d %H:%M:%S} UTC", file=sys.stderr)  # fmt: skip
    return run.emit(view, health, fmt)


#: Seconds without a poll before ``--at`` that ``--once`` points out (polls come every few seconds).
_RECORDING_GAP_S = 60.0


#: What judging and printing a snapshot imports, then each format's printer.
_AFTER_COLLECTION = ("hatui.model.inflight", "hatui.model.verdict", "hatui.snapshot.run")
_PRINTERS = {"text": ("hatui.snapshot.text",), "yaml": ("yaml",)}


def import_while_nodes_answer(cluster: ClusterConfig, fmt: str) -> None:
    """Imports what judging and printing need in a thread, while the collection waits on the nodes.

    A cold ``--once`` spends most of its time waiting on the network (connections, the nodes
    running their commands) with the interpreter idle; the model, the verdict and the printer load
    in that wait instead of after it. The transports are imported first, here, so that the
    collection itself imports nothing the thread may be importing at the same moment.
    """
    import hatui.parsers
    from hatui.sources import make  # noqa: F401  (the fan-out and collectors, before the thread)

    kinds = {n.transport for n in cluster.nodes}
    if "ssh" in kinds:
        import hatui.transport.ssh
    if "local" in kinds:
        import hatui.transport.local

    def load() -> None:
        # Which parsers the answers need is known only once they are in: all of them load here,
        # after what every run needs (a few the nodes do not need cost only idle time).
        parsers = [f"hatui.parsers.{m.name}" for m in pkgutil.iter_modules(hatui.parsers.__path__)]
        for name in (*_AFTER_COLLECTION, *_PRINTERS.get(fmt, ()), *parsers):
            # A module that fails here fails again where it is used, with its real error.
            with contextlib.suppress(Exception):
                importlib.import_module(name)

    threading.Thread(target=load, name="hatui-imports", daemon=True).start()


def _load(path: Path) -> Config:
    config = load_config(path)
    for warning in config.warnings:
        print(f"hatui: warning: {clean_line(str(warning))}", file=sys.stderr)
    return config
