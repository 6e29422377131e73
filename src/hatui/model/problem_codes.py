"""Provides ``PROBLEM_CODES``: every code the verdict reports, joined from the modules that give them.

Each rule module declares the codes it gives beside its rules (``HEALTH_CODES`` in
``hatui.model.health``, ``DRBD_CODES``, ``MEMBERSHIP_CODES``, ``VM_CODES``, ``STORAGE_CODES``, and
``VERDICT_CODES`` for hatui's own actions in flight); a test holds each set to the codes its module
spells out, and the union to the README's list under "How hatui decides". An alert rule naming a
code outside the union is refused (``hatui.alerts.rules``): a typo such as ``node-unreachble``
would match nothing and page no one, the worst way for an alert to fail.
"""

from __future__ import annotations

from hatui.model.health import HEALTH_CODES
from hatui.model.health_drbd import DRBD_CODES
from hatui.model.health_pacemaker import MEMBERSHIP_CODES
from hatui.model.health_storage import STORAGE_CODES
from hatui.model.health_vms import VM_CODES
from hatui.model.verdict import VERDICT_CODES

PROBLEM_CODES = HEALTH_CODES | MEMBERSHIP_CODES | DRBD_CODES | VM_CODES | STORAGE_CODES | VERDICT_CODES
"""The problem codes hatui reports, and so the codes an alert rule may name."""
