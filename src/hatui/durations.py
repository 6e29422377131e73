"""Provides ``fmt_age``: a duration as people read it on a console line (``5m03s``).

It lives outside the UI because ``hatui do`` and ``--once`` print ages too and must not import
Textual (``hatui.ui.cells`` re-exports it for the panes).
"""

from __future__ import annotations


def fmt_age(seconds: float) -> str:
    """``42s``, ``5m03s``, ``2h10m`` or ``3d04h``."""
    s = max(0, int(seconds))
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    if s < 86400:
        return f"{s // 3600}h{s % 3600 // 60:02d}m"
    return f"{s // 86400}d{s % 86400 // 3600:02d}h"
