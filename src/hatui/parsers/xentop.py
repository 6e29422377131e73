"""Provides ``parse_xentop``: each domain's load from ``xentop -b -i 2 -d 1`` (the last sample).

Batch mode prints a header line, then one row per domain, once per sample (``-r`` repeats the
header before every row). The first sample's ``CPU(%)`` is always 0.0 (xentop has no earlier
sample to compare with), so only the LAST sample is kept, and an output with a single sample gives
no CPU% at all. A new sample starts where a domain is seen again (Domain-0 is in every one).

Rows are read from the right: the header tells how many cells follow NAME, and the name is what
is left, so it may contain spaces (``s-vm 007``); without ``-f`` xentop cuts it to 10 characters.
Dom0's ``MAXMEM(k)`` reads ``no limit`` (two words) on some versions. The interactive screen's
summary lines (``xentop - 18:03:17``, ``Mem: ...``) before the first header are skipped.
"""

from __future__ import annotations

import re
from dataclasses import replace

from hatui.errors import ParseError
from hatui.model.host import DomainLoad

__all__ = ["parse_xentop"]

_FIRST_COLUMNS = ("NAME", "STATE", "CPU(sec)", "CPU(%)", "MEM(k)")
_STATE = re.compile(r"^[-a-z]{6}$")
_TOKEN = re.compile(r"\S+")


def _is_header(line: str) -> bool:
    return tuple(line.split()[: len(_FIRST_COLUMNS)]) == _FIRST_COLUMNS


def _cells(line: str, count: int) -> tuple[str, list[str]] | None:
    """(name, the ``count`` cells after it), read from the right; None when the row is too short."""
    tokens = list(_TOKEN.finditer(line))
    cells: list[str] = []
    i = len(tokens) - 1
    while len(cells) < count and i >= 0:
        word = tokens[i].group()
        if word == "limit" and i > 0 and tokens[i - 1].group() == "no":
            # Dom0's MAXMEM(k) "no limit": one cell in two words.
            cells.append("no limit")
            i -= 2
            continue
        cells.append(word)
        i -= 1
    if len(cells) < count or i < 0:
        return None
    name = line[: tokens[i].end()].strip()
    return name, cells[::-1]


def _row(line: str, number: int, columns: list[str], source: str) -> DomainLoad:
    split = _cells(line, len(columns))
    if split is None:
        raise ParseError(source, number, line, "a xentop row with fewer cells than its header")
    name, cells = split
    value = dict(zip(columns, cells, strict=True))
    state = value["STATE"]
    try:
        if not _STATE.match(state):
            raise ValueError(state)
        cpu_time = float(value["CPU(sec)"])
        cpu_percent = float(value["CPU(%)"])
        memory = int(value["MEM(k)"])
        vcpus = int(value["VCPUS"]) if "VCPUS" in value else None
    except ValueError:
        raise ParseError(
            source, number, line, "not a xentop row (NAME STATE CPU(sec) CPU(%) MEM(k) ...)"
        ) from None
    return DomainLoad(name, state, cpu_time, cpu_percent, memory, vcpus)


def parse_xentop(text: str, source: str = "xentop") -> tuple[DomainLoad, ...]:
    """The domains of the last sample; ``cpu_percent`` is None when there was only one sample.

    Raises:
        ParseError: no xentop header, or a row that does not fit it.
    """
    samples: list[list[DomainLoad]] = []
    columns: list[str] | None = None
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.rstrip("\r")
        if not line.strip():
            continue
        if _is_header(line):
            columns = line.split()[1:]
            continue
        if columns is None:
            continue  # the interactive screen's summary lines
        row = _row(line, number, columns, source)
        if not samples or any(d.name == row.name for d in samples[-1]):
            samples.append([])
        samples[-1].append(row)
    if columns is None:
        raise ParseError(source, None, text.strip()[:80], "no xentop header (NAME STATE CPU(sec) ...)")
    if not samples:
        return ()
    if len(samples) == 1:
        return tuple(replace(d, cpu_percent=None) for d in samples[0])
    return tuple(samples[-1])
