"""Provides ``Command``, ``Tools`` and what every command builder checks names with.

A ``Command(argv, node, danger, summary)`` is the exact argument list, the node it runs on, how
dangerous it is and one line for people; Pacemaker commands also carry ``sim``: the raw-tool edits
that do the same to a CIB file, for the preview. ``Tools`` is what a node runs, reduced to what the
builders need, with its ``Capabilities`` (``hatui.model.capabilities``): a command a node's tools
lack is never built. Names come from the cluster and are never trusted: ``checked`` keeps each to
ONE plain argv item, ``crm_name`` to one word of the crm shell's re-split line.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from enum import Enum

from hatui.errors import ActionRefused
from hatui.model.capabilities import MODERN, Capabilities, Generation, capabilities, drbd_syntax
from hatui.model.capture import StackInfo

PACEMAKER = "pacemaker"
CRMSH = "crmsh"
PCS = "pcs"

Argv = tuple[str, ...]


class Danger(str, Enum):
    """How much a command can hurt: READ changes nothing, DESTRUCTIVE can lose data or service."""

    READ = "read"
    CHANGE = "change"
    DESTRUCTIVE = "destructive"


@dataclass(frozen=True, slots=True)
class Command:
    """One command of an action, exactly as it will run."""

    argv: Argv
    node: str
    """The node it runs on."""
    danger: Danger
    summary: str
    sim: tuple[Argv, ...] = ()
    """Raw-tool edits doing the same to a CIB file, for ``crm_simulate``; empty when not a CIB change."""
    timeout_s: float | None = None
    """How long the runner lets it run (a backup job); None: the cluster's command timeout."""
    watch: str | None = None
    """A snapshot (``vg/lv``) whose fill the runner's progress shows while the command runs."""

    @property
    def line(self) -> str:
        """The command as a shell line (every argument quoted), for the confirmation and the log."""
        return shlex.join(self.argv)

    @property
    def shown(self) -> str:
        """``line`` for people: a backup job's thousand-character wrapper script as
        ``<hatui-backup wrapper>`` (the log and the JSON keep the whole argv)."""
        from hatui.actions.backup_job import shown_words

        return shown_words(self.argv) or self.line


@dataclass(frozen=True, slots=True)
class Tools:
    """What a node runs, reduced to what the builders need."""

    shell: str = PACEMAKER
    drbd: str = "8.4"
    """``8.3`` (backend options after ``--``), ``8.4`` or ``9`` (``r:peer/vol`` addressing)."""
    vm: str = "xl"
    """``xm``, ``xl`` or ``virsh``."""
    sudo: bool = False
    caps: Capabilities = field(default=MODERN)
    """What the node's tools accept; a hand-built ``Tools()`` speaks to today's tools."""

    @property
    def moves_by_m(self) -> bool:
        """No ``--ban``/``--clear``: moves and bans are ``crm_resource -M``/``-U`` (``cli-standby-R``)."""
        return not self.caps.ban_clear

    @property
    def v1_0(self) -> bool:
        """Pacemaker 1.0: its own options (``-M``/``-U``), its crm shell's 1.0.9 grammar."""
        return self.caps.generation is Generation.V1_0


def tools_for(stack: StackInfo, *, shell: str = "auto", sudo: bool = False) -> Tools:
    """Reads ``Tools`` from a detected stack and the configured shell preference.

    ``auto`` means the raw Pacemaker tools: they exist wherever crm_mon does and their effect does
    not depend on a shell's version. On Pacemaker 1.0 with its crm shell installed, ``auto`` is
    that shell (1.0.9 grammar), the reference cluster's way of working. A preferred shell that the
    node lacks falls back to the raw tools.
    """
    caps = capabilities(stack)
    chosen = PACEMAKER
    wants_crm = shell == CRMSH or (shell == "auto" and caps.crm_shell == "crm-1.0")
    if wants_crm and caps.crm_shell is not None:
        chosen = CRMSH
    elif shell == PCS and caps.pcs:
        chosen = PCS
    return Tools(shell=chosen, drbd=drbd_flavour(stack), vm=stack.vm_tool or "xl", sudo=sudo, caps=caps)


def drbd_flavour(stack: StackInfo) -> str:
    """``8.3``, ``8.4`` or ``9``: which drbdadm syntax the node's DRBD speaks (``capabilities``' rule)."""
    return drbd_syntax(stack)


def checked(kind: str, name: str) -> str:
    """Returns ``name`` after checking that it can only ever be one plain argument.

    Raises:
        ActionRefused: empty, starting with ``-`` or holding control characters.
    """
    if not name or name.strip() != name:
        raise ActionRefused(f"refusing {kind} name {name!r}: empty or padded with spaces")
    if name.startswith("-"):
        raise ActionRefused(f"refusing {kind} name {name!r}: a leading '-' would be read as an option")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
        raise ActionRefused(f"refusing {kind} name {name!r}: it holds control characters")
    return name


def crm_name(kind: str, name: str) -> str:
    """``name`` as crmsh must receive it to read it back as one word: ``vm-web`` as is, ``a#b`` quoted.

    crmsh runs ``shlex.split(" ".join(add_quotes(argv)))``: ``add_quotes`` (on by default) wraps
    any argument holding a space in quotes, so a space cannot be quoted in a way that reads the same
    with the setting on and off. Resource ids are XML ids and cannot hold one anyway.

    Raises:
        ActionRefused: the name is not a checked name, or holds a space.
    """
    n = checked(kind, name)
    if " " in n:
        raise ActionRefused(
            f"refusing {kind} name {name!r} for crmsh: crm re-splits its arguments at spaces "
            "(use shell: pacemaker for this cluster)"
        )
    return shlex.quote(n)


def make(
    argv: Argv, node: str, danger: Danger, summary: str, tools: Tools, sim: tuple[Argv, ...] = ()
) -> Command:
    """A Command, with ``sudo -n`` in front when the node is reached as a non-root user."""
    full = ("sudo", "-n", *argv) if tools.sudo else argv
    return Command(full, checked("node", node), danger, summary, sim)
