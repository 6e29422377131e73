"""Provides the preview: what Pacemaker's own scheduler would do, computed before anything changes.

The live CIB is fetched (``cibadmin -Q`` over the node's transport) into a private temporary
directory. For each phase of the plan, its raw-tool edits are applied to the copy with the LOCAL
Pacemaker tools (``CIB_file=copy crm_resource --ban ...``) and ``crm_simulate -x copy -S`` runs the
transition; its output CIB is the next phase's input. Actions the scheduler would take even
without the change (a transition already pending) are left out of the lines, and counted apart.
Nothing touches the cluster. Without the local tools (``pacemaker-cli-utils``) there is no
preview, and the preview says so. Before a standby, the N+1 check compares the memory of the node's
VMs with what the receiving nodes have free (``xm info``/``xl info``).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from hatui.actions.commands import Argv, Tools, query_cib
from hatui.actions.commands_drbd import parse_free_memory, vm_free_memory
from hatui.actions.plan import Plan
from hatui.errors import HatuiError
from hatui.model.view import ClusterView
from hatui.model.vms import vm_rows
from hatui.transport.base import Transport

LOCAL_TIMEOUT_S = 30.0


class PreviewError(HatuiError):
    """The preview could not be computed; the message says why."""

    title = "no preview"


@dataclass(frozen=True, slots=True)
class SimAction:
    """One line of crm_simulate's transition summary."""

    action: str
    resource: str
    source: str | None = None
    dest: str | None = None
    node: str | None = None
    role: str | None = None
    next_role: str | None = None
    reason: str | None = None

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

    def lines(self) -> list[str]:
        """The lines the confirmation shows: one block per phase when there are several."""
        out = [self.note] if self.note else []
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


def parse_sim_xml(text: str) -> tuple[SimAction, ...]:
    """The ``<actions>`` of ``crm_simulate -S --output-as=xml``.

    Raises:
        PreviewError: not crm_simulate's XML.
    """
    try:
        root = etree.fromstring(
            text.encode("utf-8"), etree.XMLParser(resolve_entities=False, no_network=True)
        )
    except etree.XMLSyntaxError as exc:
        raise PreviewError(f"crm_simulate printed no XML: {exc}") from None
    actions = root.find("actions")
    if actions is None:
        return ()
    out = []
    for a in actions:
        if not isinstance(a.tag, str) or a.tag != "rsc_action":
            continue
        get = a.get
        out.append(
            SimAction(
                get("action", "?"),
                get("resource", "?"),
                get("source"),
                get("dest"),
                get("node"),
                get("role"),
                get("next-role"),
                get("reason"),
            )
        )
    return tuple(out)


def _key(a: SimAction) -> tuple[str | None, ...]:
    return (a.action, a.resource, a.source, a.dest, a.node, a.role, a.next_role)


def missing_tools(edits: Sequence[Argv]) -> list[str]:
    """Local programs the preview needs and this machine lacks."""
    progs = {"crm_simulate", *(e[0] for e in edits)}
    return sorted(p for p in progs if shutil.which(p) is None)


async def _local(argv: Argv, cib: Path, timeout: float) -> tuple[int | None, str, str]:
    env = dict(os.environ, CIB_file=str(cib), LC_ALL="C", TZ="UTC")
    try:
        proc = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=env,
        )
    except OSError as exc:
        raise PreviewError(f"cannot run {argv[0]} here: {exc.strerror or exc}") from None
    try:
        out, err = await asyncio.wait_for(proc.communicate(), timeout)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise PreviewError(f"{argv[0]} took more than {timeout:g}s") from None
    return proc.returncode, out.decode("utf-8", "replace"), err.decode("utf-8", "replace")


async def _simulate(cib: Path, out: Path | None) -> tuple[SimAction, ...]:
    argv: Argv = ("crm_simulate", "-x", str(cib), "-S", "--output-as=xml", *(("-O", str(out)) if out else ()))
    status, stdout, stderr = await _local(argv, cib, LOCAL_TIMEOUT_S)
    if status != 0:
        raise PreviewError(f"crm_simulate exited {status}: {(stderr.strip() or stdout.strip())[:300]}")
    return parse_sim_xml(stdout)


async def simulate_stages(
    cib_xml: str, stages: Sequence[tuple[str, Sequence[Argv]]]
) -> tuple[PreviewStage, ...]:
    """Applies each stage's edits to a copy of ``cib_xml`` and simulates; the chain of outputs is kept.

    Raises:
        PreviewError: a local tool failed or is missing.
    """
    needed = missing_tools([e for _, edits in stages for e in edits])
    if needed:
        raise PreviewError(f"{', '.join(needed)} not installed on this machine (pacemaker-cli-utils)")
    out: list[PreviewStage] = []
    with tempfile.TemporaryDirectory(prefix="hatui-preview-") as tmp:
        current = Path(tmp) / "cib-0.xml"
        current.write_text(cib_xml, encoding="utf-8")
        for i, (label, edits) in enumerate(stages, start=1):
            baseline = {_key(a) for a in await _simulate(current, None)}
            changed = Path(tmp) / f"cib-{i}-edit.xml"
            shutil.copyfile(current, changed)
            for edit in edits:
                status, stdout, stderr = await _local(edit, changed, LOCAL_TIMEOUT_S)
                if status != 0:
                    raise PreviewError(
                        f"`{' '.join(edit)}` on the CIB copy exited {status}: {stderr.strip()[:300]}"
                    )
            after = Path(tmp) / f"cib-{i}.xml"
            actions = await _simulate(changed, after)
            new = tuple(a for a in actions if _key(a) not in baseline)
            out.append(PreviewStage(label, new, len(actions) - len(new)))
            current = after
    return tuple(out)


async def preview_plan(plan: Plan, transport: Transport, *, tools: Tools, timeout: float = 20.0) -> Preview:
    """The preview of ``plan``, with the CIB fetched through ``transport``. Never raises."""
    stages = [(p.label, p.sim) for p in plan.phases if p.sim]
    if not plan.pacemaker or not stages:
        return Preview(note="no Pacemaker change: nothing to simulate")
    needed = missing_tools([e for _, edits in stages for e in edits])
    if needed:
        return Preview(
            note=f"no preview: {', '.join(needed)} not installed here (apt-get install pacemaker-cli-utils)"
        )
    try:
        fetch = query_cib(run_on=transport.node, tools=tools)
        result = await transport.run(fetch.argv, timeout=timeout)
        if not result.ok or not result.stdout.strip():
            return Preview(note=f"no preview: cibadmin -Q on {transport.node} exited {result.exit_status}")
        return Preview(stages=await simulate_stages(result.stdout, stages))
    except HatuiError as exc:
        return Preview(note=f"no preview: {exc.message}")


def memory_lines(
    view: ClusterView, node: str, free: Mapping[str, int | None], stages: Sequence[PreviewStage]
) -> tuple[str, ...]:
    """N+1: do the nodes receiving ``node``'s VMs have the memory for them? Pure."""
    need: dict[str, int] = {}
    for row in vm_rows(view):
        for d in row.domains:
            if d.node == node and d.domain.is_active and d.domain.memory_mib:
                need[row.resource or row.name] = d.domain.memory_mib
    if not need:
        return (f"N+1: no running VM on {node}",)
    dests: dict[str, list[str]] = {}
    for st in stages[:1]:
        for a in st.actions:
            if a.action in ("move", "migrate") and a.source == node and a.dest and a.primitive in need:
                dests.setdefault(a.dest, []).append(a.primitive)
    lines = [f"N+1: the VMs of {node} use {sum(need.values())} MiB"]
    if not dests:
        known = {n: f for n, f in free.items() if n != node and f is not None}
        best = max(known.values(), default=None)
        verdict = (
            "?" if best is None else ("ok" if best >= sum(need.values()) else "NOT ENOUGH on any single node")
        )
        lines.append(
            "  free: " + (", ".join(f"{n} {f} MiB" for n, f in known.items()) or "unknown") + f": {verdict}"
        )
        return tuple(lines)
    for dest, vms in dests.items():
        want = sum(need[v] for v in vms)
        have = free.get(dest)
        verdict = (
            "free memory unknown"
            if have is None
            else (f"{have} MiB free: ok" if have >= want else f"only {have} MiB free: NOT ENOUGH")
        )
        lines.append(f"  {dest} takes {', '.join(vms)} ({want} MiB): {verdict}")
    return tuple(lines)


async def free_memory(transport: Transport, tools: Tools, *, timeout: float = 10.0) -> int | None:
    """Free memory in MiB that ``xm info``/``xl info``/``virsh nodememstats`` reports; None when unknown."""
    c = vm_free_memory(node=transport.node, tools=tools)
    if c is None:
        return None
    try:
        result = await transport.run(c.argv, timeout=timeout)
    except HatuiError:
        return None
    return parse_free_memory(result.stdout, tools.vm) if result.ok else None
