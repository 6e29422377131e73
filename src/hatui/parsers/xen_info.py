"""Provides ``parse_xen_info``: the host memory from ``xm info`` (Xen 3.x/4.x) or ``xl info``.

Both print ``key<padding> : value`` lines (xm: ``"%-23s: value"``), memory in MiB. Values may be
empty (``virt_caps :``) and may hold colons themselves (``node_to_cpu : node0:0-3``), so a line is
split at its FIRST colon.
"""

from __future__ import annotations

import re

from hatui.errors import ParseError
from hatui.model.host import HostMemory

__all__ = ["parse_xen_info"]

_LINE = re.compile(r"^(?P<key>[A-Za-z_][\w]*)\s*:(?P<value>.*)$")
_MEMORY_KEYS = ("total_memory", "free_memory")


def parse_xen_info(text: str, tool: str = "xm", source: str = "xm_info") -> HostMemory:
    """Reads ``total_memory`` and ``free_memory`` (MiB); ``tool`` names the command in ``source``.

    Raises:
        ParseError: a line that is not ``key : value``, a memory figure that is not a number, or
            neither figure at all (not an ``xm info`` output).
    """
    found: dict[str, int] = {}
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.rstrip("\r")
        if not line.strip():
            continue
        match = _LINE.match(line)
        if match is None:
            raise ParseError(source, number, line, f"not a '{tool} info' key : value line")
        key, value = match["key"], match["value"].strip()
        if key in _MEMORY_KEYS:
            if not value.isdigit():
                raise ParseError(source, number, line, f"{key} is not a number of MiB")
            found[key] = int(value)
    if not found:
        raise ParseError(
            source, None, text.strip()[:80], f"no total_memory or free_memory: not '{tool} info'"
        )
    return HostMemory(found.get("total_memory"), found.get("free_memory"), f"{tool} info")
