"""Provides the Corosync model built from ``corosync-cfgtool -s`` and ``corosync-quorumtool -s``."""

from __future__ import annotations

from dataclasses import dataclass

from hatui.model.words import LinkStatus


@dataclass(frozen=True, slots=True)
class LinkPeer:
    """Corosync 3.1+ knet per-node link status (``nodeid: 2: connected``)."""

    node_id: int
    status: str
    """As printed: ``localhost``, ``connected``, ``disconnected``."""


@dataclass(frozen=True, slots=True)
class CorosyncLink:
    """One ring (1.x/2.x) or knet link (3.x)."""

    id: int
    address: str | None
    status: LinkStatus
    status_raw: str
    peers: tuple[LinkPeer, ...] = ()


@dataclass(frozen=True, slots=True)
class RingStatus:
    """``corosync-cfgtool -s`` output."""

    local_node_id: int | None
    transport: str | None
    links: tuple[CorosyncLink, ...]


@dataclass(frozen=True, slots=True)
class QuorumMember:
    """A row of the membership table; ``node_id`` 0 is a qdevice pseudo-member."""

    node_id: int
    votes: int | None
    name: str
    local: bool = False
    qdevice: str | None = None


@dataclass(frozen=True, slots=True)
class QuorumStatus:
    """``corosync-quorumtool -s`` output (or its membership table alone)."""

    quorate: bool | None
    expected_votes: int | None = None
    total_votes: int | None = None
    quorum: int | None = None
    node_id: int | None = None
    ring_id: str | None = None
    flags: tuple[str, ...] = ()
    members: tuple[QuorumMember, ...] = ()
