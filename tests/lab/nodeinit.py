#!/usr/bin/python3
"""Provides the init (PID 1) of one lab node: private mounts, then corosync, pacemakerd and sshd.

Started by the harness as ``unshare --mount --pid --ipc --uts --fork --mount-proc python3
nodeinit.py NODE_JSON``; it shares the host's network namespace. Standard library only: it runs
from the lab's bin directory, outside the project's environment. As PID 1 it reaps every orphan,
and it holds the node's liveness flock until the namespace dies (the DRBD emulator of the peer
reads it). Killing it with SIGKILL from the host kills the whole node at once.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

OCF_ROOT = Path("/usr/lib/ocf/resource.d")


def sh(*argv: str) -> None:
    subprocess.run(argv, check=True)


def log(cfg: dict, message: str) -> None:
    with open(Path(cfg["node_dir"]) / "init.log", "a") as f:
        f.write(f"{time.strftime('%H:%M:%S')} {message}\n")


def mount_private(cfg: dict) -> None:
    d = Path(cfg["node_dir"])
    private_tmpfs()
    for src, dst in (
        ("varlib-pcmk", "/var/lib/pacemaker"),
        ("varlib-corosync", "/var/lib/corosync"),
        ("etc-corosync", "/etc/corosync"),
        ("etc-libqb", "/etc/libqb"),
        ("log", "/var/log"),
        ("hosts", "/etc/hosts"),
        ("ssh", "/etc/ssh"),
    ):
        sh("mount", "--bind", str(d / src), dst)
    mount_storage(d)
    sh("mount", "--bind", cfg["bin_dir"], "/usr/local/sbin")
    overlay_agents(cfg)


def mount_storage(node_dir: Path) -> None:
    """The node's LVM configuration and backup target (tests.lab.storage), where the host has them."""
    for src, dst in (("etc-lvm", "/etc/lvm"), ("srv", "/srv")):
        if (node_dir / src).is_dir() and Path(dst).is_dir():
            sh("mount", "--bind", str(node_dir / src), dst)


def private_tmpfs() -> None:
    """Makes the node's mounts private, with its own /run, /dev/shm, /tmp and /root."""
    sh("mount", "--make-rprivate", "/")
    sh("mount", "-t", "tmpfs", "-o", "mode=755", "tmpfs", "/run")
    # Root's home: bash run by sshd reads ~/.bashrc, and the host's may do anything. On the CI image
    # it runs `pyenv init -`, whose rehash waits (up to 60 s) on a lock file in the host's
    # /root/.pyenv that every node of both labs and the host share: every poll's session queued on
    # it under load, and a node frozen while holding it hung its peers' sessions.
    sh("mount", "-t", "tmpfs", "-o", "mode=700", "tmpfs", "/root")
    sh("mount", "-t", "tmpfs", "-o", "mode=1777", "tmpfs", "/dev/shm")
    # libqb puts its filesystem sockets in /tmp: every node needs its own.
    sh("mount", "-t", "tmpfs", "-o", "mode=1777", "tmpfs", "/tmp")


def overlay_agents(cfg: dict, ocf_root: Path = OCF_ROOT) -> None:
    """Lays the lab's agents over /usr/lib/ocf/resource.d without touching the host's tree.

    The host tree is bound under /run, a tmpfs replaces resource.d, untouched providers are bound
    back one by one, and a provider with a lab agent (linbit) becomes a copy plus that agent.
    """
    host = Path("/run/hatui-lab/ocf-host")
    host.mkdir(parents=True, exist_ok=True)
    sh("mount", "--bind", str(ocf_root), str(host))
    sh("mount", "-t", "tmpfs", "-o", "mode=755", "tmpfs", str(ocf_root))
    overrides: dict[str, dict[str, str]] = cfg["agents"]
    for entry in sorted(host.iterdir()):
        target = ocf_root / entry.name
        if entry.is_dir() and entry.name not in overrides:
            target.mkdir()
            sh("mount", "--bind", str(entry), str(target))
        elif entry.is_dir():
            shutil.copytree(entry, target, symlinks=True)
    for provider, agents in overrides.items():
        (ocf_root / provider).mkdir(exist_ok=True)
        for name, src in agents.items():
            dst = ocf_root / provider / name
            dst.unlink(missing_ok=True)
            shutil.copy(src, dst)
            dst.chmod(0o755)


def prepare_run(cfg: dict) -> None:
    lab = Path("/run/hatui-lab")
    lab.mkdir(parents=True, exist_ok=True)
    info = {
        "node": cfg["node"],
        "state": cfg["state"],
        "boot": cfg["boot"],
        "run": "/run",
        "started": time.time(),
    }
    (lab / "node.json").write_text(json.dumps(info, indent=1, sort_keys=True) + "\n")
    for path, mode in (("/run/sshd", 0o755), ("/run/resource-agents", 0o1755), ("/run/crm", 0o750)):
        os.makedirs(path, exist_ok=True)
        os.chmod(path, mode)
    shutil.chown("/run/crm", "hacluster", "haclient")


def hold_liveness_lock(cfg: dict) -> int:
    fd = os.open(cfg["alive_file"], os.O_RDWR | os.O_CREAT, 0o644)
    # A peer's DRBD emulator probes the lock (shared, for an instant): wait for it, and say so in
    # the log if that ever takes long, so a boot that hangs here shows where.
    waited = 0.0
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if waited == 2.0:
                log(cfg, "waiting for the liveness lock")
            time.sleep(0.1)
            waited = round(waited + 0.1, 1)
    return fd


def start_daemons(cfg: dict) -> dict[int, str]:
    env = {"PATH": cfg["path"], "HOME": "/root", "LANG": "C.UTF-8"}
    out = open("/var/log/hatui-lab-daemons.log", "a")  # noqa: SIM115 - shared by the daemons for life
    procs = {}
    coro = subprocess.Popen(["corosync", "-f"], env=env, stdout=out, stderr=out, stdin=subprocess.DEVNULL)
    procs[coro.pid] = "corosync"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:  # a corosync still starting may hold its IPC client: never wait on one call for ever
            answer = subprocess.run(["corosync-cfgtool", "-s"], env=env, capture_output=True, timeout=5)
            if answer.returncode == 0:
                break
        except subprocess.TimeoutExpired:
            log(cfg, "corosync-cfgtool -s did not answer within 5 s")
        time.sleep(0.1)
    else:
        log(cfg, "corosync did not answer corosync-cfgtool -s within 20 s")
    log(cfg, "corosync up")
    pcmk_env = dict(env, PCMK_logfile="/var/log/pacemaker/pacemaker.log", PCMK_logfacility="none")
    pcmk = subprocess.Popen(
        ["pacemakerd", "-f"], env=pcmk_env, stdout=out, stderr=out, stdin=subprocess.DEVNULL
    )
    procs[pcmk.pid] = "pacemakerd"
    sshd = subprocess.Popen(
        ["/usr/sbin/sshd", "-D", "-f", "/etc/ssh/sshd_config", "-E", "/var/log/sshd.log"],
        env=env,
        stdout=out,
        stderr=out,
        stdin=subprocess.DEVNULL,
    )
    procs[sshd.pid] = "sshd"
    log(cfg, f"pacemakerd {pcmk.pid} and sshd {sshd.pid} started")
    return procs


def reap_forever(cfg: dict, procs: dict[int, str]) -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, 0)
        except ChildProcessError:
            time.sleep(1)
            continue
        if pid in procs:
            log(cfg, f"{procs.pop(pid)} ({pid}) exited with status {status}")


def run(mount: Callable[[dict], None], start: Callable[[dict], dict[int, str]]) -> None:
    """PID 1's life, with the stack's own private mounts (``mount``) and daemons (``start``: pid -> name).

    A node that cannot come up writes why to its init.log before the namespace dies.
    """
    try:
        cfg = json.loads(Path(sys.argv[1]).read_text())
        socket.sethostname(cfg["node"])
        log(cfg, f"boot {cfg['boot']}")
        mount(cfg)
        prepare_run(cfg)
        lock_fd = hold_liveness_lock(cfg)
        log(cfg, "mounted, liveness lock held")
        procs = start(cfg)
        (Path(cfg["node_dir"]) / "init.status").write_text(f"ready {cfg['boot']}\n")
        try:
            reap_forever(cfg, procs)
        finally:
            os.close(lock_fd)
    except Exception as exc:
        node_dir = json.loads(Path(sys.argv[1]).read_text()).get("node_dir", "/tmp")
        with open(Path(node_dir) / "init.log", "a") as f:
            f.write(f"init failed: {exc!r}\n")
        raise


if __name__ == "__main__":
    run(mount_private, start_daemons)
