"""Provides ``main``: the ``hatui`` command line.

``hatui``                      interactive console
``hatui --monitor``            read-only wall screen
``hatui --once [--format F]``  one snapshot, exit code by health (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN)
``hatui capture DIR``          write every node's raw outputs in the replay layout
``hatui log``                  print the audit log of actions run from hatui
Sources: a config file (``--config``, ``$HATUI_CONFIG``, ``~/.config/hatui/config.yaml``), ``--demo``
(the built-in simulated cluster) or ``--replay DIR`` (captured outputs).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path

from hatui import __version__
from hatui.config import ClusterConfig, Config, discover_config_path, load_config
from hatui.errors import HatuiError
from hatui.model.capture import NodeCapture

EXIT_UNKNOWN = 3


def build_parser() -> argparse.ArgumentParser:
    """Returns the argument parser (shared by ``main`` and the tests)."""
    p = argparse.ArgumentParser(
        prog="hatui", description="Operations console for Pacemaker/DRBD/Xen clusters."
    )
    p.add_argument("--version", action="version", version=f"hatui {__version__}")
    p.add_argument(
        "--config", metavar="PATH", help="config file (default: $HATUI_CONFIG, ~/.config/hatui/config.yaml)"
    )
    p.add_argument("--cluster", metavar="NAME", help="which cluster of the config file")
    src = p.add_mutually_exclusive_group()
    src.add_argument("--demo", action="store_true", help="use the built-in simulated cluster")
    src.add_argument("--replay", metavar="DIR", type=Path, help="read captured outputs instead of nodes")
    p.add_argument("--once", action="store_true", help="print one snapshot and exit with the health code")
    p.add_argument("--format", choices=("text", "json", "yaml"), default="text", help="--once output format")
    p.add_argument(
        "--ignore",
        metavar="CODE",
        action="append",
        default=[],
        help="problem code not to report (repeatable)",
    )
    p.add_argument("--monitor", action="store_true", help="read-only wall-screen mode")
    p.add_argument("--theme", help="theme name (built-in or from themes/)")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Runs hatui; returns the process exit code."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list[:1] == ["capture"]:
        return _capture_main(args_list[1:])
    if args_list[:1] == ["log"]:
        from hatui.actions.audit import log_main

        return log_main(args_list[1:])
    args = build_parser().parse_args(args_list)
    if args.once:
        return _once(args)
    try:
        config, cluster = _resolve(args)
    except HatuiError as exc:
        print(f"{exc.title}: {exc.message}", file=sys.stderr)
        return EXIT_UNKNOWN
    from hatui.ui.app import run_app  # Textual is imported only for the interactive modes.

    return run_app(
        config, cluster, demo=args.demo, replay=args.replay, monitor=args.monitor, theme=args.theme
    )


def _resolve(args: argparse.Namespace) -> tuple[Config, ClusterConfig]:
    """Returns the config and the cluster to watch for the chosen source."""
    if args.demo:
        from hatui.sources.make import demo_config

        config = demo_config()
        return config, config.cluster()
    if args.replay is not None:
        from dataclasses import replace

        from hatui.replay import replay_config

        config = replay_config(args.replay)
        if args.config:
            # A replay judged with the health settings of the cluster it came from.
            config = replace(config, health_ignore=load_config(Path(args.config)).health_ignore)
        return config, config.cluster()
    path = discover_config_path(args.config)
    if path is None:
        raise HatuiError(
            "no config file: pass --config PATH, set $HATUI_CONFIG or write ~/.config/hatui/config.yaml "
            "(see config.example.yaml), or try --demo",
            "config error",
        )
    config = load_config(path)
    return config, config.cluster(args.cluster)


def _collect(args: argparse.Namespace, cluster: ClusterConfig) -> list[NodeCapture]:
    if args.replay is not None:
        from hatui.replay import read_replay_dir

        return read_replay_dir(args.replay)
    if args.demo:
        from hatui.sources.make import collect_demo_once

        return asyncio.run(collect_demo_once(cluster))
    from hatui.sources.fanout import collect_once

    return asyncio.run(collect_once(cluster))


def _once(args: argparse.Namespace) -> int:
    from hatui.model.health import evaluate
    from hatui.snapshot.run import emit, make_view

    try:
        config, cluster = _resolve(args)
        captures = _collect(args, cluster)
    except HatuiError as exc:
        print(f"{exc.title}: {exc.message}", file=sys.stderr)
        return EXIT_UNKNOWN
    view = make_view(
        cluster.display_name or cluster.name, captures, cluster=cluster if not args.replay else None
    )
    return emit(view, evaluate(view, config.health_ignore | set(args.ignore)), args.format)


def _capture_main(argv: Sequence[str]) -> int:
    p = argparse.ArgumentParser(prog="hatui capture", description="Write every node's raw outputs to DIR.")
    p.add_argument("dir", type=Path)
    p.add_argument("--config", metavar="PATH")
    p.add_argument("--cluster", metavar="NAME")
    p.add_argument("--demo", action="store_true")
    args = p.parse_args(list(argv))
    args.replay = None
    from hatui.replay import write_capture_dir

    try:
        _config, cluster = _resolve(args)
        captures = _collect(args, cluster)
        write_capture_dir(args.dir, captures, cluster=cluster.name)
    except (HatuiError, OSError) as exc:
        title = exc.title if isinstance(exc, HatuiError) else "capture"
        print(f"{title}: {exc}", file=sys.stderr)
        return EXIT_UNKNOWN
    for c in captures:
        state = "ok" if c.reachable else f"unreachable: {c.unreachable}"
        print(f"{c.node}: {state}; {len(c.outputs)} outputs; {c.stack.describe()}")
    print(f"wrote {args.dir}")
    return 0 if any(c.reachable for c in captures) else EXIT_UNKNOWN
