"""Provides ``clean_line`` and ``clean_block``: remote text made safe to show on a terminal.

Everything that comes from outside hatui (an SSH server's disconnect message, a command's output, a
node, resource, domain or DRBD name) may carry terminal control sequences: an OSC 52 in a domain
name writes the admin's clipboard, an ESC [2J clears the screen, a bidi override makes ``vm-a``
read as another name. Before such text reaches a terminal (the console, ``--once`` text and its
stderr, ``hatui log``) every C0 and C1 control character, DEL and every bidi control is replaced by
a visible escape (``\\x1b``, ``\\u202e``), so what was sent can still be read but never acts.

Markup is a separate matter: these functions return plain ``str``; the console must still show it as
text, never as Textual or Rich markup (see ``hatui.ui.cells``).
"""

from __future__ import annotations

import re

# C0 controls, DEL, C1 controls, and the Unicode bidi/format controls that reorder or hide text:
# ALM (U+061C), LRM/RLM (U+200E/F), embeddings and overrides (U+202A-202E), isolates (U+2066-2069).
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# The same set less newline and tab, which a block of output keeps.
_UNSAFE_BLOCK = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def clean_line(text: str) -> str:
    """``text`` as one inert line: every control character (newline and tab too) shown escaped."""
    return _UNSAFE.sub(_escape, text)


def clean_block(text: str) -> str:
    """``text`` as inert lines: newlines and tabs kept, ``\\r\\n`` read as a newline, the rest escaped."""
    return _UNSAFE_BLOCK.sub(_escape, text.replace("\r\n", "\n"))


def has_unsafe(text: str) -> bool:
    """True when ``text`` holds a character that ``clean_line`` would escape."""
    return _UNSAFE.search(text) is not None
