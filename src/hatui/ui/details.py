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
from hatui.sources.table import BY_NAME, names_filling

# Which sources' raw outputs each kind of detail screen shows, by the NodeReport fields they fill:
# a source added to the table shows up in the right screens without an edit here.
PACEMAKER_SOURCES = names_filling("pacemaker", "constraints", "cluster_options")
DRBD_SOURCES = names_filling("drbd", "drbd_conf")
DOMAIN_SOURCES = names_filling("domains", "memory", "loads")
COROSYNC_SOURCES = names_filling("rings", "quorum")
STORAGE_SOURCES = names_filling(
    "physical_volumes", "volume_groups", "logical_volumes", "iscsi_sessions", "filesystems"
)


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
    """The raw outputs of ``sources`` that ``report`` holds, labelled ``node: <source label>``."""
    if report is None:
        return []
    return [(f"{report.node}: {_label(s)}", report.raw[s]) for s in sources if s in report.raw]


def _label(source: str) -> str:
    spec = BY_NAME.get(source)
    return spec.label if spec is not None else source
