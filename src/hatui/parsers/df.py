"""Provides ``parse_df``: mounted filesystems from ``df -P -T -B1`` (or any ``df`` the node prints).

The heading names the layout: ``Type`` present or not (``-T``), and the size column's unit:
``1-blocks`` (``-B1``), ``1024-blocks`` (``-P``), ``1K-blocks``, ``512-blocks``, ``1M-blocks``,
``1B-blocks``..., or ``Size`` (``-h``: human figures like ``1.9G``, binary, exact to their one
decimal only). The mount point is the rest of the line, so one with blanks is read whole. Without
``-P`` a long device name sits alone on its line and the figures follow on the next. A ``-``
figure (a filesystem that has none) reads as unknown.
"""

from __future__ import annotations

import re

from hatui.errors import ParseError
from hatui.model.storage import Filesystem

__all__ = ["parse_df"]

_BLOCKS = re.compile(r"^(?P<n>\d*)(?P<unit>[KMGTPE]?)(?P<si>i?B?)-blocks$", re.IGNORECASE)
_HUMAN = re.compile(r"^(?P<n>\d+(?:[.,]\d+)?)(?P<unit>[BKMGTPE]?)$", re.IGNORECASE)
_POWERS = {"": 0, "B": 0, "K": 1, "M": 2, "G": 3, "T": 4, "P": 5, "E": 6}
_BINARY = {unit: 1 << (10 * power) for unit, power in _POWERS.items()}
_DECIMAL = {unit: 10 ** (3 * power) for unit, power in _POWERS.items()}


def _block_size(heading: str, source: str, line: int, text: str) -> int | None:
    """Bytes per unit of the size columns; None for ``Size`` (human figures)."""
    if heading in ("Size", "Taille", "Größe"):
        return None
    match = _BLOCKS.match(heading)
    if match is None:
        raise ParseError(source, line, text, f"{heading!r} is not a df size heading")
    unit = str(match["unit"]).upper()
    scale = _DECIMAL[unit] if match["si"].upper() == "B" and unit else _BINARY[unit]
    return int(match["n"] or 1) * scale


def _figure(cell: str, block: int | None, source: str, line: int, text: str) -> int | None:
    if cell == "-":
        return None
    if block is not None:
        if not cell.isdigit():
            raise ParseError(source, line, text, f"{cell!r} is not a number of blocks")
        return int(cell) * block
    match = _HUMAN.match(cell)
    if match is None:
        raise ParseError(source, line, text, f"{cell!r} is not a size")
    return round(float(match["n"].replace(",", ".")) * _BINARY[str(match["unit"]).upper()])


def parse_df(text: str, source: str = "df") -> tuple[Filesystem, ...]:
    """Reads ``df``'s table; see the module docstring.

    Raises:
        ParseError: no ``Filesystem`` heading, an unknown size heading, a row with too few cells
            or a figure that is not a number.
    """
    found: list[Filesystem] = []
    typed = False
    block: int | None = None
    heading_seen = False
    pending = ""
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.rstrip("\r")
        if not line.strip():
            continue
        if not heading_seen:
            words = line.split()
            if words[0] != "Filesystem":
                raise ParseError(source, number, line, "no 'Filesystem' heading: not df output")
            typed = len(words) > 1 and words[1] == "Type"
            block = _block_size(words[2 if typed else 1], source, number, line) if len(words) > 2 else None
            heading_seen = True
            continue
        figures = 5 if typed else 4  # [type] size used available capacity, then the mount point
        cells = (pending + " " + line).split(None, figures + 1) if pending else line.split(None, figures + 1)
        if len(cells) == 1 and not pending:
            pending = cells[0]  # without -P: a long device name alone on its line
            continue
        pending = ""
        if len(cells) < figures + 2:
            raise ParseError(source, number, line, "a df row needs its figures and a mount point")
        device, rest = cells[0], cells[1:]
        fstype = rest.pop(0) if typed else None
        size, used, avail = (_figure(c, block, source, number, line) for c in rest[:3])
        found.append(Filesystem(device, rest[4].rstrip(), fstype, size, used, avail))
    if not heading_seen:
        return ()
    return tuple(found)
