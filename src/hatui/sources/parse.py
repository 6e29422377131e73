"""Provides ``build_report``: one node's raw capture parsed into a ``NodeReport``, and ``ReportMemo``.

A source that fails to parse becomes a ``SourceError`` beside the other sources of the node: a
malformed output shows as an error in its pane and never hides what the node's other outputs say.

``ReportMemo`` is what the pollers parse through: a node that says again what it said last time
gets its previous report back (only ``collected_at`` new), and an output that did not change keeps
its parsed part, so the console can tell an unchanged poll by identity (``NodeReport.same_content``).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from hatui.errors import ParseError
from hatui.model.capture import NodeCapture
from hatui.model.host import domains_with_loads
from hatui.model.report import NodeReport, SourceError, same_but_when
from hatui.sources.table import SOURCES, SourceSpec

_SHARED_SIZE = 8


@dataclasses.dataclass(frozen=True, slots=True)
class _Shared:
    """One parsed cluster-wide text and what it was parsed into."""

    name: str
    text: str
    result: Any


_SHARED: list[_Shared] = []


def _parse_shared(spec: SourceSpec, text: str) -> Any:
    """Parses a cluster-wide output once for all the nodes that printed the same thing.

    Every node prints the whole cluster's crm_mon (XML or text) and constraints, identical but for
    the time they ran; a 32-node snapshot of a 1,000-resource cluster would otherwise parse the same
    700 KiB 32 times (about 1 s). The memo is small (a few distinct texts per poll) and holds no
    failures. The first text parsed serves the others, its ``last_updated`` included.
    """
    for i, entry in enumerate(_SHARED):
        if entry.name == spec.name and (entry.text == text or same_but_when(entry.text, text)):
            if i:
                _SHARED.insert(0, _SHARED.pop(i))
            return entry.result
    result = spec.parse(text, spec.name)
    _SHARED.insert(0, _Shared(spec.name, text, result))
    del _SHARED[_SHARED_SIZE:]
    return result


#: One source's text and what parsing it gave: the part, or the error message.
_Parsed = tuple[str, Any, str | None]


@dataclasses.dataclass(slots=True)
class _Known:
    """What one node said last time, and what it was parsed into."""

    capture: NodeCapture
    report: NodeReport
    parsed: dict[str, _Parsed]
    """Source name to its text and outcome."""
    merged: dict[str, tuple[Any, Any, Any]]
    """Report field to the two parts it was merged from and the merged part."""


def _parse(spec: SourceSpec, text: str, known: _Known | None) -> tuple[Any, str | None]:
    """The part parsed from ``text``, or the error; the node's last outcome when its text is the same."""
    last = known.parsed.get(spec.name) if known else None
    if last is not None and (last[0] is text or last[0] == text):
        return last[1], last[2]
    try:
        return (_parse_shared(spec, text) if spec.shared else spec.parse(text, spec.name)), None
    except ParseError as exc:
        return None, str(exc)
    except Exception as exc:  # a parser bug must not take the console down
        return None, f"internal parser error: {exc!r}"


def _merge(field: str, a: Any, b: Any, known: _Known | None, merged: dict[str, tuple[Any, Any, Any]]) -> Any:
    """``a`` merged with ``b`` into report field ``field``; the last merged part when both are the same.

    So an unchanged domain list or cluster keeps the very object the node's last report held.
    """
    last = known.merged.get(field) if known else None
    if last is not None and last[0] is a and last[1] is b:
        result = last[2]
    elif field == "domains":
        result = domains_with_loads(a, b)
    else:
        result = a.with_options(b) if a is not None and b is not None else a
    merged[field] = (a, b, result)
    return result


def _build(capture: NodeCapture, known: _Known | None) -> _Known:
    parsed: dict[str, _Parsed] = {}
    merged: dict[str, tuple[Any, Any, Any]] = {}
    fields: dict[str, Any] = {}
    errors = [SourceError(capture.node, src, msg) for src, msg in sorted(capture.errors.items())]
    # When several sources fill one field (crm_mon XML or text, three DRBD formats), the first in
    # table order that parses wins.
    for spec in SOURCES:
        text = capture.outputs.get(spec.name)
        if text is None or spec.report_field in fields:
            continue
        part, error = _parse(spec, text, known)
        parsed[spec.name] = (text, part, error)
        if error is None:
            fields[spec.report_field] = part
        else:
            errors.append(SourceError(capture.node, spec.name, error))
    fields["domains"] = _merge("domains", fields.get("domains"), fields.get("loads"), known, merged)
    fields["pacemaker"] = _merge(
        "pacemaker", fields.get("pacemaker"), fields.get("cluster_options"), known, merged
    )
    report = NodeReport(
        node=capture.node,
        unreachable=capture.unreachable,
        unreachable_kind=capture.unreachable_kind,
        collected_at=capture.collected_at,
        stack=capture.stack,
        errors=tuple(errors),
        raw=dict(capture.outputs),
        **fields,
    )
    return _Known(capture, report, parsed, merged)


def build_report(capture: NodeCapture) -> NodeReport:
    """Parses every output of ``capture``; never raises for bad output."""
    return _build(capture, None).report


def _same_capture(a: NodeCapture, b: NodeCapture) -> bool:
    """True when ``a`` and ``b`` hold the same outputs, errors, reachability and stack."""
    return (
        a.node == b.node
        and a.unreachable == b.unreachable
        and a.unreachable_kind == b.unreachable_kind
        and (a.stack is b.stack or a.stack == b.stack)
        and (a.errors is b.errors or a.errors == b.errors)
        and (a.outputs is b.outputs or a.outputs == b.outputs)
    )


class ReportMemo:
    """Each node's last capture and report, so that a poll that says nothing new costs nothing.

    ``report(capture)`` for an unchanged capture is the node's last report with the new
    ``collected_at`` (its parts the very same objects: no parse, no copy); for a changed one, the
    outputs that did not change keep their parsed parts and only the others are parsed. Holds one
    capture per node, the last.
    """

    def __init__(self) -> None:
        self._known: dict[str, _Known] = {}

    def report(self, capture: NodeCapture) -> NodeReport:
        """The report of ``capture``, as ``build_report`` gives it (equal to it, field by field)."""
        known = self._known.get(capture.node)
        if known is not None and _same_capture(known.capture, capture):
            if known.report.collected_at != capture.collected_at:
                known.report = dataclasses.replace(known.report, collected_at=capture.collected_at)
            # The newest capture is kept: its strings are the ones the next poll's will share.
            known.capture = capture
            return known.report
        self._known[capture.node] = known = _build(capture, known)
        return known.report
