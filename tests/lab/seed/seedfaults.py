"""Provides the seed lab's faults and its healing steps, in Pacemaker 1.0.9's own commands.

1.0.9 has no ``--ban``/``--clear``: a ban of the current node is ``crm_resource -M -r R``
(``cli-standby-R``), a ban elsewhere a ``cli-ban-R-on-N`` location made with ``cibadmin -C``, a
clear ``crm_resource -U -r R`` plus deleting those locations; a move home under stickiness
INFINITY is ``crm_resource -M -r R -N HOME -f`` then ``-U``. A ring fault marks Corosync ring 1
FAULTY for the ``corosync-cfgtool`` stand-in until ``corosync-cfgtool -r`` (cluster-wide, as 1.2.1).
Freezing is not offered: the seed lab has no cgroup per node.
"""

from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING

from ..harness import LabError

if TYPE_CHECKING:
    from .harness import SeedLab

_CLI_ID = re.compile(r'<rsc_location[^>]* id="(cli-[^"]+)"')


class SeedFaultsMixin:
    """Mixed into ``SeedLab`` ahead of the modern lab's faults."""

    def freeze(self: SeedLab, node: str) -> None:
        raise LabError("the seed lab cannot freeze a node (no cgroup per node)")

    thaw = freeze

    def start_sshd(self: SeedLab, node: str, timeout: float = 5.0) -> None:
        self.run(node, ["/usr/sbin/sshd", "-f", "/etc/ssh/sshd_config", "-E", "/run/sshd.log"], check=True)
        self.wait_for(lambda: self.sshd_listening(node), timeout, f"sshd of {node} listening")

    # -- Corosync rings (the corosync-cfgtool stand-in reads these flags) -----------------------------

    def fault_ring(self: SeedLab, ring: int = 1) -> None:
        """Marks ``ring`` FAULTY on every node, as a redundant ring's failure shows in Corosync 1.2.1."""
        (self.state_dir / "faults" / f"ring{ring}-faulty").write_text(str(int(time.time())))

    def ring_faulty(self: SeedLab, ring: int = 1) -> bool:
        return (self.state_dir / "faults" / f"ring{ring}-faulty").exists()

    # -- constraints, 1.0.9 style ----------------------------------------------------------------------

    def cli_constraints(self: SeedLab) -> list[str]:
        return _CLI_ID.findall(self.crm("cibadmin", "-Q", "-o", "constraints"))

    def ban(self: SeedLab, resource: str, node: str) -> None:
        if self.status().where(resource) == node:
            self.crm("crm_resource", "-M", "-r", resource, "-Q")
        else:
            cid = f"cli-ban-{resource}-on-{node}"
            xml = f'<rsc_location id="{cid}" rsc="{resource}" node="{node}" score="-INFINITY"/>'
            self.crm("cibadmin", "-C", "-o", "constraints", "-X", xml)

    def clear(self: SeedLab, resource: str) -> None:
        self.crm("crm_resource", "-U", "-r", resource, check=False)
        for cid in self.cli_constraints():
            if cid.startswith(f"cli-ban-{resource}-on-"):
                self._delete_location(cid)

    def clear_all_steering(self: SeedLab) -> None:
        """No ban or move left on the VMs and their sets, and no node in standby (a test that failed
        half-way through a standby must not fail the next ones)."""
        for node in self.nodes:
            self.crm("crm_standby", "-N", node, "-D", check=False)
        for vm in self.vms.values():
            for rsc in (vm.name, vm.drbd_clone):
                self.crm("crm_resource", "-U", "-r", rsc, check=False)
        for cid in self.cli_constraints():
            self._delete_location(cid)

    def _delete_location(self: SeedLab, cid: str) -> None:
        self.crm("cibadmin", "-D", "-o", "constraints", "-X", f'<rsc_location id="{cid}"/>', check=False)

    def move_home(self: SeedLab, vm: str, timeout: float = 40.0) -> None:
        spec = self.vms[vm]
        if self.status().where(vm) == spec.home:
            return
        self.wait_drbd_synced(spec.drbd, timeout=timeout)
        # -f makes the change cib_scope_local: run anywhere but on the DC, it never reaches the DC's
        # CIB (its diff is refused there) and nothing moves (seen on 1.0.9).
        self.crm("crm_resource", "-M", "-r", vm, "-N", spec.home, "-f", node=self.status().dc)
        try:
            self.wait_vm_on(vm, spec.home, timeout=timeout)
        finally:
            self.crm("crm_resource", "-U", "-r", vm, check=False)
        self.wait_drbd_synced(spec.drbd, timeout=timeout)

    def _has_failures(self: SeedLab) -> bool:
        text = self.crm_mon_text()
        return "fail-count=" in text or "Failed actions:" in text

    def cleanup_failures(self: SeedLab) -> None:
        """1.0 cleans one resource at a time (``-C`` needs ``-r``); clone instances are R:0, R:1."""
        for vm in self.vms.values():
            for rsc in (vm.name, f"{vm.drbd_primitive}:0", f"{vm.drbd_primitive}:1"):
                self.crm("crm_resource", "-C", "-r", rsc, check=False)
