"""Provides the Storage pane: volume groups, the LVs under each VM's DRBD disks and their snapshots,
the LVs that back nothing, iSCSI sessions and filesystems, on every node.

The join (which LV backs which DRBD resource, whose VM that is) is the model's
(``ClusterView.storage``, ``hatui.model.storage_join``); the pane only lays it out. It judges nothing
either: a row's mark is the worst of the verdict's problems about its subject (``storage:vg/lv``,
``iscsi:<target>``, ``fs:<mountpoint>``, ``vm:<name>`` for a VM's group row) on that node.

Row keys (``vm:www``, ``snap:vg0/www-root-snap@vnode2``...) are ``hatui.ui.storage_keys``'s: the
snapshot and backup actions resolve from them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import ClassVar

from textual.binding import Binding, BindingType

from hatui.model.health_types import Problem
from hatui.model.storage import LogicalVolume
from hatui.model.storage_join import Backing, NodeFs, NodeIscsi, NodeLv, NodeVg, StorageView, fmt_bytes
from hatui.ui.cells import INFO, OK, STALE, Cell, cell, fmt_age, progress_bar, severity_mark
from hatui.ui.details import STORAGE_SOURCES, DetailInfo, flatten, raws
from hatui.ui.pane_actions import PaneActions, bindings
from hatui.ui.storage_keys import UNKNOWN_WORD, split_key, storage_problems_of, vm_storage_words
from hatui.ui.widgets.table_pane import Row, TablePane
from hatui.watch.state import Snapshot

#: The actions bound on this pane: a snapshot or a backup of the highlighted VM, removing the
#: highlighted snapshot (the catalog holds them; the other VM actions live on the VMs pane).
STORAGE_ACTIONS = frozenset({"snapshot_create", "backup_run", "snapshot_remove"})

#: Sections, in the pane's natural order.
_VG, _VM, _LV, _ISCSI, _FS = range(5)


def _age(created: datetime | None, now: datetime) -> str:
    if created is None:
        return "age ?"
    if created.tzinfo is None:  # LVM printed a local time without zone: compare as printed
        now = now.replace(tzinfo=None)
    return f"age {fmt_age((now - created).total_seconds())}"


def _used(used: int | None, size: int | None) -> float | None:
    return 100.0 * used / size if used is not None and size else None


class StoragePane(TablePane, PaneActions):
    """The storage layer under the VMs, joined to them."""

    TITLE = "Storage"
    BINDINGS: ClassVar[list[BindingType]] = [
        b for b in bindings("vm", "snapshot") if isinstance(b, Binding) and (b.action in STORAGE_ACTIONS)
    ]
    EMPTY = "no storage read (pvs/vgs/lvs, iscsiadm, df on the nodes)"
    SOURCES = frozenset(STORAGE_SOURCES)
    COLUMNS: ClassVar[tuple[tuple[str, str], ...]] = (
        ("what", "Storage"),
        ("node", "Node"),
        ("state", "State"),
        ("size", "Size"),
        ("use", "Use"),
        ("info", "Details"),
    )
    HELP = """\
## Storage
The layer under the VMs, per node: **volume groups** (size, a bar of the space used, what is
free, PVs, `PARTIAL` when a PV is missing), then each **VM** with its DRBD resources and, on every
node, the LV backing each one and that LV's **snapshots** (age, a fill bar, size; a thick snapshot
that fills up becomes invalid), then LVs that back no DRBD resource, **iSCSI sessions** (target,
portal, iscsiadm's own state words) and **filesystems** (a bar of the space used).
State marks are the verdict's (the Problems pane lists the same problems).

**Actions**: **n** snapshot the highlighted VM's disks, **B** back it up (snapshot, the site's
`backup: command` on it under a time limit and a fill check, snapshot removed whatever happens):
on the VM's row on the DRBD Secondary by default, on one of its disk rows on that row's node.
**X** on a snapshot row (`↳`) removes it. Each shows the exact commands first.
"""
    _built: tuple[tuple[object, ...], list[Row]] | None = None  # inputs and rows (build_rows)

    def shows_ages(self, snap: Snapshot) -> bool:
        """See ``TablePane.shows_ages``."""
        return True  # snapshot ages

    def build_rows(self, snap: Snapshot) -> list[Row]:
        # Each second's ticker snapshot: the same ~2,000 cells unless an age or a stale note moved.
        storage, notes = snap.display.storage, [(n, snap.stale_note(n)) for n in snap.stale]
        ages = [_age(s.lv.made_at, snap.now) for s in storage.snapshots()]
        inputs = (self.palette, storage, snap.health.problems, ages, notes)
        if self._built is None or self._built[0] != inputs:
            self._built = (inputs, self._build(snap))
        return self._built[1]

    def _build(self, snap: Snapshot) -> list[Row]:
        storage = snap.display.storage
        probs = snap.health.problems
        rows: list[Row] = []
        words, read = vm_storage_words(storage, probs), set(storage.read_nodes)
        for i, nv in enumerate(storage.volume_groups):
            rows.append(self._vg_row(nv, snap, probs, i))
        listed: set[tuple[str, str]] = set()
        for i, (vm, backings) in enumerate(_by_vm(storage)):
            word = words.get(vm, UNKNOWN_WORD) if vm is not None else UNKNOWN_WORD
            rows.append(self._vm_row(vm, backings, word, snap, probs, i))
            for j, b in enumerate(backings):
                rows.append(self._backing_row(b, b.node in read, snap, probs, (_VM, i, j, 0)))
                if b.lv is None:
                    continue
                listed.add((b.node, b.lv.lv.path))
                for k, s in enumerate(storage.snapshots_of(b.node, b.lv.lv.vg, b.lv.lv.name)):
                    listed.add((s.node, s.lv.path))
                    rows.append(self._lv_row(s, snap, probs, (_VM, i, j, k + 1), indent="  "))
        others = [n for n in storage.logical_volumes if (n.node, n.lv.path) not in listed]
        for i, n in enumerate(others):
            rows.append(self._lv_row(n, snap, probs, (_LV, n.lv.vg, n.node, i), indent=""))
        for i, ns in enumerate(storage.iscsi_sessions):
            rows.append(self._iscsi_row(ns, snap, probs, i))
        for i, nf in enumerate(storage.filesystems):
            rows.append(self._fs_row(nf, snap, probs, i))
        return rows

    # -- rows -------------------------------------------------------------------------------------

    def _marked(self, found: tuple[Problem, ...], words: str = "") -> tuple[Cell, int]:
        """The state cell and its rank: the worst problem's mark and code, else ``✔ ok``, or
        ``· words`` (LVM's own, ``PARTIAL``) where the verdict has no problem about them (ignored)."""
        if found:
            worst = found[0]
            text = f"{severity_mark(worst.severity)} {worst.code}"
            return cell(text, self.palette.severity(worst.severity), sort=worst.rank), worst.rank
        if words:
            return cell(f"{INFO} {words}", self.palette.info, sort=3), 3
        return cell(f"{OK} ok", self.palette.ok, sort=4), 4

    def _row(
        self,
        key: str,
        what: str,
        node: str,
        state: tuple[Cell, int],
        rest: tuple[Cell, Cell, Cell],
        order: tuple[object, ...],
        snap: Snapshot,
        search: str = "",
        attention: bool = True,
    ) -> Row:
        stale = snap.is_stale(node) if node else False
        state_cell, rank = state
        cells: tuple[Cell, ...] = (cell(what), cell(node or "-"), state_cell, *rest)
        if stale:
            # The node's last known rows, dimmed, marked and saying since when (as the other panes).
            texts = [c.plain for c in cells]
            texts[2] = f"{STALE} {texts[2]}"
            texts[-1] = f"{texts[-1]}  {STALE} {snap.stale_note(node)}".lstrip()
            cells = tuple(
                cell(t, self.palette.stale, sort=c.sort_key) for t, c in zip(texts, cells, strict=True)
            )
        return Row(
            key=key,
            cells=cells,
            order=order,
            stale=stale,
            search=search,
            attention=attention and rank <= 1,
        )

    def _vg_row(self, nv: NodeVg, snap: Snapshot, probs: tuple[Problem, ...], i: int) -> Row:
        vg = nv.vg
        found = storage_problems_of(probs, f"storage:{vg.name}", nv.node)
        size, free = vg.size_bytes, vg.free_bytes
        pct = _used(size - free if size is not None and free is not None else None, size)
        use = cell(progress_bar(pct, 10) if pct is not None else "-", sort=pct)
        info = [f"{fmt_bytes(vg.free_bytes)} free"]
        counts = ((vg.pv_count, "PVs"), (vg.lv_count, "LVs"), (vg.snapshot_count, "snaps"))
        info += [f"{n} {w}" for n, w in counts if n is not None]
        if vg.partial:
            info.append("PARTIAL")
        return self._row(
            f"vg:{vg.name}@{nv.node}",
            f"VG {vg.name}",
            nv.node,
            self._marked(found, "PARTIAL" if vg.partial else ""),
            (
                cell(fmt_bytes(vg.size_bytes), sort=vg.size_bytes),
                use,
                cell(", ".join(info), sort=vg.free_bytes),
            ),
            (_VG, i),
            snap,
        )

    def _vm_row(
        self,
        vm: str | None,
        backings: tuple[Backing, ...],
        word: tuple[str, int],
        snap: Snapshot,
        probs: tuple[Problem, ...],
        i: int,
    ) -> Row:
        resources = ", ".join(dict.fromkeys(b.drbd_resource for b in backings))
        if vm is None:
            state = self._marked(())
            return self._row(
                "vm:", "no VM", "", state, (cell(""), cell(""), cell(resources)), (_VM, i, -1, 0), snap
            )
        found = storage_problems_of(probs, f"vm:{vm}", None)
        style = self.palette.ok if word[0] == "ok" else self.palette.info
        state = self._marked(found) if found else (cell(word[0], style, sort=word[1]), word[1])
        # One copy of each disk (DRBD keeps one per node, of the same size).
        copy: dict[str, int] = {}
        for b in backings:
            if b.lv is not None:
                copy[b.drbd_resource] = max(copy.get(b.drbd_resource, 0), b.lv.lv.size_bytes or 0)
        total = sum(copy.values())
        nodes = ", ".join(dict.fromkeys(b.node for b in backings))
        return self._row(
            f"vm:{vm}",
            f"VM {vm}",
            "",
            state,
            (
                cell(fmt_bytes(total) if total else "-", sort=total),
                cell(""),
                cell(f"{resources} on {nodes}"),
            ),
            (_VM, i, -1, 0),
            snap,
            search=resources,
            attention=False,  # its disks' and snapshots' rows count what is wrong
        )

    def _backing_row(
        self, b: Backing, read: bool, snap: Snapshot, probs: tuple[Problem, ...], order: tuple[object, ...]
    ) -> Row:
        # The LV's own problems, lv-missing included (its subject is the path the DRBD config names);
        # its snapshots' problems are their rows'.
        found = storage_problems_of(probs, f"storage:{b.lv_path or b.disk}", b.node)
        lv = b.lv.lv if b.lv is not None else None
        if lv is not None:
            where = lv.path
        elif b.lv_path is None:
            where = f"{b.disk}: not an LV"
        else:
            where = f"{b.disk}: " + ("no such LV" if read else "LVM not read")
        free = f", VG {fmt_bytes(b.vg.vg.free_bytes)} free" if b.vg is not None else ""
        return self._row(
            f"backing:{b.drbd_resource}@{b.node}",
            f"  {b.drbd_resource}",
            b.node,
            self._marked(found),
            (
                cell(fmt_bytes(lv.size_bytes) if lv else "-", sort=lv.size_bytes if lv else None),
                cell(_lv_state(lv) if lv else "-"),
                cell(f"{where}{free}"),
            ),
            order,
            snap,
            search=f"{b.vm or ''} {b.disk}",
        )

    def _lv_row(
        self, n: NodeLv, snap: Snapshot, probs: tuple[Problem, ...], order: tuple[object, ...], indent: str
    ) -> Row:
        lv = n.lv
        found = storage_problems_of(probs, f"storage:{lv.path}", n.node)
        name = f"[{lv.name}]" if lv.hidden else lv.name
        if lv.is_snapshot:
            # A thin snapshot shares its pool's space: it has no fill of its own to run out of.
            fill = lv.snapshot_percent if lv.is_thick_snapshot else None
            shown = (
                progress_bar(fill, 10)
                if fill is not None
                else "thin"
                if not lv.is_thick_snapshot
                else "fill ?"
            )
            use = cell(shown, sort=fill)
            info = f"snapshot of {lv.vg}/{lv.origin}, {_age(lv.made_at, snap.now)}"
            what, key = f"{indent}↳ {name}", f"snap:{lv.path}@{n.node}"
            state = self._marked(found, "INVALID" if lv.invalid else "")
        else:
            use = cell(_lv_state(lv))
            used_by = ", ".join(x for x in (n.drbd_resource, n.domain) if x)
            info = f"{lv.attr}" + (f", {used_by}" if used_by else "")
            what, key = f"{indent}LV {lv.vg}/{name}", f"lv:{lv.path}@{n.node}"
            state = self._marked(found)
        return self._row(
            key,
            what,
            n.node,
            state,
            (cell(fmt_bytes(lv.size_bytes), sort=lv.size_bytes), use, cell(info)),
            order,
            snap,
            search=f"{n.domain or ''} {n.drbd_resource or ''} {lv.origin or ''}",
        )

    def _iscsi_row(self, ns: NodeIscsi, snap: Snapshot, probs: tuple[Problem, ...], i: int) -> Row:
        s = ns.session
        found = storage_problems_of(probs, f"iscsi:{s.target}", ns.node)
        # The session's state word leads (the kernel's: what iscsi-session-down reads); the
        # connection's and iscsid's words, when printed, follow the portal.
        shown = s.session_state or s.connection_state or "state ?"
        more = [f"connection {s.connection_state}"] if s.session_state and s.connection_state else []
        more += [f"iscsid {s.internal_state}"] if s.internal_state else []
        more += [f"disks {'; '.join(snap.display.storage.provided_by(ns))}"] if s.devices else []
        ident = str(s.sid) if s.sid is not None else s.target
        return self._row(
            f"iscsi:{ident}@{ns.node}",
            f"iSCSI {s.target}",
            ns.node,
            self._marked(found),
            (
                cell(""),
                cell(shown),
                cell(", ".join([s.portal, *more])),
            ),
            (_ISCSI, ns.node, i),
            snap,
        )

    def _fs_row(self, nf: NodeFs, snap: Snapshot, probs: tuple[Problem, ...], i: int) -> Row:
        fs = nf.fs
        found = storage_problems_of(probs, f"fs:{fs.mountpoint}", nf.node)
        pct = fs.used_percent
        return self._row(
            f"fs:{fs.mountpoint}@{nf.node}",
            f"FS {fs.mountpoint}",
            nf.node,
            self._marked(found),
            (
                cell(fmt_bytes(fs.size_bytes), sort=fs.size_bytes),
                cell(progress_bar(pct, 10) if pct is not None else "-", sort=pct),
                cell(f"{fs.device} {fs.fstype or ''}".rstrip()),
            ),
            (_FS, nf.node, i),
            snap,
        )

    # -- detail -----------------------------------------------------------------------------------

    def detail(self, key: str, snap: Snapshot) -> DetailInfo | None:
        storage = snap.display.storage
        kind, name, node = split_key(key)
        objs: list[tuple[str, object]] = []
        if kind == "vm":
            objs = [(f"backing[{i}].", b) for i, b in enumerate(storage.backings) if (b.vm or "") == name]
        elif kind == "vg":
            objs = [("", v) for v in storage.volume_groups if v.vg.name == name and v.node == node]
        elif kind in ("lv", "snap"):
            objs = [("", n) for n in storage.logical_volumes if n.lv.path == name and n.node == node]
        elif kind == "backing":
            objs = [("", b) for b in storage.backings if b.drbd_resource == name and b.node == node]
        elif kind == "iscsi":
            objs = [("", s) for s in storage.iscsi_sessions
                    if s.node == node and name in (str(s.session.sid), s.session.target)]  # fmt: skip
        elif kind == "fs":
            objs = [("", f) for f in storage.filesystems if f.fs.mountpoint == name and f.node == node]
        if not objs:
            return None
        fields: list[tuple[str, str]] = []
        for prefix, obj in objs:
            fields += flatten(obj, prefix)
        nodes = [node] if node else list(dict.fromkeys(getattr(o, "node", "") for _, o in objs))
        out: list[tuple[str, str]] = []
        for n in nodes:
            out += raws(snap.display.report(n), STORAGE_SOURCES)
        return DetailInfo(f"Storage {name or 'no VM'}" + (f" on {node}" if node else ""), tuple(fields),
                          tuple(out), _subjects(kind, name, objs))  # fmt: skip


def _subjects(kind: str, name: str, objs: Iterable[tuple[str, object]]) -> tuple[str, ...]:
    """The names whose logged events are the row's history: the subject, its VM and DRBD resources."""
    out = [name]
    for _, obj in objs:
        out += [x for x in (getattr(obj, "vm", None), getattr(obj, "domain", None)) if x]
        out += [x for x in (getattr(obj, "drbd_resource", None),) if x]
    return tuple(dict.fromkeys(out))


def _lv_state(lv: LogicalVolume) -> str:
    return {True: "active", False: "inactive", None: "active ?"}[lv.active]


def _by_vm(storage: StorageView) -> list[tuple[str | None, tuple[Backing, ...]]]:
    """The backings grouped by VM (first-seen order), those of no VM last."""
    groups: dict[str | None, list[Backing]] = {}
    for b in storage.backings:
        groups.setdefault(b.vm, []).append(b)
    # Within a VM: each DRBD resource's disk on every node, in node order, side by side.
    nodes = {node: i for i, node in enumerate(dict.fromkeys(b.node for b in storage.backings))}
    order = {
        vm: tuple(sorted(bs, key=lambda b: (b.drbd_resource, nodes[b.node]))) for vm, bs in groups.items()
    }
    named = [(vm, bs) for vm, bs in order.items() if vm is not None]
    return named + ([(None, order[None])] if None in order else [])
