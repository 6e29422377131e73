"""Provides the process ``hatui serve`` starts for each browser: the wall, read-only by construction.

``python -m hatui.serve.wall [--config P] [--cluster N | --all] [--demo G | --replay D]
[--demo-faults F]`` runs the console's wall layout (``--monitor``) under the terminal driver
textual-serve's protocol expects (``TEXTUAL_DRIVER``, set by the server). There is no option to
leave monitor mode: the app is built with ``monitor=True`` whatever the config's ``mode`` says, so
the action glue refuses every action before planning it and the runner refuses every plan
(``hatui.actions.runner``), whatever a browser's keyboard sends.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from hatui.config import ClusterConfig, Config
from hatui.errors import HatuiError
from hatui.snapshot.once import EXIT_UNKNOWN, SourceChoice, print_error, resolve

if TYPE_CHECKING:
    from hatui.ui.app import HatuiApp


def watched_clusters(config: Config, cluster: ClusterConfig, every: bool) -> list[ClusterConfig]:
    """The clusters a wall shows: ``cluster``, then (with ``every``) the config's others in order."""
    others = [c for c in config.clusters.values() if c.name != cluster.name] if every else []
    return [cluster, *others]


def build_wall(
    config: Config,
    clusters: Sequence[ClusterConfig],
    *,
    demo: bool | str | None = None,
    replay: Path | None = None,
    demo_faults: Path | None = None,
) -> HatuiApp:
    """The wall app for ``clusters`` (the first shown first; the wall rotates through the rest).

    Always in monitor mode: this function has no way to ask for anything else. And without poll
    listeners (``hatui.watch.listeners``): a wall runs per browser, so its alerts would page once
    per screen watching, and its journal would be written by several processes; ``hatui record``
    is where those belong.
    """
    from hatui.sources.make import make_poller
    from hatui.ui.app import make_app

    first, *rest = clusters
    poller = make_poller(config, first, demo=demo, replay=replay)
    if demo and demo_faults is not None:
        from hatui.serve.demo_feed import FaultFeed, FeedingPoller

        poller = FeedingPoller(poller, FaultFeed(getattr(poller, "demo"), demo_faults))  # noqa: B009
    extra = [(c, make_poller(config, c)) for c in rest]
    return make_app(config, first, poller, monitor=True, extra=extra)


def wall_argv(choice: SourceChoice, *, every: bool = False, demo_faults: Path | None = None) -> list[str]:
    """The arguments of ``python -m hatui.serve.wall`` for ``choice`` (the server builds them)."""
    out: list[str] = []
    if choice.config is not None:
        out += ["--config", str(choice.config.resolve())]
    if choice.cluster:
        out += ["--cluster", choice.cluster]
    if every:
        out.append("--all")
    if choice.demo:
        out.append(f"--demo={choice.demo if isinstance(choice.demo, str) else 'seed'}")
    if choice.replay is not None:
        out += ["--replay", str(choice.replay.resolve())]
    if demo_faults is not None:
        out += ["--demo-faults", str(demo_faults.resolve())]
    return out


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m hatui.serve.wall", description=__doc__)
    p.add_argument("--config", type=Path)
    p.add_argument("--cluster")
    p.add_argument("--all", action="store_true", dest="every")
    p.add_argument("--demo", choices=("seed", "modern"))
    p.add_argument("--replay", type=Path)
    p.add_argument("--demo-faults", type=Path)
    return p


def die_with_the_server() -> None:
    """Asks the kernel to send this process SIGTERM when the server that started it dies.

    A server killed with SIGKILL (or by the OOM killer) cannot end its walls, and a wall does not
    notice its closed pipes: it would poll the cluster for ever with nobody watching.
    """
    import ctypes
    import ctypes.util
    import os
    import signal

    pr_set_pdeathsig = 1
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    libc.prctl(pr_set_pdeathsig, int(signal.SIGTERM), 0, 0, 0)
    if os.getppid() == 1:  # the server died before the line above: nobody will ever watch
        raise SystemExit(0)


def main(argv: Sequence[str] | None = None) -> int:
    """Runs one wall until the server tells it to quit; returns the exit code."""
    args = _parser().parse_args(argv)
    if sys.platform == "linux":
        die_with_the_server()
    choice = SourceChoice(config=args.config, cluster=args.cluster, demo=args.demo, replay=args.replay)
    try:
        config, cluster = resolve(choice)
        app = build_wall(
            config,
            watched_clusters(config, cluster, args.every),
            demo=args.demo,
            replay=args.replay,
            demo_faults=args.demo_faults,
        )
    except HatuiError as exc:
        print_error(exc)
        return EXIT_UNKNOWN
    from hatui.ui.base import run_console

    return run_console(app)


if __name__ == "__main__":
    sys.exit(main())
