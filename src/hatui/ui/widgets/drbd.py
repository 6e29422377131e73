"""Provides the DRBD pane: every resource/volume on every node, with a live sync progress bar."""

from __future__ import annotations

from functools import partial
from typing import ClassVar

from rich.style import Style
from textual.binding import BindingType

from hatui.model.drbd import DrbdPeer
from hatui.model.health_types import Problem
from hatui.model.verdict import for_subject
from hatui.model.view import ClusterView, NodeDrbd
from hatui.ui.cells import OK, STALE, Palette, cell, fmt_eta, fmt_speed, progress_bar, severity_mark
from hatui.ui.details import DRBD_SOURCES, DetailInfo, flatten, raws
from hatui.ui.pane_actions import PaneActions, bindings
from hatui.ui.widgets.table_pane import Row, TablePane
from hatui.watch.state import Snapshot


def row_key(nd: NodeDrbd, peer: DrbdPeer | None) -> str:
    """``label@node`` (plus ``>peer`` on DRBD 9 with named peers): stable across polls."""
    key = f"{nd.label}@{nd.node}"
    return f"{key}>{peer.name}" if peer is not None and peer.name else key


def display_drbd(view: ClusterView) -> tuple[NodeDrbd, ...]:
    """Devices of every node with DRBD data, stale ones included (the display view has them)."""
    return view.drbd


def row_problems(nd: NodeDrbd, problems: tuple[Problem, ...]) -> tuple[Problem, ...]:
    """The verdict's problems about this device on this node (or about the resource as a whole)."""
    return tuple(p for p in for_subject(problems, f"drbd:{nd.label}") if p.node in (None, nd.node))


def row_mark(found: tuple[Problem, ...]) -> str:
    """The row's mark: its worst problem's (``✖ ▲ ↻ ·``), ``✔`` without one."""
    return severity_mark(found[0].severity) if found else OK


def row_state(peer: DrbdPeer | None, found: tuple[Problem, ...], p: Palette) -> tuple[str, Style, int]:
    """DRBD's own connection word, marked and coloured with the row's worst problem (the pane judges
    nothing: a raw state the verdict finds fine, such as a device without a peer, is ``✔``)."""
    word = peer.connection_raw if peer is not None else "no peer"
    if found:
        worst = found[0]
        return f"{row_mark(found)} {word}", p.severity(worst.severity), worst.rank
    return f"{row_mark(found)} {word}", p.ok, 4


class DrbdPane(TablePane, PaneActions):
    """One row per DRBD device (and peer) per node."""

    TITLE = "DRBD"
    BINDINGS: ClassVar[list[BindingType]] = bindings("drbd")
    EMPTY = "no DRBD device seen"
    SOURCES = frozenset(DRBD_SOURCES)
    COLUMNS: ClassVar[tuple[tuple[str, str], ...]] = (
        ("resource", "Resource"),
        ("node", "Node"),
        ("role", "Role"),
        ("disk", "Disk"),
        ("conn", "Connection"),
        ("peer", "Peer role/disk"),
        ("sync", "Sync"),
        ("seen", "Data"),
    )
    HELP = """\
## DRBD
Every DRBD resource (or minor) on every node: local role and disk, connection, the peer's role and
disk, and while a resync or verify runs a progress bar with percent, speed and ETA.
`⌛ stale` rows come from a node that stopped answering: its last known state, dimmed.

**Actions** on the highlighted resource and node: **c** connect, **D** disconnect, **P**
primary, **F** force primary, **S** secondary, **I** invalidate, **V** verify, **z**/**Z**
pause/resume sync, **B** guided split-brain recovery (pick the victim, follow the resync).
"""

    def build_rows(self, snap: Snapshot) -> list[Row]:
        rows = []
        for i, nd in enumerate(display_drbd(snap.display)):
            note = snap.stale_note(nd.node) if snap.is_stale(nd.node) else ""
            for j, peer in enumerate(nd.device.peers or (None,)):
                key = row_key(nd, peer)
                inputs = (nd, peer, note, row_problems(nd, snap.health.problems), (nd.label, i, j))
                rows.append(self.memo(key, inputs, partial(self._row, key, *inputs)))
        return rows

    def _row(
        self,
        key: str,
        nd: NodeDrbd,
        peer: DrbdPeer | None,
        note: str,
        found: tuple[Problem, ...],
        order: tuple[str, int, int],
    ) -> Row:
        p = self.palette
        dev = nd.device
        dim = p.stale if note else Style()
        state, style, rank = row_state(peer, found, p)
        sync = ""
        pct: float | None = None
        if peer is not None and peer.sync_percent is not None:
            pct = peer.sync_percent
            extra = [fmt_speed(peer.sync_speed_kib_s), fmt_eta(peer.sync_eta_s)]
            sync = " ".join([progress_bar(pct, 10), *(e for e in extra if e)])
        # Colours are the verdict's too: DRBD's words stay as they are, green only on a fine row.
        disk_style = p.severity(found[0].severity) if found else p.ok
        return Row(
            key=key,
            cells=(
                cell(nd.label, Style(bold=True) + dim),
                cell(nd.node, dim),
                cell(dev.role_raw, dim),
                cell(dev.disk_raw, disk_style + dim),
                cell(state, style + dim, sort=rank),
                cell(f"{peer.role_raw}/{peer.disk_raw}" if peer else "-", dim),
                cell(sync, style + dim if sync else dim, sort=pct),
                cell(f"{STALE} {note}" if note else "live", dim),
            ),
            order=order,
            stale=bool(note),
            attention=rank <= 1,
        )

    def detail(self, key: str, snap: Snapshot) -> DetailInfo | None:
        for nd in display_drbd(snap.display):
            for peer in nd.device.peers or (None,):
                if row_key(nd, peer) != key:
                    continue
                fields = [("resource", nd.resource or "-"), ("node", nd.node)]
                if snap.is_stale(nd.node):
                    fields.append(("stale", snap.stale_note(nd.node)))
                fields += flatten(nd.device, "device.")
                rep = snap.display.report(nd.node)
                if rep is not None and rep.drbd is not None:
                    fields += [
                        ("source_format", rep.drbd.source_format),
                        ("version", rep.drbd.version or "-"),
                    ]
                others = [o for o in display_drbd(snap.display) if o.label == nd.label and o.node != nd.node]
                out = raws(rep, DRBD_SOURCES)
                for o in others:
                    out += raws(snap.display.report(o.node), DRBD_SOURCES)
                subjects = (nd.label, *([nd.resource] if nd.resource else []))
                return DetailInfo(f"DRBD {nd.label} on {nd.node}", tuple(fields), tuple(out), subjects)
        return None
