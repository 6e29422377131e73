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

#: The when-stamps of each output that has some: group 1 is the part that changes at every poll.
#: crm_mon prints when it ran (``Last updated:`` in text, at the line's start in 1.0/1.1, after
#: ``  * `` in 2.x; ``<last_update time=...>`` in XML), and Pacemaker 2.1's XML also when
#: pacemakerd answered its ping (``<pacemakerd ... last_updated=...>``), a second earlier;
#: ``corosync-quorumtool -s`` prints the ``Date:`` it ran.
_STAMPS: dict[str, tuple[re.Pattern[str], ...]] = {
    "crm_mon.xml": (
        re.compile(r'<last_update\b[^>]*?\btime="([^"]*)"'),
        re.compile(r'<pacemakerd\b[^>]*?\blast_updated="([^"]*)"'),
    ),
    "crm_mon.txt": (re.compile(r"^[ \t]*(?:\* )?Last updated: ?([^\n]*)$", re.MULTILINE),),
    "corosync_quorumtool": (re.compile(r"^Date: *([^\n]*)$", re.MULTILINE),),
}

#: How far into an output its stamps are looked for: each tool prints its stamp in its first lines
#: (crm_mon's XML in ``<summary>``), and a 32 x 1,000 crm_mon XML is 700 KB, whose whole scan cost
#: more than the rest of writing the poll. A stamp further in is kept in the text: stored as a
#: change, never lost.
STAMP_HEAD = 16 * 1024

Stamps = tuple[tuple[int, str], ...]
"""Where each stamp was cut out (a character offset into the stamp-free text) and its text."""


def split_stamps(source: str, text: str) -> tuple[str, Stamps]:
    """The output without its when-stamps, and the stamps (empty when it has none)."""
    spans = sorted(
        m.span(1)
        for pattern in _STAMPS.get(source, ())
        for m in pattern.finditer(text, 0, STAMP_HEAD)
        if m.group(1)
    )
    if not spans:
        return text, ()
    parts: list[str] = []
    stamps: list[tuple[int, str]] = []
    pos = kept = 0
    for start, end in spans:
        if start < pos:  # overlapping matches cannot happen with these patterns; be safe anyway
            continue
        parts.append(text[pos:start])
        kept += start - pos
        stamps.append((kept, text[start:end]))
        pos = end
    parts.append(text[pos:])
    return "".join(parts), tuple(stamps)


def join_stamps(text: str, stamps: Stamps) -> str:
    """The output as the node printed it: ``split_stamps`` undone."""
    if not stamps:
        return text
    parts: list[str] = []
    pos = 0
    for offset, value in stamps:
        parts += [text[pos:offset], value]
        pos = offset
    parts.append(text[pos:])
    return "".join(parts)


#: Bytes of the content address (of SHA-256): 2**64 distinct outputs before a collision is likely.
HASH_BYTES = 16
#: zlib looks back at most this far: the part of a base a delta can refer to.
WINDOW = 32 * 1024
#: A delta is kept only when it is smaller than this share of the output compressed alone;
#: otherwise the output is stored alone and becomes the base of the next ones.
DELTA_SHARE = 0.5


def digest(text: str) -> bytes:
    """The content address of ``text``."""
    return hashlib.sha256(_bytes(text)).digest()[:HASH_BYTES]


def _bytes(text: str) -> bytes:
    return text.encode("utf-8", errors="surrogateescape")


def _zdict(base: str) -> bytes:
    return _bytes(base)[-WINDOW:]


def pack(text: str, base: str | None = None) -> tuple[bytes, bool]:
    """``text`` compressed, as a delta against ``base`` when that is much smaller.

    Most outputs that change at every poll change little (``xm list``'s CPU seconds, xentop's
    counters): compressed with the previous version as zlib's preset dictionary they take a few
    dozen bytes instead of a few hundred. A delta refers to a base stored whole, never to another
    delta, so reading one output reads at most two.

    Returns:
        The bytes to store, and whether they are a delta against ``base``.
    """
    alone = zlib.compress(_bytes(text), 6)
    if base is None:
        return alone, False
    z = zlib.compressobj(6, zdict=_zdict(base))
    delta = z.compress(_bytes(text)) + z.flush()
    if len(delta) < len(alone) * DELTA_SHARE:
        return delta, True
    return alone, False


def unpack(data: bytes, base: str | None, where: str) -> str:
    """``pack`` undone (``base``: the text of the base when ``data`` is a delta).

    Raises:
        HatuiError: the stored bytes are not what ``pack`` wrote (a damaged journal).
    """
    try:
        z = zlib.decompressobj() if base is None else zlib.decompressobj(zdict=_zdict(base))
        raw = z.decompress(data) + z.flush()
        if not z.eof:
            raise zlib.error("cut short")
    except (zlib.error, TypeError, ValueError) as exc:
        raise HatuiError(f"{where}: a stored output is damaged ({exc})", "journal") from exc
    return raw.decode("utf-8", errors="surrogateescape")
