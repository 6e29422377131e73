"""Provides the demo's storage commands: LVM (``lvm version``, ``pvs``, ``vgs``, ``lvs``, ``lvcreate``,
``lvremove``), ``iscsiadm -m session`` and ``df``.

The seed generation plays lenny's LVM 2.02.39 (no JSON report: ``--reportformat`` is an unknown
option there, refused the way its getopt and LVM refuse it) and open-iscsi 2.0.870 (no
``(non-flash)`` after a session, ``(null)`` for an unset interface field); the modern one plays
bookworm's LVM 2.03.16 and open-iscsi 2.1.8. What they print is rendered from ``storage_sim``.
"""

from __future__ import annotations

import hashlib
import re
from typing import TYPE_CHECKING

from hatui.demo import render_lvm, storage_sim
from hatui.demo.commands import Handler, Outcome, parse_opts, spec
from hatui.demo.render_lvm import Report

if TYPE_CHECKING:
    from hatui.demo.cluster import DemoCluster

LVM_VERSION = {
    "seed": "  LVM version:     2.02.39 (2008-06-27)\n"
    "  Library version: 1.02.27 (2008-06-25)\n"
    "  Driver version:  4.13.0\n",
    "modern": "  LVM version:     2.03.16(2) (2022-05-18)\n"
    "  Library version: 1.02.185 (2022-05-18)\n"
    "  Driver version:  4.47.0\n"
    "  Configuration:   ./configure --build=x86_64-linux-gnu --prefix=/usr --sbindir=/sbin"
    " --with-default-run-dir=/run/lvm --enable-cmdlib --enable-dmeventd --enable-lvmpolld\n",
}
#: The exit status LVM gives a command line it cannot parse (EINVALID_CMD_LINE), and a failed one.
BAD_CMDLINE, FAILED = 3, 5
REPORT_SPEC = spec(
    "o|options=", "a|all", "units=", "nosuffix", "noheadings", "separator=", "unbuffered",
    "reportformat=", "config=", "O|sort=",
)  # fmt: skip
SEED_NO = ("--reportformat",)
_UUID_CHARS = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
#: A session's (connection, session, internal iscsid) states: up, and in recovery after the portal went away.
LOGGED_IN = ("LOGGED IN", "LOGGED_IN", "NO CHANGE")
RECOVERING = ("TRANSPORT WAIT", "FAILED", "REOPEN")


def _bad_option(prog: str, option: str, generation: str) -> Outcome:
    # lenny's glibc getopt quoted with a backquote; today's with straight quotes.
    quoted = f"`{option}'" if generation == "seed" else f"'{option}'"
    return Outcome(
        BAD_CMDLINE, "", f"{prog}: unrecognized option {quoted}\n  Error during parsing of command line.\n"
    )


def lvm(c: DemoCluster, node: str, args: tuple[str, ...], stdin: str | None) -> Outcome:
    """``lvm version`` and ``lvm pvs|vgs|lvs|lvcreate|lvremove ...``."""
    if not args:
        return Outcome(0, "", "")
    if args[0] == "version":
        return Outcome(0, LVM_VERSION[c.generation])
    handler = HANDLERS.get(args[0])
    if handler is None or args[0] in ("lvm", "iscsiadm", "df"):
        return Outcome(BAD_CMDLINE, "", f"  No such command '{args[0]}'.  Try 'help'.\n")
    return handler(c, node, args[1:], stdin)


def _report(c: DemoCluster, node: str, prog: str, report: Report, args: tuple[str, ...]) -> Outcome:
    storage_sim.refresh_rates(c)
    seed = c.generation == "seed"
    for arg in args:
        if seed and arg.split("=", 1)[0] in SEED_NO:
            return _bad_option(prog, arg.split("=", 1)[0], c.generation)
    opts, words, error = parse_opts(args, REPORT_SPEC)
    if error is not None:
        return _bad_option(prog, error.split()[-1], c.generation)
    fmt = opts.get("reportformat", "basic")
    if fmt not in ("basic", "json"):
        return Outcome(BAD_CMDLINE, "", f'  Unknown report format "{fmt}"\n')
    fields = list(report.defaults[c.generation])
    if "options" in opts:
        wanted = opts["options"]
        extra = wanted.startswith("+")
        names = [n.strip() for n in wanted.lstrip("+").split(",") if n.strip()]
        resolved = [render_lvm.field_name(report, n, c.generation) for n in names]
        unknown = [n for n, r in zip(names, resolved, strict=True) if r is None]
        if unknown:
            return Outcome(BAD_CMDLINE, "", f"  Unrecognised field: {unknown[0]}\n")
        fields = (fields if extra else []) + [r for r in resolved if r is not None]
    rows, err = _rows(c, node, report, words)
    if err is not None:
        return err
    style = render_lvm.Style(
        c.generation,
        units=opts.get("units"),
        nosuffix="nosuffix" in opts,
        headings="noheadings" not in opts,
        separator=opts.get("separator"),
        json=fmt == "json",
    )
    return Outcome(0, render_lvm.render(report, rows, fields, style), _missing_warnings(c, node))


def _uuid(seed: str) -> str:
    """A PV UUID in LVM's 6-4-4-4-4-4-6 form, the same for the same PV."""
    digest = hashlib.sha256(seed.encode()).digest()
    chars = "".join(_UUID_CHARS[b % len(_UUID_CHARS)] for b in digest[:32])
    parts, at = [], 0
    for n in (6, 4, 4, 4, 4, 4, 6):
        parts.append(chars[at : at + n])
        at += n
    return "-".join(parts)


def _missing_warnings(c: DemoCluster, node: str) -> str:
    """What every LVM command prints on stderr while a PV is missing (stdout stays the report)."""
    out = ""
    for vg in c.storage[node].vgs.values():
        for pv in (p for p in vg.pvs if p.missing):
            uuid = _uuid(f"{node}:{pv.name}")
            if c.generation == "seed":
                out += f"  Couldn't find device with uuid '{uuid}'.\n"
            else:
                out += f"  WARNING: Couldn't find device with uuid {uuid}.\n"
                out += f"  WARNING: VG {vg.name} is missing PV {uuid} (last written to {pv.name}).\n"
    return out


def _rows(
    c: DemoCluster, node: str, report: Report, words: list[str]
) -> tuple[list[render_lvm.Row], Outcome | None]:
    st = c.storage[node]
    make = {"lv": render_lvm.lv_rows, "vg": render_lvm.vg_rows, "pv": render_lvm.pv_rows}[report.kind]
    rows = make(c, node)
    if not words:
        return rows, None
    keep: list[render_lvm.Row] = []
    for word in words:
        vg, _, lv = word.removeprefix("/dev/").partition("/")
        if report.kind == "pv":
            keep += [r for r in rows if r["pv_name"] == word]
            continue
        if vg not in st.vgs:
            tail = "" if c.generation == "seed" else f"  Cannot process volume group {vg}\n"
            return [], Outcome(FAILED, "", f'  Volume group "{vg}" not found\n{tail}')
        if lv and st.lv(vg, lv) is None:
            if c.generation == "seed":
                return [], Outcome(FAILED, "", "  One or more specified logical volume(s) not found.\n")
            return [], Outcome(FAILED, "", f'  Failed to find logical volume "{vg}/{lv}"\n')
        keep += [r for r in rows if r["vg_name"] == vg and (not lv or r.get("lv_name") == lv)]
    return keep, None


def pvs(c: DemoCluster, node: str, args: tuple[str, ...], stdin: str | None) -> Outcome:
    """``pvs [options] [PV...]``."""
    return _report(c, node, "pvs", render_lvm.PVS, args)


def vgs(c: DemoCluster, node: str, args: tuple[str, ...], stdin: str | None) -> Outcome:
    """``vgs [options] [VG...]``."""
    return _report(c, node, "vgs", render_lvm.VGS, args)


def lvs(c: DemoCluster, node: str, args: tuple[str, ...], stdin: str | None) -> Outcome:
    """``lvs [options] [VG|VG/LV...]``."""
    return _report(c, node, "lvs", render_lvm.LVS, args)


def _size_arg(text: str) -> int | None:
    m = re.fullmatch(r"(\d+(?:\.\d+)?)([bBsSkKmMgGtT]?)", text)
    if m is None:
        return None
    unit = (m.group(2) or "m").lower()
    scale = {"b": 1, "s": 512, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}[unit]
    return int(float(m.group(1)) * scale)


def lvcreate(c: DemoCluster, node: str, args: tuple[str, ...], stdin: str | None) -> Outcome:
    """``lvcreate [-s] -L SIZE -n NAME VG|VG/ORIGIN``."""
    storage_sim.refresh_rates(c)
    opts, words, error = parse_opts(
        args,
        spec("s|snapshot", "L|size=", "n|name=", "a|activate=", "driverloaded=", "y|yes", "c|chunksize="),
    )
    if error is not None:
        return _bad_option("lvcreate", error.split()[-1], c.generation)
    size = _size_arg(opts.get("size", ""))
    name = opts.get("name")
    if size is None or name is None or len(words) != 1:
        return Outcome(
            BAD_CMDLINE,
            "",
            "  Please specify a logical volume name and size.\n"
            "  Run `lvcreate --help' for more information.\n",
        )
    st = c.storage[node]
    vg, _, origin_name = words[0].removeprefix("/dev/").partition("/")
    if vg not in st.vgs:
        return Outcome(FAILED, "", f'  Volume group "{vg}" not found\n')
    origin = st.lv(vg, origin_name) if origin_name else None
    if "snapshot" in opts and origin is None:
        return Outcome(FAILED, "", f'  Failed to find logical volume "{vg}/{origin_name}"\n')
    if st.lv(vg, name) is not None:
        return Outcome(FAILED, "", f'  Logical Volume "{name}" already exists in volume group "{vg}"\n')
    if origin is not None and origin.snap is not None:
        return Outcome(FAILED, "", "  Snapshots of snapshots are not supported.\n")
    if any(pv.missing for pv in st.vgs[vg].pvs):
        return Outcome(FAILED, "", f"  Cannot change VG {vg} while PVs are missing.\n")
    need = -(-size // storage_sim.EXTENT)
    free = st.vg_free(vg) // storage_sim.EXTENT
    if need > free:
        if c.generation == "seed":
            return Outcome(
                FAILED, "", f"  Insufficient free extents ({free}) in volume group {vg}: {need} required\n"
            )
        return Outcome(
            FAILED,
            "",
            f'  Volume group "{vg}" has insufficient free space ({free} extents): {need} required.\n',
        )
    if origin is not None:
        storage_sim.create_snapshot(c, node, origin, name, size)
    else:
        st.lvs.append(storage_sim.Lv(vg, name, need * storage_sim.EXTENT, c.epoch_now()))
    done = "created" if c.generation == "seed" else "created."
    return Outcome(0, f'  Logical volume "{name}" {done}\n')


def lvremove(c: DemoCluster, node: str, args: tuple[str, ...], stdin: str | None) -> Outcome:
    """``lvremove [-f] VG/LV...``: a snapshot, or an LV nothing holds open."""
    storage_sim.refresh_rates(c)
    opts, words, error = parse_opts(args, spec("f|force", "y|yes"))
    if error is not None:
        return _bad_option("lvremove", error.split()[-1], c.generation)
    if not words:
        return Outcome(BAD_CMDLINE, "", "  Please enter one or more logical volume paths\n")
    st = c.storage[node]
    out, err, status = "", "", 0
    for word in words:
        vg, _, name = word.removeprefix("/dev/").partition("/")
        lv = st.lv(vg, name)
        if lv is None:
            err += f'  Failed to find logical volume "{vg}/{name}"\n'
            status = FAILED
            continue
        if storage_sim.lv_open(c, node, lv) or st.snapshots_of(lv):
            err += f"  Logical volume {vg}/{name} in use.\n"
            status = FAILED
            continue
        if "force" not in opts and "yes" not in opts and not (stdin or "").lower().startswith("y"):
            out += f"Do you really want to remove active logical volume {name}? [y/n]: "
            err += f"  Logical volume {name} not removed\n"
            status = FAILED
            continue
        storage_sim.remove_lv(c, node, lv)
        out += f'  Logical volume "{name}" successfully removed{"" if c.generation == "seed" else "."}\n'
    return Outcome(status, out, err)


def iscsiadm(c: DemoCluster, node: str, args: tuple[str, ...], stdin: str | None) -> Outcome:
    """``iscsiadm -m session [-P 0|1|3]``."""
    opts, _, error = parse_opts(args, spec("m|mode=", "P|print="))
    if error is not None or opts.get("mode") != "session":
        return Outcome(7, "", "iscsiadm: the demo knows -m session [-P N] only\n")
    sessions = c.storage[node].sessions
    if not sessions:
        return Outcome(21, "", "iscsiadm: No active sessions.\n")
    level = int(opts.get("print", "0")) if opts.get("print", "0").isdigit() else 0
    return Outcome(0, _sessions(c, node, sessions, level))


def _sessions(c: DemoCluster, node: str, sessions: list[storage_sim.Session], level: int) -> str:
    seed = c.generation == "seed"
    ndef = c.topo.node(node)
    if level == 0:
        tail = "" if seed else " (non-flash)"
        return "".join(f"tcp: [{s.sid}] {storage_sim.PORTAL} {s.target}{tail}\n" for s in sessions)
    unset = "(null)" if seed else "<empty>"
    lines = ["iSCSI Transport Class version 2.0-870", "version 2.0-870"] if level >= 3 and seed else []
    if level >= 3 and not seed:
        lines += ["iSCSI Transport Class version 2.0-870", "version 2.1.8"]
    for s in sessions:
        conn, state, internal = RECOVERING if s.recovering else LOGGED_IN
        lines += [
            f"Target: {s.target}",
            f"\tCurrent Portal: {storage_sim.PORTAL}",
            f"\tPersistent Portal: {storage_sim.PORTAL}",
            "\t\t**********",
            "\t\tInterface:",
            "\t\t**********",
            "\t\tIface Name: default",
            "\t\tIface Transport: tcp",
            f"\t\tIface Initiatorname: iqn.1993-08.org.debian:01:{node}",
            f"\t\tIface IPaddress: 10.0.0.{ndef.node_id if ndef else 0}",
            f"\t\tIface HWaddress: {unset}",
            f"\t\tIface Netdev: {unset}",
            f"\t\tSID: {s.sid}",
            f"\t\tiSCSI Connection State: {conn}",
            f"\t\tiSCSI Session State: {state}",
            f"\t\tInternal iscsid Session State: {internal}",
        ]
        if level >= 3:
            disk = "sdf" if s.target.endswith("vmstore") else "sde"
            disk_state = "transport-offline" if s.recovering else "running"
            lines += [
                "\t\t************************",
                "\t\tAttached SCSI devices:",
                "\t\t************************",
                f"\t\tHost Number: {s.sid + 2}\tState: running",
                f"\t\tscsi{s.sid + 2} Channel 00 Id 0 Lun: 0",
                f"\t\t\tAttached scsi disk {disk}\t\tState: {disk_state}",
            ]
    return "\n".join(lines) + "\n"


def df(c: DemoCluster, node: str, args: tuple[str, ...], stdin: str | None) -> Outcome:
    """``df [-P] [-T] [-h|-k|-B1]``, the pseudo filesystems included as df lists them."""
    flags = "".join(a[1:] for a in args if a.startswith("-") and not a.startswith("--"))
    block = 1 if "B1" in args or "-B1" in args else 1024
    human = "h" in flags.replace("B1", "")
    typed = "T" in flags
    seed = c.generation == "seed"
    pseudo = (
        [("tmpfs", "tmpfs", "/lib/init/rw"), ("udev", "tmpfs", "/dev"), ("tmpfs", "tmpfs", "/dev/shm")]
        if seed
        else [("udev", "devtmpfs", "/dev"), ("tmpfs", "tmpfs", "/run"), ("tmpfs", "tmpfs", "/dev/shm")]
    )
    rows = [storage_sim.Mount(dev, fs, 512 * storage_sim.MIB, 0, mp) for dev, fs, mp in pseudo[:1]]
    rows += c.storage[node].mounts[:1] + [
        storage_sim.Mount(dev, fs, 512 * storage_sim.MIB, 0, mp) for dev, fs, mp in pseudo[1:]
    ]
    rows += c.storage[node].mounts[1:]
    size_head = "Size" if human else f"{block if block == 1 else 1024}-blocks"
    head = [
        "Filesystem",
        *(["Type"] if typed else []),
        size_head,
        "Used",
        "Available" if not human else "Avail",
    ]
    head += ["Capacity" if "P" in flags else "Use%", "Mounted on"]
    table = [head]
    for m in rows:
        avail = m.size_bytes - m.used_bytes
        pct = -(-m.used_bytes * 100 // m.size_bytes) if m.size_bytes else 0
        nums = [m.size_bytes, m.used_bytes, avail]
        cells = [_human_df(n) for n in nums] if human else [str(n // block) for n in nums]
        table.append([m.device, *([m.fstype] if typed else []), *cells, f"{pct}%", m.mountpoint])
    widths = [max(len(r[i]) for r in table) for i in range(len(head) - 1)]
    lines = []
    for r in table:
        parts = [
            v.ljust(w) if i < (2 if typed else 1) else v.rjust(w)
            for i, (v, w) in enumerate(zip(r[:-1], widths, strict=True))
        ]
        lines.append(" ".join(parts) + " " + r[-1])
    return Outcome(0, "\n".join(lines) + "\n")


def _human_df(n: int) -> str:
    for unit, scale in (("T", 1024**4), ("G", 1024**3), ("M", 1024**2), ("K", 1024)):
        if n >= scale:
            value = n / scale
            return f"{value:.1f}{unit}" if value < 10 else f"{round(value)}{unit}"
    return str(n)


HANDLERS: dict[str, Handler] = {
    "lvm": lvm,
    "pvs": pvs,
    "vgs": vgs,
    "lvs": lvs,
    "lvcreate": lvcreate,
    "lvremove": lvremove,
    "iscsiadm": iscsiadm,
    "df": df,
}
#: The programs these handlers play, installed on every node.
PROGRAMS = tuple(HANDLERS)
