"""Provides the membership checks: is there a cluster at all, with a DC, and is each node in it.

A ``crm_mon`` that answers is not yet a cluster that works. The checks here look at what the other
checks take for granted, with the severities an on-call Pacemaker admin expects:

- ``no-nodes`` CRITICAL: crm_mon lists no node and counts none configured. That is a CIB without
  members (a cluster never formed, or crm_mon read a bare CIB file): nothing is kept highly
  available, whatever the resource list says.
- ``no-dc`` WARNING: nodes are online but none is the DC. Every DC failover goes through an
  election that leaves the cluster without a DC for a second or two, so one snapshot cannot tell
  that normal moment from a stuck election; paging for it on every failover would teach people to
  ignore the page. A stuck election shows on every poll (and in a monitoring system's re-checks),
  and its usual causes are CRITICAL through their own codes (no quorum, partition, not a member).
- ``node-not-member`` CRITICAL: a node answers, runs crm_mon, yet is not online in the cluster it
  reports (pending, offline or missing): its Pacemaker is cut off, it will not take over anything,
  and what it says about the cluster is not the cluster's word.
- ``pacemaker-unread`` WARNING: a node answered but gave no Pacemaker picture, with what was wrong
  (the crm_mon error, the parse error, the tool absent). When no node gave one the verdict is
  UNKNOWN and these problems are the reason; when others did, it is raised only for a node the
  cluster counts as online, since an offline node is already reported as such.
"""

from __future__ import annotations

from hatui.model.health_types import CRITICAL, WARNING, Problem
from hatui.model.pacemaker import ClusterStatus
from hatui.model.report import NodeReport
from hatui.model.stack import CrmMonFlavour
from hatui.model.view import ClusterView

_PCMK_SOURCES = ("crm_mon.xml", "crm_mon.txt")

#: Every code the rules here give.
MEMBERSHIP_CODES = frozenset(
    {
        "no-nodes",
        "no-dc",
        "node-not-member",
        "pacemaker-unread",
    }
)


def membership_problems(view: ClusterView) -> list[Problem]:
    """The checks of the module docstring, over the cluster-wide picture and each node's own."""
    out: list[Problem] = []
    status = view.pacemaker
    if status is not None:
        out += _cluster_shape(status)
    out += _not_members(view)
    out += _unread(view)
    return out


def _cluster_shape(s: ClusterStatus) -> list[Problem]:
    if not s.nodes and not s.nodes_configured:
        return [
            Problem(
                CRITICAL,
                "no-nodes",
                "cluster",
                None,
                "Pacemaker reports no configured nodes: no cluster is running here",
            )
        ]
    online = [n.name for n in s.nodes if n.online]
    # Only an output that printed its summary can say "no DC"; a layout without one says nothing.
    summary_printed = s.stack is not None or s.nodes_configured is not None
    if online and summary_printed and s.dc is None and not any(n.is_dc for n in s.nodes):
        return [
            Problem(
                WARNING,
                "no-dc",
                "cluster",
                None,
                f"no DC elected (online: {', '.join(online)}); normal for a few seconds after a DC "
                "leaves, but while it lasts the cluster decides nothing",
            )
        ]
    return []


def _not_members(view: ClusterView) -> list[Problem]:
    out = []
    for r in view.reachable:
        s = r.pacemaker
        if s is None or not s.nodes:
            continue
        pn = s.node(r.node)
        if pn is None and not _names_match(view, s):
            # hatui's node names are not Pacemaker's (an alias, an address): nothing to compare.
            continue
        if pn is not None and pn.online is not False:
            # ``None``: this layout does not say; only a node shown offline or pending is judged.
            continue
        state = "not listed" if pn is None else "pending" if pn.pending else "offline"
        out.append(
            Problem(
                CRITICAL,
                "node-not-member",
                r.node,
                r.node,
                f"{r.node} answers but is not a member of the cluster it reports ({state} there)",
            )
        )
    return out


def _names_match(view: ClusterView, s: ClusterStatus) -> bool:
    """True when some polled node's name is one Pacemaker uses, so a missing name means something."""
    known = {n.name for n in s.nodes}
    return any(r.node in known for r in view.reports)


def _unread(view: ClusterView) -> list[Problem]:
    status = view.pacemaker
    out = []
    for r in view.reachable:
        if r.pacemaker is not None:
            continue
        if status is not None:
            pn = status.node(r.node)
            if pn is None or not pn.online:
                continue
        out.append(Problem(WARNING, "pacemaker-unread", r.node, r.node, f"{r.node}: {why_unread(r)}"))
    return out


def why_unread(r: NodeReport) -> str:
    """Why ``r`` holds no Pacemaker picture, in the words of its errors where there are some."""
    errors = [f"{e.source}: {e.message}" for e in r.errors if e.source in _PCMK_SOURCES]
    if errors:
        return "Pacemaker status not read: " + "; ".join(errors)
    if r.stack.crm_mon is CrmMonFlavour.ABSENT:
        return "Pacemaker status not read: crm_mon is not installed on the node"
    if r.stack.crm_mon is None and not r.raw:
        return "Pacemaker status not read: the node gave no output at all"
    return "Pacemaker status not read: the node gave no crm_mon output"
