"""Provides ``is_read_only_argv``: the allow-list of the commands a read-only cluster may run.

Exact words, not prefixes: one extra word (``-p target-role -v Stopped``, ``-B``,
``--output-to=FILE``) turns a read into a write, so anything not listed word for word is refused
(the in-flight marker's ``cibadmin -C``/``-D`` among them).
"""

from __future__ import annotations

from collections.abc import Sequence

from hatui.actions.commands import checked
from hatui.errors import ActionRefused
from hatui.sources.table import SOURCES


class _Name:
    """Stands for one name or value in a read-only pattern: a single word that is not an option."""

    def __repr__(self) -> str:
        return "NAME"


NAME = _Name()
Pattern = tuple[str | _Name, ...]

#: Every command hatui sends that changes nothing, as whole argv shapes: all a read-only cluster may
#: run. Exact words, not prefixes: one extra word (``-p target-role -v Stopped``, ``-B``,
#: ``--output-to=FILE``) turns a read into a write, so anything not listed word for word is refused.
READ_ONLY_PATTERNS: tuple[Pattern, ...] = (
    # What actions read (commands.why/get_meta/query_*, commands_drbd.vm_free_memory).
    ("crm_resource", "--why", "-r", NAME),
    ("crm_resource", "-r", NAME, "--meta", "-g", NAME),
    ("cibadmin", "-Q"),
    ("cibadmin", "-Q", "--scope", "constraints"),
    ("cibadmin", "-Q", "--scope", "crm_config"),
    # Pacemaker 1.0's "why" (no --why): scores, the resource's constraints, the constraints section;
    # and the preview on the node (ptest -X reads the edited CIB from stdin, writes nothing).
    ("ptest", "-L", "-s"),
    ("ptest", "-X", "-s", "-VVV"),
    ("crm_resource", "-r", NAME, "-a"),
    ("cibadmin", "-Q", "-o", "constraints"),
    ("xm", "info"),
    ("xl", "info"),
    ("virsh", "nodememstats"),
    # What the sources poll, should one ever reach a node this way: the source table's commands
    # (every one a read), taken from the table so that a new source needs no second list here.
    *dict.fromkeys(argv for spec in SOURCES for argv in spec.commands.values()),
)


def _fits(pattern: Pattern, argv: Sequence[str]) -> bool:
    if len(pattern) != len(argv):
        return False
    for want, word in zip(pattern, argv, strict=True):
        if isinstance(want, _Name):
            try:
                checked("read-only argument", word)
            except ActionRefused:
                return False
        elif want != word:
            return False
    return True


def is_read_only_argv(argv: Sequence[str]) -> bool:
    """True only when ``argv`` (after an optional ``sudo -n``) is, word for word, a known read command."""
    items = list(argv)
    if items[:2] == ["sudo", "-n"]:
        items = items[2:]
    return any(_fits(pattern, items) for pattern in READ_ONLY_PATTERNS)
