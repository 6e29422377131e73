"""Provides DetailInfo, what the detail screen shows for a row, and helpers that fill it.

A detail names every field of the model objects behind the row, the raw outputs they were parsed
from (``NodeReport.raw``, so an admin can check what the parser read) and the subjects whose
events make up the row's history.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields, is_dataclass
from enum import Enum
from typing import Any

from hatui.model.report import NodeReport

PACEMAKER_SOURCES = ("crm_mon.xml", "crm_mon.txt", "constraints.xml")
DRBD_SOURCES = ("proc_drbd", "drbd_status.json", "drbdadm_status", "drbd_dump")
DOMAIN_SOURCES = ("xm_list", "xl_list", "virsh_list")
COROSYNC_SOURCES = ("corosync_cfgtool", "corosync_quorumtool")


@dataclass(frozen=True, slots=True)
class DetailInfo:
    """The content of one detail screen."""

    title: str
    fields: tuple[tuple[str, str], ...]
    """``(name, value)`` pairs, nested objects flattened with dotted names."""
    raws: tuple[tuple[str, str], ...]
    """``(label, raw output)``; the label names node and source."""
    subjects: tuple[str, ...]
    """Names, ids and labels whose logged events are this row's history."""


def _word(value: Any) -> str:
    if isinstance(value, Enum):
        return str(value.value)
    if value is None:
        return "-"
    return str(value)


def flatten(obj: Any, prefix: str = "") -> list[tuple[str, str]]:
    """Every field of a (nested) dataclass as ``(dotted.name, text)``."""
    out: list[tuple[str, str]] = []
    if not is_dataclass(obj) or isinstance(obj, type):
        return [(prefix or "value", _word(obj))]
    for f in fields(obj):
        value = getattr(obj, f.name)
        name = f"{prefix}{f.name}"
        if is_dataclass(value) and not isinstance(value, type):
            out += flatten(value, f"{name}.")
        elif isinstance(value, tuple) and value and all(is_dataclass(v) for v in value):
            for i, v in enumerate(value):
                out += flatten(v, f"{name}[{i}].")
        elif isinstance(value, tuple):
            out.append((name, ", ".join(_word(v) for v in value) or "-"))
        elif isinstance(value, dict):
            continue
        else:
            out.append((name, _word(value)))
    return out


def raws(report: NodeReport | None, sources: Iterable[str]) -> list[tuple[str, str]]:
    """The raw outputs of ``sources`` that ``report`` holds, labelled ``node: source``."""
    if report is None:
        return []
    return [(f"{report.node}: {s}", report.raw[s]) for s in sources if s in report.raw]
