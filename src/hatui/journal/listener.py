"""Provides JournalListener: the PollListener that writes every poll of a cluster into its journal.

Each poll is one transaction (``Journal.write_poll``): the node's raw capture, the cluster's
verdict after it and the events logged since the last poll (those of the poll itself and those of
a re-judgement between polls, e.g. a settling problem that outlived its window). Actions are not
taken from the event log but from the audit log, which every hatui (console or ``hatui do``)
writes before and after an action: the listener reads it from its start, then what is appended,
at most once a second, and writes this cluster's records made since the journal was (within its
age bound). The store skips a record it already holds, so a recorder started again catches up on
the actions run while it was down. The journal is pruned to its bounds once a minute. The
settings the verdict is judged with (ignored codes, ``vm_disks``, the snapshot threshold) go into
the journal with the first poll and whenever they change, for the replay of each poll.

One journal has one writer: ``open`` takes an exclusive ``flock`` on ``journal.lock`` beside it
and refuses a journal another hatui is recording (the lock goes with the process, ``kill -9``
too, so a crashed recorder never leaves a stale lock behind).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from hatui.actions.audit import default_path as default_audit_path
from hatui.config import ClusterConfig
from hatui.errors import HatuiError
from hatui.journal.health_settings import HealthSettings
from hatui.journal.store import Bounds, Journal
from hatui.journal.store_open import acting_user
from hatui.model.capture import NodeCapture
from hatui.model.events import EventKind
from hatui.model.report import NodeReport
from hatui.snapshot.data import problem_dicts
from hatui.watch.listeners import Log
from hatui.watch.state import ClusterState, Recorded

#: The lock file beside the journal: held (flock) by the one hatui that writes it.
LOCK_FILE = "journal.lock"
#: Seconds between two looks at the audit log, and between two prunes.
AUDIT_EVERY_S = 1.0
PRUNE_EVERY_S = 60.0


def lock_journal(record_dir: Path) -> int:
    """Creates ``record_dir`` (owner only) and takes its writer lock; returns the lock's descriptor.

    Raises:
        HatuiError: another hatui holds the lock, or the directory cannot be made or locked.
    """
    lock = record_dir / LOCK_FILE
    try:
        record_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    except OSError as exc:
        who = f" (as {acting_user()})" if isinstance(exc, PermissionError) else ""
        raise HatuiError(f"cannot lock {record_dir}: {exc.strerror or exc}{who}", "journal") from exc
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        holder = os.read(fd, 32).decode("ascii", "replace").strip() or "unknown"
        os.close(fd)
        raise HatuiError(
            f"{record_dir} is being recorded by another hatui (pid {holder}); one journal has one writer",
            "journal",
        ) from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
    return fd


class AuditTail:
    """The audit log's records, read whole lines at a time: all of them first, then what is appended."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0

    def new_records(self) -> list[dict[str, Any]]:
        """The records written since the last call; a log that shrank (rotated) is read afresh."""
        try:
            with self.path.open("rb") as f:
                size = os.fstat(f.fileno()).st_size
                if size < self.offset:
                    self.offset = 0
                if size == self.offset:
                    return []
                f.seek(self.offset)
                data = f.read(size - self.offset)
        except OSError:
            return []
        whole = data.rfind(b"\n") + 1  # a line still being written waits for the next look
        self.offset += whole
        records = []
        for line in data[:whole].splitlines():
            with contextlib.suppress(ValueError):
                rec = json.loads(line)
                if isinstance(rec, dict):
                    records.append(rec)
        return records


class JournalListener:
    """Writes every poll of one cluster, and its actions, into a journal."""

    def __init__(
        self, journal: Journal, cluster: ClusterConfig, *, lock_fd: int, audit: AuditTail, log: Log
    ) -> None:
        self.journal = journal
        self.cluster = cluster
        self.audit = audit
        self.log = log
        self.polls_written = 0
        self._lock_fd: int | None = lock_fd
        self._seq = 0
        """The sequence number of the last logged event written."""
        self._audit_at = 0.0
        self._prune_at = time.monotonic()
        self._failing: str | None = None
        self._lost = 0
        """Polls not written since the journal last failed."""
        self._settings: HealthSettings | None = None
        """The health settings last written into the journal."""
        max_age = timedelta(seconds=journal.bounds.max_age_s)
        # The audit log says when to the second; the journal was made some fraction of one later.
        self._actions_since = max(journal.created, datetime.now(UTC) - max_age) - timedelta(seconds=1)

    @classmethod
    def open(
        cls,
        record_dir: Path,
        cluster: ClusterConfig,
        *,
        log: Log,
        bounds: Bounds | None = None,
        audit_path: Path | None = None,
    ) -> JournalListener:
        """Locks and opens (or creates) the journal of ``cluster`` in ``record_dir``.

        Raises:
            HatuiError: locked by another hatui, not a journal, another cluster's journal.
        """
        fd = lock_journal(record_dir)
        try:
            journal = Journal.open(record_dir, create=True, cluster=cluster.name, bounds=bounds or Bounds())
        except BaseException:
            os.close(fd)
            raise
        return cls(journal, cluster, lock_fd=fd, audit=AuditTail(audit_path or default_audit_path()), log=log)

    def polled(
        self, capture: NodeCapture | None, report: NodeReport, state: ClusterState, recorded: Recorded
    ) -> None:
        """Writes the poll (one transaction), then any new audit records; prunes once a minute."""
        if self._lock_fd is None:
            return
        written = False
        try:
            self._write(capture, report, state)
            written = True
            now = time.monotonic()
            if now - self._audit_at >= AUDIT_EVERY_S:
                self._audit_at = now
                self.copy_actions()
            if now - self._prune_at >= PRUNE_EVERY_S:
                self._prune_at = now
                self.journal.prune()
        except Exception as exc:  # a full disk must not stop the polling; said once, not every poll
            self._lost += not written
            why = f"journal write failed: {exc}"
            if why != self._failing:
                self.log(why)
            self._failing = why
            return
        if self._failing is not None:
            self.log(f"journal written again ({self._lost} polls were not)")
            self._failing, self._lost = None, 0

    def _write(self, capture: NodeCapture | None, report: NodeReport, state: ClusterState) -> None:
        now = state.clock.now()
        if capture is None:
            capture = NodeCapture(node=report.node, unreachable=report.unreachable or "no capture")
        if capture.collected_at is None:
            capture = replace(capture, collected_at=now)
        self._keep_settings(state, now)
        health = state.health
        # Actions come from the audit log (every hatui writes it), not from this console's own log.
        events = []
        for logged in reversed(state.events):  # the new ones are at the end of a long log
            if logged.seq <= self._seq:
                break
            if logged.event.kind is not EventKind.ACTION:
                events.append(logged.event)
        events.reverse()
        self.journal.write_poll(
            capture,
            status=health.status.value if health is not None else None,
            problems=problem_dicts(health) if health is not None else [],
            events=events,
        )
        self.polls_written += 1
        if state.events:
            self._seq = state.events[-1].seq

    def _keep_settings(self, state: ClusterState, now: datetime) -> None:
        """Writes the settings the verdict is judged with, with the first poll and when they change
        (from the next poll on), so a replay judges each poll as this recorder did
        (``hatui.journal.health_settings``)."""
        settings = HealthSettings.of(state.ignore, state.cluster)
        if settings == self._settings:
            return
        changes = self.journal.health_settings()
        if not changes or settings != HealthSettings.from_json(changes[-1][1]):
            self.journal.keep_health_settings(settings.to_json(), now)
        self._settings = settings

    def copy_actions(self) -> int:
        """Writes this cluster's audit records written since the last look; returns how many."""
        records = [r for r in self.audit.new_records() if self._ours(r)]
        try:
            for record in records:
                self.journal.write_action(record)
        except BaseException:
            self.audit.offset = 0  # read it all again next time: the store skips what it has
            raise
        return len(records)

    def _ours(self, record: dict[str, Any]) -> bool:
        """This cluster's, and made while the journal existed (a record without a time: kept)."""
        if record.get("cluster") != self.cluster.name:
            return False
        try:
            when = datetime.fromisoformat(str(record.get("when")))
        except ValueError:
            return True
        return (when if when.tzinfo else when.replace(tzinfo=UTC)) >= self._actions_since

    async def aclose(self) -> None:
        """Writes the last actions, closes the journal and releases the lock."""
        self.close()

    def close(self) -> None:
        """The same, for callers without an event loop. Safe to call twice."""
        if self._lock_fd is None:
            return
        try:
            with contextlib.suppress(Exception):
                self.copy_actions()
            self.journal.close()
        finally:
            os.close(self._lock_fd)
            self._lock_fd = None
