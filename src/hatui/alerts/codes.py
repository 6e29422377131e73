"""Provides ``PROBLEM_CODES``: every code the verdict reports, so that a rule naming another is refused.

A typo in a rule's ``codes`` (``node-unreachble``) would match nothing and page no one, the worst
way for an alert to fail: it is a config error instead, with the nearest code suggested. The codes
are those the README lists under "How hatui decides"; a test holds this set, that list and every
code the model's health rules spell out to each other, so a new problem code cannot be left out.
"""

from __future__ import annotations

from hatui.model.health_storage import STORAGE_CODES

PROBLEM_CODES = STORAGE_CODES | frozenset(
    {
        "no-quorum",
        "partition",
        "no-nodes",
        "no-dc",
        "node-not-member",
        "node-offline",
        "node-unclean",
        "node-unreachable",
        "host-key-changed",
        "host-key-unknown",
        "pacemaker-unread",
        "no-node-polled",
        "node-standby",
        "node-maintenance",
        "maintenance-mode",
        "resource-failed",
        "fail-count",
        "resource-stopped",
        "resource-multi-active",
        "failed-action",
        "fence-failed",
        "stonith-disabled",
        "constraint-leftover",
        "pinned",
        "drbd-standalone",
        "drbd-split-brain",
        "drbd-disconnected",
        "drbd-degraded",
        "drbd-syncing",
        "drbd-dual-primary",
        "domain-multi-active",
        "domain-crashed",
        "domain-unmanaged-move",
        "vm-no-domain",
        "vm-disk-not-primary",
        "resource-blocked",
        "resource-unmanaged",
        "resource-pending",
        "action-in-flight",
        "ring-faulty",
        "n-plus-one",
    }
)
