#!/usr/bin/python3
"""Provides the init (PID 1) of one seed-lab node: private mounts, then heartbeat 3.0.6 and sshd.

Started by the harness as ``nsenter --net=<lab netns> unshare --mount --uts --pid --ipc --fork
--mount-proc python3 seedinit.py NODE_JSON``. Standard library only (it runs outside the project's
environment), plus the modern lab's ``nodeinit`` beside it in the lab's bin directory. The node's
own copy of the compiled-in state dir is bound over ``$LAB/var`` and its ``ha.d`` over
``$PREFIX/etc/ha.d`` (as lab.sh does); /run, /tmp and /dev/shm are private; the lab's ``bin`` is
bound over /usr/local/sbin; the DRBD stand-in agent is laid over the OCF tree as
``ocf:linbit:drbd``. heartbeat daemonizes and respawns Pacemaker's daemons; this init reaps every
orphan and holds the node's liveness flock (read by the peer's DRBD emulator) until the node dies.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from nodeinit import log, mount_storage, overlay_agents, private_tmpfs, run, sh


def mount_private(cfg: dict) -> None:
    d = Path(cfg["node_dir"])
    prefix, lab = Path(cfg["prefix"]), Path(cfg["lab"])
    private_tmpfs()
    for src, dst in ((d / "var", lab / "var"), (d / "ha.d", prefix / "etc" / "ha.d"),
                     (d / "hosts", Path("/etc/hosts")), (d / "ssh", Path("/etc/ssh")),
                     (Path(cfg["bin_dir"]), Path("/usr/local/sbin"))):  # fmt: skip
        sh("mount", "--bind", str(src), str(dst))
    mount_storage(d)
    # ocf:linbit:drbd over the 1.0.3 tree, without touching the build.
    overlay_agents({"agents": {"linbit": {"drbd": cfg["drbd_agent"]}}}, prefix / "lib" / "ocf" / "resource.d")


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


if __name__ == "__main__":
    run(mount_private, start_daemons)
