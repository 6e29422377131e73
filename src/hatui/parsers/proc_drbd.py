"""Provides parse_proc_drbd: ``/proc/drbd`` of DRBD 8.0 to 8.4 read into a DrbdStatus.

The kernel module writes one block per minor: a state line (``cs: ro:/st: ds:``, protocol, I/O flags),
a counters line and, while a resync or online verify runs, progress lines. /proc/drbd names no
resources: ``drbdadm dump all`` (see ``hatui.parsers.drbd_dump``) maps minors to names.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from hatui.errors import ParseError
from hatui.model.drbd import DrbdDevice, DrbdPeer, DrbdStatus
from hatui.model.words import ConnState, DiskState, DrbdRole, ReplState

#: Replication states in which a resync or an online verify makes progress (DRBD 8 ``cs:`` words
#: and DRBD 9 ``replication:`` words alike); only these carry sync percent, ETA and speed.
PROGRESS_STATES = frozenset(
    {
        ReplState.SYNC_SOURCE,
        ReplState.SYNC_TARGET,
        ReplState.PAUSED_SYNC_S,
        ReplState.PAUSED_SYNC_T,
        ReplState.VERIFY_S,
        ReplState.VERIFY_T,
    }
)
_VERIFY_STATES = frozenset({ReplState.VERIFY_S, ReplState.VERIFY_T})

# re.ASCII everywhere: \d must not accept other scripts' digits from a garbled capture.
_MINOR = re.compile(r"^\s*(\d+):\s+cs:(\S*)(.*)$", re.ASCII)
_FLAGS = re.compile(r"^[rs][-a-z]{0,7}$", re.ASCII)
_INT = re.compile(r"^-?\d+$", re.ASCII)
_PROGRESS = re.compile(
    r"^\[[=>.]*\]\s*(?:sync'ed|verified):\s*(?P<pct>\d+(?:\.\d+)?)%\s*"
    r"\((?P<left>\d+)/(?P<total>\d+)\)(?P<unit>[KM])(?P<rest>.*)$",
    re.ASCII,
)
_NUM = r"\d{1,3}(?:,\d{3})*"
# proc_details >= 1 inserts a ~3 s average before ``--`` inside the parentheses.
_FINISH = re.compile(
    rf"^finish:\s*(?P<h>\d+):(?P<m>\d\d):(?P<s>\d\d)\s+speed:\s*(?P<speed>{_NUM})\s*"
    rf"\((?:{_NUM}\s*--\s*)?{_NUM}\)(?:\s*want:\s*{_NUM})?\s*K/sec(?:\s*\(stalled\))?$",
    re.ASCII,
)
# DRBD 8.3 prints verify progress as a bare ``\t 42%      1234/5678`` (bitmap blocks).
_VERIFY_83 = re.compile(r"^(\d+)%\s+\d+/\d+$", re.ASCII)
_SECTOR_POS = re.compile(r"^\d+%\s+sector pos:\s*\d+/\d+(?:\s+stop sector:\s*\d+)?$", re.ASCII)
_LRU_STATS = re.compile(r"^[a-z_]+: used:\d+/\d+(?:\s+[a-z]+:\d+)*$", re.ASCII)
_BLOCKED = re.compile(r"^blocked on activity log:\s*-?\d+$", re.ASCII)
_HEADER_WORDS = ("GIT-hash:", "srcversion:", "built-in", "Transports ")


@dataclass
class _Minor:
    """One minor's lines while they are read; turned into a DrbdDevice when its block ends."""

    minor: int
    line: int
    cs: str
    roles: tuple[str, str] | None = None
    disks: tuple[str, str] | None = None
    protocol: str | None = None
    flags: str | None = None
    oos_kib: int | None = None
    counters_seen: bool = False
    percent: float | None = None
    left_kib: int | None = None
    eta_s: int | None = None
    speed_kib_s: int | None = None
    in_lru_dump: bool = False


def parse_proc_drbd(text: str, source: str = "proc_drbd") -> DrbdStatus:
    """Reads ``cat /proc/drbd`` of DRBD 8.0-8.4.

    Args:
        text: The file's content; stray NUL bytes and CRLF line ends are tolerated.
        source: Name used in error messages.

    Returns:
        The configured minors as devices (each with its one unnamed peer) and the
        ``cs:Unconfigured`` minors apart.

    Raises:
        ParseError: On any line that is not part of the /proc/drbd grammar.
    """
    lines = [line.rstrip("\r") for line in text.replace("\x00", "").split("\n")]
    if not any(line.strip() for line in lines):
        raise ParseError(source, 1, "", "empty output")
    version: str | None = None
    minors: list[_Minor] = []
    unconfigured: list[int] = []
    seen: set[int] = set()
    current: _Minor | None = None
    for no, line in _numbered(lines):
        match = _MINOR.match(line)
        if match:
            minor = _to_int(match.group(1), source, no, line)
            if minor in seen:
                raise ParseError(source, no, line, f"minor {minor} listed twice")
            seen.add(minor)
            current = _start_minor(minor, match.group(2), match.group(3), source, no, line)
            if current.cs.lower() == "unconfigured":
                unconfigured.append(minor)
            else:
                minors.append(current)
        elif not line[0].isspace():
            if seen:
                raise ParseError(source, no, line, "unexpected line after the first minor")
            if line.startswith("version:"):
                words = line[len("version:") :].split()
                if not words:
                    raise ParseError(source, no, line, "version line without a version")
                version = words[0]
            elif not line.startswith(_HEADER_WORDS):
                raise ParseError(source, no, line, "unexpected header line")
        elif current is None:
            raise ParseError(source, no, line, "indented line before the first minor")
        else:
            _detail_line(current, line.strip(), source, no, line)
    return DrbdStatus(
        source_format="proc_drbd",
        version=version,
        devices=tuple(_device(m, source) for m in minors),
        unconfigured_minors=tuple(unconfigured),
    )


def _numbered(lines: list[str]) -> Iterator[tuple[int, str]]:
    """Yields (1-based line number, line) for the non-blank lines; DRBD puts blanks between minors."""
    for index, line in enumerate(lines):
        if line.strip():
            yield index + 1, line


def _to_int(word: str, source: str, no: int, line: str) -> int:
    try:
        return int(word)
    except ValueError as exc:
        raise ParseError(source, no, line, f"not a number: {word[:20]!r}") from exc


def _pair(field: str, source: str, no: int, line: str) -> tuple[str, str]:
    """Splits ``ro:Primary/Secondary`` into the local and the peer word."""
    _, _, value = field.partition(":")
    local, slash, peer = value.partition("/")
    if not slash or not local or not peer or "/" in peer:
        raise ParseError(source, no, line, f"expected local/peer in {field!r}")
    return local, peer


def _start_minor(minor: int, cs: str, rest: str, source: str, no: int, line: str) -> _Minor:
    if not cs:
        raise ParseError(source, no, line, "empty connection state")
    state = _Minor(minor=minor, line=no, cs=cs)
    fields = rest.split()
    if cs.lower() == "unconfigured":
        if fields:
            raise ParseError(source, no, line, "fields after cs:Unconfigured")
        return state
    for field in fields:
        # 8.0 says st: where 8.2+ say ro:
        if field.startswith(("ro:", "st:")) and state.roles is None:
            state.roles = _pair(field, source, no, line)
        elif field.startswith("ds:") and state.disks is None:
            state.disks = _pair(field, source, no, line)
        elif field in ("A", "B", "C") and state.protocol is None:
            state.protocol = field
        elif _FLAGS.match(field) and state.flags is None:
            state.flags = field
        else:
            raise ParseError(source, no, line, f"unexpected field {field[:20]!r}")
    if state.roles is None or state.disks is None:
        raise ParseError(source, no, line, "state line without ro:/st: and ds:")
    return state


def _detail_line(state: _Minor, body: str, source: str, no: int, line: str) -> None:
    """Reads one indented line below a minor's state line into ``state``."""
    if _BLOCKED.match(body):
        return
    if state.cs.lower() == "unconfigured":
        raise ParseError(source, no, line, "detail line below an unconfigured minor")
    if state.in_lru_dump:
        # proc_details >= 2 dumps the resync LRU as free-form rows until the next minor.
        return
    if body.startswith("nn: lc_number"):
        state.in_lru_dump = True
    elif body.startswith("ns:"):
        _counters(state, body, source, no, line)
    elif body.startswith("["):
        _progress(state, body, source, no, line)
    elif body.startswith("finish:"):
        if state.percent is None or state.eta_s is not None:
            raise ParseError(source, no, line, "finish line without a progress line")
        _finish(state, body, source, no, line)
    elif match := _VERIFY_83.match(body):
        state.percent = float(_to_int(match.group(1), source, no, line))
    elif not (_SECTOR_POS.match(body) or _LRU_STATS.match(body)):
        raise ParseError(source, no, line, "unexpected line below a minor")


def _counters(state: _Minor, body: str, source: str, no: int, line: str) -> None:
    if state.counters_seen:
        raise ParseError(source, no, line, "second counters line for one minor")
    state.counters_seen = True
    for field in body.split():
        key, colon, value = field.partition(":")
        if not colon or not key or not value:
            raise ParseError(source, no, line, f"expected key:value, got {field[:20]!r}")
        if key == "wo":
            continue
        if not _INT.match(value):
            raise ParseError(source, no, line, f"counter {key} is not a number")
        if key == "oos":
            state.oos_kib = _to_int(value, source, no, line)


def _progress(state: _Minor, body: str, source: str, no: int, line: str) -> None:
    match = _PROGRESS.match(body)
    if not match or state.percent is not None:
        raise ParseError(source, no, line, "unreadable sync progress line")
    try:
        state.percent = float(match.group("pct"))
    except ValueError as exc:
        raise ParseError(source, no, line, "unreadable sync percentage") from exc
    scale = 1024 if match.group("unit") == "M" else 1
    state.left_kib = _to_int(match.group("left"), source, no, line) * scale
    rest = match.group("rest").strip()
    # Large devices print the M branch without a line break, gluing "finish:" onto this line.
    if rest:
        _finish(state, rest, source, no, line)


def _finish(state: _Minor, body: str, source: str, no: int, line: str) -> None:
    match = _FINISH.match(body)
    if not match:
        raise ParseError(source, no, line, "unreadable finish/speed line")
    hours, minutes, seconds = (_to_int(match.group(k), source, no, line) for k in ("h", "m", "s"))
    state.eta_s = hours * 3600 + minutes * 60 + seconds
    state.speed_kib_s = _to_int(match.group("speed").replace(",", ""), source, no, line)


def _device(state: _Minor, source: str) -> DrbdDevice:
    """Builds the device and its one peer; sync figures only count while a sync or verify runs."""
    if state.roles is None or state.disks is None:  # pragma: no cover - _start_minor guarantees both
        raise ParseError(source, state.line, "", "incomplete minor")
    conn = ConnState.from_word(state.cs)
    repl: ReplState | None = ReplState.from_word(state.cs)
    if repl in (ReplState.UNKNOWN, ReplState.OFF):
        # 8.x has no replication word: plain Connected is what DRBD 9 calls Established.
        repl = ReplState.ESTABLISHED if conn is ConnState.CONNECTED else None
    progressing = repl in PROGRESS_STATES
    oos = state.oos_kib
    if oos is None and progressing and repl not in _VERIFY_STATES:
        # 8.0 has no oos: counter; while it syncs the progress line says what is left.
        oos = state.left_kib
    peer = DrbdPeer(
        name=None,
        connection=conn,
        connection_raw=state.cs,
        role=DrbdRole.from_word(state.roles[1]),
        role_raw=state.roles[1],
        disk=DiskState.from_word(state.disks[1]),
        disk_raw=state.disks[1],
        replication=repl,
        replication_raw=state.cs if repl is not None else None,
        sync_percent=state.percent if progressing else None,
        sync_eta_s=state.eta_s if progressing else None,
        sync_speed_kib_s=state.speed_kib_s if progressing else None,
        out_of_sync_kib=oos,
    )
    return DrbdDevice(
        resource=None,
        minor=state.minor,
        volume=None,
        role=DrbdRole.from_word(state.roles[0]),
        role_raw=state.roles[0],
        disk=DiskState.from_word(state.disks[0]),
        disk_raw=state.disks[0],
        peers=(peer,),
        protocol=state.protocol,
        out_of_sync_kib=oos,
        flags=state.flags,
        suspended=state.flags is not None and state.flags.startswith("s"),
    )
