"""Provides ``build_report``: one node's raw capture parsed into a ``NodeReport``.

A source that fails to parse becomes a ``SourceError`` beside the other sources of the node: a
malformed output shows as an error in its pane and never hides what the node's other outputs say.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from typing import Any

from hatui.errors import ParseError
from hatui.model.capture import NodeCapture
from hatui.model.host import domains_with_loads
from hatui.model.report import NodeReport, SourceError
from hatui.sources.table import SOURCES, SourceSpec

#: What differs between two nodes' crm_mon outputs of one unchanged cluster: when each ran (the
#: XML attribute, or the text layouts' ``Last updated:`` line).
_WHEN = re.compile(r'<last_update time="[^"]*"|last_updated="[^"]*"|^.*Last updated:.*$', re.MULTILINE)
_MEMO: OrderedDict[tuple[str, str], Any] = OrderedDict()
_MEMO_SIZE = 8


def _parse_shared(spec: SourceSpec, text: str) -> Any:
    """Parses a cluster-wide output once for all the nodes that printed the same thing.

    Every node prints the whole cluster's crm_mon (XML or text) and constraints, identical but for
    the time they ran; a 32-node snapshot of a 1,000-resource cluster would otherwise parse the same
    700 KiB 32 times (about 1 s). The memo is small (a few distinct texts per poll) and holds no failures.
    """
    key = (spec.name, _WHEN.sub("", text))
    if key in _MEMO:
        _MEMO.move_to_end(key)
        return _MEMO[key]
    result = spec.parse(text, spec.name)
    _MEMO[key] = result
    if len(_MEMO) > _MEMO_SIZE:
        _MEMO.popitem(last=False)
    return result


def build_report(capture: NodeCapture) -> NodeReport:
    """Parses every output of ``capture``; never raises for bad output."""
    fields: dict[str, Any] = {}
    errors = [SourceError(capture.node, src, msg) for src, msg in sorted(capture.errors.items())]
    # When several sources fill one field (crm_mon XML or text, three DRBD formats), the first in
    # table order that parses wins.
    for spec in SOURCES:
        text = capture.outputs.get(spec.name)
        if text is None or spec.report_field in fields:
            continue
        try:
            parsed = _parse_shared(spec, text) if spec.shared else spec.parse(text, spec.name)
            fields[spec.report_field] = parsed
        except ParseError as exc:
            errors.append(SourceError(capture.node, spec.name, str(exc)))
        except Exception as exc:  # a parser bug must not take the console down
            errors.append(SourceError(capture.node, spec.name, f"internal parser error: {exc!r}"))
    fields["domains"] = domains_with_loads(fields.get("domains"), fields.get("loads"))
    if fields.get("pacemaker") is not None and fields.get("cluster_options") is not None:
        fields["pacemaker"] = fields["pacemaker"].with_options(fields["cluster_options"])
    return NodeReport(
        node=capture.node,
        unreachable=capture.unreachable,
        unreachable_kind=capture.unreachable_kind,
        collected_at=capture.collected_at,
        stack=capture.stack,
        errors=tuple(errors),
        raw=dict(capture.outputs),
        **fields,
    )
