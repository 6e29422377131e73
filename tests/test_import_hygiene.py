"""Proves the layering: parsers, model, config and the --once path never import Textual or do I/O."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "hatui"

# Package -> modules it must never import (directly, at any depth of the module file).
RULES: dict[str, tuple[str, ...]] = {
    "parsers": ("textual", "hatui.ui", "asyncssh", "asyncio", "hatui.transport", "subprocess", "socket"),
    # The model is the parsers' vocabulary, not their user: parsing lives in hatui.sources.
    "model": (
        "textual",
        "hatui.ui",
        "asyncssh",
        "asyncio",
        "hatui.transport",
        "subprocess",
        "socket",
        "hatui.parsers",
        "hatui.sources",
    ),
    "snapshot": ("textual", "hatui.ui"),
    # The console records finished reports: parsing happens in hatui.sources, before the UI.
    "watch/state.py": ("hatui.parsers", "hatui.sources.parse"),
    # The recorder and the alerts watch a cluster without a terminal.
    "watch": ("textual", "hatui.ui"),
    "ui/app.py": ("hatui.parsers", "hatui.sources.parse"),
    "config.py": ("textual", "hatui.ui", "asyncssh"),
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def _files(rule: str) -> list[Path]:
    target = SRC / rule
    return [target] if target.is_file() else sorted(target.rglob("*.py"))


@pytest.mark.parametrize("rule", sorted(RULES))
def test_forbidden_imports(rule: str) -> None:
    files = _files(rule)
    assert files, f"no module found for {rule}"
    bad = []
    for f in files:
        for name in _imports(f):
            if any(name == f_ or name.startswith(f_ + ".") for f_ in RULES[rule]):
                bad.append(f"{f.relative_to(SRC)} imports {name}")
    assert not bad, "\n".join(bad)


def test_model_loads_no_parser_even_indirectly() -> None:
    """Imports every model module in a fresh interpreter: no hatui.parsers module may come along."""
    mods = sorted(f"hatui.model.{f.stem}" for f in _files("model") if f.stem != "__init__")
    code = (
        "import importlib, sys\n"
        f"for m in {mods!r}: importlib.import_module(m)\n"
        "bad = sorted(m for m in sys.modules if m.startswith(('hatui.parsers', 'hatui.sources')))\n"
        "print(' '.join(bad) or 'clean')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "clean"


def test_parsers_open_no_files() -> None:
    """Parsers take text; a call to open() in them would be I/O hidden in a pure function."""
    for f in _files("parsers") + _files("model"):
        tree = ast.parse(f.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id != "open", f"{f.name} calls open()"


def test_once_path_never_imports_textual(tmp_path: Path) -> None:
    """Runs a real --once on a replay dir in a fresh interpreter and checks sys.modules."""
    node = tmp_path / "replay" / "n1"
    node.mkdir(parents=True)
    (node / "unreachable").write_text("connection refused\n")
    code = (
        "import sys, io, contextlib\n"
        "from hatui.cli import main\n"
        "err = io.StringIO()\n"
        "with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):\n"
        f"    rc = main(['--once', '--format', 'json', '--replay', {str(tmp_path / 'replay')!r}])\n"
        "assert rc == 3, rc\n"
        "assert 'textual' not in sys.modules, 'textual imported'\n"
        "print('clean')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "clean"
