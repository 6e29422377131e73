"""Provides the resource grammar of crm_mon text output, for :mod:`hatui.parsers.crm_mon_text`.

It reads resource lists (primitives, groups, clones, master/slave sets, bundles, as Pacemaker 1.0 to
3.x print them); failed actions and history lines are in :mod:`hatui.parsers.crm_mon_text_entries`.

* ``FAILED`` is printed by every version when it applies: a resource without it has ``failed=False``.
  Unmanaged, blocked, orphaned, failure ignored and collection flags are set only when printed.
  ``FAILED node`` with no role word gives role UNKNOWN and ``role_raw="FAILED"``.
* ``Started: [ a b ]``, ``Masters:``, ``Promoted:``... give one instance per node, with the id in
  brackets and the singular role word in ``role_raw``. 1.0 prints no bracket: the id comes from a
  listed instance id (``Stopped: [ WebData:1 ]``, an instance with no node), else the clone id stands
  in. ``:N`` suffixes are dropped; a cloned group's instances make one collection (as the XML parser).
* Bundle summary lines name the replica (``httpd-bundle-0``) and are kept as printed. Brief-mode
  count lines (``2/2 (ocf:...): Active``) name no resource and are skipped. Under --group-by-node a
  resource is on the node it is listed under; a copy listed again among inactive resources is dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import NamedTuple

from hatui.errors import ParseError
from hatui.model.pacemaker import PcmkCollection, PcmkResource
from hatui.model.words import ResourceRole


class Line(NamedTuple):
    """One input line: number, indentation (a TAB is 8 columns), text without indentation and bullet."""

    no: int
    indent: int
    text: str
    bullet: bool
    raw: str


def line_error(source: str, line: Line, reason: str) -> ParseError:
    """Returns the ParseError that names ``line``."""
    return ParseError(source, line.no, line.raw.strip(), reason)


def strip_host(name: str) -> str:
    """Returns a node name without the ``@host`` that guest nodes carry."""
    return name.split("@", 1)[0]


# Resource names never contain parentheses or blanks; the agent always has a colon.
_PRIMITIVE = re.compile(
    r"^(?P<name>[^\s()\[\]]+)(?:\s+\([^()\s]*\))?\s*\((?P<agent>[^()\s]+:[^()\s]*)\):(?P<rest>.*)$"
)
_BRIEF_COUNT = re.compile(r"^\d+(?:/\d+)?$")
_FLAGS = r"(?P<flags>(?: \([^()]*\))*)$"
_GROUP = re.compile(r"Resource Group: (?P<id>\S+?)" + _FLAGS)
_CLONE = re.compile(r"(?P<ms>Clone|Master/Slave) Set: (?P<id>\S+?)(?: \[(?P<child>[^\[\]\s]+)\])?" + _FLAGS)
_BUNDLE = re.compile(r"(?:Container bundle|\w+ container)(?: set)?: (?P<id>\S+?) \[[^\[\]]*\]" + _FLAGS)
_HEADERS = ((_GROUP, "group"), (_CLONE, "clone"), (_BUNDLE, "bundle"))
_REPLICA = re.compile(r"^Replica\[\d+\]$")
_LIST = re.compile(r"^(?P<word>[A-Za-z]+)(?: \((?P<note>[^()]*)\))?:\s*\[(?P<items>[^\[\]]*)\]$")
_NO_RESOURCES = re.compile(r"^No (?:active |inactive )?resources$")
_INSTANCE = re.compile(r"^(?P<base>.+):\d+$")
_PENDING = re.compile(r"^[A-Z][a-z]+ing$")
_ACTIVE_ROLES = (ResourceRole.STARTED, ResourceRole.PROMOTED, ResourceRole.UNPROMOTED)
_PLURAL_ROLES = {"Masters": "Master", "Slaves": "Slave"}


def base_id(name: str) -> str:
    """Drops a clone instance suffix (``WebData:1``): Pacemaker ids cannot contain colons."""
    m = _INSTANCE.match(name)
    return m.group("base") if m else name


def _active(role: ResourceRole) -> bool | None:
    return True if role in _ACTIVE_ROLES else (False if role is ResourceRole.STOPPED else None)


def _groups(text: str) -> list[str]:
    return [g.strip() for g in re.findall(r"\(([^()]*)\)", text) if g.strip()]


def _flags(text: str) -> list[str]:
    return [f.strip() for group in _groups(text) for f in group.split(",") if f.strip()]


@dataclass
class _Coll:
    """A collection as read so far; field names are PcmkCollection's, plus the cloned child."""

    id: str
    kind: str
    promotable: bool = False
    unique: bool | None = None
    managed: bool | None = None
    disabled: bool | None = None
    parent: str | None = None
    members: list[str] = field(default_factory=list)
    child: str | None = None

    def add(self, member: str) -> None:
        if member not in self.members:
            self.members.append(member)


@dataclass
class _Open:
    coll: _Coll
    indent: int
    header: Line
    replica: bool = False
    filled: bool = False


class ResourceParser:
    """Builds resources and collections from resource lines, nesting them by indentation."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.resources: list[PcmkResource] = []
        self.colls: dict[str, _Coll] = {}
        self.stack: list[_Open] = []
        self._unresolved: list[tuple[int, str]] = []
        self._by_node: set[int] = set()

    def feed(self, line: Line, node: str | None) -> bool:
        """Consumes ``line`` if it is a resource line; ``node`` is the host in --group-by-node."""
        text = line.text
        if listed := _LIST.match(text):
            while self.stack and self.stack[-1].coll.kind != "clone" and self.stack[-1].indent >= line.indent:
                self._close(at_eof=False)
            if not self.stack or self.stack[-1].coll.kind != "clone":
                return False
            self._expand(listed)
            return True
        header = text[:-1] if line.bullet and text.endswith(":") else text
        for regex, kind in _HEADERS:
            if m := regex.match(header):
                self._pop(line.indent)
                self._open(line, m, kind)
                return True
        if _REPLICA.match(text):
            self._pop(line.indent)
            if not self.stack or self.stack[-1].coll.kind != "bundle" or self.stack[-1].replica:
                raise line_error(self.source, line, "replica outside a bundle")
            self.stack[-1].filled = True
            self.stack.append(_Open(self.stack[-1].coll, line.indent, line, replica=True))
            return True
        if m := _PRIMITIVE.match(text):
            self._pop(line.indent)
            if self.stack:
                self.stack[-1].filled = True
            if not _BRIEF_COUNT.match(m.group("name")):  # brief mode counts instances, names none
                self._primitive(line, m, node)
            return True
        return bool(_NO_RESOURCES.match(text) and not self.stack)

    def close_all(self, at_eof: bool) -> None:
        """Ends every open group/clone/bundle; at the end of input an empty one means truncation."""
        while self.stack:
            self._close(at_eof)

    def finish(self) -> tuple[tuple[PcmkResource, ...], tuple[PcmkCollection, ...]]:
        """Returns the resources and collections read, deferred clone ids resolved."""
        resources = list(self.resources)
        for index, clone_id in self._unresolved:
            coll = self.colls[clone_id]
            coll.add(coll.child or coll.id)
            resources[index] = replace(resources[index], id=coll.child or coll.id)
        structured = [r for i, r in enumerate(resources) if i not in self._by_node]
        kept: list[PcmkResource] = []
        for index, rsc in enumerate(resources):
            twins = [r for r in structured if r.id == rsc.id] if index in self._by_node else []
            if any(t.nodes == rsc.nodes and t.role is rsc.role for t in twins):
                continue  # listed again, with its structure, among the (inactive) resources
            kept.append(replace(rsc, parent=twins[0].parent, clone=twins[0].clone) if twins else rsc)
        collections = tuple(
            PcmkCollection(c.id, c.kind, c.promotable, c.unique, c.managed, c.disabled, None, c.parent)
            for c in self.colls.values()
        )
        return tuple(kept), tuple(replace(c, members=tuple(self.colls[c.id].members)) for c in collections)

    def _pop(self, indent: int) -> None:
        while self.stack and self.stack[-1].indent >= indent:
            self._close(at_eof=False)

    def _close(self, at_eof: bool) -> None:
        top = self.stack.pop()
        if at_eof and not top.filled:
            raise line_error(self.source, top.header, "resource set without members (output truncated?)")

    def _adopt(self, member: str) -> _Open | None:
        """Records ``member`` under the innermost open collection, which it returns."""
        parent = self.stack[-1] if self.stack else None
        if parent is not None:
            parent.filled = True
            parent.coll.add(member)
            if parent.coll.kind == "clone" and parent.coll.child is None:
                parent.coll.child = member
        return parent

    def _open(self, line: Line, m: re.Match[str], kind: str) -> None:
        cid = base_id(m.group("id"))
        flags = _flags(m.group("flags"))
        parent = self._adopt(cid)
        coll = self.colls.setdefault(cid, _Coll(cid, kind, parent=parent.coll.id if parent else None))
        if kind == "clone":
            coll.promotable = m.group("ms") == "Master/Slave" or "promotable" in flags
            if m.group("child"):
                coll.child = base_id(m.group("child"))
                coll.add(coll.child)
        coll.unique = True if "unique" in flags else coll.unique
        coll.managed = False if {"unmanaged", "maintenance"} & set(flags) else coll.managed
        coll.disabled = True if "disabled" in flags else coll.disabled
        self.stack.append(_Open(coll, line.indent, line))

    def _primitive(self, line: Line, m: re.Match[str], node: str | None) -> None:
        rest = m.group("rest")
        if rest.count("(") != rest.count(")") or rest.count("[") != rest.count("]"):
            raise line_error(self.source, line, "unbalanced brackets in resource state")
        nodes: list[str] = []
        if listed := re.search(r"\[([^\[\]]*)\]\s*$", rest):  # multiply active: [ n1 n2 ]
            nodes = [strip_host(n) for n in listed.group(1).split()]
            rest = rest[: listed.start()]
        words = rest.split("(", 1)[0].split()
        orphaned = words[:1] == ["ORPHANED"]
        words = words[1:] if orphaned else words
        failed = words[:1] == ["FAILED"]
        words = words[1:] if failed else words
        if failed and not (words and ResourceRole.from_word(words[0]) is not ResourceRole.UNKNOWN):
            words.insert(0, "FAILED")  # FAILED with no role word: the role is not printed
        if not words:
            raise line_error(self.source, line, "resource line without a state")
        role_raw = words.pop(0)
        if node is not None:
            nodes = [node]  # in --group-by-node the words after the state are a description
        elif not nodes and words:
            nodes = [strip_host(words[0])]
        role = ResourceRole.UNKNOWN if role_raw == "FAILED" else ResourceRole.from_word(role_raw)
        target_role = managed = blocked = ignored = pending = None
        for flag in _flags(rest):
            if flag == "disabled" or flag.startswith("target-role:"):
                target_role = "Stopped" if flag == "disabled" else flag.split(":", 1)[1] or None
            elif flag in ("unmanaged", "maintenance", "blocked"):
                managed, blocked = False, True if flag == "blocked" else blocked
            elif flag == "failure ignored":
                ignored = True
            elif _PENDING.match(flag):
                pending = flag
        rid = base_id(m.group("name"))
        clone = next((o.coll for o in reversed(self.stack) if o.coll.kind == "clone"), None)
        parent = self._adopt(rid)
        if node is not None:
            self._by_node.add(len(self.resources))
        self.resources.append(
            PcmkResource(
                id=rid,
                agent=m.group("agent").replace("::", ":"),
                role=role,
                role_raw=role_raw,
                target_role=target_role,
                nodes=tuple(nodes),
                managed=managed,
                failed=failed,
                failure_ignored=ignored,
                orphaned=True if orphaned else None,
                blocked=blocked,
                active=_active(role),
                pending=pending,
                parent=parent.coll.id if parent else None,
                clone=clone.id if clone else None,
                reason=", ".join(_groups(rest)) or None,
            )
        )

    def _expand(self, m: re.Match[str]) -> None:
        """One instance per listed node: ``Started: [ a b ]``; 1.0 lists stopped instance ids instead."""
        top = self.stack[-1]
        top.filled = True
        clone = top.coll
        note = m.group("note")
        role_raw = _PLURAL_ROLES.get(m.group("word"), m.group("word"))
        role = ResourceRole.from_word(role_raw)
        target_role = "Stopped" if note == "disabled" else (role_raw if note == "target-role" else None)
        for item in m.group("items").split():
            if re.fullmatch(r"\([^()]*\)", item):
                continue  # a node id printed after the name
            nodes: tuple[str, ...] = (strip_host(item),)
            if instance := _INSTANCE.match(item):
                nodes = ()
                clone.child = clone.child or instance.group("base")
                clone.add(clone.child)
            if clone.child is None:
                self._unresolved.append((len(self.resources), clone.id))
            self.resources.append(
                PcmkResource(
                    id=clone.child or clone.id,
                    agent=None,
                    role=role,
                    role_raw=role_raw,
                    target_role=target_role,
                    nodes=nodes,
                    active=_active(role),
                    parent=clone.id,
                    clone=clone.id,
                    reason=note,
                )
            )
