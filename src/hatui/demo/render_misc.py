"""Provides the demo's ``xm list`` (Xen 3.2) and the modern ``corosync-cfgtool -s`` / ``-quorumtool -s``.

``xm list`` uses xm's own format strings (``%-40s %3s %5s %5s %10s %9s`` header, ``%8.1f`` CPU
seconds); the Corosync outputs follow corosync-cfgtool.c of 3.1 (knet ``LINK ID n udp`` blocks with
a ``nodeid: N:`` line per node) and corosync-quorumtool.c (``Ring ID: <rep node>/<seq>``, trailing
spaces after ``Flags:`` words).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hatui.demo.cluster import DemoCluster

#: Average busy CPUs of each dom0 (its share of I/O and DRBD work).
DOM0_LOAD = {"vnode1": 0.21, "vnode2": 0.09, "vnode3": 0.07}


def _domain_state(c: DemoCluster, load: float, salt: int) -> str:
    # A guest is mostly blocked (idle) and sometimes caught running, like a real xm list.
    busy = ((int(c.t) * 7 + salt * 13) % 100) / 100.0 < min(0.9, load * 1.5)
    return "r-----" if busy else "-b----"


def _row(name: str, domid: int, mem: int, vcpus: int, state: str, cpu: float) -> str:
    # xm's "%(name)-40s %(domid)3s %(mem)5d %(vcpus)5d %(state)10s %(cpu_time)8.1f".
    return f"{name:<40} {domid:>3} {mem:>5d} {vcpus:>5d} {state:>10} {cpu:>8.1f}"


def xm_list(c: DemoCluster, node: str) -> str:
    """``xm list`` on ``node``: Domain-0, then the guests by domain id."""
    rt = c.nodes[node]
    ndef = c.topo.node(node)
    cpus = ndef.cpus if ndef else 1
    dom0_mem = ndef.dom0_mem_mib if ndef else 1024
    lines = [f"{'Name':<40} {'ID':>3} {'Mem':>5} {'VCPUs':>5} {'State':>10} {'Time(s)':>9}"]
    dom0_cpu = DOM0_LOAD.get(node, 0.1) * (c.t - rt.booted_at)
    lines.append(_row("Domain-0", 0, dom0_mem, cpus, "r-----", dom0_cpu))
    for dom in sorted(rt.domains.values(), key=lambda d: d.domid):
        cpu = dom.cpu_at_start + dom.load * max(0.0, c.t - dom.started_at)
        state = _domain_state(c, dom.load, dom.domid)
        lines.append(_row(dom.name, dom.domid, dom.mem_mib, dom.vcpus, state, cpu))
    return "\n".join(lines) + "\n"


def cfgtool(c: DemoCluster, node: str) -> str:
    """Corosync 3's ``corosync-cfgtool -s``: the two knet links and how this node sees each peer.

    A link marked faulty on this node (the demo's ``fail-ring``) shows its peers ``disconnected``.
    """
    ndef = c.topo.node(node)
    if ndef is None:
        return ""
    lines = [f"Local node ID {ndef.node_id}, transport knet"]
    members = c.members()
    for link, addr in ((0, ndef.ring0), (1, ndef.ring1)):
        lines += [f"LINK ID {link} udp", f"\taddr\t= {addr}", "\tstatus:"]
        for peer in c.topo.nodes:
            if peer.name == node:
                word = "localhost"
            elif peer.name not in members or link in c.nodes[node].ring_faulty:
                word = "disconnected"
            else:
                word = "connected"
            lines.append(f"\t\tnodeid: {peer.node_id:>10}:\t{word}")
    return "\n".join(lines) + "\n"


def _padded(value: str) -> str:
    # print_string_padded(): right-aligned in 10 columns, then one space.
    return f"{value:>10} "


def quorumtool(c: DemoCluster, node: str) -> str:
    """``corosync-quorumtool -s`` (votequorum, corosync 2.4 layout) as ``node`` sees it."""
    ndef = c.topo.node(node)
    members = [n for n in c.topo.nodes if n.name in c.members()]
    quorate = c.quorate()
    votes = len(members)
    expected = len(c.topo.nodes)
    quorum = expected // 2 + 1
    rep = members[0].node_id if members else 0
    lines = [
        "Quorum information",
        "------------------",
        f"Date:             {_ctime_local(c)}",
        "Quorum provider:  corosync_votequorum",
        f"Nodes:            {votes}",
        f"Node ID:          {ndef.node_id if ndef else 0}",
        f"Ring ID:          {rep}/{c.cib.ring_seq}",
        f"Quorate:          {'Yes' if quorate else 'No'}",
        "",
        "Votequorum information",
        "----------------------",
        f"Expected votes:   {expected}",
        f"Highest expected: {expected}",
        f"Total votes:      {votes}",
        f"Quorum:           {quorum} {' ' if quorate else 'Activity blocked'}",
        "Flags:            " + ("Quorate " if quorate else ""),
        "",
        "Membership information",
        "----------------------",
        _padded("Nodeid") + _padded("Votes") + "Name",
    ]
    for m in members:
        local = " (local)" if m.name == node else ""
        lines.append(_padded(str(m.node_id)) + _padded("1") + m.name + local)
    return "\n".join(lines) + "\n"


def _ctime_local(c: DemoCluster) -> str:
    d = c.wall()
    return f"{d:%a %b} {d.day:2d} {d:%H:%M:%S %Y}"
