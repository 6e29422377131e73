"""Provides ``python -m tests.lab.hatui_lab``: the lab for people (``up``, ``down``, faults, ``status``).

``up`` starts a small keeper process that owns the lab: node namespaces are its children, so it
reaps them when they are killed (this machine's PID 1 does not reap orphans) and it can start
them again. Every other command talks to the keeper over ``<state>/keeper.sock``. ``down`` falls
back to tearing down from ``<state>/lab.json`` alone when the keeper is gone, and ``down --all``
cleans every lab under /var/tmp (a crashed test run's too).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from . import cleanup, storage
from .files import HANGABLE
from .harness import Lab, LabError
from .storage_faults import NO_HANG

POINTER = Path(os.environ.get("HATUI_LAB_CURRENT", cleanup.STATE_ROOT / "hatui-lab.current"))
REPO = Path(__file__).resolve().parents[2]
NODE_COMMANDS = ("kill", "freeze", "thaw", "kill-sshd", "start-sshd", "restart")


def _describe(lab: Lab) -> str:
    lines = [f"state:   {lab.state_dir}", f"config:  {lab.config_path}  (hatui --config {lab.config_path})"]
    for node in lab.nodes:
        ssh = " ".join(lab.ssh_argv(node))
        lines.append(f"{node}:  {lab.addresses[node]}  ssh: {ssh}")
    return "\n".join(lines)


def _status(lab: Lab) -> str:
    out = []
    for node in lab.nodes:
        state = "frozen" if lab.frozen(node) else "running" if lab.alive(node) else "dead"
        sshd = "sshd up" if lab.alive(node) and lab.sshd_listening(node) else "sshd down"
        out.append(f"{node} ({lab.addresses[node]}): {state}, {sshd}")
    try:
        observer = lab.observer()
        out.append(lab.run(observer, ["/usr/sbin/crm_mon", "-1", "-r"], timeout=15).stdout.rstrip())
        for node in lab.nodes:
            if lab.alive(node) and not lab.frozen(node):
                out.append(f"--- {node}: cat /proc/drbd; xl list; lvs -a")
                out.append(lab.proc_drbd(node).rstrip())
                out.append(lab.run(node, ["xl", "list"], env={"HATUI_LAB_NO_HANG": "1"}).stdout.rstrip())
                out.append(lab.run(node, ["lvs", "-a"], env=NO_HANG).stdout.rstrip())
    except LabError as exc:
        out.append(f"(cluster not readable: {exc})")
    return "\n".join(out)


def handle(lab: Lab, cmd: str, args: list[str]) -> str:
    """Runs one CLI command against the keeper's lab; returns what to print."""
    if cmd == "status":
        return _status(lab)
    if cmd == "describe":
        return _describe(lab)
    if cmd in NODE_COMMANDS:
        node = args[0]
        if node not in lab.nodes:
            raise LabError(f"no node {node!r} (nodes: {', '.join(lab.nodes)})")
        method = {"kill": lab.kill, "freeze": lab.freeze, "thaw": lab.thaw, "kill-sshd": lab.kill_sshd,
                  "start-sshd": lab.start_sshd, "restart": lab.restart}[cmd]  # fmt: skip
        method(node)
        return f"{cmd} {node}: done"
    if cmd == "hang":
        node, switch, commands = args[0], args[1], args[2:]
        lab.hang(node, switch == "on", commands or None)
        return f"hang {switch} on {node}: {', '.join(commands) or 'all commands'}"
    if cmd == "fail-monitor":
        lab.fail_monitor(args[0], once="--always" not in args)
        return f"next monitor of {args[0]} will fail"
    if cmd == "split-brain":
        lab.split_brain(args[0])
        return f"{args[0]} is in split brain (both StandAlone)"
    if cmd == "heal":
        lab.ensure_healthy(rebalance="--rebalance" in args)
        return "healthy"
    if cmd == "snapshot-fill":
        lab.set_snapshot_fill(args[0], None if args[1] == "off" else float(args[1]))
        return f"snapshots on {args[0]} fill at {args[1]} %/s"
    if cmd == "iscsi":
        lab.iscsi_fault(args[0], None if args[1] == "ok" else args[1])
        return f"iSCSI session of {args[0]}: {args[1]}"
    raise LabError(f"unknown command {cmd!r}")


# -- keeper ------------------------------------------------------------------------------------------


def keeper(args: argparse.Namespace) -> int:
    ready = Path(args.ready_file)
    try:
        lab = Lab(args.nodes, address_base=args.address_base, owner="cli")
    except Exception as exc:
        ready.write_text(f"error {exc}\n")
        return 1
    stop = False

    def on_signal(signum: int, frame: Any) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        lab.up()
    except Exception as exc:
        lab.down()
        ready.write_text(f"error {exc}\n")
        return 1
    sock_path = lab.state_dir / "keeper.sock"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(sock_path))
    server.listen(4)
    server.settimeout(0.5)
    POINTER.unlink(missing_ok=True)
    POINTER.symlink_to(lab.state_dir)
    ready.write_text(f"ok {lab.state_dir}\n{_describe(lab)}\n")
    try:
        while not stop:
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            with conn:
                request = json.loads(conn.makefile().readline() or "{}")
                cmd, cargs = request.get("cmd", ""), request.get("args", [])
                if cmd == "down":
                    stop = True
                    reply = {"ok": True, "output": "down"}
                else:
                    try:
                        reply = {"ok": True, "output": handle(lab, cmd, cargs)}
                    except Exception as exc:
                        reply = {"ok": False, "output": f"{type(exc).__name__}: {exc}"}
                if cmd != "down":
                    conn.sendall((json.dumps(reply) + "\n").encode())
                    continue
                problems = lab.down()
                reply["output"] = (
                    "down: clean" if not problems else "down, leftovers:\n" + "\n".join(problems)
                )
                if not problems:
                    Path(args.log).unlink(missing_ok=True)
                with contextlib.suppress(OSError):
                    conn.sendall((json.dumps(reply) + "\n").encode())
    finally:
        server.close()
        if lab.state_dir.exists():
            lab.down()
        if POINTER.is_symlink() and POINTER.resolve() == lab.state_dir.resolve():
            POINTER.unlink(missing_ok=True)
    return 0


# -- client --------------------------------------------------------------------------------------------


def _state_of(arg: str | None) -> Path:
    if arg:
        return Path(arg)
    if POINTER.is_symlink() and POINTER.resolve().is_dir():
        return POINTER.resolve()
    raise SystemExit("no lab is up (no /var/tmp/hatui-lab.current); start one with: up")


def ask(state: Path, cmd: str, args: list[str], timeout: float = 300.0) -> dict[str, Any]:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(timeout)
        s.connect(str(state / "keeper.sock"))
        s.sendall((json.dumps({"cmd": cmd, "args": args}) + "\n").encode())
        reply: dict[str, Any] = json.loads(s.makefile().readline() or '{"ok": false, "output": "no reply"}')
        return reply


def up(args: argparse.Namespace) -> int:
    if POINTER.is_symlink() and cleanup.lab_is_live(POINTER.resolve()):
        print(f"a lab is already up at {POINTER.resolve()}; run down first", file=sys.stderr)
        return 1
    ready = cleanup.STATE_ROOT / f"hatui-lab-ready-{os.getpid()}"
    ready.unlink(missing_ok=True)
    log_path = cleanup.STATE_ROOT / f"hatui-lab-keeper-{os.getpid()}.log"
    log = open(log_path, "ab")  # noqa: SIM115 - handed to the keeper
    argv = [sys.executable, "-m", "tests.lab.hatui_lab", "_keeper", "--ready-file", str(ready),
            "--log", str(log_path), "--nodes", str(args.nodes),
            "--address-base", args.address_base]  # fmt: skip
    subprocess.Popen(argv, cwd=REPO, stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and not (ready.exists() and ready.read_text().strip()):
        time.sleep(0.2)
    text = ready.read_text() if ready.exists() else "error the keeper did not report within 90 s"
    ready.unlink(missing_ok=True)
    if text.startswith("ok "):
        print(text.split("\n", 1)[1].rstrip())
    else:
        print(text.removeprefix("error ").rstrip(), f"(keeper log: {log_path})", file=sys.stderr)
    return 0 if text.startswith("ok ") else 1


def down(args: argparse.Namespace) -> int:
    if args.all:
        states = sorted(p.parent for p in cleanup.STATE_ROOT.glob(f"{cleanup.STATE_PREFIX}*/lab.json"))
    else:
        states = [_state_of(args.state)]
    rc = 0
    for state in states:
        try:
            print(f"{state}: {ask(state, 'down', [], timeout=60)['output']}")
            continue
        except OSError:
            pass  # no keeper: clean from the state file
        problems = cleanup.teardown_state(state)
        print(f"{state}: " + ("down: clean" if not problems else "leftovers:\n" + "\n".join(problems)))
        rc |= bool(problems)
    if args.all:
        # Loop devices whose lab directory is already gone (a tear-down killed half-way).
        for device, image in storage.stray_loops(cleanup.STATE_ROOT, cleanup.STATE_PREFIX).items():
            storage.detach({device: image})
            print(f"{device}: detached (it held {image})")
    if POINTER.is_symlink() and not POINTER.resolve().exists():
        POINTER.unlink(missing_ok=True)
    if args.all:
        for stray in (
            *cleanup.STATE_ROOT.glob("hatui-lab-keeper-*.log"),
            *cleanup.STATE_ROOT.glob("hatui-lab-ready-*"),
        ):
            stray.unlink(missing_ok=True)
    return rc


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tests.lab.hatui_lab", description=__doc__.splitlines()[0])
    p.add_argument("--state", help="lab state directory (default: the current lab)")
    sub = p.add_subparsers(dest="cmd", required=True)
    u = sub.add_parser("up", help="start a lab and print how to reach it")
    u.add_argument("--nodes", type=int, default=3)
    u.add_argument("--address-base", default="127.0.0.2")
    d = sub.add_parser("down", help="tear the lab down (nothing left behind)")
    d.add_argument("--all", action="store_true", help="every lab under /var/tmp, crashed ones too")
    sub.add_parser("status", help="nodes, crm_mon, /proc/drbd, xl list and lvs of every node")
    sub.add_parser("describe", help="state dir, hatui config, ssh command per node")
    for name in NODE_COMMANDS:
        sub.add_parser(name, help=f"{name} NODE").add_argument("node")
    h = sub.add_parser("hang", help="hang NODE on|off [COMMAND...]: make commands block")
    h.add_argument("node")
    h.add_argument("switch", choices=("on", "off"))
    h.add_argument(
        "commands", nargs="*", metavar="COMMAND", help=f"any of {', '.join(HANGABLE)} (default: all)"
    )
    f = sub.add_parser("fail-monitor", help="fail-monitor RESOURCE [--always]")
    f.add_argument("resource")
    f.add_argument("--always", action="store_true")
    sub.add_parser("split-brain", help="split-brain DRBD_RESOURCE").add_argument("resource")
    sub.add_parser("heal", help="undo every fault").add_argument("--rebalance", action="store_true")
    sf = sub.add_parser("snapshot-fill", help="snapshot-fill NODE RATE|off: snapshots fill at RATE %%/s")
    sf.add_argument("node")
    sf.add_argument("rate")
    sc = sub.add_parser("iscsi", help="iscsi NODE recovery|logout|ok: the node's vstor1 session")
    sc.add_argument("node")
    sc.add_argument("session", choices=("recovery", "logout", "ok"))
    k = sub.add_parser("_keeper")
    k.add_argument("--ready-file", required=True)
    k.add_argument("--log", required=True)
    k.add_argument("--nodes", type=int, default=3)
    k.add_argument("--address-base", default="127.0.0.2")
    args = p.parse_args(argv)
    if args.cmd == "_keeper":
        return keeper(args)
    if args.cmd == "up":
        return up(args)
    if args.cmd == "down":
        return down(args)
    rest = {
        "node": lambda: [args.node], "hang": lambda: [args.node, args.switch, *args.commands],
        "fail-monitor": lambda: [args.resource, *(["--always"] if args.always else [])],
        "split-brain": lambda: [args.resource], "heal": lambda: ["--rebalance"] if args.rebalance else [],
        "snapshot-fill": lambda: [args.node, args.rate], "iscsi": lambda: [args.node, args.session],
    }  # fmt: skip
    key = "node" if args.cmd in NODE_COMMANDS else args.cmd
    cargs = rest[key]() if key in rest else []
    try:
        reply = ask(_state_of(args.state), args.cmd, cargs)
    except OSError as exc:
        print(
            f"the lab's keeper does not answer ({exc}); `down` cleans up from the state file", file=sys.stderr
        )
        return 1
    print(reply["output"])
    return 0 if reply["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
