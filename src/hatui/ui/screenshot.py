"""Provides where the palette's "Screenshot" command saves its SVG, and the file's name.

Textual saves to ``~/Downloads``, which a service account on a cluster node seldom has, and the
save then fails. hatui saves to ``$XDG_PICTURES_DIR`` when it names a directory, else to
``~/Downloads`` when it exists, else to the current directory, and its toast says which.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

#: Delivery name of hatui's screenshots (Textual's own handler reacts to ``screenshot`` only).
SCREENSHOT = "hatui-screenshot"


def screenshot_dir() -> Path:
    """The first existing directory of ``$XDG_PICTURES_DIR``, ``~/Downloads`` and the current one."""
    pictures = os.environ.get("XDG_PICTURES_DIR")
    for candidate in (Path(pictures).expanduser() if pictures else None, Path.home() / "Downloads"):
        if candidate is not None and candidate.is_dir():
            return candidate
    return Path.cwd()


def screenshot_name(title: str) -> str:
    """``hatui_2026-07-01T10_20_30Z.svg``: no character a file system or a shell minds."""
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in title) or "hatui"
    return f"{safe}_{datetime.now(UTC):%Y-%m-%dT%H_%M_%S}Z.svg"
