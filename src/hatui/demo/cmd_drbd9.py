"""Provides the modern demo's ``drbdadm`` and ``drbdsetup`` as drbd-utils 9.22 with a 9.2 module behave.

drbdadm 9 takes a command's options after the command (``primary --force r0``, ``connect
--discard-my-data r0:peer``) and addresses one connection or volume as ``r0:peer``, ``r0/0`` or
``r0:peer/0``. Its checks and messages are the real ones (run against drbd-utils 9.22): an option the
command does not know is ``unrecognized`` (exit 1), so 8.3's ``primary --overwrite-data-of-peer``
fails; an option given the 8.3 way, between ``--`` and the command, is silently dropped when the
command does not know it, so ``drbdadm -- --overwrite-data-of-peer primary r0`` runs a plain
``drbdsetup primary r0`` that the kernel refuses without UpToDate data. Kernel refusals are printed
as drbdsetup 9 prints them (``r0: State change failed: (-2) Need access to UpToDate data``, exit 17),
followed by drbdadm's ``Command 'drbdsetup primary r0' terminated with exit code 17``.
``-d``/``--dry-run`` prints the drbdsetup calls instead of making them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from hatui.demo import drbd_sim, render_drbd9
from hatui.demo.commands import Handler, Outcome
from hatui.demo.render_drbd9_status import status_text

if TYPE_CHECKING:
    from hatui.demo.cluster import DemoCluster

#: Commands that act on a whole resource: ``r/0`` is refused.
WHOLE = frozenset({"up", "down", "primary", "secondary", "connect", "disconnect", "cstate", "status", "role"})
#: Commands that take a volume (``r/0``), or every volume.
PER_VOLUME = frozenset({"invalidate", "verify", "pause-sync", "resume-sync", "dstate", "adjust"})
#: The ``common { net { ... } }`` options of the demo's drbd.conf (see ``render_drbd9.drbdadm_dump``).
COMMON_NET = ("--protocol=C", "--verify-alg=sha1")
#: Each command's own options, as ``drbdadm CMD`` (no resource) lists them; ``=`` takes a value.
OPTIONS: dict[str, tuple[str, ...]] = {
    "connect": ("tentative", "discard-my-data"),
    "disconnect": ("force",),
    "primary": ("force",),
    "secondary": ("force",),
    "invalidate": ("force", "sync-from-peer-node-id=", "reset-bitmap"),
    "verify": ("start=", "stop="),
    "dstate": ("force",),
    "adjust": ("skip-disk", "skip-net", "tentative", "discard-my-data"),
}
_GENERAL = (
    ("--stacked, -S", "-S", "--stacked"),
    ("--dry-run, -d", "-d", "--dry-run"),
    ("--verbose, -v", "-v", "--verbose"),
    ("--config-file=..., -c ...", "-c", "--config-file"),
    ("--config-to-test=..., -t ...", "", ""),
    ("--config-to-exclude=..., -E ...", "", ""),
    ("--drbdsetup=..., -s ...", "", ""),
    ("--drbdmeta=..., -m ...", "", ""),
    ("--drbd-proxy-ctl=..., -p ...", "", ""),
    ("--sh-varname=..., -n ...", "", ""),
    ("--version, -V", "-V", "--version"),
    ("--setup-option=..., -W ...", "", ""),
    ("--help, -h", "", ""),
)


def _unrecognized(option: str) -> Outcome:
    return Outcome(1, "", f"drbdadm: unrecognized option '{option}'\ntry 'drbdadm help'\n")


def _usage(command: str | None) -> Outcome:
    """drbdadm's usage on stdout, exit 1: of one command, or (no command) of drbdadm itself."""
    lines = [
        "",
        f"USAGE: drbdadm {command or 'COMMAND'} [OPTION...] {{all|RESOURCE...}}",
        "",
        "GENERAL OPTIONS:",
    ]
    lines += [f"  {text}" for text, _, _ in _GENERAL]
    if command is None:
        # The real list holds every drbdadm command in two columns; the demo's, those it answers.
        lines += ["", "COMMANDS:", *(f" {name}" for name in sorted(WHOLE | PER_VOLUME | {"dump"}))]
    elif command in OPTIONS:
        lines += ["", f"OPTIONS FOR {command}:"]
        lines += [f"  --{o[:-1]}=..." if o.endswith("=") else f"  --{o}[=...]" for o in OPTIONS[command]]
    lines += ["", f"Version: {render_drbd9.UTILS_VERSION} (api:2)", render_drbd9.UTILS_BUILDTAG, ""]
    lines += ["No command specified" if command is None else "No resource names specified", ""]
    return Outcome(1, "\n".join(lines))


def _known(command: str, option: str) -> bool:
    name, eq, _ = option.removeprefix("--").partition("=")
    for known in OPTIONS.get(command, ()):
        if known.endswith("="):
            if name == known[:-1] and eq:
                return True
        elif name == known:
            return True
    return False


def _general(option: str) -> bool:
    name = option.partition("=")[0]
    return any(name in (short, long) for _, short, long in _GENERAL if short)


def drbdadm(c: DemoCluster, node: str, args: tuple[str, ...], stdin: str | None) -> Outcome:
    """``drbdadm [general options] [-- backend options] COMMAND [options] {all|RESOURCE...}``."""
    words = list(args)
    backend: list[str] = []
    dry = False
    while words and words[0].startswith("-"):
        opt = words.pop(0)
        if opt in ("-V", "--version"):
            return Outcome(0, render_drbd9.drbdadm_version())
        if opt == "--":
            while words and words[0].startswith("-"):
                backend.append(words.pop(0))
            break
        if opt in ("-c", "--config-file") and words:
            words.pop(0)
        elif not _general(opt):
            return _unrecognized(opt)
        dry = dry or opt in ("-d", "--dry-run")
    if not words:
        return _usage(None)
    command, rest = words[0], words[1:]
    if command != "dump" and command not in WHOLE | PER_VOLUME:
        return Outcome(1, "", f"drbdadm: Unknown command '{command}'\n")
    options = [o for o in backend if _known(command, o)]  # 8.3-style options it does not know: dropped
    names: list[str] = []
    while rest:
        word = rest.pop(0)
        if word in ("-c", "--config-file") and rest:
            rest.pop(0)
        elif not word.startswith("-"):
            names.append(word)
        elif _known(command, word):
            options.append(word)
        elif _general(word):
            dry = dry or word in ("-d", "--dry-run")
        else:
            return _unrecognized(word)
    if command == "dump":
        return Outcome(0, render_drbd9.drbdadm_dump(c, node))
    if not names and command != "status":
        return _usage(command)
    if command == "status" and names in ([], ["all"]):
        if dry:
            return Outcome(0, "drbdsetup status\n")
        return Outcome(0, status_text(render_drbd9.resource_views(c, node)))
    # "all" goes through the configuration, whose resources drbdadm dump lists by name.
    targets = sorted(d.name for d in c.topo.disks) if names == ["all"] else names
    out, err, status = "", "", 0
    for word in targets:
        target = _address(c, node, command, word)
        if isinstance(target, Outcome):
            return Outcome(target.status, out, err + target.stderr)
        setup = _setup_argv(c, command, target, options)
        if dry:
            out += "".join(" ".join(argv) + "\n" for argv in [*setup, *_fallback(c, command, target)])
            continue
        res = _run(c, node, command, target, options)
        if res.status >= 10:
            # The call that fails: new-minor when the resource is up already, else the last one.
            failed = setup[1] if command == "up" else setup[-1]
            res = Outcome(
                res.status,
                res.stdout,
                res.stderr + f"Command '{' '.join(failed)}' terminated with exit code {res.status}\n",
            )
        out, err, status = out + res.stdout, err + res.stderr, max(status, res.status)
    if not dry:
        c.changed()
    return Outcome(status, out, err)


@dataclass(frozen=True, slots=True)
class _Target:
    resource: str
    peer: str
    volume: int | None
    named_peer: bool


def _address(c: DemoCluster, node: str, command: str, word: str) -> _Target | Outcome:
    """Reads ``r``, ``r:peer``, ``r/vol`` or ``r:peer/vol`` as drbdadm 9 does, with its refusals."""
    head, slash, vol = word.partition("/")
    resource, colon, peer = head.partition(":")
    if resource not in c.drbd:
        return Outcome(1, "", f"'{word}' not defined in your config (for this host).\n")
    other = drbd_sim.peer_of(c, node)
    if colon and peer != other:
        return Outcome(1, "", f"Not a valid connection ({head}) for this host\n")
    volume = int(vol) if slash and vol.isdigit() else None
    if slash and volume != 0:
        return Outcome(1, "", f"Resource '{resource}' has no volume {vol}\n")
    if slash and command in WHOLE:
        return Outcome(
            1, "", f"{command} operates on whole resources, but you specified a specific volume!\n"
        )
    return _Target(resource, other, volume, bool(colon))


def _setup_argv(c: DemoCluster, command: str, t: _Target, options: list[str]) -> list[tuple[str, ...]]:
    """The drbdsetup (and drbdmeta) calls drbdadm makes for ``command``, in order."""
    r, peer_id = t.resource, str(render_drbd9.node_id(c, t.peer))
    minor = str(c.disk_def(r).minor)
    if command in ("up", "adjust"):
        disk = c.disk_def(r)
        me = next(n for n in c.topo.drbd_nodes if n != t.peer)
        addr = {n: ndef.ring0 for n in (me, t.peer) if (ndef := c.topo.node(n)) is not None}
        dev = f"/dev/{disk.vg}/{r}"
        return [
            ("drbdsetup", "new-resource", r, str(render_drbd9.node_id(c, me))),
            ("drbdsetup", "new-minor", r, minor, "0"),
            ("drbdsetup", "new-peer", r, peer_id, f"--_name={t.peer}", *COMMON_NET),
            (
                "drbdsetup",
                "new-path",
                r,
                peer_id,
                f"ipv4:{addr[me]}:{disk.port}",
                f"ipv4:{addr[t.peer]}:{disk.port}",
            ),
            ("drbdmeta", minor, "v09", dev, "internal", "apply-al"),
            ("drbdsetup", "attach", minor, dev, dev, "internal"),
            ("drbdsetup", "connect", r, peer_id, *options),
        ]
    if command in ("connect", "disconnect", "cstate"):
        return [("drbdsetup", command, r, peer_id, *options)]
    if command in ("verify", "pause-sync", "resume-sync"):
        return [("drbdsetup", command, r, peer_id, "0", *options)]
    if command == "invalidate":
        source = (f"--sync-from-peer-node-id={peer_id}",) if t.named_peer else ()
        return [("drbdsetup", "invalidate", minor, *options, *source)]
    if command == "dstate":
        return [("drbdsetup", "dstate", minor)]
    return [("drbdsetup", command, r, *options)]


def _fallback(c: DemoCluster, command: str, t: _Target) -> list[tuple[str, ...]]:
    """What drbdadm runs when drbdsetup cannot (no module, no device): drbdmeta on the disk.

    Only a dry run shows it: on a demo node drbdsetup always answers.
    """
    if command not in ("invalidate", "dstate"):
        return []
    disk = c.disk_def(t.resource)
    return [("drbdmeta", str(disk.minor), "v09", f"/dev/{disk.vg}/{disk.name}", "internal", command)]


def _fail(obj: str, message: str, code: int) -> Outcome:
    return Outcome(code, "", f"{obj}: {message}\n")


def _run(c: DemoCluster, node: str, command: str, t: _Target, options: list[str]) -> Outcome:
    r = t.resource
    rt = c.drbd[r]
    side = rt.sides[node]
    minor = str(c.disk_def(r).minor)
    if command == "up" and side.up:
        return _fail(r, "Failure: (161) Minor or volume exists already (delete it first)", 10)
    if not side.up and command not in ("up", "adjust"):
        missing = {"role": "Unknown resource", "cstate": "No such connection", "status": "No such resource"}
        if command in missing:
            return _fail(r, missing[command], 10)
        if command in ("dstate", "invalidate"):
            return _fail(
                minor,
                "No such device" if command == "dstate" else "Failure: (127) Device minor not allocated",
                10,
            )
        return _fail(r, "Failure: (158) Unknown resource", 10)
    if command in ("status", "role", "cstate", "dstate"):
        view = render_drbd9.resource_view(c, rt, node)
        return Outcome(
            0,
            {
                "status": status_text([view]),
                "role": f"{view.role}\n",
                "cstate": f"{view.peer.connection}\n",
                "dstate": f"{view.disk}/{view.peer.disk}\n",
            }[command],
        )
    opts = {o.partition("=")[0] for o in options}
    refusal = drbd_sim.admin(
        c, node, r, command, force="--force" in opts, discard="--discard-my-data" in opts
    )
    if refusal is None:
        return Outcome(0)
    # drbdsetup 9 names the object it was given: the minor for invalidate, else the resource.
    return _fail(minor if command == "invalidate" else r, refusal.message, refusal.exit_status)


# -- drbdsetup ------------------------------------------------------------------------------------

_SETUP_COMMANDS = ("status", "role", "cstate", "dstate")


def _setup_usage(addinfo: str | None) -> Outcome:
    # The real banner lists every drbdsetup command; the demo's lists the ones it answers.
    text = "drbdsetup - Configure the DRBD kernel module.\n\n"
    text += "USAGE: drbdsetup command {arguments} [options]\n\nCommands:\n"
    text += "".join(f" {name}\n" for name in _SETUP_COMMANDS)
    text += "\nUse 'drbdsetup help command' for command-specific help.\n\n"
    if addinfo:
        text += f"\n{addinfo}\n"
    return Outcome(20, text)


def drbdsetup(c: DemoCluster, node: str, args: tuple[str, ...], stdin: str | None) -> Outcome:
    """``drbdsetup status [RES|all] [--json|--verbose|--statistics]``, ``role RES``, ``cstate RES PEER_ID``,
    ``dstate MINOR``."""
    if not args or args[0] not in _SETUP_COMMANDS:
        return _setup_usage("invalid command" if args else None)
    command, words = args[0], [a for a in args[1:] if not a.startswith("-")]
    options = [a for a in args[1:] if a.startswith("-")]
    allowed = {"status": ("--json", "--color", "--verbose", "--statistics", "-j", "-c", "-v", "-s")}
    for opt in options:
        if opt.partition("=")[0] not in allowed.get(command, ()):
            return Outcome(20, _setup_usage(None).stdout, f"{command}: unrecognized option '{opt}'\n")
    views = {v.name: v for v in render_drbd9.resource_views(c, node)}
    if command == "status":
        name = words[0] if words else "all"
        if name != "all" and name not in views:
            return Outcome(10, "", f"{name}: No such resource\n")
        chosen = list(views.values()) if name == "all" else [views[name]]
        as_json = any(o in ("--json", "-j") for o in options)
        if as_json:
            return Outcome(0, render_drbd9.status_json(chosen))
        verbose = any(o in ("--verbose", "-v") for o in options)
        statistics = any(o in ("--statistics", "-s") for o in options)
        return Outcome(0, status_text(chosen, verbose=verbose, statistics=statistics))
    if not words:
        return Outcome(20, "", "Missing argument 1 to command\n")
    if command == "dstate":
        view = next((v for v in views.values() if str(v.minor) == words[0]), None)
        if view is None:
            return Outcome(10, "", f"{words[0]}: No such device\n")
        return Outcome(0, f"{view.disk}/{view.peer.disk}\n")
    view = views.get(words[0])
    if view is None:
        return Outcome(
            10, "", f"{words[0]}: {'Unknown resource' if command == 'role' else 'No such connection'}\n"
        )
    if command == "role":
        return Outcome(0, f"{view.role}\n")
    if len(words) < 2 or words[1] != str(view.peer.node_id):
        return Outcome(10, "", f"{words[0]}: No such connection\n")
    return Outcome(0, f"{view.peer.connection}\n")


HANDLERS: dict[str, Handler] = {"drbdadm": drbdadm, "drbdsetup": drbdsetup}
