"""An action that ran but whose end record could not be written: the console says both, never "refused"."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_ui_actions import choose_first, demo_console, ready, select, toasts
from ui_harness import SIZE, wait_for

from hatui.actions.audit import AuditLog, read_log
from hatui.model.events import EventKind
from hatui.ui.screens.confirm import ConfirmScreen

DEV_FULL = Path("/dev/full")


@pytest.mark.skipif(not DEV_FULL.exists(), reason="no /dev/full on this system")
async def test_a_move_whose_end_record_fails_reports_its_outcome_and_the_missing_record(
    tmp_path: Path,
) -> None:
    c = demo_console(fast=False)  # demo time moves only when the test says: the move waits for it
    real, link = tmp_path / "audit.log", tmp_path / "audit-link.log"
    link.symlink_to(real)
    c.app.actions.audit = AuditLog(link, user="tester")
    async with c.app.run_test(size=SIZE, notifications=True) as pilot:
        await ready(pilot, c)
        await select(pilot, c, "vms", "sentinel")
        await pilot.press("m")
        await choose_first(pilot, c)
        await wait_for(pilot, lambda: isinstance(c.app.screen, ConfirmScreen))
        await pilot.press("tab", "enter")
        await wait_for(pilot, lambda: [r["event"] for r in read_log(real)] == ["start"], within=10)
        full = tmp_path / "audit-link.new"
        full.symlink_to(DEV_FULL)
        full.replace(link)  # the disk is full from now on
        for _ in range(200):
            if c.app.actions.last_result is not None:
                break
            c.demo.advance(2.0)
            await pilot.pause(0.05)
        result = c.app.actions.last_result
        assert result is not None and result.ok, result.outcome
        await wait_for(pilot, lambda: any(le.event.kind is EventKind.ACTION for le in c.app.state.events))
        [logged] = [le.event for le in c.app.state.events if le.event.kind is EventKind.ACTION]
        assert logged.message.startswith("move_resource sentinel: done: sentinel runs on vnode2")
        assert "; audit record missing: cannot write the audit log" in logged.message
        assert "No space left on device" in logged.message
        said = [t for t in toasts(c.app) if "audit record missing" in t]
        assert said and all(t.startswith("move_resource sentinel: done") for t in said)
        assert not any("refused" in t for t in toasts(c.app))
    assert [r["event"] for r in read_log(real)] == ["start"]
