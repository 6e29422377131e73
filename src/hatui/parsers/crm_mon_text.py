"""Provides ``parse_crm_mon_text``: ``crm_mon -1`` or ``pcs status`` text in, a ``ClusterStatus`` out.

For clusters whose crm_mon has no XML (Pacemaker 1.0, as on the reference cluster), and as a fallback
for later ones. Layouts: the 1.0 ``============`` banner screen, the 1.1 one-shot layout, the 2.0.3+
and 3.x bulleted ``Cluster Summary:`` layout, and the ``pcs status`` wrapper (``Cluster name:``,
``WARNINGS:``, ``PCSD Status:``, ``Daemon Status:``). Resource lines are read by
:mod:`hatui.parsers.crm_mon_text_resources`, which documents its own choices; failed actions, fencing
history, bans and history lines by :mod:`hatui.parsers.crm_mon_text_entries`.

* What a layout does not print stays None; ``maintenance_mode`` is True under the
  ``*** Resource management is DISABLED ***`` banner and None otherwise.
* Truncation: a prefix cut at a line boundary gives what it printed (a consistent partial result).
  ParseError when the cut shows: a line no longer fits its grammar (open bracket or quote, cut date,
  resource without state), or the input ends right after a group/clone/bundle header or after a
  section header that always has entries (summary, node list, resources, failed actions, warnings).
* Unknown lines raise ParseError unless they are noise: separator lines, and stderr log lines
  (``unpack_rsc_op  error: ...``), kept in ``warnings``. Sections not modelled (pcs daemon status,
  tickets, any unknown ``Title:`` section) are skipped. Text with no crm_mon header, section, node
  or resource line is not crm_mon output.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from hatui.errors import ParseError
from hatui.model.pacemaker import Ban, ClusterStatus, FailedAction, FenceEvent, PcmkNode, ResourceHistory
from hatui.parsers.crm_mon_text_entries import (
    parse_ban,
    parse_failed_action,
    parse_fence_event,
    parse_history,
)
from hatui.parsers.crm_mon_text_resources import (
    Line,
    ResourceParser,
    line_error,
    strip_host,
)

_SECTION_TITLES = {
    "summary": ("cluster summary",),
    "nodes": ("node list",),
    "resources": ("full list of resources", "active resources", "inactive resources"),
    "attributes": ("node attributes",),
    "history": ("operations", "migration summary"),
    "failed": ("failed resource actions", "failed actions"),
    "fencing": ("failed fencing actions", "fencing history", "pending fencing actions"),
    "bans": ("negative location constraints",),
    "tickets": ("tickets",),
    "warnings": ("warnings",),
    "skip": ("pcsd status", "daemon status"),
}
_SECTIONS = {title: kind for kind, titles in _SECTION_TITLES.items() for title in titles}
_NEEDS_ENTRIES = frozenset({"summary", "nodes", "resources", "failed", "fencing", "warnings"})
_MAY_BE_EMPTY = frozenset({"inactive resources"})  # 1.0 prints this title even with nothing under it
_UNKNOWN_SECTION = re.compile(r"^[A-Z][A-Za-z0-9 /()_-]*:$")
_IGNORED_LINE = re.compile(r"^(?:Cluster name:|Status of pacemakerd:|Defaulting to one-shot mode)")
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_SEPARATOR = re.compile(r"^[-=_'\"`~#.*]{2,}$")
_STDERR = re.compile(r"^(?:[\w.-]+(?:\[\d+\])?:?\s+)?(?:error|warning|notice|info|debug|crit):\s", re.I)

_STACK = re.compile(r"^Stack:\s*(?P<v>.*?)(?:\s*\(Pacemaker [^()]*\))?$")
_DC = re.compile(
    r"^Current DC:\s*(?:NONE|(?P<name>\S+?)(?:\s+\((?!version\b)(?P<id>[^()]*)\))?"
    r"(?:\s+\(version(?:\s+(?P<version>[^()]*))?\))?"
    r"(?:\s+-\s+(?:MIXED-VERSION\s+)?partition\s+(?P<quorum>with|WITHOUT)\s+quorum)?)$"
)
_VERSION = re.compile(r"^Version:\s*(?P<v>\S+)$")
_UPDATED = re.compile(r"^Last updated:(?P<v>.*)$")
_CHANGED = re.compile(r"^Last change:(?P<v>.*)$")
_NODES_CONF = re.compile(r"^(?P<n>\d+) [Nn]odes? configured(?:,\s*\S+ expected votes)?\.?$")
_RSCS_CONF = re.compile(r"^(?P<n>\d+) (?:[Rr]esources?|resource instances?) configured\.?(?: \([^()]*\))?$")
_BANNER = re.compile(
    r"^(?:\*\*\* Resource management is DISABLED \*\*\*|The cluster will not attempt to .*)$"
)
_BANNER_STOP_ALL = re.compile(r"^The cluster will keep all resources stopped$")
_WEEKDAY = re.compile(r"^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) ")
_CTIME = re.compile(r"^[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]?\d \d{1,2}:\d\d:\d\d \d{4}$")

_NODE_LIST = re.compile(r"^(?P<kind>(?:Remote|Guest)?(?:Online|OFFLINE)):\s*\[(?P<items>[^\[\]]*)\]$")
_NODE_LINE = re.compile(r"(?P<kind>Guest|Remote)?Node (?P<name>\S+?)(?: \((?P<id>[^)]*)\))?: (?P<status>.+)")
_HISTORY_NODE = re.compile(r"^Node:? (?P<name>[^\s()]+?)(?: \([^()]*\))?:(?:\s+\S.*)?$")
_ATTRIBUTE = re.compile(r"^(?P<name>\S+)\s+:(?:\s*(?P<value>.*))?$")
_OPERATION = re.compile(r"^\(\d+\) \S")
_CONTINUATION = re.compile(r"^(?:[,)]|[a-z][a-z_-]*=)")

# What each node status says; flags that a status of higher priority could hide are left unset.
_CLEAN = {"pending": False, "unclean": False}
_STATUS: dict[str, dict[str, bool]] = {
    "online": {"online": True, "standby": False, "maintenance": False, **_CLEAN},
    "offline": {"online": False, "standby": False, "maintenance": False, **_CLEAN},
    "standby": {"online": True, "standby": True, **_CLEAN},
    "standby (with active resources)": {"online": True, "standby": True, **_CLEAN},
    "standby (on-fail)": {"online": True, "standby_onfail": True, **_CLEAN},
    "offline (standby)": {"online": False, "standby": True, **_CLEAN},
    "maintenance": {"online": True, "standby": False, "maintenance": True, **_CLEAN},
    "offline (maintenance)": {"online": False, "standby": False, "maintenance": True, **_CLEAN},
    "pending": {"pending": True, "unclean": False},
    "unclean (online)": {"unclean": True, "online": True},
    "unclean (offline)": {"unclean": True, "online": False},
    "unclean (pending)": {"unclean": True, "pending": True},
}


@dataclass
class _Node:
    """A node as read so far; field names are PcmkNode's."""

    name: str
    id: str | None = None
    online: bool | None = None
    standby: bool | None = None
    standby_onfail: bool | None = None
    maintenance: bool | None = None
    pending: bool | None = None
    unclean: bool | None = None
    type: str = "member"
    attributes: list[tuple[str, str]] = field(default_factory=list)

    def set_status(self, status: str) -> None:
        for flag, value in _STATUS.get(status.lower(), {}).items():
            setattr(self, flag, value)


@dataclass
class _Summary:
    """The cluster-wide values read so far; field names are ClusterStatus's."""

    stack: str | None = None
    dc: str | None = None
    dc_version: str | None = None
    quorum: bool | None = None
    last_updated: str | None = None
    last_change: str | None = None
    nodes_configured: int | None = None
    resources_configured: int | None = None
    maintenance_mode: bool | None = None


def _lines(text: str) -> list[Line]:
    out = []
    text = _ANSI.sub("", text)  # crmsh colours crm_mon's output even into a pipe
    for no, raw in enumerate(text.splitlines(), start=1):
        raw = raw.rstrip()
        body = raw.lstrip()
        indent = len(raw[: len(raw) - len(body)].expandtabs(8))
        bullet = body[:2] in ("* ", "+ ")
        out.append(Line(no, indent, body[2:].lstrip() if bullet else body, bullet, raw))
    return out


class _Parser:
    """A line-by-line state machine over the sections of one crm_mon text output."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.rsc = ResourceParser(source)
        self.section = "main"
        self.empty_header: Line | None = None
        self.recognised = False
        self.summary = _Summary()
        self.dc_seen = False
        self.nodes: dict[str, _Node] = {}
        self.node_ctx: tuple[str, int] | None = None
        self.history_node: str | None = None
        self.entry: tuple[Line, str] | None = None
        self.failed: list[FailedAction] = []
        self.fences: list[FenceEvent] = []
        self.bans: list[Ban] = []
        self.history: list[ResourceHistory] = []
        self.warnings: list[str] = []

    def run(self, lines: list[Line]) -> ClusterStatus:
        for line in lines:
            section = self._section_of(line)
            if not line.text:
                self._end_block()
                self.section = "main"
            elif section is not None:
                self._end_block()
                self.section = section
                title = line.text[:-1].strip().lower()
                self.empty_header = line if section in _NEEDS_ENTRIES and title not in _MAY_BE_EMPTY else None
                self.recognised = self.recognised or section not in ("skip", "warnings")
            elif self._handle(line):
                self.empty_header = None
            elif _STDERR.match(line.text):
                self.warnings.append(line.text)
            elif not _SEPARATOR.match(line.text):
                raise line_error(self.source, line, f"unrecognised line in {self.section} section")
        self.rsc.close_all(at_eof=True)
        self._end_block()
        empty = self.empty_header
        if empty is not None and not (
            empty.text.lower().endswith("resources:") and self.summary.resources_configured == 0
        ):
            raise line_error(self.source, empty, "section without entries (output truncated?)")
        if not self.recognised:
            first = next((line for line in lines if line.text), None)
            no, snippet = (first.no, first.raw.strip()) if first else (None, "")
            raise ParseError(self.source, no, snippet, "not crm_mon output")
        return self._result()

    def _section_of(self, line: Line) -> str | None:
        if line.indent or line.bullet or not line.text.endswith(":"):
            return None
        if known := _SECTIONS.get(line.text[:-1].strip().lower()):
            return known
        return "skip" if _UNKNOWN_SECTION.match(line.text) and not _IGNORED_LINE.match(line.text) else None

    def _end_block(self) -> None:
        """A blank line or a new section ends open entries, resource sets and node context."""
        self._flush_entry()
        self.rsc.close_all(at_eof=False)
        self.node_ctx = self.history_node = None

    def _handle(self, line: Line) -> bool:
        if self.section in ("skip", "tickets", "warnings"):
            if self.section == "warnings":
                self.warnings.append(line.text)
            return True
        handlers = {
            "attributes": self._attribute,
            "history": self._history,
            "failed": self._entry_line,
            "fencing": self._entry_line,
            "bans": self._ban,
        }
        return handlers.get(self.section, self._main)(line)

    def _main(self, line: Line) -> bool:
        if self._summary(line) or self._node(line):
            self.recognised = True
            return True
        if self.node_ctx is not None and line.indent <= self.node_ctx[1]:
            self.node_ctx = None
        if self.node_ctx is not None and line.text == "Resources:":
            return True
        if self.rsc.feed(line, self.node_ctx[0] if self.node_ctx else None):
            self.recognised = True
            return True
        return bool(_IGNORED_LINE.match(line.text))

    def _date(self, line: Line, value: str) -> str | None:
        date = re.split(r"\s+(?:by|via|on)\s+", value.strip(), maxsplit=1)[0].strip()
        if _WEEKDAY.match(date) and not _CTIME.match(date):
            raise line_error(self.source, line, "incomplete date (output truncated?)")
        return date or None

    def _summary(self, line: Line) -> bool:
        s, text = self.summary, line.text
        if m := _STACK.match(text):
            s.stack = m.group("v") or None
        elif m := _DC.match(text):
            self.dc_seen = True
            s.dc, version = m.group("name"), m.group("version")
            s.dc_version = version if version and version != "unknown" else s.dc_version
            s.quorum = m.group("quorum") == "with" if m.group("quorum") else s.quorum
            if m.group("name") and m.group("id"):
                self._get_node(m.group("name")).id = m.group("id")
        elif m := _VERSION.match(text):
            s.dc_version = s.dc_version or m.group("v")
        elif m := _UPDATED.match(text):
            updated, _, changed = m.group("v").partition("Last change:")  # 1.1 prints both on one line
            s.last_updated = self._date(line, updated)
            s.last_change = self._date(line, changed) if changed else s.last_change
        elif m := _CHANGED.match(text):
            s.last_change = self._date(line, m.group("v"))
        elif m := _NODES_CONF.match(text):
            s.nodes_configured = int(m.group("n"))
        elif m := _RSCS_CONF.match(text):
            s.resources_configured = int(m.group("n"))
        elif _BANNER.match(text) or _BANNER_STOP_ALL.match(text):
            # The same banner also announces stop-all-resources, which is not maintenance mode.
            s.maintenance_mode = None if _BANNER_STOP_ALL.match(text) else True
        else:
            return False
        return True

    def _get_node(self, name: str) -> _Node:
        return self.nodes.setdefault(strip_host(name), _Node(strip_host(name)))

    def _node(self, line: Line) -> bool:
        if m := _NODE_LIST.match(line.text):
            kind = m.group("kind")
            for name, node_id in re.findall(r"(\S+)(?:\s+\(([^()\s]*)\))?", m.group("items")):
                node = self._get_node(name)
                node.id = node_id or node.id
                node.type = "remote" if kind.startswith(("Remote", "Guest")) else node.type
                node.set_status("online" if kind.endswith("Online") else "offline")
            return True
        if not (m := _NODE_LINE.match(line.text)):
            return False
        node = self._get_node(m.group("name"))
        node.id = m.group("id") or node.id
        node.type = "remote" if m.group("kind") else node.type
        status = m.group("status").rstrip(":").split(", feature set")[0]
        node.set_status(re.sub(r"\s*\(health is \w+\)$", "", status).strip())
        self.rsc.close_all(at_eof=False)
        self.node_ctx = (node.name, line.indent)  # --group-by-node lists its resources below
        return True

    def _attribute(self, line: Line) -> bool:
        if m := _HISTORY_NODE.match(line.text):
            self.history_node = strip_host(m.group("name"))
            return True
        if not (m := _ATTRIBUTE.match(line.text)) or self.history_node is None:
            return False
        value = re.split(r"\s+:\s", m.group("value") or "", maxsplit=1)[0].strip()  # drop ping notes
        self._get_node(self.history_node).attributes.append((m.group("name"), value))
        return True

    def _history(self, line: Line) -> bool:
        if self.history_node is not None and (entry := parse_history(line.text, self.history_node)):
            self.history.append(entry)
            return True
        if m := _HISTORY_NODE.match(line.text):
            self.history_node = strip_host(m.group("name"))
            return True
        ignored = _OPERATION.match(line.text) or line.text.startswith("Orphan resource:")
        return self.history_node is not None and bool(ignored)

    def _entry_line(self, line: Line) -> bool:
        """Failed or fencing actions: one a line, but 1.x wraps them onto indented continuations."""
        if self.entry is not None and not line.bullet and _CONTINUATION.match(line.text):
            first, text = self.entry
            self.entry = (first, text + ("" if line.text[0] in ",)" else " ") + line.text)
            return True
        if _STDERR.match(line.text) or _SEPARATOR.match(line.text):
            return False
        self._flush_entry()
        self.entry = (line, line.text)
        return True

    def _flush_entry(self) -> None:
        if self.entry is None:
            return
        line, text = self.entry
        self.entry = None
        if self.section == "failed" and (action := parse_failed_action(text)):
            self.failed.append(action)
        elif self.section == "fencing" and (event := parse_fence_event(text)):
            self.fences.append(event)
        else:
            raise line_error(self.source, line, f"unrecognised entry in {self.section} section")

    def _ban(self, line: Line) -> bool:
        if (ban := parse_ban(line.text)) is None:
            return False
        self.bans.append(ban)
        return True

    def _result(self) -> ClusterStatus:
        dc = self.summary.dc
        nodes = tuple(
            PcmkNode(
                **{**asdict(n), "attributes": tuple(n.attributes)},
                is_dc=n.name == dc if self.dc_seen else None,
            )
            for n in self.nodes.values()
        )
        resources, collections = self.rsc.finish()
        return ClusterStatus(
            source_format="text",
            **asdict(self.summary),
            nodes=nodes,
            resources=resources,
            collections=collections,
            failed_actions=tuple(self.failed),
            fence_events=tuple(self.fences),
            bans=tuple(self.bans),
            history=tuple(self.history),
            warnings=tuple(self.warnings),
        )


def parse_crm_mon_text(text: str, source: str = "crm_mon.txt") -> ClusterStatus:
    """Parses the text of ``crm_mon -1`` (any option mix) or of ``pcs status``.

    Args:
        text: the command's stdout (stderr lines merged into it are tolerated).
        source: the name that ParseError reports.

    Returns:
        The cluster status, with ``source_format="text"``.

    Raises:
        ParseError: the text is not crm_mon output, or a line does not fit its grammar.
    """
    if not isinstance(text, str):
        raise ParseError(source, None, repr(text)[:80], "expected text")
    try:
        return _Parser(source).run(_lines(text))
    except ParseError:
        raise
    except (ValueError, IndexError, KeyError, TypeError, AttributeError) as exc:
        # The contract is ParseError only: a slip here must not take a status screen down with it.
        raise ParseError(source, None, "", f"internal parser error: {exc!r}") from exc
