"""Provides the audit log: every action as JSON lines, written and fsynced before it runs and when it ends.

One line per event (``start``, ``end`` or ``refused``), in ``$XDG_STATE_HOME/hatui/audit.log``
(default ``~/.local/state/hatui/audit.log``): when (UTC), who (the local user, and the sudo user if
any), cluster, node(s), the exact commands, exit codes, outcome and output. The ``start`` line is on
disk before the first command leaves, so a hatui killed mid-action still leaves a trace; an action
whose ``start`` line cannot be written does not run. ``hatui log`` (``log_main``) prints the log.
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import json
import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hatui.actions.plan import Plan
from hatui.errors import ActionRefused
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


class AuditLog:
    """Appends records to one file, each flushed and fsynced before ``append`` returns."""

    def __init__(self, path: Path | None = None, *, user: str | None = None) -> None:
        self.path = path or default_path()
        self.user = user or who()

    def append(self, record: dict[str, Any]) -> None:
        """Writes one record.

        Raises:
            ActionRefused: the log cannot be written (an action must not run unrecorded).
        """
        stamp = datetime.now(UTC).isoformat(timespec="seconds")
        line = json.dumps({"when": stamp, "who": self.user, **record}, ensure_ascii=False)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, (line + "\n").encode("utf-8"))
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as exc:
            raise ActionRefused(
                f"cannot write the audit log {self.path}: {exc.strerror or exc}", "audit log"
            ) from exc

    def started(self, action_id: str, cluster: str, plan: Plan) -> None:
        """The ``start`` record: everything that is about to run, and where."""
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
    ) -> None:
        """The ``end`` record: exit codes, outcome and output."""
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
        with contextlib.suppress(ActionRefused):
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


def format_record(rec: dict[str, Any]) -> str:
    """One record for people: ``2026-11-25T17:46:03+00:00 alice demo start move_resource sentinel: ...``."""
    head = f"{rec.get('when', '?')} {rec.get('who', '?')} {rec.get('cluster', '?')} {rec.get('event', '?')} "
    head += f"{rec.get('action', '?')} {rec.get('target', '?')}"
    event = rec.get("event")
    if event == "start":
        cmds = "; ".join(f"[{c.get('node')}] {' '.join(c.get('argv', []))}" for c in rec.get("commands", []))
        return f"{head}: {cmds}"
    if event == "end":
        codes = ", ".join(
            f"{' '.join(r.get('argv', [])[:3])}={r.get('exit_status')}" for r in rec.get("results", [])
        )
        left = f" (left: {', '.join(rec['left'])})" if rec.get("left") else ""
        return f"{head}: {'OK' if rec.get('ok') else 'FAILED'}: {rec.get('outcome', '')}{left} [{codes}]"
    return f"{head}: {rec.get('reason', '')}"


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
    for rec in records:
        sys.stdout.write((json.dumps(rec, ensure_ascii=False) if args.json else format_record(rec)) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(log_main())
