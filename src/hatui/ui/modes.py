"""Provides the console modes and the one list of actions that change a cluster.

Read-only (``--monitor``, or a cluster whose config says ``mode: read-only``) must not be able to start
any action that writes to a cluster: every ``check_action`` in the UI asks ``action_allowed``, which
hides such bindings from the footer and the help panel and makes ``App.run_action`` refuse them. The
command palette does not call ``check_action``, so the app's command list asks ``action_allowed`` too.
"""

from __future__ import annotations

from hatui.actions.catalog import WRITES
from hatui.config import ClusterConfig

#: Every action (the ``action_<name>`` method name without the prefix) that writes to a cluster,
#: or hands over a console or a shell: the catalog's writing actions. ``why_resource`` only reads,
#: so it stays available in a read-only cluster (the runner still refuses it in monitor mode).
WRITE_ACTIONS: frozenset[str] = WRITES

READ_ONLY = "read-only"


def is_read_only(cluster: ClusterConfig, monitor: bool) -> bool:
    """True for the wall screen and for clusters configured read-only."""
    return monitor or cluster.mode == READ_ONLY


def action_allowed(read_only: bool, action: str) -> bool:
    """False for a cluster-writing action in read-only mode; True otherwise.

    The set is looked up at call time (not copied at import) so the actions module and the tests
    can extend it.
    """
    return not (read_only and action in WRITE_ACTIONS)
