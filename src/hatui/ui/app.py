"""Provides HatuiApp, ``make_app`` (the one factory, used by the CLI and the tests) and ``run_app``.

What any console does whatever it watches (plain-text toasts, crash report, screenshots, theme
variables) is ``hatui.ui.base.ConsoleApp``; the sessions and their polls are
``hatui.ui.sessions.PollingApp``, which HatuiApp extends with screens, keys and actions.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on, work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import HelpPanel

from hatui.clock import Clock, SystemClock
from hatui.config import ClusterConfig, Config
from hatui.model.events import ClusterEvent, EventKind
from hatui.sources.poller import Poller
from hatui.ui.actions_glue import ActionController
from hatui.ui.base import run_console
from hatui.ui.cells import Palette
from hatui.ui.demo_faults import demo_of, inject_fault
from hatui.ui.messages import ActionFinished, DetailRequested, ScreenShown
from hatui.ui.modes import action_allowed
from hatui.ui.palette import ClusterCommands
from hatui.ui.screens.actions_panel import ActionsPanel, QuitScreen, running_line
from hatui.ui.screens.detail import DetailScreen
from hatui.ui.screens.main import PANES, MainScreen
from hatui.ui.screens.wall import WallScreen
from hatui.ui.sessions import Session, new_session
from hatui.ui.switching import SwitchingApp, fleet_sessions, listen
from hatui.ui.themes import DEFAULT_THEME, WALL_THEME, load_themes, theme_dirs
from hatui.ui.widgets.header import ClusterHeader
from hatui.ui.widgets.table_pane import ERRORS_KEY

if TYPE_CHECKING:
    from textual.screen import Screen as AnyScreen

__all__ = ["HatuiApp", "Session", "make_app", "run_app"]

#: Seconds each cluster stays on the wall screen when several are watched.
ROTATE_S = 20.0
#: Seconds each page of a long problem list stays on the wall screen.
PAGE_S = 8.0


class HatuiApp(SwitchingApp):
    """The hatui console."""

    CSS_PATH = Path(__file__).parent / "styles" / "app.tcss"
    TITLE = "hatui"
    COMMANDS = App.COMMANDS | {ClusterCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", tooltip="Leave hatui (asks while actions run)", id="quit"),
        Binding("a", "actions_panel", "Actions", tooltip="Actions in flight: cancel, clear", id="actions"),
        Binding("question_mark", "toggle_help", "Help", tooltip="Keys of the focused pane", id="help"),
        Binding("p", "toggle_pause", "Pause", tooltip="Freeze the screen; polls go on", id="pause"),
        Binding("r", "refresh_now", "Refresh", tooltip="Poll every node now", id="refresh"),
        Binding("w", "toggle_wall", "Wall", tooltip="Switch between panes and the wall layout", id="wall"),
        # Not "f": the resource panes' f resets a fail-count.
        Binding("backspace", "fleet", "Fleet", tooltip="Back to every cluster at a glance", id="fleet"),
        Binding("escape", "fleet", "Fleet", show=False, id="fleet-escape"),
        Binding("t", "next_theme", "Theme", tooltip="Next hatui theme", id="next-theme", show=False),
        Binding(
            "exclamation_mark", "demo_fault", "Fault", tooltip="Demo only: inject a fault", id="demo-fault"
        ),
    ]

    def __init__(
        self,
        config: Config,
        sessions: Sequence[Session],
        *,
        monitor: bool,
        clock: Clock,
        theme_name: str | None = None,
        fleet: bool = False,
    ) -> None:
        super().__init__(list(sessions), clock, monitor=monitor, fleet=fleet)
        self.config = config
        self.wanted_theme = theme_name
        self.redraws = 0
        """How many times the panes were redrawn with new data (not counting the age ticker)."""
        self.palette = Palette.plain()
        self.theme_problems: list[str] = []
        for session in self.sessions:
            session.actions = ActionController(self, session)

    # -- start-up -------------------------------------------------------------------------------

    def on_mount(self) -> None:
        self._setup_themes()
        if self.config.keymap:
            self.set_keymap(dict(self.config.keymap))
        self.install_screen(self.wall_screen, "wall")
        if self.fleet_screen is not None:
            self.install_screen(self.fleet_screen, "fleet")
            self.push_screen("fleet")
        else:
            self.push_screen(self.wall_screen if self.monitor else self.main_screen)
        self.theme_changed_signal.subscribe(self, self._theme_changed)
        self.palette = Palette.from_variables(self.theme_variables)
        for session in self.sessions:
            self._start_polling(session)
        # Out of step with the polls (which start now, every whole second): a changed poll landing
        # just after the ticker's frame would wait one to two frame periods for the next one.
        self.set_timer(0.5, lambda: self.set_interval(1.0, self._tick_ages, name="tick"))
        if self.monitor:
            self.set_interval(PAGE_S, self._next_page, name="wall-page")
            if len(self.sessions) > 1 and self.fleet_screen is None:
                self.set_interval(ROTATE_S, self._rotate, name="wall-rotate")

    def _setup_themes(self) -> None:
        themes, problems = load_themes(theme_dirs())
        for theme in themes.values():
            self.register_theme(theme)
        self.theme_problems = [str(p) for p in problems]
        for p in problems:
            self.notify(f"theme file skipped: {p}", title="theme", severity="warning", timeout=10)
        default_wall = self.monitor and self.config.theme == DEFAULT_THEME and WALL_THEME in themes
        name = self.wanted_theme or (WALL_THEME if default_wall else self.config.theme)
        if name not in self.available_themes:
            self.notify(f"theme {name!r} not found or not usable; using {DEFAULT_THEME}",
                        title="theme", severity="warning", timeout=10)  # fmt: skip
            self.theme_problems.append(f"theme {name!r} unavailable")
            name = DEFAULT_THEME
        self.theme = name

    def _theme_changed(self, _theme: object) -> None:
        self.palette = Palette.from_variables(self.theme_variables)
        self.render_all()

    @on(ScreenShown)
    def _screen_shown(self) -> None:
        self.render_all()

    @on(ActionFinished)
    def _action_finished(self, message: ActionFinished) -> None:
        severity = "info" if message.ok else "critical"
        verdict = "done" if message.ok else "FAILED"
        text = f"{message.action} {message.target}: {verdict}: {message.outcome}"
        state = (self.session_named(message.cluster) or self.session).state
        state.log(ClusterEvent(self.clock.now(), EventKind.ACTION, message.target, None, text, severity))
        title = f"{message.action} {message.target}: {verdict}"
        if message.ok:
            self.notify(message.outcome, title=title, timeout=10)
        else:
            self.notify(message.outcome, title=title, severity="error", timeout=30)
        self.render_all()

    async def on_unmount(self) -> None:
        # A running action removes its in-flight marker over the transports: before they close.
        for session in self.sessions:
            if session.actions is not None:
                await session.actions.close()
        await self.close_sessions()

    # -- rendering ------------------------------------------------------------------------------

    def render_all(self, *, panes: bool = True, ages_only: bool = False) -> None:
        """Redraws the main screen and the wall from the current state.

        ``ages_only``: the data did not change, the clock did: only what shows ages is redrawn.
        """
        if not self.is_running:
            return  # a poll that lands while the app shuts down
        snap = self.state.snapshot(self.read_only)
        if snap is not None:
            self._drawn_at_s = int(snap.now.timestamp())
            if panes and not ages_only:
                self.redraws += 1
        if self.on_fleet:
            self._render_fleet()
            return
        if snap is not None and self.main_screen.is_mounted:
            self.main_screen.update_from(snap, self.palette, self.state.events, paused=self._paused_count,
                                         read_only=self.read_only, panes=panes,
                                         ages_only=ages_only)  # fmt: skip
        self._render_running()
        self._render_wall()

    def _render_running(self) -> None:
        # The header's line while an action runs: what, step, what it waits for, elapsed and limit.
        # (The header is a child of the screen: query() walked every widget under it per redraw.)
        line = running_line(self.actions.running(), time.monotonic())
        for header in self.main_screen.query_children(ClusterHeader):
            header.show_running(line)

    def _render_wall(self) -> None:
        if not self.wall_screen.is_mounted:
            return
        session = self.sessions[self.shown % len(self.sessions)]
        snap = session.state.snapshot(True)
        if snap is None:
            return
        rotating = len(self.sessions) > 1 and self.fleet_screen is None
        pos = f"cluster {self.shown % len(self.sessions) + 1}/{len(self.sessions)}" if rotating else ""
        self.wall_screen.update_from(snap, title=session.title, accent=session.cluster.accent, position=pos)

    @property
    def _paused_count(self) -> int | None:
        return self.held if self.paused else None

    def _next_page(self) -> None:
        self.wall_screen.next_page()
        self._render_wall()

    def _rotate(self) -> None:
        self.shown = (self.shown + 1) % len(self.sessions)
        self.wall_screen.page = 0
        self._render_wall()

    # -- actions -------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Refuses cluster-writing actions in read-only mode (see ``hatui.ui.modes``)."""
        if not self.fleet_allows(action):
            return False
        if action == "demo_fault":
            return not self.read_only and demo_of(self) is not None
        return action_allowed(self.read_only, action)

    @work(exclusive=True, group="demo-fault")
    async def action_demo_fault(self) -> None:
        """Lets a newcomer see a bad night: inject a fault into the demo cluster."""
        await inject_fault(self)

    def action_actions_panel(self) -> None:
        """Shows the actions in flight (cancel one, clear what one left)."""
        if not isinstance(self.screen, ActionsPanel):
            self.push_screen(ActionsPanel(self.actions))

    async def action_quit(self) -> None:
        """Quits; while actions run, first says what quitting would leave behind and asks."""
        running = [r for s in self.sessions if s.actions is not None for r in s.actions.running()]
        if not running:
            self.exit()
            return
        if isinstance(self.screen, QuitScreen):
            return

        def answer(quit_now: bool | None) -> None:
            if quit_now:
                # Each action undoes itself and writes its end record while the console closes.
                for s in self.sessions:
                    if s.actions is not None:
                        s.actions.cancel_all("cancelled: the console quit")
                self.exit()

        self.push_screen(QuitScreen(running), answer)

    def action_toggle_pause(self) -> None:
        """Freezes the screen so rows stay put; polls go on and are shown on resume."""
        self.paused = not self.paused
        if self.paused:
            self.held = 0
            self.notify("updates paused: press p to resume", timeout=3)
            self._render_header()
        else:
            self.notify(f"resumed ({self.held} updates)", timeout=2)
            self.held = 0
            self.render_all()

    def action_toggle_help(self) -> None:
        """Shows or hides the key panel (built from the real bindings)."""
        if self.screen.query(HelpPanel):
            self.action_hide_help_panel()
        else:
            self.action_show_help_panel()

    def action_toggle_wall(self) -> None:
        """Switches between the panes and the wall layout."""
        if isinstance(self.screen, DetailScreen):
            self.pop_screen()
        self.switch_screen(self.main_screen if isinstance(self.screen, WallScreen) else self.wall_screen)

    @on(DetailRequested)
    def _detail_requested(self, message: DetailRequested) -> None:
        snap = self.state.snapshot(self.read_only)
        if snap is None:
            return
        pane = self.main_screen.pane(message.pane) if message.pane in PANES else None
        if pane is None:
            return
        info = pane.errors_detail(snap) if message.key == ERRORS_KEY else pane.detail(message.key, snap)
        if info is None:
            self.notify(f"{message.key}: no longer shown", severity="warning", timeout=3)
            return
        self.push_screen(DetailScreen(info, self.state.history(info.subjects), self.palette))

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Textual's commands plus hatui's, minus any the mode does not allow."""
        yield from super().get_system_commands(screen)
        ours = [
            *(
                (f"Show {spec.label}", f"Switch to the {spec.label} pane", f"show_pane('{pane}')", True)
                for pane, spec in PANES.items()
            ),  # fmt: skip
            ("Pause or resume", "Freeze the panes so rows stay put", "toggle_pause", False),
            ("Refresh now", "Poll every node now", "refresh_now", False),
            ("Actions in flight", "Running actions: cancel one, clear what one left", "actions_panel", False),
            ("Filter rows", "Show only rows containing some words", "filter", True),
            ("Wall layout", "Switch between the panes and the wall layout", "toggle_wall", False),
            ("Next theme", "Cycle through the hatui themes", "next_theme", False),
        ]
        for title, help_text, action, on_main in ours:
            name = action.split("(")[0]
            if not action_allowed(self.read_only, name):
                continue
            target: AnyScreen[Any] | App[Any] = self.main_screen if on_main else self
            if on_main and not isinstance(screen, MainScreen):
                continue
            yield SystemCommand(title, help_text, self._runner(action, target))

    def _runner(self, action: str, target: Any) -> Any:
        async def run() -> None:
            await self.run_action(action, target)

        return run


def make_app(
    config: Config,
    cluster: ClusterConfig,
    poller: Poller,
    *,
    monitor: bool = False,
    clock: Clock | None = None,
    theme: str | None = None,
    extra: Sequence[tuple[ClusterConfig, Poller]] = (),
    fleet: bool = False,
) -> HatuiApp:
    """Builds the console for ``cluster`` polled by ``poller``.

    Args:
        config: The whole configuration (themes, keymap, health codes to ignore).
        cluster: The cluster to show.
        poller: Where captures come from (SSH, demo, replay).
        monitor: The read-only wall layout.
        clock: Time source (a FrozenClock in tests).
        theme: A theme name that overrides the config's.
        extra: Further clusters: the wall screen rotates through them, or with ``fleet``, the
            console opens on the fleet screen (``cluster`` first, then these).
        fleet: Open on the fleet screen (when there are several clusters).
    """
    clk = clock or SystemClock()
    sessions = [new_session(config, c, p, clk) for c, p in [(cluster, poller), *extra]]
    return HatuiApp(config, sessions, monitor=monitor, clock=clk, theme_name=theme, fleet=fleet)


def run_app(
    config: Config,
    cluster: ClusterConfig,
    *,
    demo: bool | str | None = None,
    replay: Path | None = None,
    monitor: bool = False,
    theme: str | None = None,
    record: Path | None = None,
    at: datetime | None = None,
    fleet: bool = False,
) -> int:
    """Runs the console until the user quits; returns the exit code. A journal as ``replay`` opens
    the time cursor (``hatui.ui.timeline``) at ``at``, or at its last poll. With ``fleet``, every
    cluster of ``config`` is watched and the console opens on the fleet screen.

    Raises:
        HatuiError: the journal of ``record`` (or of ``replay``) cannot be opened (before the console starts).
    """
    from hatui.journal.store import Journal
    from hatui.sources.make import make_poller

    if replay is not None and Journal.is_journal(replay):
        from hatui.ui.timeline import run_timeline

        return run_timeline(config, cluster, replay, at=at, monitor=monitor, theme=theme)
    if fleet and replay is None:
        clock = SystemClock()
        sessions = fleet_sessions(config, clock, demo=demo)
        app = HatuiApp(config, sessions, monitor=monitor, clock=clock, theme_name=theme, fleet=True)
        listen(app.sessions, config, record, app.voice_of)
        return run_console(app)
    poller = make_poller(config, cluster, demo=demo, replay=replay)
    extra: list[tuple[ClusterConfig, Poller]] = []
    if monitor and not demo and replay is None:
        # The wall rotates through every configured cluster, the chosen one first.
        others = [c for c in config.clusters.values() if c.name != cluster.name]
        extra = [(c, make_poller(config, c, demo=None, replay=None)) for c in others]
    app = make_app(config, cluster, poller, monitor=monitor, theme=theme, extra=extra)
    listen([app.session], config, record, app.voice_of)
    return run_console(app)
