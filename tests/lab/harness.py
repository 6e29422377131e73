"""Provides ``Lab``: a real 3-node Pacemaker 2.1 / Corosync 3 cluster on loopback, one node per namespace.

Each node (``vnode1..3`` on 127.0.0.2-4) is a mount/PID/IPC/UTS namespace sharing the host's
network, with private /run, /tmp, /dev/shm, /root and bind-mounted /var/lib/pacemaker,
/var/lib/corosync, /etc/corosync, /etc/libqb, /var/log, /etc/hosts, /etc/ssh; it runs real
corosync, pacemakerd and sshd (key-only, keys made per lab). Xen and DRBD are emulated
(``emulators/``) and driven by the real ``ocf:heartbeat:Xen`` agent and a DRBD stand-in agent, so
a failover moves the VM, flips the DRBD roles and starts a resync. Each node has a real LVM volume
group on a loop device (``storage``; snapshots and iSCSI are stand-ins, ``storage_faults``). State
lives in ``/var/tmp/hatui-lab-XXXX`` (not /tmp, which each node hides behind its own tmpfs). Faults
are in ``faults.FaultsMixin``; tear-down in ``cleanup``.
"""

from __future__ import annotations

import json
import os
import secrets
import shlex
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from . import cleanup
from .cgroups import Freezer, detect
from .faults import FaultsMixin
from .files import write_lab_files
from .layout import NODE_PATH, Layout, VmSpec
from .status import ClusterState, parse_crm_mon
from .storage_faults import StorageMixin

T = TypeVar("T")
REQUIRED_TOOLS = ("corosync", "corosync-cfgtool", "pacemakerd", "crm_mon", "cibadmin", "crm_resource",
                  "unshare", "nsenter", "ssh-keygen", "ssh", "timeout")  # fmt: skip
HOST_ENV = {"PATH": NODE_PATH, "HOME": "/root", "LANG": "C.UTF-8", "TERM": "dumb"}


class LabError(RuntimeError):
    """The lab could not do what was asked (set-up missing, node dead, command failed)."""


class LabTimeoutError(LabError):
    """A wait ran out; the message says what was awaited and what was last seen."""


def missing_prerequisites() -> str | None:
    """Why the lab cannot run here (one line), or None if it can."""
    if os.geteuid() != 0:
        return f"the lab needs root (namespaces, mounts, cgroups); running as uid {os.geteuid()}"
    missing = [t for t in ("corosync", "pacemakerd") if shutil.which(t, path=NODE_PATH) is None]
    if missing:
        return f"{' and '.join(missing)} not installed (apt-get install pacemaker corosync)"
    return None


def _port_free(address: str, port: int, kind: int = socket.SOCK_STREAM) -> bool:
    with socket.socket(socket.AF_INET, kind) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((address, port))
        except OSError:
            return False
    return True


class Lab(StorageMixin, FaultsMixin):
    """One lab cluster. ``up()`` starts it, ``down()`` removes every trace of it.

    Attributes for tests: ``nodes`` (names), ``addresses`` and ``ssh_ports`` (per node),
    ``config_path`` (hatui YAML, cluster ``lab``), ``identity_file``, ``known_hosts``, ``vms``
    (``VmSpec`` by name: home, spare, drbd resource, Pacemaker ids), ``state_dir``.
    """

    #: Which lab this is: ``modern`` (Pacemaker 2.1) or ``seed`` (Pacemaker 1.0.9, ``seed.harness``).
    profile = "modern"
    xen_tool = "xl"
    #: The namespaces ``run`` enters (the nodes share the host's network) and the environment it passes.
    node_namespaces: tuple[str, ...] = ("-m", "-u", "-i", "-p")
    node_env: dict[str, str] = HOST_ENV

    def client_argv(self) -> list[str]:
        """What a client command is prefixed with to reach the nodes' addresses (nothing here)."""
        return []

    def __init__(
        self, nodes: int = 3, *, address_base: str = "127.0.0.2", state_root: Path | None = None,
        owner: str = "pytest",
    ) -> None:  # fmt: skip
        root = state_root or cleanup.STATE_ROOT
        self.state_dir = Path(tempfile.mkdtemp(prefix=cleanup.STATE_PREFIX, dir=root))
        base = Layout.build(self.state_dir, nodes, address_base)
        ports = {n: 22 if _port_free(base.addresses[n], 22) else self._free_port(base.addresses[n])
                 for n in base.nodes}  # fmt: skip
        self.layout = Layout.build(self.state_dir, nodes, address_base, ports)
        self.owner = owner
        self.runtime: dict[str, Any] = {
            "owner": owner, "owner_pid": os.getpid(), "created_libqb": False,
            "cgroup_version": detect(), "nodes": {},
        }  # fmt: skip
        cleanup.write_runtime(self.state_dir, self.runtime)
        self._procs: dict[str, subprocess.Popen[bytes]] = {}
        self.formed_after: float | None = None

    @staticmethod
    def _free_port(address: str) -> int:
        for port in range(2222, 2300):
            if _port_free(address, port):
                return port
        raise LabError(f"no free TCP port for sshd on {address}")

    # -- the fixture's vocabulary ------------------------------------------------------------------

    @property
    def nodes(self) -> tuple[str, ...]:
        return self.layout.nodes

    @property
    def addresses(self) -> dict[str, str]:
        return self.layout.addresses

    @property
    def ssh_ports(self) -> dict[str, int]:
        return self.layout.ssh_ports

    @property
    def config_path(self) -> Path:
        return self.layout.config_path

    @property
    def identity_file(self) -> Path:
        return self.layout.identity_file

    @property
    def known_hosts(self) -> Path:
        return self.layout.known_hosts

    @property
    def vms(self) -> dict[str, VmSpec]:
        return {vm.name: vm for vm in self.layout.vms}

    def vm_of_drbd(self, resource: str) -> VmSpec:
        return next(vm for vm in self.layout.vms if vm.drbd == resource)

    # -- life cycle ---------------------------------------------------------------------------

    def up(self, timeout: float = 40.0) -> float:
        """Starts every node and waits until the cluster has formed and every VM runs; returns seconds."""
        why = missing_prerequisites()
        if why:
            raise LabError(why)
        missing = [t for t in REQUIRED_TOOLS if shutil.which(t, path=NODE_PATH) is None]
        if missing:
            raise LabError(f"missing tools: {', '.join(missing)}")
        for node in self.nodes:
            if not _port_free(self.addresses[node], 5405, socket.SOCK_DGRAM):
                raise LabError(
                    f"UDP {self.addresses[node]}:5405 is taken: another lab (or corosync) runs there"
                )
        t0 = time.monotonic()
        if not cleanup.LIBQB_DIR.exists():
            cleanup.LIBQB_DIR.mkdir()
            self.runtime["created_libqb"] = True
        write_lab_files(self.layout)
        self.make_storage()
        for node in self.nodes:
            self.start_node(node, wait=False)
        for node in self.nodes:
            self._wait_ready(node, timeout)
        self.wait_for(lambda: self._formed(self.nodes), timeout - (time.monotonic() - t0), "cluster formed")
        self.formed_after = time.monotonic() - t0
        self.wait_vms_running(timeout=max(5.0, timeout - (time.monotonic() - t0)))
        return time.monotonic() - t0

    def down(self) -> list[str]:
        """Kills every node and removes mounts, cgroups, state; returns leftovers (empty if clean)."""
        problems = cleanup.teardown_state(self.state_dir)
        for proc in self._procs.values():
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                problems.append(f"unshare {proc.pid} did not exit")
        self._procs.clear()
        return problems

    def __enter__(self) -> Lab:
        return self

    def __exit__(self, *exc: object) -> None:
        self.down()

    def start_node(self, node: str, *, wait: bool = True, timeout: float = 20.0) -> None:
        """Boots ``node`` (it must not be running): a fresh namespace on the node's persistent state."""
        boot = self._new_boot(node)
        state, node_dir = self.state_dir, self.layout.node_dir(node)
        (state / "nodes" / f"{node}.frozen").unlink(missing_ok=True)
        cfg = {
            "node": node, "state": str(state), "boot": boot, "node_dir": str(node_dir),
            "bin_dir": str(self.layout.bin_dir), "path": NODE_PATH,
            "alive_file": str(state / "nodes" / f"{node}.alive"),
            "agents": {"linbit": {"drbd": str(state / "agents" / "drbd")}},
        }  # fmt: skip
        cgroup = f"{state.name}-{node}"
        freezer = Freezer(cgroup, self.runtime["cgroup_version"])
        freezer.create()
        joins: list[str] = []
        if freezer.procs_file is not None:
            # Join the cgroup before exec, so every process of the node is born in it.
            joins = ["sh", "-c", f'echo $$ > {freezer.procs_file} && exec "$@"', "sh"]
        proc = self._spawn_init(node, cfg, "nodeinit.py", joins, HOST_ENV)
        init_pid = self._child_of(proc.pid)
        self.runtime["nodes"][node] = {
            "init_pid": init_pid, "unshare_pid": proc.pid, "cgroup": cgroup if freezer.path else None,
            "cgroup_version": self.runtime["cgroup_version"], "boot": boot,
        }  # fmt: skip
        cleanup.write_runtime(state, self.runtime)
        if wait:
            self._wait_ready(node, timeout)

    def _new_boot(self, node: str) -> str:
        """Refuses a running ``node``; else records a new boot token for it and returns it."""
        if self.alive(node):
            raise LabError(f"{node} is already running")
        boot = secrets.token_hex(6)
        (self.state_dir / "nodes" / f"{node}.boot").write_text(boot + "\n")
        (self.layout.node_dir(node) / "init.status").unlink(missing_ok=True)
        return boot

    def _spawn_init(
        self, node: str, cfg: dict[str, Any], script: str, wrapper: list[str], env: dict[str, str]
    ) -> subprocess.Popen[bytes]:
        """Starts the lab's ``script`` on ``cfg`` (its node.json) as PID 1 of new mount, pid, ipc and
        uts namespaces, behind ``wrapper``; its output goes to the node's unshare.log."""
        node_dir = self.layout.node_dir(node)
        node_json = node_dir / "node.json"
        node_json.write_text(json.dumps(cfg, indent=1))
        python = "/usr/bin/python3" if Path("/usr/bin/python3").exists() else shutil.which("python3")
        cmd = [*wrapper, "unshare", "--mount", "--pid", "--ipc", "--uts", "--fork", "--mount-proc",
               "--propagation", "private", str(python), "-E", "-s", str(self.layout.bin_dir / script),
               str(node_json)]  # fmt: skip
        with open(node_dir / "unshare.log", "ab") as log:
            proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                    start_new_session=True, env=env)  # fmt: skip
        self._procs[node] = proc
        return proc

    def _child_of(self, pid: int, timeout: float = 5.0) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                kids = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
            except OSError:
                kids = []
            if kids and cleanup.is_lab_process(int(kids[0]), self.state_dir):
                return int(kids[0])
            time.sleep(0.01)
        raise LabError(f"the namespace init under unshare {pid} did not appear")

    def _wait_ready(self, node: str, timeout: float) -> None:
        boot = self.runtime["nodes"][node]["boot"]
        status = self.layout.node_dir(node) / "init.status"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if status.exists() and status.read_text().split() == ["ready", boot]:
                return
            if not self.alive(node):
                break
            time.sleep(0.05)
        log = self.layout.node_dir(node) / "init.log"
        tail = log.read_text()[-2000:] if log.exists() else "(no init.log)"
        raise LabError(f"{node} did not become ready:\n{tail}")

    def init_pid(self, node: str) -> int:
        info = self.runtime["nodes"].get(node) or {}
        pid = info.get("init_pid")
        if not cleanup.is_lab_process(pid, self.state_dir):
            raise LabError(f"{node} is not running")
        return int(pid)

    def alive(self, node: str) -> bool:
        """True while the node's namespace exists (a frozen node is alive)."""
        info = self.runtime["nodes"].get(node) or {}
        return cleanup.is_lab_process(info.get("init_pid"), self.state_dir)

    # -- commands -------------------------------------------------------------------------------

    def run(
        self, node: str, cmd: str | Sequence[str], *, timeout: float = 30.0, check: bool = False,
        input: str | None = None, env: dict[str, str] | None = None,
    ) -> subprocess.CompletedProcess[str]:  # fmt: skip
        """Runs ``cmd`` inside ``node`` through nsenter (a string goes through ``sh -c``).

        The command is wrapped in ``timeout`` inside the node, so a hung command dies there too.
        """
        argv = ["sh", "-c", cmd] if isinstance(cmd, str) else list(cmd)
        full = ["nsenter", "-t", str(self.init_pid(node)), *self.node_namespaces, "--wd=/", "--",
                "timeout", "-k", "2", str(timeout), *argv]  # fmt: skip
        try:
            proc = subprocess.run(full, capture_output=True, text=True, timeout=timeout + 5,
                                  input=input, env={**self.node_env, **(env or {})})  # fmt: skip
        except subprocess.TimeoutExpired as exc:
            raise LabError(f"{node}: {shlex.join(argv)} did not end within {timeout}s") from exc
        if check and proc.returncode != 0:
            raise LabError(f"{node}: {shlex.join(argv)} exited {proc.returncode}: {proc.stderr.strip()}")
        return proc

    def ssh_argv(self, node: str, *, tty: bool = False) -> list[str]:
        """The ssh command line that reaches ``node``'s own sshd with the lab's key."""
        argv = ["ssh", "-F", "/dev/null", "-i", str(self.identity_file),
                "-o", f"UserKnownHostsFile={self.known_hosts}", "-o", "StrictHostKeyChecking=yes",
                "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-o", "ConnectTimeout=5",
                "-p", str(self.ssh_ports[node])]  # fmt: skip
        return [*argv, *(["-tt"] if tty else []), f"root@{self.addresses[node]}"]

    def ssh(
        self, node: str, cmd: str, *, timeout: float = 30.0, check: bool = False, input: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Runs ``cmd`` on ``node`` over its sshd, as hatui would."""
        try:
            proc = subprocess.run([*self.client_argv(), *self.ssh_argv(node), cmd], capture_output=True,
                                  text=True, timeout=timeout, input=input, env=HOST_ENV)  # fmt: skip
        except subprocess.TimeoutExpired as exc:
            raise LabError(f"ssh {node}: {cmd} did not end within {timeout}s") from exc
        if check and proc.returncode != 0:
            raise LabError(f"ssh {node}: {cmd} exited {proc.returncode}: {proc.stderr.strip()}")
        return proc

    # -- what the cluster says ----------------------------------------------------------------------

    def observer(self, exclude: Sequence[str] = ()) -> str:
        """A running, unfrozen node to ask (the first in name order)."""
        for node in self.nodes:
            if node not in exclude and self.alive(node) and not self.frozen(node):
                return node
        raise LabError("no running node to ask")

    def crm_mon_xml(self, node: str | None = None) -> str:
        node = node or self.observer()
        # The real binary, not the hang-able wrapper: the harness must not hang with the node's tools.
        return self.run(node, ["/usr/sbin/crm_mon", "--output-as=xml", "--one-shot", "--inactive"],
                        timeout=15, check=True).stdout  # fmt: skip

    def status(self, node: str | None = None) -> ClusterState:
        return parse_crm_mon(self.crm_mon_xml(node))

    def wait_for(self, probe: Callable[[], T], timeout: float, what: str, interval: float = 0.25) -> T:
        """Calls ``probe`` until it returns something truthy; LabError inside counts as not yet."""
        deadline = time.monotonic() + timeout
        last: Any = None
        while True:
            try:
                last = probe()
                if last:
                    return last
            except (LabError, ValueError, OSError) as exc:
                last = exc
            if time.monotonic() >= deadline:
                raise LabTimeoutError(f"timed out after {timeout:.0f}s waiting for {what}; last: {last!r}")
            time.sleep(interval)

    def _formed(self, nodes: Sequence[str], observer: str | None = None) -> ClusterState | None:
        st = self.status(observer)
        ok = st.dc is not None and all(st.online.get(n) for n in nodes)
        return st if ok else None

    def wait_online(
        self, nodes: Sequence[str], *, timeout: float = 20.0, observer: str | None = None
    ) -> ClusterState:
        return self.wait_for(lambda: self._formed(nodes, observer), timeout, f"{', '.join(nodes)} online")

    def wait_offline(self, node: str, *, timeout: float = 20.0, observer: str | None = None) -> ClusterState:
        def probe() -> ClusterState | None:
            st = self.status(observer or self.observer(exclude=[node]))
            return st if not st.online.get(node, False) and st.dc not in (None, node) else None

        return self.wait_for(probe, timeout, f"{node} seen offline")

    def wait_vm_on(self, vm: str, node: str | None = None, *, timeout: float = 40.0) -> str:
        """Waits until ``vm`` runs (on ``node`` if given) with its DRBD promoted there; returns the node."""
        spec = self.vms[vm]

        def probe() -> str | None:
            st = self.status()
            started = st.nodes_of(vm, "Started")
            where = started[0] if len(started) == 1 and len(st.nodes_of(vm)) == 1 else None
            ok = (
                where is not None
                and (node is None or where == node)
                and st.promoted(spec.drbd_primitive) == where
            )
            return where if ok else None

        return self.wait_for(probe, timeout, f"{vm} running{' on ' + node if node else ''}")

    def wait_vms_running(self, timeout: float = 40.0) -> dict[str, str]:
        return {vm: self.wait_vm_on(vm, timeout=timeout) for vm in self.vms}

    # -- emulated layers, read inside a node ----------------------------------------------------------

    def proc_drbd(self, node: str) -> str:
        return self.run(node, ["cat", "/proc/drbd"], check=True, env={"HATUI_LAB_NO_HANG": "1"}).stdout

    def drbd(self, node: str, resource: str) -> dict[str, str]:
        """``{"cs": ..., "ro": ..., "ds": ...}`` as the node's drbdadm reports them."""
        out = self.run(node, f"drbdadm cstate {resource}; drbdadm role {resource}; drbdadm dstate {resource}",
                       check=True, env={"HATUI_LAB_NO_HANG": "1"}).stdout.split()  # fmt: skip
        if len(out) != 3:
            raise LabError(f"{node}: unexpected drbdadm answers {out!r}")
        return dict(zip(("cs", "ro", "ds"), out, strict=True))

    def domains(self, node: str, tool: str | None = None) -> list[str]:
        """Guest names in ``xen_tool list`` (or ``tool``) on ``node``, Domain-0 left out."""
        argv = [tool or self.xen_tool, "list"]
        out = self.run(node, argv, check=True, env={"HATUI_LAB_NO_HANG": "1"}).stdout
        return [
            line.split()[0] for line in out.splitlines()[1:] if line.split() and line.split()[0] != "Domain-0"
        ]

    def wait_drbd_synced(self, resource: str, timeout: float = 40.0) -> None:
        """Waits until both halves are Connected and UpToDate/UpToDate (any resync finished)."""
        pair = self.layout.emulator_layout()["drbd"][resource]["nodes"]

        def probe() -> bool:
            views = [self.drbd(n, resource) for n in pair]
            return all(v["cs"] == "Connected" and v["ds"] == "UpToDate/UpToDate" for v in views)

        self.wait_for(probe, timeout, f"{resource} Connected UpToDate/UpToDate on {' and '.join(pair)}")
