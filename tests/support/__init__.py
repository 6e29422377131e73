"""Test support shared by several test folders (a real sshd on loopback, fake node tools).

The paths to ../shared are repeated here rather than imported ``from conftest``: with several
``conftest.py`` files in the tree, ``import conftest`` yields whichever was loaded last.
"""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus"
LAB_SAMPLES = SHARED / "lab" / "samples"
FIXTURES = ROOT / "tests" / "fixtures"

needs_shared = pytest.mark.skipif(
    not CORPUS.is_dir(),
    reason="../shared/corpus is absent (a user's clone): corpus tests need the shared captures",
)


def corpus_files(kind: str, pattern: str = "*") -> list[Path]:
    """The captured samples of one corpus folder, without their .source.txt sidecars."""
    folder = CORPUS / kind
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob(pattern) if p.is_file() and not p.name.endswith(".source.txt"))
