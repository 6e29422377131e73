"""Provides the CIB every seed-lab node starts from, in Pacemaker 1.0's own schema.

The reference cluster's shape (``tests.lab.layout``: vm1 home vnode1, vm2 home vnode3, vnode2
everybody's spare) written as 1.0.9 wants it: ``validate-with="pacemaker-1.0"``, ``<master>`` for
the DRBD pairs with ``master-max``, roles ``Master``/``Slave``, ``rsc_order`` with a score,
``symmetric-cluster=false``, stickiness INFINITY and ``dc-deadtime=5s`` (1.0.9's smallest: it
ignores values under 5 s and waits its default 60 s before the first election). No ``<node>``
entries: on heartbeat they carry UUIDs that exist only once each node has started, and the
cluster adds them itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from xml.sax.saxutils import quoteattr

if TYPE_CHECKING:
    from ..layout import Layout, VmSpec

from ..cib import MONITOR_CHECK


def _nvpairs(owner: str, pairs: dict[str, str], indent: str) -> str:
    return "".join(
        f'{indent}<nvpair id="{owner}-{name}" name="{name}" value={quoteattr(value)}/>\n'
        for name, value in pairs.items()
    )


def _vm(layout: Layout, vm: VmSpec) -> str:
    params = {"xmfile": str(layout.xen_cfg(vm)), "shutdown_timeout": "5", "monitor_scripts": MONITOR_CHECK}
    ms_meta = {"master-max": "1", "master-node-max": "1", "clone-max": "2", "clone-node-max": "1",
               "notify": "true"}  # fmt: skip
    p, ms = vm.drbd_primitive, vm.drbd_clone
    return (
        f'      <primitive id="{vm.name}" class="ocf" provider="heartbeat" type="Xen">\n'
        f'        <instance_attributes id="{vm.name}-instance_attributes">\n'
        f"{_nvpairs(f'{vm.name}-instance_attributes', params, ' ' * 10)}"
        "        </instance_attributes>\n"
        f'        <meta_attributes id="{vm.name}-meta_attributes">\n'
        f"{_nvpairs(f'{vm.name}-meta_attributes', {'target-role': 'Started'}, ' ' * 10)}"
        "        </meta_attributes>\n"
        "        <operations>\n"
        f'          <op id="{vm.name}-monitor-10s" name="monitor" interval="10s" timeout="30s"/>\n'
        f'          <op id="{vm.name}-start-0" name="start" interval="0" timeout="60s"/>\n'
        f'          <op id="{vm.name}-stop-0" name="stop" interval="0" timeout="40s"/>\n'
        "        </operations>\n"
        "      </primitive>\n"
        f'      <master id="{ms}">\n'
        f'        <meta_attributes id="{ms}-meta_attributes">\n'
        f"{_nvpairs(f'{ms}-meta_attributes', ms_meta, ' ' * 10)}"
        "        </meta_attributes>\n"
        f'        <primitive id="{p}" class="ocf" provider="linbit" type="drbd">\n'
        f'          <instance_attributes id="{p}-instance_attributes">\n'
        f"{_nvpairs(f'{p}-instance_attributes', {'drbd_resource': vm.drbd}, ' ' * 12)}"
        "          </instance_attributes>\n"
        "          <operations>\n"
        f'            <op id="{p}-monitor-10s" name="monitor" interval="10s" role="Master" timeout="20s"/>\n'
        f'            <op id="{p}-monitor-11s" name="monitor" interval="11s" role="Slave" timeout="20s"/>\n'
        f'            <op id="{p}-start-0" name="start" interval="0" timeout="240s"/>\n'
        f'            <op id="{p}-stop-0" name="stop" interval="0" timeout="100s"/>\n'
        "          </operations>\n"
        "        </primitive>\n"
        "      </master>\n"
    )


def _constraints(vm: VmSpec) -> str:
    ms = vm.drbd_clone
    return (
        f'      <rsc_location id="loc-{vm.name}-{vm.home}" rsc="{vm.name}" score="100" node="{vm.home}"/>\n'
        f'      <rsc_location id="loc-{vm.name}-{vm.spare}" rsc="{vm.name}" score="50" node="{vm.spare}"/>\n'
        f'      <rsc_location id="loc-{ms}-{vm.home}" rsc="{ms}" score="100" node="{vm.home}"/>\n'
        f'      <rsc_location id="loc-{ms}-{vm.spare}" rsc="{ms}" score="50" node="{vm.spare}"/>\n'
        f'      <rsc_colocation id="col-{vm.name}-on-{ms}" score="INFINITY" rsc="{vm.name}" '
        f'with-rsc="{ms}" with-rsc-role="Master"/>\n'
        f'      <rsc_order id="ord-{ms}-before-{vm.name}" score="INFINITY" first="{ms}" '
        f'first-action="promote" then="{vm.name}" then-action="start"/>\n'
    )


def seeded_cib_10(layout: Layout) -> str:
    props = {"stonith-enabled": "false", "symmetric-cluster": "false", "no-quorum-policy": "stop",
             "dc-deadtime": "5s", "cluster-recheck-interval": "1min"}  # fmt: skip
    return (
        '<cib validate-with="pacemaker-1.0" crm_feature_set="3.0.1" have-quorum="0" '
        'epoch="1" num_updates="0" admin_epoch="0">\n'
        "  <configuration>\n"
        "    <crm_config>\n"
        '      <cluster_property_set id="cib-bootstrap-options">\n'
        f"{_nvpairs('cib-bootstrap-options', props, ' ' * 8)}"
        "      </cluster_property_set>\n"
        "    </crm_config>\n"
        "    <nodes/>\n"
        f"    <resources>\n{''.join(_vm(layout, vm) for vm in layout.vms)}    </resources>\n"
        f"    <constraints>\n{''.join(_constraints(vm) for vm in layout.vms)}    </constraints>\n"
        "    <rsc_defaults>\n"
        '      <meta_attributes id="rsc-options">\n'
        f"{_nvpairs('rsc-options', {'resource-stickiness': 'INFINITY'}, ' ' * 8)}"
        "      </meta_attributes>\n"
        "    </rsc_defaults>\n"
        "  </configuration>\n"
        "  <status/>\n"
        "</cib>\n"
    )
