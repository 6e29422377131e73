"""Provides ``backup_job``: the site's backup command wrapped so that the node itself enforces the
time limit and the snapshot's fill level, whatever happens to hatui or its connection meanwhile.

The wrapper is a POSIX ``sh`` script passed as ``sh -c SCRIPT hatui-backup SNAP DEVICE LIMIT_S WARN
INTERVAL_S VM NODE STAMP COMMAND``: the words stay positional parameters, so no name from the cluster
and nothing of the site's command is ever re-read by a shell except the command itself, which is
the site's shell line by design. The script exports ``HATUI_SNAPSHOT`` (``vg/snap``), ``HATUI_DEVICE``
(``/dev/vg/snap``), ``HATUI_VM``, ``HATUI_NODE``, ``HATUI_STAMP`` (``YYYYmmddTHHMMSS``, UTC) and
``HATUI_LV`` (the origin LV's name: one VM has several disks, so outputs are best named after it),
then runs the command in the background in its own session (``setsid``: its pipeline is one process
group, killed as a whole) and every second looks at it:

- the command ended: the wrapper exits with its status;
- ``LIMIT_S`` seconds have passed: the command's process group is stopped (TERM, KILL after 10 s),
  ``hatui-backup: time limit of LIMIT_Ss reached: job stopped`` goes to stderr, exit 124 (as
  ``timeout(1)``);
- every ``INTERVAL_S`` seconds it reads the snapshot's fill with ``lvs``; at ``WARN`` % or more the
  command is stopped the same way, ``hatui-backup: snapshot SNAP is N% full (stop level W%): job
  stopped`` goes to stderr, exit 75 (``EX_TEMPFAIL``): a snapshot left to fill to 100 % becomes
  invalid, and a backup read from it is garbage;
- the wrapper gets HUP, INT or TERM (``timeout(1)`` around it, a cancel): the command is stopped the
  same way, exit 143.

The script is one line (its source lines joined by spaces), so the confirmation and the audit log show
the exact argv readably. It needs ``date +%s`` (GNU, busybox) and, for the process group,
``setsid`` (util-linux, in every Debian since before lenny); without ``setsid`` only the command's
shell is stopped.
"""

from __future__ import annotations

import shlex
from dataclasses import replace
from datetime import datetime

from hatui.actions.commands import Command, Danger, Tools, checked, make
from hatui.actions.commands_lvm import stamp
from hatui.errors import ActionRefused

#: What the script calls itself (``$0``): the demo recognises the job by it.
JOB_NAME = "hatui-backup"
#: Exit statuses of the wrapper when it stops the command (the command's own otherwise).
EXIT_FILLING = 75
EXIT_TIME_LIMIT = 124
#: Seconds the wrapper may take past the limit: the last check, TERM then KILL after 10 s, and a margin.
STOP_GRACE_S = 30.0

_SCRIPT_LINES = r"""
snap=$1; limit=$3; warn=$4; every=$5;
HATUI_SNAPSHOT=$1; HATUI_DEVICE=$2; HATUI_VM=$6; HATUI_NODE=$7; HATUI_STAMP=$8;
HATUI_LV=${1#*/}; HATUI_LV=${HATUI_LV%-hatui-*};
export HATUI_SNAPSHOT HATUI_DEVICE HATUI_VM HATUI_NODE HATUI_STAMP HATUI_LV;
if command -v setsid >/dev/null 2>&1; then setsid sh -c "$9" & else sh -c "$9" & fi;
job=$!; start=$(date +%s); next=$start;
stop() {
  trap '' HUP INT TERM;
  kill -TERM -$job 2>/dev/null || kill -TERM $job 2>/dev/null;
  n=0;
  while kill -0 -$job 2>/dev/null || kill -0 $job 2>/dev/null; do
    n=$((n + 1));
    if [ $n -ge 10 ]; then kill -KILL -$job 2>/dev/null || kill -KILL $job 2>/dev/null; fi;
    sleep 1;
  done;
  wait $job 2>/dev/null;
  echo "hatui-backup: $2" >&2;
  exit $1;
};
trap 'stop 143 "stopped by a signal: job stopped"' HUP INT TERM;
while kill -0 $job 2>/dev/null; do
  now=$(date +%s);
  if [ $((now - start)) -ge $limit ]; then stop 124 "time limit of ${limit}s reached: job stopped"; fi;
  if [ $now -ge $next ]; then
    next=$((now + every));
    fill=$(env LVM_SUPPRESS_FD_WARNINGS=1 lvs --noheadings --units b --nosuffix -o snap_percent "$snap"
      2>/dev/null | tail -n 1 | tr -d '[:space:]');
    whole=${fill%%[.,]*};
    case $whole in
      ''|*[!0-9]*) ;;
      *) if [ $whole -ge $warn ]; then
        stop 75 "snapshot $snap is $fill% full (stop level $warn%): job stopped"; fi;;
    esac;
  fi;
  sleep 1;
done;
wait $job
"""

#: The wrapper, one line (see the module docstring).
SCRIPT = " ".join(line.strip() for line in _SCRIPT_LINES.strip().splitlines())


#: Stops a running wrapper of snapshot ``$1`` (its words are matched in the process list), waits up to
#: 20 s for it to be gone, and always exits 0: sent when hatui lost sight of a job (a cancel, a
#: dropped connection), before the snapshot is removed, which LVM refuses while the job reads it.
STOP_SCRIPT = (
    'pkill -TERM -f "$1" 2>/dev/null; n=0; '
    'while pgrep -f "$1" >/dev/null 2>&1 && [ $n -lt 20 ]; do sleep 1; n=$((n + 1)); done; exit 0'
)
STOP_NAME = "hatui-backup-stop"


def stop_argv(job: tuple[str, ...]) -> tuple[str, ...] | None:
    """The argv that stops the job ``job`` runs (with its ``sudo -n``), or None when it is no job.

    The pattern is the wrapper's own words (``hatui-backup vg/snap /dev/...``) as an extended regular
    expression whose first letter is bracketed (``[h]atui-backup``), so that it does not match the
    stopping command's own words; every other character that is not a letter, digit, ``_``, ``-``
    or ``/`` is bracketed too (``+`` and ``.`` are legal in LVM names).
    """
    sudo = job[:2] if job[:2] == ("sudo", "-n") else ()
    words = job[len(sudo) :]
    if len(words) < 6 or words[:2] != ("sh", "-c") or words[3] != JOB_NAME:
        return None
    plain = (ch if ch.isalnum() or ch in "_-/ " else f"[{ch}]" for ch in f"{words[4]} {words[5]}")
    pattern = f"[h]atui-backup {''.join(plain)}"
    return (*sudo, "sh", "-c", STOP_SCRIPT, STOP_NAME, pattern)


def shown_words(argv: tuple[str, ...]) -> str | None:
    """A job's argv for people: the wrapper's thousand characters as ``<hatui-backup wrapper>``, the
    rest quoted as a shell would read it; None when ``argv`` is no job (nor its stop)."""
    sudo = argv[:2] if argv[:2] == ("sudo", "-n") else ()
    words = argv[len(sudo) :]
    if len(words) < 4 or words[:2] != ("sh", "-c") or words[3] not in (JOB_NAME, STOP_NAME):
        return None
    script = "<hatui-backup wrapper>" if words[3] == JOB_NAME else "<hatui-backup stop>"
    return " ".join((*sudo, "sh", "-c", script, shlex.join(words[3:])))


def job_argv(
    snapshot: str,
    device: str,
    *,
    limit_s: float,
    warn_percent: float,
    interval_s: float,
    vm: str,
    node: str,
    when: datetime,
    command: str,
) -> tuple[str, ...]:
    """The wrapper's argv (without ``sudo``): the words are positional, never parsed by a shell."""
    numbers = (max(1, round(limit_s)), max(1, round(warn_percent)), max(1, round(interval_s)))
    return (
        "sh",
        "-c",
        SCRIPT,
        JOB_NAME,
        snapshot,
        device,
        *map(str, numbers),
        vm,
        node,
        stamp(when),
        command,
    )


def backup_job(
    vg: str,
    snapshot: str,
    *,
    vm: str,
    node: str,
    when: datetime,
    command: str,
    limit_s: float,
    warn_percent: float,
    interval_s: float,
    tools: Tools,
) -> Command:
    """The backup job reading snapshot ``vg/snapshot`` on ``node``, as the runner runs it.

    Raises:
        ActionRefused: an empty command, or a name that cannot be passed safely.
    """
    if not command.strip():
        raise ActionRefused("the backup command is empty (backup: command: in the config)")
    path = f"{checked('volume group', vg)}/{checked('snapshot', snapshot)}"
    argv = job_argv(
        path,
        f"/dev/{path}",
        limit_s=limit_s,
        warn_percent=warn_percent,
        interval_s=interval_s,
        vm=checked("VM", vm),
        node=node,
        when=when,
        command=command,
    )
    summary = (
        f"run the backup command on {node} reading {path} "
        f"(stopped past {limit_s:g}s or at {warn_percent:g}% snapshot fill)"
    )
    cmd = make(argv, node, Danger.CHANGE, summary, tools)
    return replace(cmd, timeout_s=limit_s + 2 * interval_s + STOP_GRACE_S, watch=path)
