"""Provides Session (one watched cluster) and PollingApp, the console's polling side.

Polls run in workers, one per node (named ``poll:<node>`` for the first cluster and
``poll:<cluster>:<node>`` for the others, group ``poll``): each calls ``poller.poll(node)``, posts a
NodePolled message (a finished NodeReport: the sources parse, the console never does) and sleeps
``poller.interval(node)``, so a node's polls never overlap and a slow node (or cluster) never holds
up another. Every cluster's workers run whichever cluster is shown. The handler feeds the cluster's
ClusterState and its listeners (journal, alerts); the network is never awaited on the UI's own path.

A poll that changed nothing (``Recorded.changed``) redraws nothing: the age ticker keeps the
header's ages moving. Changed polls that land together are drawn once: the first asks for a
redraw after the messages already queued (``call_later``), the others find it asked for.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from textual import on

from hatui.clock import Clock
from hatui.config import ClusterConfig, Config
from hatui.model.report import NodeReport
from hatui.plaintext import clean_line
from hatui.sources.poller import Poller
from hatui.ui.base import ConsoleApp
from hatui.ui.cells import trim_width_cache
from hatui.ui.messages import NodePolled
from hatui.watch.listeners import PollListener, close_all, notify_all
from hatui.watch.state import ClusterState

if TYPE_CHECKING:
    from hatui.ui.actions_glue import ActionController


@dataclass(eq=False)
class Session:
    """One watched cluster: its config, its poller and what the console knows of it."""

    cluster: ClusterConfig
    poller: Poller
    state: ClusterState
    wake: dict[str, asyncio.Event] = field(default_factory=dict)
    listeners: list[PollListener] = field(default_factory=list)
    actions: ActionController | None = None
    """What its keys and palette commands run (the app gives each session its own)."""

    @property
    def title(self) -> str:
        """The name people know the cluster by."""
        return self.cluster.display_name or self.cluster.name


def new_session(config: Config, cluster: ClusterConfig, poller: Poller, clock: Clock) -> Session:
    """A session of ``cluster`` polled by ``poller``, judged with the config's health settings."""
    state = ClusterState(cluster.display_name or cluster.name, poller.nodes, clock, cluster=cluster,
                         ignore=config.health_ignore)  # fmt: skip
    return Session(cluster, poller, state)


class PollingApp(ConsoleApp):
    """A console polling the clusters of its sessions; what it draws is the subclass's."""

    def __init__(self, sessions: list[Session], clock: Clock) -> None:
        super().__init__()
        self.sessions = sessions
        self.current = 0
        """Index of the session shown (the first unless opened from the fleet screen)."""
        self.clock = clock
        self.paused = False
        self.held = 0
        self._render_asked = False
        self._drawn_at_s = 0
        """The clock's second at the last redraw (``_redraw_ages``)."""

    @property
    def session(self) -> Session:
        """The cluster shown (its panes, its header, what its keys act on)."""
        return self.sessions[self.current]

    @property
    def state(self) -> ClusterState:
        """The shown cluster's state."""
        return self.session.state

    def session_named(self, name: str) -> Session | None:
        """The session of the cluster called ``name`` (config name)."""
        return next((s for s in self.sessions if s.cluster.name == name), None)

    # -- what subclasses draw --------------------------------------------------------------------

    def render_all(self, *, panes: bool = True, ages_only: bool = False) -> None:
        """Redraws what the console shows from the sessions' states."""

    def _render_header(self) -> None:
        self.render_all(panes=False)

    # -- polling -------------------------------------------------------------------------------

    def _start_polling(self, session: Session) -> None:
        prefix = "poll:" if session is self.sessions[0] else f"poll:{session.cluster.name}:"
        for node in session.poller.nodes:
            self.run_worker(self._poll(session, node), name=f"{prefix}{node}", group="poll",
                            exit_on_error=False)  # fmt: skip

    async def _poll(self, session: Session, node: str) -> None:
        wake = session.wake.setdefault(node, asyncio.Event())
        while True:
            try:
                report = await session.poller.poll(node)
                capture = session.poller.last_capture(node)
            except Exception as exc:  # a poller bug must not stop this node's polling
                report, capture = NodeReport(node=node, unreachable=f"poll failed: {exc!r}"), None
            heard = bool(session.listeners)  # a journal keeps every poll: none is coalesced away
            self.post_message(NodePolled(session.cluster.name, report, capture, heard=heard))
            wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), timeout=session.poller.interval(node))

    @on(NodePolled)
    def _node_polled(self, message: NodePolled) -> None:
        session = self.session_named(message.cluster)
        if session is None:
            return
        recorded = session.state.record(message.report)
        notify_all(session.listeners, message.capture, message.report, session.state, recorded,
                   self.voice_of(session))  # fmt: skip
        if recorded.transition == "down":
            self.notify(f"{message.node} unreachable: {message.report.unreachable}",
                        title=session.title, severity="error", timeout=8)  # fmt: skip
        elif recorded.transition == "up":
            self.notify(f"{message.node} reachable again", title=session.title, timeout=5)
        if not recorded.changed:
            self._redraw_ages()
            return
        if self.paused:
            self.held += 1
            self._render_header()
            return
        self._render_soon()

    def log_line(self, line: str) -> None:
        """What a listener (the recorder, the alerts) of the shown cluster has to say: a toast."""
        self.voice_of(self.session)(line)

    def voice_of(self, session: Session) -> Callable[[str], None]:
        """A listener's voice: a toast titled with its own cluster's name."""

        def say(line: str) -> None:
            self.notify(clean_line(line), title=session.title, severity="warning", timeout=10)

        return say

    def _render_soon(self) -> None:
        """One redraw for every change that lands before it runs (a burst of polls)."""
        if not self._render_asked:
            self._render_asked = True
            self.call_later(self._render_asked_for)

    def _render_asked_for(self) -> None:
        self._render_asked = False
        if not self.paused:
            self.render_all()

    def _tick_ages(self) -> None:
        # Ages ("stale 42s", "3s ago") move every second: the header and the panes that show ages
        # are redrawn; every pane only when a verdict that waits on time (settling, actions in
        # flight) changed.
        trim_width_cache()
        rejudged = False
        for session in self.sessions:
            recorded = session.state.refresh()
            rejudged = rejudged or (recorded is not None and recorded.changed)
        if self.paused:
            self._render_header()
            return
        self.render_all(ages_only=not rejudged)

    def _redraw_ages(self) -> None:
        """After a poll that changed nothing: the ages, if the clock moved a second since the last
        redraw (between ticks the data shown is current; this catches a clock that jumped)."""
        if int(self.clock.now().timestamp()) == self._drawn_at_s:
            return
        if self.paused:
            self._render_header()
        else:
            self.render_all(ages_only=True)

    def action_refresh_now(self) -> None:
        """Wakes every poll worker so that each node is polled at once."""
        for session in self.sessions:
            for event in session.wake.values():
                event.set()

    async def close_sessions(self) -> None:
        """Closes every session's transports and listeners (on quit)."""
        for session in self.sessions:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(session.poller.close(), timeout=2.0)
            await close_all(session.listeners, self.voice_of(session))
