"""What each surface shows of a verdict, read back from the surfaces themselves, and the check that
they all derive from the one problem list (issue "One truth").

Surfaces read here: the VMs pane's state word (``vm_row_problems`` + ``STATE_WORDS``, what the pane
renders), the DRBD pane's state mark (``row_state``), the header's node chips (``node_mark``) and
corosync link marks (``link_mark``), the wall's VM and DRBD counts, the ``--once`` text's VMs table
and problem marks, the JSON snapshot, and the exit code. Textual is imported (the panes' modules),
so this is for tests that may import the UI.
"""

from __future__ import annotations

import io
import json
from datetime import datetime

from rich.console import Console

from hatui.model.health_types import CRITICAL, INFO, SETTLING, WARNING, Health, HealthStatus
from hatui.model.verdict import vm_state
from hatui.model.view import ClusterView
from hatui.model.vms import vm_rows
from hatui.model.words import LinkStatus
from hatui.snapshot.data import snapshot_dict
from hatui.snapshot.text import print_text
from hatui.ui.cells import CRIT, OK, UNKNOWN, Palette, severity_mark
from hatui.ui.screens.wall import drbd_summary, vm_summary
from hatui.ui.widgets.drbd import row_problems, row_state
from hatui.ui.widgets.header import link_mark, node_mark
from hatui.ui.widgets.vms import STATE_WORDS, vm_row_problems
from hatui.watch.state import Snapshot


def snapshot_of(view: ClusterView, health: Health, display: ClusterView | None = None) -> Snapshot:
    """A console Snapshot of ``view`` with no stale node (as ``--once`` sees it)."""
    return Snapshot(view, display or view, health, {}, {}, view.generated_at)


def expected_status(view: ClusterView, health: Health) -> HealthStatus:
    """The status the problem list alone implies (the rule the README states)."""
    sev = {p.severity for p in health.problems}
    if CRITICAL in sev:
        return HealthStatus.CRITICAL
    if not view.reachable or view.pacemaker is None:
        return HealthStatus.UNKNOWN
    if sev & {WARNING, SETTLING}:
        return HealthStatus.WARNING
    return HealthStatus.OK


def check_surfaces(snap: Snapshot) -> None:
    """Fails when any surface shows something the problem list does not say."""
    health, view = snap.health, snap.view
    problems = health.problems
    assert health.status is expected_status(view, health), [p.code for p in problems]
    # Every problem knows what it is about.
    for p in problems:
        assert p.kind, p
        assert p.severity in (CRITICAL, WARNING, SETTLING, INFO), p
    # VMs pane: the row's state is the worst problem whose keys hold vm:<name>, or ok.
    rows = vm_rows(snap.display)
    fine = 0
    for row in rows:
        found = vm_row_problems(row, snap)
        assert found == vm_state(problems, row.name)
        assert all(f"vm:{row.name}" in f.keys for f in found)
        word = STATE_WORDS[found[0].severity] if found else f"{OK} ok"
        if any(p.severity == CRITICAL and f"vm:{row.name}" in p.keys for p in problems):
            assert word.endswith("CRITICAL"), (row.name, word)
        if not [f for f in found if f.severity != INFO]:
            fine += 1
    # Wall: the VM count of ok VMs is the number of rows without a problem (beyond info).
    wall = vm_summary(snap, limit=10_000)
    assert wall.splitlines()[0].startswith(f"VMs  {fine} {OK} ok"), wall
    for row in rows:
        found = [f for f in vm_state(problems, row.name) if f.severity != INFO]
        if found:
            assert f"{severity_mark(found[0].severity)} {row.name}: {found[0].message}" in wall
    check_drbd_and_nodes(snap)
    drbd_ok = sum(
        1 for nd in snap.display.drbd if not [f for f in row_problems(nd, problems) if f.severity != INFO]
    )
    assert drbd_summary(snap).startswith(f"DRBD  {drbd_ok} {OK} in sync")
    # --once: exit code, JSON and the text's VMs table, from the same list.
    data = snapshot_dict(view, health)
    assert data["health"]["status"] == health.status.value
    assert [(p["severity"], p["code"], p["subject"]) for p in data["health"]["problems"]] == [
        (p.severity, p.code, p.subject) for p in problems
    ]
    for p, d in zip(problems, data["health"]["problems"], strict=True):
        assert d["since"] == (_iso(p.since) if p.since else None)
    json.dumps(data)
    out = io.StringIO()
    print_text(view, health, Console(file=out, width=400, emoji=False, highlight=False))
    text = out.getvalue()
    assert f"[{health.status.value}]" in text
    marks = {CRITICAL: "✖ CRIT", WARNING: "▲ WARN", SETTLING: "↻ SETTLING", INFO: "· info"}
    for row in vm_rows(view):
        found = vm_state(problems, row.name)
        line = next(ln for ln in text.splitlines() if ln.split()[:1] == [row.name] and "VM" not in ln[:2])
        want = marks[found[0].severity] if found else "✔ ok"
        assert want in line, (row.name, line)


def check_drbd_and_nodes(snap: Snapshot) -> None:
    """The DRBD pane's marks, the node chips and the link marks are the problem list's, nothing else."""
    problems = snap.health.problems
    palette = Palette.plain()
    for nd in snap.display.drbd:
        found = row_problems(nd, problems)
        key = f"drbd:{nd.label}"
        assert all(key in f.keys and f.node in (None, nd.node) for f in found), found
        about = [p for p in problems if key in p.keys and p.node in (None, nd.node)]
        assert len(found) == len(about), (nd.label, nd.node)
        for peer in nd.device.peers or (None,):
            text, _, _ = row_state(peer, found, palette)
            mark = severity_mark(found[0].severity) if found else OK
            # DRBD's own word follows the verdict's mark, whatever the raw state says.
            word = peer.connection_raw if peer is not None else "no peer"
            assert text == f"{mark} {word}", (nd.label, nd.node, text)
    for n in snap.display.node_names:
        about = sorted(
            (p for p in problems if f"node:{n}" in p.keys and p.kind in ("node", "link")),
            key=lambda p: p.rank,
        )
        assert node_mark(problems, n) == (severity_mark(about[0].severity) if about else OK), n
        if any(p.severity == CRITICAL and p.kind == "node" and p.subject == n for p in problems):
            assert node_mark(problems, n) == CRIT, n
    for r in snap.view.reachable:
        for link in r.rings.links if r.rings else ():
            about = sorted(
                (p for p in problems if f"link:link {link.id}" in p.keys and p.node == r.node),
                key=lambda p: p.rank,
            )
            if about:
                want = severity_mark(about[0].severity)
            else:
                want = UNKNOWN if link.status is LinkStatus.UNKNOWN else OK
            assert link_mark(problems, r.node, link) == want, (r.node, link.id)


def _iso(when: datetime) -> str:
    return when.isoformat().replace("+00:00", "Z")
