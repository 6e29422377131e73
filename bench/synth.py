"""Provides node outputs for clusters of any size, in the real formats: /proc/drbd, ``drbdadm dump``,
``xm list`` and the corosync tools, shaped like the captures in ``tests/replays`` (DRBD 8.3, Xen xm,
corosync rings), and ``cluster_captures``: every node's capture of a generated cluster.

The crm_mon XML itself is never synthesised here: it comes from real Pacemaker (``bench.cibgen``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from bench.cibgen import Shape, node_names
from hatui.model.capture import NodeCapture, StackInfo

DRBD_HEAD = (
    "version: 8.3.7 (api:88/proto:86-91)\n"
    "GIT-hash: ea9e28dbff98e331a62bcbcc63a6135808fe2917 build by root@vnode1, 2010-03-02 12:12:48\n\n"
)
#: What a node of the replays runs (crm_mon XML, DRBD 8 via /proc/drbd, xm, corosync tools, crmsh).
STACK = StackInfo(
    crm_mon="output-as-xml",
    pacemaker_version="2.1.5",
    drbd="8",
    drbd_version="8.3.7",
    vm_tool="xm",
    corosync_tools=True,
    crm_shell="crmsh",
)


@dataclass(frozen=True)
class Minor:
    """One DRBD device as one node sees it."""

    minor: int
    resource: str
    primary: bool
    peer: str
    syncing: bool = False


def proc_drbd(minors: list[Minor]) -> str:
    """/proc/drbd of DRBD 8.3 with these devices (every 16th one resyncing)."""
    out = [DRBD_HEAD]
    for m in minors:
        ro = "Primary/Secondary" if m.primary else "Secondary/Primary"
        if m.syncing:
            cs = "SyncSource" if m.primary else "SyncTarget"
            ds = "UpToDate/Inconsistent" if m.primary else "Inconsistent/UpToDate"
            out.append(
                f" {m.minor}: cs:{cs} ro:{ro} ds:{ds} C r----\n"
                "    ns:8064 nr:0 dw:0 dr:8728 al:0 bm:0 lo:0 pe:1 ua:0 ap:0 ep:1 wo:b oos:1007804\n"
                "\t[>....................] sync'ed:  0.9% (1007804/1015740)K\n"
                "\tfinish: 0:12:35 speed: 1,320 (1,320) K/sec\n"
            )
        else:
            out.append(
                f" {m.minor}: cs:Connected ro:{ro} ds:UpToDate/UpToDate C r----\n"
                "    ns:1048576 nr:0 dw:1048576 dr:1052672 al:0 bm:0 lo:0 pe:0 ua:0 ap:0 ep:1 wo:b oos:0\n"
            )
    return "".join(out)


def drbd_dump(node: str, minors: list[Minor]) -> str:
    """``drbdadm dump all`` naming every device of ``node`` (the minor -> resource map hatui needs)."""
    out = ["# /etc/drbd.conf\ncommon {\n    syncer {\n        rate             100M;\n    }\n}\n\n"]
    for m in minors:
        hosts = [node, m.peer] if m.primary else [m.peer, node]
        out.append(f"# resource {m.resource} on {node}: not ignored, not stacked\nresource {m.resource} {{\n")
        out.append("    protocol               C;\n")
        for i, host in enumerate(hosts, start=1):
            out.append(
                f"    on {host} {{\n        device           /dev/drbd{m.minor} minor {m.minor};\n"
                f"        disk             /dev/vg2/{m.resource};\n"
                f"        address          ipv4 192.168.0.{i}:{7788 + m.minor};\n"
                "        meta-disk        internal;\n    }\n"
            )
        out.append("}\n\n")
    return "".join(out)


def xm_list(domains: list[str]) -> str:
    """``xm list`` with Domain-0 and ``domains`` running."""
    rows = [
        "Name                                        ID   Mem VCPUs      State   Time(s)\n",
        "Domain-0                                     0  1023     2     r----- 121152.6\n",
    ]
    for i, name in enumerate(domains, start=1):
        rows.append(f"{name:<40}{i + 2:>6}{1024:>6}{1:>6}     -b----{5123.4 + i:>10.1f}\n")
    return "".join(rows)


def corosync_cfgtool(node_id: int) -> str:
    return (
        f"Printing ring status.\nLocal node ID {node_id}\nRING ID 0\n\tid\t= 192.168.0.{node_id % 250 + 1}\n"
        "\tstatus\t= ring 0 active with no faults\nRING ID 1\n"
        f"\tid\t= 131.114.28.{node_id % 250 + 1}\n\tstatus\t= ring 1 active with no faults\n"
    )


def corosync_quorumtool(node_id: int, names: list[str]) -> str:
    n = len(names)
    members = "".join(
        f"{i:>10}{1:>11} {name}{' (local)' if i == node_id else ''}\n"
        for i, name in enumerate(names, start=1)
    )
    return (
        "Quorum information\n------------------\nDate:             Wed Nov 25 17:46:03 2026\n"
        f"Quorum provider:  corosync_votequorum\nNodes:            {n}\nNode ID:          {node_id}\n"
        "Ring ID:          1/8\nQuorate:          Yes\n\nVotequorum information\n----------------------\n"
        f"Expected votes:   {n}\nHighest expected: {n}\nTotal votes:      {n}\n"
        f"Quorum:           {n // 2 + 1}\n"
        "Flags:            Quorate\n\nMembership information\n----------------------\n"
        f"    Nodeid      Votes Name\n{members}"
    )


def layout(nodes: int, resources: int) -> dict[str, tuple[list[Minor], list[str]]]:
    """Per node: its DRBD devices and the VMs running on it, as the generated CIB places them."""
    names = node_names(nodes)
    shape = Shape.of(nodes, resources)
    per: dict[str, tuple[list[Minor], list[str]]] = {n: ([], []) for n in names}
    for v in range(1, shape.vms + 1):
        home, spare = names[(2 * v - 2) % nodes], names[(2 * v - 1) % nodes]
        res, syncing = f"vm{v}-root", v % 16 == 0
        per[home][0].append(Minor(v, res, True, spare, syncing))
        per[spare][0].append(Minor(v, res, False, home, syncing))
        per[home][1].append(f"vm{v}")
    return per


def cluster_captures(nodes: int, resources: int, crm_mon_xml: str, constraints_xml: str) -> list[NodeCapture]:
    """Every node's capture of the generated ``nodes`` x ``resources`` cluster (all layers)."""
    names = node_names(nodes)
    at = datetime(2026, 11, 25, 17, 46, 3, tzinfo=UTC)
    out = []
    for i, (node, (minors, vms)) in enumerate(layout(nodes, resources).items(), start=1):
        outputs = {
            "crm_mon.xml": crm_mon_xml,
            "proc_drbd": proc_drbd(minors),
            "drbd_dump": drbd_dump(node, minors),
            "xm_list": xm_list(vms),
            "corosync_cfgtool": corosync_cfgtool(i),
            "corosync_quorumtool": corosync_quorumtool(i, names),
            "constraints.xml": constraints_xml,
        }
        out.append(NodeCapture(node=node, outputs=outputs, collected_at=at, stack=STACK))
    return out


def constraints_of(cib_xml: str) -> str:
    """The ``<constraints>`` section of a CIB, as ``cibadmin -Q --scope constraints`` prints it."""
    start, end = cib_xml.find("<constraints"), cib_xml.find("</constraints>")
    if start < 0:
        return "<constraints/>\n"
    return cib_xml[start : end + len("</constraints>")] + "\n" if end > 0 else cib_xml[start:]
