"""Provides the option reading of the seed demo's Pacemaker 1.0.9 tools: GNU getopt on their own tables.

Each tool's table is read from its real ``--help`` text (``data/<tool>-1.0.9-help.txt``, captured
from the seed-lab build), plus the options its source hides from the help (``HIDDEN``), so the demo
accepts exactly what the binary accepts. What it does not accept is answered as 1.0.9 answers it:
``crm_resource: unrecognized option '--ban'`` (or ``invalid option -- 'y'``), the help text, all on
stderr, exit status 1.
"""

from __future__ import annotations

import re
from functools import cache

from hatui.demo.commands import Outcome

#: Options each tool's source marks hidden (not in ``--help``): (short, long, takes a value).
HIDDEN: dict[str, tuple[tuple[str, str, bool], ...]] = {
    "crm_resource": (
        ("c", "list-cts", False),
        ("G", "get-property", True),
        ("S", "set-property", True),
        ("x", "xml-file", True),
        ("H", "host-uname", True),
        ("M", "migrate", False),
        ("U", "un-migrate", False),
    ),
    "crm_mon": (("x", "xml-file", True),),
    "crm_attribute": (("U", "uname", True), ("u", "uuid", True), ("Q", "quiet", False)),
    "cibadmin": (("o", "obj_type", True), ("h", "host", True)),
}
#: Hidden long names that are another name of a listed option (they set the listed one's key).
#: The short-option strings the tools hand getopt (their sources' ``crm_set_options`` calls); they
#: differ from the long table here and there: ptest's ``-X`` reads stdin, ``--xml-text`` takes a value.
SHORT = {
    "crm_resource": "V?$LRQxDCPp:WMUr:H:h:v:t:p:g:d:i:s:G:S:fx:lmu:FOocqN:aA",
    "crm_mon": "V?$i:nrh:dp:s1wx:oftNS:T:F:H:P:E:e:",
    "cibadmin": "V?$o:QDUCEX:t:Srwlsh:MmBfbRx:pP5N:A:uncd",
    "crm_attribute": "V?$GDQqN:U:u:s:n:v:l:t:i:!r:d:",
    "ptest": "V?$XD:G:I:Lwx:d:aSs",
    "crm_node": "?V$qepHR:ifl",
}
ALIASES = {
    "migrate": "move",
    "un-migrate": "un-move",
    "host-uname": "node",
    "uname": "node",
    "obj_type": "scope",
}

_HELP_LINE = re.compile(r"^ -(?P<short>\S), --(?P<long>[\w-]+)(?P<value>=value)?")


@cache
def option_table(tool: str) -> dict[str, tuple[str, bool]]:
    """``-r``/``--resource`` -> (key, takes a value) for ``tool``; the key is the long name."""
    from hatui.demo.seed_mon import help_text

    longs: dict[str, tuple[str, bool]] = {}
    key_of: dict[str, str] = {}
    for line in help_text(tool).splitlines():
        m = _HELP_LINE.match(line)
        if m:
            longs[f"--{m.group('long')}"] = (m.group("long"), m.group("value") is not None)
            key_of.setdefault(m.group("short"), m.group("long"))
    for short, long, takes in HIDDEN.get(tool, ()):
        key = ALIASES.get(long, long)
        longs[f"--{long}"] = (key, takes)
        key_of.setdefault(short, key)
    table = dict(longs)
    letters = SHORT.get(tool, "")
    for pos, char in enumerate(letters):
        if char != ":" and f"-{char}" not in table:
            takes = pos + 1 < len(letters) and letters[pos + 1] == ":"
            table[f"-{char}"] = (key_of.get(char, char), takes)
    return table


def usage_error(tool: str, message: str) -> Outcome:
    """What a 1.0.9 tool prints for an option it does not know: the message, then its help."""
    from hatui.demo.seed_mon import help_text

    return Outcome(1, "", f"{tool}: {message}\n{help_text(tool)}")


def parse10(tool: str, args: tuple[str, ...]) -> tuple[dict[str, str], Outcome | None]:
    """Reads ``args`` as ``tool``'s getopt_long does; positional words go under ``"_words"`` (tab-joined).

    Returns the options by long name (flags map to ``"1"``, repeated ``-V`` counts up) and the
    error outcome, or None.
    """
    table = option_table(tool)
    opts: dict[str, str] = {}
    words: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        i += 1
        if arg == "--":
            words.extend(args[i:])
            break
        if arg.startswith("--"):
            name, eq, inline = arg.partition("=")
            if name not in table:
                return opts, usage_error(tool, f"unrecognized option '{name}'")
            key, takes = table[name]
            if not takes:
                if eq:
                    return opts, usage_error(tool, f"option '{name}' doesn't allow an argument")
                opts[key] = "1"
            elif eq:
                opts[key] = inline
            elif i < len(args):
                opts[key], i = args[i], i + 1
            else:
                return opts, usage_error(tool, f"option '{name}' requires an argument")
            continue
        if not arg.startswith("-") or arg == "-":
            words.append(arg)
            continue
        for pos in range(1, len(arg)):
            name = f"-{arg[pos]}"
            if name not in table:
                return opts, usage_error(tool, f"invalid option -- '{arg[pos]}'")
            key, takes = table[name]
            if not takes:
                opts[key] = str(int(opts.get(key, "0")) + 1) if key == "verbose" else "1"
                continue
            if pos + 1 < len(arg):
                opts[key] = arg[pos + 1 :]
            elif i < len(args):
                opts[key], i = args[i], i + 1
            else:
                return opts, usage_error(tool, f"option requires an argument -- '{arg[pos]}'")
            break
    if words:
        opts["_words"] = "\t".join(words)
    return opts, None


def help_or_version(tool: str, opts: dict[str, str]) -> Outcome | None:
    """``--help`` (the real text) or ``--version`` (crm_help's line), as every 1.0.9 tool answers them."""
    from hatui.demo.seed_mon import help_text

    if "help" in opts:
        return Outcome(0, help_text(tool))
    if "version" in opts:
        build = "74392a28b7f31d7ddc86689598bd23114f58978b"
        return Outcome(
            0, f"{tool} 1.0.9 for OpenAIS and Heartbeat (Build: {build})\n\nWritten by Andrew Beekhof\n"
        )
    return None
