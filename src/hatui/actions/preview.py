"""Provides the preview: what Pacemaker's own scheduler would do, computed before anything changes.

The live CIB is fetched (``cibadmin -Q`` over the node's transport) into a private temporary
directory. For each phase of the plan, its raw-tool edits are applied to the copy with the LOCAL
Pacemaker tools (``CIB_file=copy crm_resource --ban ...``) and ``crm_simulate -x copy -S`` runs the
transition; its output CIB is the next phase's input. Actions the scheduler would take even
without the change (a transition already pending) are left out of the lines, and counted apart.
Nothing touches the cluster. Without the local tools (``pacemaker-cli-utils``) there is no
preview, and the preview says so. A Pacemaker 1.0 CIB is edited in its own schema
(``hatui.actions.preview_cib10``) and simulated by crm_simulate here or by ``ptest`` on the node
(``hatui.actions.preview_ptest``); the preview names the scheduler it used. Before a standby, the N+1
check compares the memory of the node's VMs with what the receiving nodes have free, the figures of
the last poll (``hatui.model.capacity.free_mib``, the same as the N+1 badge).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from lxml import etree

from hatui.actions.commands import Argv, Tools, query_cib
from hatui.actions.plan import Plan
from hatui.actions.preview_cib10 import apply_edits, is_cib10
from hatui.actions.preview_ptest import dc_version, ptest_stages
from hatui.actions.preview_result import Preview, PreviewStage, SimAction
from hatui.errors import HatuiError
from hatui.model.capacity import free_mib
from hatui.model.view import ClusterView
from hatui.model.vms import vm_rows
from hatui.transport.base import Transport

#: The result types live in ``preview_result`` (the ptest reader needs them too); named here as before.
__all__ = [
    "Preview",
    "PreviewError",
    "PreviewStage",
    "SimAction",
    "free_elsewhere",
    "memory_lines",
    "parse_sim_xml",
    "preview_plan",
    "simulate_stages",
]

LOCAL_TIMEOUT_S = 30.0


class PreviewError(HatuiError):
    """The preview could not be computed; the message says why."""

    title = "no preview"


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


def missing_tools(edits: Sequence[Argv]) -> list[str]:
    """Local programs the preview needs and this machine lacks."""
    progs = {"crm_simulate", *(e[0] for e in edits)}
    return sorted(p for p in progs if shutil.which(p) is None)


async def _local(argv: Argv, cib: Path | None, timeout: float) -> tuple[int | None, str, str]:
    env = dict(os.environ, LC_ALL="C", TZ="UTC", **({"CIB_file": str(cib)} if cib else {}))
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


async def _edit_locally(edits: Sequence[Argv], cib: Path) -> None:
    """The raw-tool edits run on the copy with this machine's tools (``CIB_file``)."""
    for edit in edits:
        status, _stdout, stderr = await _local(edit, cib, LOCAL_TIMEOUT_S)
        if status != 0:
            raise PreviewError(f"`{' '.join(edit)}` on the CIB copy exited {status}: {stderr.strip()[:300]}")


def _edit_cib10(edits: Sequence[Argv], cib: Path) -> None:
    """The edits done to the copy by the pure 1.0 editor: 2.x tools would break a 1.0 CIB."""
    cib.write_text(apply_edits(cib.read_text(encoding="utf-8"), edits), encoding="utf-8")


async def simulate_stages(
    cib_xml: str, stages: Sequence[tuple[str, Sequence[Argv]]], *, cib10: bool = False
) -> tuple[PreviewStage, ...]:
    """Applies each stage's edits to a copy of ``cib_xml`` and simulates; the chain of outputs is kept.

    ``cib10``: the CIB is in Pacemaker 1.0's schema; its edits are the 1.0 forms
    (``hatui.actions.preview_cib10``), done without any tool. crm_simulate reads that schema and
    writes its output CIB in today's; the 1.0 forms edit that one just as well.

    Raises:
        PreviewError: a local tool failed or is missing.
        CibEditError: a 1.0 edit cannot be applied.
    """
    needed = ["crm_simulate"] if cib10 else missing_tools([e for _, edits in stages for e in edits])
    needed = [p for p in needed if shutil.which(p) is None]
    if needed:
        raise PreviewError(f"{', '.join(needed)} not installed on this machine (pacemaker-cli-utils)")
    out: list[PreviewStage] = []
    with tempfile.TemporaryDirectory(prefix="hatui-preview-") as tmp:
        current = Path(tmp) / "cib-0.xml"
        current.write_text(cib_xml, encoding="utf-8")
        for i, (label, edits) in enumerate(stages, start=1):
            baseline = {a.key for a in await _simulate(current, None)}
            changed = Path(tmp) / f"cib-{i}-edit.xml"
            shutil.copyfile(current, changed)
            if cib10:
                _edit_cib10(edits, changed)
            else:
                await _edit_locally(edits, changed)
            after = Path(tmp) / f"cib-{i}.xml"
            actions = await _simulate(changed, after)
            new = tuple(a for a in actions if a.key not in baseline)
            out.append(PreviewStage(label, new, len(actions) - len(new)))
            current = after
    return tuple(out)


async def local_scheduler() -> str:
    """``crm_simulate 2.1.5 (this machine)``: the engine line of a local simulation."""
    try:
        status, stdout, _ = await _local(("crm_simulate", "--version"), None, LOCAL_TIMEOUT_S)
    except PreviewError:
        status, stdout = None, ""
    words = stdout.split()
    version = words[1] if status == 0 and len(words) > 1 and words[0] == "Pacemaker" else "?"
    return f"crm_simulate {version} (this machine)"


async def preview_plan(plan: Plan, transport: Transport, *, tools: Tools, timeout: float = 20.0) -> Preview:
    """The preview of ``plan``, with the CIB fetched through ``transport``. Never raises.

    A Pacemaker 1.0 CIB is simulated by crm_simulate here when installed, else by the node's own
    ``ptest`` (``hatui.actions.preview_ptest``); a newer one by crm_simulate here only.
    """
    stages = [(p.label, p.sim) for p in plan.phases if p.sim]
    if not plan.pacemaker or not stages:
        return Preview(note="no Pacemaker change: nothing to simulate")
    try:
        fetch = query_cib(run_on=transport.node, tools=tools)
        result = await transport.run(fetch.argv, timeout=timeout)
        if not result.ok or not result.stdout.strip():
            return Preview(note=f"no preview: cibadmin -Q on {transport.node} exited {result.exit_status}")
        cib = result.stdout
        if is_cib10(cib):
            return await _preview_cib10(cib, stages, transport, tools=tools, timeout=timeout)
        needed = missing_tools([e for _, edits in stages for e in edits])
        if needed:
            lacks = f"{', '.join(needed)} not installed here (apt-get install pacemaker-cli-utils)"
            return Preview(note=f"no preview: {lacks}")
        return Preview(stages=await simulate_stages(cib, stages), engine=await local_scheduler())
    except HatuiError as exc:
        return Preview(note=f"no preview: {exc.message}")


async def _preview_cib10(
    cib: str,
    stages: Sequence[tuple[str, Sequence[Argv]]],
    transport: Transport,
    *,
    tools: Tools,
    timeout: float,
) -> Preview:
    if shutil.which("crm_simulate") is not None:
        engine = await local_scheduler()
        try:
            return Preview(stages=await simulate_stages(cib, stages, cib10=True), engine=engine)
        except HatuiError as exc:
            return Preview(note=f"no preview: {exc.message}", engine=engine)
    caps = getattr(tools, "caps", None)
    if getattr(caps, "scheduler", None) == "crm_simulate":
        return Preview(
            note=f"no preview: crm_simulate is not installed here, and {transport.node} has no ptest"
        )
    version = getattr(caps, "pacemaker_version", None) or dc_version(cib) or "1.0"
    engine = f"ptest {version} on {transport.node}"
    try:
        done, later = await ptest_stages(cib, stages, transport, timeout=timeout)
    except HatuiError as exc:
        return Preview(note=f"no preview: {exc.message}", engine=engine)
    note = f"later phases not simulated ({', '.join(later)}): no status to start them from" if later else None
    return Preview(stages=done, note=note, engine=engine)


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


def free_elsewhere(view: ClusterView, node: str) -> dict[str, int | None]:
    """The free memory of every node but ``node``, as the last poll read it: the N+1 badge's figures."""
    return {r.node: free_mib(view, r.node) for r in view.reports if r.node != node}
