"""Provides the parser of the CIB's cluster options: ``cibadmin -Q --scope crm_config``.

Pacemaker 1.0's crm_mon prints no cluster options, so on a node whose crm_mon speaks text only
the options are read from the CIB itself: ``symmetric-cluster``, ``maintenance-mode``,
``stonith-enabled`` and ``no-quorum-policy``, from the ``cluster_property_set``\\ s in document order
(Pacemaker reads ``cib-bootstrap-options`` first; a later set does not override an earlier one).
An option the CIB does not set has Pacemaker's default (1.0.9's ``lib/pengine/common.c``, the same
in 2.x): the CIB was read, so "unset" is a known value, not an unknown one.
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

    def flag(name: str, default: bool) -> bool:
        value = attr_bool(values.get(name), "value")
        return default if value is None else value

    return ClusterOptions(
        symmetric_cluster=flag("symmetric-cluster", True),
        maintenance_mode=flag("maintenance-mode", False),
        stonith_enabled=flag("stonith-enabled", True),
        no_quorum_policy=(policy.get("value") if policy is not None else None) or "stop",
    )
