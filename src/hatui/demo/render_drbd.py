"""Provides DRBD 8.3.7 outputs for the demo: ``/proc/drbd`` and ``drbdadm dump all``.

``/proc/drbd`` follows the 8.3.7 kernel module's ``drbd_proc.c`` byte for byte: a blank line after
the header when minor 0 is not configured, five flag characters, no protocol letter on a
StandAlone device, TAB-indented ``sync'ed:`` and ``finish:`` lines (sizes in M above 4 GiB), no
progress lines while a resync is paused, and the plain ``NN%  done/total`` line of an online verify.
The modern generation's nodes run DRBD 9, whose /proc/drbd holds only the version (``render_drbd9``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hatui.demo import drbd_sim, render_drbd9
from hatui.demo.topology import BIT_KIB

if TYPE_CHECKING:
    from hatui.demo.cluster import DemoCluster

VERSION_LINE = "version: 8.3.7 (api:88/proto:86-91)"
BUILD_TAG = "GIT-hash: ea9e28dbff98e331a62bcbcc63a6135808fe2917 build by root@{node}, 2010-03-22 10:18:34"


def header(node: str) -> str:
    """The first two lines of /proc/drbd on ``node``."""
    return f"{VERSION_LINE}\n{BUILD_TAG.format(node=node)}\n"


def _thousands(value: int) -> str:
    # drbd_proc.c's seq_printf_with_thousands_grouping; the 8.3.7 module only groups above 1000.
    if value > 1000:
        return f"{value // 1000},{value % 1000:03d}"
    return str(value)


def _flags(c: DemoCluster, name: str, node: str) -> str:
    rt = c.drbd[name]
    side = rt.sides[node]
    peer = rt.sides[drbd_sim.peer_of(c, node)]
    user = "u" if side.user_paused else "-"
    peer_isp = "p" if rt.connected and peer.user_paused else "-"
    return f"r-{peer_isp}{user}-"


def proc_drbd(c: DemoCluster, node: str) -> str:
    """The whole /proc/drbd of ``node``."""
    if c.generation == "modern":
        return render_drbd9.proc_drbd(node)
    lines = [VERSION_LINE, BUILD_TAG.format(node=node)]
    hole = True  # minor 0 is never configured: the first device line follows a blank line.
    for disk in c.topo.disks:
        rt = c.drbd[disk.name]
        side = rt.sides[node]
        if not side.up and not side.allocated:
            hole = True
            continue
        if hole:
            lines.append("")
            hole = False
        if not side.up:
            lines.append(f"{disk.minor:2d}: cs:Unconfigured")
            continue
        cs = drbd_sim.conn_state(c, rt, node)
        peer = rt.sides[drbd_sim.peer_of(c, node)]
        linked = rt.connected
        proto = " C " if side.want_connect else "   "
        ro = f"{side.role}/{peer.role if linked else 'Unknown'}"
        ds = f"{side.disk}/{peer.disk if linked else 'DUnknown'}"
        lines.append(f"{disk.minor:2d}: cs:{cs} ro:{ro} ds:{ds}{proto}{_flags(c, disk.name, node)}")
        k = {key: int(v) for key, v in side.counters.items()}
        pe = 1 if rt.sync is not None and cs in ("SyncSource", "SyncTarget") else 0
        lines.append(
            f"    ns:{k['ns']} nr:{k['nr']} dw:{k['dw']} dr:{k['dr']} al:{k['al']} bm:{k['bm']} "
            f"lo:0 pe:{pe} ua:0 ap:0 ep:1 wo:b oos:{int(side.oos_kib) // BIT_KIB * BIT_KIB}"
        )
        lines += _progress(c, disk.name, cs)
    return "\n".join(lines) + "\n"


def _progress(c: DemoCluster, name: str, cs: str) -> list[str]:
    sync = c.drbd[name].sync
    if sync is None:
        return []
    if cs in ("VerifyS", "VerifyT"):
        total = int(sync.total_kib) // BIT_KIB
        done = total - int(sync.left_kib) // BIT_KIB
        return [f"\t{done // (total // 100 + 1):3d}%      {done}/{total}"]
    if cs not in ("SyncSource", "SyncTarget"):
        return []
    per_mil, left_kib, eta, speed, average = drbd_sim.progress(sync, c.t)
    x = per_mil // 50
    bar = "=" * max(0, x - 1) + ">" + "." * (20 - x)
    total_bits = int(sync.total_kib) // BIT_KIB
    if total_bits > 0x100000:
        amounts = f"({left_kib // BIT_KIB >> 10 << 2}/{total_bits >> 10 << 2})M"
    else:
        amounts = f"({left_kib}/{total_bits * BIT_KIB})K"
    eta_text = f"{eta // 3600}:{eta % 3600 // 60:02d}:{eta % 60:02d}"
    return [
        f"\t[{bar}] sync'ed:{per_mil // 10:3d}.{per_mil % 10}% {amounts}",
        f"\tfinish: {eta_text} speed: {_thousands(speed)} ({_thousands(average)}) K/sec",
    ]


def drbdadm_status(c: DemoCluster, node: str, names: list[str]) -> str:
    """8.3.7's ``drbdadm status``: XML, one element per resource in configuration order.

    As drbdsetup's ``status_xml_scmd`` prints it: the pause reasons are bare words (``user_isp``),
    which makes it not quite XML, and a resync adds ``resynced_percent`` (per-mille, one decimal).
    """
    lines = ['<drbd-status version="8.3.7" api="88">', '<resources config_file="/etc/drbd.conf">']
    for disk in c.topo.disks:
        if names not in ([], ["all"]) and disk.name not in names:
            continue
        rt = c.drbd[disk.name]
        side = rt.sides[node]
        head = f'<resource minor="{disk.minor}" name="{disk.name}"'
        if not side.allocated:
            lines.append(
                f'<!-- resource minor="{disk.minor}" name="{disk.name}" not available or not yet created -->'
            )
            continue
        if not side.up:
            lines.append(f'{head} cs="Unconfigured" />')
            continue
        cs = drbd_sim.conn_state(c, rt, node)
        peer = rt.sides[drbd_sim.peer_of(c, node)]
        linked = rt.connected
        text = (
            f'{head} cs="{cs}" ro1="{side.role}" ro2="{peer.role if linked else "Unknown"}"'
            f' ds1="{side.disk}" ds2="{peer.disk if linked else "DUnknown"}"'
        )
        if linked and peer.user_paused:
            text += " peer_isp"
        if side.user_paused:
            text += " user_isp"
        if rt.sync is not None and cs not in ("StandAlone", "WFConnection"):
            per_mil = drbd_sim.progress(rt.sync, c.t)[0]
            text += f' resynced_percent="{per_mil // 10}.{per_mil % 10}"'
        lines.append(text + " />")
    return "\n".join([*lines, "</resources>", "</drbd-status>"]) + "\n"


def _pad(indent: int, key: str) -> str:
    # drbdadm pads keys to 24 - 4*indent columns, then one space.
    return f"{'    ' * indent}{key:<{24 - 4 * indent}} "


def drbdadm_dump(c: DemoCluster, node: str) -> str:
    """``drbdadm dump all`` on ``node``: the common section, then every resource and its hosts."""
    lines = [
        "# /etc/drbd.conf",
        "common {",
        f"{_pad(1, 'protocol')}C;",
        "    syncer {",
        f"{_pad(2, 'rate')}100M;",
        "    }",
        "}",
        "",
    ]
    for disk in c.topo.disks:
        lines += [f"# resource {disk.name} on {node}: not ignored, not stacked", f"resource {disk.name} {{"]
        for host in c.topo.drbd_nodes:
            ndef = c.topo.node(host)
            addr = ndef.ring0 if ndef else ""
            lines += [
                f"    on {host} {{",
                f"{_pad(2, 'device')}/dev/drbd{disk.minor} minor {disk.minor};",
                f"{_pad(2, 'disk')}/dev/{disk.vg}/{disk.name};",
                f"{_pad(2, 'address')}ipv4 {addr}:{disk.port};",
                f"{_pad(2, 'meta-disk')}internal;",
                "    }",
            ]
        lines += ["}", ""]
    return "\n".join(lines)
