"""Provides the demo's fault key: pick a fault and its target, and the simulated cluster suffers it.

Only the built-in demo cluster has faults to inject (its poller carries the ``DemoCluster``); on a
real cluster the key is hidden. It shows a newcomer what a bad night looks like: a node killed or
frozen, a DRBD split-brain, a failed monitor, a faulty ring, and ``heal`` to undo them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hatui.errors import HatuiError
from hatui.ui.screens.choose import ChooseScreen

if TYPE_CHECKING:
    from hatui.ui.app import HatuiApp


def demo_of(app: HatuiApp) -> Any | None:
    """The DemoCluster behind the shown cluster's poller, or None on a real cluster."""
    return getattr(app.session.poller, "demo", None)


def _targets(demo: Any, kind: str) -> list[str]:
    """The targets a fault of ``kind`` can hit (``node``, ``drbd resource``, ``vm`` or a mix)."""
    out: list[str] = []
    if "node" in kind:
        out += [n.name for n in demo.topo.nodes]
    if "drbd" in kind:
        out += [d.name for d in demo.topo.disks]
    if "vm" in kind:
        out += [v.name for v in demo.topo.vms]
    return out


async def inject_fault(app: HatuiApp) -> None:
    """Asks for a fault and a target, injects it, and polls every node at once."""
    from hatui.demo import FAULTS

    demo = demo_of(app)
    if demo is None:
        app.notify("faults can only be injected into the demo cluster (hatui --demo)", severity="warning")
        return
    options = [(name, f"{name}: {what}", True) for name, (_kind, what) in FAULTS.items()]
    fault = await app.push_screen_wait(ChooseScreen("Inject a fault into the demo cluster", options))
    if fault is None:
        return
    kind = FAULTS[fault][0]
    targets = [(t, t, True) for t in _targets(demo, kind)]
    target = await app.push_screen_wait(ChooseScreen(f"{fault}: which {kind}?", targets))
    if target is None:
        return
    try:
        demo.inject(fault, target)
    except HatuiError as exc:
        app.notify(f"{fault} {target}: {exc.message}", title="demo", severity="warning")
        return
    app.notify(f"demo: {fault} {target}", title="fault injected", timeout=4)
    app.action_refresh_now()
