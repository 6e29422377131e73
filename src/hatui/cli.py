"""Provides ``main``: the ``hatui`` command line.

``hatui``                      interactive console
``hatui --monitor``            read-only wall screen
``hatui --once [--format F]``  one snapshot, exit code by health (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN)
``hatui --once --all``         every cluster of the config, side by side; exit code the worst cluster's
``hatui capture DIR``          write every node's raw outputs in the replay layout
``hatui record [--dir DIR]``   the flight recorder: poll like the console, write a journal, no screen
``hatui log``                  print the audit log of actions run from hatui
``hatui events --replay J``    print the events a journal recorded (``--since``/``--until``)
``hatui do ACTION TARGET``     run one console action from the command line (``hatui do --list``)
``hatui serve [--port N]``     the read-only wall screen in a browser (loopback unless --host)
``hatui --example-config``     print the example config file
Sources: a config file (``--config``, ``$HATUI_CONFIG``, ``~/.config/hatui/config.yaml``),
``--demo [seed|modern]`` (the built-in simulated cluster: the reference cluster's 2010 stack, or
today's) or ``--replay DIR`` (captured outputs). The source options may
stand before or after a sub-command (``hatui --demo capture DIR`` = ``hatui capture DIR --demo``).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from hatui import __version__
from hatui.errors import HatuiError
from hatui.plaintext import clean_line
from hatui.snapshot.once import (
    EXIT_UNKNOWN,
    SourceChoice,
    collect,
    config_file,
    print_error,
    resolve,
    resolve_fleet,
    run_once,
)

EXAMPLE_CONFIG = "config.example.yaml"
#: Options of the main parser that mean nothing to a sub-command (``hatui log --once`` is a mistake).
_MAIN_ONLY = ("once", "format", "ignore", "monitor", "theme", "record", "at", "all")
#: What ``--demo`` may play (``hatui.demo.GENERATIONS``, spelt out here: the demo is not imported on
#: every start of hatui).
DEMO_GENERATIONS = ("seed", "modern")


def _source_options() -> argparse.ArgumentParser:
    """The options shared by the main parser and the sub-commands.

    Their defaults are SUPPRESS so that a value given before the sub-command is not overwritten by
    the sub-command's default (argparse copies a sub-parser's whole namespace over the parent's).
    """
    p = argparse.ArgumentParser(add_help=False)
    s = argparse.SUPPRESS
    p.add_argument(
        "--config",
        metavar="PATH",
        default=s,
        help="config file (default: $HATUI_CONFIG, ~/.config/hatui/config.yaml)",
    )
    p.add_argument("--cluster", metavar="NAME", default=s, help="which cluster of the config file")
    src = p.add_mutually_exclusive_group()
    src.add_argument(
        "--demo",
        nargs="?",
        const="seed",
        choices=DEMO_GENERATIONS,
        default=s,
        help="use the built-in simulated cluster: seed (Pacemaker 1.0.9, the default) or modern (2.1.5)",
    )
    src.add_argument(
        "--replay",
        metavar="DIR",
        type=Path,
        default=s,
        help="read a capture directory (hatui capture) or a journal (hatui record) instead of nodes",
    )
    return p


def build_parser() -> argparse.ArgumentParser:
    """Returns the argument parser (shared by ``main`` and the tests)."""
    source = _source_options()
    p = argparse.ArgumentParser(
        prog="hatui",
        description="Operations console for Pacemaker/DRBD/Xen clusters.",
        parents=[source],
        epilog="Exit codes of --once: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (including any error). "
        "With --all, the worst cluster's, ranked CRITICAL > UNKNOWN > WARNING > OK: a cluster nobody "
        "could read may be down, which is worse than a warning.",
    )
    p.add_argument("--version", action="version", version=f"hatui {__version__}")
    p.add_argument(
        "--example-config",
        action="store_true",
        help="print the example config file (hatui --example-config > ~/.config/hatui/config.yaml)",
    )
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
    p.add_argument(
        "--all",
        action="store_true",
        help="every cluster of the config (with --demo: a demo fleet of three); with --once, printed "
        "one after the other after a line per cluster",
    )
    from hatui.journal.events_cli import WHEN_HELP, add_events_parser, when_arg

    p.add_argument(
        "--at",
        metavar="TIME",
        type=when_arg,
        help="with --replay JOURNAL: open the console there (or print it with --once); " + WHEN_HELP,
    )
    p.add_argument("--theme", help="theme name (built-in or from themes/)")
    p.add_argument(
        "--record",
        metavar="DIR",
        type=Path,
        help="the console also writes a journal into DIR (as hatui record)",
    )
    sub = p.add_subparsers(
        dest="command",
        title="sub-commands",
        metavar="COMMAND",
        description="optional; without one, hatui opens the console (or --once prints a snapshot)",
    )
    cap = sub.add_parser(
        "capture",
        parents=[source],
        help="write every node's raw outputs to DIR (replay with --replay DIR)",
        description="Write every node's raw outputs to DIR in the replay layout (owner-only files).",
    )
    cap.add_argument("dir", type=Path, metavar="DIR")
    cap.add_argument("--force", action="store_true", help="write into DIR even if it is not empty")
    # log's own options (--path, -n, --json, --help) are log_main's: they pass through unparsed.
    sub.add_parser(
        "log", parents=[source], add_help=False, allow_abbrev=False, help="print the audit log of actions"
    )
    add_events_parser(sub, source)
    from hatui.journal.record_cli import add_record_parser

    add_record_parser(sub, source)
    from hatui.do.args import add_do_parser

    add_do_parser(sub, source)
    from hatui.serve.cli import add_serve_parser

    add_serve_parser(sub, source)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Runs hatui; returns the process exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args, rest = _parse(argv)
    except SystemExit as exc:
        # argparse exits 2 on a usage error, which a monitoring system reads as CRITICAL: a check
        # that cannot even start is UNKNOWN. The usage line is already on stderr.
        if exc.code == 2 and _asks_once(argv):
            return EXIT_UNKNOWN
        if exc.code == 2 and "do" in argv:
            return 3  # hatui do: exit 2 means an action ran and failed; a usage error planned nothing
        raise
    if args.command == "log":
        from hatui.actions.audit import log_main

        return log_main(rest)
    if args.command == "do":
        return _do(args)
    if args.command == "events":
        from hatui.journal.events_cli import events_main

        return events_main(_source_choice(args), args.since, args.until, args.events_format)
    if args.command == "serve":
        from hatui.serve.cli import serve_main

        return serve_main(args)
    if args.example_config:
        sys.stdout.write(example_config_text())
        return 0
    choice = _source_choice(args)
    if args.command == "capture":
        return _capture(args, choice)
    if args.command == "record":
        from hatui.journal.record_cli import record_main

        return record_main(args, choice)
    if args.once:
        return run_once(choice, args.format, args.ignore)
    if args.at is not None and not choice.journal:
        print(f"replay: {clean_line(str(args.replay))}: --at needs a journal (hatui record)", file=sys.stderr)
        return EXIT_UNKNOWN
    try:
        fleet = choice.fleet or _several_clusters(choice)
        if fleet:
            config, (cluster, *_others) = resolve_fleet(choice)
        else:
            config, cluster = resolve(choice)
        if args.replay is not None:
            collect(choice, cluster)  # read it all now: an unreadable replay is a line, not a crash
    except HatuiError as exc:
        print_error(exc)
        return EXIT_UNKNOWN
    from hatui.ui.app import run_app  # Textual is imported only for the interactive modes.

    try:
        return run_app(config, cluster, demo=args.demo, replay=args.replay, monitor=args.monitor,
                       theme=args.theme, record=args.record, at=args.at, fleet=fleet)  # fmt: skip
    except HatuiError as exc:  # the journal of --record: refused before the console starts
        print_error(exc)
        return EXIT_UNKNOWN


def _several_clusters(choice: SourceChoice) -> bool:
    """A config file of several clusters and no cluster chosen (no ``--cluster``, no
    ``default_cluster``): the console opens on the fleet."""
    if choice.cluster or choice.demo or choice.replay is not None:
        return False
    config = config_file(choice)
    return len(config.clusters) > 1 and config.default_cluster is None


def _parse(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    """Parses and checks ``argv``; a usage error exits through argparse (code 2).

    Returns the options and, for ``hatui log``, the arguments left for the log command.
    """
    parser = build_parser()
    args, rest = parser.parse_known_args(_pin_demo(argv))
    _fill_source_defaults(args)
    if args.command == "log":
        _refuse_main_only(parser, args, "log")
        return args, rest
    if rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    if args.demo and args.replay is not None:
        parser.error("argument --replay: not allowed with argument --demo")
    if args.all and args.cluster:
        parser.error("argument --all: not allowed with argument --cluster (--all shows every cluster)")
    if args.all and args.replay is not None:
        parser.error("argument --all: not allowed with argument --replay (a replay is one cluster)")
    if args.at is not None and args.replay is None:
        parser.error("argument --at: a moment of a journal: give the journal with --replay JOURNAL")
    if args.command in ("capture", "do", "record", "serve", "events"):
        _refuse_main_only(parser, args, args.command)
    if args.command == "do" and not args.do_list and not args.action:
        parser.error("do: ACTION is required (hatui do --list prints them)")
    return args, rest


def _pin_demo(argv: list[str]) -> list[str]:
    """Writes a bare ``--demo`` as ``--demo=seed``.

    ``--demo`` takes an optional word, and argparse would take the next word for it even when it
    is a sub-command or an action (``hatui --demo capture DIR``, ``hatui do --demo move vm1``).
    """
    out: list[str] = []
    for i, arg in enumerate(argv):
        if arg == "--":
            return out + argv[i:]
        following = argv[i + 1] if i + 1 < len(argv) else None
        out.append("--demo=seed" if arg == "--demo" and following not in DEMO_GENERATIONS else arg)
    return out


def _asks_once(argv: Sequence[str]) -> bool:
    """Whether ``argv`` asks for ``--once`` (argparse also takes an unambiguous prefix: ``--on``)."""
    for arg in argv:
        if arg == "--":
            return False
        name = arg.split("=", 1)[0]
        if len(name) > 2 and "--once".startswith(name):
            return True
    return False


def _fill_source_defaults(args: argparse.Namespace) -> None:
    for name, default in (("config", None), ("cluster", None), ("demo", None), ("replay", None)):
        if not hasattr(args, name):
            setattr(args, name, default)


def _refuse_main_only(parser: argparse.ArgumentParser, args: argparse.Namespace, command: str) -> None:
    given = [
        f"--{name}"
        for name in _MAIN_ONLY
        if getattr(args, name) not in (None, False, [], parser.get_default(name))
    ]
    if args.example_config:
        given.append("--example-config")
    if given:
        parser.error(f"{', '.join(given)} does not go with the {command} sub-command")


def example_config_text() -> str:
    """The example config file shipped with hatui.

    A wheel carries it inside the package (pyproject ``force-include``); an editable install or a
    source checkout imports the package from ``src/``, where it is the repository's own file.
    """
    from importlib.resources import files

    packaged = files("hatui").joinpath(EXAMPLE_CONFIG)
    if packaged.is_file():
        return packaged.read_text(encoding="utf-8")
    return (Path(__file__).resolve().parents[2] / EXAMPLE_CONFIG).read_text(encoding="utf-8")


def _source_choice(args: argparse.Namespace) -> SourceChoice:
    """Where the cluster comes from: a config file, the demo or a replay directory."""
    return SourceChoice(
        config=Path(args.config) if args.config else None,
        cluster=args.cluster,
        demo=args.demo,
        replay=args.replay,
        at=getattr(args, "at", None),
        fleet=getattr(args, "all", False),
    )


def _do(args: argparse.Namespace) -> int:
    from hatui.do.args import listing
    from hatui.do.flow import DoArgs, run_do

    if args.do_list:
        sys.stdout.write(listing())
        return 0
    choice = _source_choice(args)
    return run_do(
        DoArgs(
            args.action,
            args.target,
            choice,
            to=args.to,
            node=args.node,
            dry_run=args.dry_run,
            yes=args.yes,
            fmt=args.do_format,
        )
    )


def _capture(args: argparse.Namespace, choice: SourceChoice) -> int:
    from hatui.replay import check_capture_target, write_capture_dir

    try:
        # Refused before any node is asked: a capture can take a while on a large cluster.
        check_capture_target(args.dir, force=args.force)
        _config, cluster = resolve(choice)
        captures = collect(choice, cluster)
        write_capture_dir(args.dir, captures, cluster=cluster.name, force=args.force)
    except HatuiError as exc:
        print_error(exc)
        return EXIT_UNKNOWN
    except OSError as exc:
        print(f"capture: {clean_line(str(exc))}", file=sys.stderr)
        return EXIT_UNKNOWN
    for c in captures:
        state = "ok" if c.reachable else f"unreachable: {c.unreachable}"
        line = f"{c.node}: {state}; {len(c.outputs)} outputs; {c.stack.describe()}"
        print(clean_line(line))
    print(f"wrote {clean_line(str(args.dir))}")
    return 0 if any(c.reachable for c in captures) else EXIT_UNKNOWN
