"""Provides how the journal stores one command output: without its when-stamp, hashed and compressed.

crm_mon prints the time it ran (``Last updated:`` in text, ``<last_update time=...>`` in XML), so
its output differs at every poll even when the cluster does not. The stamp is cut out and kept
with the poll (a few bytes); what is left is stored once per distinct content, keyed by its hash.
An unchanged cluster then adds nothing to the journal but one row per poll.
"""

from __future__ import annotations

import hashlib
import re
import zlib

from hatui.errors import HatuiError

#: The when-stamp of each output that has one: group 1 is the part that changes at every poll.
_STAMPS: dict[str, re.Pattern[str]] = {
    "crm_mon.xml": re.compile(r'<last_update\b[^>]*?\btime="([^"]*)"'),
    "crm_mon.txt": re.compile(r"^Last updated: ?([^\n]*)$", re.MULTILINE),
}

Stamp = tuple[int, str]
"""Where the stamp was cut out (a character offset into the stamp-free text) and its text."""


def split_stamp(source: str, text: str) -> tuple[str, Stamp | None]:
    """The output without its when-stamp, and the stamp (None when the source has none or it is empty)."""
    pattern = _STAMPS.get(source)
    match = pattern.search(text) if pattern else None
    if match is None or not match.group(1):
        return text, None
    start, end = match.span(1)
    return text[:start] + text[end:], (start, match.group(1))


def join_stamp(text: str, stamp: Stamp | None) -> str:
    """The output as the node printed it: ``split_stamp`` undone."""
    if stamp is None:
        return text
    offset, value = stamp
    return text[:offset] + value + text[offset:]


def digest(data: bytes) -> bytes:
    """The content address of ``data``."""
    return hashlib.sha256(data).digest()


def pack(text: str) -> bytes:
    """``text`` compressed for storage."""
    return zlib.compress(text.encode("utf-8", errors="surrogateescape"), 6)


def unpack(data: bytes, where: str) -> str:
    """``pack`` undone.

    Raises:
        HatuiError: the stored bytes are not what ``pack`` wrote (a damaged journal).
    """
    try:
        return zlib.decompress(data).decode("utf-8", errors="surrogateescape")
    except (zlib.error, TypeError) as exc:
        raise HatuiError(f"{where}: a stored output is damaged ({exc})", "journal") from exc
