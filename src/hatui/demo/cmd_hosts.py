"""Provides the demo's hypervisor and Corosync commands of each generation.

Seed (Xen 3.2.1, Corosync 1.2.1): ``xm info`` (``"%-23s: value"`` lines in XendNode's order),
``xm console``/``xm migrate [-l|--live] DOM HOST``, ``xentop -b`` (header and rows per sample, no
summary lines, STATE flags ``dsbcpr``, CPU(%) 0.0 in the first sample), ``corosync -v`` and
``corosync-cfgtool -s`` with two rings (a FAULTY ring keeps its mark until ``-r``, which clears it
cluster-wide and prints ``Re-enabling all failed rings.``). Modern (Xen 4.17, Corosync 3.1.7):
``xl list/info/console/migrate``, the wider ``xentop`` and knet's ``LINK ID`` status.

Host memory is consistent with the domains: free = total - dom0 - the running guests.
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING

from hatui.demo.commands import Outcome
from hatui.demo.render_misc import xm_list

if TYPE_CHECKING:
    from hatui.demo.cluster import DemoCluster

#: Physical memory Xen reports per node (MiB): the reference's 16, 16 and 8 GB machines.
TOTAL_MIB = {"vnode1": 16378, "vnode2": 16378, "vnode3": 8186}
COROSYNC_1 = (
    "Corosync Cluster Engine, version '1.2.1' SVN revision '2723'\nCopyright (c) 2006-2009 Red Hat, Inc.\n"
)
COROSYNC_3 = (
    "Corosync Cluster Engine, version '3.1.7'\nCopyright (c) 2006-2021 Red Hat, Inc.\n\n"
    "Built-in features: dbus monitoring watchdog augeas systemd xmlconf vqsim nozzle snmp pie relro bindnow\n"
    "Available crypto models: nss openssl\n"
    "Available compression models: zlib lz4 lz4hc lzo2 lzma bzip2 zstd\n"
)


def memory(c: DemoCluster, node: str) -> tuple[int, int]:
    """(total, free) MiB of ``node``'s hypervisor."""
    ndef = c.topo.node(node)
    total = TOTAL_MIB.get(node, 8186)
    used = (ndef.dom0_mem_mib if ndef else 1024) + sum(d.mem_mib for d in c.nodes[node].domains.values())
    return total, max(0, total - used)


def _info(c: DemoCluster, node: str, seed: bool) -> str:
    ndef = c.topo.node(node)
    cpus = ndef.cpus if ndef else 4
    total, free = memory(c, node)
    rows = [
        ("host", node),
        ("release", "2.6.26-2-xen-amd64" if seed else "6.1.0-23-amd64"),
        (
            "version",
            "#1 SMP Thu Nov 25 06:39:26 UTC 2010" if seed else "#1 SMP PREEMPT_DYNAMIC Debian 6.1.99-1",
        ),
        ("machine", "x86_64"),
        ("nr_cpus", str(cpus)),
        ("nr_nodes", "1"),
        ("cores_per_socket", "4"),
        ("threads_per_core", "1"),
        ("cpu_mhz", "2327"),
        ("hw_caps", "bfebfbff:20100800:00000000:00000140:000ce3bd:00000000:00000001"),
        ("total_memory", str(total)),
        ("free_memory", str(free)),
    ]
    if seed:
        rows += [
            ("node_to_cpu", f"node0:0-{cpus - 1}"),
            ("node_to_memory", f"node0:{free}"),
            ("xen_major", "3"),
            ("xen_minor", "2"),
            ("xen_extra", "-1"),
            ("xen_caps", "xen-3.0-x86_64 xen-3.0-x86_32p hvm-3.0-x86_32 hvm-3.0-x86_32p hvm-3.0-x86_64 "),
            ("xen_scheduler", "credit"),
            ("xen_pagesize", "4096"),
            ("platform_params", "virt_start=0xffff800000000000"),
            ("xen_changeset", "unavailable"),
            ("cc_compiler", "gcc version 4.3.2 (Debian 4.3.2-1.1) "),
            ("cc_compile_by", "waldi"),
            ("cc_compile_domain", "debian.org"),
            ("cc_compile_date", "Wed Oct 27 13:14:39 UTC 2010"),
            ("xend_config_format", "4"),
        ]
    else:
        rows += [
            ("sharing_freed_memory", "0"),
            ("sharing_used_memory", "0"),
            ("outstanding_claims", "0"),
            ("free_cpus", "0"),
            ("xen_major", "4"),
            ("xen_minor", "17"),
            ("xen_extra", ".4-pre"),
            ("xen_version", "4.17.4-pre"),
            ("xen_caps", "xen-3.0-x86_64 hvm-3.0-x86_32 hvm-3.0-x86_32p hvm-3.0-x86_64 "),
            ("xen_scheduler", "credit2"),
            ("xen_pagesize", "4096"),
            ("platform_params", "virt_start=0xffff800000000000"),
            ("xen_changeset", ""),
            ("xen_commandline", f"placeholder dom0_mem={ndef.dom0_mem_mib if ndef else 1024}M"),
            ("cc_compiler", "x86_64-linux-gnu-gcc (Debian 12.2.0-14) 12.2.0"),
            ("cc_compile_by", "pkg-xen-devel"),
            ("cc_compile_domain", "lists.alioth.debian.org"),
            ("cc_compile_date", "Sun Feb  4 15:31:59 UTC 2024"),
            ("build_id", "d0c85ddff788a56b72811a274a9f56888198eb6e"),
            ("xend_config_format", "4"),
        ]
    return "".join(f"{k:<23}: {v}\n" for k, v in rows)


def hypervisor(c: DemoCluster, node: str, args: tuple[str, ...], tool: str) -> Outcome | None:
    """``info``, ``console`` and ``migrate`` of ``xm``/``xl``; None for what ``cmd_system`` answers."""
    if not args:
        return None
    sub, rest = args[0], [a for a in args[1:] if not a.startswith("-")]
    rt = c.nodes[node]
    if sub == "info":
        return Outcome(0, _info(c, node, tool == "xm"))
    if sub == "console":
        if not rest or rest[0] not in rt.domains:
            name = rest[0] if rest else ""
            return Outcome(
                1,
                "",
                f"Error: Domain '{name}' does not exist.\n"
                if tool == "xm"
                else f"{name} is an invalid domain identifier (rc=-6)\n",
            )
        return Outcome(0, f"\nDebian GNU/Linux 5.0 {rest[0]} hvc0\n\n{rest[0]} login: ")
    if sub == "migrate":
        return _migrate(c, node, tool, rest)
    return None


def _migrate(c: DemoCluster, node: str, tool: str, rest: list[str]) -> Outcome:
    if len(rest) != 2:
        return Outcome(
            1,
            "",
            "Error: 'xm migrate' requires between 2 and 2 arguments.\n"
            if tool == "xm"
            else "'xl migrate' requires at least 2 arguments.\n",
        )
    name, host = rest
    rt = c.nodes[node]
    dom = rt.domains.get(name)
    if dom is None:
        return Outcome(1, "", f"Error: Domain '{name}' does not exist.\n")
    dest = c.nodes.get(host)
    if dest is None or dest.power != "up":
        return Outcome(1, "", "Error: can't connect: Connection refused\n")
    vm = c.topo.vm(name)
    for disk in vm.disks if vm else ():
        side = c.drbd[disk.name].sides.get(host)
        if side is None or not side.up:
            return Outcome(
                1, "", "Error: Device 51713 (vbd) could not be connected. Backend device not found.\n"
            )
    del rt.domains[name]
    dom.domid, dest.next_domid = dest.next_domid, dest.next_domid + 1
    dest.domains[name] = dom
    for disk in vm.disks if vm else ():
        c.drbd[disk.name].sides[host].role = "Primary"
        c.drbd[disk.name].sides[node].role = "Secondary"
    c.log(f"xen: {tool} migrate {name} {node} -> {host} (behind Pacemaker's back)")
    return Outcome(0)


def xentop(c: DemoCluster, node: str, args: tuple[str, ...], stdin: str | None) -> Outcome:
    """``xentop -b [-i N] [-d S]``: ``N`` samples, each a header and one row per domain."""
    if "-b" not in args and "--batch" not in args:
        return Outcome(1, "", "xentop: the demo cluster runs batch mode only (-b)\n")
    count = 1
    for flag in ("-i", "--iterations"):
        if flag in args and args.index(flag) + 1 < len(args) and args[args.index(flag) + 1].isdigit():
            count = int(args[args.index(flag) + 1])
    seed = c.generation == "seed"
    head = (
        "      NAME  STATE   CPU(sec) CPU(%)     MEM(k) MEM(%)  MAXMEM(k) MAXMEM(%) VCPUS NETS NETTX(k) "
        "NETRX(k) VBDS   VBD_OO   VBD_RD   VBD_WR" + ("" if seed else "  VBD_RSECT  VBD_WSECT") + " SSID"
    )
    out = []
    for sample in range(max(1, count)):
        out.append(head)
        out += _rows(c, node, first=sample == 0, seed=seed)
    return Outcome(0, "\n".join(out) + "\n")


def _rows(c: DemoCluster, node: str, *, first: bool, seed: bool) -> list[str]:
    from hatui.demo.render_misc import DOM0_LOAD

    rt = c.nodes[node]
    ndef = c.topo.node(node)
    total, _ = memory(c, node)
    doms = [
        (
            "Domain-0",
            ndef.dom0_mem_mib if ndef else 1024,
            ndef.cpus if ndef else 1,
            DOM0_LOAD.get(node, 0.1),
            rt.booted_at,
            0.0,
        )
    ]
    doms += [
        (d.name, d.mem_mib, d.vcpus, d.load, d.started_at, d.cpu_at_start)
        for d in sorted(rt.domains.values(), key=lambda d: d.domid)
    ]
    rows = []
    for name, mem, vcpus, load, since, base in doms:
        cpu_s = int(base + load * max(0.0, c.t - since))
        pct = 0.0 if first else load * 100.0
        kib = mem * 1024
        share = 100.0 * mem / total
        state = "-----r" if name == "Domain-0" else "--b---"
        nets, vbds = (0, 0) if name == "Domain-0" else (1, 2)
        row = (
            f"{name:>10} {state:>6} {cpu_s:>10} {pct:>6.1f} {kib:>10} {share:>6.1f} {kib:>10} {share:>9.1f} "
            f"{vcpus:>5} {nets:>4} {0:>8} {0:>8} {vbds:>4} {0:>8} {0:>8} {0:>8}"
        )
        rows.append(row + ("" if seed else f" {0:>10} {0:>10}") + f" {0:>4}")
    return rows


def xl(c: DemoCluster, node: str, args: tuple[str, ...], stdin: str | None) -> Outcome:
    """``xl list``, ``info``, ``console``, ``migrate`` (Xen 4.17)."""
    if not args:
        return Outcome(1, "", "Usage xl [-vfNtT] <subcommand> [args]\n")
    answer = hypervisor(c, node, args, "xl")
    if answer is not None:
        return answer
    if args[0] == "list":
        return Outcome(0, xm_list(c, node))
    return Outcome(1, "", "command not implemented\n")


def corosync(c: DemoCluster, node: str, args: tuple[str, ...], stdin: str | None) -> Outcome:
    """``corosync -v``."""
    if "-v" not in args:
        return Outcome(1, "", "corosync: the demo cluster answers -v only\n")
    return Outcome(0, COROSYNC_1 if c.generation == "seed" else COROSYNC_3)


def node_id_1x(addr: str) -> int:
    """Corosync 1.x's automatic node id: the ring 0 IPv4 address read as a little-endian integer."""
    return int.from_bytes(ipaddress.IPv4Address(addr).packed, "little")


def cfgtool(c: DemoCluster, node: str, args: tuple[str, ...], stdin: str | None) -> Outcome:
    """``corosync-cfgtool -s`` / ``-r`` of Corosync 1.2.1 (two rings) or 3 (two knet links)."""
    seed = c.generation == "seed"
    if not c.pcmk_online(node):
        err = (
            "Could not initialize corosync configuration API error 6\n"
            if seed
            else "Could not initialize corosync configuration API error CS_ERR_LIBRARY\n"
        )
        return Outcome(1, "Printing ring status.\n" if seed else "", err)
    if "-r" in args:
        for rt in c.nodes.values():
            rt.ring_faulty.clear()
        c.log(f"corosync: corosync-cfgtool -r on {node}: rings re-enabled")
        return Outcome(0, "Re-enabling all failed rings.\n")
    if "-s" not in args:
        return Outcome(1, "", "corosync-cfgtool: the demo cluster answers -s and -r\n")
    ndef = c.topo.node(node)
    if ndef is None:
        return Outcome(1)
    faulty = c.nodes[node].ring_faulty
    if not seed:
        from hatui.demo.render_misc import cfgtool as modern_cfgtool

        return Outcome(0, modern_cfgtool(c, node))
    lines = ["Printing ring status.", f"Local node ID {node_id_1x(ndef.ring0)}"]
    for ring, addr in ((0, ndef.ring0), (1, ndef.ring1)):
        status = f"ring {ring} active with no faults"
        if ring in faulty:
            # The typo is corosync's own (exec/totemrrp.c).
            seqid = c.cib.ring_seq * 37 + 11
            status = (
                f"Marking seqid {seqid} ringid {ring} interface {addr} FAULTY - "
                "adminisrtative intervention required."
            )
        lines += [f"RING ID {ring}", f"\tid\t= {addr}", f"\tstatus\t= {status}"]
    return Outcome(0, "\n".join(lines) + "\n")
