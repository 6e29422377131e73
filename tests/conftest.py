"""Shared fixtures: where the shared corpus lies, and keeping the developer's config out of tests."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus"
LAB_SAMPLES = SHARED / "lab" / "samples"
FIXTURES = Path(__file__).resolve().parent / "fixtures"

needs_shared = pytest.mark.skipif(
    not CORPUS.is_dir(),
    reason="../shared/corpus is absent (a user's clone): corpus tests need the shared captures",
)


def corpus_files(kind: str, pattern: str = "*") -> list[Path]:
    """Returns the captured samples of one corpus folder, without their .source.txt sidecars."""
    folder = CORPUS / kind
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob(pattern) if not p.name.endswith(".source.txt"))


@pytest.fixture(autouse=True)
def _no_user_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Keeps the developer's own ~/.config/hatui and $HATUI_CONFIG out of every test."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("HATUI_CONFIG", raising=False)
