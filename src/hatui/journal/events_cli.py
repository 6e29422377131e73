"""Provides ``hatui events``: a journal's event list, and ``parse_when``, the times the timeline takes.

``hatui events [--replay JOURNAL] [--since TIME] [--until TIME] [--format text|json]`` prints what
changed (nodes, resources, DRBD, domains), the problems appearing and clearing, the actions
from the audit log and the alerts sent (kind ``alert``, ``hatui.journal.store_alerts``), oldest
first. Without ``--replay`` it reads the journal ``hatui record`` writes by default for the cluster
of the config (``--config``, ``--cluster``) or of ``--demo``. Text is one line per event, times in
UTC; JSON is ``hatui.events/1``: ``{"schema", "cluster", "since", "until", "events": [...]}`` with
each event as ``JournalEvent.to_dict`` gives it. Event text came
from the nodes: the text lines are cleaned (``hatui.plaintext.clean_line``), so a message cannot
move the terminal's cursor.

Exit codes: 0 printed (also when no event is in the range), 3 no journal to read: none there, not
a journal, or one this user may not read (one line on stderr).

``parse_when`` lives here, not in the timeline, so the command line reads ``--at`` without loading
the model: it takes ISO 8601 with or without seconds and zone, a time without zone being local.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from hatui.journal.store import JournalEvent
    from hatui.snapshot.once import SourceChoice

EVENTS_SCHEMA = "hatui.events/1"
EXIT_NO_JOURNAL = 3

WHEN_HELP = (
    "ISO 8601, seconds and zone optional: 2026-12-05T03:12, '2026-12-05 03:12:04', 2026-12-05T03:12Z, "
    "2026-12-05T04:12+01:00; a time without a zone is this machine's local time"
)


def parse_when(text: str) -> datetime:
    """The moment ``text`` names, as an aware UTC datetime; a time without a zone is local time.

    Raises:
        ValueError: ``text`` is not an ISO 8601 date or date and time (the message shows the forms).
    """
    try:
        # Python 3.11 reads "Z", a space for "T", minutes without seconds, and a date alone.
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"not a time: {text!r} ({WHEN_HELP})") from None
    if when.tzinfo is None:
        when = when.astimezone()  # a naive datetime is taken as this machine's local time
    return when.astimezone(UTC)


def when_arg(text: str) -> datetime:
    """``parse_when`` as an argparse ``type`` (a bad time is a usage error naming the option)."""
    try:
        return parse_when(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_events_parser(sub: Any, source: argparse.ArgumentParser) -> None:
    """Adds ``events`` to the sub-commands ``sub`` of the main parser (``source``: the shared options)."""
    p: argparse.ArgumentParser = sub.add_parser(
        "events",
        parents=[source],
        help="print the events of a journal (hatui events [--replay JOURNAL])",
        description="Print the events a journal recorded (hatui record, or the console's --record): "
        "what changed, problems appearing and clearing, actions from the audit log, alerts sent "
        "(kind alert); oldest first, times in UTC. Without --replay: the journal hatui record "
        "writes by default for the cluster (--config, --cluster). Exit 0, or 3 when there is no "
        "journal to read (none there, not a journal, or one this user may not read).",
        epilog=f"TIME: {WHEN_HELP}.",
    )
    p.add_argument("--since", metavar="TIME", type=when_arg, help="only events at or after TIME")
    p.add_argument("--until", metavar="TIME", type=when_arg, help="only events at or before TIME")
    p.add_argument(
        "--format", dest="events_format", choices=("text", "json"), default="text", help="output format"
    )


def events_main(choice: SourceChoice, since: datetime | None, until: datetime | None, fmt: str) -> int:
    """Prints the events of the journal ``choice.replay`` (without one: the journal ``hatui record``
    writes by default for the cluster ``choice`` names); returns the exit code (module docstring)."""
    from hatui.errors import HatuiError
    from hatui.journal.store import Journal
    from hatui.snapshot.once import print_error

    try:
        replay = choice.replay or _default_journal(choice)
        if not Journal.is_journal(replay):
            what = "a capture directory (one poll, no events)" if replay.is_dir() else "not a journal"
            if choice.replay is None:
                what = "no journal (hatui record writes one there; or give one with --replay JOURNAL)"
            raise HatuiError(f"{replay}: {what}", "events")
        with Journal.open(replay) as journal:
            events = journal.events(since, until)
            cluster = journal.cluster
    except HatuiError as exc:
        print_error(exc)
        return EXIT_NO_JOURNAL
    try:
        _write(events, cluster, since, until, fmt)
    except BrokenPipeError:
        # The reader left (``hatui events ... | head``); Python would flush stdout again at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


def _default_journal(choice: SourceChoice) -> Path:
    """Where ``hatui record`` writes the journal of the cluster ``choice`` names by default."""
    from hatui.journal.recorder import default_dir
    from hatui.snapshot.once import resolve

    _config, cluster = resolve(choice)
    return default_dir(cluster.name)


def _write(
    events: Sequence[JournalEvent], cluster: str, since: datetime | None, until: datetime | None, fmt: str
) -> None:
    if fmt == "json":
        doc = {
            "schema": EVENTS_SCHEMA,
            "cluster": cluster,
            "since": since.isoformat() if since else None,
            "until": until.isoformat() if until else None,
            "events": [e.to_dict() for e in events],
        }
        json.dump(doc, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        write_text(events, sys.stdout)


def write_text(events: Sequence[JournalEvent], out: TextIO) -> None:
    """One line per event: ``2026-12-05 03:12:04Z  critical  node-unreachable  vnode1  message``."""
    from hatui.plaintext import clean_line

    rows = [
        [clean_line(str(c)) for c in (f"{e.at.astimezone(UTC):%Y-%m-%d %H:%M:%S}Z", e.severity, e.kind,
                                      e.subject, e.message)]
        for e in events
    ]  # fmt: skip
    widths = [max((len(r[i]) for r in rows), default=0) for i in range(4)]
    for row in rows:
        cells = [c.ljust(w) for c, w in zip(row[:4], widths, strict=True)]
        out.write("  ".join([*cells, row[4]]).rstrip() + "\n")
