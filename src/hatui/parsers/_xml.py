"""Provides safe lxml parsing for command outputs that are XML documents.

``parse_document`` turns bytes or text into an lxml root element, or raises ``ParseError`` naming the
line of the original input. It refuses DTDs (so entity tricks such as "billion laughs" never
expand), never touches the network, keeps lxml's size limits on, and tolerates what a capture that
merged stderr into stdout looks like: lines before the document and after its end are returned in
``XmlDocument.noise`` instead of failing. Small attribute readers (``attr``, ``attr_bool``,
``as_int``, ``children``) never raise on odd values: what cannot be read is None.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from lxml import etree

from hatui.errors import ParseError

_DTD = re.compile(r"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
_FIRST_TAG = re.compile(r"<([A-Za-z_][\w.:-]*)")
_PROLOG = re.compile(r"\s*(<\?.*?\?>|<!--.*?-->)", re.DOTALL)
_TRUE = frozenset({"true", "yes", "on", "1"})
_FALSE = frozenset({"false", "no", "off", "0"})


@dataclass(frozen=True, slots=True)
class XmlDocument:
    """A parsed document and what is needed to point back into the original input."""

    root: etree._Element
    source: str
    lines: tuple[str, ...]
    """The original input split into lines, for snippets."""
    line_offset: int
    """Lines skipped before the document: add to an lxml line number to get the input's line."""
    noise: tuple[str, ...]
    """Non-XML lines found before or after the document, as printed."""

    def line_of(self, element: etree._Element) -> int | None:
        """Returns the 1-based input line of ``element``, or None if lxml does not know it."""
        # The lxml stubs leave sourceline untyped; lxml gives an int or None.
        line: object = element.sourceline
        return line + self.line_offset if isinstance(line, int) else None

    def error(self, element: etree._Element | None, reason: str) -> ParseError:
        """Returns a ParseError for ``element`` (or for the document when None)."""
        line = self.line_of(element) if element is not None else None
        return ParseError(self.source, line, snippet_at(self.lines, line), reason)

    def required(self, element: etree._Element, name: str) -> str:
        """Returns a non-empty attribute the format always prints, or raises ParseError."""
        value = element.get(name)
        if not value:
            raise self.error(element, f"<{element.tag}> without {name}")
        return value


def children(parent: etree._Element | None, tag: str | None = None) -> Iterator[etree._Element]:
    """Yields the element children of ``parent`` (only those named ``tag`` when given)."""
    if parent is None:
        return
    for child in parent:
        if isinstance(child.tag, str) and (tag is None or child.tag == tag):
            yield child


def attr(element: etree._Element | None, name: str) -> str | None:
    """Returns the attribute, or None when it (or the element) is absent or empty."""
    if element is None:
        return None
    value = element.get(name)
    return value if value else None


def attr_bool(element: etree._Element | None, name: str) -> bool | None:
    """Reads ``true``/``false`` (and yes/no, on/off, 1/0); any other word is None, not a guess."""
    if element is None:
        return None
    value = element.get(name)
    # What crm_mon prints, read without the general path: a 1,000-resource XML has 16,000 flags.
    if value == "true":
        return True
    if value == "false":
        return False
    if not value:
        return None
    word = value.strip().lower()
    return True if word in _TRUE else False if word in _FALSE else None


def as_int(value: str | None) -> int | None:
    """Reads an integer, tolerating the ``ms`` suffix crm_mon puts on intervals; else None."""
    if value is None:
        return None
    try:
        return int(value.strip().removesuffix("ms"))
    except ValueError:
        return None


def snippet_at(lines: tuple[str, ...] | list[str], line: int | None) -> str:
    """Returns input line ``line`` (1-based) stripped, or an empty string when out of range."""
    if line is None or not 1 <= line <= len(lines):
        return ""
    return lines[line - 1].strip()


def decode(data: bytes | str) -> str:
    """Returns ``data`` as text: UTF-8 (what Pacemaker prints) with undecodable bytes replaced."""
    text = data.decode("utf-8", errors="replace") if isinstance(data, bytes) else data
    return text.removeprefix("\ufeff")


def _make_parser() -> etree.XMLParser:
    # A parser per call: lxml parsers must not be shared between threads. The encoding is forced
    # because the text was already decoded; a stale encoding="..." declaration must not win.
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        dtd_validation=False,
        remove_comments=True,
        remove_pis=True,
        recover=False,
        encoding="utf-8",
    )


def _document_span(lines: list[str], source: str) -> tuple[int, int]:
    """Returns (first, end): the document is ``lines[first:end]``, the rest is stderr noise."""
    first = next((i for i, line in enumerate(lines) if line.lstrip().startswith("<")), None)
    if first is None:
        line_no = next((i + 1 for i, line in enumerate(lines) if line.strip()), None)
        if line_no is None:
            raise ParseError(source, None, "", "empty input")
        raise ParseError(source, line_no, snippet_at(lines, line_no), "no XML document found")
    body = "\n".join(lines[first:])
    pos = 0
    while match := _PROLOG.match(body, pos):
        pos = match.end()
    tag = _FIRST_TAG.search(body, pos)
    if tag is not None:
        closing = re.compile(rf"</{re.escape(tag.group(1))}\s*>")
        for index in range(len(lines) - 1, first - 1, -1):
            if closing.search(lines[index]):
                return first, index + 1
    return first, len(lines)


def parse_document(data: bytes | str, source: str, roots: tuple[str, ...]) -> XmlDocument:
    """Parses ``data`` into a document whose root element is one of ``roots``.

    Raises ParseError for empty input, text without XML, a DTD or entity declaration, XML that is
    not well-formed (truncated, garbage), or an unexpected root element.
    """
    # Split as lxml counts lines, so that its line numbers index this list.
    lines = decode(data).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    first, end = _document_span(lines, source)
    noise = tuple(line for line in lines[:first] + lines[end:] if line.strip())
    body = lines[first:end]
    text = "\n".join(body)
    # One search over the document; the line is looked for only when there is one to name.
    for index, line in enumerate(body if _DTD.search(text) else ()):
        if _DTD.search(line):
            line_no = first + index + 1
            raise ParseError(
                source, line_no, snippet_at(lines, line_no), "DTD and entity declarations are refused"
            )
    try:
        root = etree.fromstring(text.encode("utf-8"), _make_parser())
    except etree.XMLSyntaxError as exc:
        where = exc.lineno + first if exc.lineno else None
        message = " ".join(str(exc.msg or exc).split())
        raise ParseError(source, where, snippet_at(lines, where), f"malformed XML: {message}") from exc
    except (etree.LxmlError, ValueError) as exc:
        raise ParseError(source, None, "", f"unreadable XML: {exc}") from exc
    document = XmlDocument(root, source, tuple(lines), first, noise)
    if root.getroottree().docinfo.internalDTD is not None:
        raise document.error(root, "DTD and entity declarations are refused")
    if not isinstance(root.tag, str) or root.tag not in roots:
        expected = " or ".join(f"<{name}>" for name in roots)
        raise document.error(root, f"unexpected root element <{root.tag}>, expected {expected}")
    return document
