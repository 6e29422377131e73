"""Provides the Resources pane: every Pacemaker resource, grouped as the cluster groups them.

Clone instances share one row (their roles and nodes listed together), so the row key, the
resource id, stays stable while instances move. Fail-counts, failed operations, and what the
verdict says of its constraints (leftover ``cli-`` move/ban constraints, hatui's actions in flight)
are shown on the resource they concern.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import ClassVar

from rich.style import Style
from textual.binding import BindingType

from hatui.model.health_types import RANK, Problem
from hatui.model.pacemaker import INFINITY, PcmkCollection, PcmkResource
from hatui.model.verdict import for_subject
from hatui.model.words import ResourceRole
from hatui.ui.cells import INFO, OK, cell, severity_mark
from hatui.ui.details import PACEMAKER_SOURCES, DetailInfo, flatten, raws
from hatui.ui.pane_actions import PaneActions, bindings
from hatui.ui.widgets.table_pane import Row, TablePane
from hatui.watch.state import Snapshot


def container(kinds: Mapping[str, PcmkCollection], r: PcmkResource) -> str:
    """``clone ms_x``, ``group g``, ``clone c › group g`` or an empty string (``kinds`` by id)."""
    parts = []
    if r.clone and r.clone != r.parent:
        parts.append(f"{_kind(kinds.get(r.clone), 'clone')} {r.clone}")
    if r.parent:
        parts.append(f"{_kind(kinds.get(r.parent), 'group')} {r.parent}")
    return " › ".join(parts)


def _kind(c: object, default: str) -> str:
    if c is None:
        return default
    kind = str(getattr(c, "kind", default))
    return "promotable" if kind == "clone" and getattr(c, "promotable", False) else kind


def placement(instances: tuple[PcmkResource, ...]) -> str:
    """``Promoted vnode1 · Unpromoted vnode2``, ``Started vnode1`` or ``Stopped``."""
    by_role: dict[str, list[str]] = {}
    for r in instances:
        by_role.setdefault(r.role_raw, []).extend(r.nodes or [])
    parts = []
    for role, nodes in by_role.items():
        if nodes:
            parts.append(f"{role} {', '.join(nodes)}")
        else:
            count = sum(1 for r in instances if r.role_raw == role)
            parts.append(role if count == 1 else f"{role} ×{count}")
    return " · ".join(parts)


#: Short words for a resource's worst problem in the State column (the message has the rest).
_WORDS = {
    "resource-failed": "FAILED",
    "resource-blocked": "blocked",
    "resource-stopped": "stopped",
    "resource-multi-active": "active on several nodes",
    "resource-unmanaged": "unmanaged",
    "fail-count": "fail-count",
    "failed-action": "failed operation",
    "constraint-leftover": "leftover constraint",
    "pinned": "pinned",
    "action-in-flight": "moving (hatui)",
}


def _state(instances: tuple[PcmkResource, ...], problems: tuple[Problem, ...]) -> tuple[str, str]:
    """``(words, severity)`` of a row: its worst problem in the verdict, else why it is fine."""
    if problems:
        worst = problems[0]
        word = (
            instances[0].pending if worst.code == "resource-pending" else _WORDS.get(worst.code, worst.code)
        )
        return f"{severity_mark(worst.severity)} {word or worst.code}", worst.severity
    target = (instances[0].target_role or "").lower()
    if all(r.role is ResourceRole.STOPPED for r in instances) and target in ("stopped", "disabled"):
        return f"{INFO} disabled", "info"
    return f"{OK} ok", "ok"


def _constraint_notes(rid: str, problems: tuple[Problem, ...]) -> list[str]:
    """What the verdict says of the constraints on ``rid``: leftovers (``⚑ cli-ban-...``) and hatui's
    actions in flight (``moving (hatui, 12s) by ...``), whose own constraints are no leftovers."""
    out = []
    for p in problems:
        if p.code == "constraint-leftover":
            out += sorted(
                f"⚑ {k.removeprefix('constraint:')}" for k in p.affects if k.startswith("constraint:")
            )
        elif p.code == "pinned" and p.subject == rid:
            out += sorted(
                f"pinned to {p.node} ({k.removeprefix('constraint:')})"
                for k in p.affects
                if k.startswith("constraint:")
            )
        elif p.code == "action-in-flight" and p.subject == rid:
            out.append(p.message.removeprefix(f"{rid}: "))
    return out


class ResourcesPane(TablePane, PaneActions):
    """One row per resource id, ordered and labelled by its clone/group/bundle."""

    TITLE = "Resources"
    BINDINGS: ClassVar[list[BindingType]] = bindings("resource")
    EMPTY = "no resource (or no Pacemaker picture yet)"
    SOURCES = frozenset(PACEMAKER_SOURCES)
    COLUMNS: ClassVar[tuple[tuple[str, str], ...]] = (
        ("resource", "Resource"),
        ("in", "In"),
        ("agent", "Agent"),
        ("where", "Role / node"),
        ("state", "State"),
        ("failcount", "Fail-counts"),
        ("notes", "Failures / constraints"),
    )
    HELP = """\
## Resources
Every Pacemaker resource, in its clone, group or bundle. **State** is the worst of the verdict's
problems about it (`✖ FAILED`, `✖ stopped`, `▲ unmanaged`, `↻ Starting`, `· moving (hatui)`), else
`✔ ok` or `· disabled`. Fail-counts are per node (`INF` once Pacemaker gave up on a node).
Leftover `cli-prefer`/`cli-ban` constraints from a move or ban are listed on their resource (`⚑ id`):
clear them once the move is done. While a hatui action runs its constraints are not leftovers: the
resource says `moving (hatui, 12s) by ...` instead.

**Actions** on the highlighted resource: **m** move, **M** live-migrate, **u** start, **x** stop,
**R** restart, **b** ban, **c** clear constraints, **C** clean up failures, **y** why.
"""

    def build_rows(self, snap: Snapshot) -> list[Row]:
        status = snap.display.pacemaker
        if status is None:
            return []
        stale_src = snap.display.pacemaker_source
        stale = stale_src is not None and snap.is_stale(stale_src.node)
        notes: dict[str, list[str]] = {}
        for fa in status.failed_actions:
            notes.setdefault(fa.resource, []).append(f"{fa.operation}@{fa.node}: {fa.exit_status or 'error'}")
        # One pass each: a cluster with a thousand resources must not cost a million lookups.
        by_id: dict[str, list[PcmkResource]] = {}
        for r in status.resources:
            by_id.setdefault(r.id, []).append(r)
        counts: dict[str, dict[str, int]] = {}
        for h in status.history:
            if h.fail_count:
                counts.setdefault(h.resource, {})[h.node] = h.fail_count
        kinds = {c.id: c for c in status.collections}
        rows = []
        for i, (rid, found) in enumerate(by_id.items()):
            instances = tuple(found)
            group = container(kinds, instances[0])
            fc = tuple(counts.get(rid, {}).items())
            mine = for_subject(snap.health.problems, f"resource:{rid}")
            said = (*notes.get(rid, ()), *_constraint_notes(rid, mine))
            inputs = (instances, group, fc, said, mine, stale, i)
            rows.append(self.memo(rid, inputs, partial(self._row, rid, *inputs)))
        return rows

    def _row(
        self,
        rid: str,
        instances: tuple[PcmkResource, ...],
        group: str,
        counts: tuple[tuple[str, int], ...],
        notes: tuple[str, ...],
        problems: tuple[Problem, ...],
        stale: bool,
        i: int,
    ) -> Row:
        p = self.palette
        dim = p.stale if stale else Style()
        first = instances[0]
        text, severity = _state(instances, problems)
        style = p.ok if severity == "ok" else p.severity(severity)
        rank = RANK.get(severity, 4)
        fc = ", ".join(f"{n}={'INF' if c >= INFINITY else c}" for n, c in counts)
        return Row(
            key=rid,
            cells=(
                cell(("  " if group else "") + rid, Style(bold=True) + dim, sort=rid.lower()),
                cell(group, dim),
                cell(first.agent or "-", dim),
                cell(placement(instances), dim),
                cell(text, style + dim, sort=rank),
                cell(fc, (p.warn if fc else Style()) + dim, sort=max((c for _, c in counts), default=0)),
                cell("; ".join(notes), (p.warn if notes else Style()) + dim),
            ),
            order=(i,),
            stale=stale,
            attention=rank <= 1,
            search=first.clone or "",
        )

    def detail(self, key: str, snap: Snapshot) -> DetailInfo | None:
        status = snap.display.pacemaker
        if status is None or not status.instances(key):
            return None
        fields: list[tuple[str, str]] = []
        for i, inst in enumerate(status.instances(key)):
            fields += flatten(inst, f"instance[{i}].")
        for c in status.collections:
            if key in c.members or any(c.id in (r.parent, r.clone) for r in status.instances(key)):
                fields += flatten(c, f"{c.kind}.")
        fields += [(f"fail-count {n}", str(c)) for n, c in snap.display.fail_counts(key).items()]
        for j, fa in enumerate(fa for fa in status.failed_actions if fa.resource == key):
            fields += flatten(fa, f"failed_action[{j}].")
        for con in snap.display.constraints:
            if key in (con.resource, con.with_resource):
                fields += flatten(con, f"constraint {con.id}.")
        src = snap.display.pacemaker_source
        return DetailInfo(f"Resource {key}", tuple(fields), tuple(raws(src, PACEMAKER_SOURCES)), (key,))
