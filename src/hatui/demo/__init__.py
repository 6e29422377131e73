"""Provides the built-in demo cluster (``hatui --demo``): a simulated Pacemaker/DRBD/Xen cluster.

``cluster = DemoCluster(generation="seed")`` (the default; or ``"modern"``) runs on the real
monotonic clock and plays the reference cluster's 2010 stack (Pacemaker 1.0.9, Corosync 1.2.1,
DRBD 8.3.7, Xen 3.2) or today's (Pacemaker 2.1.5, Corosync 3, DRBD 9, Xen 4.17).
``cluster.transport(name)`` for each name in ``cluster.node_names`` gives a Transport that answers
the commands a real node of that stack would answer, in the real output formats, so the whole
pipeline runs unchanged.
``FAULTS`` lists the faults ``cluster.inject(fault, target)`` can cause (for a demo key), and
``cluster.messages`` keeps a timestamped line per thing the demo did (for an event pane).
"""

from __future__ import annotations

from hatui.demo.cluster import DemoCluster
from hatui.demo.faults import FAULTS
from hatui.demo.transport import DemoTransport

__all__ = ["FAULTS", "DemoCluster", "DemoTransport"]
