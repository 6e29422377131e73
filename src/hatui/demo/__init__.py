"""Provides the built-in demo cluster (``hatui --demo``): a simulated Pacemaker/DRBD/Xen cluster.

``cluster = DemoCluster()`` runs on the real monotonic clock; ``cluster.transport(name)`` for each
name in ``cluster.node_names`` gives a Transport that answers the commands a real node of the
reference cluster would answer, in the real output formats, so the whole pipeline runs unchanged.
``FAULTS`` lists the faults ``cluster.inject(fault, target)`` can cause (for a demo key), and
``cluster.messages`` keeps a timestamped line per thing the demo did (for an event pane).
"""

from __future__ import annotations

from hatui.demo.cluster import DemoCluster
from hatui.demo.faults import FAULTS
from hatui.demo.transport import DemoTransport

__all__ = ["FAULTS", "DemoCluster", "DemoTransport"]
