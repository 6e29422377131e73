"""Provides SwitchingApp: a console that watches several clusters and shows one at a time.

With several clusters and ``fleet``, the console opens on the fleet screen
(``hatui.ui.screens.fleet``); choosing a row makes that cluster the shown one (``current``): its
own panes (one MainScreen per cluster, made when first opened, so each keeps its tab, filter and
cursor) or, in ``--monitor``, the wall. What the keys and the palette act on and the mode they obey
follow the shown cluster: ``actions`` is its session's ActionController and ``read_only`` its mode.
While the fleet screen is shown no cluster is, and no key acts on one.

``fleet_rows`` makes the fleet screen's rows from every session (``hatui.model.fleet`` judges, the
screen only shows). ``cluster_title`` is the name a cluster's header carries when it is one of a
fleet: its name and its mode in words (``operator`` or ``read-only``), so nobody acts on production
thinking it is test; the accent colour only repeats it. ``fleet_sessions`` builds the sessions of
every cluster of the config, each with its own poller; ``listen`` gives each its listeners.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from textual import on

from hatui.clock import Clock
from hatui.config import ClusterConfig, Config
from hatui.model.fleet import FleetRow, fleet_row
from hatui.ui.cells import Palette
from hatui.ui.modes import is_read_only
from hatui.ui.screens.fleet import BackToFleet, ClusterChosen, FleetMainScreen, FleetScreen
from hatui.ui.screens.main import MainScreen
from hatui.ui.screens.wall import WallScreen
from hatui.ui.sessions import PollingApp, Session, new_session
from hatui.watch.listeners import Log, build_listeners

if TYPE_CHECKING:
    from hatui.ui.actions_glue import ActionController

#: The app's actions about the shown cluster: none while the fleet screen is shown (they would act
#: on the cluster last opened, which nobody sees).
ON_A_CLUSTER = frozenset({"actions_panel", "toggle_wall", "demo_fault"})


def fleet_rows(sessions: Sequence[Session], now: datetime, *, monitor: bool = False) -> list[FleetRow]:
    """One row per session, in the sessions' order (the config's); its mode is what this console
    lets one do (``monitor``: read-only, whatever the config says), as the cluster's header says."""
    rows = []
    for s in sessions:
        snap = s.state.snapshot()
        if snap is None:
            row = fleet_row(s.cluster, None, None, now=now, last_good={})
        else:
            row = fleet_row(s.cluster, snap.view, snap.health, now=now, last_good=snap.last_good)
        rows.append(replace(row, mode=mode_word(s.cluster, monitor)))
    return rows


def mode_word(cluster: ClusterConfig, monitor: bool) -> str:
    """``read-only`` or ``operator``: what the console lets one do to ``cluster``."""
    return "read-only" if is_read_only(cluster, monitor) else "operator"


def cluster_title(session: Session, monitor: bool) -> str:
    """``Production · operator``: the cluster's name and its mode in words."""
    return f"{session.title} · {mode_word(session.cluster, monitor)}"


def fleet_sessions(config: Config, clock: Clock, *, demo: bool | str | None) -> list[Session]:
    """A session for every cluster of ``config`` in its order, each with its own poller."""
    from hatui.sources.make import make_poller

    return [
        new_session(config, c, make_poller(config, c, demo=demo), clock) for c in config.clusters.values()
    ]


def listen(
    sessions: Sequence[Session], config: Config, record: Path | None, voice: Callable[[Session], Log]
) -> None:
    """Gives each session its listeners (journal, alerts); ``voice`` says what they say as whom.

    With ``record`` and several sessions, each cluster's journal goes into ``record/<cluster name>``:
    a journal holds one cluster.

    Raises:
        HatuiError: a journal cannot be opened (before the console starts).
    """
    for s in sessions:
        where = record / s.cluster.name if record is not None and len(sessions) > 1 else record
        s.listeners = build_listeners(config, s.cluster, record_dir=where, log=voice(s))


class SwitchingApp(PollingApp):
    """A polling console that shows one of its sessions at a time (module docstring)."""

    palette: Palette

    def __init__(self, sessions: list[Session], clock: Clock, *, monitor: bool, fleet: bool) -> None:
        super().__init__(sessions, clock)
        self.monitor = monitor
        self.fleet_screen = FleetScreen() if fleet and len(self.sessions) > 1 else None
        """The screen of every cluster; None when one cluster is watched (or no fleet was asked for)."""
        self._forced_read_only = False
        self.shown = 0
        """Index of the session the wall screen shows."""
        self._mains: dict[int, MainScreen] = {}
        self.wall_screen = WallScreen()

    @property
    def read_only(self) -> bool:
        """Whether the shown cluster may be acted on (``hatui.ui.modes``); the timeline forces it."""
        return self._forced_read_only or is_read_only(self.session.cluster, self.monitor)

    @read_only.setter
    def read_only(self, value: bool) -> None:
        self._forced_read_only = value

    def read_only_of(self, session: Session) -> bool:
        """Whether ``session``'s cluster may be acted on from this console."""
        return self._forced_read_only or is_read_only(session.cluster, self.monitor)

    @property
    def actions(self) -> ActionController:
        """Keys and palette commands that act on the shown cluster (``hatui.ui.actions_glue``)."""
        assert self.session.actions is not None
        return self.session.actions

    @property
    def on_fleet(self) -> bool:
        """True while the fleet screen is the one shown: no cluster is, so nothing acts."""
        return self.fleet_screen is not None and self.screen is self.fleet_screen

    @property
    def main_screen(self) -> MainScreen:
        """The shown cluster's panes (one screen per cluster, made when first opened)."""
        screen = self._mains.get(self.current)
        if screen is None:
            s = self.session
            if self.fleet_screen is None:
                screen = MainScreen(s.title, s.cluster.accent)
            else:
                # Screens are the app's children: each cluster's needs its own id.
                screen = FleetMainScreen(
                    cluster_title(s, self.monitor), s.cluster.accent, id=f"main-{self.current}"
                )
            self._mains[self.current] = screen
            self.install_screen(screen, "main" if self.fleet_screen is None else f"main:{s.cluster.name}")
        return screen

    def fleet_allows(self, action: str) -> bool:
        """False for ``fleet`` unless a cluster opened from the fleet is shown, and for the actions
        about the shown cluster while the fleet screen is."""
        if action == "fleet":
            return self.fleet_screen is not None and isinstance(self.screen, (MainScreen, WallScreen))
        return not (self.on_fleet and action in ON_A_CLUSTER)

    @on(ClusterChosen)
    def _cluster_chosen(self, message: ClusterChosen) -> None:
        index = next((i for i, s in enumerate(self.sessions) if s.cluster.name == message.cluster), None)
        if index is None or not self.on_fleet:
            return
        self.current = self.shown = index
        self.wall_screen.page = 0
        self.push_screen(self.wall_screen if self.monitor else self.main_screen)

    @on(BackToFleet)
    def action_fleet(self) -> None:
        """Back to the fleet screen from a cluster's panes or wall."""
        if self.check_action("fleet", ()):
            self.pop_screen()

    def _render_fleet(self) -> None:
        assert self.fleet_screen is not None
        now = self.clock.now()
        self._drawn_at_s = int(now.timestamp())
        if self.paused:  # the rows stay put as a cluster's panes do; the line says what is held
            self.fleet_screen.show_paused(self.held, now)
            return
        self.fleet_screen.update_from(fleet_rows(self.sessions, now, monitor=self.monitor), self.palette, now)
