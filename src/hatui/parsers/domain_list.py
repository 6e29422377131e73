"""Provides parsers for VM lists: ``xm list`` / ``xl list`` (Xen) and ``virsh list [--all]`` (libvirt).

Both return one :class:`~hatui.model.domains.Domain` per row, Domain-0 included (callers filter with
``Domain.is_host``). Column positions are not trusted: a name longer than its column pushes the other
cells to the right, so rows are read from the right, where the cells are short and well-formed.
"""

from __future__ import annotations

import re

from hatui.errors import ParseError
from hatui.model.domains import Domain, state_from_xen_flags
from hatui.model.words import DomainState

__all__ = ["parse_virsh_list", "parse_xen_list"]

_XEN_HEADER = ("Name", "ID", "Mem", "VCPUs", "State", "Time(s)")

# Read right to left: time, optional state flags, vcpus, memory, optional domid; the name is whatever
# is left, so it may contain spaces. A blank ID (a domain xend manages but has not started, or one
# being built) and a blank State are both tolerated. The lazy name makes a numeric last word of a
# name lose to the ID column, which is the common case. Both tools print the time as %.1f: requiring
# the decimal part is what tells a row cut after a number from an inactive domain's row.
_XEN_ROW = re.compile(
    r"^(?P<name>.*?\S)\s+(?:(?P<id>\d{1,18})\s+)?(?P<mem>\d{1,18})\s+(?P<vcpus>\d{1,18})\s+"
    r"(?:(?P<state>[-a-z]{6})\s+)?(?P<time>\d+\.\d+)\s*$"
)

_VIRSH_HEADER = ("Id", "Name", "State")
_VIRSH_RULE = re.compile(r"^\s*-{3,}\s*$")
_VIRSH_ROW = re.compile(r"^\s*(?P<id>\d{1,18}|-)\s+(?P<rest>\S.*?)\s*$")

_VIRSH_STATES: dict[str, DomainState] = {
    "running": DomainState.RUNNING,
    "idle": DomainState.IDLE,
    "blocked": DomainState.BLOCKED,
    "paused": DomainState.PAUSED,
    "in shutdown": DomainState.SHUTDOWN,
    "shutdown": DomainState.SHUTDOWN,
    "shut off": DomainState.SHUT_OFF,
    "crashed": DomainState.CRASHED,
    "pmsuspended": DomainState.PMSUSPENDED,
    "dying": DomainState.DYING,
    "no state": DomainState.UNKNOWN,
}
# Longest first, so that "in shutdown" is not read as a name ending in "in" plus "shutdown".
_VIRSH_STATE_WORDS = sorted(_VIRSH_STATES, key=len, reverse=True)


def _lines(text: str) -> list[str]:
    # str.splitlines() also breaks on \v, \f and \x1c-\x1e, which would make the reported line
    # numbers disagree with what an admin sees in the raw output.
    return [line.rstrip("\r") for line in text.split("\n")]


def _first_content(lines: list[str], source: str, what: str) -> int:
    for index, line in enumerate(lines):
        if line.strip():
            return index
    raise ParseError(source, None, "", f"empty output: no {what} header")


def parse_xen_list(text: str, tool: str = "xm", source: str = "xm_list") -> tuple[Domain, ...]:
    """Parses ``xm list`` or ``xl list`` output; ``tool`` is stored in each ``Domain.tool``."""
    lines = _lines(text)
    start = _first_content(lines, source, "xm/xl list")
    header = lines[start]
    if tuple(header.split()) != _XEN_HEADER:
        raise ParseError(source, start + 1, header, "not an xm/xl list header")
    domains: list[Domain] = []
    for index in range(start + 1, len(lines)):
        line = lines[index]
        if not line.strip():
            continue
        match = _XEN_ROW.match(line)
        if match is None:
            raise ParseError(source, index + 1, line, "not an xm/xl list row")
        domid = int(match["id"]) if match["id"] is not None else None
        flags = match["state"] or ""
        if domid is None and flags.strip("-") == "":
            # No domid means no running instance, whatever the (blank or all-dash) flags say.
            state = DomainState.SHUT_OFF
        elif flags:
            state = state_from_xen_flags(flags)
        else:
            state = DomainState.UNKNOWN
        domains.append(
            Domain(
                name=match["name"].strip(),
                id=domid,
                state=state,
                state_raw=flags,
                memory_mib=int(match["mem"]),
                vcpus=int(match["vcpus"]),
                cpu_time_s=float(match["time"]),
                tool=tool,
            )
        )
    return tuple(domains)


def _split_virsh_cells(line: str, rest: str, rest_start: int, state_col: int) -> tuple[str, str] | None:
    """Splits ``name state`` into its two cells, or returns None when no split leaves a name."""
    for word in _VIRSH_STATE_WORDS:
        if rest.endswith(word) and len(rest) > len(word) and rest[-len(word) - 1].isspace():
            return rest[: -len(word)].strip(), word
    # An unknown (newer or translated) state word: trust the header's State column when the row is
    # aligned with it, which it is unless a name overflowed the old fixed-width layout.
    if rest_start < state_col < len(line) and line[state_col - 1].isspace() and not line[state_col].isspace():
        name, state = line[rest_start:state_col].strip(), line[state_col:].strip()
        if name:
            return name, state
    parts = rest.rsplit(None, 1)
    if len(parts) == 2:
        return parts[0], parts[1]
    return None


def parse_virsh_list(text: str, source: str = "virsh_list") -> tuple[Domain, ...]:
    """Parses ``virsh list`` or ``virsh list --all``; an empty table gives ``()``."""
    lines = _lines(text)
    start = _first_content(lines, source, "virsh list")
    header = lines[start]
    if tuple(header.split()) != _VIRSH_HEADER:
        raise ParseError(source, start + 1, header, "not a virsh list header")
    rule_index = start + 1
    if rule_index >= len(lines) or not _VIRSH_RULE.match(lines[rule_index]):
        snippet = lines[rule_index] if rule_index < len(lines) else ""
        raise ParseError(source, rule_index + 1, snippet, "dashed rule missing under the header")
    state_col = header.find("State")
    domains: list[Domain] = []
    for index in range(rule_index + 1, len(lines)):
        line = lines[index]
        if not line.strip():
            continue
        match = _VIRSH_ROW.match(line)
        cells = _split_virsh_cells(line, match["rest"], match.start("rest"), state_col) if match else None
        if match is None or cells is None:
            raise ParseError(source, index + 1, line, "not a virsh list row (Id Name State)")
        name, state_raw = cells
        state = _VIRSH_STATES.get(state_raw.lower())
        domains.append(
            Domain(
                name=name,
                id=None if match["id"] == "-" else int(match["id"]),
                state=state if state is not None else DomainState.from_word(state_raw),
                state_raw=state_raw,
                tool="virsh",
            )
        )
    return tuple(domains)
