"""Provides what a preview says: ``SimAction`` (one thing the scheduler would do), ``PreviewStage``
(one phase of a plan) and ``Preview`` (the whole answer, with which scheduler gave it).

Both generations fill these: crm_simulate's XML (``hatui.actions.preview``) and Pacemaker 1.0's
``ptest`` log (``hatui.actions.preview_ptest``). Pure data.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SimAction:
    """One action of the simulated transition."""

    action: str
    resource: str
    source: str | None = None
    dest: str | None = None
    node: str | None = None
    role: str | None = None
    next_role: str | None = None
    reason: str | None = None

    @property
    def key(self) -> tuple[str | None, ...]:
        """What makes two actions the same one (the reason aside), to tell new actions from pending ones."""
        return (self.action, self.resource, self.source, self.dest, self.node, self.role, self.next_role)

    @property
    def primitive(self) -> str:
        """The resource id without a clone instance suffix (``drbd_r0:1`` -> ``drbd_r0``)."""
        return self.resource.split(":", 1)[0]

    def describe(self) -> str:
        """``will move vm1 vnode1 → vnode2``, ``will promote drbd_r0 on vnode2``, ``will stop x on n1``."""
        where = self.node or self.source
        if self.action in ("move", "migrate") and self.dest:
            text = f"will {self.action} {self.resource} {self.source} → {self.dest}"
        elif self.action in ("promote", "demote"):
            text = f"will {self.action} {self.resource} on {where}"
        else:
            roles = (
                f" ({self.role} → {self.next_role})" if self.next_role and self.next_role != self.role else ""
            )
            text = f"will {self.action} {self.resource}{' on ' + where if where else ''}{roles}"
        return text + (f" (due to {self.reason})" if self.reason else "")


@dataclass(frozen=True, slots=True)
class PreviewStage:
    """What one phase would make the cluster do."""

    label: str
    actions: tuple[SimAction, ...]
    already: int = 0
    """Actions that the scheduler would take anyway, without this change."""


@dataclass(frozen=True, slots=True)
class Preview:
    """The preview of a plan; ``note`` says why there is none (or anything else worth knowing)."""

    stages: tuple[PreviewStage, ...] = ()
    note: str | None = None
    memory: tuple[str, ...] = ()
    engine: str | None = None
    """Which scheduler answered, where: ``ptest 1.0.9 on vnode1``, ``crm_simulate 2.1.5 (this machine)``."""

    def lines(self) -> list[str]:
        """The lines the confirmation shows: one block per phase when there are several."""
        out = [f"preview: {self.engine}"] if self.engine else []
        out += [self.note] if self.note else []
        several = len(self.stages) > 1
        indent = "  " if several else ""
        for i, st in enumerate(self.stages):
            if several:
                out.append(f"{st.label}:")
            # Nothing at all in the first phase is news; in a later phase it is the hoped-for answer.
            empty = "no change" if i else "the scheduler would do nothing"
            out += [f"{indent}{a.describe()}" for a in st.actions] or [f"{indent}{empty}"]
            if st.already:
                out.append(f"{indent}(+{st.already} actions the cluster would take anyway)")
        return out + list(self.memory)
