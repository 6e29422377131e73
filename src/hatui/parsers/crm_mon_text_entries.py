"""Provides the one-entry grammars of crm_mon text (failed actions, fencing history, bans, history
lines), for :mod:`hatui.parsers.crm_mon_text`.

Failed actions come in three forms: 1.0 ``(node=.., rc=..)``, 1.1-3.x ``'status' (rc): call=..`` and
the 2.1+ plain-language form. History lines are those of ``Migration Summary`` / ``Operations``.
"""

from __future__ import annotations

import re

from hatui.model.pacemaker import INFINITY, Ban, FailedAction, FenceEvent, ResourceHistory
from hatui.parsers.crm_mon_text_resources import base_id, strip_host

_OP_KEY = re.compile(r"^(?P<rsc>.+?)_(?P<op>migrate_to|migrate_from|[A-Za-z-]+)_(?P<interval>\d+)$")
_FA_TECH = re.compile(r"^(?P<key>\S+) on (?P<node>\S+) '(?P<exit>[^']*)' \((?P<rc>-?\d+)\): (?P<kv>.*)$")
_FA_OLD = re.compile(
    r"^(?P<key>\S+) \(node=(?P<node>[^,()]+), call=(?P<call>-?\d+), rc=(?P<rc>-?\d+), "
    r"status=(?P<status>[^,()]+)(?P<kv>,.*?)?\): (?P<exit>.+)$"
)
_FA_FRIENDLY = re.compile(
    r"^(?P<rsc>\S+) (?:(?P<interval>[0-9a-z]+)-interval )?(?P<action>\S+) on (?P<node>\S+) "
    r"(?:returned '(?P<exit>[^']*)'(?: \((?P<reason>.*?)\))?"
    r"|could not be executed \((?P<status>[^:()]*)(?::\s*(?P<reason2>.*?))?\))"
    r"(?: at (?P<at>.+?))?(?: after \S+)?$"
)
_KV_SPLIT = re.compile(r",\s*(?=[a-z][a-z_-]*=)")
_DURATION = re.compile(r"(\d+)(ms|s|m|h|d)")
_UNIT_MS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000}


def _kv(text: str) -> dict[str, str] | None:
    """Reads ``a=1, b='x, y'`` strictly: a piece that is not key=value (a cut line) gives None."""
    out: dict[str, str] = {}
    text = text.strip().strip(",").strip()
    for piece in _KV_SPLIT.split(text) if text else []:
        m = re.fullmatch(r"([a-z][a-z_-]*)=(.*)", piece.strip(), re.S)
        if m is None:
            return None
        value = m.group(2).strip()
        if value.startswith("'"):
            if len(value) < 2 or not value.endswith("'"):
                return None
            value = value[1:-1]
        out[m.group(1)] = value
    return out


def _int(text: str | None) -> int | None:
    return int(text) if text is not None and re.fullmatch(r"-?\d+", text) else None


def parse_failed_action(entry: str) -> FailedAction | None:
    """Reads one failed action (continuation lines already joined); None if no known form fits."""
    status: str | None = None
    reason: str | None = None
    last: str | None = None
    rc: int | None = None
    call: int | None = None
    if m := _FA_TECH.match(entry):
        kv = _kv(m.group("kv"))
        if kv is None:
            return None
        key, node, rc, exit_status = m.group("key"), m.group("node"), int(m.group("rc")), m.group("exit")
        status, call, reason = (
            kv.get("status"),
            _int(kv.get("call")),
            kv.get("exitreason", kv.get("exit-reason")),
        )
        last = kv.get("last-rc-change") or kv.get("last-run")
    elif m := _FA_OLD.match(entry):
        kv = _kv(m.group("kv") or "")
        if kv is None:
            return None
        key, node, rc, exit_status = (
            m.group("key"),
            m.group("node").strip(),
            int(m.group("rc")),
            m.group("exit"),
        )
        status, call, last = m.group("status").strip(), int(m.group("call")), kv.get("last-rc-change")
        last = last or kv.get("last-run")
    elif m := _FA_FRIENDLY.match(entry):
        parts = _DURATION.findall(m.group("interval") or "0ms")
        if "".join(n + u for n, u in parts) != (m.group("interval") or "0ms"):
            return None
        operation = "monitor" if m.group("action") == "probe" else m.group("action")
        interval = sum(int(n) * _UNIT_MS[u] for n, u in parts)
        key, node, exit_status = f"{m.group('rsc')}_{operation}_{interval}", m.group("node"), m.group("exit")
        status, last = m.group("status"), m.group("at")
        reason = m.group("reason") if exit_status is not None else m.group("reason2")
    else:
        return None
    parsed = _OP_KEY.match(key)
    return FailedAction(
        resource=parsed.group("rsc") if parsed else key,
        operation=parsed.group("op") if parsed else "unknown",
        node=node,
        exit_code=rc,
        exit_status=exit_status.strip() if exit_status else exit_status,
        status=status,
        call=call,
        interval_ms=int(parsed.group("interval")) if parsed else None,
        last_rc_change=last or None,
        exit_reason=None if reason in (None, "", "none") else reason,
        op_key=key,
    )


_HISTORY = re.compile(r"^(?P<rsc>\S+?):\s+(?P<body>(?:orphan|migration-threshold=|fail-count=).*)$")
_HISTORY_KV = re.compile(r"(migration-threshold|fail-count|last-failure)=(?:'([^']*)'|(\S+))")


def _count(text: str | None) -> int | None:
    if text is not None and text.upper() in ("INFINITY", "+INFINITY"):
        return INFINITY
    value = _int(text)
    return None if value is None else min(value, INFINITY)


def parse_history(text: str, node: str) -> ResourceHistory | None:
    """Reads ``rsc: migration-threshold=N fail-count=N last-failure='date'``; None if it is not one."""
    m = _HISTORY.match(text)
    if m is None:
        return None
    body = m.group("body").rstrip(":").strip()
    resource = base_id(m.group("rsc"))
    if body == "orphan":
        return ResourceHistory(node=node, resource=resource)
    if _HISTORY_KV.sub("", body).strip():
        return None  # something left over: a cut quote or an unknown field
    found = {k: q or v for k, q, v in _HISTORY_KV.findall(body)}
    return ResourceHistory(
        node=node,
        resource=resource,
        fail_count=_count(found.get("fail-count")),
        migration_threshold=_count(found.get("migration-threshold")),
        last_failure=found.get("last-failure") or None,
    )


_FENCE = re.compile(r"^(?P<action>.+?) of (?P<target>\S+)(?P<rest>.*)$")
_FENCE_KV = re.compile(r"\b(delegate|client|origin|completed|last-\w+)=(?:'([^']*)'|([^,\s]*))")


def parse_fence_event(text: str) -> FenceEvent | None:
    """Reads ``reboot of n2 failed: delegate=.., client=.., origin=.., completed='..'`` and kin."""
    m = _FENCE.match(text)
    if m is None:
        return None
    rest = m.group("rest")
    kv = {k: q or v for k, q, v in _FENCE_KV.findall(rest)}
    state = re.search(r"\b(successful|failed|pending)\b", rest)
    by = re.search(r"\bfor (?P<client>\S+?)@(?P<origin>\S+)", rest)  # 2.1+: "for client@origin"
    at = re.search(r"\bat (?P<at>.+)$", rest)
    word = state.group(1) if state else "unknown"
    return FenceEvent(
        target=m.group("target"),
        action=m.group("action"),
        state="success" if word == "successful" else word,
        delegate=kv.get("delegate") or None,
        client=kv.get("client") or (by.group("client") if by else None),
        origin=kv.get("origin") or (by.group("origin") if by else None),
        completed=kv.get("completed")
        or kv.get("last-failed")
        or kv.get("last-successful")
        or (at["at"] if at else None),
    )


_BAN = re.compile(
    r"^(?P<id>\S+)\s+prevents (?P<rsc>\S+) from running (?:as (?P<role>\S+) )?on (?P<node>\S+?)(?: \(.*\))?$"
)


def parse_ban(text: str) -> Ban | None:
    """Reads a ``Negative Location Constraints:`` line: ``cli-ban-x prevents x from running on n2``."""
    if not (m := _BAN.match(text)):
        return None
    promoted = m.group("role") in ("Master", "Promoted")
    return Ban(m.group("id"), m.group("rsc"), strip_host(m.group("node")), promoted_only=promoted)
