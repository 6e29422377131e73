"""Provides the VMs pane: one row per VM joining Pacemaker, the domain lists and DRBD.

This is where layers disagree visibly: a VM running on two nodes, running where Pacemaker says it
is not, or whose disks are not UpToDate/Primary on the node that runs it. The pane judges nothing:
a row shows the verdict's problems about its VM (``hatui.model.verdict.vm_state``), its state is
the worst of them, and a row without any says why it is fine (``fine_because``).
"""

from __future__ import annotations

from functools import partial
from typing import ClassVar

from rich.style import Style
from textual.binding import BindingType

from hatui.model.domains import Domain
from hatui.model.health_types import Problem
from hatui.model.verdict import fine_because, for_subject, vm_state
from hatui.model.vms import VmRow, vm_rows
from hatui.model.words import DomainState
from hatui.ui.cells import CRIT, INFO, OK, SETTLE, STALE, WARN, Cell, cell, fmt_mib, severity_mark
from hatui.ui.details import (
    DOMAIN_SOURCES,
    DRBD_SOURCES,
    PACEMAKER_SOURCES,
    STORAGE_SOURCES,
    DetailInfo,
    flatten,
    raws,
)
from hatui.ui.pane_actions import PaneActions, bindings
from hatui.ui.storage_keys import UNKNOWN_WORD, vm_storage_words
from hatui.ui.widgets.table_pane import Row, TablePane
from hatui.watch.state import Snapshot


def vm_row_problems(row: VmRow, snap: Snapshot) -> tuple[Problem, ...]:
    """The verdict's problems about this VM (``vm:<name>`` among their keys), worst first."""
    return vm_state(snap.health.problems, row.name)


def _dom_state(state: DomainState) -> str:
    # Xen shows an idle guest as "blocked" (waiting for work): to a person that is running.
    return "running" if state in (DomainState.RUNNING, DomainState.BLOCKED, DomainState.IDLE) else state.value


def _disk_text(row: VmRow, where: list[str], problems: tuple[Problem, ...]) -> str:
    """``sentinel-root ✔  sentinel-swap ▲ SyncSource 41%``, seen where the VM runs.

    The mark is the worst of the verdict's problems about that disk; the words are DRBD's own.
    """
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
            words = f"{peer.replication_raw} {peer.sync_percent:.0f}%"
        else:
            words = f"{dev.role_raw}/{dev.disk_raw} {peer.connection_raw if peer else 'no peer'}"
        worst = for_subject(problems, f"drbd:{here.label}")
        parts.append(f"{name} {severity_mark(worst[0].severity)} {words}" if worst else f"{name} {OK}")
    return "  ".join(parts) or "-"


#: A row's state word for the worst severity among its problems.
STATE_WORDS = {
    "critical": f"{CRIT} CRITICAL",
    "warning": f"{WARN} WARNING",
    "settling": f"{SETTLE} settling",
    "info": f"{INFO} info",
}


def cpu_cell(dom: Domain | None, dim: Style) -> Cell:
    """The domain's CPU% from xentop (``12.5%``), ``-`` when xentop did not say."""
    if dom is None or dom.cpu_percent is None:
        return cell("-", dim)
    return cell(f"{dom.cpu_percent:.1f}%", dim, sort=dom.cpu_percent)


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
        ("cpu", "CPU%"),
        ("storage", "Storage"),
        ("disks", "Disks (DRBD)"),
        ("verdict", "Findings"),
    )
    HELP = """\
## VMs
One row per VM, joining the Pacemaker resource (role and node), the domain actually running in
`xm/xl/virsh list` (or `xentop`) and the DRBD resources of its disks. **CPU%** is xentop's
(`xentop -b -i 2 -d 1`, its second sample), `-` where xentop is not installed. **State** is the
worst of the verdict's problems about the VM (the Problems pane lists the same ones); **Findings**
spells each out, or says why the VM is fine. `↻ settling` is a transition still in progress (see
the README, "How hatui decides"). **Storage** is the worst storage problem about the VM's disks
(a snapshot filling up, its LV or VG in trouble), `snap 12%` while a backup snapshot of it exists,
`ok`, or `-` when nothing is known (LVM not read, or no DRBD disk: the Storage pane, key **7**,
shows the whole layer).
**Enter** shows every field, the raw outputs and the VM's events.

**Actions** on the highlighted VM: **m** move (fail over) to a chosen node, **M** live-migrate,
**u** start, **x** stop (type the name), **R** restart, **b** ban from a node, **c** clear
move/ban constraints, **C** clean up failures, **y** why is it (not) running, **v** console
(Ctrl-] returns). Each shows the exact commands and a crm_simulate preview first.
"""

    def build_rows(self, snap: Snapshot) -> list[Row]:
        rows = []
        storage = vm_storage_words(snap.display.storage, snap.health.problems)
        for i, vm in enumerate(vm_rows(snap.display)):
            findings = vm_row_problems(vm, snap)
            nodes = set(vm.domain_nodes) | set(vm.pcmk_nodes) | {d.node for d in vm.disks}
            stale = tuple((n, snap.stale_note(n)) for n in sorted(nodes) if snap.is_stale(n))
            disks = _disk_text(vm, sorted(set(vm.domain_nodes) or set(vm.pcmk_nodes)), snap.health.problems)
            inputs = (vm, findings, stale, disks, storage.get(vm.name, UNKNOWN_WORD), i)
            rows.append(self.memo(vm.name, inputs, partial(self._row, *inputs)))
        return rows

    def _row(
        self,
        vm: VmRow,
        findings: tuple[Problem, ...],
        stale: tuple[tuple[str, str], ...],
        disks: str,
        storage: tuple[str, int],
        i: int,
    ) -> Row:
        p = self.palette
        dim = p.stale if stale else Style()
        worst = findings[0].severity if findings else "ok"
        state_word = STATE_WORDS.get(worst, f"{OK} ok")
        state_style = {"critical": p.crit, "warning": p.warn, "settling": p.warn, "info": p.info}.get(
            worst, p.ok
        )
        verdict = "; ".join(f.message for f in findings) or fine_because(vm)
        if stale:
            state_word = f"{STALE} {state_word}"
            verdict += f"  {STALE} " + ", ".join(f"{n} {note}" for n, note in stale)
        rank = {"critical": 0, "warning": 1, "settling": 2, "info": 3}.get(worst, 4)
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
        return Row(
            key=vm.name,
            cells=(
                cell(vm.name, Style(bold=True) + dim),
                cell(state_word, state_style + dim, sort=rank),
                cell(pcmk, dim),
                cell(running, dim),
                cell(size, dim, sort=dom.memory_mib if dom else None),
                cpu_cell(dom, dim),
                cell(storage[0], self._storage_style(storage[1]) + dim, sort=storage[1]),
                cell(disks, dim),
                cell(verdict, state_style + dim if findings else dim, sort=rank),
            ),
            order=(i,),
            stale=bool(stale),
            search=vm.resource or "",
            attention=rank <= 1,
        )

    def _storage_style(self, rank: int) -> Style:
        p = self.palette
        return {0: p.crit, 1: p.warn, 2: p.warn, 3: p.info, 4: p.ok}.get(rank, Style())

    def detail(self, key: str, snap: Snapshot) -> DetailInfo | None:
        vm = next((v for v in vm_rows(snap.display) if v.name == key), None)
        if vm is None:
            return None
        found = vm_row_problems(vm, snap)
        fields = [("verdict", "; ".join(f"{f.severity}: {f.message}" for f in found) or fine_because(vm))]
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
            out += raws(rep, DOMAIN_SOURCES) + raws(rep, DRBD_SOURCES) + raws(rep, STORAGE_SOURCES)
        subjects = (vm.name, *([vm.resource] if vm.resource else []), *vm.disk_names)
        return DetailInfo(f"VM {vm.name}", tuple(fields), tuple(out), subjects)
