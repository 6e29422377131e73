"""Fixtures for the console tests (helpers live in ui_harness, data in ui_cluster)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ui_harness import ConsoleFactory, build_console


@pytest.fixture
def console() -> ConsoleFactory:
    """Builds a Console: ``console(captures=None, monitor=False, mode="operator", theme="hatui-dark")``."""
    return build_console
