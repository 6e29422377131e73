"""Provides ``build_report``: one node's raw capture parsed into a ``NodeReport``.

A source that fails to parse becomes a ``SourceError`` beside the other sources of the node: a
malformed output shows as an error in its pane and never hides what the node's other outputs say.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from hatui.errors import ParseError
from hatui.model.capture import NodeCapture
from hatui.model.report import NodeReport, SourceError
from hatui.parsers.constraints import parse_constraints
from hatui.parsers.corosync import parse_cfgtool, parse_quorumtool
from hatui.parsers.crm_mon_text import parse_crm_mon_text
from hatui.parsers.crm_mon_xml import parse_crm_mon_xml
from hatui.parsers.domain_list import parse_virsh_list, parse_xen_list
from hatui.parsers.drbd9 import parse_drbdadm_status, parse_drbdsetup_json
from hatui.parsers.drbd_dump import parse_drbdadm_dump
from hatui.parsers.proc_drbd import parse_proc_drbd

#: What differs between two nodes' crm_mon outputs of one unchanged cluster: when each ran (the
#: XML attribute, or the text layouts' ``Last updated:`` line).
_WHEN = re.compile(r'<last_update time="[^"]*"|last_updated="[^"]*"|^.*Last updated:.*$', re.MULTILINE)
#: Sources every node prints alike, parsed once per distinct text (see ``_parse_shared``).
_SHARED = frozenset({"crm_mon.xml", "crm_mon.txt", "constraints.xml"})
_MEMO: OrderedDict[tuple[str, str], Any] = OrderedDict()
_MEMO_SIZE = 8


def _parse_shared(source: str, text: str, parse: Callable[[str], Any]) -> Any:
    """Parses a cluster-wide output once for all the nodes that printed the same thing.

    Every node prints the whole cluster's crm_mon (XML or text) and constraints, identical but for
    the time they ran; a 32-node snapshot of a 1,000-resource cluster would otherwise parse the same
    700 KiB 32 times (about 1 s). The memo is small (a few distinct texts per poll) and holds no failures.
    """
    key = (source, _WHEN.sub("", text))
    if key in _MEMO:
        _MEMO.move_to_end(key)
        return _MEMO[key]
    result = parse(text)
    _MEMO[key] = result
    if len(_MEMO) > _MEMO_SIZE:
        _MEMO.popitem(last=False)
    return result


# Source file -> (report field, parser). When several sources fill one field (crm_mon XML or text,
# three DRBD formats) the first in SOURCE_FILES order that parses wins.
_PARSERS: dict[str, tuple[str, Callable[[str], Any]]] = {
    "crm_mon.xml": ("pacemaker", lambda t: parse_crm_mon_xml(t, "crm_mon.xml")),
    "crm_mon.txt": ("pacemaker", lambda t: parse_crm_mon_text(t, "crm_mon.txt")),
    "proc_drbd": ("drbd", lambda t: parse_proc_drbd(t, "proc_drbd")),
    "drbd_status.json": ("drbd", lambda t: parse_drbdsetup_json(t, "drbd_status.json")),
    "drbdadm_status": ("drbd", lambda t: parse_drbdadm_status(t, "drbdadm_status")),
    "drbd_dump": ("drbd_conf", lambda t: parse_drbdadm_dump(t, "drbd_dump")),
    "xm_list": ("domains", lambda t: parse_xen_list(t, "xm", "xm_list")),
    "xl_list": ("domains", lambda t: parse_xen_list(t, "xl", "xl_list")),
    "virsh_list": ("domains", lambda t: parse_virsh_list(t, "virsh_list")),
    "corosync_cfgtool": ("rings", lambda t: parse_cfgtool(t, "corosync_cfgtool")),
    "corosync_quorumtool": ("quorum", lambda t: parse_quorumtool(t, "corosync_quorumtool")),
    "constraints.xml": ("constraints", lambda t: parse_constraints(t, "constraints.xml")),
}


def build_report(capture: NodeCapture) -> NodeReport:
    """Parses every output of ``capture``; never raises for bad output."""
    fields: dict[str, Any] = {}
    errors = [SourceError(capture.node, src, msg) for src, msg in sorted(capture.errors.items())]
    for source, (name, parse) in _PARSERS.items():
        text = capture.outputs.get(source)
        if text is None or name in fields:
            continue
        try:
            fields[name] = _parse_shared(source, text, parse) if source in _SHARED else parse(text)
        except ParseError as exc:
            errors.append(SourceError(capture.node, source, str(exc)))
        except Exception as exc:  # noqa: BLE001 - a parser bug must not take the console down
            errors.append(SourceError(capture.node, source, f"internal parser error: {exc!r}"))
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
