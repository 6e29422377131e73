"""Provides ``parse_virsh_nodeinfo``: host memory from ``virsh nodeinfo`` followed by ``virsh freecell``.

The source runs both (``virsh nodeinfo && virsh freecell``) into one output. ``nodeinfo`` gives
``Memory size: 3145728 KiB`` (older libvirt: ``kB``); ``freecell`` gives ``Total: 1234 KiB``, or
one ``N: 1234 KiB`` line per NUMA cell (``--all``, then a dashed rule and the total). Figures are
KiB; the model holds MiB.
"""

from __future__ import annotations

import re

from hatui.errors import ParseError
from hatui.model.host import HostMemory

__all__ = ["parse_virsh_nodeinfo"]

_FIELD = re.compile(r"^(?P<key>[A-Za-z][\w ()/-]*?)\s*:\s*(?P<value>.*?)\s*$")
_KIB = re.compile(r"^(?P<n>\d+)\s*(?:KiB|kB|KB)$")
_CELL = re.compile(r"^\s*(?P<cell>\d+)\s*:\s*(?P<n>\d+)\s*(?:KiB|kB|KB)\s*$")
_RULE = re.compile(r"^\s*-{3,}\s*$")


def _kib(value: str, source: str, number: int, line: str) -> int:
    match = _KIB.match(value)
    if match is None:
        raise ParseError(source, number, line, "not a figure in KiB")
    return int(match["n"])


def parse_virsh_nodeinfo(text: str, source: str = "virsh_nodeinfo") -> HostMemory:
    """Reads the total (``Memory size``) and the free memory (``Total`` or the sum of the cells).

    Raises:
        ParseError: a line that is neither a nodeinfo field nor a freecell line, a figure not in
            KiB, or no ``Memory size`` line (not a ``virsh nodeinfo`` output).
    """
    total: int | None = None
    free_total: int | None = None
    cells: list[int] = []
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.rstrip("\r")
        if not line.strip() or _RULE.match(line):
            continue
        cell = _CELL.match(line)
        if cell is not None:
            cells.append(int(cell["n"]))
            continue
        match = _FIELD.match(line.strip())
        if match is None:
            raise ParseError(source, number, line, "not a virsh nodeinfo/freecell line")
        key = match["key"].strip().lower()
        if key == "memory size":
            total = _kib(match["value"], source, number, line)
        elif key == "total":
            free_total = _kib(match["value"], source, number, line)
    if total is None:
        raise ParseError(source, None, text.strip()[:80], "no 'Memory size' line: not virsh nodeinfo")
    free = free_total if free_total is not None else (sum(cells) if cells else None)
    return HostMemory(total // 1024, None if free is None else free // 1024, "virsh nodeinfo")
