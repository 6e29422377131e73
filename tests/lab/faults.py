"""Provides the lab's faults on demand, and the way back to a healthy cluster.

Kill (SIGKILL the node's init: the namespace dies at once, sockets close), freeze/thaw (cgroup
freezer: TCP connections stay half-open), kill only sshd, make commands hang (flag files the
emulators and wrappers poll), fail a resource monitor (a flag the agents read), split-brain a
DRBD pair (the emulator's shared state). ``ensure_healthy`` undoes all of it (and removes the
snapshots a test left: ``storage_faults``).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
import socket
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import cleanup
from .cgroups import Freezer
from .files import HANGABLE

if TYPE_CHECKING:
    from .harness import Lab


class FaultsMixin:
    """Fault injection and recovery; mixed into ``harness.Lab``."""

    # -- node-level faults ------------------------------------------------------------------------

    def kill(self: Lab, node: str) -> None:
        """SIGKILLs the node's namespace init: every process of the node dies at once, like a power cut."""
        info = self.runtime["nodes"][node]
        cleanup.kill_node(self.state_dir, info)
        proc = self._procs.pop(node, None)
        if proc is not None:
            proc.wait(timeout=10)
        (self.state_dir / "nodes" / f"{node}.frozen").unlink(missing_ok=True)
        info["init_pid"] = None
        cleanup.write_runtime(self.state_dir, self.runtime)

    def restart(self: Lab, node: str, *, wait_online: bool = True, timeout: float = 30.0) -> None:
        """Kills the node if it runs, then boots it again (its disks: CIB, logs, DRBD metadata, survive).

        With ``wait_online`` it returns once Pacemaker shows the node online again.
        """
        from .harness import LabError  # the harness mixes this class in: imported when used

        if self.alive(node):
            self.kill(node)
        t0 = time.monotonic()
        try:
            self.start_node(node, timeout=timeout)
        except LabError as first:
            # Once in a while a node booted on a crowded machine (both labs and the unit tests side
            # by side) never got as far as corosync; the drills are about what follows a boot, so
            # boot it once more, and if that fails too say what both boots logged.
            if self.alive(node):
                self.kill(node)
            try:
                self.start_node(node, timeout=timeout)
            except LabError as second:
                raise LabError(f"{first}\n-- booted again --\n{second}") from None
        if wait_online:
            self.wait_online([node], timeout=max(1.0, timeout - (time.monotonic() - t0)))

    def _freezer(self: Lab, node: str) -> Freezer:
        info = self.runtime["nodes"][node]
        if not info.get("cgroup"):
            raise RuntimeError("no cgroup freezer on this machine: freeze/thaw are unavailable")
        return Freezer(info["cgroup"], info.get("cgroup_version"))

    def freeze(self: Lab, node: str) -> None:
        """Freezes every process of the node (a hung machine: no answer, connections stay open).

        The emulators keep what two nodes share under flock (a DRBD resource's two sides are one
        file). A node frozen inside such a section would hang its peers' tools too, which no real
        hung machine does to its neighbours; so the freeze happens while this process holds those
        locks, and the node cannot be inside one when it stops.
        """
        (self.state_dir / "nodes" / f"{node}.frozen").write_text("")
        with _holding(sorted((self.state_dir / "drbd").glob("*.lock"))):
            self._freezer(node).freeze()

    def thaw(self: Lab, node: str) -> None:
        self._freezer(node).thaw()
        (self.state_dir / "nodes" / f"{node}.frozen").unlink(missing_ok=True)

    def frozen(self: Lab, node: str) -> bool:
        return (self.state_dir / "nodes" / f"{node}.frozen").exists()

    def _pids_in_node(self: Lab, node: str) -> list[int]:
        ns = os.readlink(f"/proc/{self.init_pid(node)}/ns/pid")
        out = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                with contextlib.suppress(OSError):
                    if os.readlink(entry / "ns" / "pid") == ns:
                        out.append(int(entry.name))
        return out

    def kill_sshd(self: Lab, node: str) -> int:
        """Kills every sshd of the node (listener and sessions); Pacemaker keeps running. Returns how many."""
        killed: list[int] = []
        for pid in self._pids_in_node(node):
            with contextlib.suppress(OSError):
                if Path(f"/proc/{pid}/comm").read_text().strip() == "sshd":
                    os.kill(pid, signal.SIGKILL)
                    killed.append(pid)
        # SIGKILL is delivered, not done: until the listener is gone its socket still accepts a
        # connection and then resets it, where a node without sshd refuses it.
        deadline = time.monotonic() + 5
        while any(_alive(pid) for pid in killed) and time.monotonic() < deadline:
            time.sleep(0.02)
        return len(killed)

    def sshd_listening(self: Lab, node: str) -> bool:
        with socket.socket() as s:
            s.settimeout(1.0)
            return s.connect_ex((self.addresses[node], self.ssh_ports[node])) == 0

    def start_sshd(self: Lab, node: str, timeout: float = 5.0) -> None:
        """Starts the node's sshd again (it daemonizes; the node's init reaps it)."""
        self.run(
            node, ["/usr/sbin/sshd", "-f", "/etc/ssh/sshd_config", "-E", "/var/log/sshd.log"], check=True
        )
        self.wait_for(lambda: self.sshd_listening(node), timeout, f"sshd of {node} listening")

    # -- commands and resources ---------------------------------------------------------------------

    def hang(self: Lab, node: str, on: bool = True, commands: Sequence[str] | None = None) -> None:
        """Makes commands hang on ``node`` until called again with ``on=False``.

        ``commands`` picks from ``files.HANGABLE`` (xm, xl, drbdadm, proc_drbd, lvs, vgs, iscsiadm,
        crm_mon, cibadmin, corosync-cfgtool, corosync-quorumtool); None means all of them (with
        ``on=False``: lift every hang of the node). A hung call blocks (up to an hour) and resumes
        when the flag goes; it does not fail by itself.
        """
        if not on and not commands:
            for flag in (self.state_dir / "faults" / node).glob("hang-*"):
                flag.unlink(missing_ok=True)
            return
        for name in list(commands) if commands else ["all"]:
            if name != "all" and name not in HANGABLE:
                raise ValueError(f"cannot hang {name!r}: choose from {', '.join(HANGABLE)}")
            flag = self.state_dir / "faults" / node / f"hang-{name}"
            if on:
                flag.write_text("")
            else:
                flag.unlink(missing_ok=True)

    def fail_monitor(self: Lab, resource: str, *, once: bool = True) -> None:
        """Makes the next monitor of ``resource`` fail wherever it runs (``once=False``: every monitor)."""
        (self.state_dir / "faults" / f"fail-monitor-{resource}").write_text("once" if once else "always")

    def clear_monitor_fault(self: Lab, resource: str) -> None:
        (self.state_dir / "faults" / f"fail-monitor-{resource}").unlink(missing_ok=True)

    def _edit_drbd(self: Lab, resource: str, edit: Any) -> None:
        lock = self.state_dir / "drbd" / f"{resource}.lock"
        path = self.state_dir / "drbd" / f"{resource}.json"
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            data = json.loads(path.read_text())
            edit(data)
            tmp = path.with_suffix(".tmp")
            tmp.write_text(json.dumps(data, indent=1, sort_keys=True))
            os.replace(tmp, path)
        finally:
            os.close(fd)

    def split_brain(self: Lab, resource: str) -> None:
        """Puts a DRBD pair into split brain: both halves StandAlone, data diverged, roles unchanged.

        Pacemaker does not notice (as with real DRBD); resolve with ``resolve_split_brain`` or by
        hand: ``drbdadm secondary R; drbdadm -- --discard-my-data connect R`` on the victim, then
        ``drbdadm connect R`` on the survivor.
        """

        def edit(st: dict[str, Any]) -> None:
            st["split_brain"] = True
            st["link_up"] = False
            st["sync"] = None
            for side in st["sides"].values():
                side["want_connect"] = False
                side["diverged"] = False
                side["discard"] = False

        self._edit_drbd(resource, edit)

    def resolve_split_brain(self: Lab, resource: str, victim: str) -> None:
        """DRBD's manual recovery: the victim discards its changes and resyncs from its peer."""
        survivor = next(n for n in self.layout.emulator_layout()["drbd"][resource]["nodes"] if n != victim)
        self.run(victim, f"drbdadm secondary {resource} && drbdadm -- --discard-my-data connect {resource}",
                 check=True)  # fmt: skip
        self.run(survivor, ["drbdadm", "connect", resource], check=True)

    def crm(self: Lab, *args: str, node: str | None = None, check: bool = True) -> str:
        """Runs a Pacemaker CLI (``crm_resource``...) on a running node; returns its stdout."""
        return self.run(node or self.observer(), list(args), check=check, timeout=30).stdout

    def ban(self: Lab, resource: str, node: str) -> None:
        self.crm("crm_resource", "--ban", "--resource", resource, "--node", node)

    def clear(self: Lab, resource: str) -> None:
        self.crm("crm_resource", "--clear", "--resource", resource)

    # -- back to healthy ------------------------------------------------------------------------------

    def ensure_healthy(self: Lab, *, rebalance: bool = False, timeout: float = 90.0) -> None:
        """Undoes every fault: nodes running and thawed, sshd up, no flags, no bans, no failures,
        every VM running and every DRBD pair in sync; with ``rebalance`` every VM back home."""
        t0 = time.monotonic()
        for node in self.nodes:
            if self.alive(node) and self.frozen(node):
                self.thaw(node)
        for node in self.nodes:
            if not self.alive(node):
                self.start_node(node)
            elif not self.sshd_listening(node):
                self.start_sshd(node)
        for flag in (self.state_dir / "faults").rglob("*"):
            if flag.is_file():
                flag.unlink()
        self.remove_snapshots()
        self.wait_online(self.nodes, timeout=timeout)
        self.clear_all_steering()
        for vm in self.vms.values():
            st = json.loads((self.state_dir / "drbd" / f"{vm.drbd}.json").read_text() or "{}")
            if st.get("split_brain"):
                holder = self.status().where(vm.name)
                self.resolve_split_brain(vm.drbd, vm.spare if holder == vm.home else vm.home)
        if self.status().failed or self._has_failures():
            self.cleanup_failures()
        left = lambda: max(5.0, timeout - (time.monotonic() - t0))  # noqa: E731
        where = self.wait_vms_running(timeout=left())
        for vm in self.vms.values():
            self.wait_drbd_synced(vm.drbd, timeout=left())
            if rebalance and where[vm.name] != vm.home:
                self.move_home(vm.name, timeout=left())

    def clear_all_steering(self: Lab) -> None:
        """Removes every ban and move left on the VMs and their DRBD clones."""
        for vm in self.vms.values():
            for rsc in (vm.name, vm.drbd_clone):
                self.crm("crm_resource", "--clear", "--resource", rsc, check=False)

    def cleanup_failures(self: Lab) -> None:
        self.crm("crm_resource", "--cleanup", check=False)

    def reboot_all(self: Lab, timeout: float = 40.0) -> None:
        """Kills every node and boots them all again (persistent CIB, logs and DRBD disks survive)."""
        for node in self.nodes:
            if self.alive(node):
                self.kill(node)
        for node in self.nodes:
            self.start_node(node, wait=False)
        for node in self.nodes:
            self._wait_ready(node, timeout)
        self.wait_online(self.nodes, timeout=timeout)

    def _has_failures(self: Lab) -> bool:
        return "<failure " in self.crm_mon_xml()

    def move_home(self: Lab, vm: str, timeout: float = 40.0) -> None:
        """Moves ``vm`` back to its home node the way an operator would: ban where it is, then clear."""
        spec = self.vms[vm]
        current = self.status().where(vm)
        if current == spec.home:
            return
        self.wait_drbd_synced(spec.drbd, timeout=timeout)
        self.ban(vm, current or spec.spare)
        try:
            self.wait_vm_on(vm, spec.home, timeout=timeout)
        finally:
            self.clear(vm)
        self.wait_drbd_synced(spec.drbd, timeout=timeout)


@contextlib.contextmanager
def _holding(paths: Sequence[Path], timeout: float = 5.0) -> Iterator[None]:
    """Holds an exclusive flock on each of ``paths`` (those it gets within ``timeout``: a lock still
    busy then is left alone rather than the drill waiting on it)."""
    deadline = time.monotonic() + timeout
    held: list[int] = []
    try:
        for path in paths:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    held.append(fd)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        os.close(fd)
                        break
                    time.sleep(0.01)
        yield
    finally:
        for fd in held:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)


def _alive(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie (a killed sshd whose parent has not reaped it
    has closed its sockets already)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2 :].split()[0] != "Z"
