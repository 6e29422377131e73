"""Provides ``save_traceback`` and ``EXIT_CRASH``: what is left of an unhandled error in the console.

An error that escapes every handler ends the console. The admin gets one line on stderr naming the
error and the file that holds its full traceback, and a non-zero exit status, so that a wrapper
script or a wall-screen supervisor sees a crash and not a normal quit.
"""

from __future__ import annotations

import os
import tempfile
import traceback
from datetime import UTC, datetime
from pathlib import Path

#: Exit status after an unhandled error (sysexits' EX_SOFTWARE: an internal software error).
EXIT_CRASH = 70


def crash_dir() -> Path:
    """``$XDG_STATE_HOME/hatui``, falling back to ``~/.local/state/hatui`` (as the audit log)."""
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "hatui"


def save_traceback(error: BaseException) -> Path | None:
    """Writes ``error``'s traceback to a new file in ``crash_dir()`` (else the temp dir).

    Returns:
        The file written, or None when no directory could be written to.
    """
    text = "".join(traceback.format_exception(error))
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    for directory in (crash_dir(), Path(tempfile.gettempdir())):
        try:
            directory.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(prefix=f"hatui-crash-{stamp}-", suffix=".txt", dir=directory)
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(text)
        except OSError:
            continue
        return Path(name)
    return None
