"""Provides ``open_testbed``: the cluster benchmarks 1, 4 and 5 run against.

Preferred: the real 3-node Pacemaker/Corosync lab of ``tests/lab`` (``harness.Lab``), started on
its own loopback addresses (127.0.2.x) so that it never collides with a lab the test suite runs,
and torn down afterwards. Failing that (not root, no Pacemaker, harness missing or broken): three
sshd-backed nodes serving real captures (``bench.fleet``), and every figure says so.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bench.common import ROOT, SHARED
from bench.fleet import Fleet, set_shlvl

#: ``HATUI_BENCH_LAB_BASE`` moves it, so that the hour-long memory run can have a lab of its own
#: while the other benchmarks use theirs.
LAB_ADDRESS_BASE = os.environ.get("HATUI_BENCH_LAB_BASE") or "127.0.2.2"
LAB_CIB = SHARED / "lab" / "samples" / "live-3node-cib.xml"


@dataclass
class Testbed:
    """A running 3-node cluster hatui can be pointed at."""

    kind: str
    """``lab`` (real Pacemaker/Corosync) or ``sshd`` (sshd-backed nodes serving captures)."""
    description: str
    nodes: tuple[str, ...]
    config_path: Path
    ssh_argv: Callable[[str], list[str]]
    on_node: Callable[[list[str]], list[str]]
    """Turns a command into the argv that runs it on the first node, as an admin logged in there would."""
    on_node_env: dict[str, str]
    stop: Callable[[], None]
    set_lean_shell: Callable[[bool], None] | None = None
    """Makes the nodes' sshd start bash without ``~/.bashrc`` (as a stock node's does) or as found."""
    lean_shell: bool = False
    node_cpu_s: Callable[[], dict[str, float]] | None = None
    """Per node: CPU seconds used so far by every process of the node (lab only)."""
    session_counts: Callable[[], dict[str, int]] | None = None
    notes: list[str] = field(default_factory=list)


def lab_unavailable() -> str | None:
    """Why the lab cannot be used here, or None."""
    if not (ROOT / "tests" / "lab" / "harness.py").exists():
        return "tests/lab/harness.py does not exist yet"
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    try:
        from tests.lab.harness import missing_prerequisites
    except Exception as exc:  # a harness still being written may not import
        return f"tests/lab does not import: {exc!r}"
    return missing_prerequisites()


def open_lab() -> Testbed:
    """Starts the lab, waits until it is healthy (VMs running, DRBD in sync) and returns it."""
    from tests.lab.harness import HOST_ENV, Lab
    from tests.lab.layout import NODE_PATH

    lab = Lab(3, address_base=LAB_ADDRESS_BASE, owner="bench")
    try:
        t0 = time.monotonic()
        lab.up()
        lab.ensure_healthy()
        took = time.monotonic() - t0
    except Exception:
        lab.down()
        raise
    first = lab.nodes[0]

    def on_node(cmd: list[str]) -> list[str]:
        return ["nsenter", "-t", str(lab.init_pid(first)), "-m", "-u", "-i", "-p", "--wd=/root", "--", *cmd]

    def stop() -> None:
        problems = lab.down()
        if problems:
            print("lab tear-down left: " + "; ".join(problems), file=sys.stderr)

    bed: Testbed

    def set_lean(on: bool) -> None:
        for node in lab.nodes:
            path = lab.layout.node_dir(node) / "ssh" / "sshd_config"
            path.write_text(set_shlvl(path.read_text(), on))
            lab.kill_sshd(node)
            lab.start_sshd(node)
        bed.lean_shell = on

    bed = Testbed(
        kind="lab",
        description=f"3-node Pacemaker/Corosync lab (tests/lab, {LAB_ADDRESS_BASE}..), "
        f"up and healthy in {took:.1f} s",
        nodes=tuple(lab.nodes),
        config_path=lab.config_path,
        ssh_argv=lab.ssh_argv,
        on_node=on_node,
        on_node_env={**HOST_ENV, "PATH": NODE_PATH, "HATUI_LAB_NO_HANG": "1", "HOME": "/root"},
        stop=stop,
        node_cpu_s=lambda: {n: _node_cpu_s(lab, n) for n in lab.nodes},
        set_lean_shell=set_lean,
    )
    return bed


def _node_cpu_s(lab: object, node: str) -> float:
    """CPU seconds of every process in the node's PID namespace (own + reaped children), from /proc.

    By namespace, not by the node's cgroup: an sshd restarted through nsenter (as ``set_lean``
    does) is in the node's namespaces but not in its cgroup.
    """
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in lab._pids_in_node(node):  # type: ignore[attr-defined]
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        total += sum(int(x) for x in fields[11:15])  # utime stime cutime cstime
    return total / tick


def open_fleet() -> Testbed:
    fleet = Fleet(3, lean_shell=False).start()
    env = {**os.environ, "CIB_file": str(LAB_CIB)}
    bed: Testbed

    def set_lean(on: bool) -> None:
        fleet.set_lean_shell(on)
        bed.lean_shell = on

    bed = Testbed(
        kind="sshd",
        description="3 sshd-backed nodes on 127.0.0.1 serving tests/replays/healthy (the lab was not usable)",
        nodes=fleet.names,
        config_path=fleet.config_path,
        ssh_argv=fleet.ssh_argv,
        on_node=lambda cmd: cmd,
        on_node_env=env,
        stop=fleet.stop,
        session_counts=fleet.session_counts,
        set_lean_shell=set_lean,
        notes=["one-node tools ran locally against CIB_file=live-3node-cib.xml (no cluster daemons)"],
    )
    return bed


def open_testbed(prefer_lab: bool = True) -> Testbed:
    """The lab when it can run, else the sshd fleet (with the reason in ``notes``)."""
    why = lab_unavailable() if prefer_lab else "the lab was not asked for (--no-lab)"
    if why is None:
        try:
            return open_lab()
        except Exception as exc:  # fall back, and say why
            why = f"the lab did not come up: {exc}"
    bed = open_fleet()
    bed.notes.insert(0, f"lab not used: {why}")
    return bed
