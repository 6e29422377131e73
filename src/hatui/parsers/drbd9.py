"""Provides the DRBD 9 status parsers: ``drbdsetup status --json`` and ``drbdadm status``.

Both read into the same intermediate shape (resource -> volumes, connections -> peer volumes) and
then into one DrbdDevice per (resource, volume) carrying one DrbdPeer per connection. The text
parser also reads ``drbdsetup status --verbose --statistics`` and ``drbdadm status`` run by
drbd-utils 9 against an 8.4 kernel module.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from typing import Any

from hatui.errors import ParseError
from hatui.model.drbd import DrbdDevice, DrbdPeer, DrbdStatus
from hatui.model.words import ConnState, DiskState, DrbdRole, ReplState
from hatui.parsers.proc_drbd import PROGRESS_STATES

# drbdsetup prints this many seconds when it cannot estimate the time left.
_NO_ETA = 987654321
# Above any real link (1 EiB/s): larger JSON floats are garbage, and would overflow int().
_MAX_MIB_S = 2.0**40
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_KEY = re.compile(r"^[a-z][a-z0-9_-]*$", re.ASCII)  # drbd-utils 9.22 --verbose prints backing_dev:
# Bounded so that float() stays finite and the KiB/s products fit an int.
_DECIMAL = re.compile(r"^-?\d{1,15}(?:\.\d{1,9})?$", re.ASCII)
_WHOLE = re.compile(r"^\d{1,18}$", re.ASCII)


@dataclass
class _PeerVol:
    volume: int
    replication: str | None = None
    disk: str | None = None
    percent: float | None = None
    eta_s: int | None = None
    speed_kib_s: int | None = None
    oos_kib: int | None = None


@dataclass
class _Conn:
    name: str | None
    connection: str = "Connected"
    role: str = "Unknown"
    volumes: list[_PeerVol] = field(default_factory=list)


@dataclass
class _Vol:
    volume: int
    disk: str
    minor: int | None = None


@dataclass
class _Res:
    name: str
    role: str
    suspended: bool = False
    volumes: list[_Vol] = field(default_factory=list)
    conns: list[_Conn] = field(default_factory=list)


def parse_drbdsetup_json(text: str, source: str = "drbd_status.json") -> DrbdStatus:
    """Reads ``drbdsetup status --json [--statistics]`` (DRBD 9).

    Args:
        text: The command's stdout.
        source: Name used in error messages.

    Returns:
        One device per (resource, volume), each with one peer per connection.

    Raises:
        ParseError: On malformed JSON (naming its line) or JSON of the wrong shape.
    """
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        lines = text.split("\n")
        snippet = lines[exc.lineno - 1] if 0 < exc.lineno <= len(lines) else ""
        raise ParseError(source, exc.lineno, snippet, f"malformed JSON: {exc.msg}") from exc
    except (ValueError, RecursionError) as exc:
        raise ParseError(source, None, text[:80], f"unreadable JSON: {exc}") from exc
    if not isinstance(data, list):
        raise ParseError(source, 1, text.lstrip()[:80], "expected a JSON array of resources")
    resources = [_json_resource(item, source) for item in data]
    return DrbdStatus(source_format="drbdsetup-json", devices=_devices(resources, source))


def _want(obj: Any, key: str, kind: type, where: str, source: str, required: bool = True) -> Any:
    """Returns ``obj[key]`` checked against ``kind``; bool never passes for a number."""
    if not isinstance(obj, dict):
        raise ParseError(source, None, where, "expected a JSON object")
    if key not in obj:
        if required:
            raise ParseError(source, None, where, f"missing key {key!r}")
        return None
    value = obj[key]
    numeric = kind in (int, float)
    if isinstance(value, bool) and numeric:
        raise ParseError(source, None, where, f"{key!r} is not a number")
    if kind is float and isinstance(value, int | float):
        if not math.isfinite(value):
            return None
        return float(value)
    if not isinstance(value, kind):
        raise ParseError(source, None, where, f"{key!r} has the wrong type")
    return value


def _json_resource(item: Any, source: str) -> _Res:
    name = _want(item, "name", str, "resource", source)
    res = _Res(
        name=name,
        role=_want(item, "role", str, name, source),
        suspended=bool(_want(item, "suspended", bool, name, source, required=False)),
    )
    for dev in _want(item, "devices", list, name, source, required=False) or []:
        where = f"{name} device"
        res.volumes.append(
            _Vol(
                volume=_want(dev, "volume", int, where, source),
                disk=_want(dev, "disk-state", str, where, source),
                minor=_want(dev, "minor", int, where, source, required=False),
            )
        )
    for conn in _want(item, "connections", list, name, source, required=False) or []:
        where = f"{name} connection"
        peer = _Conn(
            name=_want(conn, "name", str, where, source, required=False),
            connection=_want(conn, "connection-state", str, where, source),
            role=_want(conn, "peer-role", str, where, source, required=False) or "Unknown",
        )
        for pdev in _want(conn, "peer_devices", list, where, source, required=False) or []:
            peer.volumes.append(_json_peer_volume(pdev, f"{where} {peer.name}", source))
        res.conns.append(peer)
    return res


def _json_peer_volume(pdev: Any, where: str, source: str) -> _PeerVol:
    pv = _PeerVol(
        volume=_want(pdev, "volume", int, where, source),
        replication=_want(pdev, "replication-state", str, where, source),
        disk=_want(pdev, "peer-disk-state", str, where, source),
        oos_kib=_want(pdev, "out-of-sync", int, where, source, required=False),
    )
    # percent-in-sync is the share of the volume in sync; newer utils add the resync's own progress.
    done = _want(pdev, "percent-resync-done", float, where, source, required=False)
    pv.percent = done if done is not None else _want(pdev, "percent-in-sync", float, where, source, False)
    eta = _want(pdev, "estimated-seconds-to-finish", float, where, source, required=False)
    if eta is not None and 0 <= eta < _NO_ETA:
        pv.eta_s = round(eta)
    speed = _want(pdev, "db1/dt1 [MiB/s]", float, where, source, required=False)
    if speed is None:
        speed = _want(pdev, "db/dt [MiB/s]", float, where, source, required=False)
    if speed is not None and 0 <= speed < _MAX_MIB_S:
        pv.speed_kib_s = round(speed * 1024)
    return pv


def parse_drbdadm_status(text: str, source: str = "drbdadm_status") -> DrbdStatus:
    """Reads ``drbdadm status`` / ``drbdsetup status [--verbose] [--statistics]`` text.

    Indentation carries the structure: resource at column 0, its volumes and connections at 2,
    peer volumes at 4. Deeper lines continue the item above (statistics, or lines wrapped to the
    terminal width).

    Args:
        text: The command's stdout; colour escapes and NUL bytes are tolerated.
        source: Name used in error messages.

    Returns:
        One device per (resource, volume), each with one peer per connection.

    Raises:
        ParseError: On a line that fits nowhere in that structure or a ``key:value`` it cannot read.
    """
    lines = _ANSI.sub("", text.replace("\x00", "")).split("\n")
    if not any(line.strip() for line in lines):
        raise ParseError(source, 1, "", "empty output")
    resources: list[_Res] = []
    res: _Res | None = None
    item: _Res | _Vol | _Conn | _PeerVol | None = None
    for no, raw in enumerate(lines, start=1):
        line = raw.rstrip("\r").expandtabs(8)
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip(" "))
        words = line.split()
        if indent == 0 and words[0].startswith("#"):
            continue  # "# No currently configured DRBD found."
        if indent == 0:
            res = _text_resource(words, source, no, line)
            resources.append(res)
            item = res
        elif res is None or item is None:
            raise ParseError(source, no, line, "indented line before the first resource")
        elif indent == 2:
            item = _text_volume_or_conn(res, words, source, no, line)
        elif indent == 4 and isinstance(item, _Conn | _PeerVol):
            pv = _PeerVol(volume=0)
            res.conns[-1].volumes.append(pv)
            _apply(pv, _pairs(words, source, no, line), source, no, line)
            item = pv
        elif indent >= 4 and (indent > 4 or isinstance(item, _Res)):
            _apply(item, _pairs(words, source, no, line), source, no, line)
        else:
            raise ParseError(source, no, line, f"unexpected indentation {indent}")
    return DrbdStatus(source_format="drbdadm-status", devices=_devices(resources, source))


def _pairs(words: list[str], source: str, no: int, line: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for word in words:
        key, colon, value = word.partition(":")
        if not colon or not value or not _KEY.match(key):
            raise ParseError(source, no, line, f"expected key:value, got {word[:30]!r}")
        pairs[key] = value
    return pairs


def _text_resource(words: list[str], source: str, no: int, line: str) -> _Res:
    if ":" in words[0]:
        raise ParseError(source, no, line, "resource line must start with the resource name")
    pairs = _pairs(words[1:], source, no, line)
    if "role" not in pairs:
        raise ParseError(source, no, line, "resource line without role:")
    res = _Res(name=words[0], role=pairs["role"])
    _apply(res, pairs, source, no, line)
    return res


def _text_volume_or_conn(res: _Res, words: list[str], source: str, no: int, line: str) -> _Vol | _Conn:
    if ":" not in words[0] or words[0].startswith("node-id:"):
        # drbd-utils 9 on an 8.4 kernel names the one peer literally "peer".
        named = ":" not in words[0] and words[0] != "peer"
        conn = _Conn(name=words[0] if named else None)
        _apply(conn, _pairs(words[1:] if ":" not in words[0] else words, source, no, line), source, no, line)
        res.conns.append(conn)
        return conn
    pairs = _pairs(words, source, no, line)
    if "disk" not in pairs:
        raise ParseError(source, no, line, "volume line without disk:")
    vol = _Vol(volume=0, disk=pairs["disk"])
    _apply(vol, pairs, source, no, line)
    if any(v.volume == vol.volume for v in res.volumes):
        raise ParseError(source, no, line, f"volume {vol.volume} listed twice")
    res.volumes.append(vol)
    return vol


def _number(value: str, source: str, no: int, line: str) -> float | None:
    """Reads a decimal; drbdsetup prints ``nan`` for an ETA it cannot estimate."""
    if value.lower() == "nan":
        return None
    if not _DECIMAL.match(value):
        raise ParseError(source, no, line, f"not a number: {value[:20]!r}")
    return float(value)


def _whole(value: str, source: str, no: int, line: str) -> int:
    if not _WHOLE.match(value):
        raise ParseError(source, no, line, f"not a whole number: {value[:20]!r}")
    return int(value)


def _apply(
    item: _Res | _Vol | _Conn | _PeerVol, pairs: dict[str, str], source: str, no: int, line: str
) -> None:
    """Copies the keys an item cares about; others (counters, addresses, quorum...) are skipped."""
    for key, value in pairs.items():
        if isinstance(item, _Res):
            if key == "role":
                item.role = value
            elif key == "suspended":
                item.suspended = value != "no"
        elif isinstance(item, _Vol):
            if key == "volume":
                item.volume = _whole(value, source, no, line)
            elif key == "minor":
                item.minor = _whole(value, source, no, line)
            elif key == "disk":
                item.disk = value
        elif isinstance(item, _Conn):
            if key == "connection":
                item.connection = value
            elif key == "role":
                item.role = value
        elif key == "volume":
            item.volume = _whole(value, source, no, line)
        elif key == "replication":
            item.replication = value
        elif key in ("peer-disk", "disk"):  # older utils print disk: on peer lines
            item.disk = value
        elif key == "done":
            item.percent = _number(value, source, no, line)
        elif key == "out-of-sync":
            item.oos_kib = _whole(value, source, no, line)
        elif key == "eta":
            eta = _number(value, source, no, line)
            item.eta_s = round(eta) if eta is not None and 0 <= eta < _NO_ETA else None
        elif key == "dbdt1":
            speed = _number(value, source, no, line)
            item.speed_kib_s = round(speed * 1024) if speed is not None and speed >= 0 else None


def _devices(resources: list[_Res], source: str) -> tuple[DrbdDevice, ...]:
    devices: list[DrbdDevice] = []
    for res in resources:
        known = {vol.volume for vol in res.volumes}
        if len(known) != len(res.volumes):
            raise ParseError(source, None, res.name, "a volume is listed twice")
        for conn in res.conns:
            for pv in conn.volumes:
                if pv.volume not in known:
                    raise ParseError(source, None, res.name, f"peer volume {pv.volume} has no local volume")
        for vol in res.volumes:
            peers = tuple(_peer(conn, vol.volume) for conn in res.conns)
            oos = [p.out_of_sync_kib for p in peers if p.out_of_sync_kib is not None]
            devices.append(
                DrbdDevice(
                    resource=res.name,
                    minor=vol.minor,
                    volume=vol.volume,
                    role=DrbdRole.from_word(res.role),
                    role_raw=res.role,
                    disk=DiskState.from_word(vol.disk),
                    disk_raw=vol.disk,
                    peers=peers,
                    # The worst peer says how much of this volume is not yet replicated everywhere.
                    out_of_sync_kib=max(oos) if oos else None,
                    suspended=res.suspended,
                )
            )
    return tuple(devices)


def _peer(conn: _Conn, volume: int) -> DrbdPeer:
    pv = next((p for p in conn.volumes if p.volume == volume), _PeerVol(volume=volume))
    connected = ConnState.from_word(conn.connection) is ConnState.CONNECTED
    # Plain drbdadm status leaves out replication <= Established and a DUnknown peer disk.
    repl_raw = pv.replication or ("Established" if connected else "Off")
    disk_raw = pv.disk or "DUnknown"
    repl = ReplState.from_word(repl_raw)
    progressing = repl in PROGRESS_STATES
    return DrbdPeer(
        name=conn.name,
        connection=ConnState.from_word(conn.connection),
        connection_raw=conn.connection,
        role=DrbdRole.from_word(conn.role),
        role_raw=conn.role,
        disk=DiskState.from_word(disk_raw),
        disk_raw=disk_raw,
        replication=repl,
        replication_raw=repl_raw,
        sync_percent=pv.percent if progressing else None,
        sync_eta_s=pv.eta_s if progressing else None,
        sync_speed_kib_s=pv.speed_kib_s if progressing else None,
        out_of_sync_kib=pv.oos_kib,
    )
