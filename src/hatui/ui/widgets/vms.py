"""Provides the VMs pane: one row per VM joining Pacemaker, the domain lists and DRBD.

This is where layers disagree visibly: a VM running on two nodes, running where Pacemaker says it
is not, or whose disks are not UpToDate/Primary on the node that runs it. Each mismatch is spelt out
in the verdict column with a symbol, not only coloured.
"""

from __future__ import annotations

from functools import partial
from typing import ClassVar

from rich.style import Style
from textual.binding import BindingType

from hatui.model.vms import VmRow, vm_rows
from hatui.model.words import ConnState, DiskState, DomainState, DrbdRole
from hatui.ui.cells import CRIT, OK, STALE, WARN, cell, fmt_mib
from hatui.ui.details import DOMAIN_SOURCES, DRBD_SOURCES, PACEMAKER_SOURCES, DetailInfo, flatten, raws
from hatui.ui.pane_actions import PaneActions, bindings
from hatui.ui.state import Snapshot
from hatui.ui.widgets.table_pane import Row, TablePane


def vm_findings(row: VmRow, snap: Snapshot) -> list[tuple[str, str]]:
    """``(severity, text)`` for everything wrong with a VM across the layers, worst first."""
    out: list[tuple[str, str]] = []
    active = sorted(set(row.domain_nodes))
    pcmk = sorted(set(row.pcmk_nodes))
    if len(active) > 1:
        out.append(("critical", f"RUNNING ON {len(active)} NODES: {', '.join(active)}"))
    if row.failed:
        out.append(("critical", "FAILED in Pacemaker"))
    if row.resource is not None and row.managed is not False:
        strays = [n for n in active if n not in pcmk]
        if strays and pcmk:
            out.append(("critical", f"runs on {', '.join(strays)}; Pacemaker says {', '.join(pcmk)}"))
        elif strays:
            out.append(("warning", f"runs on {', '.join(strays)}; Pacemaker says stopped"))
        for n in pcmk:
            rep = snap.display.report(n)
            if n not in active and strays:
                continue  # already said: it runs elsewhere
            if n not in active and rep is not None and rep.domains is not None:
                out.append(("critical", f"Pacemaker says {n}, no domain there"))
            elif rep is not None and not rep.reachable:
                out.append(("warning", f"not confirmed: {n} {rep.unreachable or 'unreachable'}"))
    if row.managed is False:
        out.append(("warning", "unmanaged by Pacemaker"))
    for d in row.disks:
        if d.node not in (active or pcmk):
            continue
        dev = d.device
        if dev.role is not DrbdRole.PRIMARY:
            out.append(("critical", f"disk {d.label} is {dev.role_raw} on {d.node}"))
        if dev.disk is not DiskState.UP_TO_DATE:
            out.append(("warning", f"disk {d.label} {dev.disk_raw} on {d.node}"))
        for p in dev.peers:
            if p.sync_percent is not None:
                out.append(("warning", f"disk {d.label} {p.replication_raw} {p.sync_percent:.1f}%"))
            elif p.connection is not ConnState.CONNECTED:
                out.append(("warning", f"disk {d.label} not replicating ({p.connection_raw})"))
    if row.resource is None:
        out.append(("info", "not managed by Pacemaker"))
    out.sort(key=lambda f: {"critical": 0, "warning": 1}.get(f[0], 2))
    return out


def _dom_state(state: DomainState) -> str:
    # Xen shows an idle guest as "blocked" (waiting for work): to a person that is running.
    return "running" if state in (DomainState.RUNNING, DomainState.BLOCKED, DomainState.IDLE) else state.value


def _disk_text(row: VmRow, where: list[str]) -> str:
    """``sentinel-root ✔ sentinel-swap ▲ SyncSource 41%``: one word per disk, seen where the VM runs."""
    parts = []
    for name in row.disk_names:
        ends = [d for d in row.disks if d.resource == name or d.label == name]
        here = next((d for d in ends if d.node in where), ends[0] if ends else None)
        if here is None:
            parts.append(f"{name} ?")
            continue
        dev = here.device
        peer = dev.peers[0] if dev.peers else None
        if peer is not None and peer.sync_percent is not None:
            parts.append(f"{name} {WARN} {peer.replication_raw} {peer.sync_percent:.0f}%")
        elif dev.role is not DrbdRole.PRIMARY and where:
            parts.append(f"{name} {CRIT} {dev.role_raw}")
        elif dev.disk is not DiskState.UP_TO_DATE:
            parts.append(f"{name} {WARN} {dev.disk_raw}")
        elif peer is None or peer.connection is not ConnState.CONNECTED:
            parts.append(f"{name} {WARN} {peer.connection_raw if peer else 'no peer'}")
        elif peer.disk is not DiskState.UP_TO_DATE:
            parts.append(f"{name} {WARN} peer {peer.disk_raw}")
        else:
            parts.append(f"{name} {OK}")
    return "  ".join(parts) or "-"


class VmsPane(TablePane, PaneActions):
    """One row per VM, from all three layers."""

    TITLE = "VMs"
    BINDINGS: ClassVar[list[BindingType]] = bindings("resource", "vm")
    EMPTY = "no VM seen (no Xen/VirtualDomain resource and no domain list)"
    SOURCES = frozenset(DOMAIN_SOURCES)
    COLUMNS: ClassVar[tuple[tuple[str, str], ...]] = (
        ("vm", "VM"),
        ("state", "State"),
        ("pacemaker", "Pacemaker"),
        ("running", "Running on"),
        ("size", "Mem vCPU CPU"),
        ("disks", "Disks (DRBD)"),
        ("verdict", "Findings"),
    )
    HELP = """\
## VMs
One row per VM, joining the Pacemaker resource (role and node), the domain actually running in
`xm/xl/virsh list` and the DRBD resources of its disks. **State** is the worst finding; the
**Findings** column spells each out: `RUNNING ON 2 NODES`, `runs on X; Pacemaker says Y`, a disk
not UpToDate or not Primary where the VM runs. **Enter** shows every field, the raw outputs and
the VM's events.

**Actions** on the highlighted VM: **m** move (fail over) to a chosen node, **M** live-migrate,
**u** start, **x** stop (type the name), **R** restart, **b** ban from a node, **c** clear
move/ban constraints, **C** clean up failures, **y** why is it (not) running, **v** console
(Ctrl-] returns). Each shows the exact commands and a crm_simulate preview first.
"""

    def build_rows(self, snap: Snapshot) -> list[Row]:
        rows = []
        for i, vm in enumerate(vm_rows(snap.display)):
            findings = tuple(vm_findings(vm, snap))
            nodes = set(vm.domain_nodes) | set(vm.pcmk_nodes) | {d.node for d in vm.disks}
            stale = tuple((n, snap.stale_note(n)) for n in sorted(nodes) if snap.is_stale(n))
            inputs = (vm, findings, stale, i)
            rows.append(self.memo(vm.name, inputs, partial(self._row, *inputs)))
        return rows

    def _row(
        self, vm: VmRow, findings: tuple[tuple[str, str], ...], stale: tuple[tuple[str, str], ...], i: int
    ) -> Row:
        p = self.palette
        dim = p.stale if stale else Style()
        worst = findings[0][0] if findings else "ok"
        state_word = {"critical": f"{CRIT} CRITICAL", "warning": f"{WARN} WARNING"}.get(worst, f"{OK} ok")
        state_style = {"critical": p.crit, "warning": p.warn}.get(worst, p.ok)
        verdict = "; ".join(f[1] for f in findings) or "layers agree"
        if stale:
            state_word = f"{STALE} {state_word}"
            verdict += f"  {STALE} " + ", ".join(f"{n} {note}" for n, note in stale)
        rank = {"critical": 0, "warning": 1, "info": 2}.get(worst, 3)
        pcmk = "unmanaged (no resource)" if vm.resource is None else (
            f"{vm.role or '?'} {', '.join(vm.pcmk_nodes)}".strip()
            + (f" (target {vm.target_role})" if (vm.target_role or "Started") != "Started" else "")
        )  # fmt: skip
        running = ", ".join(f"{d.node} {_dom_state(d.domain.state)}" for d in vm.domains) or "-"
        dom = next((d.domain for d in vm.domains if d.domain.is_active), None)
        size = "-"
        if dom is not None:
            cpu = f"{dom.cpu_time_s:.0f}s" if dom.cpu_time_s is not None else "-"
            size = f"{fmt_mib(dom.memory_mib)} {dom.vcpus if dom.vcpus is not None else '-'}v {cpu}"
        where = sorted(set(vm.domain_nodes) or set(vm.pcmk_nodes))
        return Row(
            key=vm.name,
            cells=(
                cell(vm.name, Style(bold=True) + dim),
                cell(state_word, state_style + dim, sort=rank),
                cell(pcmk, dim),
                cell(running, dim),
                cell(size, dim, sort=dom.memory_mib if dom else None),
                cell(_disk_text(vm, where), dim),
                cell(verdict, state_style + dim if findings else dim, sort=rank),
            ),
            order=(i,),
            stale=bool(stale),
            search=vm.resource or "",
            attention=rank <= 1,
        )

    def detail(self, key: str, snap: Snapshot) -> DetailInfo | None:
        vm = next((v for v in vm_rows(snap.display) if v.name == key), None)
        if vm is None:
            return None
        fields = [("verdict", "; ".join(f"{s}: {t}" for s, t in vm_findings(vm, snap)) or "ok")]
        fields += flatten(vm)
        status = snap.view.pacemaker
        if status is not None and vm.resource is not None:
            for i, inst in enumerate(status.instances(vm.resource)):
                fields += flatten(inst, f"resource[{i}].")
        out: list[tuple[str, str]] = []
        src = snap.view.pacemaker_source
        out += raws(src, PACEMAKER_SOURCES[:2])
        for node in dict.fromkeys([d.node for d in vm.domains] + [d.node for d in vm.disks]):
            rep = snap.display.report(node)
            out += raws(rep, DOMAIN_SOURCES) + raws(rep, DRBD_SOURCES)
        subjects = (vm.name, *([vm.resource] if vm.resource else []), *vm.disk_names)
        return DetailInfo(f"VM {vm.name}", tuple(fields), tuple(out), subjects)
