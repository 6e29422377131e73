"""Provides TimelineApp: the console over a recorded journal, with a time cursor instead of polls.

``hatui --replay JOURNAL [--at TIME]`` opens here: the cursor starts at the last poll at or before
``--at`` (or at the last poll), and every pane shows the cluster as it was there, rebuilt by
``hatui.journal.timeline.Timeline`` (the settling, the stale nodes, the events up to the cursor).
No poll worker runs; the keys move the cursor:

``[`` ``]`` one poll back/forward · ``{`` ``}`` previous/next problem (the verdict's status or the
recorded problems changed: ``Timeline.next_mark``) · ``<`` ``>`` previous/next action from the
audit log. The header
says where the cursor is:
``REPLAY 2026-12-05 03:12:04 UTC · poll 123/4567 · [ ] step  { } problem  < > action``.

A journal replay is read-only: the cluster config made for it says so, and nothing here acts.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

from textual.binding import Binding, BindingType

from hatui.clock import FrozenClock
from hatui.config import ClusterConfig, Config
from hatui.journal.store import Journal
from hatui.journal.timeline import Timeline
from hatui.sources.poller import ReplayPoller
from hatui.ui.app import HatuiApp, Session
from hatui.ui.base import run_console
from hatui.ui.widgets.header import ClusterHeader

KEYS_HINT = "[ ] step  { } problem  < > action"
#: The console's own keys that mean nothing without polls.
_NO_POLLS = frozenset({"toggle_pause", "refresh_now", "demo_fault"})


def cursor_line(timeline: Timeline, index: int, *, keys: bool = True) -> str:
    """``REPLAY 2026-12-05 03:12:04 UTC · poll 123/4567 · [ ] step …`` for the cursor at ``index``
    (the count is of the polls loaded: hours around the cursor, more as it moves on)."""
    at = timeline.polls[index].at
    line = f"REPLAY {at:%Y-%m-%d %H:%M:%S} UTC · poll {index + 1}/{len(timeline.polls)}"
    return f"{line} · {KEYS_HINT}" if keys else line


class TimelineApp(HatuiApp):
    """The console over a journal: no polls, a cursor the keys move (module docstring)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left_square_bracket", "step(-1)", "Back", tooltip="One poll back", id="timeline-back"),
        Binding("right_square_bracket", "step(1)", "Step", tooltip="One poll forward", id="timeline-step"),
        Binding(
            "left_curly_bracket",
            "mark(-1, 'problem')",
            "Prev problem",
            tooltip="Back to where the verdict last changed",
            id="timeline-prev-problem",
        ),
        Binding(
            "right_curly_bracket",
            "mark(1, 'problem')",
            "Next problem",
            tooltip="On to where the verdict next changes",
            id="timeline-next-problem",
        ),
        Binding(
            "less_than_sign",
            "mark(-1, 'action')",
            "Prev action",
            tooltip="Back to the previous action (audit log)",
            id="timeline-prev-action",
        ),
        Binding(
            "greater_than_sign",
            "mark(1, 'action')",
            "Next action",
            tooltip="On to the next action (audit log)",
            id="timeline-next-action",
        ),
    ]

    def __init__(
        self,
        config: Config,
        timeline: Timeline,
        index: int,
        *,
        monitor: bool = False,
        theme: str | None = None,
    ) -> None:
        self.timeline = timeline
        self.poll_id = timeline.polls[index].id
        """The poll under the cursor (its index moves when older polls are loaded)."""
        state = timeline.state_at(index)
        clock = FrozenClock(state.clock.now())
        session = Session(timeline.cluster, ReplayPoller([]), state)
        super().__init__(config, [session], monitor=monitor, clock=clock, theme_name=theme)
        self.read_only = True

    def _start_polling(self, session: Session) -> None:
        """The journal is the only source: nothing is polled."""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in _NO_POLLS:
            return False
        return super().check_action(action, parameters)

    # -- the cursor --------------------------------------------------------------------------------

    @property
    def index(self) -> int:
        """The cursor's index among the polls the timeline has loaded."""
        return self.timeline.position(self.poll_id)

    def move_to(self, index: int) -> None:
        """Puts the cursor at poll ``index`` (clamped to the polls loaded) and redraws everything."""
        index = max(0, min(index, len(self.timeline.polls) - 1))
        self.poll_id = self.timeline.polls[index].id
        self.session.state = self.timeline.state_at(index)
        assert isinstance(self.clock, FrozenClock)
        self.clock.advance((self.state.clock.now() - self.clock.now()).total_seconds())
        self.render_all()

    def action_step(self, delta: int) -> None:
        """Moves the cursor ``delta`` polls."""
        target = self.index + delta
        while not 0 <= target < len(self.timeline.polls):
            if not self.timeline.extend(delta):
                self.notify("no poll before this one" if delta < 0 else "no poll after this one", timeout=2)
                return
            target = self.index + delta
        self.move_to(target)

    def action_mark(self, direction: int, kind: str) -> None:
        """Moves the cursor to the previous/next mark of ``kind`` (``problem`` or ``action``)."""
        found = self.timeline.next_mark(self.index, direction, kind)
        if found is None:
            where = "before" if direction < 0 else "after"
            self.notify(f"no {kind} {where} this poll", timeout=2)
            return
        self.move_to(found)

    def render_all(self, *, panes: bool = True, ages_only: bool = False) -> None:
        super().render_all(panes=panes, ages_only=ages_only)
        if not self.is_running or not self.timeline.polls:
            return
        line = cursor_line(self.timeline, self.index)
        for header in self.main_screen.query(ClusterHeader):
            header.show_cursor(line)

    def _render_wall(self) -> None:
        # The wall (--monitor) says where the cursor is under the cluster's name.
        if not self.wall_screen.is_mounted or not self.timeline.polls:
            return
        snap = self.state.snapshot(True)
        if snap is not None:
            line = cursor_line(self.timeline, self.index, keys=False)
            self.wall_screen.update_from(snap, title=self.session.title, accent=self.session.cluster.accent,
                                         position=line)  # fmt: skip

    async def on_unmount(self) -> None:
        await super().on_unmount()
        self.timeline.journal.close()


def make_timeline_app(
    config: Config,
    cluster: ClusterConfig,
    journal: Journal,
    *,
    at: datetime | None = None,
    monitor: bool = False,
    theme: str | None = None,
) -> TimelineApp:
    """The console over ``journal`` with its cursor at ``at`` (None: the last poll).

    Raises:
        HatuiError: the journal holds no poll.
    """
    from hatui.errors import HatuiError

    timeline = Timeline(journal, cluster, config.health_ignore, around=at)
    if not timeline.polls:
        raise HatuiError(f"{journal.file}: the journal holds no poll yet", "journal")
    index = timeline.index_at(at) if at is not None else len(timeline.polls) - 1
    return TimelineApp(config, timeline, index, monitor=monitor, theme=theme)


def run_timeline(config: Config, cluster: ClusterConfig, path: Path, **options: Any) -> int:
    """Runs the console over the journal at ``path`` until the user quits; returns the exit code.

    Raises:
        HatuiError: not a journal, or an empty one (before the console starts).
    """
    journal = Journal.open(path)
    try:
        app = make_timeline_app(config, cluster, journal, **options)
    except BaseException:
        journal.close()
        raise
    return run_console(app)
