"""Provides ``parse_ptest_actions``: the transition of Pacemaker 1.0's ``ptest -VVV``, as ``SimAction``s.

``ptest`` (1.0.x) has no transition summary: what it would do is only in its log, at ``-VVV``,
written to stderr by ``LogActions`` (pengine/native.c of 1.0.9), one line per resource::

    ptest[4628]: 2026/12/05_15:25:14 notice: LogActions: Move resource vm1\t(Started vnode1 -> vnode2)
    ptest[5096]: 2026/12/05_15:25:22 notice: LogActions: Stop resource vm-alpha\t(node1)
    ...: LogActions: Promote drbd_r0:1\t(Slave -> Master vnode2)

``Leave`` lines say nothing happens and are dropped. The actions carry the same fields as
crm_simulate's XML gives the modern preview (``hatui.actions.preview.parse_sim_xml``), so both
generations feed the same stages, lines and expectations. The parser is pure; ``ptest_stages``
runs ptest on the node (``PTEST_ARGV``, the CIB copy on its standard input: nothing is written
anywhere), the edits applied first by ``hatui.actions.preview_cib10`` and each later phase started
from the status ``hatui.actions.preview_transition`` writes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from hatui.actions.preview_cib10 import apply_edits
from hatui.actions.preview_result import PreviewStage, SimAction
from hatui.actions.preview_transition import TransitionError, after_transition
from hatui.errors import HatuiError
from hatui.transport.base import Transport

#: What the preview runs on a Pacemaker 1.0 node (read-only: the CIB comes on standard input).
PTEST_ARGV = ("ptest", "-X", "-s", "-VVV")


class PtestOutputError(HatuiError):
    """The text is not the log of a ``ptest -VVV`` run."""

    title = "no preview"


_MARK = "LogActions: "
#: ``Move resource R\t(Started X -> Y)``, ``Migrate resource R\t(Started X -> Y)``.
_MOVE = re.compile(r"(Move|Migrate) resource (\S+)\s+\((\S+) (\S+) -> (\S+)\)$")
#: ``Recover/Restart/Stop resource R\t(Role N)`` (the resource keeps its role) or ``Stop resource R\t(N)``.
_ONE = re.compile(r"(Recover|Restart|Stop) resource (\S+)\s+\((?:(\S+) )?(\S+)\)$")
#: ``Start R\t(N)``: a start has no "resource" word in 1.0.9.
_START = re.compile(r"Start (\S+)\s+\((\S+)\)$")
#: ``Promote R\t(Slave -> Master N)``, ``Demote R\t(Master -> Slave N)``.
_ROLE = re.compile(r"(Promote|Demote) (\S+)\s+\((\S+) -> (\S+) (\S+)\)$")
_LEAVE = re.compile(r"Leave resource \S+\s+\(.*\)$")


def parse_ptest_actions(log: str) -> tuple[SimAction, ...]:
    """The actions in a ``ptest -VVV`` log (its stderr), in the order logged.

    Raises:
        PtestOutputError: the log has no ``LogActions`` line at all (not ptest's, or not at -VVV),
            or one this parser does not know (a preview must not leave an action out unsaid).
    """
    out: list[SimAction] = []
    seen = False
    for raw in log.splitlines():
        at = raw.find(_MARK)
        if at < 0:
            continue
        seen = True
        text = raw[at + len(_MARK) :].rstrip()
        action = _action(text)
        if action is not None:
            out.append(action)
        elif not _LEAVE.match(text):
            raise PtestOutputError(f"ptest logged an action hatui does not know: {text[:200]!r}")
    if not seen:
        raise PtestOutputError("ptest logged no LogActions line (was it run with -VVV?)")
    return tuple(out)


def _action(text: str) -> SimAction | None:
    if m := _MOVE.match(text):
        kind, rsc, role, src, dst = m.groups()
        return SimAction(kind.lower(), rsc, src, dst, role=role)
    if m := _ONE.match(text):
        kind, rsc, role, node = m.groups()
        return SimAction(kind.lower(), rsc, node=node, role=role)
    if m := _START.match(text):
        rsc, node = m.groups()
        return SimAction("start", rsc, node=node)
    if m := _ROLE.match(text):
        kind, rsc, role, next_role, node = m.groups()
        return SimAction(kind.lower(), rsc, node=node, role=role, next_role=next_role)
    return None


def ptest_failure(log: str) -> str:
    """The ERROR lines of a failed ptest run, for the note saying why there is no preview."""
    errors = [ln.split(": ", 2)[-1] for ln in log.splitlines() if " ERROR: " in ln or "error:" in ln]
    lines = errors or [ln for ln in log.splitlines() if ln.strip() and "GLib-WARNING" not in ln]
    return "; ".join(lines[-3:])[:300]


def dc_version(cib_xml: str) -> str | None:
    """``1.0.9`` from the CIB's ``dc-version`` property (``1.0.9-74392a28b7f3...``); None when absent."""
    m = re.search(r'name="dc-version"\s+value="([0-9][0-9.]*)', cib_xml)
    return m.group(1) if m else None


async def run_ptest(transport: Transport, cib_xml: str, *, timeout: float) -> tuple[SimAction, ...]:
    """``ptest -X -s -VVV`` on the node, the CIB on its standard input: what it would do.

    Raises:
        PtestOutputError: ptest is missing, failed or logged nothing readable.
        TransportError: the node cannot be reached.
    """
    result = await transport.run(PTEST_ARGV, timeout=timeout, stdin=cib_xml)
    if result.exit_status == 127:
        raise PtestOutputError(f"{transport.node} has no ptest")
    if not result.ok:
        raise PtestOutputError(
            f"ptest on {transport.node} exited {result.exit_status}: {ptest_failure(result.stderr)}"
        )
    return parse_ptest_actions(result.stderr)


async def ptest_stages(
    cib_xml: str,
    stages: Sequence[tuple[str, Sequence[Sequence[str]]]],
    transport: Transport,
    *,
    timeout: float,
) -> tuple[tuple[PreviewStage, ...], list[str]]:
    """Each stage simulated by the node's ptest; the labels of the later stages it could not do.

    ptest writes no CIB after its transition (crm_simulate's ``-O``): the next stage starts from
    the status ``after_transition`` writes. When that cannot be written, the rest is named, not guessed.

    Raises:
        PtestOutputError, CibEditError, TransportError: as ``run_ptest`` and ``apply_edits``.
    """
    out: list[PreviewStage] = []
    current = cib_xml
    for i, (label, edits) in enumerate(stages):
        baseline = {a.key for a in await run_ptest(transport, current, timeout=timeout)}
        edited = apply_edits(current, edits)
        actions = await run_ptest(transport, edited, timeout=timeout)
        new = tuple(a for a in actions if a.key not in baseline)
        out.append(PreviewStage(label, new, len(actions) - len(new)))
        if i + 1 < len(stages):
            try:
                current = after_transition(edited, actions)
            except TransitionError:
                return tuple(out), [lbl for lbl, _ in stages[i + 1 :]]
    return tuple(out), []
