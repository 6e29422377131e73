"""Provides the seed demo's Pacemaker 1.0.9 programs, by name (the dispatcher's table for ``seed``)."""

from __future__ import annotations

from hatui.demo.commands import Handler
from hatui.demo.seed_attrs import cibadmin10, crm_attribute10, crm_failcount10, crm_standby10
from hatui.demo.seed_crm import crm10
from hatui.demo.seed_mon import crm_mon10
from hatui.demo.seed_ptest import ptest10
from hatui.demo.seed_resource import crm_resource10

HANDLERS: dict[str, Handler] = {
    "crm_mon": crm_mon10,
    "crm_resource": crm_resource10,
    "crm_attribute": crm_attribute10,
    "crm_standby": crm_standby10,
    "crm_failcount": crm_failcount10,
    "cibadmin": cibadmin10,
    "ptest": ptest10,
    "crm": crm10,
}
