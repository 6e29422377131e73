"""Provides the served demo's fault feed: faults injected from outside, by appending lines to a file.

In the console a person injects a demo fault with a key; a wall in a browser is read-only and its
demo runs in a process per browser, so a drill (or a test) says what goes wrong by appending
``FAULT TARGET`` lines (``kill-node vnode3``; ``#`` starts a comment) to the file given with
``hatui serve --demo --demo-faults FILE``. Every wall process reads the whole file, so a browser
that connects later sees the same faulted cluster as the others. Only whole lines count: a line
still being written is taken at the next poll.

With ``--all`` the demo is a fleet of clusters, each with a feed of its own on the same file: a line
``CLUSTER FAULT TARGET`` (``demo-modern kill-node vnode3``) goes to the cluster it names, a line
without a cluster to the first one. A bad line is reported by one feed only (the cluster's it names,
else the first's), so it is one line in the server's log, not one per cluster.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hatui.errors import HatuiError
from hatui.model.capture import NodeCapture
from hatui.model.report import NodeReport
from hatui.plaintext import clean_line
from hatui.sources.poller import Poller


class FaultFeed:
    """Injects into ``demo`` each fault line of ``path`` meant for it once, in the order the lines
    were added; in a fleet (``fleet``: every cluster's name, in order), ``cluster`` is the demo's own."""

    def __init__(
        self, demo: Any, path: Path, *, cluster: str | None = None, fleet: Sequence[str] = ()
    ) -> None:
        self.demo = demo
        self.path = path
        self.cluster = cluster
        self.fleet = tuple(fleet)
        self.first = not self.fleet or cluster == self.fleet[0]
        """Takes the lines that name no cluster and reports the lines nobody takes."""
        self.taken = 0
        """How many whole lines of the file were already applied."""

    def apply(self) -> list[str]:
        """Injects the lines added since the last call; returns what it did, one line each."""
        try:
            text = self.path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return []
        except OSError as exc:
            return [f"demo faults: cannot read {self.path}: {exc}"]
        lines = text.split("\n")[:-1]  # the last piece has no newline yet: not a whole line
        done: list[str] = []
        for line in lines[self.taken :]:
            done.append(self._inject(line.split("#", 1)[0].split()))
        self.taken = max(self.taken, len(lines))
        return [d for d in done if d]

    def _inject(self, line: list[str]) -> str:
        words = line
        if self.fleet and words and words[0] in self.fleet:
            if words[0] != self.cluster:
                return ""  # another cluster's feed takes it (and reports it when it is wrong)
            words = words[1:]
        elif not (words and self.first):
            return ""
        elif self.fleet and len(words) == 3:
            return f"demo faults: no cluster {words[0]!r} in the fleet ({', '.join(self.fleet)})"
        if len(words) != 2:
            shape = "[CLUSTER] FAULT TARGET" if self.fleet else "FAULT TARGET"
            return f"demo faults: expected {shape}, got {' '.join(line)!r}"
        fault, target = words
        try:
            self.demo.inject(fault, target)
        except HatuiError as exc:
            return f"demo faults: {self._where}{fault} {target}: {exc.message}"
        return f"demo faults: injected {self._where}{fault} {target}"

    @property
    def _where(self) -> str:
        return f"{self.cluster} " if self.fleet else ""


class FeedingPoller:
    """A demo poller that applies the fault feed before each poll (so a fault shows within one poll)."""

    def __init__(self, inner: Poller, feed: FaultFeed) -> None:
        self.inner = inner
        self.feed = feed
        self.demo = feed.demo
        """The demo cluster, where the console looks for it (``hatui.ui.demo_faults.demo_of``)."""

    @property
    def nodes(self) -> tuple[str, ...]:
        return self.inner.nodes

    async def poll(self, node: str) -> NodeReport:
        for line in self.feed.apply():
            # stderr is the server's log: textual-serve passes a wall's stderr on to it.
            sys.stderr.write(clean_line(line) + "\n")
        return await self.inner.poll(node)

    def last_capture(self, node: str) -> NodeCapture | None:
        return self.inner.last_capture(node)

    def interval(self, node: str) -> float:
        return self.inner.interval(node)

    async def close(self) -> None:
        await self.inner.close()

    def __getattr__(self, name: str) -> Any:
        # The rest of the demo poller's surface (``collector`` for the console's action glue).
        return getattr(self.inner, name)
