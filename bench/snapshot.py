"""Benchmark 1: snapshot latency against the commands admins type today.

Contenders, run interleaved (order shuffled every round, one warm-up round not counted), twice:
with the nodes' login shell as found, then with a lean one (see ``bench.fleet``: bash skipping
``~/.bashrc``, as a stock node's does); one-node commands are unaffected and run in both:

- ``hatui --once``: the whole cluster (every node, every layer) over SSH, a cold process as cron
  or an admin starts it, with hatui's stack cache warm (as every run after the first finds it) and
  emptied before each run (the first run on a machine: detection costs a second round trip);
- the floor (``bench/floor.py``): an asyncssh script that connects to every node in parallel and
  runs, in one exec per node, the commands hatui's poll sends, one after another;
- ``ssh node crm status`` and ``ssh node pcs status``: one node's status as an admin asks for it
  from their own machine;
- on one node, as an admin logged in there: ``crm_mon -1``, ``crm status`` (crmsh), ``pcs status``;
- the shell loop an admin writes: ``for n in nodes; do ssh $n crm_mon -1; ssh $n cat /proc/drbd;
  ssh $n xm list; done`` (and the same with the nodes in parallel, ``&`` + ``wait``).

"On one node" commands run through ``nsenter`` into the lab node (its cost is shown on its own
row, ``nsenter true``). For reference, ``hatui --version`` shows what starting the interpreter
costs, and ``collect_once`` in-process what the SSH part costs without it. Extra tables say where
``--once`` spends its time and what each command costs on the node.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import shlex
import shutil
import sys
from pathlib import Path
from typing import Any

import yaml

from bench import floor
from bench.common import Result, Target, hatui_argv, ms, run_child, stats
from bench.snapshot_breakdown import breakdown, in_process, node_side_costs, node_side_table
from bench.testbed import Testbed
from hatui.config import load_config
from hatui.sources.commands import commands_for
from hatui.sources.fanout import collect_once

HATUI = "hatui --once (3 nodes, all layers)"
HATUI_COLD = "hatui --once, stack cache emptied before each run"
FLOOR = "floor: asyncssh script, 3 nodes in parallel, one exec each (bench/floor.py)"
SSH_CRM = "ssh node crm status"
SSH_PCS = "ssh node pcs status"

FULL = {"rounds": 8}
QUICK = {"rounds": 1}


def _loop_script(bed: Testbed, parallel: bool) -> str:
    parts = []
    for node in bed.nodes:
        ssh = shlex.join(bed.ssh_argv(node))
        body = f"{ssh} crm_mon -1; {ssh} cat /proc/drbd; {ssh} xm list"
        parts.append(f"( {body} ) &" if parallel else body)
    return "\n".join([*parts, "wait"] if parallel else parts)


def contenders(bed: Testbed) -> dict[str, tuple[list[str], dict[str, str] | None, tuple[int, ...]]]:
    """name -> (argv, env, accepted exit codes). Every contender but ``true`` must print something."""
    env = bed.on_node_env
    one = _one_node_config(bed)
    first = bed.ssh_argv(bed.nodes[0])
    warm, cold = _cache_dirs(bed)
    once = hatui_argv("--once", "--config", str(bed.config_path))
    return {
        "hatui --once, first node only": (
            hatui_argv("--once", "--config", str(one)),
            _with_cache(warm),
            (0, 1, 2),
        ),
        HATUI: (once, _with_cache(warm), (0, 1, 2)),
        HATUI_COLD: (
            ["sh", "-c", f'rm -rf "$XDG_CACHE_HOME"/hatui; exec {shlex.join(once)}'],
            _with_cache(cold),
            (0, 1, 2),
        ),
        FLOOR: ([sys.executable, str(Path(floor.__file__)), str(_floor_spec(bed))], None, (0,)),
        SSH_CRM: ([*first, "crm", "status"], None, (0,)),
        SSH_PCS: ([*first, "pcs", "status"], None, (0,)),
        "crm_mon -1 (one node)": (bed.on_node(["crm_mon", "-1"]), env, (0,)),
        "crm status (one node, crmsh)": (bed.on_node(["crm", "status"]), env, (0,)),
        "pcs status (one node)": (bed.on_node(["pcs", "status"]), env, (0,)),
        "ssh loop (3 nodes x 3 commands)": (["sh", "-c", _loop_script(bed, False)], None, (0,)),
        "ssh loop, nodes in parallel": (["sh", "-c", _loop_script(bed, True)], None, (0,)),
        "nsenter true (one-node overhead)": (bed.on_node(["true"]), env, (0,)),
        "hatui --version (interpreter start)": (hatui_argv("--version"), None, (0,)),
    }


def _cache_dirs(bed: Testbed) -> tuple[Path, Path]:
    """``XDG_CACHE_HOME`` folders for the warm and the cold ``--once`` (beside the testbed's config,
    so they go with it): the warm one keeps hatui's stack cache from run to run, the cold one is
    emptied before each run."""
    warm, cold = bed.config_path.with_name("xdg-cache-warm"), bed.config_path.with_name("xdg-cache-cold")
    warm.mkdir(exist_ok=True)
    cold.mkdir(exist_ok=True)
    return warm, cold


def _with_cache(folder: Path) -> dict[str, str]:
    return {**os.environ, "XDG_CACHE_HOME": str(folder)}


def floor_command(bed: Testbed) -> str:
    """The shell line the floor script runs on every node: the commands hatui's poll sends for the
    first node's stack (``commands_for``, as hatui itself chooses them), one after the other."""
    cluster = load_config(bed.config_path).cluster()
    stack = asyncio.run(collect_once(cluster))[0].stack
    return "; ".join(shlex.join(argv) for argv in commands_for(stack).values())


def _floor_spec(bed: Testbed) -> Path:
    """The floor script's input: how to reach every node, and the command line."""
    cluster = load_config(bed.config_path).cluster()
    command = floor_command(bed)
    known = cluster.known_hosts
    specs = [
        {
            "host": n.host,
            "port": n.port,
            "user": n.user or "root",
            "key": n.identity_file,
            "known_hosts": known,
            "command": command,
        }
        for n in cluster.nodes
    ]
    path = bed.config_path.with_name("hatui-bench-floor.json")
    path.write_text(json.dumps(specs, indent=1))
    return path


def _one_node_config(bed: Testbed) -> Path:
    """The testbed's config with its first node only (beside it, removed with the testbed)."""
    data = yaml.safe_load(bed.config_path.read_text())
    for cluster in data["clusters"].values():
        cluster["nodes"] = cluster["nodes"][:1]
    path = bed.config_path.with_name("hatui-bench-one-node.yaml")
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


PCS = "pcs status (one node)"
LOOP = "ssh loop (3 nodes x 3 commands)"
#: The cluster tool each one-node comparison needs. pcs and crmsh are optional on a node (Debian
#: packages them apart from Pacemaker), so a machine without one drops that row instead of failing.
TOOLS = {"crm_mon -1 (one node)": "crm_mon", "crm status (one node, crmsh)": "crm", PCS: "pcs"}


Contender = tuple[list[str], dict[str, str] | None, tuple[int, ...]]
#: (label, lean shell): the nodes' shell as the testbed comes, then a stock-like one (see bench.fleet).
PHASES = (("shell as found", False), ("lean shell", True))


def _rounds(usable: dict[str, Contender], rounds: int) -> tuple[dict[str, list[float]], dict[str, int]]:
    times: dict[str, list[float]] = {n: [] for n in usable}
    failures: dict[str, int] = dict.fromkeys(usable, 0)
    for _ in range(rounds):
        order = list(usable)
        random.shuffle(order)
        for name in order:
            argv, env, ok = usable[name]
            r = run_child(argv, env=env, timeout=60)
            if r.returncode in ok:
                times[name].append(r.wall_s)
            else:
                failures[name] += 1
    return times, failures


def drop_missing_tools(cands: dict[str, Contender]) -> tuple[dict[str, Contender], dict[str, str]]:
    """The contenders whose tool is installed, and why each other one was dropped."""
    kept: dict[str, Contender] = {}
    dropped: dict[str, str] = {}
    for name, (argv, env, ok) in cands.items():
        tool = TOOLS.get(name)
        path = (env if env is not None else os.environ).get("PATH", os.defpath)
        if tool is not None and shutil.which(tool, path=path) is None:
            dropped[name] = f"{tool} is not installed (not on PATH={path})"
        else:
            kept[name] = (argv, env, ok)
    return kept, dropped


def _validate(cands: dict[str, Contender]) -> tuple[dict[str, Contender], dict[str, str]]:
    """Runs each contender once (its warm-up); keeps those that work, says why the others do not."""
    usable: dict[str, Contender] = {}
    skipped: dict[str, str] = {}
    for name, (argv, env, ok) in cands.items():
        try:
            r = run_child(argv, env=env, timeout=60)
        except OSError as exc:  # the program itself is missing: drop the row, keep the benchmark
            skipped[name] = f"cannot run {argv[0]}: {exc.strerror or exc}"
            continue
        if r.returncode in ok and (r.stdout.strip() or argv[-1] == "true"):
            usable[name] = (argv, env, ok)
        else:
            said = (r.stderr.strip() or r.stdout.strip() or "no output").splitlines()[0]
            skipped[name] = f"exit {r.returncode}: {said[:200]}"
    return usable, skipped


def run(params: dict[str, Any], bed: Testbed) -> Result:
    result = Result("snapshot", f"1. Snapshot latency ({bed.kind}: {bed.description})", params)
    all_cands = contenders(bed)
    cands, dropped = drop_missing_tools(all_cands)
    for name, why in dropped.items():
        note = f"dropped comparison '{name}': {why}"
        result.notes.append(note)
        print(f"snapshot: {note}", flush=True)
    phases = [p for p in PHASES if not p[1] or bed.set_lean_shell is not None]
    raw: dict[str, Any] = {
        "testbed": bed.kind,
        "argv": {n: c[0] for n, c in all_cands.items()},
        "dropped": dropped,
        "phases": {},
    }
    med: dict[str, dict[str, float]] = {}
    skipped: dict[str, str] = {}
    for label, lean in phases:
        if bed.set_lean_shell is not None and bed.lean_shell != lean:
            bed.set_lean_shell(lean)
        usable, skipped = _validate(cands)
        skipped.update({n: f"dropped: {why}" for n, why in dropped.items()})
        times, failures = _rounds(usable, params["rounds"])
        inproc, timelines, one_cmd = in_process(bed, max(1, params["rounds"] // 2))
        times["hatui collect_once in-process (no interpreter start)"] = inproc
        med[label] = {n: stats(t)["median"] for n, t in times.items() if t}
        raw["phases"][label] = {
            "times_s": times,
            "failures": failures,
            "skipped": skipped,
            "collect_once_timelines": timelines,
            "remote_true_s": one_cmd,
        }
        interpreter_s = med[label].get("hatui --version (interpreter start)")
        title, headers, rows = breakdown(timelines, interpreter_s, one_cmd)
        result.extra_tables.append((f"{title}, {label}", headers, rows))
        _targets(result, med[label], skipped, label)
    names = [*all_cands, "hatui collect_once in-process (no interpreter start)"]
    result.headers = ["command"]
    for label, _lean in phases:
        result.headers += [f"median, {label}", "vs hatui --once"]
    last_times = raw["phases"][phases[-1][0]]["times_s"]
    result.headers += [f"min-max, {phases[-1][0]}", "runs"]
    for name in names:
        row = [name]
        for label, _lean in phases:
            m, base = med[label].get(name), med[label].get(HATUI)
            row += [ms(m) if m is not None else "not measured", f"{m / base:.2f}x" if m and base else ""]
        t = last_times.get(name) or []
        row += [f"{ms(min(t))}-{ms(max(t))}" if t else skipped.get(name, "")[:50], str(len(t))]
        result.rows.append(row)
    costs = node_side_costs(bed)
    raw["node_side_costs_s"] = costs
    result.extra_tables.append(node_side_table(costs, phases[-1][0]))
    result.summary = {"median_s": med}
    result.raw = raw
    result.notes.extend(bed.notes)
    result.notes.append(
        f"{params['rounds']} interleaved rounds per shell after one warm-up run of each; hatui --once is a "
        "new process each time (interpreter start, imports, SSH connect, one batch per node when the stack "
        "cache matches, else a detection batch and a poll batch, text output); 'stack cache emptied' "
        "runs it under sh -c 'rm -rf $XDG_CACHE_HOME/hatui; exec hatui ...' (sh adds about a ms)."
    )
    result.notes.append(
        "Shell as found: bash, run by sshd, reads root's ~/.bashrc for every command; its cost is the "
        "row 'one remote command `true`'. Lean shell: the nodes' sshd sets SHLVL=1 so bash skips it, "
        "as a stock Debian .bashrc (which returns at once when not interactive) would. One-node "
        "commands run through nsenter, not ssh, and pay neither."
    )
    return result


def _targets(result: Result, med: dict[str, float], skipped: dict[str, str], label: str) -> None:
    base = med.get(HATUI)
    for name, cold in ((HATUI, False), (HATUI_COLD, True)):
        mine = med.get(name)
        kind = "stack cache emptied" if cold else "stack cache warm"
        if mine and FLOOR in med:
            result.targets.append(
                Target(
                    f"vs-floor ({kind}, {label})",
                    "hatui --once <= 1.15x the asyncssh floor script",
                    f"{ms(mine)} vs {ms(med[FLOOR])} ({mine / med[FLOOR]:.2f}x)",
                    mine <= 1.15 * med[FLOOR],
                )
            )
        if mine and SSH_CRM in med:
            result.targets.append(
                Target(
                    f"vs-ssh-crm-status ({kind}, {label})",
                    "hatui --once (whole cluster) no slower than ssh node crm status",
                    f"{ms(mine)} vs {ms(med[SSH_CRM])} ({mine / med[SSH_CRM]:.2f}x)",
                    mine <= med[SSH_CRM],
                )
            )
    if base and PCS in med:
        result.targets.append(
            Target(
                f"vs-pcs-status ({label})",
                "hatui --once (whole cluster) no slower than pcs status on one node",
                f"{ms(base)} vs {ms(med[PCS])} ({base / med[PCS]:.2f}x)",
                base <= med[PCS],
            )
        )
    else:
        result.targets.append(
            Target(
                f"vs-pcs-status ({label})",
                "no slower than pcs status",
                skipped.get(PCS, "not measured"),
                None,
            )
        )
    if base and LOOP in med:
        result.targets.append(
            Target(
                f"vs-ssh-loop ({label})",
                "at least 3x faster than the ssh loop",
                f"loop {ms(med[LOOP])} / hatui {ms(base)} = {med[LOOP] / base:.2f}x",
                med[LOOP] / base >= 3.0,
            )
        )
