"""Shared fixtures: keep the developer's own config out of every test.

Paths to the shared corpus and helpers live in ``tests/support`` (importable as ``support``), since
several ``conftest.py`` files exist in the tree and ``import conftest`` would be ambiguous.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _no_user_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """Keeps the developer's own ~/.config/hatui and $HATUI_CONFIG out of every test, and each
    test's stack cache (memory and $XDG_CACHE_HOME, also for the hatui it starts) to itself."""
    from hatui.sources import stack_cache

    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("HATUI_CONFIG", raising=False)
    stack_cache.forget()
    yield
    # Unwritten entries must not reach the developer's own cache when the environment is restored.
    stack_cache.forget()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """In CI every test must run: a skipped test there means a missing install step."""
    import os

    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter is not None else 0
    if os.environ.get("CI") and skipped and exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        if reporter is not None:
            reporter.write_line(f"CI: {skipped} test(s) skipped; in CI every test must run", red=True)
