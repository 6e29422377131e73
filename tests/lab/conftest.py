"""Provides the lab fixtures: ``lab`` (one real cluster per test session) and ``healthy_lab``.

``lab`` is a ``tests.lab.harness.Lab`` that is up: three nodes ``vnode1..3`` on 127.0.0.2-4,
``vm1`` on vnode1 and ``vm2`` on vnode3 with vnode2 as the spare. Use ``lab.nodes``,
``lab.addresses``, ``lab.ssh_ports``, ``lab.config_path`` (hatui YAML, cluster ``lab``),
``lab.vms``, ``lab.run(node, cmd)`` (nsenter), ``lab.ssh(node, cmd)``, ``lab.status()`` and the
faults (``kill``, ``restart``, ``freeze``/``thaw``, ``kill_sshd``/``start_sshd``, ``hang``,
``fail_monitor``, ``split_brain``). Tests share the cluster: ask for ``healthy_lab`` to start
from a healed cluster with every VM at home. The lab tests skip (one line saying why) only when
not root or when pacemaker/corosync are missing; with ``HATUI_LAB_REQUIRED=1`` (CI) they fail.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from . import cleanup
from .harness import Lab, LabError, missing_prerequisites


def require_lab() -> None:
    """Skips (or, under HATUI_LAB_REQUIRED=1, fails) the test when the lab cannot run here."""
    why = missing_prerequisites()
    if why is None:
        return
    if os.environ.get("HATUI_LAB_REQUIRED"):
        pytest.fail(f"HATUI_LAB_REQUIRED is set but the lab cannot run: {why}")
    pytest.skip(f"lab: {why}")


@pytest.fixture(scope="session")
def lab() -> Iterator[Lab]:
    require_lab()
    for stale in cleanup.stale_labs(owner="pytest"):
        cleanup.teardown_state(stale)
    the_lab = Lab()
    try:
        the_lab.up()
        yield the_lab
    finally:
        problems = the_lab.down()
    assert not problems, "lab tear-down left:\n" + "\n".join(problems)


@pytest.fixture
def healthy_lab(lab: Lab) -> Lab:
    """The session's lab, healed: every fault undone, every VM on its home node, DRBD in sync.

    If healing fails (a previous test left the cluster in a state it cannot undo), every node is
    rebooted once so that one broken test does not fail all the following ones.
    """
    try:
        lab.ensure_healthy(rebalance=True)
    except LabError:
        lab.reboot_all()
        lab.ensure_healthy(rebalance=True)
    return lab
