"""Provides the hatui error hierarchy.

Every error carries a short ``title`` (shown in a toast or as the ``title:`` prefix on stderr) and a
message that says what went wrong and, where it can, what to do about it.
"""

from __future__ import annotations


class HatuiError(Exception):
    """Base of every error hatui raises on purpose."""

    title = "hatui error"

    def __init__(self, message: str, title: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if title is not None:
            self.title = title

    def __str__(self) -> str:
        return self.message


class ParseError(HatuiError):
    """A command output that a parser cannot read.

    Names the source (the format or file), the 1-based line and a snippet of that line, so that an
    admin can find the offending text in the raw output.
    """

    title = "parse error"

    def __init__(self, source: str, line: int | None, snippet: str, reason: str) -> None:
        snippet = snippet.replace("\x00", "\\0")
        if len(snippet) > 80:
            snippet = snippet[:77] + "..."
        where = f"{source} line {line}" if line is not None else source
        super().__init__(f"{where}: {reason}: {snippet!r}")
        self.source = source
        self.line = line
        self.snippet = snippet
        self.reason = reason


class ConfigError(HatuiError):
    """A configuration file that cannot be used; the message names the file and the key."""

    title = "config error"


class TransportError(HatuiError):
    """A node that could not be reached or a command that could not be run on it.

    ``kind`` tells the failures that need more than a wait apart, for the health checks:
    ``host-key-changed``, ``host-key-revoked`` or ``host-key-unknown``; None for the others.
    """

    title = "unreachable"

    def __init__(self, message: str, title: str | None = None, *, kind: str | None = None) -> None:
        super().__init__(message, title)
        self.kind = kind


class ActionRefused(HatuiError):  # noqa: N818 - the house name: a refusal, not a fault
    """An action that a precondition or the read-only mode refused; the message says why."""

    title = "action refused"
