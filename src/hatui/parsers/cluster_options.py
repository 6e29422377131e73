"""Provides the parser of the CIB's cluster options: ``cibadmin -Q --scope crm_config``.

Pacemaker 1.0's crm_mon prints no cluster options, so on a node whose crm_mon speaks text only
the options are read from the CIB itself: ``symmetric-cluster``, ``maintenance-mode``,
``stonith-enabled`` and ``no-quorum-policy``, from the ``cluster_property_set``\\ s in document order
(Pacemaker reads ``cib-bootstrap-options`` first; a later set does not override an earlier one).
"""

from __future__ import annotations

from lxml import etree

from hatui.model.pacemaker import ClusterOptions
from hatui.parsers._xml import attr_bool, parse_document

__all__ = ["parse_cluster_options"]


def parse_cluster_options(data: bytes | str, source: str = "crm_config.xml") -> ClusterOptions:
    """Parses a ``<crm_config>`` section, or finds it in a whole ``<cib>``/``<configuration>``.

    Raises:
        ParseError: not XML, or no ``crm_config`` in it.
    """
    document = parse_document(data, source, ("crm_config", "cib", "configuration"))
    root = document.root
    section = root if root.tag == "crm_config" else root.find(".//crm_config")
    if section is None:
        raise document.error(root, "no <crm_config> in the CIB")
    values: dict[str, etree._Element] = {}
    for nvpair in section.iterfind("cluster_property_set/nvpair"):
        name = nvpair.get("name")
        if name and name not in values:
            values[name] = nvpair
    policy = values.get("no-quorum-policy")
    return ClusterOptions(
        symmetric_cluster=attr_bool(values.get("symmetric-cluster"), "value"),
        maintenance_mode=attr_bool(values.get("maintenance-mode"), "value"),
        stonith_enabled=attr_bool(values.get("stonith-enabled"), "value"),
        no_quorum_policy=policy.get("value") if policy is not None else None,
    )
