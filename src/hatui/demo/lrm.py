"""Provides the demo's resource operation history (the CIB ``lrm`` section) and what it implies.

Pacemaker derives every role it reports from the last operations recorded per node: a ``start``
means Started, a ``promote`` Promoted, a monitor that returned 7 when 0 was expected means failed.
The demo does the same, so that its crm_mon output and its CIB can never disagree.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from hatui.demo.state import Cib, Op

#: OCF return codes the demo uses, with the words crm_mon prints for them.
RC_TEXT = {0: "ok", 1: "error", 7: "not running", 8: "promoted"}

#: Recurring monitors: the Xen primitives every 10 s, the DRBD clone per role (the linbit agent's
#: usual 29 s promoted / 31 s unpromoted pair, so the two intervals never collide).
VM_MONITOR_MS = 10_000
PROMOTED_MONITOR_MS = 29_000
UNPROMOTED_MONITOR_MS = 31_000


@dataclass(frozen=True, slots=True)
class RscState:
    """What the history says about one resource on one node."""

    role: str
    """``Started``, ``Stopped``, ``Promoted`` or ``Unpromoted``."""
    failed: bool = False

    @property
    def active(self) -> bool:
        """True when the resource runs there in any role."""
        return self.role != "Stopped"


class Lrm:
    """Records operations into a ``Cib`` and answers questions about them."""

    def __init__(self, cib: Cib, rng: random.Random) -> None:
        self.cib = cib
        self._rng = rng

    def record(
        self,
        node: str,
        calls: list[int],
        rsc: str,
        task: str,
        *,
        when: int,
        rc: int = 0,
        target_rc: int = 0,
        interval_ms: int = 0,
        slow: bool = False,
    ) -> Op:
        """Records one finished operation; ``calls`` is the node's one-item call-id counter."""
        calls[0] += 1
        ops = self.cib.ops(node, rsc)
        if interval_ms:
            op_id = f"{rsc}_{task}_{interval_ms}"
        elif rc != target_rc:
            op_id = f"{rsc}_last_failure_0"
        else:
            op_id = f"{rsc}_last_0"
        exec_ms = 0 if task == "monitor" and rc == 7 and interval_ms else self._rng.randint(12, 60)
        if slow and task in ("start", "stop"):
            # The Xen agent waits for the domain to come up or go away: seconds, not milliseconds.
            exec_ms = self._rng.randint(1400, 2600)
        op = Op(op_id, task, interval_ms, calls[0], rc, target_rc, when, exec_ms, 0, self.cib.transition)
        ops[op_id] = op
        if rc != target_rc and interval_ms:
            # A failed recurring monitor is filed both under its own key and as last_failure.
            failure = Op(f"{rsc}_last_failure_0", task, interval_ms, calls[0], rc, target_rc, when, 0)
            failure.transition = self.cib.transition
            ops[failure.op_id] = failure
        return op

    def drop_monitors(self, node: str, rsc: str) -> None:
        """Forgets the recurring monitors of ``rsc`` on ``node`` (cancelled on a role change)."""
        ops = self.cib.ops(node, rsc)
        for key in [k for k, op in ops.items() if op.interval_ms and not k.endswith("_last_failure_0")]:
            del ops[key]

    def state(self, node: str, rsc: str) -> RscState:
        """Returns the role and failure of ``rsc`` on ``node`` as Pacemaker would derive it."""
        ops = self.cib.lrm.get(node, {}).get(rsc, {})
        last = ops.get(f"{rsc}_last_0")
        role = "Stopped"
        if last is not None:
            role = _role_after(last)
        failure = ops.get(f"{rsc}_last_failure_0")
        failed = failure is not None and (last is None or failure.call > last.call)
        return RscState(role, failed)

    def running_on(self, rsc: str, nodes: list[str]) -> list[str]:
        """Returns the nodes (among ``nodes``) where the history says ``rsc`` is active."""
        return [n for n in nodes if self.state(n, rsc).active]

    def clear_failures(self, node: str, rsc: str) -> bool:
        """Removes the failure record and fail-count of ``rsc`` on ``node``; True if there was one."""
        ops = self.cib.lrm.get(node, {}).get(rsc, {})
        had = ops.pop(f"{rsc}_last_failure_0", None) is not None
        counts = self.cib.fail_counts.get(node, {})
        for key in [k for k in counts if k.split("#", 1)[0] == rsc]:
            del counts[key]
            had = True
        return had

    def add_failure(self, node: str, rsc: str, op_key: str, when: int) -> None:
        """Counts one more failure of ``rsc`` on ``node`` (``fail-count-R#monitor_10000``)."""
        counts = self.cib.fail_counts.setdefault(node, {})
        count, _ = counts.get(f"{rsc}#{op_key}", (0, 0))
        counts[f"{rsc}#{op_key}"] = (count + 1, when)

    def fail_count(self, node: str, rsc: str) -> tuple[int, int]:
        """Returns the summed fail-count of ``rsc`` on ``node`` and the last failure time."""
        counts = [v for k, v in self.cib.fail_counts.get(node, {}).items() if k.split("#", 1)[0] == rsc]
        return sum(c for c, _ in counts), max((w for _, w in counts), default=0)


def _role_after(op: Op) -> str:
    if op.task == "start":
        return "Started"
    if op.task == "promote":
        return "Promoted"
    if op.task == "demote":
        return "Unpromoted"
    if op.task == "stop":
        return "Stopped"
    if op.task == "monitor":
        return {0: "Started", 8: "Promoted"}.get(op.rc, "Stopped")
    return "Stopped"
