"""Provides the demo's system commands: ``xm``, Corosync tools, ``head``/``cat``, ``sh -c`` and friends.

vnode3 has no DRBD: no ``/proc/drbd`` (``head`` fails as on a host without the module) and no
drbd8-utils (``drbdadm`` is not found). ``sh -c`` understands hatui's tool probe (``for t in ...;
do command -v $t ...``), hatui's backup wrapper (``backup_emu``) and plain commands; it refuses other
shell syntax.
"""

from __future__ import annotations

import re
import shlex
from typing import TYPE_CHECKING

from hatui.demo import backup_emu, cmd_drbd, cmd_hosts, cmd_storage, drbd_sim
from hatui.demo.commands import Handler, Outcome
from hatui.demo.render_drbd import proc_drbd
from hatui.demo.render_misc import quorumtool, xm_list
from hatui.demo.state import Domain

if TYPE_CHECKING:
    from hatui.demo.cluster import DemoCluster

COMMON = (
    "crm_mon",
    "cibadmin",
    "crm_resource",
    "crm_attribute",
    "crm_standby",
    "crm",
    "corosync",
    "corosync-cfgtool",
    "xentop",
    "head",
    "cat",
    "sh",
    "hostname",
    "uname",
    "true",
)
#: What each generation adds: Pacemaker 1.0.9's own tools and xm; Corosync 2+'s quorumtool, xl and
#: Pacemaker 2's crm_failcount (a script over crm_resource --cleanup).
BY_GENERATION = {
    "seed": ("xm", "crm_failcount", "crm_node", "ptest"),
    "modern": ("xl", "corosync-quorumtool", "crm_failcount"),
}
DRBD_ONLY = ("drbdadm", "drbdsetup")
KERNEL = "2.6.26-2-xen-amd64"


def has_program(c: DemoCluster, node: str, prog: str) -> bool:
    """True when ``prog`` is installed on ``node``."""
    ndef = c.topo.node(node)
    if prog in DRBD_ONLY:
        return ndef is not None and ndef.drbd
    return prog in COMMON or prog in BY_GENERATION[c.generation] or prog in cmd_storage.PROGRAMS


def _files(c: DemoCluster, node: str) -> dict[str, str]:
    ndef = c.topo.node(node)
    files = {"/etc/hostname": f"{node}\n", "/proc/version": f"Linux version {KERNEL} (Debian {KERNEL})\n"}
    if ndef is not None and ndef.drbd:
        files["/proc/drbd"] = proc_drbd(c, node)
    return files


def head(c: DemoCluster, node: str, args: tuple[str, ...], stdin: str | None) -> Outcome:
    """``head [-n N] FILE``."""
    count, paths, rest = 10, [], list(args)
    while rest:
        arg = rest.pop(0)
        if arg == "-n" and rest:
            count = int(rest.pop(0)) if rest[0].isdigit() else count
        elif arg.startswith("-n") and arg[2:].isdigit():
            count = int(arg[2:])
        else:
            paths.append(arg)
    return _read(c, node, "head", paths, count)


def cat(c: DemoCluster, node: str, args: tuple[str, ...], stdin: str | None) -> Outcome:
    """``cat FILE...``."""
    return _read(c, node, "cat", list(args), None)


def _read(c: DemoCluster, node: str, prog: str, paths: list[str], count: int | None) -> Outcome:
    files = _files(c, node)
    out, err, status = "", "", 0
    for path in paths:
        if path not in files:
            what = f"cannot open '{path}' for reading" if prog == "head" else path
            err += f"{prog}: {what}: No such file or directory\n"
            status = 1
            continue
        text = files[path]
        out += "".join(text.splitlines(keepends=True)[:count]) if count is not None else text
    return Outcome(status, out, err)


def sh(c: DemoCluster, node: str, args: tuple[str, ...], stdin: str | None) -> Outcome:
    """``sh -c SCRIPT``: the tool probe, or one plain command."""
    if len(args) < 2 or args[0] != "-c":
        return Outcome(2, "", "sh: 0: the demo shell runs -c SCRIPT only\n")
    if len(args) > 2 and args[2] == backup_emu.JOB_NAME:  # hatui's backup wrapper, played
        return backup_emu.run(c, node, args[3:])
    if len(args) > 2 and args[2] == backup_emu.STOP_NAME:
        # The real stop script always exits 0; a job the demo plays ends with its caller's task.
        return Outcome(0)
    script = args[1]
    probe = re.match(r"\s*for t in ([^;]+);\s*do command -v \$t", script)
    if probe:
        found = [t for t in probe.group(1).split() if has_program(c, node, t)]
        return Outcome(0, "".join(f"{t}\n" for t in found))
    if re.search(r"[;&|<>`$(){}]", script):
        return Outcome(2, "", "sh: 1: the demo shell runs plain commands only\n")
    from hatui.demo.commands import execute

    try:
        words = tuple(shlex.split(script))
    except ValueError as exc:
        return Outcome(2, "", f"sh: 1: Syntax error: {exc}\n")
    return execute(c, node, words, stdin) if words else Outcome(0)


def true(c: DemoCluster, node: str, args: tuple[str, ...], stdin: str | None) -> Outcome:
    """``true``."""
    return Outcome(0)


def hostname(c: DemoCluster, node: str, args: tuple[str, ...], stdin: str | None) -> Outcome:
    """``hostname``."""
    return Outcome(0, f"{node}\n")


def uname(c: DemoCluster, node: str, args: tuple[str, ...], stdin: str | None) -> Outcome:
    """``uname [-n|-r|-s]``."""
    if "-n" in args:
        return Outcome(0, f"{node}\n")
    if "-r" in args:
        return Outcome(0, f"{KERNEL if c.generation == 'seed' else '6.1.0-23-amd64'}\n")
    return Outcome(0, "Linux\n")


def corosync_quorumtool(c: DemoCluster, node: str, args: tuple[str, ...], stdin: str | None) -> Outcome:
    """``corosync-quorumtool -s``; exit status 2 when the partition is not quorate, as 2.x does."""
    if not c.pcmk_online(node):
        return Outcome(1, "", "Cannot initialize QUORUM service\n")
    return Outcome(0 if c.quorate() else 2, quorumtool(c, node))


def xm(c: DemoCluster, node: str, args: tuple[str, ...], stdin: str | None) -> Outcome:
    """``xm list [NAME]``, ``create CFG``, ``shutdown``/``destroy NAME``; ``info``/``console``/``migrate``."""
    if not args:
        return Outcome(1, "Usage: xm <subcommand> [args]\n")
    answer = cmd_hosts.hypervisor(c, node, args, "xm")
    if answer is not None:
        return answer
    sub, rest = args[0], [a for a in args[1:] if not a.startswith("-")]
    rt = c.nodes[node]
    if sub == "list":
        missing = [n for n in rest if n not in rt.domains]
        if missing:
            return Outcome(1, "", f"Error: Domain '{missing[0]}' does not exist.\n")
        text = xm_list(c, node)
        if rest:
            keep = set(rest)
            lines = text.splitlines()
            text = "\n".join([lines[0]] + [ln for ln in lines[1:] if ln.split()[0] in keep]) + "\n"
        return Outcome(0, text)
    if sub == "create" and rest:
        return _create(c, node, rest[0])
    if sub in ("shutdown", "destroy") and rest:
        name = rest[0]
        if name not in rt.domains:
            return Outcome(1, "", f"Error: Domain '{name}' does not exist.\n")
        if sub == "destroy":
            del rt.domains[name]
        else:
            # A clean shutdown takes the guest a few seconds.
            c.after(3.0, lambda: _vanish(rt.domains, name))
        c.log(f"xen: xm {sub} {name} on {node}")
        return Outcome(0)
    return Outcome(1, "", f"Error: Subcommand {sub} not found\n")


def _vanish(domains: dict[str, Domain], name: str) -> None:
    domains.pop(name, None)


def _create(c: DemoCluster, node: str, cfg: str) -> Outcome:
    name = cfg.rsplit("/", 1)[-1].removesuffix(".cfg")
    vm = c.topo.vm(name)
    if vm is None:
        return Outcome(1, "", f'Error: CONFIG_FILE_NOT_FOUND\nUsing config file "{cfg}".\n')
    rt = c.nodes[node]
    if name in rt.domains:
        return Outcome(1, "", f"Error: Domain '{name}' already exists with ID '{rt.domains[name].domid}'\n")
    if vm.disks and not (c.topo.node(node) and c.topo.node(node).drbd):  # type: ignore[union-attr]
        return Outcome(1, f'Using config file "{vm.xmfile}".\n', "Error: Disk isn't accessible\n")
    for disk in vm.disks:
        drbd = c.drbd[disk.name]
        peer = drbd.sides[drbd_sim.peer_of(c, node)]
        if not drbd.sides[node].up or (drbd.connected and peer.role == "Primary"):
            return Outcome(
                1,
                f'Using config file "{vm.xmfile}".\n',
                "Error: Device 51713 (vbd) could not be connected. "
                "/etc/xen/scripts/block-drbd failed; error detected.\n",
            )
    for disk in vm.disks:
        c.drbd[disk.name].sides[node].role = "Primary"
    rt.domains[name] = Domain(name, rt.next_domid, vm.mem_mib, vm.vcpus, vm.load, c.t)
    rt.next_domid += 1
    c.log(f"xen: xm create {name} on {node}")
    return Outcome(0, f'Using config file "{vm.xmfile}".\nStarted domain {name}\n')


HANDLERS: dict[str, Handler] = {
    "head": head,
    "cat": cat,
    "sh": sh,
    "hostname": hostname,
    "uname": uname,
    "true": true,
    "xm": xm,
    "xl": cmd_hosts.xl,
    "xentop": cmd_hosts.xentop,
    "corosync": cmd_hosts.corosync,
    "corosync-cfgtool": cmd_hosts.cfgtool,
    "corosync-quorumtool": corosync_quorumtool,
    **cmd_drbd.HANDLERS,
    **cmd_storage.HANDLERS,
}
