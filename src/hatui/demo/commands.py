"""Provides the demo's command dispatcher: argv in, exit status and outputs out, like a shell.

Each generation has its own Pacemaker tools (``seed_tools`` for 1.0.9, ``cmd_pacemaker``/``cmd_attrs``
for 2.1.5) and programs (``cmd_system.has_program``). Only what an admin (or hatui) runs on a
cluster node is known; anything else exits 127 with
``command not found``, the way a shell answers. Wrappers a transport may put in front of a
command (``sudo -n``, ``timeout``, ``env VAR=...``) are peeled off first.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hatui.demo.cluster import DemoCluster


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one command did."""

    status: int
    stdout: str = ""
    stderr: str = ""


Handler = Callable[["DemoCluster", str, tuple[str, ...], str | None], Outcome]


def spec(*entries: str) -> dict[str, tuple[str, bool]]:
    """Builds a ``parse_opts`` spec from entries such as ``"r|resource="`` or ``"B|ban"``.

    A trailing ``=`` means the option takes a value; the first long name is the option's key.
    """
    out: dict[str, tuple[str, bool]] = {}
    for entry in entries:
        takes = entry.endswith("=")
        names = entry.rstrip("=").split("|")
        key = next(n for n in names if len(n) > 1)
        for name in names:
            out[("-" if len(name) == 1 else "--") + name] = (key, takes)
    return out


def parse_opts(
    args: tuple[str, ...], spec: dict[str, tuple[str, bool]]
) -> tuple[dict[str, str], list[str], str | None]:
    """Reads GNU-style options: ``spec`` maps ``-r``/``--resource`` to (key, takes a value).

    Returns the options by key (flags map to ``"1"``), the positional words and an error message
    (the unknown option) or None.
    """
    opts: dict[str, str] = {}
    words: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        i += 1
        if arg == "--":
            words.extend(args[i:])
            break
        if not arg.startswith("-") or arg == "-":
            words.append(arg)
            continue
        name, eq, inline = arg.partition("=") if arg.startswith("--") else (arg[:2], "", arg[2:])
        if name not in spec:
            return opts, words, f"Unknown option {name}"
        key, takes = spec[name]
        if not takes:
            opts[key] = "1"
            continue
        if eq or inline:
            opts[key] = inline
        elif i < len(args):
            opts[key] = args[i]
            i += 1
        else:
            return opts, words, f"Missing argument for {name}"
    return opts, words, None


def _peel(argv: tuple[str, ...]) -> tuple[str, ...]:
    while argv:
        prog = argv[0].rsplit("/", 1)[-1]
        if prog == "sudo":
            argv = tuple(a for a in argv[1:] if a not in ("-n", "--non-interactive"))
        elif prog == "timeout" and len(argv) > 2:
            rest = list(argv[1:])
            while rest and rest[0].startswith("-"):
                rest = rest[2:] if rest[0] in ("-k", "-s") else rest[1:]
            argv = tuple(rest[1:])
        elif prog == "env":
            rest = list(argv[1:])
            while rest and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=.*", rest[0]):
                rest.pop(0)
            argv = tuple(rest)
        else:
            return argv
    return argv


def not_found(prog: str) -> Outcome:
    """The shell's answer for a program this node does not have."""
    return Outcome(127, "", f"{prog}: command not found\n")


def execute(c: DemoCluster, node: str, argv: tuple[str, ...], stdin: str | None) -> Outcome:
    """Runs ``argv`` on ``node``."""
    from hatui.demo import cmd_attrs, cmd_pacemaker, cmd_system, seed_tools

    argv = _peel(argv)
    if not argv:
        return Outcome(0)
    pacemaker = (
        seed_tools.HANDLERS if c.generation == "seed" else {**cmd_pacemaker.HANDLERS, **cmd_attrs.HANDLERS}
    )
    handlers: dict[str, Handler] = {**pacemaker, **cmd_system.HANDLERS}
    prog = argv[0].rsplit("/", 1)[-1]
    handler = handlers.get(prog)
    if handler is None or not cmd_system.has_program(c, node, prog):
        return not_found(prog)
    return handler(c, node, argv[1:], stdin)
