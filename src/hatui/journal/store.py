"""Provides the Journal: a cluster's polls, verdicts, events and actions kept in one SQLite file.

Why SQLite (through the standard library's ``sqlite3``): its write-ahead log makes each poll one
atomic transaction, so a recorder killed mid-write loses at most that poll and the file stays
readable; a reader (the timeline, ``hatui events``) can read while the recorder writes; indexes
answer "the polls between 03:00 and 03:15" without reading the rest; and every machine that has
Python can open the file, with the ``sqlite3`` tool too. A hand-made format would have to earn
each of these.

Each source of a node is a series with a row only at the polls where its output changed
(``hatui.journal.store_series``); crm_mon's when-stamps are kept with the poll, apart from the
output (``hatui.journal.blobs``); outputs are stored once per distinct content, compressed, as a
delta against an earlier output of the series when that is much smaller. The problems after each
poll are one more series. A poll of an unchanged cluster adds one row. The journal holds what a
capture holds (``drbdadm dump all`` prints DRBD's shared secret), so its directory is made 0700
and its file 0600 (SQLite gives its -wal and -shm files the mode of the database file).
"""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hatui import __version__
from hatui.errors import HatuiError
from hatui.journal.blobs import Stamps, digest, join_stamps, split_stamps
from hatui.journal.store_open import connect, journal_file
from hatui.journal.store_prune import WRITE_PRUNE_SHARE, prune_journal
from hatui.journal.store_schema import META_SOURCE, SCHEMA, VERDICT_SERIES, create_added_tables, journal_error
from hatui.journal.store_series import TextCache, read_series, write_series
from hatui.journal.store_types import JOURNAL_FILE, Bounds, JournalEvent, PollRow
from hatui.journal.store_types import epoch as _epoch
from hatui.journal.store_types import from_epoch as _time
from hatui.model.capture import NodeCapture
from hatui.model.events import ClusterEvent
from hatui.model.stack import StackInfo

if TYPE_CHECKING:
    from hatui.alerts.history import AlertRecord

__all__ = ["JOURNAL_FILE", "SCHEMA", "Bounds", "Journal", "JournalEvent", "PollRow"]

DEFAULT_BOUNDS = Bounds()


def _dumps(data: object) -> str:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)


class Journal:
    """One cluster's journal; see the module docstring. Safe to share between threads."""

    def __init__(self, file: Path, db: Any, meta: Mapping[str, str], bounds: Bounds) -> None:
        self.file = file
        self._db = db
        self._lock = threading.RLock()
        self._texts = TextCache()
        self.bounds = bounds
        self.cluster: str = meta["cluster"]
        self.created: datetime = datetime.fromisoformat(meta["created"])
        self.hatui_version: str = meta["hatui_version"]
        self.schema: str = meta["schema"]

    # -- opening -----------------------------------------------------------------------------------

    @classmethod
    def open(
        cls, path: Path, *, create: bool = False, cluster: str | None = None, bounds: Bounds = DEFAULT_BOUNDS
    ) -> Journal:
        """Opens the journal at ``path`` (a record directory holding ``journal.sqlite``, or the file).

        Raises:
            HatuiError: not a journal, unreadable, damaged, a newer schema major, another cluster's
                journal (when ``cluster`` is given), or missing without ``create``.
        """
        file = journal_file(Path(path), JOURNAL_FILE, create=create)
        new_meta = {
            "schema": SCHEMA,
            "cluster": cluster or "",
            "created": datetime.now(UTC).isoformat(),
            "hatui_version": __version__,
        }
        db, meta = connect(file, create=create, new_meta=new_meta, bounds=bounds)
        if cluster is not None and meta["cluster"] != cluster:
            db.close()
            raise journal_error(file, f"a journal of cluster {meta['cluster']!r}, not {cluster!r}")
        journal = cls(file, db, meta, bounds)
        if create:  # a writer: a journal made before the added tables gets them now
            try:
                with journal._guard(write=True) as tx:
                    create_added_tables(tx)
            except BaseException:
                db.close()
                raise
        return journal

    @staticmethod
    def is_journal(path: Path) -> bool:
        """True for a directory holding ``journal.sqlite`` or a file that starts as SQLite files do,
        and for a path this user may not look into (opening it then says so in one line)."""
        from hatui.journal.store_open import looks_like_journal

        return looks_like_journal(Path(path), JOURNAL_FILE)

    def close(self) -> None:
        """Closes the file (the write-ahead log is folded into it when no one else has it open)."""
        with self._lock:
            self._db.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _guard(self, write: bool = False) -> Iterator[Any]:
        """The connection, under the lock, with SQLite's errors and damaged data (a value of the
        wrong type, a time out of range) turned into one HatuiError line naming the file; with
        ``write``, inside one transaction (rolled back on any error)."""
        import sqlite3

        with self._lock:
            try:
                if write:
                    self._db.execute("BEGIN IMMEDIATE")
                try:
                    yield self._db
                except BaseException:
                    if write and self._db.in_transaction:
                        self._db.execute("ROLLBACK")
                        self._texts.clear()  # it may hold what the rollback undid
                    raise
                if write:
                    self._db.execute("COMMIT")
            except sqlite3.Error as exc:
                self._texts.clear()  # a COMMIT that failed: the file may not hold what was written
                # SQLite's own name says more than its message ("disk I/O error" is
                # SQLITE_IOERR_WRITE on a full disk, SQLITE_IOERR_FSYNC on a failing one).
                name = getattr(exc, "sqlite_errorname", None)
                why = f"{exc} ({name})" if name else str(exc)
                raise journal_error(self.file, f"cannot use the journal: {why}") from exc
            except (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError) as exc:
                raise journal_error(self.file, f"damaged journal data: {exc!r}") from exc

    # -- writing -----------------------------------------------------------------------------------

    def write_poll(
        self,
        capture: NodeCapture,
        *,
        status: str | None,
        problems: Sequence[Mapping[str, Any]],
        events: Sequence[ClusterEvent],
    ) -> int:
        """Writes one poll in one transaction: the outputs that changed, the verdict after it (when
        it changed) and its events. Returns the poll's id."""
        if not capture.node:
            raise journal_error(self.file, "a capture without a node name cannot be written")
        at = capture.collected_at or datetime.now(UTC)
        texts: dict[str, str] = {}
        stamps: dict[str, Stamps] = {}
        for source, output in capture.outputs.items():
            texts[source], found = split_stamps(source, output)
            if found:
                stamps[source] = found
        texts[META_SOURCE] = _dumps(
            {
                "errors": capture.errors,
                "unreachable": capture.unreachable,
                "unreachable_kind": capture.unreachable_kind,
                "stack": capture.stack.to_json(),
            }
        )
        verdict_node, verdict_source = VERDICT_SERIES
        with self._guard(write=True) as db:
            cur = db.execute(
                "INSERT INTO polls (at, node, reachable, changed, status, stamps) VALUES (?, ?, ?, 0, ?, ?)",
                (
                    _epoch(at),
                    capture.node,
                    int(capture.reachable),
                    status,
                    _dumps(stamps) if stamps else None,
                ),
            )
            poll_id = int(cur.lastrowid or 0)
            if write_series(db, capture.node, poll_id, texts, self._texts):
                db.execute("UPDATE polls SET changed = 1 WHERE id = ?", (poll_id,))
            write_series(db, verdict_node, poll_id, {verdict_source: _dumps(list(problems))}, self._texts)
            db.executemany(
                "INSERT INTO events (at, poll_id, kind, subject, node, message, severity)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (_epoch(e.at), poll_id, str(e.kind), e.subject, e.node, e.message, e.severity)
                    for e in events
                ],
            )
        if self.size_bytes() > self.bounds.max_bytes * WRITE_PRUNE_SHARE:
            with self._guard() as db:
                self._texts.clear()
                prune_journal(db, self.bounds, None)
        return poll_id

    def write_action(self, record: Mapping[str, Any]) -> None:
        """Writes one audit-log record as an ``action`` event; a record already written is skipped."""
        from hatui.journal.store_actions import action_event

        event, text = action_event(record)
        with self._guard(write=True) as db:
            db.execute(
                "INSERT OR IGNORE INTO events (at, poll_id, kind, subject, node, message, severity,"
                " record, record_hash) VALUES (?, NULL, ?, ?, ?, ?, ?, ?, ?)",
                (
                    _epoch(event.at),
                    event.kind,
                    event.subject,
                    event.node,
                    event.message,
                    event.severity,
                    text,
                    digest(text),
                ),
            )

    def write_alert(self, record: AlertRecord) -> int:
        """Writes one alert the rules decided (``hatui.journal.store_alerts``); returns its id."""
        from hatui.journal.store_alerts import write_alert

        with self._guard(write=True) as db:
            return write_alert(db, record)

    def set_alert_outcome(self, alert_id: int, outcome: str, reason: str | None = None) -> None:
        """Notes what came of the delivery of the alert ``alert_id``."""
        from hatui.journal.store_alerts import set_outcome

        with self._guard(write=True) as db:
            set_outcome(db, alert_id, outcome, reason)

    def prune(self, now: datetime | None = None) -> int:
        """Drops the oldest polls beyond the bounds (age from ``now``, default the real time); returns
        how many polls went."""
        with self._guard() as db:
            # Blob ids freed by pruning may be given to new outputs: forget the texts read.
            self._texts.clear()
            return prune_journal(db, self.bounds, _epoch(now or datetime.now(UTC)))

    def size_bytes(self) -> int:
        """What the bound counts: the database file plus its write-ahead log, as they are on disk."""
        total = 0
        for f in (self.file, self.file.with_name(self.file.name + "-wal")):
            with suppress(FileNotFoundError):
                total += f.stat().st_size
        return total

    # -- reading -----------------------------------------------------------------------------------

    def polls(self, since: datetime | None = None, until: datetime | None = None) -> list[PollRow]:
        """The polls between ``since`` and ``until`` (both included), oldest first."""
        lo, hi = _range(since, until)
        with self._guard() as db:
            rows = db.execute(
                "SELECT id, at, node, reachable, status, changed FROM polls"
                " WHERE at >= ? AND at <= ? ORDER BY id",
                (lo, hi),
            )
            # A month of polls is millions of rows: read as they come (no second list of tuples),
            # and the few node names and statuses shared rather than one string per row.
            return [
                PollRow(i, _time(at), sys.intern(n), bool(r), s and sys.intern(s), bool(c))
                for i, at, n, r, s, c in rows
            ]

    def captures_at(self, poll_id: int) -> list[NodeCapture]:
        """Every node's capture as of poll ``poll_id`` (the latest of each node at or before it)."""
        with self._guard() as db:
            # Node by node through the (node, id) index: a GROUP BY would read every poll.
            nodes = [r[0] for r in db.execute("SELECT DISTINCT node FROM series WHERE node != ''")]
            ids = []
            for node in nodes:
                (last,) = db.execute(
                    "SELECT MAX(id) FROM polls WHERE node = ? AND id <= ?", (node, poll_id)
                ).fetchone()
                if last is not None:
                    ids.append(int(last))
        return sorted((self.capture(i) for i in ids), key=lambda c: c.node)

    def capture(self, poll_id: int) -> NodeCapture:
        """The capture of poll ``poll_id``, outputs as the node printed them.

        Raises:
            HatuiError: no such poll (pruned, or never written), or its data is damaged.
        """
        where = f"{self.file}: poll {poll_id}"
        with self._guard() as db:
            row = db.execute("SELECT at, node, stamps FROM polls WHERE id = ?", (poll_id,)).fetchone()
            if row is None:
                raise journal_error(self.file, f"no poll {poll_id} (pruned, or never written)")
            at, node, stamp_text = row  # "" when the poll's outputs had no when-stamp
            texts = read_series(db, str(node), poll_id, self._texts, where)
            stamps = self._json(stamp_text, where) if stamp_text else {}
            meta = self._json(texts.pop(META_SOURCE, "{}"), where)
            outputs = {}
            for source, text in sorted(texts.items()):
                found = tuple((int(offset), str(value)) for offset, value in stamps.get(source, ()))
                outputs[source] = join_stamps(text, found)
            return NodeCapture(
                node=str(node),
                outputs=outputs,
                errors={str(k): str(v) for k, v in (meta.get("errors") or {}).items()},
                unreachable=meta.get("unreachable"),
                unreachable_kind=meta.get("unreachable_kind"),
                collected_at=_time(at),
                stack=StackInfo.from_json(meta.get("stack") or {}),
            )

    def verdict_at(self, poll_id: int) -> tuple[str | None, list[dict[str, Any]]]:
        """The cluster verdict after poll ``poll_id``: status and problems (snapshot JSON dicts)."""
        where = f"{self.file}: poll {poll_id}"
        with self._guard() as db:
            row = db.execute("SELECT status FROM polls WHERE id = ?", (poll_id,)).fetchone()
            if row is None:
                raise journal_error(self.file, f"no poll {poll_id} (pruned, or never written)")
            node, source = VERDICT_SERIES
            texts = read_series(db, node, poll_id, self._texts, where)
            return row[0], list(self._json(texts.get(source, "[]"), where))

    def problem_changes(self, first_id: int, last_id: int) -> list[tuple[int, list[dict[str, Any]]]]:
        """(poll id, problems after it) where the recorded problems changed between polls
        ``first_id`` and ``last_id``, led by those in force before ``first_id``
        (``hatui.journal.store_verdicts``: reads only the polls where they changed)."""
        from hatui.journal.store_verdicts import problem_changes

        where = f"{self.file}: polls {first_id}..{last_id}"
        with self._guard() as db:
            rows = problem_changes(db, first_id, last_id, self._texts, where)
            return [(poll_id, list(self._json(text, where))) for poll_id, text in rows]

    def health_settings(self) -> list[tuple[int, str]]:
        """(first poll id, JSON) of each change of the recorder's health settings, oldest first
        (``hatui.journal.store_verdicts.settings_changes``)."""
        from hatui.journal.store_verdicts import settings_changes

        with self._guard() as db:
            return settings_changes(db)

    def keep_health_settings(self, text: str, at: datetime) -> None:
        """Keeps ``text`` as the health settings from the next poll on (one transaction)."""
        from hatui.journal.store_verdicts import keep_settings

        with self._guard(write=True) as db:
            keep_settings(db, text, _epoch(at))

    def events(self, since: datetime | None = None, until: datetime | None = None) -> list[JournalEvent]:
        """The events between ``since`` and ``until`` (both included), in the order they happened,
        the alerts sent among them."""
        lo, hi = _range(since, until)
        with self._guard() as db:
            rows = db.execute(
                "SELECT at, kind, subject, node, message, severity, poll_id FROM events"
                " WHERE at >= ? AND at <= ? ORDER BY at, id",
                (lo, hi),
            ).fetchall()
            found = [
                JournalEvent(_time(at), str(k), str(s), n, str(m), str(sev), p)
                for at, k, s, n, m, sev, p in rows
            ]
        from hatui.journal.store_alerts import alert_event

        # The alerts sent are events too (kind ``alert``); a stable sort keeps the order within a time.
        found += [alert_event(record) for record in self.alerts(since, until)]
        return sorted(found, key=lambda e: e.at)

    def alerts(self, since: datetime | None = None, until: datetime | None = None) -> list[AlertRecord]:
        """The alerts decided between ``since`` and ``until`` (both included), oldest first."""
        from hatui.journal.store_alerts import read_alerts

        with self._guard() as db:
            return read_alerts(db, *_range(since, until))

    def _json(self, text: str, where: str) -> Any:
        try:
            return json.loads(text)
        except ValueError as exc:
            raise HatuiError(f"{where}: damaged journal data ({exc})", "journal") from exc


def _range(since: datetime | None, until: datetime | None) -> tuple[float, float]:
    return (
        _epoch(since) if since is not None else float("-inf"),
        _epoch(until) if until is not None else float("inf"),
    )
