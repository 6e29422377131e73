"""Provides the raw capture of one node: which outputs it gave, which failed, and when.

A capture is what the transport layer hands to the model, what ``--replay DIR`` reads from disk and
what ``hatui capture DIR`` writes. It holds text only; parsing happens in ``hatui.sources.parse``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from hatui.model.stack import StackInfo

__all__ = ["NodeCapture", "StackInfo"]


@dataclass(frozen=True, slots=True)
class NodeCapture:
    """The outputs one node gave in one poll (or the reason it gave none)."""

    node: str
    outputs: dict[str, str] = field(default_factory=dict)
    """Source name (``hatui.sources.table``; also the replay file name) to the command's standard output."""
    errors: dict[str, str] = field(default_factory=dict)
    """Source file name to why that source could not be read (non-zero exit, timeout...)."""
    unreachable: str | None = None
    """Why the node could not be reached at all; None when it answered."""
    unreachable_kind: str | None = None
    """What kind of failure ``unreachable`` is, for the health checks: ``host-key-changed``,
    ``host-key-revoked``, ``host-key-unknown``, or None for any other (refused, timed out...)."""
    collected_at: datetime | None = None
    """When this capture was taken (UTC); None when unknown (a replay without manifest)."""
    stack: StackInfo = field(default_factory=StackInfo)

    @property
    def reachable(self) -> bool:
        """True when the node answered."""
        return self.unreachable is None
