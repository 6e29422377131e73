"""Writes tests/replays/*: real crm_mon 2.1.5 fixtures plus DRBD 8.3, xm and corosync outputs in their real formats.

Run it from anywhere: python tests/replays/make_replays.py (it rewrites the scenario folders).
"""

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIX = ROOT / "fixtures" / "crm_mon"
OUT = ROOT / "replays"

HDR = "version: 8.3.7 (api:88/proto:86-91)\nGIT-hash: ea9e28dbff98e331a62bcbcc63a6135808fe2917 build by root@vnode1, 2010-03-02 12:12:48\n"
CNT = "    ns:{ns} nr:{nr} dw:{dw} dr:{dr} al:0 bm:{bm} lo:0 pe:0 ua:0 ap:0 ep:1 wo:b oos:{oos}\n"


def minor(n, cs, ro, ds, proto="C", flags="r----", oos=0, ns=1048576, nr=0):
    proto_s = f" {proto}" if proto else "   "
    line = f" {n}: cs:{cs} ro:{ro} ds:{ds}{proto_s} {flags}\n"
    return line + CNT.format(ns=ns, nr=nr, dw=ns, dr=ns + 4096, bm=0, oos=oos)


def dump(hosts_minors):
    out = "# /etc/drbd.conf\ncommon {\n    syncer {\n        rate             100M;\n    }\n}\n\n"
    for name, minor_no, hosts in hosts_minors:
        out += f"# resource {name} on {hosts[0]}: not ignored, not stacked\nresource {name} {{\n    protocol               C;\n"
        for i, h in enumerate(hosts):
            out += (
                f"    on {h} {{\n        device           /dev/drbd{minor_no} minor {minor_no};\n"
                f"        disk             /dev/vg2/{name};\n        address          ipv4 192.168.0.{i + 1}:{7788 + minor_no};\n"
                f"        meta-disk        internal;\n    }}\n"
            )
        out += "}\n\n"
    return out


RES = [
    ("sentinel-root", 1, ("vnode1", "vnode2")),
    ("sentinel-swap", 2, ("vnode1", "vnode2")),
    ("www-root", 3, ("vnode2", "vnode3")),
]
DUMP = dump(RES)


def xm(rows):
    s = "Name                                        ID   Mem VCPUs      State   Time(s)\n"
    s += "Domain-0                                     0  1023     2     r----- 121152.6\n"
    for name, did, mem, vcpu, st, t in rows:
        s += f"{name:<40}{did:>6}{mem:>6}{vcpu:>6}     {st}{t:>10.1f}\n"
    return s


def cfgtool(nodeid, ip0, ip1, faulty1=False):
    s = f"Printing ring status.\nLocal node ID {nodeid}\nRING ID 0\n\tid\t= {ip0}\n\tstatus\t= ring 0 active with no faults\nRING ID 1\n\tid\t= {ip1}\n"
    s += (
        f"\tstatus\t= Marking ringid 1 interface {ip1} FAULTY\n"
        if faulty1
        else "\tstatus\t= ring 1 active with no faults\n"
    )
    return s


def quorum(nodeid, quorate=True, members=(1, 2, 3), names=("vnode1", "vnode2", "vnode3")):
    total = len(members)
    s = (
        "Quorum information\n------------------\nDate:             Wed Nov 25 17:46:03 2026\n"
        "Quorum provider:  corosync_votequorum\n"
        f"Nodes:            {total}\nNode ID:          {nodeid}\nRing ID:          1/8\n"
        f"Quorate:          {'Yes' if quorate else 'No'}\n\nVotequorum information\n----------------------\n"
        f"Expected votes:   3\nHighest expected: 3\nTotal votes:      {total}\n"
        f"Quorum:           2{'' if quorate else ' Activity blocked'}\nFlags:            {'Quorate' if quorate else ''}\n\n"
        "Membership information\n----------------------\n    Nodeid      Votes Name\n"
    )
    for m, n in zip(members, names, strict=True):
        s += f"{m:>10}{1:>11} {n}{' (local)' if m == nodeid else ''}\n"
    return s


IPS = {
    "vnode1": ("192.168.0.1", "131.114.28.1"),
    "vnode2": ("192.168.0.2", "131.114.28.2"),
    "vnode3": ("192.168.0.3", "131.114.28.3"),
}
NID = {"vnode1": 1, "vnode2": 2, "vnode3": 3}


def write(scn, node, files):
    d = OUT / scn / node
    d.mkdir(parents=True, exist_ok=True)
    for k, v in files.items():
        if isinstance(v, Path):
            shutil.copy(v, d / k)
        else:
            (d / k).write_text(v)


def base(node, crm, drbd, doms, faulty1=False):
    f = {
        "crm_mon.xml": crm,
        "xm_list": xm(doms),
        "corosync_cfgtool": cfgtool(NID[node], *IPS[node], faulty1=faulty1),
        "corosync_quorumtool": quorum(NID[node]),
    }
    if drbd is not None:
        f["proc_drbd"] = HDR + "\n" + drbd
        f["drbd_dump"] = DUMP
    return f


# healthy: sentinel on vnode1 (disks Primary there), www+mail on vnode3 (www-root Primary on vnode3)
h = FIX / "healthy.xml"
write(
    "healthy",
    "vnode1",
    base(
        "vnode1",
        h,
        minor(1, "Connected", "Primary/Secondary", "UpToDate/UpToDate")
        + minor(2, "Connected", "Primary/Secondary", "UpToDate/UpToDate"),
        [("sentinel", 3, 1024, 1, "-b----", 5123.4)],
    ),
)
write(
    "healthy",
    "vnode2",
    base(
        "vnode2",
        h,
        minor(1, "Connected", "Secondary/Primary", "UpToDate/UpToDate")
        + minor(2, "Connected", "Secondary/Primary", "UpToDate/UpToDate")
        + minor(3, "Connected", "Secondary/Primary", "UpToDate/UpToDate"),
        [],
    ),
)
write(
    "healthy",
    "vnode3",
    base(
        "vnode3",
        h,
        " 1: cs:Unconfigured\n 2: cs:Unconfigured\n"
        + minor(3, "Connected", "Primary/Secondary", "UpToDate/UpToDate"),
        [("www", 5, 2048, 2, "-b----", 811.9), ("mail", 6, 1024, 1, "r-----", 20315.0)],
    ),
)

# degraded: vnode1 in standby (its DRBD is down, sentinel runs on vnode2 with peers waiting),
# www-root resyncing from vnode3 to vnode2, ring 1 faulty on vnode2
s = FIX / "standby.xml"
sync = "\t[=======>............] sync'ed: 41.2% (616412/1048576)K\n\tfinish: 0:00:47 speed: 13,112 (12,840) K/sec\n"
write("degraded", "vnode1", base("vnode1", s, " 1: cs:Unconfigured\n 2: cs:Unconfigured\n", []))
write(
    "degraded",
    "vnode2",
    base(
        "vnode2",
        s,
        minor(1, "WFConnection", "Primary/Unknown", "UpToDate/DUnknown")
        + minor(2, "WFConnection", "Primary/Unknown", "UpToDate/DUnknown")
        + minor(3, "SyncTarget", "Secondary/Primary", "Inconsistent/UpToDate", oos=616412)
        + sync,
        [("sentinel", 12, 1024, 1, "-b----", 12.8)],
        faulty1=True,
    ),
)
write(
    "degraded",
    "vnode3",
    base(
        "vnode3",
        s,
        " 1: cs:Unconfigured\n 2: cs:Unconfigured\n"
        + minor(3, "SyncSource", "Primary/Secondary", "UpToDate/Inconsistent", oos=616412)
        + sync,
        [("www", 5, 2048, 2, "-b----", 811.9), ("mail", 6, 1024, 1, "r-----", 20315.0)],
    ),
)

# split-brain: sentinel-root StandAlone on both ends, both Primary, and the sentinel VM on both nodes
write(
    "split-brain",
    "vnode1",
    base(
        "vnode1",
        h,
        minor(1, "StandAlone", "Primary/Unknown", "UpToDate/DUnknown", proto="", oos=2048)
        + minor(2, "Connected", "Primary/Secondary", "UpToDate/UpToDate"),
        [("sentinel", 3, 1024, 1, "-b----", 5123.4)],
    ),
)
write(
    "split-brain",
    "vnode2",
    base(
        "vnode2",
        h,
        minor(1, "StandAlone", "Primary/Unknown", "UpToDate/DUnknown", proto="", oos=4096)
        + minor(2, "Connected", "Secondary/Primary", "UpToDate/UpToDate")
        + minor(3, "Connected", "Secondary/Primary", "UpToDate/UpToDate"),
        [("sentinel", 9, 1024, 1, "r-----", 40.2)],
    ),
)
write(
    "split-brain",
    "vnode3",
    base(
        "vnode3",
        h,
        " 1: cs:Unconfigured\n 2: cs:Unconfigured\n"
        + minor(3, "Connected", "Primary/Secondary", "UpToDate/UpToDate"),
        [("www", 5, 2048, 2, "-b----", 811.9), ("mail", 6, 1024, 1, "r-----", 20315.0)],
    ),
)

# node-down: vnode1 failed (Pacemaker says offline; SSH refused), sentinel recovered on vnode2, peers WFConnection
f = FIX / "node-failed.xml"
write("node-down", "vnode1", {"unreachable": "connection refused (127.0.0.2:22)\n"})
write(
    "node-down",
    "vnode2",
    base(
        "vnode2",
        f,
        minor(1, "WFConnection", "Primary/Unknown", "UpToDate/DUnknown")
        + minor(2, "WFConnection", "Primary/Unknown", "UpToDate/DUnknown")
        + minor(3, "Connected", "Secondary/Primary", "UpToDate/UpToDate"),
        [("sentinel", 14, 1024, 1, "-b----", 3.1)],
    ),
)
write(
    "node-down",
    "vnode3",
    base(
        "vnode3",
        f,
        " 1: cs:Unconfigured\n 2: cs:Unconfigured\n"
        + minor(3, "Connected", "Primary/Secondary", "UpToDate/UpToDate"),
        [("www", 5, 2048, 2, "-b----", 811.9), ("mail", 6, 1024, 1, "r-----", 20315.0)],
    ),
)


def xm_info(total, free):
    """``xm info`` as Xen 3.2's xm prints it ("%-23s: value"), the memory lines in MiB."""
    keys = [("host", "vnodeX"), ("release", "2.6.26-2-xen-amd64"), ("machine", "x86_64"), ("nr_cpus", 2)]
    keys += [
        ("total_memory", total),
        ("free_memory", free),
        ("xen_major", 3),
        ("xen_minor", 2),
        ("xen_extra", "-1"),
    ]
    return "".join(f"{k:<23}: {v}\n" for k, v in keys)


XENTOP_HEAD = (
    "      NAME  STATE   CPU(sec) CPU(%)     MEM(k) MEM(%)  MAXMEM(k) MAXMEM(%) VCPUS NETS NETTX(k) NETRX(k) "
    "VBDS   VBD_OO   VBD_RD   VBD_WR SSID\n"
)


def xentop(rows):
    """``xentop -b -i 2 -d 1``: two samples; the first's CPU% is 0.0. rows: (name, flags, cpu%, MiB, vcpus)."""
    out = ""
    for sample in (0, 1):
        out += XENTOP_HEAD
        for name, flags, cpu, mib, vcpus in [("Domain-0", "-----r", 1.5, 1023, 2), *rows]:
            pct = cpu if sample else 0.0
            out += (
                f"{name[:10]:>10} {flags} {1000 + sample:10d} {pct:6.1f} {mib * 1024:10d}   12.5 {mib * 1024:10d}"
                f"      12.5 {vcpus:5d}    1        0        0    2        0        0        0    0\n"
            )
    return out


# capacity: the healthy layout with host memory (xm info) and xentop. vnode3's loss strands mail:
# www (only vnode2 holds www-root) takes vnode2's 2048 MiB, and vnode1 has 512 MiB free. vnode1 is
# read through xentop alone (no xm list): its domains are still listed.
cap1 = base(
    "vnode1",
    h,
    minor(1, "Connected", "Primary/Secondary", "UpToDate/UpToDate")
    + minor(2, "Connected", "Primary/Secondary", "UpToDate/UpToDate"),
    [],
)
del cap1["xm_list"]
cap1 |= {"xm_info": xm_info(4095, 512), "xentop": xentop([("sentinel", "--b---", 7.3, 1024, 1)])}
write("capacity", "vnode1", cap1)
cap2 = base(
    "vnode2",
    h,
    minor(1, "Connected", "Secondary/Primary", "UpToDate/UpToDate")
    + minor(2, "Connected", "Secondary/Primary", "UpToDate/UpToDate")
    + minor(3, "Connected", "Secondary/Primary", "UpToDate/UpToDate"),
    [],
)
write("capacity", "vnode2", cap2 | {"xm_info": xm_info(4095, 2048)})
cap3 = base(
    "vnode3",
    h,
    " 1: cs:Unconfigured\n 2: cs:Unconfigured\n"
    + minor(3, "Connected", "Primary/Secondary", "UpToDate/UpToDate"),
    [("www", 5, 2048, 2, "-b----", 811.9), ("mail", 6, 1024, 1, "r-----", 20315.0)],
)
cap3 |= {
    "xm_info": xm_info(4095, 0),
    "xentop": xentop([("www", "--b---", 12.5, 2048, 2), ("mail", "-----r", 88.0, 1024, 1)]),
}
write("capacity", "vnode3", cap3)

for scn in ("healthy", "degraded", "split-brain", "node-down", "capacity"):
    for n in ("vnode1", "vnode2", "vnode3"):
        (OUT / scn / n).mkdir(parents=True, exist_ok=True)
