"""``hatui do`` run as a user runs it: real ``python -m hatui do ... --demo`` subprocesses.

Each run acts on a fresh demo cluster of its own; the audit log goes to a temporary
``XDG_STATE_HOME``, so what ran (or did not) is read back from the log the command wrote.
"""

from __future__ import annotations

import json
import os
import pty
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ISSUE_IDS = (
    "move",
    "standby",
    "online",
    "ban",
    "clear",
    "start",
    "stop",
    "restart",
    "cleanup",
    "migrate",
    "maintenance-on",
    "maintenance-off",
    "drbd-connect",
    "drbd-disconnect",
    "drbd-primary",
    "drbd-secondary",
    "drbd-invalidate",
    "drbd-verify",
    "drbd-pause",
    "drbd-resume",
)


def env(tmp_path: Path) -> dict[str, str]:
    return dict(os.environ, XDG_STATE_HOME=str(tmp_path), PYTHONIOENCODING="utf-8")


def do(
    tmp_path: Path, *args: str, timeout: float = 120, demo: str = "seed"
) -> subprocess.CompletedProcess[str]:
    """``hatui do ARGS --demo DEMO`` with standard input not a terminal."""
    return subprocess.run(
        [sys.executable, "-m", "hatui", "do", *args, "--demo", demo],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env(tmp_path),
    )


def audit(tmp_path: Path) -> list[dict[str, object]]:
    path = tmp_path / "hatui" / "audit.log"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def test_list_prints_every_id_the_issue_names_and_no_terminal_handover(tmp_path: Path) -> None:
    p = subprocess.run(
        [sys.executable, "-m", "hatui", "do", "--list"], capture_output=True, text=True, env=env(tmp_path)
    )
    assert p.returncode == 0, p.stderr
    ids = [line.split()[0] for line in p.stdout.splitlines()]
    assert set(ISSUE_IDS) <= set(ids), set(ISSUE_IDS) - set(ids)
    assert "console" not in ids and "shell" not in ids


def test_help_says_the_demo_is_fresh_per_command(tmp_path: Path) -> None:
    p = subprocess.run(
        [sys.executable, "-m", "hatui", "do", "--help"], capture_output=True, text=True, env=env(tmp_path)
    )
    assert p.returncode == 0
    assert "fresh simulated cluster" in " ".join(p.stdout.split())


def test_dry_run_prints_the_plan_and_runs_nothing(tmp_path: Path) -> None:
    p = do(tmp_path, "move", "sentinel", "--to", "vnode2", "--dry-run", demo="modern")
    assert p.returncode == 0, p.stderr
    out = p.stdout
    assert "crm_resource --move -r sentinel -N vnode2" in out
    assert "then wait: sentinel running on vnode2" in out
    assert "will move sentinel vnode1 → vnode2" in out  # crm_simulate's preview
    assert out.index("commands:") < out.index("preview")
    assert audit(tmp_path) == []  # nothing ran, nothing was refused


def test_json_plan_follows_the_schema(tmp_path: Path) -> None:
    p = do(tmp_path, "standby", "vnode3", "--dry-run", "--format", "json", demo="modern")
    assert p.returncode == 0, p.stderr
    doc = json.loads(p.stdout)
    assert list(doc) == [
        "schema",
        "action",
        "target",
        "cluster",
        "refused",
        "warnings",
        "steps",
        "preview",
        "outcome",
    ]
    assert doc["schema"] == "hatui.plan/1"
    assert (doc["action"], doc["target"], doc["cluster"]) == ("standby", "vnode3", "demo")
    assert doc["refused"] is None and doc["outcome"] is None
    (step,) = doc["steps"]
    assert set(step) == {"node", "argv", "wait"}
    assert step["argv"][:2] == ["crm_attribute", "-t"] and "vnode3" in step["argv"]
    assert "vnode3 in standby" in step["wait"]
    # The scene of the issue: the outcome nobody asked for leads.
    assert "will STOP" in doc["warnings"][0] and "elearning" in doc["warnings"][0]
    assert any("will stop elearning" in line for line in doc["preview"])


def test_refused_by_a_safety_check_exits_1_and_is_audited(tmp_path: Path) -> None:
    p = do(tmp_path, "online", "vnode1", "--yes", "--format", "json")
    assert p.returncode == 1, p.stderr
    doc = json.loads(p.stdout)
    assert "not in standby" in doc["refused"] and doc["outcome"] is None
    (rec,) = audit(tmp_path)
    assert rec["event"] == "refused" and rec["action"] == "online"


def test_concerns_are_not_overridden_by_yes(tmp_path: Path) -> None:
    p = do(tmp_path, "standby", "vnode3", "--yes", demo="modern")  # its VMs may run on vnode3 only
    assert p.returncode == 1
    assert "refused: needs an override" in p.stdout and "will STOP" in p.stdout
    assert [r["event"] for r in audit(tmp_path)] == ["refused"]


def test_without_a_terminal_and_without_yes_nothing_runs(tmp_path: Path) -> None:
    p = do(tmp_path, "cleanup", "sentinel", demo="modern")
    assert p.returncode == 1
    assert "standard input is not a terminal" in p.stdout
    assert "crm_resource --cleanup -r sentinel" in p.stdout  # the plan was shown
    assert [r["event"] for r in audit(tmp_path)] == ["refused"]


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("frob", "x"), "unknown action 'frob'"),
        (("move", "nosuch", "--to", "vnode2"), "no resource or VM 'nosuch'"),
        (("move", "sentinel", "--to", "vnodeX"), "no node 'vnodeX'"),
        (("move", "sentinel"), "needs --to NODE"),
        (("ban", "sentinel", "--to", "vnode1"), "Ban sentinel from NODE: NODE is --node"),
        (("failcount-delete", "sentinel"), "needs --node NODE (Reset fail-count of sentinel on NODE)"),
        (("drbd-connect", "sentinel-root"), "needs --node NODE"),
        (("console", "sentinel"), "hands the terminal over"),
    ],
)
def test_bad_input_exits_3_with_one_line(tmp_path: Path, args: tuple[str, ...], says: str) -> None:
    p = do(tmp_path, *args, "--yes")
    assert p.returncode == 3
    assert p.stdout == ""
    assert len(p.stderr.strip().splitlines()) == 1 and says in p.stderr, p.stderr
    assert audit(tmp_path) == []


def test_no_reachable_node_exits_3(tmp_path: Path) -> None:
    cfg = tmp_path / "c.yaml"
    cfg.write_text(
        "clusters:\n  c:\n    connect_timeout: 1\n    nodes:\n      - {name: n1, host: 127.0.0.1, port: 1}\n"
    )
    cfg.chmod(0o600)
    p = subprocess.run(
        [sys.executable, "-m", "hatui", "do", "standby", "n1", "--config", str(cfg), "--yes"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        env=env(tmp_path),
    )
    assert p.returncode == 3, (p.stdout, p.stderr)
    assert "no node of c answered" in p.stderr


def test_a_run_with_yes_exits_0_and_is_audited(tmp_path: Path) -> None:
    p = do(tmp_path, "cleanup", "sentinel", "--yes", "--format", "json")
    assert p.returncode == 0, p.stderr
    doc = json.loads(p.stdout)
    assert doc["outcome"] == {"ok": True, "message": "failures of sentinel cleared", "left_behind": []}
    assert [r["event"] for r in audit(tmp_path)] == ["start", "end"]


def test_a_move_with_yes_moves_and_removes_its_marker(tmp_path: Path) -> None:
    p = do(tmp_path, "move", "sentinel", "--to", "vnode2", "--yes")
    assert p.returncode == 0, p.stdout + p.stderr
    assert "done: sentinel runs on vnode2; no cli- constraint left" in p.stdout
    start, end = audit(tmp_path)
    ran = [" ".join(r["argv"]) for r in end["results"]]  # type: ignore[union-attr]
    assert ran[0].startswith("cibadmin -C") and "hatui-inflight-move_resource" in ran[0]
    assert ran[-1].startswith("cibadmin -D") and "hatui-inflight-move_resource" in ran[-1]
    assert start["action"] == "move_resource" and end["ok"] is True


def test_sigterm_during_a_move_cancels_it_exits_2_and_removes_the_marker(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "hatui", "do", "move", "sentinel", "--to", "vnode2", "--yes", "--demo"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env(tmp_path),
    )
    assert proc.stderr is not None
    try:
        for line in proc.stderr:
            if line.startswith("waiting"):
                break
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 2, (out, err)
    assert "interrupted" in err
    end = audit(tmp_path)[-1]
    assert end["event"] == "end" and end["ok"] is False and "cancelled" in str(end["outcome"])
    ran = [" ".join(r["argv"]) for r in end["results"]]  # type: ignore[union-attr]
    assert ran[-1].startswith("cibadmin -D") and "hatui-inflight" in ran[-1]


def run_on_a_terminal(
    tmp_path: Path, args: list[str], answers: list[str], demo: str = "seed"
) -> tuple[int, str]:
    """``hatui do ARGS --demo DEMO`` with a pseudo-terminal as standard input; answers each question."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "hatui", "do", *args, "--demo", demo],
        stdin=slave,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env(tmp_path),
    )
    os.close(slave)
    assert proc.stderr is not None and proc.stdout is not None
    err = b""
    pending = list(answers)
    deadline = time.monotonic() + 120
    try:
        while proc.poll() is None and time.monotonic() < deadline:
            ready, _, _ = select.select([proc.stderr], [], [], 0.2)
            if ready:
                chunk = os.read(proc.stderr.fileno(), 4096)
                err += chunk
                if pending and (b"[y/N]" in chunk or b"to run it:" in chunk):
                    os.write(master, pending.pop(0).encode() + b"\n")
        out = proc.stdout.read().decode()
        err += proc.stderr.read()
        proc.wait(timeout=60)
    finally:
        os.close(master)
        if proc.poll() is None:
            proc.kill()
    return proc.returncode, out + err.decode()


def test_on_a_terminal_a_vm_stopped_through_its_disk_asks_for_the_vm_name(tmp_path: Path) -> None:
    # 2.1.5 lists the clone's primitive by its id; 1.0.9's text screen names only the Master/Slave set.
    code, text = run_on_a_terminal(
        tmp_path, ["stop", "drbd_sentinel-root"], ["drbd_sentinel-root"], demo="modern"
    )
    assert "Type sentinel to run it:" in text
    assert text.index("⚠ VM sentinel will STOP") < text.index("commands:")  # the outcome leads
    assert code == 1 and "not confirmed (sentinel was not typed)" in text
    assert [r["event"] for r in audit(tmp_path)] == ["refused"]


def test_on_a_terminal_y_runs_it(tmp_path: Path) -> None:
    code, text = run_on_a_terminal(tmp_path, ["cleanup", "sentinel"], ["y"])
    assert code == 0, text
    assert "done: failures of sentinel cleared" in text
    assert [r["event"] for r in audit(tmp_path)] == ["start", "end"]


@pytest.mark.parametrize(
    "args",
    [("--demo",), ("move", "sentinel", "--frob", "--demo"), ("move", "sentinel", "--format", "yaml")],
)
def test_a_usage_error_exits_3_not_2_which_means_ran_and_failed(
    tmp_path: Path, args: tuple[str, ...]
) -> None:
    p = subprocess.run(
        [sys.executable, "-m", "hatui", "do", *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=env(tmp_path),
    )
    assert p.returncode == 3, p.stderr
    assert "error:" in p.stderr


def test_replayed_captures_cannot_be_acted_on(tmp_path: Path) -> None:
    p = subprocess.run(
        [sys.executable, "-m", "hatui", "do", "cleanup-all", "--replay", str(tmp_path), "--dry-run"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=env(tmp_path),
    )
    assert p.returncode == 3 and "replayed captures have no node" in p.stderr


def test_hatui_do_never_imports_textual(tmp_path: Path) -> None:
    code = (
        "import sys; from hatui.cli import main; "
        "rc = main(['do', 'cleanup', 'sentinel', '--demo', '--dry-run']); "
        "assert rc == 0, rc; assert 'textual' not in sys.modules, 'textual imported'"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env(tmp_path))
    assert p.returncode == 0, p.stderr
