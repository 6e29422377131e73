"""Provides ``mark``: makes a plan announce itself in the CIB while it runs, and ``restamp``.

A marked plan writes the in-flight marker (``hatui.model.inflight``) as its very first command and
removes it as a ``finally`` command that the runner runs whatever happens (success, failure,
cancel). Other hatui processes read it from the constraints poll and show the action as in flight
instead of its ``cli-*`` constraints as leftovers. The marker's id holds the start time, so the
runner re-stamps the plan when it really starts (the confirmation may have waited a while).
"""

from __future__ import annotations

import os
import socket
from dataclasses import replace
from datetime import datetime

from hatui.actions import commands as cmd
from hatui.actions.commands import Command
from hatui.actions.plan import Plan
from hatui.model.inflight import InFlight, marker_id, parse_marker

#: Seconds allowed per command on top of the waits, for the action's time limit.
PER_COMMAND_S = 60.0


def time_limit(plan: Plan) -> float:
    """The longest an action may take: every wait's timeout, plus a margin per command (or the
    command's own limit: a backup job's)."""
    waits = sum(w.timeout_s for p in plan.phases for w in p.waits)
    return waits + sum(c.timeout_s or PER_COMMAND_S for c in plan.commands) + 2 * PER_COMMAND_S


def owner() -> tuple[int, str]:
    """This process: (pid, host name)."""
    return os.getpid(), socket.gethostname()


def mark(plan: Plan, *, resource: str, now: datetime) -> Plan:
    """``plan`` writing a marker on ``resource`` first and always removing it at the end."""
    first = plan.phases[0].commands[0]
    tools = cmd.Tools(sudo=first.argv[:1] == ("sudo",))
    pid, host = owner()
    marker = marker_id(plan.action, now, time_limit(plan), pid, host)
    add = cmd.marker_add(marker, resource, run_on=first.node, tools=tools)
    remove = cmd.marker_remove(marker, run_on=first.node, tools=tools)
    head = plan.phases[0]
    phases = (replace(head, commands=(add, *head.commands)), *plan.phases[1:])
    return replace(plan, phases=phases, finally_commands=(remove,), marker=marker)


def restamp(plan: Plan, now: datetime) -> Plan:
    """The same marked plan with a marker started ``now`` by this process (unmarked: unchanged)."""
    if plan.marker is None:
        return plan
    old = parse_marker(plan.marker)
    if old is None:
        return plan
    pid, host = owner()
    marker = marker_id(plan.action, now, old.limit_s, pid, host)

    def swap(c: Command) -> Command:
        if not _is_marker(c):
            return c
        argv = tuple(a.replace(old.id, marker) for a in c.argv)
        return replace(c, argv=argv, summary=c.summary.replace(old.id, marker))

    phases = tuple(replace(p, commands=tuple(swap(c) for c in p.commands)) for p in plan.phases)
    return replace(
        plan,
        phases=phases,
        finally_commands=tuple(swap(c) for c in plan.finally_commands),
        marker=marker,
    )


def _is_marker(c: Command) -> bool:
    return "cibadmin" in c.argv[:3] and any("hatui-inflight-" in a for a in c.argv)


def in_flight(plan: Plan, started_at: datetime) -> InFlight:
    """What the verdict should know of ``plan`` while it runs."""
    marker = parse_marker(plan.marker) if plan.marker else None
    pid, host = owner()
    return InFlight(
        plan.action,
        plan.target,
        started_at,
        f"pid {pid} on {host}",
        (*((plan.marker,) if plan.marker else ()), *plan.steers),
        plan.moves,
        marker.limit_s if marker else int(time_limit(plan)),
    )
