"""A journal that cannot grow (a full disk, a file-size limit): the write fails with one HatuiError
line, nothing half-written stays, and the journal reads and writes again once there is room."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

from hatui.journal.store import JOURNAL_FILE, Journal

# Writes polls of incompressible outputs under a file-size limit (RLIMIT_FSIZE, with SIGXFSZ
# ignored, so a write past it fails with EFBIG as on a full disk) until a write fails; prints the
# id of each poll written and, at the end, the error line.
WRITER = r"""
import os, random, resource, signal, sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from hatui.errors import HatuiError
from hatui.journal.store import Bounds, Journal
from hatui.model.capture import NodeCapture

signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
journal = Journal.open(Path(sys.argv[1]), create=True, cluster="full", bounds=Bounds(max_bytes=1 << 30))
resource.setrlimit(resource.RLIMIT_FSIZE, (int(sys.argv[2]), resource.RLIM_INFINITY))
t0 = datetime(2026, 12, 5, tzinfo=UTC)
for seq in range(100000):
    out = {"xentop": random.Random(seq).randbytes(6000).hex()}
    cap = NodeCapture("n1", outputs=out, collected_at=t0 + timedelta(seconds=seq))
    try:
        print("poll", journal.write_poll(cap, status="OK", problems=[], events=[]), flush=True)
    except HatuiError as exc:
        print("error", exc.title, str(exc).replace(chr(10), " "), flush=True)
        break
# Room again (the admin cleaned up): the same journal, still open, writes on.
resource.setrlimit(resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
print("again", journal.write_poll(cap, status="OK", problems=[], events=[]), flush=True)
journal.close()
"""


def test_a_full_disk_fails_one_poll_and_leaves_the_journal_whole(tmp_path: Path) -> None:
    limit = 600 * 1024
    proc = subprocess.run(
        [sys.executable, "-c", WRITER, str(tmp_path), str(limit)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    written = [int(line.split()[1]) for line in lines if line.startswith("poll ")]
    assert written, proc.stdout
    assert lines[-2].startswith(f"error journal {tmp_path / JOURNAL_FILE}: "), lines[-2]
    assert lines[-1].startswith("again ")
    written.append(int(lines[-1].split()[1]))
    with sqlite3.connect(tmp_path / JOURNAL_FILE) as db:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    with Journal.open(tmp_path, create=True, cluster="full") as j:
        # Every poll reported written reads back whole; the failed one left nothing behind.
        assert written[-1] > written[-2]
        assert [p.id for p in j.polls()] == written
        for poll_id in written:
            assert len(j.capture(poll_id).outputs["xentop"]) == 12000
        # With room again, writing goes on.
        last = j.capture(written[-1])
        assert j.write_poll(last, status="OK", problems=[], events=[]) > written[-1]
