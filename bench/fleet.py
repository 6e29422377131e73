"""Provides ``Fleet``: N real OpenSSH sshd "nodes" on loopback, each serving captured outputs.

Each node is a ``tests.support.sshd.SshdServer`` (its own port, host key and client key) whose
session PATH starts with fake node tools: ``crm_mon``, ``cibadmin``, ``drbdadm``, ``xm``,
``corosync-cfgtool``/``-quorumtool`` and ``cat``/``head`` wrappers that answer ``/proc/drbd``. They
print the captures of ``tests/replays/<scenario>/vnodeK`` (node k serves vnode((k-1) mod 3 + 1)),
so hatui detects and polls them exactly as it would a Pacemaker 2.1 / DRBD 8.3 / xm node. sshd logs
at VERBOSE, so ``session_counts`` tells how many remote commands each node ran.

The nodes log in as root, whose shell is bash: run by sshd, bash reads ``~/.bashrc`` even for a
command. A stock Debian ``.bashrc`` returns at once when not interactive; a customised one can cost
much more (on the machine these figures come from, ``pyenv init`` made it 88 ms per command).
``lean_shell`` makes sshd set ``SHLVL=1``, which makes bash skip ``.bashrc`` as a stock node would.
"""

from __future__ import annotations

import shlex
import shutil
import sys
import tempfile
from pathlib import Path

import yaml

from bench.common import ROOT, SHARED, TESTS

REPLAYS = ROOT / "tests" / "replays"
CRM_MON_HELP = ROOT / "src" / "hatui" / "demo" / "data" / "crm_mon-2.1.5-help-all.txt"
CRM_MON_TEXT = SHARED / "lab" / "samples" / "live-3node-crm_mon.txt"
EMPTY_CONSTRAINTS = ROOT / "tests" / "fixtures" / "constraints" / "empty.xml"
PCMK_VERSION = "Pacemaker 2.1.5\nWritten by Andrew Beekhof and the Pacemaker project contributors\n"
DRBDADM_VERSION = (
    "DRBDADM_API_VERSION=1\nDRBD_KERNEL_VERSION_CODE=0x080307\n"
    "DRBD_KERNEL_VERSION=8.3.7\nDRBDADM_VERSION=8.3.7\n"
)


def sshd_support() -> tuple[type, str | None]:
    """``(SshdServer, why-not)`` from the tests' real-sshd support module."""
    if str(TESTS) not in sys.path:
        sys.path.insert(0, str(TESTS))
    from support.sshd import SshdServer, sshd_unavailable

    return SshdServer, sshd_unavailable()


def install_tools(bin_dir: Path, data: Path) -> None:
    """Writes the fake node tools into ``bin_dir``, serving the capture folder ``data``."""
    q = shlex.quote
    real_cat = shutil.which("cat", path="/usr/bin:/bin") or "/bin/cat"
    real_head = shutil.which("head", path="/usr/bin:/bin") or "/usr/bin/head"
    text_status = CRM_MON_TEXT if CRM_MON_TEXT.exists() else data / "crm_mon.xml"
    proc_drbd = q(str(data / "proc_drbd"))
    tools = {
        "crm_mon": f"""case "$*" in
  *--version*) printf %s {q(PCMK_VERSION)} ;;
  *--help-all*) exec {real_cat} {q(str(CRM_MON_HELP))} ;;
  *--output-as=xml*) exec {real_cat} {q(str(data / "crm_mon.xml"))} ;;
  *) exec {real_cat} {q(str(text_status))} ;;
esac""",
        "cat": f"""for a in "$@"; do [ "$a" = /proc/drbd ] && exec {real_cat} {proc_drbd}; done
exec {real_cat} "$@\"""",
        "head": f"""for a in "$@"; do [ "$a" = /proc/drbd ] && exec {real_head} -n 2 {proc_drbd}; done
exec {real_head} "$@\"""",
        "drbdadm": f"""case "$1" in
  --version) printf %s {q(DRBDADM_VERSION)} ;;
  dump) exec {real_cat} {q(str(data / "drbd_dump"))} ;;
  *) exit 20 ;;
esac""",
        "xm": f'[ "$1" = list ] && exec {real_cat} {q(str(data / "xm_list"))}; exit 1',
        "corosync-cfgtool": f"exec {real_cat} {q(str(data / 'corosync_cfgtool'))}",
        "corosync-quorumtool": f"exec {real_cat} {q(str(data / 'corosync_quorumtool'))}",
        "cibadmin": f"exec {real_cat} {q(str(EMPTY_CONSTRAINTS))}",
        "crm": "exit 0",
        # The replays have no LVM: without this the nodes ran this machine's own LVM tools, whose
        # vgs scans the host's devices (and, with the lab's loop devices, writes a VG archive on
        # every run: 130+ ms of CPU each), so the fan-out measured the host's LVM, not hatui.
        "lvm": "exit 127",
    }
    for name, body in tools.items():
        path = bin_dir / name
        path.write_text(f"#!/bin/sh\n{body}\n")
        path.chmod(0o755)


def set_shlvl(sshd_config: str, on: bool) -> str:
    """``sshd_config`` with ``SHLVL=1`` added to (or removed from) its ``SetEnv`` line."""
    lines = []
    for line in sshd_config.splitlines():
        if line.startswith("SetEnv "):
            words = [w for w in line.split()[1:] if not w.startswith("SHLVL=")]
            line = "SetEnv " + " ".join((["SHLVL=1"] if on else []) + words)
        lines.append(line)
    return "\n".join(lines) + "\n"


class Fleet:
    """``nodes`` sshd-backed nodes; ``start()``, then ``config_path`` for ``hatui --config``; ``stop()``."""

    def __init__(
        self, nodes: int, scenario: str = "healthy", root: Path | None = None, *, lean_shell: bool = True
    ) -> None:
        server_cls, why = sshd_support()
        if why:
            raise RuntimeError(f"sshd-backed nodes unavailable: {why}")
        self._own_root = root is None
        self.root = root or Path(tempfile.mkdtemp(prefix="hatui-bench-fleet-"))
        self.names = tuple(f"vnode{i}" for i in range(1, nodes + 1))
        source = REPLAYS / scenario
        self.servers = {}
        for i, name in enumerate(self.names):
            server = server_cls(self.root / name)
            install_tools(server.bin_dir, source / f"vnode{i % 3 + 1}")
            self.servers[name] = server
        self.known_hosts = self.root / "known_hosts"
        self.config_path = self.root / "hatui.yaml"
        self.lean_shell = False
        self._write_lean(lean_shell)

    def _write_lean(self, on: bool) -> None:
        for server in self.servers.values():
            server.config_path.write_text(set_shlvl(server.config_path.read_text(), on))
        self.lean_shell = on

    def set_lean_shell(self, on: bool) -> None:
        """Switches every node's sshd to (or from) a shell that skips ``.bashrc``; restarts them."""
        self._write_lean(on)
        for server in self.servers.values():
            if server.running:
                server.restart()

    def start(self) -> Fleet:
        self.known_hosts.write_text("")
        try:
            for server in self.servers.values():
                server.start()
                server.trust(self.known_hosts)
        except Exception:
            self.stop()
            raise
        nodes = [
            {"name": n, "host": s.host, "port": s.port, "user": "root", "identity_file": str(s.client_key)}
            for n, s in self.servers.items()
        ]
        cluster = {
            "display_name": f"bench fleet ({len(nodes)} sshd nodes)",
            "nodes": nodes,
            "known_hosts": str(self.known_hosts),
            "connect_timeout": 10,
            "command_timeout": 20,
        }
        self.config_path.write_text(yaml.safe_dump({"clusters": {"bench": cluster}}, sort_keys=False))
        return self

    def stop(self) -> None:
        """Stops every sshd by PID (with its sessions) and removes the temp dir."""
        for server in self.servers.values():
            server.stop()
        if self._own_root:
            shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> Fleet:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def pids(self) -> list[int]:
        return [s.proc.pid for s in self.servers.values() if s.proc is not None]

    def ssh_argv(self, node: str) -> list[str]:
        s = self.servers[node]
        return [
            "ssh",
            "-F",
            "/dev/null",
            "-i",
            str(s.client_key),
            "-o",
            f"UserKnownHostsFile={self.known_hosts}",
            "-o",
            "StrictHostKeyChecking=yes",
            "-o",
            "BatchMode=yes",
            "-o",
            "IdentitiesOnly=yes",
            "-p",
            str(s.port),
            f"root@{s.host}",
        ]

    def session_counts(self) -> dict[str, int]:
        """Remote commands (sshd sessions) each node has run so far."""
        return {n: s.session_count() for n, s in self.servers.items()}
