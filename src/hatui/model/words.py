"""Provides state-word enums that tolerate words they do not know.

Cluster tools add state words between versions (DRBD 9 added ``Established``, Pacemaker 2.1 renamed
``Master`` to ``Promoted``). A parser must not fail on a new word: it maps it to ``UNKNOWN`` and the
dataclass that holds the enum keeps the raw word beside it.
"""

from __future__ import annotations

from enum import Enum
from functools import cache
from typing import Self, cast


class WordEnum(str, Enum):
    """A str enum whose values are the words the tools print; unknown words map to UNKNOWN."""

    @classmethod
    def from_word(cls, word: str | None) -> Self:
        """Returns the member for ``word`` (case-insensitive), or ``UNKNOWN``."""
        if word is None:
            return cls["UNKNOWN"]
        found = _by_word(cls).get(word.strip().lower())
        return cls["UNKNOWN"] if found is None else cast(Self, found)


@cache
def _by_word(cls: type[WordEnum]) -> dict[str, WordEnum]:
    """Lower-cased word to member, aliases after the members' own words (a parse of 1,000 DRBD
    devices asks thousands of times: a scan of the members each time showed in profiles)."""
    words: dict[str, WordEnum] = {}
    for member in cls:
        words.setdefault(member.value.lower(), member)
    for alias, name in getattr(cls, "_aliases_", {}).items():
        words.setdefault(alias, cls[name])
    return words


class ResourceRole(WordEnum):
    """Pacemaker resource roles, in Pacemaker >= 2.1 words."""

    STARTED = "Started"
    STOPPED = "Stopped"
    PROMOTED = "Promoted"
    UNPROMOTED = "Unpromoted"
    STARTING = "Starting"
    STOPPING = "Stopping"
    MIGRATING = "Migrating"
    PROMOTING = "Promoting"
    DEMOTING = "Demoting"
    UNKNOWN = "Unknown"


# Pacemaker < 2.1 said Master/Slave; the JSON contract and the UI speak the new words only.
ResourceRole._aliases_ = {"master": "PROMOTED", "slave": "UNPROMOTED"}  # type: ignore[attr-defined]


class DrbdRole(WordEnum):
    """DRBD node roles."""

    PRIMARY = "Primary"
    SECONDARY = "Secondary"
    UNKNOWN = "Unknown"


class DiskState(WordEnum):
    """DRBD disk states (8.x and 9)."""

    UP_TO_DATE = "UpToDate"
    CONSISTENT = "Consistent"
    INCONSISTENT = "Inconsistent"
    OUTDATED = "Outdated"
    DISKLESS = "Diskless"
    ATTACHING = "Attaching"
    DETACHING = "Detaching"
    FAILED = "Failed"
    NEGOTIATING = "Negotiating"
    D_UNKNOWN = "DUnknown"
    UNKNOWN = "Unknown"


class ConnState(WordEnum):
    """DRBD connection states: the 8.x ``cs:`` words and the 9 ``connection:`` words."""

    CONNECTED = "Connected"
    STANDALONE = "StandAlone"
    DISCONNECTING = "Disconnecting"
    UNCONNECTED = "Unconnected"
    TIMEOUT = "Timeout"
    BROKEN_PIPE = "BrokenPipe"
    NETWORK_FAILURE = "NetworkFailure"
    PROTOCOL_ERROR = "ProtocolError"
    TEAR_DOWN = "TearDown"
    WF_CONNECTION = "WFConnection"
    WF_REPORT_PARAMS = "WFReportParams"
    CONNECTING = "Connecting"
    STARTING_SYNC_S = "StartingSyncS"
    STARTING_SYNC_T = "StartingSyncT"
    WF_BITMAP_S = "WFBitMapS"
    WF_BITMAP_T = "WFBitMapT"
    WF_SYNC_UUID = "WFSyncUUID"
    SYNC_SOURCE = "SyncSource"
    SYNC_TARGET = "SyncTarget"
    PAUSED_SYNC_S = "PausedSyncS"
    PAUSED_SYNC_T = "PausedSyncT"
    VERIFY_S = "VerifyS"
    VERIFY_T = "VerifyT"
    AHEAD = "Ahead"
    BEHIND = "Behind"
    UNCONFIGURED = "Unconfigured"
    UNKNOWN = "Unknown"


class ReplState(WordEnum):
    """DRBD 9 replication states (per peer device); for DRBD 8 derived from the ``cs:`` word."""

    OFF = "Off"
    ESTABLISHED = "Established"
    STARTING_SYNC_S = "StartingSyncS"
    STARTING_SYNC_T = "StartingSyncT"
    WF_BITMAP_S = "WFBitMapS"
    WF_BITMAP_T = "WFBitMapT"
    WF_SYNC_UUID = "WFSyncUUID"
    SYNC_SOURCE = "SyncSource"
    SYNC_TARGET = "SyncTarget"
    PAUSED_SYNC_S = "PausedSyncS"
    PAUSED_SYNC_T = "PausedSyncT"
    VERIFY_S = "VerifyS"
    VERIFY_T = "VerifyT"
    AHEAD = "Ahead"
    BEHIND = "Behind"
    UNKNOWN = "Unknown"


class DomainState(WordEnum):
    """A VM's state, reduced from xm/xl flag strings (``-b----``) or virsh words (``shut off``)."""

    RUNNING = "running"
    BLOCKED = "blocked"
    PAUSED = "paused"
    SHUTDOWN = "shutdown"
    CRASHED = "crashed"
    DYING = "dying"
    SHUT_OFF = "shut off"
    IDLE = "idle"
    PMSUSPENDED = "pmsuspended"
    UNKNOWN = "unknown"


class LinkStatus(WordEnum):
    """Corosync ring/link health as the JSON contract names it."""

    OK = "ok"
    FAULTY = "faulty"
    UNKNOWN = "unknown"
