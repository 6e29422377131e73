"""Provides parse_drbdadm_dump: ``drbdadm dump all`` read into one DrbdResourceConf per resource.

/proc/drbd shows minors only; the dump says which resource owns which minor on which host. The
grammar is DRBD's configuration syntax (8.3, 8.4 and 9 alike): words ended by ``;``, sections in
``{ }``, ``#`` comments and double-quoted strings. Of it this module reads ``resource`` sections with
their ``on HOST`` / ``floating ADDR`` / ``stacked-on-top-of RES`` host sections, ``volume N``
sections and the ``device`` and ``disk`` statements; every other statement is skipped unread.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from hatui.errors import ParseError
from hatui.model.drbd import DrbdResourceConf

# One token after any blanks, by group: 1 line end, 2 word, 3 quoted string, 4 brace or ';', 5 a
# '"' never closed on its line; a comment matches no group. Every character but trailing blanks
# falls in a match, so ``finditer`` skips nothing that matters.
_TOKEN = re.compile(r'[^\S\n]*(?:(\n)|([^\s{};"#]+)|("(?:[^"\\\n]|\\.)*")|([{};])|(")|#[^\n]*)')
_LINE_END, _WORD, _QUOTED, _UNCLOSED = 1, 2, 3, 5
_MINOR_NAME = re.compile(r"^(?:/dev/)?drbd(\d{1,9})$", re.ASCII)
_DIGITS = re.compile(r"^\d{1,9}$", re.ASCII)
_ADDRESS_FAMILIES = frozenset({"ipv4", "ipv6", "ssocks", "sdp", "sci"})


@dataclass
class _Section:
    """A statement (``block is None``) or a ``{ }`` section, with the line its first word is on."""

    words: list[str]
    line: int
    block: list[_Section] | None = None


@dataclass
class _Volume:
    minor: int | None = None
    disk: str | None = None


@dataclass
class _Host:
    names: list[str]
    volumes: dict[int, _Volume] = field(default_factory=dict)
    stacked_on: str | None = None


def parse_drbdadm_dump(text: str, source: str = "drbd_dump") -> tuple[DrbdResourceConf, ...]:
    """Reads ``drbdadm dump all`` (or a drbd.conf in the same syntax).

    Args:
        text: The dump; ``#`` comments, quoting and CRLF line ends are tolerated.
        source: Name used in error messages.

    Returns:
        The resources in file order, each with its (host, minor) and (host, backing disk) pairs.
        A stacked resource's minor is listed for each host of the resource below it.

    Raises:
        ParseError: On unbalanced braces, an unterminated string, a statement without ``;``, a
            resource without host sections or a device whose minor cannot be read.
    """
    text = text.replace("\x00", "")
    lines = text.split("\n")
    tree = _parse_tree(text, lines, source)
    if tree is None:
        raise ParseError(source, 1, "", "empty output")
    resources: dict[str, tuple[list[_Host], _Section]] = {}
    for section in tree:
        if section.block is None or section.words[0] != "resource":
            continue  # global, common, skip and the like say nothing about minors
        if len(section.words) != 2:
            raise ParseError(source, section.line, _snippet(lines, section), "expected 'resource NAME {'")
        name = section.words[1]
        if name in resources:
            raise ParseError(source, section.line, _snippet(lines, section), f"resource {name} defined twice")
        resources[name] = (_hosts(section, lines, source), section)
    return tuple(
        _conf(name, hosts, section, resources, lines, source) for name, (hosts, section) in resources.items()
    )


def _snippet(lines: list[str], section: _Section) -> str:
    return lines[section.line - 1].strip() if 0 < section.line <= len(lines) else ""


def _parse_tree(text: str, lines: list[str], source: str) -> list[_Section] | None:
    """Tokenises and nests the text; an explicit stack keeps deep nesting from recursing."""
    top: list[_Section] = []
    blocks: list[list[_Section]] = [top]
    opened: list[_Section] = []
    words: list[str] = []
    start = line = 1
    seen_token = False
    # One regex pass in C and a dispatch on the matched group: a dump of 1,000 resources has tens
    # of thousands of tokens, and a Python-level match per token (blanks included) cost 2 ms a node.
    for match in _TOKEN.finditer(text):
        kind = match.lastindex
        if kind is None:
            continue  # a comment
        if kind == _LINE_END:
            line += 1
            continue
        seen_token = True
        if kind in (_WORD, _QUOTED):
            if not words:
                start = line
            token = match.group(kind)
            words.append(token if kind == _WORD else _unquote(token))
        elif kind == _UNCLOSED:
            raise ParseError(source, line, lines[line - 1], "unterminated string")
        elif (token := match.group(kind)) == "{":
            if not words:
                raise ParseError(source, line, lines[line - 1], "'{' without a section name")
            children: list[_Section] = []
            section = _Section(words, start, children)
            blocks[-1].append(section)
            blocks.append(children)
            opened.append(section)
            words = []
        elif token == "}":
            if words:
                raise ParseError(source, line, lines[line - 1], "missing ';' before '}'")
            if not opened:
                raise ParseError(source, line, lines[line - 1], "'}' without an open section")
            blocks.pop()
            opened.pop()
        else:
            if not words:
                raise ParseError(source, line, lines[line - 1], "';' without a statement")
            blocks[-1].append(_Section(words, start))
            words = []
    if words:
        raise ParseError(source, start, lines[start - 1], "statement without ';' at the end")
    if opened:
        raise ParseError(source, opened[-1].line, _snippet(lines, opened[-1]), "section not closed")
    return top if seen_token else None


def _unquote(token: str) -> str:
    return re.sub(r"\\(.)", r"\1", token[1:-1]) if "\\" in token else token[1:-1]


def _hosts(resource: _Section, lines: list[str], source: str) -> list[_Host]:
    """Reads the host sections; the resource-level defaults come first, under no host name."""
    defaults = _Host(names=[])
    hosts = [defaults]
    for section in resource.block or []:
        kind = section.words[0]
        if section.block is None:
            _statement(defaults, 0, section, lines, source)
        elif kind == "volume":
            _volume(defaults, section, lines, source)
        elif kind in ("on", "floating", "stacked-on-top-of"):
            args = section.words[1:]
            if kind == "floating" and args and args[0] in _ADDRESS_FAMILIES:
                args = args[1:]
            if not args or (kind != "on" and len(args) != 1):
                raise ParseError(source, section.line, _snippet(lines, section), f"'{kind}' without a name")
            host = _Host(names=[] if kind == "stacked-on-top-of" else args)
            if kind == "stacked-on-top-of":
                host.stacked_on = args[0]
            for inner in section.block:
                if inner.block is None:
                    _statement(host, 0, inner, lines, source)
                elif inner.words[0] == "volume":
                    _volume(host, inner, lines, source)
            hosts.append(host)
    return hosts


def _volume(host: _Host, section: _Section, lines: list[str], source: str) -> None:
    if len(section.words) != 2 or not _DIGITS.match(section.words[1]):
        raise ParseError(source, section.line, _snippet(lines, section), "expected 'volume N {'")
    number = int(section.words[1])
    for inner in section.block or []:
        if inner.block is None:
            _statement(host, number, inner, lines, source)


def _statement(host: _Host, volume: int, statement: _Section, lines: list[str], source: str) -> None:
    """Reads ``device`` and ``disk`` statements into the host's volume; others are skipped."""
    kind, args = statement.words[0], statement.words[1:]
    if kind not in ("device", "disk"):
        return
    vol = host.volumes.setdefault(volume, _Volume())
    if kind == "disk":
        if len(args) != 1:
            raise ParseError(source, statement.line, _snippet(lines, statement), "expected 'disk PATH;'")
        vol.disk = args[0]
        return
    # "device /dev/drbd1;", "device /dev/drbd1 minor 1;", "device minor 1;", "device /dev/name minor 1;"
    if len(args) == 2 and args[0] == "minor" and _DIGITS.match(args[1]):
        vol.minor = int(args[1])
    elif len(args) == 3 and args[1] == "minor" and _DIGITS.match(args[2]):
        vol.minor = int(args[2])
    elif len(args) == 1 and (match := _MINOR_NAME.match(args[0])):
        vol.minor = int(match.group(1))
    else:
        raise ParseError(source, statement.line, _snippet(lines, statement), "cannot read the device minor")


def _conf(
    name: str,
    hosts: list[_Host],
    section: _Section,
    resources: dict[str, tuple[list[_Host], _Section]],
    lines: list[str],
    source: str,
) -> DrbdResourceConf:
    defaults, own = hosts[0], hosts[1:]
    if not own:
        raise ParseError(
            source, section.line, _snippet(lines, section), f"resource {name} has no host section"
        )
    minors: list[tuple[str, int]] = []
    disks: list[tuple[str, str]] = []
    for host in own:
        names = host.names
        if host.stacked_on is not None:
            # A stacked device runs wherever the lower resource is primary: on any of its hosts.
            lower = resources.get(host.stacked_on)
            names = [n for h in lower[0][1:] for n in h.names] if lower else [host.stacked_on]
        for number in sorted(set(defaults.volumes) | set(host.volumes)):
            own_vol = host.volumes.get(number, _Volume())
            base = defaults.volumes.get(number, _Volume())
            minor = own_vol.minor if own_vol.minor is not None else base.minor
            disk = own_vol.disk if own_vol.disk is not None else base.disk
            if minor is None:
                raise ParseError(
                    source,
                    section.line,
                    _snippet(lines, section),
                    f"resource {name} volume {number} has no device",
                )
            for host_name in names:
                minors.append((host_name, minor))
                if disk is not None:
                    disks.append((host_name, disk))
    if not minors:
        raise ParseError(source, section.line, _snippet(lines, section), f"resource {name} defines no device")
    return DrbdResourceConf(name=name, minors=tuple(minors), disks=tuple(disks))
