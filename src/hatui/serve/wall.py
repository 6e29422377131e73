"""Provides the process ``hatui serve`` starts for each browser: the wall, read-only by construction.

``python -m hatui.serve.wall [--config P] [--cluster N | --all [--rotate]] [--demo G | --replay D]
[--demo-faults F]`` runs the console's wall layout (``--monitor``) under the terminal driver
textual-serve's protocol expects (``TEXTUAL_DRIVER``, set by the server). There is no option to
leave monitor mode: the app is built with ``monitor=True`` whatever the config's ``mode`` says, so
the action glue refuses every action before planning it and the runner refuses every plan
(``hatui.actions.runner``), whatever a browser's keyboard sends.

With ``--all`` the wall opens on the fleet screen, every cluster of the config at once (with
``--demo``: the demo fleet), as ``hatui --monitor --all`` does: a wall screen for several clusters
must show a cluster in trouble the moment it is, not when the rotation reaches it. Enter (or a
click) opens a cluster's wall and Backspace comes back, still read-only. ``--rotate`` keeps the
older layout: the wall of one cluster at a time, each for ``hatui.ui.app.ROTATE_S`` seconds.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from hatui.config import ClusterConfig, Config
from hatui.errors import HatuiError
from hatui.snapshot.once import EXIT_UNKNOWN, SourceChoice, print_error, resolve, resolve_fleet

if TYPE_CHECKING:
    from hatui.sources.poller import Poller
    from hatui.ui.app import HatuiApp


def watched(choice: SourceChoice) -> tuple[Config, tuple[ClusterConfig, ...]]:
    """The config and the clusters a wall shows: with ``choice.fleet`` every cluster of the config
    in its order (the demo fleet with ``--demo``), else the one chosen; raises HatuiError."""
    if choice.fleet:
        return resolve_fleet(choice)
    config, cluster = resolve(choice)
    return config, (cluster,)


def build_wall(
    config: Config,
    clusters: Sequence[ClusterConfig],
    *,
    demo: bool | str | None = None,
    replay: Path | None = None,
    demo_faults: Path | None = None,
    rotate: bool = False,
) -> HatuiApp:
    """The wall app for ``clusters``: with several, on the fleet screen (``rotate``: the wall
    rotating through them, the first shown first).

    Always in monitor mode: this function has no way to ask for anything else. And without poll
    listeners (``hatui.watch.listeners``): a wall runs per browser, so its alerts would page once
    per screen watching, and its journal would be written by several processes; ``hatui record``
    is where those belong.
    """
    from hatui.sources.make import make_poller
    from hatui.ui.app import make_app

    names = [c.name for c in clusters] if len(clusters) > 1 else []
    pollers: list[tuple[ClusterConfig, Poller]] = []
    for cluster in clusters:
        poller = make_poller(config, cluster, demo=demo, replay=replay)
        if demo and demo_faults is not None:
            from hatui.serve.demo_feed import FaultFeed, FeedingPoller

            demo_sim = getattr(poller, "demo")  # noqa: B009
            poller = FeedingPoller(
                poller, FaultFeed(demo_sim, demo_faults, cluster=cluster.name, fleet=names)
            )
        pollers.append((cluster, poller))
    (first, poller), *extra = pollers
    return make_app(config, first, poller, monitor=True, extra=extra, fleet=not rotate)


def wall_argv(choice: SourceChoice, *, rotate: bool = False, demo_faults: Path | None = None) -> list[str]:
    """The arguments of ``python -m hatui.serve.wall`` for ``choice`` (the server builds them)."""
    out: list[str] = []
    if choice.config is not None:
        out += ["--config", str(choice.config.resolve())]
    if choice.cluster:
        out += ["--cluster", choice.cluster]
    if choice.fleet:
        out += ["--all", "--rotate"] if rotate else ["--all"]
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
    p.add_argument("--rotate", action="store_true")
    p.add_argument("--demo", choices=("seed", "modern"))
    p.add_argument("--replay", type=Path)
    p.add_argument("--demo-faults", type=Path)
    return p


def die_with_the_server() -> None:
    """Asks the kernel to send this process SIGTERM when the server that started it dies.

    A server killed with SIGKILL (or by the OOM killer) cannot end its walls, and a wall notices
    its closed pipe only at its next screen write: it would poll the cluster until then with
    nobody watching.
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
    choice = SourceChoice(
        config=args.config, cluster=args.cluster, demo=args.demo, replay=args.replay, fleet=args.every
    )
    try:
        config, clusters = watched(choice)
        app = build_wall(
            config,
            clusters,
            demo=args.demo,
            replay=args.replay,
            demo_faults=args.demo_faults,
            rotate=args.rotate,
        )
    except HatuiError as exc:
        print_error(exc)
        return EXIT_UNKNOWN
    from hatui.ui.base import run_console

    app.quit_when_screen_gone = True
    return run_console(app)


if __name__ == "__main__":
    sys.exit(main())
