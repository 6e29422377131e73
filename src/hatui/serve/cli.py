"""Provides the ``hatui serve`` sub-command: its options and its start-up checks.

Everything that can be wrong is found before the server listens: the config and the cluster are
resolved here (so a typo is one line, not a broken page per browser), the credentials read, and a
binding beyond loopback without credentials refused.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hatui.config import discover_config_path
from hatui.errors import HatuiError
from hatui.plaintext import clean_line
from hatui.snapshot.once import EXIT_UNKNOWN, SourceChoice, print_error

if TYPE_CHECKING:
    from hatui.serve.access import Access

DESCRIPTION = """\
Serve the read-only wall screen (hatui --monitor) to browsers over HTTP, for kiosk wall screens.
Each browser that opens the page gets its own wall process, which polls the cluster like a console:
--max-walls bounds them. No action can start from a served wall, whatever the config's mode says.
With --all the page shows every cluster at once on the fleet screen (Enter or a click opens one's
wall, Backspace comes back); --all --rotate shows one cluster's wall at a time instead, in turn.
"""
EPILOG = """\
Beyond loopback (--host 0.0.0.0, an interface's address) the server asks for HTTP basic auth: one
line user:password in --auth-file FILE (owner-only, chmod 600) or in $HATUI_SERVE_AUTH. Basic auth
sends the password in clear over plain HTTP: put a TLS reverse proxy in front of a wall that
leaves the machine.
"""


def add_serve_parser(sub: Any, source: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Adds ``serve`` to the sub-commands ``sub`` of the main parser (``source``: the shared options)."""
    p: argparse.ArgumentParser = sub.add_parser(
        "serve",
        parents=[source],
        help="serve the read-only wall screen to browsers over HTTP",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    p.add_argument("--port", type=int, default=8080, help="TCP port (default: 8080; 0: any free port)")
    p.add_argument(
        "--all",
        dest="serve_all",
        action="store_true",
        help="every cluster of the config at once on the fleet screen (with --demo: a demo fleet of "
        "three); Enter or a click opens a cluster's wall, Backspace comes back",
    )
    p.add_argument(
        "--rotate",
        action="store_true",
        help="with --all: the wall of one cluster at a time, rotating through them, instead of the fleet",
    )
    p.add_argument(
        "--auth-file", type=Path, metavar="FILE", help="one line user:password (or set $HATUI_SERVE_AUTH)"
    )
    p.add_argument(
        "--max-walls",
        type=int,
        default=4,
        metavar="N",
        help="browsers served at once (default: 4; each one's wall polls every node)",
    )
    p.add_argument(
        "--demo-faults",
        type=Path,
        metavar="FILE",
        help="with --demo: inject the faults FILE lists, one 'FAULT TARGET' a line, as lines are added "
        "(with --all: 'CLUSTER FAULT TARGET'; no CLUSTER: the first one)",
    )
    return p


def serve_main(args: argparse.Namespace) -> int:
    """Runs ``hatui serve`` until SIGTERM/SIGINT; returns the exit code (3 when it cannot start)."""
    from hatui.serve.access import check_binding, load_access
    from hatui.serve.wall import wall_argv, watched

    if args.serve_all and args.cluster:
        return _refuse("--all and --cluster do not go together: --all shows every cluster")
    if args.rotate and not args.serve_all:
        return _refuse("--rotate goes with --all: it rotates through every cluster's wall")
    if args.demo_faults is not None and not args.demo:
        return _refuse("--demo-faults goes with --demo: only the demo cluster takes injected faults")
    if args.max_walls < 1:
        return _refuse("--max-walls must be at least 1")
    every = bool(args.serve_all)
    choice = SourceChoice(
        config=args.config, cluster=args.cluster, demo=args.demo, replay=args.replay, fleet=every
    )
    try:
        access = load_access(args.auth_file)
        check_binding(args.host, access)
        if not args.demo and args.replay is None:
            # The walls must read the file the server checked, wherever $HATUI_CONFIG points later.
            path = discover_config_path(str(args.config) if args.config else None)
            choice = SourceChoice(config=path, cluster=args.cluster, fleet=every)
        config, shown = watched(choice)
    except HatuiError as exc:
        print_error(exc)
        return EXIT_UNKNOWN
    if not every:  # the walls show the cluster the server resolved, whatever the config says later
        choice = SourceChoice(choice.config, shown[0].name, choice.demo, choice.replay)
    title = " · ".join(c.display_name or c.name for c in shown)
    argv = wall_argv(choice, rotate=args.rotate, demo_faults=args.demo_faults)
    return _run(args, access, title, argv)


def _run(args: argparse.Namespace, access: Access, title: str, wall_args: list[str]) -> int:
    from hatui.serve.server import ServeOptions, WallServer

    options = ServeOptions(
        host=args.host,
        port=args.port,
        title=f"hatui wall: {title}",
        command=[sys.executable, "-m", "hatui.serve.wall", *wall_args],
        access=access,
        max_walls=args.max_walls,
    )
    server = WallServer(options)

    def ready(url: str) -> None:
        who = "credentials required" if access.required else "no credentials asked"
        server.log(f"hatui serve: the read-only wall of {title} at {url} ({who})")

    try:
        asyncio.run(server.run(ready))
    except OSError as exc:  # the port is taken, the address is not this machine's
        return _refuse(f"cannot listen on {clean_line(args.host)}:{args.port}: {clean_line(str(exc))}")
    return 0


def _refuse(line: str) -> int:
    sys.stderr.write(f"serve: {line}\n")
    return EXIT_UNKNOWN
