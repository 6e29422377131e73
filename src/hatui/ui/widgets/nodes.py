"""Provides the Nodes pane: membership state, DC, reachability and what runs on each node."""

from __future__ import annotations

from typing import ClassVar

from rich.style import Style
from textual.binding import BindingType

from hatui.model.capacity import stranded_if_lost
from hatui.model.health_types import Problem
from hatui.model.pacemaker import PcmkNode
from hatui.model.report import NodeReport
from hatui.model.verdict import for_subject
from hatui.ui.cells import OK, UNKNOWN, Cell, Palette, cell, fmt_age, fmt_mib, severity_mark
from hatui.ui.details import COROSYNC_SOURCES, PACEMAKER_SOURCES, DetailInfo, flatten, raws
from hatui.ui.pane_actions import PaneActions, bindings
from hatui.ui.widgets.table_pane import Row, TablePane
from hatui.watch.state import Snapshot


def node_state(pn: PcmkNode | None, found: tuple[Problem, ...], palette: Palette) -> tuple[str, Style, int]:
    """``(Pacemaker's words, style, rank)`` for a node, marked with the worst of its problems."""
    if pn is None:
        words = ["not in Pacemaker's list"]
    else:
        words = ["UNCLEAN"] if pn.unclean else []
        words.append("OFFLINE" if pn.online is False else "online" if pn.online else "?")
        words += [w for w, on in (("standby", pn.standby), ("maintenance", pn.maintenance),
                                  ("pending", pn.pending), ("shutting down", pn.shutdown)) if on]  # fmt: skip
    text = " ".join(words)
    if found:
        worst = found[0]
        return f"{severity_mark(worst.severity)} {text}", palette.severity(worst.severity), worst.rank
    if pn is None or pn.online is None or pn.pending:
        return f"{UNKNOWN} {text}", palette.warn, 3
    return f"{OK} {text}", palette.ok, 4


#: The verdict's codes for a node hatui cannot read.
REACH_CODES = ("node-unreachable", "host-key-changed", "host-key-unknown")

#: Problems that are about the node itself (a failed resource on it is the resource's row).
_NODE_KINDS = ("node", "link")


def memory_cell(rep: NodeReport | None, dim: Style) -> Cell:
    """``2.0G of 4.0G``: free of total as the hypervisor says, sorted by what is free; ``-`` unknown."""
    mem = rep.memory if rep is not None else None
    if mem is None:
        return cell("-", dim)
    return cell(f"{fmt_mib(mem.free_mib)} of {fmt_mib(mem.total_mib)}", dim, sort=mem.free_mib)


class NodesPane(TablePane, PaneActions):
    """One row per node, Pacemaker's view of it beside whether hatui can reach it."""

    TITLE = "Nodes"
    BINDINGS: ClassVar[list[BindingType]] = bindings("node", "cluster")
    EMPTY = "waiting for the first poll"
    SOURCES = frozenset(PACEMAKER_SOURCES) | frozenset(COROSYNC_SOURCES)
    COLUMNS: ClassVar[tuple[tuple[str, str], ...]] = (
        ("node", "Node"),
        ("state", "Pacemaker"),
        ("dc", "DC"),
        ("reach", "Reach"),
        ("resources", "Res"),
        ("vms", "VMs running"),
        ("memory", "Memory free"),
        ("stack", "Stack"),
    )
    HELP = """\
## Nodes
Pacemaker's state of each node (**online**, **standby**, **maintenance**, **UNCLEAN**,
**OFFLINE**) beside whether hatui reached it, and the memory its hypervisor has free of its total
(`xm info`, `xl info`, `virsh nodeinfo`): what the N+1 badge counts on. A node that stopped
answering keeps its last data, dimmed, with `stale 42s` and the reason. **Enter** opens a node
with every raw output.

**Actions**: **S** standby (with an N+1 memory check), **O** online, **N**/**U** node
maintenance on/off, **T** shell on the node; cluster-wide **K** toggles maintenance-mode and
**C** cleans up every failure.
"""

    def shows_ages(self, snap: Snapshot) -> bool:
        """See ``TablePane.shows_ages``."""
        return True  # each node's "3s ago"

    def build_rows(self, snap: Snapshot) -> list[Row]:
        p = self.palette
        status = snap.view.pacemaker
        display = snap.display
        rows = []
        for i, name in enumerate(display.node_names):
            pn = status.node(name) if status else None
            stale = snap.is_stale(name)
            dim = p.stale if stale else Style()
            mine = for_subject(snap.health.problems, f"node:{name}")
            text, style, rank = node_state(pn, tuple(q for q in mine if q.kind in _NODE_KINDS), p)
            if status is None:
                text, style, rank = f"{UNKNOWN} no Pacemaker picture", p.warn, 1
            rep = snap.view.report(name)
            reach: Cell
            if rep is None:
                reach = cell("… not polled yet", p.warn, sort=1)
            elif stale:
                # Marked as the verdict judges it: a changed host key pages, a refused connection warns.
                why = [q for q in mine if q.code in REACH_CODES]
                sev = why[0].severity if why else "unknown"
                mark = severity_mark(sev) if why else UNKNOWN
                reach = cell(f"{mark} unreachable: {snap.stale_note(name)}", p.severity(sev) + dim, sort=0)
            else:
                good = snap.last_good.get(name)
                age = f" {fmt_age((snap.now - good).total_seconds())} ago" if good else ""
                reach = cell(f"{OK} ok{age}", p.ok, sort=2)
            running = pn.resources_running if pn and pn.resources_running is not None else None
            if running is None and status is not None:
                running = sum(1 for r in status.resources if name in r.nodes)
            vms = sorted(d.domain.name for d in display.domains if d.node == name and d.domain.is_active)
            drep = display.report(name)
            rows.append(
                Row(
                    key=name,
                    cells=(
                        cell(name, Style(bold=True) + dim),
                        cell(text, style + dim, sort=rank),
                        cell("DC" if status and status.dc == name else "", dim),
                        reach,
                        cell("-" if running is None else str(running), dim, sort=running),
                        cell(", ".join(vms) or "-", dim),
                        memory_cell(drep, dim),
                        cell(
                            _stack(drep.stack.pacemaker_version, drep.stack.drbd_version, drep.stack.vm_tool)
                            if drep
                            else "",
                            dim,
                        ),  # fmt: skip
                    ),
                    order=(i,),
                    stale=stale,
                    attention=rank <= 1 or stale,
                )
            )
        return rows

    def detail(self, key: str, snap: Snapshot) -> DetailInfo | None:
        rep = snap.view.report(key)
        status = snap.view.pacemaker
        fields: list[tuple[str, str]] = []
        pn = status.node(key) if status else None
        if pn is not None:
            fields += flatten(pn, "pacemaker.")
        if rep is not None:
            fields.append(("reachable", "yes" if rep.reachable else f"no: {rep.unreachable}"))
            if key in snap.stale:
                fields.append(("stale", snap.stale_note(key)))
            fields.append(("stack", rep.stack.describe()))
            fields += flatten(rep.stack, "stack.")
            if rep.rings is not None:
                fields += flatten(rep.rings, "corosync.")
            if rep.quorum is not None:
                fields += flatten(rep.quorum, "quorum.")
            if rep.memory is not None:
                fields += flatten(rep.memory, "memory.")
            fields.append(("if it is lost", if_lost(snap, key)))
            fields += [(f"error {e.source}", e.message) for e in rep.errors]
        sources = rep.raw.keys() if rep else ()
        return DetailInfo(f"Node {key}", tuple(fields), tuple(raws(rep, sources)), (key,))


def if_lost(snap: Snapshot, node: str) -> str:
    """What the N+1 rule says of losing ``node``: its stranded VMs, what is unknown, or that all fit."""
    stranded, missing = stranded_if_lost(snap.view, node)
    if stranded:
        return f"{', '.join(stranded)} would have nowhere to run"
    if missing:
        return "unknown: " + ", ".join(missing)
    return "its VMs (if any) fit on the other nodes"


def _stack(pcmk: str | None, drbd: str | None, vm: str | None) -> str:
    parts = [f"pcmk {pcmk}" if pcmk else "", f"drbd {drbd}" if drbd else "", vm or ""]
    return " · ".join(p for p in parts if p)
