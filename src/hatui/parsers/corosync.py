"""Provides parsers for ``corosync-cfgtool -s`` (rings/links) and ``corosync-quorumtool -s`` (quorum).

``parse_cfgtool`` reads the three layouts corosync has printed: 1.x/2.x rings (``RING ID 0`` /
``id = ...`` / ``status = ring 0 active with no faults``), early 3.0 links (``Link ID 0`` / ``addr = ...``
/ ``status = OK``) and 3.1+ knet links with one ``nodeid: N: connected`` line per node.
``parse_quorumtool`` reads the ``-s`` report and the membership table alone (``-l``, ``pcs status
corosync``), for which ``quorate`` is None. Indentation is not trusted: TABs and spaces vary.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from hatui.errors import ParseError
from hatui.model.corosync import CorosyncLink, LinkPeer, QuorumMember, QuorumStatus, RingStatus
from hatui.model.words import LinkStatus

__all__ = ["parse_cfgtool", "parse_quorumtool"]

_PRINTING = re.compile(r"^Printing (?:ring|link) status\.?$", re.IGNORECASE)
_LOCAL = re.compile(r"^Local node ID (\d{1,12})(?:,\s*transport\s+(\S+))?$")
_LINK = re.compile(r"^(?:RING|LINK) ID (\d{1,6})(?:\s+\S+)?$", re.IGNORECASE)
_ADDR = re.compile(r"^(?:id|addr)\s*=\s*(.*)$")
_STATUS_EQ = re.compile(r"^status\s*=\s*(.*)$")
_STATUS_COLON = re.compile(r"^status\s*:$")
_PEER = re.compile(r"^nodeid:?\s*(\d{1,12}):\s*(\S.*)$")

_DASHES = re.compile(r"^-{3,}$")
_KEY_VALUE = re.compile(r"^([A-Za-z][A-Za-z ]*?):(?:\s+(.*))?$")
_NUMBER = re.compile(r"^(?:0x[0-9a-fA-F]{1,16}|\d{1,18})$")
_MEMBER = re.compile(
    r"^\s*(?P<id>0x[0-9a-fA-F]{1,16}|\d{1,18})\s+(?:(?P<votes>\d{1,9})\s+)?(?P<rest>\S.*?)\s*$"
)
_QDEVICE_ROW = re.compile(r"^Qdevice(?:\s*\(votes:?\s*(\d{1,9})\))?$")
_QDEVICE_FLAGS = re.compile(r"^[A-Z]+(?:,[A-Z]+)*$")
_LOCAL_SUFFIX = "(local)"


def _lines(text: str) -> list[str]:
    # Not str.splitlines(): it also breaks on \v, \f and \x1c-\x1e and would skew line numbers.
    return [line.rstrip("\r") for line in text.split("\n")]


@dataclass
class _LinkDraft:
    id: int
    line: int
    snippet: str
    address: str | None = None
    status_text: str | None = None
    peer_block: bool = False
    peers: list[LinkPeer] = field(default_factory=list)

    def finish(self, source: str) -> CorosyncLink:
        if self.peer_block:
            if not self.peers:
                raise ParseError(source, self.line, self.snippet, "link 'status:' without nodeid lines")
            words = {p.status.lower() for p in self.peers}
            if "disconnected" in words:
                status = LinkStatus.FAULTY
            elif words <= {"localhost", "connected"}:
                status = LinkStatus.OK
            else:
                status = LinkStatus.UNKNOWN
            raw = "; ".join(f"{p.node_id}: {p.status}" for p in self.peers)
            return CorosyncLink(self.id, self.address, status, raw, tuple(self.peers))
        if self.status_text is None:
            raise ParseError(source, self.line, self.snippet, "ring/link without a status line")
        text = self.status_text
        if "FAULTY" in text.upper():
            status = LinkStatus.FAULTY
        elif text.upper() == "OK" or "active with no faults" in text.lower():
            status = LinkStatus.OK
        else:
            status = LinkStatus.UNKNOWN
        return CorosyncLink(self.id, self.address, status, text)


def parse_cfgtool(text: str, source: str = "corosync_cfgtool") -> RingStatus:
    """Parses ``corosync-cfgtool -s`` output of corosync 1.x, 2.x or 3.x."""
    local_id: int | None = None
    transport: str | None = None
    links: list[CorosyncLink] = []
    draft: _LinkDraft | None = None
    for number, raw in enumerate(_lines(text), start=1):
        line = raw.strip()
        if not line or _PRINTING.match(line):
            continue
        if match := _LOCAL.match(line):
            local_id, transport = int(match[1]), match[2]
        elif match := _LINK.match(line):
            if draft is not None:
                links.append(draft.finish(source))
            link_id = int(match[1])
            if any(link.id == link_id for link in links):
                raise ParseError(source, number, raw, "ring/link id repeated")
            draft = _LinkDraft(link_id, number, raw)
        elif draft is None:
            raise ParseError(source, number, raw, "expected 'Local node ID' or a RING/LINK ID line")
        elif match := _ADDR.match(line):
            draft.address = match[1].strip() or None
        elif match := _STATUS_EQ.match(line):
            draft.status_text = match[1].strip()
        elif _STATUS_COLON.match(line):
            draft.peer_block = True
        elif (match := _PEER.match(line)) and draft.peer_block:
            draft.peers.append(LinkPeer(int(match[1]), match[2].strip()))
        else:
            raise ParseError(source, number, raw, "not a ring/link status line")
    if draft is None:
        raise ParseError(source, None, text[:80], "no RING ID / LINK ID section")
    links.append(draft.finish(source))
    return RingStatus(local_node_id=local_id, transport=transport, links=tuple(links))


def _to_int(value: str, source: str, number: int, raw: str, what: str) -> int:
    # corosync-quorumtool -H prints node ids in hex (0x00000001).
    if not _NUMBER.match(value):
        raise ParseError(source, number, raw, f"{what} is not a number")
    return int(value, 16) if value.lower().startswith("0x") else int(value)


def _is_title(lines: list[str], index: int) -> bool:
    return index + 1 < len(lines) and bool(_DASHES.match(lines[index + 1].strip()))


def _member(match: re.Match[str], has_qdevice: bool, source: str, number: int, raw: str) -> QuorumMember:
    node_id = _to_int(match["id"], source, number, raw, "node id")
    votes = int(match["votes"]) if match["votes"] is not None else None
    rest = match["rest"]
    qdevice_row = _QDEVICE_ROW.match(rest)
    if node_id == 0 and qdevice_row:
        # The qdevice pseudo-member; a non-voting qdevice prints 0 votes and "(votes N)" configured.
        if votes is None and qdevice_row[1] is not None:
            votes = int(qdevice_row[1])
        return QuorumMember(node_id=0, votes=votes, name="Qdevice")
    if votes is None:
        # Only the qdevice pseudo-row may lack the Votes cell; elsewhere it is a cut-off row.
        raise ParseError(source, number, raw, "membership row without a Votes cell")
    local = rest.endswith(_LOCAL_SUFFIX)
    if local:
        rest = rest[: -len(_LOCAL_SUFFIX)].rstrip()
    qdevice: str | None = None
    words = rest.split()
    if has_qdevice and len(words) >= 2 and _QDEVICE_FLAGS.match(words[0]):
        qdevice, rest = words[0], rest[len(words[0]) :].strip()
    if not rest:
        raise ParseError(source, number, raw, "membership row without a name")
    return QuorumMember(node_id=node_id, votes=votes, name=rest, local=local, qdevice=qdevice)


def _membership(lines: list[str], index: int, source: str) -> tuple[int, list[QuorumMember]]:
    """Reads the table that follows a ``Membership information`` title; returns the next index."""
    while index < len(lines) and not lines[index].strip():
        index += 1
    if index >= len(lines):
        raise ParseError(source, index, "", "membership table header missing")
    header = lines[index].split()
    if len(header) < 3 or header[:2] != ["Nodeid", "Votes"] or header[-1] != "Name":
        raise ParseError(source, index + 1, lines[index], "not a membership table header")
    has_qdevice = "Qdevice" in header
    members: list[QuorumMember] = []
    index += 1
    while index < len(lines) and lines[index].strip() and not _is_title(lines, index):
        raw = lines[index]
        match = _MEMBER.match(raw)
        if match is None:
            raise ParseError(source, index + 1, raw, "not a membership row (Nodeid Votes Name)")
        members.append(_member(match, has_qdevice, source, index + 1, raw))
        index += 1
    if not members:
        raise ParseError(source, index, lines[index - 1], "membership table has no rows")
    return index, members


def parse_quorumtool(text: str, source: str = "corosync_quorumtool") -> QuorumStatus:
    """Parses ``corosync-quorumtool -s`` (or ``-l`` / ``pcs status corosync``: quorate None)."""
    lines = _lines(text)
    values: dict[str, tuple[str, int, str]] = {}
    members: list[QuorumMember] | None = None
    in_section = False
    index = 0
    while index < len(lines):
        raw = lines[index]
        line = raw.strip()
        if not line:
            index += 1
        elif _is_title(lines, index) and not _DASHES.match(line):
            in_section = True
            if line.lower() == "membership information":
                if members is not None:
                    raise ParseError(source, index + 1, raw, "membership table repeated")
                index, members = _membership(lines, index + 2, source)
            else:
                index += 2
        elif in_section and (match := _KEY_VALUE.match(line)):
            values[match[1].strip().lower()] = ((match[2] or "").strip(), index + 1, raw)
            index += 1
        else:
            raise ParseError(source, index + 1, raw, "not a 'Key: value' line or a section title")
    if members is None:
        raise ParseError(source, None, text[:80], "no 'Membership information' table")

    def number(key: str, what: str) -> int | None:
        if key not in values:
            return None
        value, line_no, raw = values[key]
        return _to_int(value.split()[0] if value else "", source, line_no, raw, what)

    quorate: bool | None = None
    if "quorate" in values:
        value, line_no, raw = values["quorate"]
        if value.lower() not in ("yes", "no"):
            raise ParseError(source, line_no, raw, "Quorate is neither Yes nor No")
        quorate = value.lower() == "yes"
    elif values:
        raise ParseError(source, None, text[:80], "quorum report without a 'Quorate:' line")
    ring_id = values.get("ring id", ("", 0, ""))[0] or None
    return QuorumStatus(
        quorate=quorate,
        expected_votes=number("expected votes", "Expected votes"),
        total_votes=number("total votes", "Total votes"),
        # "Quorum: 2 Activity blocked": the number comes first, the rest is a remark.
        quorum=number("quorum", "Quorum"),
        node_id=number("node id", "Node ID"),
        ring_id=ring_id,
        flags=tuple(values["flags"][0].split()) if "flags" in values else (),
        members=tuple(members),
    )
