"""Provides PollListener (what hears every poll of a cluster), ``notify_all`` and ``build_listeners``.

The console and ``hatui record`` poll the same way and feed the same ClusterState; what else
happens with a poll (the flight recorder's journal, the alert rules) is a listener, so both get
it from one place, ``build_listeners``. A listener is called on the polling path: it does quick
synchronous work only and hands anything slow (an alert command) to a task of its own. A bug in
one listener is logged and never stops the polling or the other listeners.

Textual is not imported here (``hatui record`` runs without a terminal).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from hatui.model.capture import NodeCapture
from hatui.model.report import NodeReport
from hatui.watch.state import ClusterState, Recorded

if TYPE_CHECKING:
    from hatui.config import ClusterConfig, Config
    from hatui.journal.store import Bounds

#: Where listeners say what went wrong or what they did: one line, no newline.
Log = Callable[[str], None]


class PollListener(Protocol):
    """Something that hears every poll of one cluster after the ClusterState took it in."""

    def polled(
        self, capture: NodeCapture | None, report: NodeReport, state: ClusterState, recorded: Recorded
    ) -> None:
        """Called for EVERY poll, unchanged ones too (``recorded.changed`` False).

        ``capture`` is the raw capture the report was parsed from (None when the poller had none,
        e.g. the poll itself failed). Must not block: quick synchronous work only (a SQLite commit
        of one poll is fine); slow work goes to a background task the listener owns. Should not
        raise; ``notify_all`` logs it if it does.
        """
        ...

    async def aclose(self) -> None:
        """Finishes what is pending (bounded in time) and releases files and tasks. Safe to call twice."""
        ...


def notify_all(
    listeners: Iterable[PollListener],
    capture: NodeCapture | None,
    report: NodeReport,
    state: ClusterState,
    recorded: Recorded,
    log: Log,
) -> None:
    """Calls each listener; an exception is logged with ``log`` and does not stop the others."""
    for listener in listeners:
        try:
            listener.polled(capture, report, state, recorded)
        except Exception as exc:  # a listener bug must not stop the polling
            log(f"{type(listener).__name__} failed on a poll of {report.node}: {exc!r}")


async def close_all(listeners: Iterable[PollListener], log: Log) -> None:
    """Closes every listener, the last built first (the alert rules note their last outcomes in the
    journal before it closes); one that fails is logged and the others still close."""
    for listener in reversed(list(listeners)):
        try:
            await listener.aclose()
        except Exception as exc:
            log(f"{type(listener).__name__} did not close cleanly: {exc!r}")


def build_listeners(
    config: Config,
    cluster: ClusterConfig,
    *,
    record_dir: Path | None,
    log: Log,
    bounds: Bounds | None = None,
) -> list[PollListener]:
    """The listeners of one watched cluster: the journal (when ``record_dir``), the alert rules
    (when the cluster has any; beside a journal they write their alerts into it and, started again,
    take up what they sent before). ``bounds``: the journal's size and age bounds (default: the store's).

    Raises:
        HatuiError: the journal cannot be opened (not a journal, another cluster's, locked by a
            running recorder).
    """
    # Imported when asked for: the journal (sqlite3) and the alert dispatch are not loaded by a
    # console that neither records nor alerts.
    listeners: list[PollListener] = []
    journal = None
    if record_dir is not None:
        from hatui.journal.listener import JournalListener

        recorder = JournalListener.open(record_dir, cluster, log=log, bounds=bounds)
        listeners.append(recorder)
        journal = recorder.journal
    if cluster.alerts:
        from hatui.alerts.listener import AlertListener

        alert = AlertListener.for_cluster(cluster, log, journal=journal)
        if alert is not None:
            listeners.append(alert)
    return listeners
