"""The journal survives ``kill -9`` mid-write: it opens, passes SQLite's integrity check, and every
poll committed before the kill reads back whole."""

from __future__ import annotations

import hashlib
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

from hatui.journal.store import JOURNAL_FILE, Journal

# The writer: polls of three nodes whose xentop output changes at every poll (and is big enough
# that a write takes a while), a prune every 40 polls with a small size bound (so a kill may land
# in a prune too), and an action now and then. After each commit it prints the poll's id and the
# hash of every output, so the test knows what was committed before the kill.
WRITER = r"""
import hashlib, random, sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from hatui.journal.store import Bounds, Journal
from hatui.model.capture import NodeCapture

path, start = Path(sys.argv[1]), int(sys.argv[2])
journal = Journal.open(path, create=True, cluster="crash", bounds=Bounds(max_bytes=2 * 1024 * 1024))
t0 = datetime(2026, 12, 5, 3, 0, tzinfo=UTC)
for seq in range(start, start + 100000):
    rnd = random.Random(seq)
    outputs = {
        "xentop": "".join(f"dom{i} {rnd.randrange(10**9)} {rnd.random():.3f}\n" for i in range(2000)),
        "crm_mon.txt": f"Last updated: {seq}\nStack: heartbeat\nnode{seq % 3} online\n",
        "drbd_dump": "resource r0 { protocol C; }\n",
    }
    cap = NodeCapture(f"node{seq % 3}", outputs=outputs, collected_at=t0 + timedelta(seconds=seq))
    poll_id = journal.write_poll(cap, status="OK", problems=[{"code": "x", "seq": seq}], events=[])
    digest = hashlib.sha256(repr(sorted(outputs.items())).encode()).hexdigest()
    print(poll_id, seq, digest, flush=True)
    if seq % 40 == 0:
        journal.prune()
    if seq % 25 == 0:
        journal.write_action({"when": (t0 + timedelta(seconds=seq)).isoformat(), "event": "start",
                              "cluster": "crash", "action": "standby", "target": f"node{seq % 3}"})
"""

KILLS = 6


def _output_hash(outputs: dict[str, str]) -> str:
    return hashlib.sha256(repr(sorted(outputs.items())).encode()).hexdigest()


def _run_and_kill(path: Path, start: int, rnd: random.Random) -> dict[int, tuple[int, str]]:
    """Runs the writer until it has committed a random number of polls, then kills it (-9) at a
    random moment; returns what it reported committed: poll id -> (seq, hash)."""
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path), str(start)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: list[str] = []
    enough = threading.Event()
    wanted = rnd.randint(3, 30)

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            if len(lines) >= wanted:
                enough.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        if not enough.wait(120):
            raise AssertionError(
                f"the writer committed {len(lines)} polls: {proc.stderr.read() if proc.stderr else ''}"
            )
        time.sleep(rnd.uniform(0, 0.05))  # somewhere in the next write, commit, prune...
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        reader.join(10)
    assert proc.returncode == -signal.SIGKILL
    committed = {}
    for line in lines:
        if not line.endswith("\n"):
            continue  # the kill cut the writer's report short: that poll is simply not checked
        parts = line.split()
        assert len(parts) == 3, f"the writer printed {line!r}"
        poll_id, seq, digest = parts
        committed[int(poll_id)] = (int(seq), digest)
    return committed


def test_kill_9_mid_write_loses_nothing_committed(tmp_path: Path) -> None:
    rnd = random.Random()
    committed: dict[int, tuple[int, str]] = {}
    start = 1
    for _ in range(KILLS):
        committed.update(_run_and_kill(tmp_path, start, rnd))
        with sqlite3.connect(tmp_path / JOURNAL_FILE) as db:
            assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        with Journal.open(tmp_path) as journal:
            polls = journal.polls()
            ids = [p.id for p in polls]
            # The oldest go first: everything reported after the oldest poll kept is there.
            assert {i for i in committed if i >= ids[0]} <= set(ids)
            for poll_id in ids:
                if poll_id in committed:
                    assert _output_hash(journal.capture(poll_id).outputs) == committed[poll_id][1]
                    status, problems = journal.verdict_at(poll_id)
                    assert (status, problems) == ("OK", [{"code": "x", "seq": committed[poll_id][0]}])
            last = journal.capture(ids[-1])  # a poll written but not yet reported reads whole too
            assert set(last.outputs) == {"xentop", "crm_mon.txt", "drbd_dump"}
        start = max(seq for seq, _ in committed.values()) + 1000
    assert len(committed) >= KILLS * 3
