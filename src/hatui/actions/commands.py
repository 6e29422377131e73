"""Provides the PURE builders of the Pacemaker commands, per shell the admin prefers.

Each builder returns a ``Command`` (``hatui.actions.command``, re-exported here with ``Tools``):
the exact argument list, the node it runs on, how dangerous it is and one line for people.
Pacemaker builders also carry ``sim``: the raw-tool edits that do the same to a CIB file
(``CIB_file=copy``), so that the preview can ask ``crm_simulate`` (or ``ptest`` on a 1.0 node)
what the change would do, whatever shell runs the real thing. On Pacemaker 1.0 (``Tools.v1_0``)
every builder sends the 1.0.9 form (``hatui.actions.commands_seed``) or refuses with the reason.

Shells (``Tools.shell``): ``pacemaker`` (raw ``crm_attribute``/``crm_resource``, present wherever
Pacemaker is), ``crmsh`` (``crm ...``) and ``pcs`` (0.10+ words; ``pcs node standby``). Names come
from the cluster and are never trusted: each is checked (no leading ``-``, which a tool would read
as an option, no control characters) and passed as ONE argv item, never through a shell. crmsh
needs more: it joins its arguments into one line and splits that again with ``shlex``, so a name
bound for ``crm`` goes through ``crm_name`` (quoted when not plain, refused when it holds a space,
which crmsh's ``add_quotes`` setting would wrap differently).
"""

from __future__ import annotations

from lxml import etree

from hatui.actions import commands_seed as seed
from hatui.actions.command import CRMSH as CRMSH
from hatui.actions.command import PACEMAKER as PACEMAKER
from hatui.actions.command import PCS as PCS
from hatui.actions.command import Argv as Argv
from hatui.actions.command import Command as Command
from hatui.actions.command import Danger as Danger
from hatui.actions.command import Tools as Tools
from hatui.actions.command import checked as checked
from hatui.actions.command import crm_name as crm_name
from hatui.actions.command import drbd_flavour as drbd_flavour
from hatui.actions.command import make as make
from hatui.actions.command import tools_for as tools_for
from hatui.errors import ActionRefused
from hatui.model.inflight import NO_SUCH_NODE, parse_marker

# -- nodes and cluster --------------------------------------------------------------------------


def node_standby(node: str, on: bool, *, run_on: str, tools: Tools) -> Command:
    """Puts ``node`` in standby (``on``) or back online."""
    n = checked("node", node)
    summary = f"put {n} in standby" if on else f"bring {n} back online (standby off)"
    if tools.v1_0:
        argv, sim = seed.standby(n, on, crm=crm_name("node", n) if tools.shell == CRMSH else None)
        return make(argv, run_on, Danger.CHANGE, summary, tools, (sim,))
    raw: Argv = ("crm_attribute", "-t", "nodes", "-N", n, "-n", "standby", "-v", "on" if on else "off")
    argv = raw
    if tools.shell == CRMSH:
        argv = ("crm", "node", "standby" if on else "online", crm_name("node", n))
    elif tools.shell == PCS:
        argv = ("pcs", "node", "standby" if on else "unstandby", n)
    return make(argv, run_on, Danger.CHANGE, summary, tools, (raw,))


def node_maintenance(node: str, on: bool, *, run_on: str, tools: Tools) -> Command:
    """Sets or clears the node's ``maintenance`` attribute (its resources become unmanaged).

    Raises:
        ActionRefused: the node's Pacemaker has no such attribute (1.0: it would be set and ignored).
    """
    n = checked("node", node)
    if not tools.caps.node_maintenance:
        raise ActionRefused(tools.caps.lacks("node_maintenance"))
    raw: Argv = (
        "crm_attribute",
        "-t",
        "nodes",
        "-N",
        n,
        "-n",
        "maintenance",
        "-v",
        "true" if on else "false",
    )
    argv = raw
    if tools.shell == CRMSH:
        argv = ("crm", "node", "maintenance" if on else "ready", crm_name("node", n))
    elif tools.shell == PCS:
        argv = ("pcs", "node", "maintenance" if on else "unmaintenance", n)
    summary = f"put {n} in maintenance" if on else f"take {n} out of maintenance"
    return make(argv, run_on, Danger.CHANGE, summary, tools, (raw,))


def cluster_maintenance(on: bool, *, run_on: str, tools: Tools) -> Command:
    """Sets the cluster-wide ``maintenance-mode`` property (nothing is managed while it is true)."""
    value = "true" if on else "false"
    raw: Argv = ("crm_attribute", "-t", "crm_config", "-n", "maintenance-mode", "-v", value)
    argv = {
        CRMSH: ("crm", "configure", "property", f"maintenance-mode={value}"),
        PCS: ("pcs", "property", "set", f"maintenance-mode={value}"),
    }.get(tools.shell, raw)
    summary = (
        "put the whole cluster in maintenance mode" if on else "take the cluster out of maintenance mode"
    )
    return make(argv, run_on, Danger.CHANGE, summary, tools, (raw,))


# -- resources ------------------------------------------------------------------------------------


def cleanup(resource: str | None, *, run_on: str, tools: Tools, node: str | None = None) -> Command:
    """Clears failures (and fail-counts) of one resource, or of every resource when None.

    Raises:
        ActionRefused: every resource at once on Pacemaker 1.0, whose cleanup needs ``-r``.
    """
    r = checked("resource", resource) if resource is not None else None
    n = checked("node", node) if node is not None else None
    if tools.v1_0:
        if r is None:
            raise ActionRefused("Pacemaker 1.0 cleans up one resource at a time: name the resource")
        crm = (crm_name("resource", r), crm_name("node", n) if n else None) if tools.shell == CRMSH else None
        sim = seed.cleanup_sim(r, n, _xq(r), _xq(n) if n else None)
        return make(
            seed.cleanup(r, n, crm=crm), run_on, Danger.CHANGE, f"clean up failures of {r}", tools, sim
        )
    raw: Argv = ("crm_resource", "--cleanup", *(("-r", r) if r else ()), *(("-N", n) if n else ()))
    if tools.shell == CRMSH:
        argv: Argv = (
            "crm",
            "resource",
            "cleanup",
            *((crm_name("resource", r),) if r else ()),
            *((crm_name("node", n),) if n else ()),
        )
    elif tools.shell == PCS:
        argv = ("pcs", "resource", "cleanup", *((r,) if r else ()), *((f"node={n}",) if n else ()))
    else:
        argv = raw
    what = f"failures of {r}" if r else "every failure in the cluster"
    return make(argv, run_on, Danger.CHANGE, f"clean up {what}", tools, _cleanup_sim(r, n))


def _cleanup_sim(resource: str | None, node: str | None) -> tuple[Argv, ...]:
    # crm_resource --cleanup segfaults with CIB_file (Pacemaker 2.1.5): delete what it would clear.
    where = f"//node_state[@uname={_xq(node)}]" if node else "//node_state"
    if resource is None:
        attrs = "starts-with(@name,'fail-count-') or starts-with(@name,'last-failure-')"
        op = "//lrm_rsc_op[contains(@id,'_last_failure_')]"
    else:
        attrs = (
            f"starts-with(@name,{_xq('fail-count-' + resource + '#')}) or "
            f"starts-with(@name,{_xq('last-failure-' + resource + '#')})"
        )
        op = f"//lrm_rsc_op[@id={_xq(resource + '_last_failure_0')}]"
    return (
        ("cibadmin", "-D", "--xpath", f"{where}//nvpair[{attrs}]"),
        ("cibadmin", "-D", "--xpath", f"{where}{op}"),
    )


def _xq(text: str) -> str:
    """An XPath string literal for ``text`` (XPath 1.0 has no escapes: concat() when both quotes occur)."""
    if "'" not in text:
        return f"'{text}'"
    if '"' not in text:
        return f'"{text}"'
    parts = text.split("'")
    return "concat(" + ', "\'", '.join(f"'{p}'" for p in parts) + ")"


def failcount_delete(resource: str, node: str, *, run_on: str, tools: Tools) -> Command:
    """Deletes the fail-count of ``resource`` on ``node``: ``crm_failcount -D -r R -N X`` everywhere.

    On 1.0 that deletes the ``fail-count-R`` attribute only (the failed operation stays listed);
    from 1.1.17 ``crm_failcount`` is a script whose ``-D`` runs ``crm_resource --cleanup -r R -N X``,
    which forgets the failures too. crmsh's ``failcount R delete X`` runs ``crm_failcount -D``; pcs
    0.10 dropped ``failcount reset`` ("``cleanup`` is doing exactly the same job") for ``cleanup``.
    """
    r, n = checked("resource", resource), checked("node", node)
    crm = (crm_name("resource", r), crm_name("node", n)) if tools.shell == CRMSH else None
    argv, sim = seed.failcount_delete(r, n, crm=crm)
    if tools.v1_0:
        sims: tuple[Argv, ...] = (sim,)
    else:
        # With CIB_file, 2.1.5's crm_failcount -D runs crm_resource --cleanup, which segfaults.
        sims = _cleanup_sim(r, n)
        if tools.shell == PCS:
            argv = ("pcs", "resource", "cleanup", r, f"node={n}")
    return make(argv, run_on, Danger.CHANGE, f"delete the fail-count of {r} on {n}", tools, sims)


def target_role(resource: str, started: bool, *, run_on: str, tools: Tools, danger: Danger) -> Command:
    """Starts (``target-role=Started``) or stops (``Stopped``) a resource."""
    r = checked("resource", resource)
    role = "Started" if started else "Stopped"
    raw: Argv = ("crm_resource", "-r", r, "--meta", "-p", "target-role", "-v", role)
    argv = raw
    if tools.shell == CRMSH:
        argv = ("crm", "resource", "start" if started else "stop", crm_name("resource", r))
    elif tools.shell == PCS:
        argv = ("pcs", "resource", "enable" if started else "disable", r)
    return make(argv, run_on, danger, f"{'start' if started else 'stop'} {r}", tools, (raw,))


def ban(resource: str, node: str, *, run_on: str, tools: Tools, runs_on: tuple[str, ...] = ()) -> Command:
    """Forbids ``resource`` on ``node`` (a ``cli-ban-R-on-N`` constraint at -INFINITY).

    ``runs_on``: where it runs now. On Pacemaker 1.0, a ban from the one node it runs on is
    ``crm_resource -M -r R`` (``cli-standby-R``, see ``ban_id``); any other is the XML by cibadmin.
    """
    r, n = checked("resource", resource), checked("node", node)
    if tools.moves_by_m:
        crm = tools.shell == CRMSH
        if runs_on == (n,):
            argv, sim = seed.ban_current(r, n, crm=crm_name("resource", r) if crm else None)
        else:
            argv, sim = seed.ban_other(
                r, n, crm=(crm_name("resource", r), crm_name("node", n)) if crm else None
            )
        return make(argv, run_on, Danger.CHANGE, f"ban {r} from {n}", tools, sim)
    raw: Argv = ("crm_resource", "--ban", "-r", r, "-N", n)
    argv = raw
    if tools.shell == CRMSH:
        argv = ("crm", "resource", "ban", crm_name("resource", r), crm_name("node", n))
    elif tools.shell == PCS:
        argv = ("pcs", "resource", "ban", r, n)
    return make(argv, run_on, Danger.CHANGE, f"ban {r} from {n}", tools, (raw,))


def ban_id(resource: str, node: str, *, tools: Tools, runs_on: tuple[str, ...] = ()) -> str:
    """The id of the constraint ``ban`` writes: ``cli-ban-R-on-N``, or 1.0's ``cli-standby-R``."""
    if tools.moves_by_m and runs_on == (node,):
        return f"{seed.STANDBY_PREFIX}{resource}"
    return f"{seed.BAN_PREFIX}{resource}-on-{node}"


def move_forced(resource: str, node: str, current: str, *, run_on: str, tools: Tools) -> Command:
    """Pacemaker 1.0's move: ``crm_resource -M -r R -N N -f`` (prefer N AND ban ``current``).

    Raw whatever the shell: the crm shell's ``migrate`` cannot pass ``-f``.
    """
    r, n, c = checked("resource", resource), checked("node", node), checked("node", current)
    argv, sim = seed.move_forced(r, n, c)
    return make(argv, run_on, Danger.CHANGE, f"prefer {n} for {r} and ban {c} (-M -f)", tools, sim)


def prefer(resource: str, node: str, *, run_on: str, tools: Tools) -> Command:
    """Adds ``cli-prefer-R`` (INFINITY on ``node``); alone, it moves nothing under stickiness INFINITY.

    pcs has no command that only adds this constraint on every version (0.11's ``move`` waits and
    removes it), so the pcs shell uses crm_resource here.
    """
    r, n = checked("resource", resource), checked("node", node)
    if tools.moves_by_m:
        # 1.0's -M -N without -f: the preference only (and cli-standby-R deleted).
        argv10: Argv = ("crm_resource", "-M", "-r", r, "-N", n)
        sim = (seed.delete(f"{seed.STANDBY_PREFIX}{r}"), seed.create(seed.prefer_xml(r, n)))
        return make(argv10, run_on, Danger.CHANGE, f"prefer {n} for {r}", tools, sim)
    raw: Argv = ("crm_resource", "--move", "-r", r, "-N", n)
    argv = raw
    if tools.shell == CRMSH:
        argv = ("crm", "resource", "move", crm_name("resource", r), crm_name("node", n))
    return make(argv, run_on, Danger.CHANGE, f"prefer {n} for {r}", tools, (raw,))


def clear(resource: str, *, run_on: str, tools: Tools, node: str | None = None) -> Command:
    """Removes the ``cli-prefer``/``cli-ban`` constraints of ``resource`` (on ``node`` only when given).

    On Pacemaker 1.0 this is ``crm_resource -U`` (``crm resource unmigrate``): it removes
    ``cli-prefer-R`` and ``cli-standby-R`` wherever they point; a ``cli-ban-R-on-N`` goes by id
    (``steer_remove``).
    """
    r = checked("resource", resource)
    n = checked("node", node) if node is not None else None
    if tools.moves_by_m:
        argv10, sim = seed.unmove(r, crm=crm_name("resource", r) if tools.shell == CRMSH else None)
        return make(argv10, run_on, Danger.CHANGE, f"clear the move constraints of {r} (-U)", tools, sim)
    raw: Argv = ("crm_resource", "--clear", "-r", r, *(("-N", n) if n else ()))
    if tools.shell == CRMSH and n is None:
        argv: Argv = ("crm", "resource", "clear", crm_name("resource", r))
    elif tools.shell == PCS:
        argv = ("pcs", "resource", "clear", r, *((n,) if n else ()))
    else:
        argv = raw
    where = f" on {n}" if n else ""
    return make(argv, run_on, Danger.CHANGE, f"clear the move/ban constraints of {r}{where}", tools, (raw,))


# -- the in-flight marker (see hatui.model.inflight) ---------------------------------------------
# Raw cibadmin on every shell: crmsh and pcs spell rules differently per version, while
# ``cibadmin -C -o constraints -X`` and ``cibadmin -D -o constraints -X`` exist unchanged from
# Pacemaker 1.0.9 to 2.x and write exactly the XML given (valid in the pacemaker-1.0 schema).


def marker_xml(marker: str, resource: str) -> str:
    """The marker constraint: a -INFINITY rule on a node name no node has, so placement-neutral."""
    m = _marker(marker)
    loc = etree.Element("rsc_location", id=m, rsc=checked("resource", resource))
    rule = etree.SubElement(loc, "rule", {"id": f"{m}-rule", "score": "-INFINITY", "boolean-op": "and"})
    etree.SubElement(
        rule,
        "expression",
        {"id": f"{m}-expr", "attribute": "#uname", "operation": "eq", "value": NO_SUCH_NODE},
    )
    return etree.tostring(loc, encoding="unicode")


def marker_add(marker: str, resource: str, *, run_on: str, tools: Tools) -> Command:
    """Writes the in-flight marker of an action on ``resource`` (first command of the action)."""
    argv: Argv = ("cibadmin", "-C", "-o", "constraints", "-X", marker_xml(marker, resource))
    return make(argv, run_on, Danger.CHANGE, f"mark {resource} as moved by hatui ({marker})", tools)


def marker_remove(marker: str, *, run_on: str, tools: Tools) -> Command:
    """Removes the in-flight marker (always run at the end: success, failure or cancel)."""
    xml = etree.tostring(etree.Element("rsc_location", id=_marker(marker)), encoding="unicode")
    argv: Argv = ("cibadmin", "-D", "-o", "constraints", "-X", xml)
    return make(argv, run_on, Danger.CHANGE, f"remove the in-flight marker {marker}", tools)


def steer_remove(cid: str, *, run_on: str, tools: Tools) -> Command:
    """Removes one ``cli-prefer``/``cli-ban`` constraint by id: a cancelled move or ban undoing itself.

    By id, not ``crm_resource --clear``: only what the action made goes, whatever the shell.
    """
    if not cid.startswith((seed.PREFER_PREFIX, seed.BAN_PREFIX, seed.STANDBY_PREFIX)):
        raise ActionRefused(f"refusing to remove {cid!r}: not a cli-prefer/cli-ban/cli-standby constraint")
    argv = seed.delete(checked("constraint", cid))
    return make(argv, run_on, Danger.CHANGE, f"remove {cid}", tools, (argv,))


def _marker(marker: str) -> str:
    if parse_marker(marker) is None:
        raise ActionRefused(f"refusing marker id {marker!r}: not a hatui in-flight marker")
    return marker


def why(resource: str, *, run_on: str, tools: Tools) -> Command:
    """``crm_resource --why``: the scheduler's reasons for where (and whether) a resource runs.

    Raises:
        ActionRefused: the node's crm_resource has no ``--why`` (Pacemaker 1.0: ``hatui.actions.why``).
    """
    r = checked("resource", resource)
    if not tools.caps.why:
        raise ActionRefused(tools.caps.lacks("why"))
    return make(
        ("crm_resource", "--why", "-r", r), run_on, Danger.READ, f"ask why {r} runs where it does", tools
    )


def get_meta(resource: str, name: str, *, run_on: str, tools: Tools) -> Command:
    """Reads one meta attribute of a resource (``allow-migrate``)."""
    r = checked("resource", resource)
    argv: Argv = ("crm_resource", "-r", r, "--meta", "-g", checked("attribute", name))
    return make(argv, run_on, Danger.READ, f"read {name} of {r}", tools)


def query_constraints(*, run_on: str, tools: Tools) -> Command:
    """The constraints section of the CIB (to see what a move or ban left behind)."""
    argv: Argv = ("cibadmin", "-Q", "--scope", "constraints")
    return make(argv, run_on, Danger.READ, "read the constraints", tools)


def query_cib(*, run_on: str, tools: Tools) -> Command:
    """The whole live CIB, for the preview."""
    return make(("cibadmin", "-Q"), run_on, Danger.READ, "read the CIB", tools)


def ring_reenable(*, run_on: str, tools: Tools) -> Command:
    """``corosync-cfgtool -r``: re-enables every FAULTY ring, cluster-wide (Corosync 1.x to 3)."""
    return make(
        ("corosync-cfgtool", "-r"), run_on, Danger.CHANGE, f"re-enable the faulty rings from {run_on}", tools
    )
