"""hatui's actions on the real lab clusters (Pacemaker 2.1.5 and, as ``any_lab``'s seed profile,
Pacemaker 1.0.9; stickiness INFINITY, over each node's sshd).

A failover of a VM to the spare through hatui's move: Pacemaker, the domain list and DRBD agree
afterwards and no ``cli-*`` constraint is left; standby and online of a node; the cleanup of a real
failure; --once during a move; and (modern lab only) one failover started from the keyboard in the
TUI, followed to the end.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from hatui.actions.audit import AuditLog
from hatui.actions.catalog import plan_action
from hatui.actions.move import plan_move
from hatui.actions.plans import ActionContext
from hatui.actions.runner import CollectorObserver, Runner
from hatui.config import ClusterConfig, load_config
from hatui.sources.fanout import make_collectors
from hatui.sources.live import CollectorPoller

from .harness import Lab
from .watching import IGNORED, once

pytestmark = pytest.mark.lab


@dataclass
class Hatui:
    cluster: ClusterConfig
    runner: Runner
    observer: CollectorObserver

    async def context(self) -> ActionContext:
        return ActionContext(await self.observer.observe(), self.cluster)


@pytest.fixture
async def hatui(any_lab: Lab, tmp_path: Path) -> AsyncIterator[Hatui]:
    cluster = load_config(any_lab.config_path).cluster("lab")
    collectors = make_collectors(cluster)
    observer = CollectorObserver(collectors, cluster)
    transports = {c.node.name: c.transport for c in collectors}
    runner = Runner(cluster, transports, observer, audit=AuditLog(tmp_path / "audit.log"), poll_interval=0.5)
    try:
        yield Hatui(cluster, runner, observer)
    finally:
        for c in collectors:
            await c.close()


def cli_constraints(lab: Lab) -> list[str]:
    text = lab.crm("cibadmin", "-Q", "-o", "constraints")
    return [word.split('"')[1] for word in text.split() if word.startswith('id="cli-')]


async def test_failover_of_a_vm_to_the_spare_under_stickiness_infinity(any_lab: Lab, hatui: Hatui) -> None:
    lab = any_lab
    vm = lab.vms["vm1"]
    plan = plan_move(await hatui.context(), vm.name, vm.spare)
    assert plan.concerns == ()
    result = await hatui.runner.run(plan)
    assert result.ok, result.outcome
    assert result.outcome == f"{vm.name} runs on {vm.spare}; no cli- constraint left"
    st = lab.status()
    assert st.where(vm.name) == vm.spare and st.promoted(vm.drbd_primitive) == vm.spare
    assert lab.domains(vm.spare) == [vm.name] and vm.name not in lab.domains(vm.home)
    assert lab.drbd(vm.spare, vm.drbd)["ro"] == "Primary/Secondary"
    assert cli_constraints(lab) == []
    await asyncio.sleep(2)
    assert lab.status().where(vm.name) == vm.spare, "it stays after the constraints are gone"


async def test_standby_and_online_of_a_node(any_lab: Lab, hatui: Hatui) -> None:
    lab = any_lab
    vm = lab.vms["vm2"]
    plan = plan_action(await hatui.context(), "standby", vm.home)
    result = await hatui.runner.run(plan.override() if plan.concerns else plan)
    assert result.ok, result.outcome
    assert result.outcome.startswith(f"{vm.home} is in standby; moved: {vm.name} → {vm.spare}")
    assert lab.domains(vm.spare) == [vm.name]
    back = await hatui.runner.run(plan_action(await hatui.context(), "online", vm.home))
    assert back.ok and back.outcome == f"{vm.home} is online"
    assert lab.status().online[vm.home]


async def test_cleanup_of_a_real_failure(any_lab: Lab, hatui: Hatui) -> None:
    lab = any_lab
    vm = lab.vms["vm2"]
    lab.fail_monitor(vm.name)

    async def failed() -> bool:
        return bool((await hatui.observer.observe()).fail_counts(vm.name))

    for _ in range(60):
        if await failed():
            break
        await asyncio.sleep(0.5)
    assert await failed(), "the monitor failure never showed"
    result = await hatui.runner.run(plan_action(await hatui.context(), "cleanup_resource", vm.name))
    assert result.ok, result.outcome
    assert (await hatui.observer.observe()).fail_counts(vm.name) == {}


async def test_a_failover_from_the_keyboard_followed_to_the_end(healthy_lab: Lab) -> None:
    # The modern lab only: on the seed lab the same plan runs through the same runner as
    # test_failover_of_a_vm_to_the_spare_under_stickiness_infinity (the seed lab's time is counted).
    from textual.widgets import Button, OptionList

    from hatui.ui.app import make_app
    from hatui.ui.screens.choose import ChooseScreen
    from hatui.ui.screens.confirm import ConfirmScreen

    lab = healthy_lab
    vm = lab.vms["vm2"]
    config = load_config(lab.config_path)
    cluster = config.cluster("lab")
    app = make_app(config, cluster, CollectorPoller(make_collectors(cluster)))
    app.actions.poll_interval = 0.5

    seen: dict[str, None] = {}

    async def until(pilot: object, predicate: object, within: float) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while not predicate():  # type: ignore[operator]
            seen.update(dict.fromkeys(f"{n.title}: {n.message}" for n in app._notifications))
            toasts = list(seen)
            where = f"screen {type(app.screen).__name__}, focus {app.focused!r}"
            assert loop.time() < deadline, f"condition not reached in time ({where}); toasts: {toasts}"
            await pilot.pause(0.1)  # type: ignore[attr-defined]

    async with app.run_test(size=(160, 50), notifications=True) as pilot:
        vms = app.main_screen.pane("vms")
        drbd = app.main_screen.pane("drbd")
        # Every node polled, the spare's copy of the disk among them: the move checks it.
        await until(pilot, lambda: vm.name in vms.row_keys and f"{vm.drbd}@{vm.spare}" in drbd.row_keys, 20)
        vms.table.move_cursor(row=vms.row_keys.index(vm.name))
        await pilot.press("m")
        await until(pilot, lambda: isinstance(app.screen, ChooseScreen), 10)
        choose = app.screen
        await until(pilot, lambda: app.focused is choose.query_one(OptionList), 10)
        spare = next(i for i, (oid, _, on) in enumerate(choose.options) if oid == vm.spare)  # type: ignore[attr-defined]
        assert choose.options[spare][2], f"{vm.spare} not offered: {choose.options}"  # type: ignore[attr-defined]
        choose.query_one(OptionList).highlighted = spare
        await pilot.pause()
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), 10)
        assert app.focused is app.screen.query_one("#cancel", Button)
        await pilot.press("tab", "enter")
        await until(pilot, lambda: app.actions.last_result is not None, 90)
        result = app.actions.last_result
        assert result is not None and result.ok, result.outcome
        await until(pilot, lambda: vms.cell_text(vm.name, "running") == f"{vm.spare} running", 20)
    assert lab.status().where(vm.name) == vm.spare
    assert cli_constraints(lab) == []


async def test_once_during_a_hatui_move_does_not_page(any_lab: Lab, hatui: Hatui) -> None:
    """A Nagios check run while hatui moves a VM sees the move in flight: exit 0 or 1, never 2."""
    lab = any_lab
    vm = lab.vms["vm1"]
    plan = plan_move(await hatui.context(), vm.name, vm.spare)
    moving = asyncio.Event()

    def say(text: str) -> None:
        if text.startswith("waiting"):
            moving.set()

    task = asyncio.create_task(hatui.runner.run(plan, say))
    await asyncio.wait_for(moving.wait(), 60)
    codes, during = [], 0
    while not task.done():
        before = bool(hatui.runner.registry.current())
        out = await asyncio.to_thread(once, lab, "--ignore", IGNORED)
        during += before and bool(hatui.runner.registry.current())
        assert out.returncode in (0, 1), (out.returncode, out.stdout[-2000:], out.stderr[-2000:])
        codes.append(out.returncode)
    result = await task
    assert result.ok, result.outcome
    assert during >= 1, f"no --once ran while the move was in flight ({codes})"
    assert "hatui-inflight" not in lab.crm("cibadmin", "-Q", "-o", "constraints")
