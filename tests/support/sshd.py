"""Provides a REAL OpenSSH sshd on 127.0.0.1 for tests, and the ``sshd_factory`` fixture.

Each server lives in its own temp dir: host key, client key, authorized_keys, sshd_config, log and
a ``bin/`` dir of fake node tools that sshd puts first on the session PATH (``SetEnv PATH=...``).
It runs as root with ``PermitRootLogin prohibit-password`` (key only), no PAM, no ForceCommand.

A server can be stopped hard (the listener AND its per-connection children, as when a node dies)
and started again on the same port. The fixture's finalizer stops every server by PID, also when
the test failed. Use it by importing it into the test module: ``from support.sshd import sshd_factory``.

``install_stack_tools`` writes fake Pacemaker 2.1 / DRBD 9 / Xen / corosync tools that print real
captured outputs from ../shared, for polls and stack detection over the real sshd.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import pwd
import shlex
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from hatui.config import NodeConfig
from support import ROOT, SHARED

SSHD = Path("/usr/sbin/sshd")
SSH_KEYGEN = shutil.which("ssh-keygen")
#: sshd refuses to start without its privilege separation directory.
PRIVSEP_DIR = Path("/run/sshd")
#: The session PATH: fake tools first, then only the basic system dirs (sh, cat, sleep, timeout).
BASE_PATH = "/usr/bin:/bin"


def sshd_unavailable() -> str | None:
    """Returns why a real sshd cannot be run here, or None when it can."""
    if not SSHD.is_file():
        return f"{SSHD} is not installed (apt-get install openssh-server)"
    if SSH_KEYGEN is None:
        return "ssh-keygen is not installed"
    if os.geteuid() != 0:
        return "the sshd tests log in as root and must run as root"
    return None


def free_port() -> int:
    """Returns a TCP port that was free on 127.0.0.1 a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def keygen(path: Path, comment: str = "hatui-test") -> Path:
    """Generates an ed25519 key pair without passphrase at ``path`` (+ ``.pub``)."""
    assert SSH_KEYGEN is not None
    for p in (path, path.with_name(path.name + ".pub")):
        p.unlink(missing_ok=True)
    subprocess.run(
        [SSH_KEYGEN, "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", str(path)],
        check=True,
        capture_output=True,
    )
    return path


class SshdServer:
    """One real sshd on 127.0.0.1:``port``."""

    host = "127.0.0.1"

    def __init__(self, root: Path, port: int | None = None) -> None:
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)
        self.port = port or free_port()
        self.bin_dir = root / "bin"
        self.bin_dir.mkdir(exist_ok=True)
        self.host_key = keygen(root / "host_ed25519_key", "hatui-test-host")
        self.client_key = keygen(root / "client_key", "hatui-test-client")
        self.authorized_keys = root / "authorized_keys"
        self.authorized_keys.write_text(self.client_key.with_name("client_key.pub").read_text())
        self.config_path = root / "sshd_config"
        self.log_path = root / "sshd.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self._write_config()

    def _write_config(self) -> None:
        self.config_path.write_text(
            "\n".join(
                [
                    f"Port {self.port}",
                    f"ListenAddress {self.host}",
                    f"HostKey {self.host_key}",
                    f"AuthorizedKeysFile {self.authorized_keys}",
                    "StrictModes no",
                    "PermitRootLogin prohibit-password",
                    "PubkeyAuthentication yes",
                    "PasswordAuthentication no",
                    "KbdInteractiveAuthentication no",
                    "UsePAM no",
                    "PidFile none",
                    "LogLevel VERBOSE",
                    "MaxStartups 100",
                    "MaxSessions 100",
                    f"SetEnv PATH={self.bin_dir}:{BASE_PATH}",
                    "",
                ]
            )
        )

    # -- fake node tools --------------------------------------------------------------------

    def add_tool(self, name: str, body: str) -> Path:
        """Writes an executable ``sh`` script ``bin/name`` whose body is ``body``."""
        path = self.bin_dir / name
        path.write_text(f"#!/bin/sh\n{body}\n")
        path.chmod(0o755)
        return path

    # -- keys -------------------------------------------------------------------------------

    def host_key_line(self) -> str:
        """The known_hosts line for this server's current host key."""
        kind, blob = self.host_key.with_name(self.host_key.name + ".pub").read_text().split()[:2]
        return f"[{self.host}]:{self.port} {kind} {blob}\n"

    def trust(self, known_hosts: Path) -> None:
        """Appends this server's host key to ``known_hosts``."""
        known_hosts.parent.mkdir(parents=True, exist_ok=True)
        with known_hosts.open("a") as f:
            f.write(self.host_key_line())

    def new_host_key(self) -> None:
        """Replaces the host key (as a reinstalled node, or an impostor, would); restart to use it."""
        keygen(self.host_key, "hatui-test-host-new")

    def fingerprint(self) -> str:
        """The SHA256 fingerprint of the current host key, as ``ssh-keygen -l`` prints it."""
        assert SSH_KEYGEN is not None
        out = subprocess.run(
            [SSH_KEYGEN, "-l", "-E", "sha256", "-f", str(self.host_key)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        return out.split()[1]

    def node_config(self, name: str, **overrides: object) -> NodeConfig:
        """A NodeConfig that logs in as root with this server's client key."""
        base = NodeConfig(
            name=name, host=self.host, port=self.port, user="root", identity_file=str(self.client_key)
        )
        return dataclasses.replace(base, **overrides)

    # -- life cycle -------------------------------------------------------------------------

    def start(self, timeout: float = 5.0) -> None:
        """Starts sshd and waits until it accepts connections."""
        assert self.proc is None or self.proc.poll() is not None, "already running"
        PRIVSEP_DIR.mkdir(mode=0o755, exist_ok=True)
        log = self.log_path.open("ab")
        try:
            self.proc = subprocess.Popen(
                _private_home([str(SSHD), "-D", "-e", "-f", str(self.config_path)]),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        finally:
            log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"sshd exited {self.proc.returncode}:\n{self.log()}")
            with contextlib.suppress(OSError), socket.create_connection((self.host, self.port), 0.2):
                return
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"sshd did not listen on {self.port} within {timeout}s:\n{self.log()}")

    def stop(self) -> None:
        """Kills sshd and every process below it (sessions, their commands), by PID."""
        if self.proc is None:
            return
        pids = _descendants(self.proc.pid)
        # Children first: once the listener is gone they would be re-parented and lost from view.
        for pid in reversed(pids):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError):
            self.proc.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=5)
        self.proc = None

    def restart(self) -> None:
        """Stops hard and starts again on the same port."""
        self.stop()
        self.start()

    @property
    def running(self) -> bool:
        """True while the listener process lives."""
        return self.proc is not None and self.proc.poll() is None

    def log(self) -> str:
        """Everything sshd logged so far."""
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def session_count(self) -> int:
        """How many sessions (remote commands) sshd started so far."""
        return self.log().count("Starting session: command")


def _private_home(argv: list[str]) -> list[str]:
    """``argv`` run with an empty home of its own, when this process may make one (root).

    sshd runs each command through the user's login shell, and Debian's bash reads ``~/.bashrc``
    even then; a developer's or CI image's ``/root/.bashrc`` (pyenv's rehash takes a lock every
    shell of the machine shares) would make every test session slower and tie them together. The
    tmpfs is sshd's alone (a private mount namespace) and is gone with it.
    """
    unshare = shutil.which("unshare")
    if os.geteuid() != 0 or unshare is None:
        return argv
    home = pwd.getpwuid(os.geteuid()).pw_dir  # what sshd gives the session, whatever $HOME says
    script = 'mount -t tmpfs -o mode=700 tmpfs "$0" && exec "$@"'
    return [unshare, "--mount", "--propagation", "private", "sh", "-c", script, home, *argv]


def _descendants(root: int) -> list[int]:
    """PIDs below ``root``, parents before children, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name may hold spaces and parentheses: the ppid follows the LAST ')'.
        fields = stat[stat.rindex(")") + 2 :].split()
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    found: list[int] = []
    todo = [root]
    while todo:
        pid = todo.pop(0)
        for child in children.get(pid, []):
            found.append(child)
            todo.append(child)
    return found


@pytest.fixture
def sshd_factory(tmp_path: Path) -> Iterator[Callable[..., SshdServer]]:
    """Returns ``make(name="node", start=True) -> SshdServer``; stops them all at teardown."""
    reason = sshd_unavailable()
    if reason:
        pytest.skip(reason)
    servers: list[SshdServer] = []

    def make(name: str = "node", *, start: bool = True) -> SshdServer:
        server = SshdServer(tmp_path / f"sshd-{name}")
        servers.append(server)
        if start:
            server.start()
        return server

    try:
        yield make
    finally:
        for server in servers:
            server.stop()


# -- a fake node stack ----------------------------------------------------------------------

#: Real outputs the fake tools print (read from ../shared, never copied into the repo).
CRM_MON_XML = SHARED / "lab" / "samples" / "live-3node-crm_mon.xml"
DRBD_JSON = SHARED / "corpus" / "drbdsetup_status_json" / "hace-2res-uptodate.json"
XEN_LIST = SHARED / "corpus" / "xen_list" / "ganeti-xm-4.0.1-dom0-only.txt"
CFGTOOL = SHARED / "corpus" / "corosync_cfgtool" / "cfs-knet-2node.txt"
QUORUMTOOL = SHARED / "corpus" / "corosync_quorumtool" / "pcs-2.3-3node-qdevice.txt"
XL_INFO = SHARED / "corpus" / "storage" / "xl_info_debian12_xen4.17.4-pre_xendevel.txt"
CONSTRAINTS = ROOT / "tests" / "fixtures" / "constraints" / "mixed.xml"
#: The storage under the two DRBD resources: real LVM 2.03.16 and df outputs, and their DRBD 9
#: configuration (tests/fixtures/storage/generate.sh, tests/fixtures/drbd/generate.sh).
STORAGE = ROOT / "tests" / "fixtures" / "storage"
DRBD_DUMP = ROOT / "tests" / "fixtures" / "drbd" / "dump-9-sshd.txt"
ISCSI_SESSION = SHARED / "corpus" / "storage" / "iscsiadm_session_P3_debian_2.0-871_tabs_blog.txt"

#: What Pacemaker 2.1.5 answers to --version and (a part of) --help-all.
PCMK_VERSION = "Pacemaker 2.1.5\nWritten by Andrew Beekhof and the Pacemaker project contributors\n"
PCMK_HELP = (
    "Usage:\n  crm_mon [OPTION?]\n\nOutput Options:\n"
    "  --output-as=FORMAT                Specify output format as one of: console (default), "
    "html, text, xml\n"
    "  -X, --as-xml                      Write cluster status as XML to stdout. This will enable "
    "one-shot mode.\n                                    Use --output-as=xml instead.\n"
)


def install_stack_tools(bin_dir: Path, calls: Path, *, crm_mon_status: str | None = None) -> None:
    """Writes fake crm_mon, cibadmin, drbdsetup, drbdadm, xl, corosync-*tool, crm and the storage
    tools (lvm, pvs, vgs, lvs, iscsiadm, df) into ``bin_dir``.

    Every call appends its tool name and arguments to ``calls``. ``crm_mon_status`` is the shell
    code crm_mon runs for a status request (``--output-as=xml``) instead of printing the lab XML,
    e.g. ``exec sleep 30`` for a node that hangs.
    """
    q = shlex.quote

    def tool(name: str, body: str) -> None:
        path = bin_dir / name
        path.write_text(f'#!/bin/sh\necho "{name} $*" >> {q(str(calls))}\n{body}\n')
        path.chmod(0o755)

    status = crm_mon_status or f"cat {q(str(CRM_MON_XML))}"
    tool(
        "crm_mon",
        f"""case "$*" in
  *--version*) printf %s {q(PCMK_VERSION)} ;;
  *--help-all*) printf %s {q(PCMK_HELP)} ;;
  *--output-as=xml*) {status} ;;
  *) echo "crm_mon: unexpected arguments: $*" >&2; exit 64 ;;
esac""",
    )
    tool("cibadmin", f"cat {q(str(CONSTRAINTS))}")
    tool(
        "drbdsetup",
        f"""case "$*" in
  "status --json") cat {q(str(DRBD_JSON))} ;;
  *) echo "drbdsetup: unexpected arguments: $*" >&2; exit 20 ;;
esac""",
    )
    tool(
        "drbdadm",
        """case "$*" in
  --version) printf 'DRBDADM_API_VERSION=2\\nDRBD_KERNEL_VERSION_CODE=0x090205\\n'
             printf 'DRBD_KERNEL_VERSION=9.2.5\\nDRBDADM_VERSION=9.22.0\\n' ;;
  "dump all") cat DUMP ;;
  *) echo "drbdadm: unexpected arguments: $*" >&2; exit 20 ;;
esac""".replace("DUMP", q(str(DRBD_DUMP))),
    )
    tool(
        "xl",
        f'[ "$1" = list ] && exec cat {q(str(XEN_LIST))}\n'
        f'[ "$1" = info ] && exec cat {q(str(XL_INFO))}\nexit 1',
    )
    tool("corosync-cfgtool", f"cat {q(str(CFGTOOL))}")
    # Exit 2, as a real node that is not quorate does: the output must be kept all the same.
    tool("corosync-quorumtool", f"cat {q(str(QUORUMTOOL))}; exit 2")
    tool("crm", "exit 0")
    # The node's storage (the host's own LVM and df would differ from run to run).
    tool("lvm", f'[ "$1" = version ] && exec cat {q(str(STORAGE / "lvm_version"))}\nexit 3')
    for report in ("pvs", "vgs", "lvs"):
        tool(report, f"cat {q(str(STORAGE / f'{report}.json'))}")
    tool("iscsiadm", f"cat {q(str(ISCSI_SESSION))}")
    tool("df", f"cat {q(str(STORAGE / 'df'))}")
