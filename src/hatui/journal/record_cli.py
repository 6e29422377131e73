"""Provides ``hatui record``'s command line: its parser and the step from parsed options to the recorder.

Kept apart from ``hatui.cli`` so that the main command line stays about choosing a source and a mode;
the recorder itself (``hatui.journal.recorder``) is imported only when it runs.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hatui.snapshot.once import SourceChoice


def add_record_parser(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], source: argparse.ArgumentParser
) -> None:
    """Adds ``hatui record`` (its options: where the journal goes and how big it may grow)."""
    rec = sub.add_parser(
        "record",
        parents=[source],
        help="the flight recorder: poll like the console and write a journal (no screen)",
        description="Poll the cluster like the console and write every poll, verdict, event and action "
        "into a journal (replay it with --replay DIR). Logs one line per change to stderr; SIGTERM or "
        "SIGINT stops it cleanly (exit 0). One recorder per journal.",
    )
    rec.add_argument(
        "--dir",
        type=Path,
        metavar="DIR",
        help="journal directory (default: $XDG_STATE_HOME/hatui/journal/CLUSTER)",
    )
    from hatui.journal.store_types import DAY_S, MIB, Bounds

    default = Bounds()
    mib, age = default.max_bytes // MIB, f"{default.max_age_s / DAY_S:g}d"
    size = f"{mib // 1024}G" if mib % 1024 == 0 else f"{mib}M"
    rec.add_argument(
        "--max-size",
        metavar="SIZE",
        type=_size,
        help=f"drop the oldest polls beyond this size (default {size})",
    )
    rec.add_argument(
        "--max-age", metavar="AGE", type=_duration, help=f"drop polls older than this (default {age})"
    )


def _size(text: str) -> int:
    from hatui.journal.recorder import parse_size

    try:
        return parse_size(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _duration(text: str) -> float:
    from hatui.durations import parse_duration

    try:
        seconds = parse_duration(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    if seconds <= 0:
        raise argparse.ArgumentTypeError(f"expected a duration above zero, got {text!r}")
    return seconds


def record_main(args: argparse.Namespace, choice: SourceChoice) -> int:
    """Runs ``hatui record`` with the parsed options."""
    from hatui.journal.recorder import RecordArgs, run_record

    return run_record(RecordArgs(choice, dir=args.dir, max_size=args.max_size, max_age_s=args.max_age))
