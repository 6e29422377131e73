"""Provides ``after_transition``: the CIB as a transition would leave it, for a plan's next phase.

crm_simulate writes the CIB after its transition (``-O``); Pacemaker 1.0's ``ptest`` does not. So
that the node's ptest can preview a plan's later phases too (a move's "clear the constraints"), the
status section is written here as the LRM would record the actions ``ptest`` logged, in the
history's own terms (lib/pengine/unpack.c of 1.0.9 reads a resource's state from its operation
with the highest ``call-id``):

- ``stop`` on X: a ``R_stop_0`` operation (rc 0) on X, its recurring monitors gone;
- ``start`` on Y: a ``R_start_0`` operation (rc 0) on Y, its parameter digest copied from an earlier
  start of R (or of another instance of the same clone), so that the next run sees no definition change;
- ``move``/``migrate`` X -> Y: both; ``promote``/``demote`` on N: a ``R_promote_0``/``R_demote_0``;
- ``restart``/``recover``: nothing (R ends where it was, in the same role).

Pure: XML in, XML out. What it cannot write (an action on a node without a ``node_state``) raises
``TransitionError``; the caller then says the later phases were not simulated.
"""

from __future__ import annotations

from collections.abc import Sequence

from lxml import etree

from hatui.actions.preview_result import SimAction
from hatui.errors import HatuiError

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True)
_KEY = "0:0:0:00000000-0000-0000-0000-000000000000"


class TransitionError(HatuiError):
    """The transition's result cannot be written into this CIB."""

    title = "no preview"


def after_transition(cib_xml: str, actions: Sequence[SimAction]) -> str:
    """``cib_xml`` with its status as after ``actions`` (all of them, not only the new ones).

    Raises:
        TransitionError: the CIB has no status for a node an action names, or does not parse.
    """
    try:
        root = etree.fromstring(cib_xml.encode("utf-8"), _PARSER)
    except etree.XMLSyntaxError as exc:
        raise TransitionError(f"the CIB does not parse: {exc}") from None
    for a in actions:
        if a.action in ("move", "migrate"):
            _record(root, a.resource, a.source, "stop")
            _record(root, a.resource, a.dest, "start")
        elif a.action in ("stop", "start", "promote", "demote"):
            _record(root, a.resource, a.node or a.source, a.action)
    return etree.tostring(root, encoding="unicode")


def _record(root: etree._Element, rid: str, node: str | None, task: str) -> None:
    """Appends ``task`` (rc 0) to ``rid``'s history on ``node``, as the LRM would."""
    state = next((s for s in root.iterfind("status/node_state") if s.get("uname") == node), None)
    if state is None:
        raise TransitionError(f"no status for node {node} to record {task} of {rid} in")
    history = _history(root, state, rid)
    if task == "stop":
        for op in history.findall("lrm_rsc_op"):
            if op.get("interval", "0") != "0":
                history.remove(op)
    calls = [op.get("call-id", "") for op in root.iter("lrm_rsc_op")]
    call = 1 + max((int(c) for c in calls if c.lstrip("-").isdigit()), default=0)
    op_id = f"{rid}_{task}_0"
    for old in history.findall("lrm_rsc_op"):
        if old.get("id") == op_id:
            history.remove(old)
    op = etree.SubElement(
        history,
        "lrm_rsc_op",
        {
            "id": op_id,
            "operation": task,
            "crm_feature_set": "3.0.1",
            "transition-key": _KEY,
            "transition-magic": f"0:0;{_KEY}",
            "call-id": str(call),
            "rc-code": "0",
            "op-status": "0",
            "interval": "0",
        },
    )
    digest = _start_digest(root, rid)
    if digest is not None:
        op.set("op-digest", digest)


def _history(root: etree._Element, state: etree._Element, rid: str) -> etree._Element:
    """``rid``'s ``lrm_resource`` on this node; made (like another node's, no operations) if absent."""
    resources = state.find("lrm/lrm_resources")
    if resources is None:
        lrm = state.find("lrm")
        if lrm is None:
            lrm = etree.SubElement(state, "lrm", id=state.get("id") or "")
        resources = etree.SubElement(lrm, "lrm_resources")
    found = next((r for r in resources.findall("lrm_resource") if r.get("id") == rid), None)
    if found is not None:
        return found
    like = _any_history(root, rid)
    made = etree.SubElement(resources, "lrm_resource", id=rid)
    if like is not None:
        for name in ("type", "class", "provider"):
            if like.get(name) is not None:
                made.set(name, like.get(name) or "")
    else:
        prim = _primitive(root, rid)
        for name in ("type", "class", "provider"):
            if prim is not None and prim.get(name) is not None:
                made.set(name, prim.get(name) or "")
    return made


def _start_digest(root: etree._Element, rid: str) -> str | None:
    """The parameter digest of an earlier start of ``rid`` (or of a sibling clone instance)."""
    base = rid.split(":", 1)[0]
    for res in root.iterfind("status/node_state/lrm/lrm_resources/lrm_resource"):
        if res.get("id", "").split(":", 1)[0] != base:
            continue
        for op in res.findall("lrm_rsc_op"):
            if op.get("operation") == "start" and op.get("op-digest"):
                return op.get("op-digest")
    return None


def _any_history(root: etree._Element, rid: str) -> etree._Element | None:
    base = rid.split(":", 1)[0]
    found = root.iterfind("status/node_state/lrm/lrm_resources/lrm_resource")
    return next((r for r in found if r.get("id", "").split(":", 1)[0] == base), None)


def _primitive(root: etree._Element, rid: str) -> etree._Element | None:
    base = rid.split(":", 1)[0]
    return next((p for p in root.iter("primitive") if p.get("id") == base), None)
