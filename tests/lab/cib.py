"""Provides the CIB every lab node starts from, so the cluster forms in seconds with its resources.

Seeding ``/var/lib/pacemaker/cib/cib.xml`` with ``dc-deadtime=2s`` cuts formation from ~23 s to
~5 s. ``crm_feature_set`` must be 3.16.1 (what Pacemaker 2.1.5 writes; 3.16.2 breaks
crm_simulate injections). The configuration mirrors the reference cluster (see ``layout``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from xml.sax.saxutils import quoteattr

if TYPE_CHECKING:
    from .layout import Layout, VmSpec

#: The Xen agent's ``monitor_scripts``: fails a monitor when the harness asks (``fail_monitor``).
MONITOR_CHECK = "/usr/local/sbin/lab-monitor-check"


def _nvpairs(owner: str, pairs: dict[str, str]) -> str:
    return "".join(
        f'          <nvpair id="{owner}-{name}" name="{name}" value={quoteattr(value)}/>\n'
        for name, value in pairs.items()
    )


def _vm_resources(layout: Layout, vm: VmSpec) -> str:
    params = {"xmfile": str(layout.xen_cfg(vm)), "shutdown_timeout": "5", "monitor_scripts": MONITOR_CHECK}
    clone_meta = {
        "promotable": "true", "promoted-max": "1", "promoted-node-max": "1", "clone-max": "2",
        "clone-node-max": "1", "notify": "true",
    }  # fmt: skip
    p, c = vm.drbd_primitive, vm.drbd_clone
    return (
        f'      <primitive id="{vm.name}" class="ocf" provider="heartbeat" type="Xen">\n'
        f'        <instance_attributes id="{vm.name}-instance_attributes">\n'
        f"{_nvpairs(f'{vm.name}-instance_attributes', params)}"
        "        </instance_attributes>\n"
        f'        <meta_attributes id="{vm.name}-meta_attributes">\n'
        f"{_nvpairs(f'{vm.name}-meta_attributes', {'target-role': 'Started'})}"
        "        </meta_attributes>\n"
        "        <operations>\n"
        f'          <op id="{vm.name}-monitor-10s" name="monitor" interval="10s" timeout="30s"/>\n'
        f'          <op id="{vm.name}-start-0" name="start" interval="0s" timeout="60s"/>\n'
        f'          <op id="{vm.name}-stop-0" name="stop" interval="0s" timeout="40s"/>\n'
        "        </operations>\n"
        "      </primitive>\n"
        f'      <clone id="{c}">\n'
        f'        <meta_attributes id="{c}-meta_attributes">\n'
        f"{_nvpairs(f'{c}-meta_attributes', clone_meta)}"
        "        </meta_attributes>\n"
        f'        <primitive id="{p}" class="ocf" provider="linbit" type="drbd">\n'
        f'          <instance_attributes id="{p}-instance_attributes">\n'
        f"{_nvpairs(f'{p}-instance_attributes', {'drbd_resource': vm.drbd})}"
        "          </instance_attributes>\n"
        "          <operations>\n"
        f'            <op id="{p}-monitor-10s" name="monitor" interval="10s" role="Promoted"'
        ' timeout="20s"/>\n'
        f'            <op id="{p}-monitor-11s" name="monitor" interval="11s" role="Unpromoted"'
        ' timeout="20s"/>\n'
        f'            <op id="{p}-start-0" name="start" interval="0s" timeout="240s"/>\n'
        f'            <op id="{p}-stop-0" name="stop" interval="0s" timeout="100s"/>\n'
        f'            <op id="{p}-promote-0" name="promote" interval="0s" timeout="90s"/>\n'
        f'            <op id="{p}-demote-0" name="demote" interval="0s" timeout="90s"/>\n'
        "          </operations>\n"
        "        </primitive>\n"
        "      </clone>\n"
    )


def _vm_constraints(vm: VmSpec) -> str:
    c = vm.drbd_clone
    return (
        f'      <rsc_location id="loc-{vm.name}-{vm.home}" rsc="{vm.name}" score="100" node="{vm.home}"/>\n'
        f'      <rsc_location id="loc-{vm.name}-{vm.spare}" rsc="{vm.name}" score="50" node="{vm.spare}"/>\n'
        f'      <rsc_location id="loc-{c}-{vm.home}" rsc="{c}" score="100" node="{vm.home}"/>\n'
        f'      <rsc_location id="loc-{c}-{vm.spare}" rsc="{c}" score="50" node="{vm.spare}"/>\n'
        f'      <rsc_colocation id="col-{vm.name}-on-{c}" score="INFINITY" rsc="{vm.name}" '
        f'with-rsc="{c}" with-rsc-role="Promoted"/>\n'
        f'      <rsc_order id="ord-{c}-before-{vm.name}" kind="Mandatory" first="{c}" '
        f'first-action="promote" then="{vm.name}" then-action="start"/>\n'
    )


def seeded_cib(layout: Layout) -> str:
    props = {
        "cluster-infrastructure": "corosync", "cluster-name": layout.cluster_name,
        "stonith-enabled": "false", "symmetric-cluster": "false", "no-quorum-policy": "stop",
        "dc-deadtime": "2s",
    }  # fmt: skip
    nodes = "".join(f'      <node id="{i}" uname="{n}"/>\n' for i, n in enumerate(layout.nodes, start=1))
    resources = "".join(_vm_resources(layout, vm) for vm in layout.vms)
    constraints = "".join(_vm_constraints(vm) for vm in layout.vms)
    return (
        '<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="1" num_updates="0" '
        'admin_epoch="0">\n'
        "  <configuration>\n"
        "    <crm_config>\n"
        '      <cluster_property_set id="cib-bootstrap-options">\n'
        f"{_nvpairs('cib-bootstrap-options', props)}"
        "      </cluster_property_set>\n"
        "    </crm_config>\n"
        f"    <nodes>\n{nodes}    </nodes>\n"
        f"    <resources>\n{resources}    </resources>\n"
        f"    <constraints>\n{constraints}    </constraints>\n"
        "    <rsc_defaults>\n"
        '      <meta_attributes id="rsc-options">\n'
        f"{_nvpairs('rsc-options', {'resource-stickiness': 'INFINITY'})}"
        "      </meta_attributes>\n"
        "    </rsc_defaults>\n"
        "  </configuration>\n"
        "  <status/>\n"
        "</cib>\n"
    )
