"""Provides ``CATALOG``: every action, its key, its planner, its safety checks and how it is run.

The UI builds its bindings, its palette commands and the read-only filter (``WRITES``) from this
one table, so a new action cannot be bound without also being refused in read-only mode. Nothing
compares action names: what differs between actions is a field here (the planner to call, the
checks to run first, whether a node or a split-brain victim must be chosen, how the result is
shown). ``ActionSpec.plan`` runs the named checks, then the planner; every path to a plan
(keys, palette, tests) goes through it.
"""

from __future__ import annotations

from hatui.actions.catalog_storage import STORAGE_IDS, STORAGE_SPECS
from hatui.actions.move import plan_migrate_request, plan_move_request
from hatui.actions.plan import Plan, Request
from hatui.actions.plans import (
    ActionContext,
    node_maintenance,
    plan_cleanup_all,
    plan_cluster_maintenance,
    plan_online,
    plan_standby,
    plan_why,
)
from hatui.actions.plans_drbd import drbd_planner, plan_drbd_force_primary
from hatui.actions.plans_resource import (
    plan_ban,
    plan_cleanup,
    plan_clear,
    plan_failcount_delete,
    plan_restart,
    plan_start,
    plan_stop,
)
from hatui.actions.plans_ring import plan_ring_reenable
from hatui.actions.sessions import plan_node_shell, plan_vm_console
from hatui.actions.spec import (
    HAS_NODE,
    NOT_IN_FLIGHT,
    NOT_MONITOR,
    QUORATE,
    WRITABLE,
    ActionSpec,
    Ask,
    Flow,
)
from hatui.actions.splitbrain import plan_split_brain

__all__ = [
    "CATALOG",
    "SHORT_IDS",
    "WRITES",
    "ActionSpec",
    "Ask",
    "Flow",
    "action_id",
    "find_action",
    "for_kind",
    "plan_action",
]


_PCMK = (WRITABLE, QUORATE)
_STEER = (*_PCMK, NOT_IN_FLIGHT)
_DRBD = (WRITABLE, HAS_NODE)

_SPECS = (
    ActionSpec(
        "standby",
        "Standby {}",
        "node",
        "S",
        plan_standby,
        _PCMK,
        description="Move every resource off the node",
        memory_check=True,
        footer=True,
        discover=True,
    ),
    ActionSpec(
        "online",
        "Online {}",
        "node",
        "O",
        plan_online,
        _PCMK,
        description="Take the node out of standby",
        footer=True,
    ),
    ActionSpec(
        "node_maintenance_on",
        "Maintenance on {}",
        "node",
        "N",
        node_maintenance(True),
        _PCMK,
        description="Unmanage the node",
    ),
    ActionSpec(
        "node_maintenance_off",
        "Maintenance off {}",
        "node",
        "U",
        node_maintenance(False),
        _PCMK,
        description="Manage the node again",
    ),
    ActionSpec(
        "ring_reenable",
        "Re-enable rings on {}",
        "node",
        "G",
        plan_ring_reenable,
        (WRITABLE,),
        description="corosync-cfgtool -r: take a FAULTY ring back once its network is repaired",
    ),
    ActionSpec(
        "node_shell",
        "Shell on {}",
        "node",
        "T",
        plan_node_shell,
        (WRITABLE,),
        description="Interactive SSH shell on the node",
        flow=Flow.SESSION,
    ),
    ActionSpec(
        "cluster_maintenance",
        "Toggle cluster maintenance-mode",
        "cluster",
        "K",
        plan_cluster_maintenance,
        _PCMK,
        description="Unmanage (or manage again) every resource",
        discover=True,
    ),
    ActionSpec(
        "cleanup_all",
        "Clean up every failure",
        "cluster",
        "C",
        plan_cleanup_all,
        _PCMK,
        description="crm_resource --cleanup",
    ),
    ActionSpec(
        "start_resource", "Start {}", "resource", "u", plan_start, _PCMK, description="target-role Started"
    ),
    ActionSpec(
        "stop_resource", "Stop {}", "resource", "x", plan_stop, _PCMK, description="target-role Stopped"
    ),
    ActionSpec(
        "restart_resource",
        "Restart {}",
        "resource",
        "R",
        plan_restart,
        _PCMK,
        description="Stop, then start again",
    ),
    ActionSpec(
        "move_resource",
        "Move {} to {}",
        "resource",
        "m",
        plan_move_request,
        _STEER,
        ask=Ask.NODE,
        clones=False,
        footer=True,
        discover=True,
        description="Fail over to a chosen node (works under stickiness INFINITY)",
    ),
    ActionSpec(
        "migrate_resource",
        "Live-migrate {} to {}",
        "resource",
        "M",
        plan_migrate_request,
        _STEER,
        ask=Ask.NODE,
        clones=False,
        reads_allow_migrate=True,
        description="Move without a restart (allow-migrate=true)",
    ),
    ActionSpec(
        "ban_resource",
        "Ban {} from {}",
        "resource",
        "b",
        plan_ban,
        _STEER,
        ask=Ask.NODE,
        to_node=False,
        description="cli-ban",
    ),
    ActionSpec(
        "clear_resource",
        "Clear constraints of {}",
        "resource",
        "c",
        plan_clear,
        _STEER,
        description="Remove cli-* (and a marker a dead hatui left)",
    ),
    ActionSpec(
        "cleanup_resource",
        "Clean up failures of {}",
        "resource",
        "C",
        plan_cleanup,
        _PCMK,
        description="Fail-counts too",
    ),
    ActionSpec(
        "failcount_delete",
        "Reset fail-count of {} on {}",
        "resource",
        "f",
        plan_failcount_delete,
        _PCMK,
        ask=Ask.NODE,
        to_node=False,
        description="crm_failcount -D: forget its failures there, so it may run there again",
    ),
    ActionSpec(
        "why_resource",
        "Why is {} (not) running",
        "resource",
        "y",
        plan_why,
        (NOT_MONITOR,),
        writes=False,
        flow=Flow.ANSWER,
        footer=True,
        description="crm_resource --why, fail-counts, constraints",
    ),
    ActionSpec(
        "vm_console",
        "Console of {}",
        "vm",
        "v",
        plan_vm_console,
        (WRITABLE,),
        flow=Flow.SESSION,
        footer=True,
        description="xm/xl/virsh console; Ctrl-] returns",
    ),
    ActionSpec(
        "drbd_connect",
        "Connect {}",
        "drbd",
        "c",
        drbd_planner("connect"),
        _DRBD,
        description="drbdadm connect",
    ),
    ActionSpec(
        "drbd_disconnect",
        "Disconnect {}",
        "drbd",
        "D",
        drbd_planner("disconnect"),
        _DRBD,
        description="drbdadm disconnect",
    ),
    ActionSpec(
        "drbd_primary",
        "Primary {}",
        "drbd",
        "P",
        drbd_planner("primary"),
        _DRBD,
        description="drbdadm primary",
    ),
    ActionSpec(
        "drbd_force_primary",
        "FORCE primary {}",
        "drbd",
        "F",
        plan_drbd_force_primary,
        _DRBD,
        description="Overwrites the peer",
    ),
    ActionSpec(
        "drbd_secondary",
        "Secondary {}",
        "drbd",
        "S",
        drbd_planner("secondary"),
        _DRBD,
        description="drbdadm secondary",
    ),
    ActionSpec(
        "drbd_invalidate",
        "Invalidate {}",
        "drbd",
        "I",
        drbd_planner("invalidate"),
        _DRBD,
        description="Full resync from the peer",
    ),
    ActionSpec(
        "drbd_verify", "Verify {}", "drbd", "V", drbd_planner("verify"), _DRBD, description="Online verify"
    ),
    ActionSpec(
        "drbd_pause_sync",
        "Pause sync of {}",
        "drbd",
        "z",
        drbd_planner("pause-sync"),
        _DRBD,
        description="drbdadm pause-sync",
    ),
    ActionSpec(
        "drbd_resume_sync",
        "Resume sync of {}",
        "drbd",
        "Z",
        drbd_planner("resume-sync"),
        _DRBD,
        description="drbdadm resume-sync",
    ),
    ActionSpec(
        "drbd_split_brain",
        "Recover split-brain of {}",
        "drbd",
        "B",
        plan_split_brain,
        (WRITABLE,),
        ask=Ask.VICTIM,
        footer=True,
        discover=True,
        description="Pick the victim, discard its changes, resync",
    ),
    *STORAGE_SPECS,
)

CATALOG: dict[str, ActionSpec] = {s.name: s for s in _SPECS}

#: Actions that change a cluster (or hand over a console/shell): refused in read-only modes.
WRITES: frozenset[str] = frozenset(s.name for s in _SPECS if s.writes)


def for_kind(*kinds: str) -> tuple[ActionSpec, ...]:
    """The actions whose target is one of ``kinds``, in catalog order."""
    return tuple(s for s in _SPECS if s.kind in kinds)


def plan_action(
    ctx: ActionContext,
    action: str,
    target: str | None = None,
    node: str | None = None,
    *,
    peer: str | None = None,
    volume: int | None = None,
    victim: str | None = None,
    allow_migrate: bool | None = None,
) -> Plan:
    """The plan of catalog action ``action`` (its checks first): a shorthand for scripts and tests."""
    req = Request(action, target, node, peer, volume, victim, allow_migrate)
    return CATALOG[action].plan(ctx, req)


#: The short ids ``hatui do`` takes where the binding id says more than a command line needs
#: (``move`` for ``move-resource``). Every other action is named by its binding id.
SHORT_IDS: dict[str, str] = {
    "start": "start_resource",
    "stop": "stop_resource",
    "restart": "restart_resource",
    "move": "move_resource",
    "migrate": "migrate_resource",
    "ban": "ban_resource",
    "clear": "clear_resource",
    "cleanup": "cleanup_resource",
    "why": "why_resource",
    "maintenance-on": "node_maintenance_on",
    "maintenance-off": "node_maintenance_off",
    "drbd-pause": "drbd_pause_sync",
    "drbd-resume": "drbd_resume_sync",
    "shell": "node_shell",
    "console": "vm_console",
    **STORAGE_IDS,
}


def action_id(spec: ActionSpec) -> str:
    """The id ``hatui do`` prints for ``spec``: its short id, else its binding id."""
    return next((k for k, v in SHORT_IDS.items() if v == spec.name), spec.binding_id)


def find_action(word: str) -> ActionSpec | None:
    """The action a command line names by its short id, binding id or catalog (audit log) name."""
    name = SHORT_IDS.get(word) or word.replace("-", "_")
    return CATALOG.get(name)
