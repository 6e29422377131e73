"""Provides ``SeedLab``: a real Pacemaker 1.0.9 cluster (heartbeat 3.0.6) on loopback, one node per namespace.

The reference cluster's stack, built from source by ``build.sh``: three nodes ``vnode1..3`` on
127.0.2.1-3 in ONE private network namespace (only ``lo``), each a mount/UTS/PID/IPC namespace
running heartbeat (ucast to every peer), Pacemaker 1.0.9's daemons and an sshd (key-only, keys per
lab). vm1 (the real ``ocf:heartbeat:Xen`` 1.0.3 driving the lab's ``xm``) runs on vnode1, vm2 on
vnode3, vnode2 is the spare holding the other half of each DRBD 8.3.7 pair. The crm shell 1.0.9,
Corosync 1.2.1's ``corosync-cfgtool``/``corosync -v`` and ``xentop`` are stand-ins (``standins/``).

``SeedLab`` speaks the modern ``Lab``'s vocabulary (``nodes``, ``addresses``, ``config_path``
(cluster ``lab``), ``run``, ``crm``, ``status``, ``wait_*``, ``kill``/``restart``,
``ensure_healthy``, ``fail_monitor``) so that lab tests can run on either; what differs is how it
boots, tears down and reads status. A client must run inside the lab's network namespace:
``netns_path`` for ``nsenter --net=`` and ``tests.lab.seed.netns.inside``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from .. import cleanup
from ..harness import Lab, LabError
from ..status import ClusterState
from . import teardown
from .files import SEED_PATH, seed_layout, write_seed_files
from .paths import LAB, PREFIX, wait_for_build
from .seedfaults import SeedFaultsMixin
from .status10 import parse_crm_mon_10

ENV = {"PATH": SEED_PATH, "HOME": "/root", "LANG": "C", "TERM": "dumb"}


def missing_prerequisites() -> str | None:
    """Why the seed lab cannot run here (one line), or None if it can (waits for a running build)."""
    if os.geteuid() != 0:
        return f"the seed lab needs root (namespaces, mounts); running as uid {os.geteuid()}"
    for tool in ("unshare", "nsenter", "ssh-keygen", "ip", "timeout"):
        if shutil.which(tool) is None:
            return f"{tool} not installed"
    return wait_for_build()


class SeedLab(SeedFaultsMixin, Lab):
    """One seed cluster. ``up()`` starts it, ``down()`` removes every trace of it."""

    profile = "seed"
    xen_tool = "xm"
    node_namespaces = ("-m", "-u", "-i", "-p", "-n")
    node_env = ENV

    def __init__(self, nodes: int = 3, *, owner: str = "pytest") -> None:
        # Lab.__init__ is not called: the seed lab boots another way and keeps another runtime file.
        self.state_dir = Path(tempfile.mkdtemp(prefix=teardown.STATE_PREFIX, dir=teardown.STATE_ROOT))
        self.layout = seed_layout(self.state_dir, nodes)
        self.owner = owner
        self.runtime: dict = {"owner": owner, "owner_pid": os.getpid(), "netns_pid": None, "nodes": {}}
        cleanup.write_runtime(self.state_dir, self.runtime)
        self._procs: dict[str, subprocess.Popen[bytes]] = {}
        self._holder: subprocess.Popen[bytes] | None = None
        self.formed_after: float | None = None

    @property
    def netns_path(self) -> str:
        """The lab's network namespace (``nsenter --net=PATH``, ``netns.inside(PATH)``)."""
        child = teardown.holder_child(self.runtime.get("netns_pid"))
        if child is None:
            raise LabError("the seed lab's network namespace is not up")
        return f"/proc/{child}/ns/net"

    def netns_argv(self) -> list[str]:
        return ["nsenter", f"--net={self.netns_path}", "--"]

    client_argv = netns_argv

    # -- life cycle ---------------------------------------------------------------------------

    def up(self, timeout: float = 60.0) -> float:
        why = missing_prerequisites()
        if why:
            raise LabError(why)
        t0 = time.monotonic()
        write_seed_files(self.layout)
        self.make_storage()
        script = "ip link set lo up && exec sleep infinity"
        self._holder = subprocess.Popen(
            ["unshare", "--net", "--fork", "sh", "-c", script, "seedlab-netns", str(self.state_dir)],
            stdin=subprocess.DEVNULL, start_new_session=True, env=ENV,
        )  # fmt: skip
        self.runtime["netns_pid"] = self._holder.pid
        cleanup.write_runtime(self.state_dir, self.runtime)
        self.wait_for(lambda: teardown.holder_child(self._holder.pid if self._holder else None), 5, "netns")
        for node in self.nodes:
            self.start_node(node, wait=False)
        for node in self.nodes:
            self._wait_ready(node, timeout)
        self.wait_online(self.nodes, timeout=timeout - (time.monotonic() - t0))
        self.formed_after = time.monotonic() - t0
        self.wait_vms_running(timeout=max(5.0, timeout - (time.monotonic() - t0)))
        return time.monotonic() - t0

    def down(self) -> list[str]:
        problems = teardown.teardown_state(self.state_dir)
        for proc in [*self._procs.values(), *([self._holder] if self._holder else [])]:
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                problems.append(f"{proc.args[0]} {proc.pid} did not exit")
        self._procs.clear()
        self._holder = None
        return problems

    def start_node(self, node: str, *, wait: bool = True, timeout: float = 20.0) -> None:
        boot = self._new_boot(node)
        state, node_dir = self.state_dir, self.layout.node_dir(node)
        cfg = {
            "node": node, "state": str(state), "boot": boot, "node_dir": str(node_dir),
            "bin_dir": str(self.layout.bin_dir), "path": SEED_PATH, "prefix": str(PREFIX),
            "lab": str(LAB), "address": self.addresses[node],
            "alive_file": str(state / "nodes" / f"{node}.alive"),
            "drbd_agent": str(state / "agents" / "drbd"),
        }  # fmt: skip
        proc = self._spawn_init(node, cfg, "seedinit.py", self.netns_argv(), ENV)
        self.runtime["nodes"][node] = {"init_pid": self._init_of(proc.pid), "unshare_pid": proc.pid,
                                       "boot": boot}  # fmt: skip
        cleanup.write_runtime(state, self.runtime)
        if wait:
            self._wait_ready(node, timeout)

    def _init_of(self, pid: int, timeout: float = 5.0) -> int:
        def child() -> int | None:
            kid = teardown.holder_child(pid)
            return kid if kid and teardown.is_seed_process(kid, self.state_dir) else None

        return self.wait_for(child, timeout, f"the init of the node under unshare {pid}", interval=0.01)

    def init_pid(self, node: str) -> int:
        pid = (self.runtime["nodes"].get(node) or {}).get("init_pid")
        if not teardown.is_seed_process(pid, self.state_dir):
            raise LabError(f"{node} is not running")
        return int(pid)

    def alive(self, node: str) -> bool:
        pid = (self.runtime["nodes"].get(node) or {}).get("init_pid")
        return teardown.is_seed_process(pid, self.state_dir)

    def frozen(self, node: str) -> bool:
        return False

    def kill(self, node: str) -> None:
        """SIGKILLs the node's init: heartbeat, Pacemaker and sshd die at once, like a power cut."""
        info = self.runtime["nodes"][node]
        teardown.kill_pid(info.get("init_pid"), self.state_dir)
        proc = self._procs.pop(node, None)
        if proc is not None:
            proc.wait(timeout=10)
        info["init_pid"] = None
        cleanup.write_runtime(self.state_dir, self.runtime)

    # -- commands -------------------------------------------------------------------------------

    def sshd_listening(self, node: str) -> bool:
        probe = f"exec 3<>/dev/tcp/{self.addresses[node]}/{self.ssh_ports[node]}"
        return subprocess.run([*self.netns_argv(), "bash", "-c", probe], capture_output=True).returncode == 0

    # -- what the cluster says ----------------------------------------------------------------------

    def crm_mon_text(self, node: str | None = None) -> str:
        node = node or self.observer()
        return self.run(node, [str(PREFIX / "sbin" / "crm_mon"), "-1", "-r", "-f"], timeout=15,
                        check=True).stdout  # fmt: skip

    def status(self, node: str | None = None) -> ClusterState:
        sets = {vm.drbd_clone: vm.drbd_primitive for vm in self.layout.vms}
        return parse_crm_mon_10(self.crm_mon_text(node), sets)
