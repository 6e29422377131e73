"""ring-faulty on knet (corosync 3): a dead node is not a faulty link, a link cut to a live one is.

knet prints a peer that is down as ``disconnected`` on every link; the outputs below are what the
lab's corosync 3.1 printed on vnode1 after vnode3 was killed (one link), and a two-link variant.
"""

from __future__ import annotations

from datetime import UTC, datetime

from hatui.model.health import evaluate
from hatui.model.report import NodeReport
from hatui.model.view import ClusterView
from hatui.parsers.corosync import parse_cfgtool, parse_quorumtool

ONE_LINK = """Local node ID 1, transport knet
LINK ID 0 udp
\taddr\t= 127.0.0.2
\tstatus:
\t\tnodeid:          1:\tlocalhost
\t\tnodeid:          2:\tconnected
\t\tnodeid:          3:\tdisconnected
"""
TWO_LINKS = (
    ONE_LINK.replace("3:\tdisconnected", "3:\tconnected")
    + """LINK ID 1 udp
\taddr\t= 10.1.0.2
\tstatus:
\t\tnodeid:          1:\tlocalhost
\t\tnodeid:          2:\tconnected
\t\tnodeid:          3:\tdisconnected
"""
)


def quorum(members: tuple[int, ...]) -> str:
    rows = "".join(f"         {n}          1 vnode{n}{' (local)' if n == 1 else ''}\n" for n in members)
    return (
        "Quorum information\n------------------\nNodes:            2\nNode ID:          1\n"
        "Quorate:          Yes\n\nVotequorum information\n----------------------\n"
        f"Expected votes:   3\nTotal votes:      {len(members)}\n\n"
        f"Membership information\n----------------------\n    Nodeid      Votes Name\n{rows}"
    )


def ring_problems(cfgtool: str, members: tuple[int, ...]) -> list[str]:
    report = NodeReport(node="vnode1", rings=parse_cfgtool(cfgtool), quorum=parse_quorumtool(quorum(members)))
    view = ClusterView(name="c", reports=(report,), generated_at=datetime.now(UTC))
    return [p.message for p in evaluate(view).problems if p.code == "ring-faulty"]


def test_a_dead_peer_on_the_only_link_is_not_a_faulty_link() -> None:
    assert ring_problems(ONE_LINK, (1, 2)) == []


def test_a_member_the_link_cannot_reach_is_a_faulty_link() -> None:
    assert ring_problems(ONE_LINK, (1, 2, 3)) == [
        "corosync link 0 faulty on vnode1: 1: localhost; 2: connected; 3: disconnected"
    ]


def test_a_peer_still_connected_over_another_link_makes_the_cut_link_faulty() -> None:
    assert ring_problems(TWO_LINKS, (1, 2, 3)) == [
        "corosync link 1 faulty on vnode1: 1: localhost; 2: connected; 3: disconnected"
    ]
    # Even when the membership could not be read.
    report = NodeReport(node="vnode1", rings=parse_cfgtool(TWO_LINKS))
    view = ClusterView(name="c", reports=(report,), generated_at=datetime.now(UTC))
    assert [p.subject for p in evaluate(view).problems if p.code == "ring-faulty"] == ["link 1"]
