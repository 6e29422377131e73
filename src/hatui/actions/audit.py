"""Provides the audit log: every action as JSON lines, written and fsynced before it runs and when it ends.

One line per event (``start``, ``end`` or ``refused``), in ``$XDG_STATE_HOME/hatui/audit.log``
(default ``~/.local/state/hatui/audit.log``): when (UTC), who (the local user, and the sudo user if
any), which hatui process on which host, cluster, node(s), the exact commands, exit codes, outcome
and output. The ``start`` line is on disk before the first command leaves, so a hatui killed
mid-action still leaves a trace; an action whose ``start`` line cannot be written does not run.
A record is one ``os.write`` of the whole line: a short write (disk full, file-size limit) is cut
back off the file, so no half line corrupts the record after it. An ``end`` line that cannot be
written is reported with the action's real outcome, never as a refusal. ``hatui log``
(``log_main``) prints the log, with every field made inert for the terminal.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import getpass
import json
import os
import signal
import socket
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hatui.actions.backup_job import shown_words
from hatui.actions.plan import Plan
from hatui.errors import ActionRefused, HatuiError
from hatui.plaintext import clean_line
from hatui.transport.base import CommandResult

#: Characters of stdout/stderr kept per command: enough to read an error, not a whole CIB.
OUTPUT_LIMIT = 4000


def default_path() -> Path:
    """``$XDG_STATE_HOME/hatui/audit.log``, falling back to ``~/.local/state/hatui/audit.log``."""
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "hatui" / "audit.log"


def who() -> str:
    """The local user, with the sudo user when hatui runs under sudo (``root (sudo by alice)``)."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = str(os.getuid())
    sudo = os.environ.get("SUDO_USER")
    return f"{user} (sudo by {sudo})" if sudo and sudo != user else user


def _clip(text: str) -> str:
    return (
        text if len(text) <= OUTPUT_LIMIT else text[:OUTPUT_LIMIT] + f"... [{len(text) - OUTPUT_LIMIT} more]"
    )


def result_record(result: CommandResult, node: str) -> dict[str, Any]:
    """One command's result as the log keeps it."""
    return {
        "node": node,
        "argv": list(result.argv),
        "exit_status": result.exit_status,
        "stdout": _clip(result.stdout),
        "stderr": _clip(result.stderr),
        "duration_s": round(result.duration_s, 3),
    }


class AuditWriteError(HatuiError):
    """A record that could not be written whole; the message says why (disk full, file too large...)."""

    title = "audit log"


def _ignore_sigxfsz() -> None:
    # Past RLIMIT_FSIZE the kernel sends SIGXFSZ, whose default action kills the process (with the
    # terminal left raw). Ignored, the write fails with EFBIG instead and the action is refused.
    # CPython ignores it at startup, but an embedding interpreter or a library may restore it.
    with contextlib.suppress(ValueError, OSError):  # ValueError: not the main thread
        if signal.getsignal(signal.SIGXFSZ) != signal.SIG_IGN:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


def _write_record(path: Path, data: bytes) -> None:
    """Appends ``data`` with one write and fsyncs it; on any failure the file is cut back to its old size.

    Raises:
        AuditWriteError: the whole record is not on disk.
    """
    _ignore_sigxfsz()
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    except OSError as exc:
        raise AuditWriteError(f"cannot write the audit log {path}: {exc.strerror or exc}") from exc
    try:
        # Two hatui processes sharing a log (an NFS home) must not cut each other's records off.
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_EX)
        size = os.fstat(fd).st_size
        try:
            written = os.write(fd, data)
            if written != len(data):
                raise AuditWriteError(
                    f"cannot write the audit log {path}: short write ({written} of {len(data)} bytes"
                    f"{_why_short(fd, data[written:])})"
                )
            os.fsync(fd)
        except (OSError, AuditWriteError) as exc:
            with contextlib.suppress(OSError):  # a device such as /dev/full cannot be truncated
                os.ftruncate(fd, size)
            if isinstance(exc, AuditWriteError):
                raise
            raise AuditWriteError(f"cannot write the audit log {path}: {exc.strerror or exc}") from exc
    finally:
        os.close(fd)


def _why_short(fd: int, rest: bytes) -> str:
    # The kernel reports a short write without its cause; writing the rest fails with it (EFBIG,
    # ENOSPC). The file is cut back to its old size afterwards whatever this writes.
    try:
        os.write(fd, rest)
    except OSError as exc:
        return f": {exc.strerror or exc}"
    return ""


class AuditLog:
    """Appends records to one file, each whole, flushed and fsynced before ``append`` returns."""

    def __init__(self, path: Path | None = None, *, user: str | None = None) -> None:
        self.path = path or default_path()
        self.user = user or who()

    def append(self, record: dict[str, Any]) -> None:
        """Writes one record, naming the user, this process and this host.

        Raises:
            AuditWriteError: the record is not (whole) on disk.
        """
        stamp = datetime.now(UTC).isoformat(timespec="seconds")
        line = json.dumps(
            {"when": stamp, "who": self.user, "pid": os.getpid(), "host": socket.gethostname(), **record},
            ensure_ascii=False,
        )
        _write_record(self.path, (line + "\n").encode("utf-8"))

    def started(self, action_id: str, cluster: str, plan: Plan) -> None:
        """The ``start`` record: everything that is about to run, and where.

        Raises:
            ActionRefused: the record is not on disk, so the action must not run.
        """
        try:
            self._start(action_id, cluster, plan)
        except AuditWriteError as exc:
            raise ActionRefused(f"{exc.message}: nothing was run", "audit log") from exc

    def _start(self, action_id: str, cluster: str, plan: Plan) -> None:
        self.append(
            {
                "event": "start",
                "id": action_id,
                "cluster": cluster,
                "action": plan.action,
                "target": plan.target,
                "title": plan.title,
                "nodes": list(plan.nodes),
                "commands": [{"node": c.node, "argv": list(c.argv)} for c in plan.commands],
                "overridden": [c.message for c in plan.concerns] if plan.overridden else [],
            }
        )

    def ended(
        self,
        action_id: str,
        cluster: str,
        plan: Plan,
        *,
        ok: bool,
        outcome: str,
        results: Sequence[tuple[str, CommandResult]],
        left: Sequence[str] = (),
    ) -> str | None:
        """The ``end`` record: exit codes, outcome and output.

        Returns:
            None when written, else why it is missing. Never raises: the commands have run, and
            the admin must hear their real outcome (with the missing record), not a refusal.
        """
        try:
            self._end(action_id, cluster, plan, ok=ok, outcome=outcome, results=results, left=left)
        except AuditWriteError as exc:
            return exc.message
        return None

    def _end(
        self,
        action_id: str,
        cluster: str,
        plan: Plan,
        *,
        ok: bool,
        outcome: str,
        results: Sequence[tuple[str, CommandResult]],
        left: Sequence[str],
    ) -> None:
        self.append(
            {
                "event": "end",
                "id": action_id,
                "cluster": cluster,
                "action": plan.action,
                "target": plan.target,
                "ok": ok,
                "outcome": outcome,
                "results": [result_record(r, node) for node, r in results],
                "left": list(left),
            }
        )

    def refused(self, cluster: str, action: str, target: str, reason: str) -> None:
        """A refusal: nothing ran. Never raises: a refusal must reach the admin even if the log cannot."""
        with contextlib.suppress(AuditWriteError):
            self.append(
                {"event": "refused", "cluster": cluster, "action": action, "target": target, "reason": reason}
            )


def read_log(path: Path | None = None) -> list[dict[str, Any]]:
    """Every record of the log (a line cut short by a crash is skipped)."""
    p = path or default_path()
    if not p.is_file():
        return []
    records = []
    for line in p.read_text(encoding="utf-8", errors="replace").splitlines():
        with contextlib.suppress(ValueError):
            rec = json.loads(line)
            if isinstance(rec, dict):
                records.append(rec)
    return records


def _words(argv: list[str], most: int | None = None) -> str:
    """A recorded argv for people (its first ``most`` words); a backup job without its wrapper's
    script (``hatui.actions.backup_job.shown_words``), and in short as ``hatui-backup SNAP``."""
    words = [str(a) for a in argv]
    shown = shown_words(tuple(words))
    if shown is None:
        return " ".join(words[:most] if most is not None else words)
    if most is None:
        return shown
    name = next(i for i, w in enumerate(words) if w.startswith("hatui-backup"))
    return " ".join(words[name : name + 2])


def format_record(rec: dict[str, Any]) -> str:
    """One record for people: ``2026-11-25T17:46:03+00:00 alice@adm1 demo start move_resource sentinel: ...``.

    Every field passes through ``clean_line``: names and outputs came from the cluster, and a domain
    name holding an escape sequence must print as text, not act on the reader's terminal.
    """

    def c(value: object) -> str:
        return clean_line(str(value))

    who_ = c(rec.get("who", "?")) + (f"@{c(rec['host'])}" if rec.get("host") else "")
    head = f"{c(rec.get('when', '?'))} {who_} {c(rec.get('cluster', '?'))} {c(rec.get('event', '?'))} "
    head += f"{c(rec.get('action', '?'))} {c(rec.get('target', '?'))}"
    event = rec.get("event")
    if event == "start":
        cmds = "; ".join(
            f"[{c(cmd.get('node'))}] {c(_words(cmd.get('argv', [])))}" for cmd in rec.get("commands", [])
        )
        return f"{head}: {cmds}"
    if event == "end":
        codes = ", ".join(
            f"{c(_words(r.get('argv', []), 3))}={c(r.get('exit_status'))}" for r in rec.get("results", [])
        )
        left = f" (left: {', '.join(c(x) for x in rec['left'])})" if rec.get("left") else ""
        verdict = "OK" if rec.get("ok") else "FAILED"
        return f"{head}: {verdict}: {c(rec.get('outcome', ''))}{left} [{codes}]"
    return f"{head}: {c(rec.get('reason', ''))}"


def _as_json(rec: dict[str, Any]) -> str:
    # ASCII-only JSON escapes C1 and bidi controls; DEL is the one control that json leaves raw.
    return json.dumps(rec).replace("\x7f", "\\u007f")


def log_main(argv: Sequence[str] | None = None) -> int:
    """``hatui log [--json] [-n N] [--path FILE]``: prints the audit log, oldest first."""
    p = argparse.ArgumentParser(prog="hatui log", description="Print the audit log of hatui's actions.")
    p.add_argument("--path", type=Path, help=f"log file (default {default_path()})")
    p.add_argument("-n", type=int, default=0, metavar="N", help="only the last N records")
    p.add_argument("--json", action="store_true", help="print the raw JSON lines")
    args = p.parse_args(list(argv) if argv is not None else None)
    records = read_log(args.path)
    if args.n > 0:
        records = records[-args.n :]
    try:
        for rec in records:
            sys.stdout.write((_as_json(rec) if args.json else format_record(rec)) + "\n")
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader left (``hatui log | head -1``): not an error. Python flushes stdout again at
        # exit, so point it at /dev/null first (as the signal module's documentation advises).
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    return 0


if __name__ == "__main__":
    raise SystemExit(log_main())
