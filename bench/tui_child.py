"""Runs ``hatui`` (any arguments) with counters on polls and remote commands, for the live benchmarks.

``python -m bench.tui_child --config PATH`` is the console an admin starts, plus two counters:
polls per node (``NodeCollector._poll``, one per poll actually run) and remote commands per node
(``SSHTransport._run_line``, one per exec channel, which is one sshd session on the node). On
SIGUSR1 it writes them as JSON to ``$HATUI_BENCH_COUNTS``; the parent reads that file.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from collections import Counter
from typing import Any

from hatui.cli import main
from hatui.sources.collector import NodeCollector
from hatui.transport.ssh import SSHTransport

POLLS: Counter[str] = Counter()
COMMANDS: Counter[str] = Counter()


def _install() -> None:
    poll, run_line = NodeCollector._poll, SSHTransport._run_line

    async def counted_poll(self: NodeCollector, force: bool) -> Any:
        POLLS[self.node.name] += 1
        return await poll(self, force)

    async def counted_run_line(self: SSHTransport, *args: Any, **kwargs: Any) -> Any:
        COMMANDS[self.node] += 1
        return await run_line(self, *args, **kwargs)

    NodeCollector._poll = counted_poll  # type: ignore[method-assign]
    SSHTransport._run_line = counted_run_line  # type: ignore[method-assign]


def _dump(_signum: int, _frame: object) -> None:
    path = os.environ.get("HATUI_BENCH_COUNTS")
    if path:
        tmp = f"{path}.tmp"
        with open(tmp, "w") as f:
            json.dump({"polls": dict(POLLS), "commands": dict(COMMANDS)}, f)
        os.replace(tmp, path)


if __name__ == "__main__":
    _install()
    signal.signal(signal.SIGUSR1, _dump)
    sys.exit(main(sys.argv[1:]))
