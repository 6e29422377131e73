"""Provides ``parse_iscsiadm_session``: the iSCSI sessions of ``iscsiadm -m session`` (plain, -P 1, -P 3).

Formats (open-iscsi 2.0.870 to 2.1.x):

- plain (``-P 0``): ``tcp: [2] 10.16.172.247:3260,1 iqn.2018-11.com:BEAN``, with `` (non-flash)``
  after it since 2013 (open-iscsi 181af9a); the README's ``tcp [2] ...`` (no colon) is read too;
- ``-P 1`` and ``-P 3``: a tree, indented with tabs (or spaces in copies): ``Target: IQN``, its
  ``Current Portal:`` (the one connected; ``Persistent Portal:`` is the configured one), then per
  session ``SID:``, ``iSCSI Connection State:``, ``iSCSI Session State:`` (missing in 2007's
  iscsiadm) and ``Internal iscsid Session State:``; ``-P 3`` adds the negotiated parameters and the
  disks (``Attached scsi disk sde  State: running``), and starts with two version lines.

Every other ``key: value`` line inside a target is the session's detail and is not read.
``iscsiadm: No active sessions.`` (which iscsiadm prints on stderr with exit status 21, the source
table's "nothing to list" status) and an empty output are ``()``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from hatui.errors import ParseError
from hatui.model.storage import IscsiSession

__all__ = ["parse_iscsiadm_session"]

_PLAIN = re.compile(
    r"^(?P<transport>[\w.-]+):?\s+\[(?P<sid>\d+)\]\s+(?P<portal>\S+)\s+(?P<target>\S+)(?:\s+\((?:non-)?flash\))?$"
)
_KEY = re.compile(r"^(?P<key>[^:]+?):\s*(?P<value>.*)$")
_DISK = re.compile(r"Attached scsi disk (?P<disk>\S+)")
_HEADER = re.compile(r"^(?:iSCSI Transport Class version|version)\s+\S+$")
_NO_SESSIONS = "No active sessions"


@dataclass
class _Session:
    target: str
    portal: str
    sid: int | None = None
    states: dict[str, str] = field(default_factory=dict)
    devices: list[str] = field(default_factory=list)

    def done(self) -> IscsiSession:
        return IscsiSession(
            target=self.target,
            portal=self.portal,
            sid=self.sid,
            connection_state=self.states.get("iscsi connection state"),
            session_state=self.states.get("iscsi session state"),
            internal_state=self.states.get("internal iscsid session state"),
            devices=tuple(self.devices),
        )


def parse_iscsiadm_session(text: str, source: str = "iscsiadm_session") -> tuple[IscsiSession, ...]:
    """Reads ``iscsiadm -m session [-P 1|3]``; see the module docstring.

    Raises:
        ParseError: a line outside a ``Target:`` block that is neither a plain session line, a
            version header nor ``No active sessions``; a ``SID`` that is not a number; a target
            without any session (``-m node -P 1`` lists targets, not sessions).
    """
    found: list[IscsiSession] = []
    target: str | None = None
    portal = ""
    session: _Session | None = None
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.strip()
        if not line or line.startswith("*"):
            continue
        plain = _PLAIN.match(line)
        if plain is not None and target is None:
            found.append(IscsiSession(plain["target"], plain["portal"], int(plain["sid"])))
            continue
        if _NO_SESSIONS in line and line.startswith("iscsiadm"):
            continue
        if _HEADER.match(line):
            continue
        match = _KEY.match(line)
        lowered = match["key"].strip().lower() if match is not None else ""
        value = match["value"].strip() if match is not None else ""
        if lowered != "target" and target is None:
            raise ParseError(source, number, raw, "not an iscsiadm -m session line")
        if lowered == "target":
            if target is not None and session is None and not any(s.target == target for s in found):
                raise ParseError(source, number, raw, f"target {target} has no session (SID): not -m session")
            if session is not None:
                found.append(session.done())
            target, portal, session = value.split()[0] if value else "", "", None
            continue
        if target is None or match is None:
            continue  # (no target: refused above) a line of a session's details without a colon
        if lowered == "current portal":
            if session is not None:
                found.append(session.done())
                session = None
            portal = value.split()[0] if value else ""
        elif lowered == "persistent portal":
            portal = portal or (value.split()[0] if value else "")
        elif lowered == "sid":
            if not value.isdigit():
                raise ParseError(source, number, raw, "SID is not a number")
            if session is not None:
                found.append(session.done())
            session = _Session(target, portal, int(value))
        elif session is not None and lowered in ("iscsi connection state", "iscsi session state",
                                                 "internal iscsid session state"):  # fmt: skip
            session.states[lowered] = value
        elif session is not None and (disk := _DISK.search(line)) is not None:
            session.devices.append(disk["disk"])
    if session is not None:
        found.append(session.done())
    elif target is not None and not any(s.target == target for s in found):
        raise ParseError(source, None, target, "a target without a session (SID): not -m session")
    return tuple(found)
