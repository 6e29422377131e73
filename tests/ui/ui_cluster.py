"""Builds NodeCaptures of a cluster shaped like the reference Xen/DRBD cluster, for UI tests.

Pacemaker's picture is real ``crm_mon`` output from ``tests/fixtures/crm_mon/`` (three nodes
vnode1..3; guests sentinel on vnode1, www and mail on vnode3). The DRBD and ``xm list`` outputs
are written here in the formats of DRBD 8.3 and Xen 3.x, to match that picture: sentinel's disks
sentinel-root/sentinel-swap are replicated vnode1 <-> vnode2, www-root and mail-root vnode3 <-> vnode2.
"""

from __future__ import annotations

from pathlib import Path

from hatui.model.capture import NodeCapture, StackInfo

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
NODES = ("vnode1", "vnode2", "vnode3")

_PAIRS = {"sentinel-root": (1, "vnode1", "vnode2"), "sentinel-swap": (2, "vnode1", "vnode2"),
          "www-root": (3, "vnode3", "vnode2"), "mail-root": (4, "vnode3", "vnode2")}  # fmt: skip


def _dump() -> str:
    """``drbdadm dump all`` of the four resources (the same on every node)."""
    text = "# /etc/drbd.conf\n"
    for name, (minor, a, b) in _PAIRS.items():
        text += f"resource {name} {{\n    protocol C;\n"
        for i, host in enumerate((a, b)):
            text += (
                f"    on {host} {{\n        device /dev/drbd{minor} minor {minor};\n"
                f"        disk /dev/vg{i + 1}/{name};\n"
                f"        address ipv4 192.168.0.{i + 1}:{7788 + minor};\n"
                "        meta-disk internal;\n    }\n"
            )
        text += "}\n"
    return text


DUMP = _dump()
_HEAD = "version: 8.3.7 (api:88/proto:86-91)\nsrcversion: EE47D8BF18AC166BE219757\n"
_STATS = "    ns:0 nr:0 dw:0 dr:0 al:0 bm:0 lo:0 pe:0 ua:0 ap:0 ep:1 wo:b oos:0\n"


def _minor(minor: int, cs: str, ro: str, ds: str, sync: str = "") -> str:
    return f" {minor}: cs:{cs} ro:{ro} ds:{ds} C r----\n{_STATS}{sync}"


def proc_drbd(node: str, *, sync_www: float | None = None) -> str:
    """``/proc/drbd`` of ``node``; ``sync_www`` makes www-root resync to vnode2 at that percent."""
    text = _HEAD
    for _name, (minor, primary, secondary) in _PAIRS.items():
        if node == primary:
            if sync_www is not None and _name == "www-root":
                text += _minor(
                    minor, "SyncSource", "Primary/Secondary", "UpToDate/Inconsistent", _sync(sync_www)
                )
            else:
                text += _minor(minor, "Connected", "Primary/Secondary", "UpToDate/UpToDate")
        elif node == secondary:
            if sync_www is not None and _name == "www-root":
                text += _minor(
                    minor, "SyncTarget", "Secondary/Primary", "Inconsistent/UpToDate", _sync(sync_www)
                )
            else:
                text += _minor(minor, "Connected", "Secondary/Primary", "UpToDate/UpToDate")
    return text


def _sync(pct: float) -> str:
    total = 1048576
    left = int(total * (100 - pct) / 100)
    return (
        f"\t[=====>..............] sync'ed: {pct:4.1f}% ({left}/{total})K\n"
        "\tfinish: 0:05:00 speed: 59,392 (59,392) K/sec\n"
    )


def xm_list(*guests: tuple[str, int, int]) -> str:
    """``xm list`` with Domain-0 and ``(name, id, memory MiB)`` guests."""
    text = "Name                                      ID   Mem VCPUs      State   Time(s)\n"
    text += "Domain-0                                   0  1024     2     r-----  12345.6\n"
    for name, dom_id, mem in guests:
        text += f"{name:<40}{dom_id:>4}{mem:>6}     1     -b----    812.3\n"
    return text


GUESTS = {"vnode1": (("sentinel", 3, 1024),), "vnode2": (), "vnode3": (("www", 5, 2048), ("mail", 6, 1024))}


def capture(
    node: str,
    crm_mon: str = "healthy",
    *,
    guests: tuple[tuple[str, int, int], ...] | None = None,
    sync_www: float | None = None,
    crm_mon_text: str | None = None,
) -> NodeCapture:
    """One node's capture; ``crm_mon`` names a ``tests/fixtures/crm_mon/<name>.xml`` file."""
    outputs = {
        "crm_mon.xml": crm_mon_text
        if crm_mon_text is not None
        else (FIXTURES / "crm_mon" / f"{crm_mon}.xml").read_text(encoding="utf-8"),
        "proc_drbd": proc_drbd(node, sync_www=sync_www),
        "drbd_dump": DUMP,
        "xm_list": xm_list(*(GUESTS[node] if guests is None else guests)),
    }
    stack = StackInfo(crm_mon="output-as-xml", pacemaker_version="2.1.5", drbd="8", drbd_version="8.3.7",
                      vm_tool="xm", corosync_tools=False, crm_shell="crmsh")  # fmt: skip
    return NodeCapture(node=node, outputs=outputs, stack=stack)


def cluster(crm_mon: str = "healthy", **kw: object) -> list[NodeCapture]:
    """Captures of all three nodes."""
    return [capture(n, crm_mon, **kw) for n in NODES]  # type: ignore[arg-type]


def unreachable(node: str, reason: str = "connection refused") -> NodeCapture:
    """A node that could not be reached."""
    return NodeCapture(node=node, unreachable=reason)
