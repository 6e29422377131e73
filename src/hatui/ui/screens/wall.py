"""Provides WallScreen: the read-only monitor layout, readable from across a room.

A large health badge, the N+1 verdict in words beneath it (the header's badge, from the same
model), the problems first, short VM and DRBD summaries, node freshness and a clock. Nothing on it
takes focus and no binding on it can change a cluster. When the problem list is longer than the
screen, it pages through it; when several clusters are watched the app rotates the screen through
them.
"""

from __future__ import annotations

import contextlib
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Digits, Static

from hatui.model.health import CRITICAL, INFO
from hatui.model.verdict import for_subject, vm_state
from hatui.model.vms import vm_rows
from hatui.ui.cells import (
    OK,
    STALE,
    UNKNOWN,
    WARN,
    fmt_age,
    fmt_eta,
    health_word,
    no_problems_word,
    progress_bar,
    set_text,
    severity_mark,
)
from hatui.ui.messages import ScreenShown
from hatui.ui.modes import action_allowed
from hatui.ui.widgets.drbd import row_problems
from hatui.ui.widgets.header import show_capacity
from hatui.ui.widgets.nodes import REACH_CODES
from hatui.watch.state import Snapshot

#: Problems shown at once; more are paged.
PAGE = 8


def vm_summary(snap: Snapshot, limit: int = 6) -> str:
    """``VMs  5 ✔ ok · 1 ✖ need attention`` and one line per VM that is not fine.

    A VM counts as ok exactly when its VMs-pane row does: no problem of the verdict about it
    beyond ``info``.
    """
    ok, bad, fine = 0, [], []
    worst = 3
    for row in vm_rows(snap.display):
        found = [f for f in vm_state(snap.health.problems, row.name) if f.severity != INFO]
        if not found:
            ok += 1
            where = sorted(set(row.domain_nodes))
            stale = f" {STALE}" if any(snap.is_stale(n) for n in where) else ""
            fine.append(f"{row.name}@{','.join(where) or '-'}{stale}")
            continue
        worst = min(worst, found[0].rank)
        bad.append(f"{severity_mark(found[0].severity)} {row.name}: {found[0].message}")
    mark = severity_mark({0: "critical", 1: "warning"}.get(worst, "settling"))
    head = f"VMs  {ok} {OK} ok" + (f" · {len(bad)} {mark} need attention" if bad else "")
    lines = [head, *bad[:limit]]
    if len(bad) > limit:
        lines.append(f"  ... {len(bad) - limit} more")
    if fine:
        lines.append(f"{OK} " + "  ".join(fine))
    return "\n".join(lines)


def drbd_summary(snap: Snapshot, limit: int = 6) -> str:
    """``DRBD  8 ✔ in sync · 1 not`` and a line (with progress bar) per device with a problem."""
    ok, lines = 0, []
    for nd in snap.display.drbd:
        dev = nd.device
        found = [f for f in row_problems(nd, snap.health.problems) if f.severity != INFO]
        stale = f" {STALE} stale" if snap.is_stale(nd.node) else ""
        if not found:
            ok += 1
            continue
        mark = severity_mark(found[0].severity)
        syncing = next((p for p in dev.peers if p.sync_percent is not None), None)
        if syncing is not None:
            pct = syncing.sync_percent or 0.0
            lines.append(f"{mark} {nd.label}@{nd.node} {syncing.replication_raw} "
                         f"{progress_bar(pct, 10)} {fmt_eta(syncing.sync_eta_s)}{stale}")  # fmt: skip
        else:
            conn = ", ".join(p.connection_raw for p in dev.peers) or "no peer"
            lines.append(f"{mark} {nd.label}@{nd.node} {dev.role_raw}/{dev.disk_raw} {conn}{stale}")
    head = f"DRBD  {ok} {OK} in sync" + (f" · {len(lines)} {WARN} not" if lines else "")
    out = [head, *lines[:limit]]
    if len(lines) > limit:
        out.append(f"  ... {len(lines) - limit} more")
    return "\n".join(out)


class WallScreen(Screen[None]):
    """The read-only wall layout."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("w", "app.toggle_wall", "Panes", id="wall-toggle", show=False),
    ]
    AUTO_FOCUS = None
    HELP = """\
## Wall screen
Read-only: nothing here can change a cluster. Problems come first, worst first; the list pages
by itself when it is long. **q** quits.
"""

    def __init__(self) -> None:
        super().__init__(id="wall")
        self.page = 0
        self.cluster_label = ""

    def compose(self) -> ComposeResult:
        with Horizontal(id="wall-top"):
            yield Static("", id="wall-cluster")
            yield Static(health_word("UNKNOWN"), id="wall-badge", classes="badge -unknown")
            yield Digits("--:--:--", id="wall-clock")
        # The header's N+1 badge, full width: its words can name a node and every VM it would strand.
        yield Static("N+1 ?", id="wall-capacity", classes="badge -unknown")
        yield Static("waiting for the first poll", id="wall-problems")
        with Horizontal(id="wall-mid"):
            yield Static("", id="wall-vms")
            yield Static("", id="wall-drbd")
        yield Static("", id="wall-nodes")

    def on_screen_resume(self) -> None:
        self.app.post_message(ScreenShown())

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Refuses cluster-writing actions in read-only mode (see ``hatui.ui.modes``)."""
        return action_allowed(bool(getattr(self.app, "read_only", True)), action)

    def update_from(self, snap: Snapshot, *, title: str, accent: str | None, position: str = "") -> None:
        """Renders ``snap``; ``position`` is ``1/3`` while rotating through clusters."""
        name = self.query_one("#wall-cluster", Static)
        set_text(name, f"{title}\n{position}".rstrip())
        if accent:
            with contextlib.suppress(ValueError):
                name.styles.color = accent
        status = snap.health.status.value
        badge = self.query_one("#wall-badge", Static)
        set_text(badge, health_word(status))
        for s in ("ok", "warning", "critical", "unknown"):
            badge.set_class(s == status.lower(), f"-{s}")
        show_capacity(self.query_one("#wall-capacity", Static), snap)
        self.query_one("#wall-clock", Digits).update(f"{snap.now:%H:%M:%S}")
        self._problems(snap)
        set_text(self.query_one("#wall-vms", Static), vm_summary(snap))
        set_text(self.query_one("#wall-drbd", Static), drbd_summary(snap))
        set_text(self.query_one("#wall-nodes", Static), self._node_line(snap))

    def _problems(self, snap: Snapshot) -> None:
        probs = snap.health.problems
        box = self.query_one("#wall-problems", Static)
        box.set_class(any(p.severity == CRITICAL for p in probs), "-critical")
        if not probs:
            set_text(box, no_problems_word(snap.health.status.value))
            return
        pages = (len(probs) + PAGE - 1) // PAGE
        page = self.page % pages
        shown = probs[page * PAGE : (page + 1) * PAGE]
        lines = [f"{severity_mark(p.severity)} {p.message}" for p in shown]
        more = f"  (page {page + 1}/{pages})" if pages > 1 else ""
        set_text(box, f"PROBLEMS {len(probs)}{more}\n" + "\n".join(lines))

    def _node_line(self, snap: Snapshot) -> str:
        parts = []
        for n in snap.display.node_names:
            st = snap.stale.get(n)
            good = snap.last_good.get(n)
            if st is not None:
                why = [q for q in for_subject(snap.health.problems, f"node:{n}") if q.code in REACH_CODES]
                mark = severity_mark(why[0].severity) if why else UNKNOWN
                parts.append(f"{mark} {n} UNREACHABLE, last seen {st.age_s(snap.now)}s ago ({st.reason})")
            elif good is not None:
                parts.append(f"{OK} {n} {fmt_age((snap.now - good).total_seconds())}")
            else:
                parts.append(f"… {n}")
        return "   ".join(parts)

    def next_page(self) -> None:
        """Shows the next page of problems (called by the app's timer)."""
        self.page += 1
