"""Provides ``write_lab_files``: the state directory a lab's nodes boot from.

Per node: the bind-mount sources (``varlib-pcmk`` with the seeded CIB, ``etc-corosync``,
``etc-libqb`` with ``force-filesystem-sockets``, ``log``, ``hosts``, ``ssh`` with a fresh host key).
Shared: the client key and known_hosts, the hatui config, the emulators' ``layout.json``, the Xen
guest configs, and ``bin/`` (bind-mounted over each node's ``/usr/local/sbin``, first in root's
PATH): the emulators, the ``cat``/``head`` wrappers that render ``/proc/drbd``, and wrappers that
let a fault flag hang ``crm_mon`` and friends.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .layout import Layout

HERE = Path(__file__).resolve().parent
EMULATORS = HERE / "emulators"
AGENTS = HERE / "agents"
#: Commands the ``hang`` fault can block, besides the emulators themselves (``xm``, ``xl``,
#: ``drbdadm``, ``proc_drbd`` for ``cat /proc/drbd``, and the storage stand-ins' reads).
WRAPPED = ("crm_mon", "cibadmin", "corosync-cfgtool", "corosync-quorumtool")
HANGABLE = ("xm", "xl", "drbdadm", "proc_drbd", "lvs", "vgs", "iscsiadm", *WRAPPED)

_HANG_WRAPPER = """#!/bin/sh
# hatui lab: blocks while the hang fault is set for this node, then runs the real command.
if [ -z "$HATUI_LAB_NO_HANG" ]; then
\td={faults}/$(sed -n 's/.*"node": *"\\([^"]*\\)".*/\\1/p' /run/hatui-lab/node.json 2>/dev/null)
\tn=0
\twhile {{ [ -e "$d/hang-{name}" ] || [ -e "$d/hang-all" ]; }} && [ $n -lt 18000 ]; do
\t\tsleep 0.2
\t\tn=$((n+1))
\tdone
fi
exec {real} "$@"
"""

_PROC_WRAPPER = """#!/bin/sh
# hatui lab: /proc/drbd cannot exist without the DRBD module; render the emulated one when asked.
for a in "$@"; do
\t[ "$a" = /proc/drbd ] && exec /usr/local/sbin/labemu.py proc-drbd {name} "$@"
done
exec {real} "$@"
"""


def _python() -> str:
    # The node runs the system interpreter: the emulators use the standard library only.
    return "/usr/bin/python3" if Path("/usr/bin/python3").exists() else sys.executable


def _keygen(path: Path) -> str:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "hatui-lab", "-f", str(path)],
                   check=True, stdin=subprocess.DEVNULL)  # fmt: skip
    return path.with_suffix(".pub").read_text()


def _write(path: Path, text: str, mode: int = 0o644, owner: tuple[str, str] | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(mode)
    if owner:
        shutil.chown(path, *owner)


def _mkdir(path: Path, mode: int = 0o755, owner: tuple[str, str] | None = None) -> None:
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(mode)
    if owner:
        shutil.chown(path, *owner)


def _install_bin(layout: Layout) -> None:
    bin_dir = layout.bin_dir
    _mkdir(bin_dir)
    shebang = f"#!{_python()} -EsS\n"
    for src in sorted(EMULATORS.glob("*.py")):
        text = src.read_text()
        if text.startswith("#!"):
            text = shebang + text.split("\n", 1)[1]
        _write(bin_dir / src.name, text, 0o755)
    for tool in ("xm", "xl", "drbdadm", "drbdsetup", "lvs", "vgs", "lvcreate", "lvremove", "iscsiadm"):
        (bin_dir / tool).symlink_to("labemu.py")
    _write(bin_dir / "nodeinit.py", (HERE / "nodeinit.py").read_text(), 0o755)
    for name in ("cat", "head"):
        real = shutil.which(name, path="/usr/bin:/bin")
        _write(bin_dir / name, _PROC_WRAPPER.format(name=name, real=real), 0o755)
    faults = layout.state / "faults"
    for name in WRAPPED:
        real = shutil.which(name, path="/usr/sbin:/usr/bin:/sbin:/bin")
        if real:
            _write(bin_dir / name, _HANG_WRAPPER.format(faults=faults, name=name, real=real), 0o755)
    _write(bin_dir / "lab-monitor-check", (AGENTS / "lab-monitor-check").read_text(), 0o755)
    _mkdir(layout.state / "agents")
    _write(layout.state / "agents" / "drbd", (AGENTS / "drbd").read_text(), 0o755)


def _node_files(layout: Layout, node: str, client_pub: str) -> str:
    d = layout.node_dir(node)
    pcmk = ("hacluster", "haclient")
    _mkdir(d / "varlib-pcmk", 0o750, pcmk)
    for sub in ("cib", "pengine", "blackbox", "cores", "bundles"):
        _mkdir(d / "varlib-pcmk" / sub, 0o750, pcmk)
    _write(d / "varlib-pcmk" / "cib" / "cib.xml", layout.cib_xml(), 0o600, pcmk)
    _mkdir(d / "varlib-corosync")
    _write(d / "etc-corosync" / "corosync.conf", layout.corosync_conf(node))
    _write(d / "etc-libqb" / "force-filesystem-sockets", "")
    _mkdir(d / "log")
    _mkdir(d / "log" / "pacemaker", 0o770, pcmk)
    _mkdir(d / "log" / "corosync")
    _mkdir(d / "log" / "crmsh", 0o775, ("root", "haclient"))
    return node_access_files(layout, node, client_pub, layout.sshd_config(node))


def node_access_files(layout: Layout, node: str, client_pub: str, sshd_config: str) -> str:
    """The node's /etc/hosts, its sshd (config, the client's key, a fresh host key) and its fault
    flag directory; returns the node's known_hosts line."""
    d = layout.node_dir(node)
    _write(d / "hosts", layout.hosts())
    ssh = d / "ssh"
    _mkdir(ssh)
    _write(ssh / "sshd_config", sshd_config)
    _write(ssh / "authorized_keys", client_pub, 0o600)
    if Path("/etc/ssh/moduli").exists():
        shutil.copy("/etc/ssh/moduli", ssh / "moduli")
    host_pub = _keygen(ssh / "ssh_host_ed25519_key")
    _mkdir(layout.state / "faults" / node)
    return layout.known_hosts_line(node, " ".join(host_pub.split()[:2]))


def write_lab_files(layout: Layout) -> None:
    write_state(layout, _install_bin, _node_files, layout.emulator_layout())


def write_state(
    layout: Layout, install_bin: Callable[[Layout], None], node_files: Callable[[Layout, str, str], str],
    emulators: dict[str, Any],
) -> None:  # fmt: skip
    """The lab's shared files around ``install_bin`` (bin/) and ``node_files`` (one node's dirs)."""
    state = layout.state
    state.chmod(0o755)  # hacluster-run agents read the Xen configs below it
    for sub in ("keys", "xen", "drbd", "nodes", "faults"):
        _mkdir(state / sub)
    (state / "keys").chmod(0o700)
    client_pub = _keygen(layout.identity_file)
    install_bin(layout)
    known = "".join(node_files(layout, node, client_pub) for node in layout.nodes)
    _write(layout.known_hosts, known, 0o600)
    for vm in layout.vms:
        _write(layout.xen_cfg(vm), layout.xen_cfg_text(vm))
    _write(state / "layout.json", json.dumps(emulators, indent=1, sort_keys=True) + "\n")
    _write(layout.config_path, layout.hatui_config())
