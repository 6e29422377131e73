"""Provides the seed lab's shape and its state directory: what each 1.0.9 node boots from.

The shape is the modern lab's (``tests.lab.layout.Layout``: vnode1..3, vm1 home vnode1, vm2 home
vnode3, vnode2 the spare), on 127.0.2.1-3 inside one private network namespace. Per node: a copy
of the compiled-in state dir (``var``, bound over ``$LAB/var``), ``ha.d`` (bound over
``$PREFIX/etc/ha.d``: heartbeat ucast to every peer, tuned so the first DC comes within seconds),
``ssh``, ``hosts``. Shared: keys, the hatui config, the emulators' ``layout.json`` (DRBD 8.3.7,
Xen 3.2.1), the Xen guest configs and ``bin/`` (over each node's ``/usr/local/sbin``): the lab's
emulators as ``xm``/``drbdadm``/``drbdsetup`` and the seed stand-ins (``crm``, ``corosync``,
``corosync-cfgtool``, ``xentop``). The node PATH leaves out /usr/sbin and /sbin, so none of this
machine's Pacemaker 2 / Corosync 3 / DRBD 9 tools can be found by a seed node.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..files import EMULATORS, _mkdir, _python, _write, node_access_files, write_state
from ..layout import Layout
from .cib10 import seeded_cib_10
from .paths import LAB, PREFIX

HERE = Path(__file__).resolve().parent
STANDINS = HERE / "standins"
CLUSTER = "seedlab"
#: Node-side PATH: stand-ins and emulators, then the 1.0.9 tools, then the base system only.
SEED_PATH = f"/usr/local/sbin:{PREFIX}/sbin:/usr/local/bin:/usr/bin:/bin"
#: The reference cluster's releases, read by the emulators from layout.json.
VERSIONS = {"drbd_version": "8.3.7", "xen_version": "3.2.1", "corosync_version": "1.2.1",
            "iscsi_version": "2.0.870"}  # fmt: skip
_PROC_WRAPPER = """#!/bin/sh
# seed lab: /proc/drbd cannot exist without the DRBD module; render the emulated one when asked.
for a in "$@"; do
\t[ "$a" = /proc/drbd ] && exec /usr/local/sbin/labemu.py proc-drbd {name} "$@"
done
exec {real} "$@"
"""


def seed_layout(state: Path, nodes: int = 3) -> Layout:
    # 15 s, not 5: a 1.0.9 node's first batch (detection, xentop's two samples, crm_mon) ran past
    # 5 s in CI while the modern lab and the rest of the suite shared the two cores.
    return replace(Layout.build(state, nodes, "127.0.2.1"), cluster_name=CLUSTER, command_timeout=15.0)


def ha_cf(layout: Layout, node: str) -> str:
    """heartbeat's ha.cf: ucast to every node (its own address included, as lab.sh does), no multicast.

    keepalive 500 ms / deadtime 4 s / initdead 4 s (instead of 30 s) so the nodes, all started at
    once, see each other within seconds; ``dc-deadtime=5s`` in the CIB does the rest.
    """
    lines = [
        f"# seed lab: {node}", "logfacility none", f"logfile {LAB}/var/log/ha-log",
        f"debugfile {LAB}/var/log/ha-debug", "use_logd no", "realtime off", "udpport 694",
        "keepalive 500ms", "warntime 2", "deadtime 4", "initdead 4",
        *(f"ucast lo {layout.addresses[n]}" for n in layout.nodes),
        "autojoin none", "node " + " ".join(layout.nodes), "crm respawn",
    ]  # fmt: skip
    return "\n".join(lines) + "\n"


def sshd_config(layout: Layout, node: str) -> str:
    lines = layout.sshd_config(node).splitlines(keepends=True)
    return "".join(f"SetEnv PATH={SEED_PATH}\n" if ln.startswith("SetEnv PATH=") else ln for ln in lines)


def emulator_layout(layout: Layout) -> dict[str, Any]:
    return {**layout.emulator_layout(), **VERSIONS}


def _install_bin(layout: Layout) -> None:
    bin_dir = layout.bin_dir
    _mkdir(bin_dir)
    shebang = f"#!{_python()} -EsS\n"
    for src in [*sorted(EMULATORS.glob("*.py")), *sorted(STANDINS.glob("*.py"))]:
        text = src.read_text()
        if text.startswith("#!"):
            text = shebang + text.split("\n", 1)[1]
        _write(bin_dir / src.name, text, 0o755)
    for tool in ("xm", "drbdadm", "drbdsetup", "lvs", "vgs", "lvcreate", "lvremove", "iscsiadm"):
        (bin_dir / tool).symlink_to("labemu.py")
    for tool in ("crm", "corosync", "corosync-cfgtool", "xentop"):
        (bin_dir / tool).symlink_to(f"{tool.replace('-', '_')}_standin.py")
    for name in ("cat", "head"):
        real = shutil.which(name, path="/usr/bin:/bin")
        _write(bin_dir / name, _PROC_WRAPPER.format(name=name, real=real), 0o755)
    _write(bin_dir / "lab-monitor-check", (HERE.parent / "agents" / "lab-monitor-check").read_text(), 0o755)
    for init in (HERE / "seedinit.py", HERE.parent / "nodeinit.py"):
        _write(bin_dir / init.name, init.read_text(), 0o755)
    _mkdir(layout.state / "agents")
    _write(layout.state / "agents" / "drbd", (HERE / "agents" / "drbd").read_text(), 0o755)


def _node_files(layout: Layout, node: str, client_pub: str) -> str:
    d = layout.node_dir(node)
    _mkdir(d)
    # cp -a: the daemons refuse state dirs not owned by hacluster (copytree would not chown).
    subprocess.run(["cp", "-a", str(LAB / "var.template"), str(d / "var")], check=True)
    (d / "var" / "log").mkdir(exist_ok=True)
    cib = d / "var" / "lib" / "heartbeat" / "crm" / "cib.xml"
    _write(cib, seeded_cib_10(layout), 0o600, ("hacluster", "haclient"))
    shutil.copytree(PREFIX / "etc" / "ha.d", d / "ha.d", symlinks=True)
    _write(d / "ha.d" / "ha.cf", ha_cf(layout, node))
    _write(d / "ha.d" / "authkeys", "auth 1\n1 sha1 hatui-seed-lab\n", 0o600)
    return node_access_files(layout, node, client_pub, sshd_config(layout, node))


def write_seed_files(layout: Layout) -> None:
    write_state(layout, _install_bin, _node_files, emulator_layout(layout))
