"""The console draws no animations unless the user asks for them with TEXTUAL_ANIMATIONS."""

from __future__ import annotations

import pytest

from hatui.ui.base import ConsoleApp


def test_the_console_does_not_animate_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TEXTUAL_ANIMATIONS", raising=False)
    assert ConsoleApp().animation_level == "none"


def test_an_explicit_choice_of_animations_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEXTUAL_ANIMATIONS", "full")
    app = ConsoleApp()
    # Textual reads the variable at import; whatever it made of it, the console leaves it alone.
    from textual import constants

    assert app.animation_level == constants.TEXTUAL_ANIMATIONS
