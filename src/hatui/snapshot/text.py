"""Provides the Rich text rendering of a snapshot that a person reads: problems first.

State is never shown by colour alone: every state word is printed, and symbols mark severity.
Every string from the cluster goes through ``_add`` or ``clean_line``: Rich neither strips an OSC
sequence nor a bidi override from a Text, and the terminal would act on them.
"""

from __future__ import annotations

from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from hatui.model.capacity import capacity
from hatui.model.health import CRITICAL, INFO, SETTLING, WARNING, Health
from hatui.model.report import NodeReport
from hatui.model.verdict import vm_state
from hatui.model.view import ClusterView
from hatui.model.vms import vm_rows
from hatui.plaintext import clean_line
from hatui.snapshot.storage import storage_sections

#: Severity -> (word, style): the words the console uses too.
_MARKS = {
    CRITICAL: ("✖ CRIT", "red"),
    WARNING: ("▲ WARN", "yellow"),
    SETTLING: ("↻ SETTLING", "yellow"),
    INFO: ("· info", "blue"),
}
_BADGE = {"OK": "bold green", "WARNING": "bold yellow", "CRITICAL": "bold red", "UNKNOWN": "bold magenta"}


def render_text(view: ClusterView, health: Health) -> RenderableType:
    """Returns the whole snapshot as one Rich renderable."""
    s = view.pacemaker
    head = Text()
    head.append(f"{clean_line(view.name)}  ", style="bold")
    head.append(f"[{health.status.value}]", style=_BADGE[health.status.value])
    if s is not None:
        quorum = {True: "quorum", False: "NO QUORUM", None: "quorum ?"}[s.quorum]
        head.append(
            clean_line(
                f"  DC {s.dc or 'none'}  {quorum}  Pacemaker {s.dc_version or '?'}  stack {s.stack or '?'}"
            )
        )
    cap = capacity(view)
    head.append(clean_line(f"  {cap.badge}"), style="" if cap.n_plus_one else "bold")
    head.append(f"  at {view.generated_at:%Y-%m-%d %H:%M:%S}Z")
    parts: list[RenderableType] = [head]
    if cap.n_plus_one is not True:
        parts.append(Text(clean_line(f"N+1: {cap.why}")))
    if health.problems:
        t = Table(title="Problems", title_justify="left", box=None, pad_edge=False)
        for col in ("", "code", "subject", "node", "message"):
            t.add_column(col)
        for p in health.problems:
            word, style = _MARKS.get(p.severity, ("· info", "blue"))
            _add(t, Text(word, style=style), p.code, p.subject, p.node or "", p.message)
        parts.append(t)
    parts += [_nodes(view), _vms(view, health), _resources(view), _drbd(view)]
    for section in storage_sections(view):
        t = Table(title=section.title, title_justify="left", box=None)
        for col in section.columns:
            # Folded, not cut: an LV or mount point name is what the admin looks for.
            t.add_column(col, overflow="fold")
        for row in section.rows:
            _add(t, *row)
        parts.append(t)
    if view.errors:
        t = Table(title="Source errors", title_justify="left", box=None)
        for col in ("node", "source", "message"):
            t.add_column(col)
        for e in view.errors:
            _add(t, e.node, e.source, e.message)
        parts.append(t)
    return Group(*parts)


def _nodes(view: ClusterView) -> Table:
    s = view.pacemaker
    t = Table(title="Nodes", title_justify="left", box=None)
    for col in ("node", "state", "reach", "memory", "detected stack"):
        t.add_column(col)
    for name in view.node_names:
        pn = s.node(name) if s else None
        rep = view.report(name)
        states = []
        if pn is not None:
            states.append("online" if pn.online else "OFFLINE" if pn.online is False else "?")
            states += [
                w
                for w, on in (
                    ("standby", pn.standby),
                    ("maintenance", pn.maintenance),
                    ("UNCLEAN", pn.unclean),
                )
                if on
            ]
            if s and s.dc == name:
                states.append("DC")
        reach = (
            "ok" if rep and rep.reachable else (f"UNREACHABLE: {rep.unreachable}" if rep else "not polled")
        )
        _add(t, name, " ".join(states) or "?", reach, _memory(rep), rep.stack.describe() if rep else "")
    return t


def _memory(rep: NodeReport | None) -> str:
    """``7012 of 16378 MiB free``, or ``-`` when the hypervisor did not say."""
    mem = rep.memory if rep is not None else None
    if mem is None or (mem.free_mib is None and mem.total_mib is None):
        return "-"
    free = "?" if mem.free_mib is None else str(mem.free_mib)
    total = "?" if mem.total_mib is None else str(mem.total_mib)
    return f"{free} of {total} MiB free"


def _vms(view: ClusterView, health: Health) -> Table:
    """One line per VM; its state is the worst of the verdict's problems about it, as in the console."""
    t = Table(title="VMs", title_justify="left", box=None)
    for col in ("vm", "state", "pacemaker", "running on", "cpu", "disks"):
        t.add_column(col)
    for row in vm_rows(view):
        found = vm_state(health.problems, row.name)
        state = _MARKS.get(found[0].severity, ("· info", ""))[0] if found else "✔ ok"
        pcmk = f"{row.role or '-'} {','.join(row.pcmk_nodes)}".strip() if row.resource else "unmanaged"
        doms = ", ".join(f"{d.node}({d.domain.state_raw})" for d in row.domains) or "-"
        disks = ", ".join(f"{d.label}@{d.node} {d.device.role_raw}/{d.device.disk_raw}" for d in row.disks)
        cpu = next(
            (f"{d.domain.cpu_percent:.1f}%" for d in row.domains if d.domain.cpu_percent is not None), "-"
        )
        _add(t, row.name, state, pcmk, doms, cpu, disks or "-")
    return t


def _resources(view: ClusterView) -> Table:
    s = view.pacemaker
    t = Table(title="Resources", title_justify="left", box=None)
    for col in ("resource", "agent", "role", "nodes", "parent", "flags"):
        t.add_column(col)
    for r in s.resources if s else ():
        flags = [w for w, on in (("FAILED", r.failed), ("unmanaged", r.managed is False)) if on]
        fc = view.fail_counts(r.id)
        if fc:
            flags.append("fail-count " + ",".join(f"{n}={c}" for n, c in fc.items()))
        _add(t, r.id, r.agent or "", r.role_raw, ",".join(r.nodes), r.parent or "", " ".join(flags))
    return t


def _drbd(view: ClusterView) -> Table:
    t = Table(title="DRBD", title_justify="left", box=None)
    for col in ("resource", "node", "role", "disk", "peer", "sync"):
        t.add_column(col)
    for nd in view.drbd:
        d = nd.device
        for p in d.peers or (None,):
            peer = f"{p.connection_raw} {p.role_raw}/{p.disk_raw}" if p else "-"
            sync = ""
            if p is not None and p.sync_percent is not None:
                sync = f"{p.sync_percent:.1f}%"
                if p.sync_eta_s is not None:
                    sync += f" ETA {p.sync_eta_s}s"
            _add(t, nd.label, nd.node, d.role_raw, d.disk_raw, peer, sync)
    return t


def _add(table: Table, *cells: str | Text) -> None:
    """Adds a row whose strings are cluster data: never read as Rich markup or emoji codes.

    Agent names such as ``ocf:heartbeat:Xen`` would otherwise render ``:heartbeat:`` as an emoji;
    control characters are shown escaped (``hatui.plaintext``).
    """
    table.add_row(*(c if isinstance(c, Text) else Text(clean_line(c)) for c in cells))


def print_text(view: ClusterView, health: Health, console: Console | None = None) -> None:
    """Prints the rendering to stdout (or ``console``)."""
    (console or Console(emoji=False, highlight=False)).print(render_text(view, health))
