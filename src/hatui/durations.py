"""Provides ``fmt_age``: a duration as people read it on a console line (``5m03s``), and
``parse_duration``: one as people write it in the config (``30s``, ``1h``).

It lives outside the UI because ``hatui do`` and ``--once`` print ages too and must not import
Textual (``hatui.ui.cells`` re-exports it for the panes).
"""

from __future__ import annotations

import math


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


#: Seconds per unit of a duration written in a config file or on the command line.
UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


def parse_duration(text: str | float) -> float:
    """Seconds in ``30s``, ``10m``, ``1h``, ``2d`` or a plain number of seconds (``45``, ``0.5``).

    Raises:
        ValueError: anything else (negative, not finite, an unknown unit); the message says what
            is accepted.
    """
    accepted = "a number of seconds or a number with a unit s, m, h or d (30s, 10m, 1h, 2d)"
    if isinstance(text, bool):
        raise ValueError(f"expected {accepted}, got {text!r}")
    if isinstance(text, int | float):
        number, unit = float(text), "s"
    else:
        s = text.strip().lower()
        unit = s[-1:] if s[-1:] in UNITS else "s"
        digits = s[:-1] if s[-1:] in UNITS else s
        try:
            number = float(digits)
        except ValueError:
            raise ValueError(f"expected {accepted}, got {text!r}") from None
    seconds = number * UNITS[unit]
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError(f"expected {accepted}, got {text!r}")
    return seconds
