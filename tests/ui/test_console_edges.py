"""The console's edges: an unhandled error, the palette's screenshot, and ``y`` (why) in the demo."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_ui_actions import demo_console, ready, select
from ui_harness import SIZE, ConsoleFactory, wait_for

from hatui.ui.base import run_console
from hatui.ui.crash import EXIT_CRASH
from hatui.ui.screens.detail import DetailScreen
from hatui.ui.widgets.vms import VmsPane


def test_an_unhandled_error_ends_the_console_non_zero_with_one_line_on_stderr(
    console: ConsoleFactory,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capfd: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))

    def broken(self: VmsPane, snap: object) -> list[object]:
        raise RuntimeError("pane bug [/x]")

    monkeypatch.setattr(VmsPane, "build_rows", broken)
    code = run_console(console().app, headless=True)
    err = capfd.readouterr().err
    assert code == EXIT_CRASH
    [line] = err.strip().splitlines()
    assert line.startswith("hatui: internal error: RuntimeError: pane bug [/x] (traceback in ")
    saved = Path(line.removesuffix(")").rsplit("traceback in ", 1)[1])
    assert saved.parent == tmp_path / "state" / "hatui"
    assert "Traceback (most recent call last)" in saved.read_text()
    assert "in broken" in saved.read_text()


async def _screenshot_from_the_palette(console: ConsoleFactory) -> list[str]:
    c = console()
    async with c.app.run_test(size=SIZE, notifications=True) as pilot:
        await c.next_polls(pilot)
        await pilot.press("ctrl+p")
        await pilot.press(*"Screenshot")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_for(pilot, lambda: any(n.title == "Screenshot" for n in c.app._notifications))
        return [n.message for n in c.app._notifications if n.title == "Screenshot"]


async def test_palette_screenshot_goes_to_the_current_directory_without_downloads(
    console: ConsoleFactory, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    home = tmp_path / "empty-home"
    home.mkdir()
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_PICTURES_DIR", raising=False)
    monkeypatch.chdir(cwd)
    [message] = await _screenshot_from_the_palette(console)
    [svg] = list(cwd.glob("*.svg"))
    assert message == f"saved to {svg}"
    assert svg.read_text().startswith("<svg")
    assert list(home.iterdir()) == []


async def test_palette_screenshot_prefers_xdg_pictures_dir(
    console: ConsoleFactory, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    pictures = tmp_path / "Pictures"
    pictures.mkdir()
    monkeypatch.setenv("HOME", str(tmp_path / "no-home"))
    monkeypatch.setenv("XDG_PICTURES_DIR", str(pictures))
    monkeypatch.chdir(tmp_path)
    [message] = await _screenshot_from_the_palette(console)
    [svg] = list(pictures.glob("*.svg"))
    assert message == f"saved to {svg}"


async def test_why_on_a_demo_vm_shows_pacemakers_answer() -> None:
    c = demo_console(generation="modern")
    async with c.app.run_test(size=SIZE, notifications=True) as pilot:
        await ready(pilot, c)
        await select(pilot, c, "vms", "sentinel")
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(c.app.screen, DetailScreen), within=10)
        screen = c.app.screen
        assert isinstance(screen, DetailScreen)
        assert screen.raw_texts == ["Resource sentinel is running\n"]
        assert not [n for n in c.app._notifications if n.severity == "error"]
