"""The header's link marks and the DRBD pane's marks and colours are the verdict's, not raw states."""

from __future__ import annotations

from datetime import UTC, datetime

from rich.style import Style

from hatui.model.corosync import CorosyncLink, LinkPeer, QuorumMember, QuorumStatus, RingStatus
from hatui.model.drbd import DrbdDevice, DrbdPeer, DrbdStatus
from hatui.model.report import NodeReport
from hatui.model.verdict import judge
from hatui.model.view import ClusterView
from hatui.model.words import ConnState, DiskState, DrbdRole, LinkStatus
from hatui.ui.cells import Palette
from hatui.ui.widgets.drbd import DrbdPane, row_problems
from hatui.ui.widgets.header import links

WHEN = datetime(2026, 1, 1, tzinfo=UTC)


def _view(**report: object) -> ClusterView:
    r = NodeReport(node="vnode1", collected_at=WHEN, **report)  # type: ignore[arg-type]
    return ClusterView("t", (r,), WHEN, configured_nodes=("vnode1",))


def _ring(peer_id: int, quorum_ids: tuple[int, ...]) -> dict[str, object]:
    """vnode1's knet: link 0 up, link 1 down towards node ``peer_id``; ``quorum_ids`` the members."""
    cut = (LinkPeer(peer_id, "disconnected"),)
    up = CorosyncLink(0, "10.0.0.1", LinkStatus.OK, "connected", (LinkPeer(peer_id, "connected"),))
    down = CorosyncLink(1, "10.1.0.1", LinkStatus.FAULTY, "disconnected", cut)
    if peer_id not in quorum_ids:  # a dead node: knet shows it down on every link
        up = CorosyncLink(0, "10.0.0.1", LinkStatus.FAULTY, "disconnected", cut)
    members = tuple(QuorumMember(i, 1, f"vnode{i}") for i in quorum_ids)
    return {"rings": RingStatus(1, "knet", (up, down)), "quorum": QuorumStatus(True, members=members)}


def test_a_link_down_towards_a_live_member_is_the_verdicts_warning() -> None:
    v = _view(**_ring(2, (1, 2)))
    assert links(v, judge(v).problems) == "links vnode1 0✔ 1▲"  # raw "faulty" showed ✖


def test_a_link_down_only_towards_a_dead_node_is_no_fault_of_the_link() -> None:
    v = _view(**_ring(3, (1, 2)))
    assert "ring-faulty" not in {p.code for p in judge(v).problems}
    assert links(v, judge(v).problems) == "links vnode1 0✔ 1✔"  # raw "faulty" showed ✖ twice


def _peer(conn: str) -> DrbdPeer:
    return DrbdPeer(None, ConnState.from_word(conn), conn, DrbdRole.UNKNOWN, "Unknown",
                    DiskState.D_UNKNOWN, "DUnknown")  # fmt: skip


def _dev(*peers: DrbdPeer) -> DrbdDevice:
    return DrbdDevice("r0", 0, None, DrbdRole.PRIMARY, "Primary", DiskState.UP_TO_DATE, "UpToDate", peers)


def _cells(v: ClusterView) -> tuple[str, Style, str]:
    """(state text, disk style, state style) of the DRBD pane's first row, as it renders them."""
    pane = DrbdPane()
    pane.palette = Palette.from_variables({})
    nd = v.drbd[0]
    found = row_problems(nd, judge(v).problems)
    row = pane._row("k", nd, (nd.device.peers or (None,))[0], "", found, (nd.label, 0, 0))
    return row.cells[4].plain, row.cells[3].style, row.cells[4].style  # type: ignore[return-value]


def test_drbd_marks_and_colours_follow_the_verdict() -> None:
    palette = Palette.from_variables({})
    # StandAlone with an UpToDate disk: the verdict warns, so the row's words and disk are a warning.
    text, disk, state = _cells(_view(drbd=DrbdStatus("drbd9", devices=(_dev(_peer("StandAlone")),))))
    assert text == "▲ StandAlone" and state == palette.warn
    assert disk == palette.warn  # the raw "UpToDate is green" rule showed it fine
    # A device without a peer is nothing the verdict finds wrong: ✔, not a pane-made "·".
    text, disk, state = _cells(_view(drbd=DrbdStatus("drbd9", devices=(_dev(),))))
    assert text == "✔ no peer" and state == palette.ok and disk == palette.ok
