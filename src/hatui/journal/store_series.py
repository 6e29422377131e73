"""Provides a node's series: each source's output over time, a row only where it changed.

Writing compares each output of a poll with the series' latest value by content hash and adds a
row only for the ones that changed (or went). Reading a poll's capture takes, per series, the
latest row at or before it. Outputs are blobs: stored once per distinct text whichever node or
source printed it, and, when that is much smaller, as a delta against the series' previous base
(``hatui.journal.blobs``). Every function runs inside the caller's transaction or lock.
"""

from __future__ import annotations

import sqlite3
from collections import OrderedDict

from hatui.errors import HatuiError
from hatui.journal.blobs import digest, pack, unpack

#: Decoded blobs kept for reading (the bases of deltas above all): stepping through a timeline
#: reads the same few bases again and again.
CACHE_SIZE = 64


#: A series' latest value as the journal holds it: its blob id and content hash (None, None: none),
#: and its text when this process wrote or compared it (None when read back from the file).
Head = tuple[int | None, bytes | None, str | None]


class TextCache:
    """What a journal remembers of its own file: the text of recently read blobs, by blob id, and
    the latest value of each series written (``heads``, node to source to ``Head``).

    The heads spare each poll's write a query per source and, for an output the same as at the
    last poll, its hash (at 32 nodes, 16 writes a second in the console's event loop; hashing a
    32 x 1,000 crm_mon XML takes a millisecond, comparing it a few dozen microseconds). Equal
    texts of several nodes (every node prints the same crm_mon XML once its stamp is cut) share one
    copy (``shared``). The heads are only right while this process is the one writer, which the
    journal's lock file ensures, and are forgotten (``clear``) whenever the file may differ from
    them: a transaction rolled back or not committed, and pruning (which may drop a series'
    latest row or give its blob id to a new text).
    """

    def __init__(self) -> None:
        self._texts: OrderedDict[int, str] = OrderedDict()
        self.heads: dict[str, dict[str, Head]] = {}
        self._by_hash: dict[bytes, str] = {}

    def shared(self, key: bytes, text: str) -> str:
        """``text``, or the equal text a head already holds (by content hash ``key``)."""
        held = self._by_hash.setdefault(key, text)
        if len(self._by_hash) > 2 * sum(map(len, self.heads.values())) + 16:
            # Texts no head holds any more: keep only the ones still held.
            held_now = {h[1]: h[2] for heads in self.heads.values() for h in heads.values() if h[2]}
            self._by_hash = {k: t for k, t in held_now.items() if k is not None}
            self._by_hash.setdefault(key, held)
        return held

    def get(self, blob_id: int) -> str | None:
        text = self._texts.get(blob_id)
        if text is not None:
            self._texts.move_to_end(blob_id)
        return text

    def clear(self) -> None:
        self._texts.clear()
        self.heads.clear()
        self._by_hash.clear()

    def put(self, blob_id: int, text: str) -> None:
        self._texts[blob_id] = text
        while len(self._texts) > CACHE_SIZE:
            self._texts.popitem(last=False)


def blob_text(db: sqlite3.Connection, blob_id: int, cache: TextCache, where: str) -> str:
    """The text of blob ``blob_id`` (decoding its base first when it is a delta)."""
    text = cache.get(blob_id)
    if text is not None:
        return text
    row = db.execute("SELECT base, data FROM blobs WHERE id = ?", (blob_id,)).fetchone()
    if row is None:
        raise HatuiError(f"{where}: damaged journal: output {blob_id} is missing", "journal")
    base_id, data = row
    base = None if base_id is None else blob_text(db, int(base_id), cache, where)
    text = unpack(bytes(data), base, where)
    cache.put(blob_id, text)
    return text


def _heads(db: sqlite3.Connection, node: str, cache: TextCache) -> dict[str, Head]:
    """The latest value of each series of ``node``: remembered, else read (once per node)."""
    heads = cache.heads.get(node)
    if heads is None:
        sources = [str(r[0]) for r in db.execute("SELECT source FROM series WHERE node = ?", (node,))]
        heads = cache.heads[node] = {source: _current(db, node, source) for source in sources}
    return heads


def _current(db: sqlite3.Connection, node: str, source: str) -> Head:
    """The series' latest blob id and hash (None, None when it has no value now); no text."""
    row = db.execute(
        "SELECT o.blob_id, b.hash FROM outputs o LEFT JOIN blobs b ON b.id = o.blob_id"
        " WHERE o.node = ? AND o.source = ? ORDER BY o.poll_id DESC LIMIT 1",
        (node, source),
    ).fetchone()
    return (None, None, None) if row is None else (row[0], None if row[1] is None else bytes(row[1]), None)


def _store_blob(
    db: sqlite3.Connection, text: str, key: bytes, previous: int | None, cache: TextCache, where: str
) -> int:
    row = db.execute("SELECT id FROM blobs WHERE hash = ?", (key,)).fetchone()
    if row is not None:
        return int(row[0])
    base_id: int | None = None
    if previous is not None:
        # The base of the series' previous value (or that value, when it is a base itself).
        (prev_base,) = db.execute("SELECT base FROM blobs WHERE id = ?", (previous,)).fetchone()
        base_id = int(prev_base) if prev_base is not None else previous
    base = None if base_id is None else blob_text(db, base_id, cache, where)
    data, is_delta = pack(text, base)
    cur = db.execute(
        "INSERT INTO blobs (hash, base, data) VALUES (?, ?, ?)", (key, base_id if is_delta else None, data)
    )
    return int(cur.lastrowid or 0)


def write_series(
    db: sqlite3.Connection, node: str, poll_id: int, texts: dict[str, str], cache: TextCache
) -> bool:
    """Adds a row for each series of ``node`` whose value at poll ``poll_id`` is not its latest
    (a source missing from ``texts`` has no value); returns whether any changed."""
    heads = _heads(db, node, cache)
    changed = False
    for source in sorted(heads.keys() | texts.keys()):
        text = texts.get(source)
        current, current_hash, current_text = heads.get(source, (None, None, None))
        if text is not None and text == current_text:  # exact, and cheaper than hashing it again
            continue
        key = None if text is None else digest(text)
        if key == current_hash:
            if text is not None and key is not None:
                heads[source] = (current, key, cache.shared(key, text))  # compared, not hashed, next time
            continue
        if source not in heads:
            db.execute("INSERT INTO series (node, source) VALUES (?, ?)", (node, source))
        blob_id = None if text is None else _store_blob(db, text, key or b"", current, cache, node)
        db.execute(
            "INSERT INTO outputs (node, source, poll_id, blob_id) VALUES (?, ?, ?, ?)",
            (node, source, poll_id, blob_id),
        )
        heads[source] = (blob_id, key, None if text is None or key is None else cache.shared(key, text))
        changed = True
    return changed


def read_series(
    db: sqlite3.Connection, node: str, poll_id: int, cache: TextCache, where: str
) -> dict[str, str]:
    """Every series of ``node`` that has a value as of poll ``poll_id``: source to text."""
    texts: dict[str, str] = {}
    for (source,) in db.execute("SELECT source FROM series WHERE node = ?", (node,)).fetchall():
        row = db.execute(
            "SELECT blob_id FROM outputs WHERE node = ? AND source = ? AND poll_id <= ?"
            " ORDER BY poll_id DESC LIMIT 1",
            (node, source, poll_id),
        ).fetchone()
        if row is not None and row[0] is not None:
            texts[str(source)] = blob_text(db, int(row[0]), cache, where)
    return texts
