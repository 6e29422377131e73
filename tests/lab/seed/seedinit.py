#!/usr/bin/python3
"""Provides the init (PID 1) of one seed-lab node: private mounts, then heartbeat 3.0.6 and sshd.

Started by the harness as ``nsenter --net=<lab netns> unshare --mount --uts --pid --ipc --fork
--mount-proc python3 seedinit.py NODE_JSON``. Standard library only (it runs outside the project's
environment). The node's own copy of the compiled-in state dir is bound over ``$LAB/var`` and its
``ha.d`` over ``$PREFIX/etc/ha.d`` (as lab.sh does); /run, /tmp and /dev/shm are private; the lab's
``bin`` is bound over /usr/local/sbin; the DRBD stand-in agent is laid over the OCF tree as
``ocf:linbit:drbd``. heartbeat daemonizes and respawns Pacemaker's daemons; this init reaps every
orphan and holds the node's liveness flock (read by the peer's DRBD emulator) until the node dies.
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
from pathlib import Path


def sh(*argv: str) -> None:
    subprocess.run(argv, check=True)


def log(cfg: dict, message: str) -> None:
    with open(Path(cfg["node_dir"]) / "init.log", "a") as f:
        f.write(f"{time.strftime('%H:%M:%S')} {message}\n")


def mount_private(cfg: dict) -> None:
    d = Path(cfg["node_dir"])
    prefix, lab = Path(cfg["prefix"]), Path(cfg["lab"])
    sh("mount", "--make-rprivate", "/")
    sh("mount", "-t", "tmpfs", "-o", "mode=755", "tmpfs", "/run")
    sh("mount", "-t", "tmpfs", "-o", "mode=1777", "tmpfs", "/dev/shm")
    sh("mount", "-t", "tmpfs", "-o", "mode=1777", "tmpfs", "/tmp")
    for src, dst in ((d / "var", lab / "var"), (d / "ha.d", prefix / "etc" / "ha.d"),
                     (d / "hosts", Path("/etc/hosts")), (d / "ssh", Path("/etc/ssh")),
                     (Path(cfg["bin_dir"]), Path("/usr/local/sbin"))):  # fmt: skip
        sh("mount", "--bind", str(src), str(dst))
    overlay_linbit(prefix / "lib" / "ocf" / "resource.d", Path(cfg["drbd_agent"]))


def overlay_linbit(ocf: Path, agent: Path) -> None:
    """Adds ``linbit/drbd`` to the 1.0.3 OCF tree without touching the build: a tmpfs over it,
    the built providers bound back one by one."""
    host = Path("/run/seed-lab/ocf-host")
    host.mkdir(parents=True, exist_ok=True)
    sh("mount", "--bind", str(ocf), str(host))
    sh("mount", "-t", "tmpfs", "-o", "mode=755", "tmpfs", str(ocf))
    for entry in sorted(host.iterdir()):
        if entry.is_dir():
            (ocf / entry.name).mkdir()
            sh("mount", "--bind", str(entry), str(ocf / entry.name))
    (ocf / "linbit").mkdir()
    shutil.copy(agent, ocf / "linbit" / "drbd")
    (ocf / "linbit" / "drbd").chmod(0o755)


def prepare_run(cfg: dict) -> None:
    lab = Path("/run/hatui-lab")
    lab.mkdir(parents=True, exist_ok=True)
    info = {"node": cfg["node"], "state": cfg["state"], "boot": cfg["boot"], "run": "/run",
            "started": time.time()}  # fmt: skip
    (lab / "node.json").write_text(json.dumps(info, indent=1, sort_keys=True) + "\n")
    os.makedirs("/run/sshd", exist_ok=True)
    os.chmod("/run/sshd", 0o755)
    os.makedirs("/run/resource-agents", exist_ok=True)


def start_daemons(cfg: dict) -> dict[int, str]:
    env = {"PATH": cfg["path"], "HOME": "/root", "LANG": "C", "HA_UCAST_BINDADDR": cfg["address"]}
    out = open(Path(cfg["lab"]) / "var" / "log" / "daemons.log", "a")  # noqa: SIM115 - for life
    hb = subprocess.run([str(Path(cfg["prefix"]) / "libexec" / "heartbeat" / "heartbeat")], env=env,
                        stdout=out, stderr=out, stdin=subprocess.DEVNULL)  # fmt: skip
    log(cfg, f"heartbeat started (exit {hb.returncode} of its launcher)")
    sshd = subprocess.Popen(["/usr/sbin/sshd", "-D", "-f", "/etc/ssh/sshd_config", "-E", "/run/sshd.log"],
                            env=env, stdout=out, stderr=out, stdin=subprocess.DEVNULL)  # fmt: skip
    log(cfg, f"sshd {sshd.pid} started")
    return {sshd.pid: "sshd"}


def main() -> None:
    cfg = json.loads(Path(sys.argv[1]).read_text())
    socket.sethostname(cfg["node"])
    mount_private(cfg)
    prepare_run(cfg)
    lock_fd = os.open(cfg["alive_file"], os.O_RDWR | os.O_CREAT, 0o644)
    fcntl.flock(lock_fd, fcntl.LOCK_EX)
    procs = start_daemons(cfg)
    (Path(cfg["node_dir"]) / "init.status").write_text(f"ready {cfg['boot']}\n")
    while True:
        try:
            pid, status = os.waitpid(-1, 0)
        except ChildProcessError:
            time.sleep(1)
            continue
        if pid in procs:
            log(cfg, f"{procs.pop(pid)} ({pid}) exited with status {status}")


if __name__ == "__main__":
    try:
        main()
    except Exception as exc:  # a broken node must say why before the namespace dies
        node_dir = json.loads(Path(sys.argv[1]).read_text()).get("node_dir", "/tmp")
        with open(Path(node_dir) / "init.log", "a") as f:
            f.write(f"init failed: {exc!r}\n")
        raise
