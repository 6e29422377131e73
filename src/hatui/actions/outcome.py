"""Provides what a preview means for the VMs: which ones the scheduler predicts will stop.

A confirmation leads with it ("⚠ 2 VMs will STOP: elearning, vconf") and asks for a name typed,
whatever the action is: a VM stops as surely through a standby, its DRBD resource or its group as
through its own stop. A VM counts as stopping when a phase of the plan stops it and starts it
nowhere (``expect.stopped_by``: a restart is an outage too).
"""

from __future__ import annotations

from collections.abc import Sequence

from hatui.actions.expect import stopped_by
from hatui.actions.preview import PreviewStage
from hatui.model.view import ClusterView
from hatui.model.vms import vm_rows


def stopping_vms(view: ClusterView, stages: Sequence[PreviewStage]) -> tuple[str, ...]:
    """The VMs (by name, in the VMs pane's order) that some phase of the preview stops."""
    stopped = {r for st in stages for r in stopped_by(st)}
    return tuple(v.name for v in vm_rows(view) if v.resource in stopped)


def stop_warning(vms: Sequence[str]) -> str:
    """``⚠ VM sentinel will STOP`` or ``⚠ 2 VMs will STOP: elearning, vconf``."""
    if len(vms) == 1:
        return f"⚠ VM {vms[0]} will STOP"
    return f"⚠ {len(vms)} VMs will STOP: {', '.join(vms)}"


def name_to_type(target: str, vms: Sequence[str]) -> str:
    """The name typed to confirm stopping ``vms``: the VM's own, or the target's when several stop."""
    return vms[0] if len(vms) == 1 else target
