"""Provides ``CATALOG``: every keybound action, its target kind, key and whether it writes.

The UI builds its bindings, its palette commands and the read-only filter (``WRITE_ACTIONS``) from
this one table, so a new action cannot be bound without also being refused in read-only mode.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ActionSpec:
    """One action: ``name`` is the ``action_<name>`` method the bindings call."""

    name: str
    label: str
    """Palette and footer wording, with ``{}`` for the target: ``Standby {}``."""
    kind: str
    """``node``, ``cluster``, ``resource``, ``vm`` or ``drbd``."""
    key: str
    writes: bool = True
    description: str = ""
    needs_node: bool = False
    """The palette offers one command per target node (``Move sentinel to vnode2``)."""

    @property
    def binding_id(self) -> str:
        """The kebab-case binding id users remap in ``keymap:``."""
        return self.name.replace("_", "-")


_SPECS = (
    ActionSpec("standby", "Standby {}", "node", "S", description="Move every resource off the node"),
    ActionSpec("online", "Online {}", "node", "O", description="Take the node out of standby"),
    ActionSpec("node_maintenance_on", "Maintenance on {}", "node", "N", description="Unmanage the node"),
    ActionSpec(
        "node_maintenance_off", "Maintenance off {}", "node", "U", description="Manage the node again"
    ),
    ActionSpec("node_shell", "Shell on {}", "node", "T", description="Interactive SSH shell on the node"),
    ActionSpec(
        "cluster_maintenance",
        "Toggle cluster maintenance-mode",
        "cluster",
        "K",
        description="Unmanage (or manage again) every resource",
    ),
    ActionSpec("cleanup_all", "Clean up every failure", "cluster", "C", description="crm_resource --cleanup"),
    ActionSpec("start_resource", "Start {}", "resource", "u", description="target-role Started"),
    ActionSpec("stop_resource", "Stop {}", "resource", "x", description="target-role Stopped"),
    ActionSpec("restart_resource", "Restart {}", "resource", "R", description="Stop, then start again"),
    ActionSpec(
        "move_resource",
        "Move {} to {}",
        "resource",
        "m",
        needs_node=True,
        description="Fail over to a chosen node (works under stickiness INFINITY)",
    ),
    ActionSpec(
        "migrate_resource",
        "Live-migrate {} to {}",
        "resource",
        "M",
        needs_node=True,
        description="Move without a restart (allow-migrate=true)",
    ),
    ActionSpec("ban_resource", "Ban {} from {}", "resource", "b", needs_node=True, description="cli-ban"),
    ActionSpec("clear_resource", "Clear constraints of {}", "resource", "c", description="Remove cli-*"),
    ActionSpec("cleanup_resource", "Clean up failures of {}", "resource", "C", description="Fail-counts too"),
    ActionSpec(
        "why_resource",
        "Why is {} (not) running",
        "resource",
        "y",
        writes=False,
        description="crm_resource --why, fail-counts, constraints",
    ),
    ActionSpec("vm_console", "Console of {}", "vm", "v", description="xm/xl/virsh console; Ctrl-] returns"),
    ActionSpec("drbd_connect", "Connect {}", "drbd", "c", description="drbdadm connect"),
    ActionSpec("drbd_disconnect", "Disconnect {}", "drbd", "D", description="drbdadm disconnect"),
    ActionSpec("drbd_primary", "Primary {}", "drbd", "P", description="drbdadm primary"),
    ActionSpec("drbd_force_primary", "FORCE primary {}", "drbd", "F", description="Overwrites the peer"),
    ActionSpec("drbd_secondary", "Secondary {}", "drbd", "S", description="drbdadm secondary"),
    ActionSpec("drbd_invalidate", "Invalidate {}", "drbd", "I", description="Full resync from the peer"),
    ActionSpec("drbd_verify", "Verify {}", "drbd", "V", description="Online verify"),
    ActionSpec("drbd_pause_sync", "Pause sync of {}", "drbd", "z", description="drbdadm pause-sync"),
    ActionSpec("drbd_resume_sync", "Resume sync of {}", "drbd", "Z", description="drbdadm resume-sync"),
    ActionSpec(
        "drbd_split_brain",
        "Recover split-brain of {}",
        "drbd",
        "B",
        description="Pick the victim, discard its changes, resync",
    ),
)

CATALOG: dict[str, ActionSpec] = {s.name: s for s in _SPECS}

#: Actions that change a cluster (or hand over a console/shell): refused in read-only modes.
WRITES: frozenset[str] = frozenset(s.name for s in _SPECS if s.writes)


def for_kind(*kinds: str) -> tuple[ActionSpec, ...]:
    """The actions whose target is one of ``kinds``, in catalog order."""
    return tuple(s for s in _SPECS if s.kind in kinds)
