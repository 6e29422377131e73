"""Provides ClusterHeader: cluster name, health and N+1 badges, quorum, DC, versions, links, freshness."""

from __future__ import annotations

from collections.abc import Iterable

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Static

from hatui.model.capacity import Capacity, capacity
from hatui.model.corosync import CorosyncLink
from hatui.model.health import CRITICAL, INFO, SETTLING, WARNING, Problem
from hatui.model.verdict import for_subject
from hatui.model.view import ClusterView
from hatui.model.words import LinkStatus
from hatui.ui.cells import (
    CRIT,
    OK,
    STALE,
    UNKNOWN,
    fmt_age,
    health_word,
    no_problems_word,
    plain_line,
    set_text,
    severity_mark,
)
from hatui.watch.state import Snapshot


def versions(view: ClusterView) -> str:
    """Distinct stack versions seen: ``Pacemaker 2.1.5 · DRBD 8.3.7 · xm``."""
    s = view.pacemaker
    pcmk = {r.stack.pacemaker_version for r in view.reports if r.stack.pacemaker_version}
    if not pcmk and s is not None and s.dc_version:
        pcmk = {s.dc_version.split("-")[0]}
    drbd = {r.stack.drbd_version or (r.drbd.version if r.drbd else None) for r in view.reports}
    vm = {r.stack.vm_tool for r in view.reports if r.stack.vm_tool}
    parts = [f"Pacemaker {'/'.join(sorted(pcmk))}" if pcmk else ""]
    parts.append(f"DRBD {'/'.join(sorted(v for v in drbd if v))}" if any(drbd) else "")
    parts.append("/".join(sorted(vm)))
    return " · ".join(p for p in parts if p) or "versions not detected"


def links(view: ClusterView, problems: Iterable[Problem]) -> str:
    """Corosync links per node, marked as the verdict judges them: ``links vnode1 0✔ 1▲ · vnode2 0✔``."""
    found = tuple(problems)
    parts = []
    for r in view.reachable:
        if r.rings is None:
            continue
        marks = " ".join(f"{link.id}{link_mark(found, r.node, link)}" for link in r.rings.links)
        parts.append(f"{r.node} {marks}")
    return ("links " + " · ".join(parts)) if parts else ""


def link_mark(problems: tuple[Problem, ...], node: str, link: CorosyncLink) -> str:
    """The worst of the verdict's problems about ``link`` on ``node``; without one ``✔`` (``?`` when
    corosync did not say): a link knet shows down only towards a dead node is no fault of the link."""
    mine = [p for p in for_subject(problems, f"link:link {link.id}") if p.node == node]
    if mine:
        return severity_mark(mine[0].severity)
    return UNKNOWN if link.status is LinkStatus.UNKNOWN else OK


def node_mark(problems: tuple[Problem, ...], node: str) -> str:
    """A node chip's mark: the worst of the verdict's problems about the node or its links, else ``✔``."""
    mine = [p for p in for_subject(problems, f"node:{node}") if p.kind in ("node", "link")]
    return severity_mark(mine[0].severity) if mine else OK


def capacity_badge(cap: Capacity) -> tuple[str, str]:
    """(the N+1 badge's words, its class): ``N+1 ok``, ``N+1 LOST: vnode1 (vm1)``, ``N+1 ? (why)``."""
    if cap.n_plus_one is None:
        return cap.words, "-unknown"
    return cap.words, "-ok" if cap.n_plus_one else "-warning"


def show_capacity(badge: Static, snap: Snapshot) -> None:
    """Paints an N+1 badge (the header's, the wall's) with the model's verdict on ``snap.view``:
    its words, its class and, as tooltip, why."""
    cap = capacity(snap.view)
    text, cls = capacity_badge(cap)
    set_text(badge, text)
    badge.tooltip = plain_line(cap.why)
    for name in ("-ok", "-warning", "-unknown"):
        badge.set_class(name == cls, name)


class ClusterHeader(Vertical):
    """The top of the console: the verdict and the freshness of every node at a glance."""

    def __init__(self, title: str, accent: str | None = None, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.title = title
        self.accent = accent

    def compose(self) -> ComposeResult:
        with Horizontal(id="header-top"):
            yield Static(plain_line(self.title), id="cluster-name")
            yield Static(health_word("UNKNOWN"), id="health-badge", classes="badge -unknown")
            yield Static("N+1 ?", id="capacity-badge", classes="badge -unknown")
            yield Static("waiting for the first poll", id="cluster-summary")
            yield Static("", id="header-status")
        yield Horizontal(id="node-chips")
        yield Static("", id="problem-line")
        yield Static("", id="running-line")
        cursor = Static("", id="cursor-line")
        cursor.display = False  # shown only when replaying a journal (``hatui.ui.timeline``)
        yield cursor

    def on_mount(self) -> None:
        if self.accent:
            try:
                self.query_one("#cluster-name").styles.color = self.accent
            except ValueError:
                self.app.notify(f"accent colour {self.accent!r} is not a colour", severity="warning")

    def update_from(self, snap: Snapshot, *, paused: int | None, filter_text: str, read_only: bool) -> None:
        """Renders ``snap``; ``paused`` is the number of updates held back, None when live."""
        status = snap.health.status.value
        badge = self.query_one("#health-badge", Static)
        set_text(badge, health_word(status))
        for name in ("ok", "warning", "critical", "unknown"):
            badge.set_class(name == status.lower(), f"-{name}")
        self._capacity(snap)
        s = snap.view.pacemaker
        parts = []
        if s is not None:
            quorum = {True: f"{OK} quorum", False: f"{CRIT} NO QUORUM", None: "quorum ?"}[s.quorum]
            parts += [quorum, f"DC {s.dc or 'none'}"]
        parts.append(versions(snap.display))
        ring = links(snap.view, snap.health.problems)
        if ring:
            parts.append(ring)
        set_text(self.query_one("#cluster-summary", Static), "  ".join(parts))
        flags = []
        if read_only:
            flags.append("read-only")
        if paused is not None:
            flags.append(f"⏸ PAUSED ({paused} held)")
        if filter_text:
            flags.append(f"filter: {filter_text}")
        flags.append(f"{snap.now:%H:%M:%S}Z")
        set_text(self.query_one("#header-status", Static), "  ".join(flags))
        self._chips(snap)
        self._problems(snap)

    def _capacity(self, snap: Snapshot) -> None:
        show_capacity(self.query_one("#capacity-badge", Static), snap)

    def show_running(self, line: str) -> None:
        """The line about the actions in flight (``hatui.ui.screens.actions_panel``); "" hides it."""
        widget = self.query_one("#running-line", Static)
        set_text(widget, line)
        widget.display = bool(line)

    def show_cursor(self, line: str) -> None:
        """The time cursor's line when replaying a journal (``hatui.ui.timeline``); "" hides it."""
        widget = self.query_one("#cursor-line", Static)
        set_text(widget, line)
        widget.display = bool(line)

    def _chips(self, snap: Snapshot) -> None:
        box = self.query_one("#node-chips", Horizontal)
        nodes = snap.display.node_names
        have = {c.name for c in box.children if c.name}
        for n in nodes:
            if n not in have:
                box.mount(Static("", name=n, classes="node-chip"))
        for chip in box.children:
            if not isinstance(chip, Static) or chip.name is None:
                continue
            n = chip.name
            stale = snap.stale.get(n)
            good = snap.last_good.get(n)
            # The mark is the verdict's (the worst problem about the node), the words its freshness.
            mark = node_mark(snap.health.problems, n)
            if stale is not None:
                seen = "never seen" if stale.last_good is None else f"last seen {stale.age_s(snap.now)}s ago"
                text = f"{mark} {n} unreachable ({stale.reason}) {STALE} {seen}"
            elif good is not None:
                text = f"{mark} {n} {fmt_age((snap.now - good).total_seconds())}"
            else:
                text = f"… {n} not polled"
            set_text(chip, text)
            chip.set_class(stale is not None, "-unreachable")
            chip.set_class(stale is not None and stale.last_good is not None, "-stale")

    def _problems(self, snap: Snapshot) -> None:
        probs = snap.health.problems
        line = self.query_one("#problem-line", Static)
        if not probs:
            set_text(line, no_problems_word(snap.health.status.value))
            line.set_class(False, "-critical")
            return
        crit = sum(p.severity == CRITICAL for p in probs)
        counts = [(sev, sum(p.severity == sev for p in probs)) for sev in (CRITICAL, WARNING, SETTLING, INFO)]
        text = "".join(f"{severity_mark(sev)} {n} {sev}  " for sev, n in counts if n)
        text += f"— worst: {probs[0].message}"
        set_text(line, text)
        line.set_class(crit > 0, "-critical")
