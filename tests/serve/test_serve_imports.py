"""The server process stays light: Textual and the console load in the wall processes only."""

from __future__ import annotations

import subprocess
import sys


def test_the_server_side_imports_neither_textual_nor_the_console() -> None:
    code = (
        "import sys, hatui.cli, hatui.serve.cli, hatui.serve.server, hatui.serve.access\n"
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith(('textual.', 'hatui.ui')))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
